package gcfloor

import (
	"context"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, maxPercent},                 // nothing live yet
		{1 * mb, maxPercent},            // 3,200 % capped
		{7 * mb, 457},                   // the server at 1,000 messages a second
		{16 * mb, 200},                  // 32 MB of garbage on 16 MB
		{32 * mb, 100},                  // as large as the headroom: the default
		{500 * mb, 100},                 // a large heap grows with itself alone
		{32*mb + 1, 100},                // never below the default
		{^uint64(0) / 200, basePercent}, // no overflow near the top
	} {
		if got := Percent(c.live, Headroom, basePercent); got != c.want {
			t.Errorf("Percent(%d) = %d, want %d", c.live, got, c.want)
		}
	}
}

// TestStartRaisesGOGCForASmallHeap: a test process's live heap is far below the headroom, so
// Start raises GOGC; with GOGC in the environment it leaves the setting alone.
func TestStartRaisesGOGCForASmallHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(basePercent))
	t.Setenv("GOGC", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	Start(ctx, time.Hour)
	if got := debug.SetGCPercent(basePercent); got <= basePercent {
		t.Fatalf("GOGC after Start = %d, want above %d for a heap of a few megabytes", got, basePercent)
	}
	t.Setenv("GOGC", "50")
	Start(ctx, time.Hour)
	if got := debug.SetGCPercent(basePercent); got != basePercent {
		t.Fatalf("GOGC after Start with GOGC set = %d, want it left at %d", got, basePercent)
	}
}
