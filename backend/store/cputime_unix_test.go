//go:build unix

package store

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used so far, all its threads together (on
// SQLite the database's work too, as it runs in the process): benchmarks report it per
// message, a figure that other work on the machine moves far less than a rate.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
