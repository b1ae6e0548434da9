package report

import "time"

// span is a stretch of time over which a time zone keeps one UTC offset.
type span struct {
	From, To time.Time // UTC, [From, To)
	Offset   int       // seconds east of UTC
}

// offsets splits [from, to) into spans of constant UTC offset in loc, finding each change
// (daylight saving time) by bisection between hourly probes. A year has a handful; SQLite,
// which knows no time zones, turns UTC into local time with them.
func offsets(from, to time.Time, loc *time.Location) []span {
	off := func(t time.Time) int { _, o := t.In(loc).Zone(); return o }
	var out []span
	start, cur := from, off(from)
	for t := from; t.Before(to); {
		next := t.Add(time.Hour)
		if next.After(to) {
			next = to
		}
		if o := off(next); o != cur && next.Before(to) {
			lo, hi := t, next // off(lo) == cur, off(hi) != cur
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
				if off(mid) == cur {
					lo = mid
				} else {
					hi = mid
				}
			}
			out = append(out, span{From: start, To: hi, Offset: cur})
			start, cur = hi, o
		}
		t = next
	}
	return append(out, span{From: start, To: to, Offset: cur})
}
