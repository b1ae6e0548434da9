package protocol

import (
	"sort"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/limits"
)

// TestTimeIDSortsByTime: ids made later sort after earlier ones as text, across the digits'
// turns (9 to a, z to 10), and every one is nine characters wide until the year 5188; a
// time before 1970 counts as 1970.
func TestTimeIDSortsByTime(t *testing.T) {
	base := time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC)
	var ids []string
	for _, d := range []time.Duration{0, time.Millisecond, 9 * time.Millisecond, 10 * time.Millisecond, 35 * time.Millisecond,
		36 * time.Millisecond, time.Second, time.Hour, 24 * time.Hour * 365 * 30} {
		ids = append(ids, TimeID(base.Add(d)))
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatalf("not sorted by time: %q", ids)
	}
	for _, tm := range []time.Time{time.Unix(0, 0), time.Unix(35, 0), base, time.Date(5188, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if id := TimeID(tm); len(id) != timeIDWidth {
			t.Fatalf("TimeID(%v) = %q, not %d wide", tm, id, timeIDWidth)
		}
	}
	if TimeID(time.Unix(-5, 0)) != "000000000" || TimeID(time.Unix(0, 0)) != "000000000" {
		t.Fatalf("before 1970: %q", TimeID(time.Unix(-5, 0)))
	}
	if TimeID(base.In(time.FixedZone("x", 3600))) != TimeID(base) {
		t.Fatal("the zone changed the id")
	}
	if err := checkRunes("id", TimeID(base)+"-k3x9-12", limits.IDRunes); err != nil {
		t.Fatalf("a widget's line id is not a usable command id: %v", err)
	}
}
