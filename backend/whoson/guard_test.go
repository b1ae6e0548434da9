package whoson

import (
	"testing"
	"time"
)

func TestGuardBlocksRepeatedFailures(t *testing.T) {
	g := &Guard{Limit: 3, Window: time.Minute, BlockFor: 5 * time.Minute}
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	if g.Blocked("a", t0) || g.Fail("a", t0) || g.Fail("a", t0.Add(10*time.Second)) {
		t.Fatal("blocked before the limit")
	}
	// Failures of another address do not count.
	if g.Fail("b", t0) || g.Blocked("b", t0) {
		t.Fatal("other address")
	}
	if !g.Fail("a", t0.Add(20*time.Second)) || !g.Blocked("a", t0.Add(20*time.Second)) || g.Blocked("b", t0.Add(20*time.Second)) {
		t.Fatal("not blocked at the limit")
	}
	if !g.Blocked("a", t0.Add(5*time.Minute)) || g.Blocked("a", t0.Add(5*time.Minute+20*time.Second)) {
		t.Fatal("block does not last BlockFor exactly")
	}
	// After the block the count starts again.
	at := t0.Add(6 * time.Minute)
	if g.Fail("a", at) || g.Fail("a", at) {
		t.Fatal("blocked again at once")
	}
	// Failures spread wider than the window never block.
	g2 := &Guard{Limit: 3, Window: time.Minute, BlockFor: time.Hour}
	for i := range 10 {
		if g2.Fail("c", t0.Add(time.Duration(i)*31*time.Second)) {
			t.Fatalf("blocked at failure %d spread over the window", i)
		}
	}
}

func TestGuardSweepKeepsBlocked(t *testing.T) {
	g := &Guard{Limit: 1, Window: time.Minute, BlockFor: time.Hour}
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	g.Fail("blocked", t0)
	g.addrs["old"] = &record{fails: []time.Time{t0.Add(-time.Hour)}}
	g.sweep(t0.Add(time.Minute))
	if _, ok := g.addrs["old"]; ok || !g.Blocked("blocked", t0.Add(time.Minute)) {
		t.Fatalf("sweep: %v", g.addrs)
	}
}
