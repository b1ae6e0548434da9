package report

import (
	"testing"
	"time"
)

// The field-by-field reading of SQLite's times gives what the general layouts give, for every
// form the driver writes and the odd ones a hand-edited database may hold; what it cannot read
// it leaves to them, and what neither can read is an error, not a wrong time.
func TestSQLiteTimes(t *testing.T) {
	berlin := time.FixedZone("CEST", 2*3600)
	for _, at := range []time.Time{
		time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC),
		time.Date(2025, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2026, 2, 28, 0, 0, 0, 1, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 500000000, berlin),
		time.Date(2026, 11, 30, 23, 59, 46, 960175000, time.FixedZone("", -(9*3600+30*60))),
	} {
		for _, layout := range sqliteTimes {
			s := at.Format(layout)
			got, ok := parseSQLiteTime(s)
			want, err := time.Parse(layout, s)
			if err != nil {
				t.Fatal(err)
			}
			if !ok || !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("%q: %v %v, want %v", s, got, ok, want.UTC())
			}
			if v, err := timeOf(s); err != nil || !v.Equal(want) {
				t.Errorf("timeOf(%q) = %v, %v; want %v", s, v, err, want.UTC())
			}
		}
	}
	for _, s := range []string{"", "2026-03-29", "2026-02-30 10:00:00+00:00", "2026-13-01 10:00:00", "2026-03-29 24:00:00",
		"2026-03-29 10:00:00.+00:00", "2026-03-29 10:00:00.1234567890", "2026-03-29 10:00:00+0100", "2026-03-29 10:00:00 UTC",
		"2026-03-29 10:00:00+01:00x", "20x6-03-29 10:00:00", "2026-03-29 10:0a:00", "2026-03-29 10:00:00+25:00", "2026-03-29\x0010:00:00"} {
		if got, ok := parseSQLiteTime(s); ok {
			t.Errorf("%q read as %v", s, got)
		}
	}
	if _, err := timeOf("2026-02-30 10:00:00+00:00"); err == nil {
		t.Error("30 February was read as a time")
	}
}

// A rating counts only as the text of a whole number from 1 to 10 (SQLite) or such a number
// (PostgreSQL): no sign, space, fraction or leading zero.
func TestRatingOf(t *testing.T) {
	for v, want := range map[any]int{"1": 1, "10": 10, "5": 5, int64(7): 7,
		"0": 0, "11": 0, "05": 0, "+5": 0, " 5": 0, "5.0": 0, "-1": 0, "": 0, "x' OR 1=1 --": 0, int64(11): 0, int64(0): 0, nil: 0, 5.0: 0} {
		if got := ratingOf(v); got != want {
			t.Errorf("ratingOf(%#v) = %d, want %d", v, got, want)
		}
	}
	if got := ratingOf([]byte("3")); got != 3 {
		t.Errorf("ratingOf([]byte 3) = %d", got)
	}
}
