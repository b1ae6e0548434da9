//go:build !linux

package store

import "os"

// syncData makes f's data durable (fsync: fdatasync is a Linux call).
func syncData(f *os.File) error { return f.Sync() }
