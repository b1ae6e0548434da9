package report

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"
)

// Row is what a report reads of one chat: its times, how it ended and how it was classified.
// The database hands over these few columns per chat in one pass; [Compute] derives every
// figure from them.
type Row struct {
	AgentID      int64
	State        string
	CloseCause   string
	Created      time.Time
	Accepted     *time.Time
	FirstReply   *time.Time
	Closed       *time.Time
	Offered      *time.Time
	MissedOffers int
	OutcomeID    int64
	Rating       int // 0: not rated
	Tags         []int64
}

// Names are the tenant's agent, outcome and tag names a report shows next to their ids.
type Names struct {
	Agents, Outcomes, Tags map[int64]string
}

// Causes of a chat's close the summary sorts by.
const (
	causeLeftMessage = "left_message"
)

var (
	causesAbandon  = []string{"visitor", "visitor_gone", "idle"}
	causesNoAnswer = []string{"no_agent", "out_of_service"}
)

// Compute is every figure of a report from the filter's chats: pure, so that the
// same rows give the same report on either database. f must have passed [Filter.Check].
func Compute(f Filter, rows []Row, names Names) Report {
	r := Report{Filter: f, Summary: summarize(f, rows)}
	var wait, first, handling []float64
	r.WaitHistogram = append([]Bucket(nil), WaitBuckets...)
	type agentSum struct {
		answered, handled, rated int
		handling, rating         float64
	}
	agents := map[int64]*agentSum{}
	ratings := map[int]int{}
	outcomes, tags := map[int64]int{}, map[int64]int{}
	for _, c := range rows {
		for _, t := range c.Tags {
			tags[t]++
		}
		if c.Rating > 0 {
			ratings[c.Rating]++
		}
		if c.OutcomeID != 0 {
			outcomes[c.OutcomeID]++
		}
		if c.CloseCause != causeLeftMessage {
			l := c.Created.In(f.Loc)
			r.Heatmap[l.Weekday()][l.Hour()]++
		}
		if c.Accepted == nil {
			continue
		}
		w := secs(c.Created, *c.Accepted)
		wait = append(wait, w)
		r.WaitHistogram[bucketOf(w)].Count++
		if c.FirstReply != nil {
			first = append(first, secs(c.Created, *c.FirstReply))
		}
		a := agents[c.AgentID]
		if a == nil {
			a = &agentSum{}
			agents[c.AgentID] = a
		}
		a.answered++
		if c.Closed != nil {
			h := secs(*c.Accepted, *c.Closed)
			handling = append(handling, h)
			a.handled++
			a.handling += h
		}
		if c.Rating > 0 {
			a.rated++
			a.rating += float64(c.Rating)
		}
	}
	r.Wait, r.FirstResponse, r.Handling = stats(wait), stats(first), stats(handling)
	for id, a := range agents {
		row := AgentRow{AgentID: id, Name: names.Agents[id], Answered: a.answered, Ratings: a.rated}
		if a.handled > 0 {
			row.Handling = round(a.handling / float64(a.handled))
		}
		if a.rated > 0 {
			row.Rating = round(a.rating / float64(a.rated))
		}
		r.Agents = append(r.Agents, row)
	}
	slices.SortFunc(r.Agents, func(a, b AgentRow) int {
		return cmp.Or(cmp.Compare(b.Answered, a.Answered), cmp.Compare(a.Name, b.Name), cmp.Compare(a.AgentID, b.AgentID))
	})
	for v, n := range ratings {
		r.Ratings = append(r.Ratings, Count{ID: int64(v), Name: strconv.Itoa(v), Count: n})
	}
	slices.SortFunc(r.Ratings, func(a, b Count) int { return cmp.Compare(a.ID, b.ID) })
	for id, n := range outcomes {
		name, ok := names.Outcomes[id]
		if !ok {
			name = DeletedOutcome
		}
		r.Outcomes = append(r.Outcomes, Count{ID: id, Name: name, Count: n})
	}
	sortCounts(r.Outcomes)
	r.Tags = tagList(tags, names)
	r.Step, r.Concurrency = concurrency(f, rows)
	return r
}

