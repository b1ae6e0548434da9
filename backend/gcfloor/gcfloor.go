// Package gcfloor keeps the Go garbage collector from running several times a second while the
// server's live heap is small. With the default GOGC of 100 the collector runs whenever the heap
// has doubled: a server holding 7 MB of live data and committing a thousand messages a second
// collected every 0.4 s, and each collection's mark phase (8–13 ms, one of the two processors
// given to it) fell on about 3 % of the messages, well inside the slowest percent. The floor
// raises GOGC so that the collector lets at least Headroom bytes of garbage pile up before it
// runs; once the live heap is larger than that, GOGC stays at 100 and memory grows with the
// live heap alone, as before. It is the pacing a fixed GOGC cannot give: a large headroom for a
// small heap, none added for a large one.
package gcfloor

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Headroom is the garbage the collector may let pile up before a collection, at the least.
const Headroom = 32 << 20

// basePercent is GOGC's default: the percentage a live heap larger than Headroom gets.
const basePercent = 100

// maxPercent bounds GOGC for a nearly empty heap.
const maxPercent = 2000

// Percent is the GOGC that lets headroom bytes of garbage pile up above a live heap of live
// bytes: headroom/live in percent, at least base and at most maxPercent.
func Percent(live, headroom uint64, base int) int {
	if live == 0 {
		return maxPercent
	}
	p := int(min(headroom*100/live, maxPercent))
	return max(p, base)
}

// Start adjusts GOGC every interval from the live heap until ctx ends, unless the
// environment sets GOGC (an operator's choice is kept). It returns at once.
func Start(ctx context.Context, interval time.Duration) {
	if os.Getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func(last int) int {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return last
		}
		p := Percent(sample[0].Value.Uint64(), Headroom, basePercent)
		// Small moves are not worth a change of the pacer's goal.
		if last == 0 || p > last+last/10 || p < last-last/10 {
			debug.SetGCPercent(p)
			return p
		}
		return last
	}
	last := set(0)
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				last = set(last)
			}
		}
	}()
}
