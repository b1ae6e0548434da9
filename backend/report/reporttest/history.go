// Package reporttest fills a database with generated chat history for report tests, the
// Chromium test of the report pages and the report benchmark: realistic shapes (office-hour
// peaks, skewed waits, abandons, misses, left messages, tags, outcomes, ratings) from a fixed
// seed, so that a run is repeatable. It stands in for the shared history generator until
// that lands, with the same role: chats in the store through its public API.
package reporttest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// Options size and shape a generated history.
type Options struct {
	TenantID   int64
	Connectors []int64 // chats are spread over these
	Agents     []int64 // and answered by these
	Tags       []int64 // about one chat in TagEvery gets one or two of these
	Outcomes   []int64 // most answered chats get one of these
	// RatingField is the post-chat rating field's name; "" gives no ratings.
	RatingField string
	Chats       int
	// Days is how far back the history reaches from End.
	Days int
	End  time.Time
	Loc  *time.Location // office hours are local
	Seed uint64
	// TagEvery tags one chat in this many (0: 5).
	TagEvery int
}

// Fill writes the history and returns how many chats it wrote.
func Fill(ctx context.Context, st *store.Store, o Options) (int, error) {
	if o.Chats <= 0 || o.Days <= 0 || len(o.Connectors) == 0 || len(o.Agents) == 0 {
		return 0, fmt.Errorf("reporttest: nothing to generate from %+v", o)
	}
	if o.Loc == nil {
		o.Loc = time.UTC
	}
	if o.TagEvery <= 0 {
		o.TagEvery = 5
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	start := o.End.Add(-time.Duration(o.Days) * 24 * time.Hour)
	type tagging struct {
		chat string
		tags []int64
		at   time.Time
		by   int64
	}
	var batch []store.Write
	var tags []tagging
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := st.Commit(ctx, batch...)
		batch = batch[:0]
		return err
	}
	for i := 0; i < o.Chats; i++ {
		created := officeTime(rng, start, o.Days, o.Loc)
		if !created.Before(o.End) {
			created = o.End.Add(-time.Duration(rng.IntN(3600)+1) * time.Second)
		}
		c := store.Chat{ID: "gen" + strconv.Itoa(i) + "-" + strconv.FormatUint(o.Seed, 36), TenantID: o.TenantID,
			ConnectorID: o.Connectors[rng.IntN(len(o.Connectors))], State: "closed", VisitorName: "Visitor " + strconv.Itoa(i),
			CreatedAt: created.UTC()}
		wait := time.Duration(math.Min(rng.ExpFloat64()*25, 900) * float64(time.Second)).Truncate(time.Millisecond)
		roll := rng.Float64()
		switch {
		case roll < 0.03:
			c.CloseCause = "left_message"
			closed := created.Add(time.Minute)
			c.ClosedAt = &closed
		case roll < 0.07:
			c.CloseCause = "no_agent"
			closed := created.Add(wait)
			c.ClosedAt = &closed
		case roll < 0.15:
			c.CloseCause = "visitor"
			closed := created.Add(wait)
			c.ClosedAt = &closed
			if rng.IntN(2) == 0 {
				offered := created.Add(time.Second)
				c.OfferedAt, c.MissedOffers = &offered, 1+rng.IntN(2)
			}
		default:
			accepted := created.Add(wait)
			offered := created.Add(time.Second)
			reply := accepted.Add(time.Duration(5+rng.IntN(60)) * time.Second)
			closed := reply.Add(time.Duration(60+rng.IntN(900)) * time.Second)
			c.AgentID = o.Agents[rng.IntN(len(o.Agents))]
			c.AcceptedAt, c.OfferedAt, c.FirstReplyAt, c.ClosedAt = &accepted, &offered, &reply, &closed
			c.CloseCause = "agent"
			if rng.IntN(3) == 0 {
				c.CloseCause = "visitor"
			}
			if rng.IntN(10) == 0 {
				c.MissedOffers = 1
			}
			if len(o.Outcomes) > 0 && rng.IntN(10) < 8 {
				c.OutcomeID = o.Outcomes[rng.IntN(len(o.Outcomes))]
			}
			if o.RatingField != "" && rng.IntN(3) == 0 {
				c.Fields = map[string]string{o.RatingField: strconv.Itoa(ratings[rng.IntN(len(ratings))])}
			}
			if closed.After(o.End) {
				c.State, c.ClosedAt, c.CloseCause = "active", nil, ""
			}
		}
		batch = append(batch, store.Write{Chat: &c})
		if len(o.Tags) > 0 && i%o.TagEvery == 0 {
			n := 1 + rng.IntN(2)
			var ts []int64
			for range n {
				ts = append(ts, o.Tags[rng.IntN(len(o.Tags))])
			}
			tags = append(tags, tagging{c.ID, ts, created, c.AgentID})
		}
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return i, err
			}
		}
	}
	if err := flush(); err != nil {
		return o.Chats, err
	}
	for _, t := range tags {
		if err := st.SetChatTags(ctx, o.TenantID, t.chat, t.tags, t.by, t.at); err != nil {
			return o.Chats, err
		}
	}
	return o.Chats, st.Analyze(ctx)
}

// ratings are drawn from this list: most visitors who rate are content.
var ratings = []int{1, 2, 3, 4, 4, 5, 5, 5, 5}

// officeTime picks a request time: weekdays busier than weekends, most requests between 8:00
// and 18:00 local with a peak before noon, a few at night.
func officeTime(rng *rand.Rand, start time.Time, days int, loc *time.Location) time.Time {
	for {
		day := start.In(loc).AddDate(0, 0, rng.IntN(days))
		y, m, d := day.Date()
		wd := time.Date(y, m, d, 12, 0, 0, 0, loc).Weekday()
		if (wd == time.Saturday || wd == time.Sunday) && rng.IntN(4) != 0 {
			continue
		}
		hour := 8 + rng.NormFloat64()*2.5 + 3
		if rng.IntN(10) == 0 {
			hour = rng.Float64() * 24
		}
		if hour < 0 || hour >= 24 {
			continue
		}
		sec := int(hour * 3600)
		return time.Date(y, m, d, 0, 0, sec, rng.IntN(1000)*int(time.Millisecond), loc)
	}
}