// tagList is the chart's list of tag counts (by tag id).
func tagList(tags map[int64]int, names Names) []Count {
	var out []Count
	for id, n := range tags {
		// A tag deleted since went with its chats' tags (the database cascades).
		if name, ok := names.Tags[id]; ok {
			out = append(out, Count{ID: id, Name: name, Count: n})
		}
	}
	sortCounts(out)
	return out
}

// summarize counts the chats of the summary.
func summarize(f Filter, rows []Row) Summary {
	var s Summary
	target := f.AnswerTarget.Seconds()
	for _, c := range rows {
		if c.CloseCause == causeLeftMessage {
			s.LeftMessages++
		} else {
			s.Requested++
		}
		s.MissedOffers += c.MissedOffers
		if c.Accepted != nil {
			s.Answered++
			if secs(c.Created, *c.Accepted) <= target {
				s.InTarget++
			}
			continue
		}
		if c.Offered != nil {
			s.Missed++
		}
		if c.State == "closed" {
			switch {
			case slices.Contains(causesAbandon, c.CloseCause):
				s.Abandoned++
			case slices.Contains(causesNoAnswer, c.CloseCause):
				s.Unanswered++
			}
		}
	}
	return s
}

// sortCounts orders counts as a chart lists them: most first, then by name.
func sortCounts(cs []Count) {
	slices.SortFunc(cs, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name)) })
}

// secs is b - a in seconds, to the microsecond the databases keep.
func secs(a, b time.Time) float64 { return float64(b.Sub(a).Microseconds()) / 1e6 }

// bucketOf is the index of the waiting-time histogram's bar w seconds fall in.
func bucketOf(w float64) int {
	for i, b := range WaitBuckets {
		if b.To == 0 || w < float64(b.To) {
			return i
		}
	}
	return len(WaitBuckets) - 1
}

// stats describes vs (reordered in place): the mean and the percentiles by linear
// interpolation between the closest ranks, as PostgreSQL's percentile_cont computes them.
func stats(vs []float64) Stats {
	if len(vs) == 0 {
		return Stats{}
	}
	slices.Sort(vs)
	sum := 0.0
	for _, v := range vs {
		sum += v
	}
	pct := func(p float64) float64 {
		pos := p * float64(len(vs)-1)
		lo := int(pos)
		hi := min(lo+1, len(vs)-1)
		return vs[lo] + (vs[hi]-vs[lo])*(pos-float64(lo))
	}
	return Stats{N: len(vs), Avg: round(sum / float64(len(vs))), P50: round(pct(0.5)), P90: round(pct(0.9))}
}

// round keeps milliseconds.
func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// step is the width of the concurrency chart's points for a range: hours up to three days,
// days beyond.
func step(f Filter) time.Duration {
	if f.To.Sub(f.From) <= 72*time.Hour {
		return time.Hour
	}
	return 24 * time.Hour
}

// concurrency is the number of chats active at once over the range, point by point: every
// answer raises it by one and every close lowers it; at equal instants closes count first.
// A point without changes keeps the level the one before ended with.
func concurrency(f Filter, rows []Row) (time.Duration, []Point) {
	size := step(f)
	type change struct {
		at time.Time
		d  int
	}
	var ev []change
	for _, c := range rows {
		if c.Accepted == nil {
			continue
		}
		ev = append(ev, change{*c.Accepted, 1})
		if c.Closed != nil {
			ev = append(ev, change{*c.Closed, -1})
		}
	}
	slices.SortFunc(ev, func(a, b change) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.d, b.d)) })
	n := int(math.Ceil(f.To.Sub(f.From).Seconds() / size.Seconds()))
	pts := make([]Point, n)
	seen := make([]bool, n)
	for i := range pts {
		pts[i].At = f.From.Add(time.Duration(i) * size)
	}
	level := 0
	for _, e := range ev {
		level += e.d
		d := e.at.Sub(f.From)
		if d < 0 {
			continue
		}
		b := int(d / size)
		if b >= n {
			continue
		}
		if !seen[b] || level > pts[b].Max {
			pts[b].Max = level
		}
		pts[b].End, seen[b] = level, true
	}
	for i := range pts {
		if !seen[i] && i > 0 {
			pts[i].Max, pts[i].End = pts[i-1].End, pts[i-1].End
		}
	}
	return size, pts
}
