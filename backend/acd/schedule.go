package acd

import "time"

// Schedule is a connector's opening hours in the tenant's time zone: intervals per
// weekday, and dates on which it stays closed (public holidays). Times are wall-clock
// times in Location, so a daylight saving change does not shift the hours.
type Schedule struct {
	// Location is the tenant's time zone; nil means UTC.
	Location *time.Location
	// Weekly holds the open intervals of each weekday, indexed by time.Weekday.
	// A day without intervals is closed.
	Weekly [7][]Interval
	// Closed lists dates (in Location) on which the connector is closed all day.
	Closed []Date
}

// Interval is an open interval of one day: from Start (inclusive) to End (exclusive),
// both offsets from midnight, End at most 24h. "09:00-12:30" is {9*time.Hour,
// 12*time.Hour + 30*time.Minute}.
type Interval struct {
	Start, End time.Duration
}

// Date is a calendar date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// OpenAt reports whether the schedule is open at t. A nil schedule is always open.
func (s *Schedule) OpenAt(t time.Time) bool {
	if s == nil {
		return true
	}
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	y, m, d := lt.Date()
	for _, c := range s.Closed {
		if c.Year == y && c.Month == m && c.Day == d {
			return false
		}
	}
	h, mi, sec := lt.Clock()
	of := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second + time.Duration(lt.Nanosecond())
	for _, iv := range s.Weekly[lt.Weekday()] {
		if of >= iv.Start && of < iv.End {
			return true
		}
	}
	return false
}
