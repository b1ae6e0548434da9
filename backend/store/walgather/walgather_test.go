package walgather

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// childEnv names the database a re-run of the test binary writes to until it is killed, and
// fullEnv the one a re-run writes to under a file size limit.
const (
	childEnv = "WALGATHER_CHILD_DB"
	fullEnv  = "WALGATHER_FULL_DB"
)

func TestMain(m *testing.M) {
	for env, run := range map[string]func(string) error{childEnv: child, fullEnv: fullChild} {
		if path := os.Getenv(env); path != "" {
			if err := run(path); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// startWriter re-runs the test binary as a writer to path (env names which one), its stdin
// and stdout the test's to drive and read; it is killed when ctx ends.
func startWriter(t *testing.T, ctx context.Context, env, path string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, stdin, bufio.NewScanner(stdout)
}

// writerDB opens path through the VFS for a writer process, in WAL mode with
// synchronous=NORMAL and the extra DSN parameters, with the test's tables.
func writerDB(path, extra string) (*sql.DB, error) {
	if err := Register(); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"+extra+"&vfs="+Name)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// insertLines writes rows lines of transaction n, spread over 50 chats, and returns the first
// error.
func insertLines(tx *sql.Tx, n, rows int, body string) error {
	for i := range rows {
		if _, err := tx.Exec(`INSERT INTO lines VALUES (?, ?, ?)`, fmt.Sprintf("chat-%03d", i%50), n*1000+i, body); err != nil {
			return err
		}
	}
	return nil
}

// openDB opens path through the VFS (gather) or SQLite's default one, in WAL mode with
// synchronous=NORMAL (the group committer's setting) and a page cache of cachePages pages.
func openDB(t testing.TB, path string, gather bool, cachePages int) *sql.DB {
	t.Helper()
	if err := Register(); err != nil {
		t.Fatal(err)
	}
	dsn := path + fmt.Sprintf("?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)&_pragma=cache_size(%d)", cachePages)
	if gather {
		dsn += "&vfs=" + Name
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func exec1(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

const schema = `CREATE TABLE IF NOT EXISTS lines (chat TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (chat, seq));
CREATE INDEX IF NOT EXISTS lines_body ON lines (body);
CREATE TABLE IF NOT EXISTS marks (n INTEGER PRIMARY KEY, lines INTEGER NOT NULL)`

// TestGathersCommits writes batches like the group committer's (a row in each of many chats,
// so every batch dirties a page of the primary key per chat) while a reader on SQLite's own
// VFS follows them: each commit it sees is whole, the log took far fewer writes than SQLite
// asked for, and the database checks out.
func TestGathersCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	w := openDB(t, path, true, 2000)
	exec1(t, w, schema)
	r := openDB(t, path, false, 2000)

	const batches, chats = 300, 40
	gatheredBefore, writtenBefore := gathered.Load(), written.Load()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			// Every batch writes one line into every chat and its mark in one
			// transaction: a reader sees lines = marks × chats, never a part.
			var lines, marks int
			if err := r.QueryRow(`SELECT (SELECT count(*) FROM lines), (SELECT count(*) FROM marks)`).Scan(&lines, &marks); err != nil {
				readErr = err
				return
			}
			if lines != marks*chats {
				readErr = fmt.Errorf("a reader saw %d lines for %d batches", lines, marks)
				return
			}
		}
	}()
	for b := 1; b <= batches; b++ {
		tx, err := w.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for c := range chats {
			if _, err := tx.Exec(`INSERT INTO lines VALUES (?, ?, ?)`, fmt.Sprintf("chat-%03d", c*37%chats), b, strings.Repeat(strconv.Itoa(b*c), 20)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tx.Exec(`INSERT INTO marks VALUES (?, ?)`, b, chats); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if readErr != nil {
		t.Fatal(readErr)
	}
	asked, made := gathered.Load()-gatheredBefore, written.Load()-writtenBefore
	t.Logf("%d batches: SQLite asked for %d log writes, %d were made", batches, asked, made)
	if asked < batches*chats {
		t.Fatalf("only %d writes gathered for %d batches of %d chats", asked, batches, chats)
	}
	if made*4 > asked {
		t.Fatalf("%d writes made for %d asked for: not gathered", made, asked)
	}
	checkDB(t, r, batches, batches*chats)
}

// checkDB runs SQLite's integrity check and counts the batches and lines.
func checkDB(t *testing.T, db *sql.DB, marks, lines int) {
	t.Helper()
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity check: %q %v", ok, err)
	}
	var n, l int
	if err := db.QueryRow(`SELECT count(*), coalesce(sum(lines), 0) FROM marks`).Scan(&n, &l); err != nil {
		t.Fatal(err)
	}
	var got int
	if err := db.QueryRow(`SELECT count(*) FROM lines`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if n != marks || got != l || (lines >= 0 && got != lines) {
		t.Fatalf("%d marks for %d lines (%d counted by the marks), want %d and %d", n, got, l, marks, lines)
	}
}

// child writes transactions into path through the VFS until it is killed, printing the number
// of each after its COMMIT returned. Its page cache is small, so a transaction spills pages to
// the log before its commit and then reads and writes some of them again: SQLite reads those
// frames back (from the gathered bytes while they are there), rewrites them in place and their
// checksums at the commit, the writes that do not continue the gathered ones.
func child(path string) error {
	db, err := writerDB(path, "&_pragma=cache_size(8)")
	if err != nil {
		return err
	}
	var from int
	if err := db.QueryRow(`SELECT coalesce(max(n), 0) FROM marks`).Scan(&from); err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	in := bufio.NewReader(os.Stdin)
	for n := from + 1; ; n++ {
		// The test says when to write the next transaction.
		if _, err := in.ReadString('\n'); err != nil {
			return err
		}
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		rows := 20 + n%7*60 // some transactions spill, some do not
		if err := insertLines(tx, n, rows, strings.Repeat("x", 150)); err != nil {
			return err
		}
		// Write the first rows' pages again, after the rest may have spilled them.
		if _, err := tx.Exec(`UPDATE lines SET body = ? WHERE seq >= ? AND seq < ?`, strings.Repeat("y", 150), n*1000, n*1000+10); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO marks VALUES (?, ?)`, n, rows); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		fmt.Fprintf(out, "%d %d %d\n", n, elsewhere.Load(), readGathered.Load())
		if err := out.Flush(); err != nil {
			return err
		}
	}
}

// TestKillKeepsCommits kills a writer (SIGKILL) that writes through the VFS, several times, at
// rest right after a COMMIT returned and in the middle of its next transaction, and opens the
// database with SQLite's own VFS after each: every transaction whose COMMIT had returned is
// there, whole (SQLite's recovery of the log checks every frame's checksum, so a frame or a
// rewritten checksum left in memory would lose it).
func TestKillKeepsCommits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts writer processes")
	}
	path := filepath.Join(t.TempDir(), "k.db")
	last := 0
	sawRewrites, sawReads := false, false
	for round, after := range []int{3, 12, 5, 20, 1} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd, stdin, sc := startWriter(t, ctx, childEnv, path)
		seen := 0
		_, _ = stdin.Write([]byte("\n"))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			n, _ := strconv.Atoi(f[0])
			if rw, _ := strconv.Atoi(f[1]); rw > 0 {
				sawRewrites = true
			}
			if rd, _ := strconv.Atoi(f[2]); rd > 0 {
				sawReads = true
			}
			last = max(last, n)
			seen++
			if seen == after && round%2 == 0 {
				// At rest, right after its COMMIT returned.
				_ = cmd.Process.Signal(syscall.SIGKILL)
				continue
			}
			_, _ = stdin.Write([]byte("\n"))
			if seen == after {
				// In the middle of the next transaction.
				time.Sleep(time.Duration(round) * time.Millisecond)
				_ = cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		_ = cmd.Wait()
		cancel()
		if seen < after {
			t.Fatalf("round %d: the writer stopped after %d commits", round, seen)
		}

		db := openDB(t, path, false, 2000)
		var marks, top int
		if err := db.QueryRow(`SELECT count(*), coalesce(max(n), 0) FROM marks`).Scan(&marks, &top); err != nil {
			t.Fatal(err)
		}
		if top < last {
			t.Fatalf("round %d: commit %d was acknowledged, the database holds up to %d", round, last, top)
		}
		checkDB(t, db, top, -1)
		_ = db.Close()
		// The next writer numbers on from what is stored.
		last = top
	}
	if !sawRewrites {
		t.Fatal("no transaction rewrote a frame of the log: the test did not reach that path")
	}
	if !sawReads {
		t.Fatal("no transaction read back a frame still gathered: the test did not reach that path")
	}
}

// fullChild writes to path through the VFS while the log cannot grow (the process's file size
// limit, which fails a write past it as a full disk would), printing one line a step: a commit
// that fits; one too large for the room left, which must fail, then a small one, which fits and
// must land, twice (failing at the commit and before it); and, with the limit lifted, a large
// one. Then it waits to be killed.
func fullChild(path string) error {
	// A write past the limit fails with EFBIG instead of killing the process.
	signal.Ignore(syscall.SIGXFSZ)
	db, err := writerDB(path, "")
	if err != nil {
		return err
	}
	commit := func(n, rows int) error {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := insertLines(tx, n, rows, strings.Repeat("z", 150)); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO marks VALUES (?, ?)`, n, rows); err != nil {
			return err
		}
		return tx.Commit()
	}
	say := func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	if err := commit(1, 10); err != nil {
		return err
	}
	say("committed 1")
	st, err := os.Stat(path + "-wal")
	if err != nil {
		return err
	}
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		return err
	}
	// Room for three frames: the next commit of 300 lines needs dozens.
	room := syscall.Rlimit{Cur: uint64(st.Size()) + 3*(frameHeader+4096), Max: limit.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &room); err != nil {
		return err
	}
	step := func(n, rows int) {
		if err := commit(n, rows); err != nil {
			say("failed %d %v", n, err)
		} else {
			say("committed %d", n)
		}
	}
	// 300 lines gather whole, and fail as the commit frame is written; a mark alone is a
	// frame, which fits in the room left; 4,000 lines are more than the VFS gathers, and fail
	// as the gathered frames are written before the commit.
	step(2, 300)
	step(3, 0)
	step(4, 4000)
	step(5, 0)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		return err
	}
	step(6, 300)
	_, err = io.Copy(io.Discard, os.Stdin)
	return err
}

// TestFullLogKeepsWorking fills the disk under a writer (a file size limit on its process) in
// the middle of a commit, twice: that commit fails, the next one that fits lands, and once there
// is room again so does a large one; killed then, the writer leaves a database that holds
// exactly the commits that returned. A failed transaction's gathered frames are dropped with it:
// kept, they had to be written before anything else (a read of the log included), so no later
// commit could land while the disk was full.
func TestFullLogKeepsWorking(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a writer process")
	}
	path := filepath.Join(t.TempDir(), "f.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, stdin, sc := startWriter(t, ctx, fullEnv, path)
	defer stdin.Close()
	var steps []string
	for len(steps) < 6 && sc.Scan() {
		steps = append(steps, sc.Text())
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	t.Logf("the writer: %q", steps)
	want := []string{"committed 1", "failed 2 ", "committed 3", "failed 4 ", "committed 5", "committed 6"}
	if len(steps) != len(want) {
		t.Fatalf("the writer's steps: %q; want %q", steps, want)
	}
	for i := range want {
		if !strings.HasPrefix(steps[i], want[i]) || (!strings.HasSuffix(want[i], " ") && steps[i] != want[i]) {
			t.Fatalf("the writer's steps: %q; want %q", steps, want)
		}
	}
	db := openDB(t, path, false, 2000)
	var marks string
	if err := db.QueryRow(`SELECT group_concat(n) FROM (SELECT n FROM marks ORDER BY n)`).Scan(&marks); err != nil {
		t.Fatal(err)
	}
	if marks != "1,3,5,6" {
		t.Fatalf("the database holds the commits %s, want 1,3,5,6", marks)
	}
	checkDB(t, db, 4, 10+0+0+300)
}

// BenchmarkCommit commits batches of one line in each of 40 chats, through the VFS and through
// SQLite's own, with synchronous=NORMAL as the group committer writes them.
func BenchmarkCommit(b *testing.B) {
	for _, gather := range []bool{false, true} {
		b.Run(fmt.Sprintf("gather=%v", gather), func(b *testing.B) {
			db := openDB(b, filepath.Join(b.TempDir(), "b.db"), gather, 2000)
			exec1(b, db, schema)
			const chats = 40
			for i := 0; b.Loop(); i++ {
				tx, err := db.Begin()
				if err != nil {
					b.Fatal(err)
				}
				for c := range chats {
					if _, err := tx.Exec(`INSERT INTO lines VALUES (?, ?, ?)`, fmt.Sprintf("chat-%03d", c), i, "a line of a chat"); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
