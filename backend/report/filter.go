package report

import (
	"fmt"
	"time"
)

// Filter selects the chats a report counts: a tenant's visitor chats requested in
// [From, To), optionally narrowed to one connector, group (the connector's), agent (the
// chat's last owner), tag or outcome. The tenant is always applied, so that no filter value
// reaches another tenant's chats.
type Filter struct {
	TenantID    int64
	From, To    time.Time
	Loc         *time.Location // the tenant's time zone: day boundaries, hours of the heatmap
	ConnectorID int64
	GroupID     int64
	AgentID     int64
	TagID       int64
	OutcomeID   int64
	// AnswerTarget is the answer time a chat must beat to count as answered in time.
	AnswerTarget time.Duration
}

// MaxRange bounds a report's date range: beyond two years a chart says nothing per day.
const MaxRange = 2 * 366 * 24 * time.Hour

// Days returns the range from the start of day first to the end of day last, both in loc:
// what a person means by "from 1 to 7 December".
func Days(first, last time.Time, loc *time.Location) (from, to time.Time) {
	y, m, d := first.Date()
	from = time.Date(y, m, d, 0, 0, 0, 0, loc)
	y, m, d = last.Date()
	to = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	return from.UTC(), to.UTC()
}

// Check says what is wrong with a filter, in words for the person who set it.
func (f Filter) Check() error {
	switch {
	case f.Loc == nil:
		return fmt.Errorf("the tenant's time zone is missing")
	case !f.To.After(f.From):
		return fmt.Errorf("the last day must not be before the first")
	case f.To.Sub(f.From) > MaxRange:
		return fmt.Errorf("a report covers at most two years")
	case f.AnswerTarget <= 0:
		return fmt.Errorf("the answer target must be positive")
	}
	return nil
}
