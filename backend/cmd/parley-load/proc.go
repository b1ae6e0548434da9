package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// What the tool reads of processes on this machine (Linux /proc): the CPU time of the server
// and of the PostgreSQL backends serving its database, the server's resident memory and its
// open-file limit.

// userHZ is the unit of /proc/<pid>/stat's times: 100 per second on every Linux the server runs on.
const userHZ = 100

// parseStatCPU returns the user plus system time of a /proc/<pid>/stat line. The command name
// (field 2) may hold spaces and parentheses, so fields are counted from the last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no command name in the stat line")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 { // f[0] is field 3 (state); utime and stime are fields 14 and 15
		return 0, errors.New("short stat line")
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// processCPU is the CPU time a process has used, all its threads together.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

// selfCPU is the CPU time this process has used, user and system, all its threads together
// (getrusage: microseconds, where /proc counts in hundredths of a second).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// parseStatusKiB returns a "Name:   N kB" field of /proc/<pid>/status in KiB.
func parseStatusKiB(status, name string) (int64, error) {
	for line := range strings.Lines(status) {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in the process status", name)
}

// residentKiB is a process's resident memory (VmRSS) in KiB.
func residentKiB(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	return parseStatusKiB(string(b), "VmRSS")
}

// parseOpenFilesLimit returns the soft "Max open files" of /proc/<pid>/limits (-1: unlimited).
func parseOpenFilesLimit(limits string) (int64, error) {
	for line := range strings.Lines(limits) {
		if v, ok := strings.CutPrefix(line, "Max open files"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			if f[0] == "unlimited" {
				return -1, nil
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, errors.New("no open-file limit in the process limits")
}

// openFilesLimit is a process's soft open-file limit.
func openFilesLimit(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/limits")
	if err != nil {
		return 0, err
	}
	return parseOpenFilesLimit(string(b))
}

// raiseOpenFiles lifts this process's open-file limit to the hard limit, so that it can hold as
// many sockets as the machine allows. (The Go runtime does the same at start since Go 1.19, for
// the server too; this keeps the tool's limit whatever started it.)
func raiseOpenFiles() error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("read the open-file limit: %w", err)
	}
	if l.Cur >= l.Max {
		return nil
	}
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("raise the open-file limit to %d: %w", l.Max, err)
	}
	return nil
}

// freePort finds a TCP port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// cpuMeter reads the CPU time of the server and, on PostgreSQL, of the backends connected to
// its database (whose processes are on this machine).
type cpuMeter struct {
	pid int
	pg  *pgx.Conn // nil on SQLite
}

// cpuSample is the CPU time used so far: the server's, and each database backend's.
type cpuSample struct {
	server   time.Duration
	backends map[int]time.Duration
}

// newCPUMeter starts measuring the server pid; databaseURL is "" on SQLite.
func newCPUMeter(ctx context.Context, pid int, databaseURL string) (*cpuMeter, error) {
	m := &cpuMeter{pid: pid}
	if databaseURL != "" {
		c, err := pgx.Connect(ctx, databaseURL)
		if err != nil {
			return nil, fmt.Errorf("connect to PostgreSQL to find the server's backends: %w", err)
		}
		m.pg = c
	}
	return m, nil
}

func (m *cpuMeter) close() {
	if m.pg != nil {
		_ = m.pg.Close(context.Background())
	}
}

// sample reads the CPU times now. A backend that ends between the listing and the reading is
// left out.
func (m *cpuMeter) sample(ctx context.Context) (cpuSample, error) {
	s := cpuSample{backends: map[int]time.Duration{}}
	var err error
	if s.server, err = processCPU(m.pid); err != nil {
		return s, fmt.Errorf("the server's CPU time: %w", err)
	}
	if m.pg == nil {
		return s, nil
	}
	rows, err := m.pg.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		return s, fmt.Errorf("list the database's backends: %w", err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return s, fmt.Errorf("list the database's backends: %w", err)
	}
	for _, pid := range pids {
		if t, err := processCPU(int(pid)); err == nil {
			s.backends[int(pid)] = t
		}
	}
	return s, nil
}

// cpuUsed is the CPU time from a to b: the server's, and the database backends' (a backend that
// started in between counts whole, as all its time is in between).
func cpuUsed(a, b cpuSample) (server, database time.Duration) {
	for pid, t := range b.backends {
		database += t - a.backends[pid]
	}
	return b.server - a.server, database
}
