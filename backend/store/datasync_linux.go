package store

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// syncData makes f's data durable with fdatasync(2), which leaves out the metadata a read does
// not need (the times), as SQLite's own syncs do here.
func syncData(f *os.File) error {
	for {
		err := unix.Fdatasync(int(f.Fd()))
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
