package chat

import (
	"testing"
	"time"
)

// TestDirectBookSweep: answers kept for retries go once their time is up.
func TestDirectBookSweep(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	b := directBook{byCmd: map[string]directAnswer{
		"1/a": {chat: "x", expires: now.Add(time.Minute)},
		"1/b": {chat: "y", expires: now.Add(-time.Second)},
	}}
	b.sweep(now)
	if _, ok := b.byCmd["1/a"]; !ok || len(b.byCmd) != 1 {
		t.Fatalf("after the sweep: %v", b.byCmd)
	}
	var empty directBook
	empty.sweep(now) // a book never used
}
