//go:build !linux

package acd

import "time"

// threadCPU is not available here; the report then shows wall-clock times only.
func threadCPU() (time.Duration, bool) { return 0, false }
