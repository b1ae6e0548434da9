//go:build !unix

package store

import "time"

// processCPU is not available here; benchmarks then leave out their CPU figures.
func processCPU() (time.Duration, bool) { return 0, false }
