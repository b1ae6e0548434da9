package report_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/report"
	"github.com/parleychat/parley/backend/store"
)

// berlin builds an instant from a UTC wall clock, for readable test data.
func utc(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

// history fills tenant "acme" (Europe/Berlin) with chats around the switch to summer time on
// Sunday 29 March 2026 (02:00 CET becomes 03:00 CEST, 01:00 UTC), and a foreign tenant with
// chats at the same instants that no report of acme may count.
func history(t *testing.T, st *store.Store) (acme, other *world) {
	acme = newWorld(t, st, "acme", "Europe/Berlin")
	other = newWorld(t, st, "other", "Europe/Berlin")
	acme.add(t, st,
		// Saturday 00:00:00 local, the range's first instant.
		chat{id: "c1", created: utc(2026, 3, 27, 23, 0, 0), connector: acme.k1.ID, agent: acme.a1.ID, accept: 10, reply: 15, handle: 100,
			cause: "agent", outcome: acme.o1, rating: "5", tags: []int64{acme.t1}},
		// Friday 23:59:59 local: the day before the range.
		chat{id: "c2", created: utc(2026, 3, 27, 22, 59, 59), connector: acme.k1.ID, agent: acme.a1.ID, accept: 1, reply: 2, handle: 5, cause: "agent"},
		chat{id: "c3", created: utc(2026, 3, 28, 10, 0, 0), connector: acme.k2.ID, agent: acme.a2.ID, accept: 20, reply: 30, handle: 200,
			cause: "visitor", rating: "3", tags: []int64{acme.t1, acme.t2}, offered: true, missed: 1},
		// Sunday 03:30 CEST, just after the switch: abandoned after two offers ran out.
		chat{id: "c4", created: utc(2026, 3, 29, 1, 30, 0), connector: acme.k1.ID, accept: -1, closeAfter: 40, cause: "visitor",
			offered: true, missed: 2, rating: "99"},
		// Sunday 01:30 CET, just before it: nobody there.
		chat{id: "c5", created: utc(2026, 3, 29, 0, 30, 0), connector: acme.k2.ID, accept: -1, closeAfter: 60, cause: "no_agent",
			rating: "x' OR 1=1 --"},
		chat{id: "c6", created: utc(2026, 3, 29, 12, 0, 0), connector: acme.k1.ID, accept: -1, cause: "left_message"},
		// Monday 23:58 CEST, still open at the range's end.
		chat{id: "c7", created: utc(2026, 3, 30, 21, 58, 0), connector: acme.k1.ID, agent: acme.a1.ID, accept: 60, reply: -1, handle: -1},
		// Tuesday 00:00 CEST: the day after the range.
		chat{id: "c8", created: utc(2026, 3, 30, 22, 0, 0), connector: acme.k1.ID, agent: acme.a1.ID, accept: 1, reply: -1, handle: 1, cause: "agent"},
		// A chat between two agents is no visitor's request.
		chat{id: "c9", created: utc(2026, 3, 28, 12, 0, 0), agent: acme.a1.ID, accept: 0, reply: 1, handle: 10, cause: "agent", kind: store.ChatDirect},
	)
	other.add(t, st,
		chat{id: "x1", created: utc(2026, 3, 27, 23, 0, 0), connector: other.k1.ID, agent: other.a1.ID, accept: 1, reply: 1, handle: 1,
			cause: "agent", outcome: other.o1, rating: "1", tags: []int64{other.t1}},
		chat{id: "x2", created: utc(2026, 3, 29, 1, 30, 0), connector: other.k1.ID, accept: -1, closeAfter: 5, cause: "visitor", offered: true, missed: 7},
	)
	return acme, other
}

func (w *world) filter() report.Filter {
	from, to := report.Days(time.Date(2026, 3, 28, 12, 0, 0, 0, w.loc), time.Date(2026, 3, 30, 0, 0, 0, 0, w.loc), w.loc)
	return report.Filter{TenantID: w.tenant.ID, From: from, To: to, Loc: w.loc, AnswerTarget: 30 * time.Second}
}

func TestReportOnHandMadeHistory(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			st := d.open(t)
			acme, other := history(t, st)
			reports := reportsOf(t, st)
			ctx := context.Background()
			f := acme.filter()
			if want := utc(2026, 3, 27, 23, 0, 0); !f.From.Equal(want) {
				t.Fatalf("From = %v, want %v", f.From, want)
			}
			if want := utc(2026, 3, 30, 22, 0, 0); !f.To.Equal(want) {
				t.Fatalf("To = %v, want %v (the day ends in summer time)", f.To, want)
			}
			r, err := reports.Run(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			wantSummary := report.Summary{Requested: 5, Answered: 3, Abandoned: 1, Unanswered: 1, Missed: 1, MissedOffers: 3, LeftMessages: 1, InTarget: 2}
			if r.Summary != wantSummary {
				t.Errorf("summary = %+v\nwant      %+v", r.Summary, wantSummary)
			}
			if got, want := r.Summary.ServiceLevel(), 0.4; got != want {
				t.Errorf("service level = %v, want %v", got, want)
			}
			// Waits 10, 20, 60 s: p90 lies 0.8 of the way from 20 to 60.
			checkStats(t, "wait", r.Wait, report.Stats{N: 3, Avg: 30, P50: 20, P90: 52})
			checkStats(t, "first response", r.FirstResponse, report.Stats{N: 2, Avg: 22.5, P50: 22.5, P90: 28.5})
			checkStats(t, "handling", r.Handling, report.Stats{N: 2, Avg: 150, P50: 150, P90: 190})
			hist := make([]int, len(r.WaitHistogram))
			for i, b := range r.WaitHistogram {
				hist[i] = b.Count
			}
			if want := []int{0, 1, 1, 0, 1, 0, 0}; !reflect.DeepEqual(hist, want) {
				t.Errorf("histogram = %v, want %v", hist, want)
			}
			wantAgents := []report.AgentRow{
				{AgentID: acme.a1.ID, Name: "Ann acme", Answered: 2, Handling: 100, Rating: 5, Ratings: 1},
				{AgentID: acme.a2.ID, Name: "Bob acme", Answered: 1, Handling: 200, Rating: 3, Ratings: 1},
			}
			if !reflect.DeepEqual(r.Agents, wantAgents) {
				t.Errorf("agents = %+v\nwant     %+v", r.Agents, wantAgents)
			}
			if want := []report.Count{{ID: 3, Name: "3", Count: 1}, {ID: 5, Name: "5", Count: 1}}; !reflect.DeepEqual(r.Ratings, want) {
				t.Errorf("ratings = %+v, want %+v", r.Ratings, want)
			}
			if want := []report.Count{{ID: acme.t1, Name: "Billing", Count: 2}, {ID: acme.t2, Name: "Bug", Count: 1}}; !reflect.DeepEqual(r.Tags, want) {
				t.Errorf("tags = %+v, want %+v", r.Tags, want)
			}
			if want := []report.Count{{ID: acme.o1, Name: "Sold", Count: 1}}; !reflect.DeepEqual(r.Outcomes, want) {
				t.Errorf("outcomes = %+v, want %+v", r.Outcomes, want)
			}
			var heat [7][24]int
			heat[time.Saturday][0] = 1  // c1
			heat[time.Saturday][11] = 1 // c3, CET
			heat[time.Sunday][1] = 1    // c5, CET
			heat[time.Sunday][3] = 1    // c4, CEST
			heat[time.Monday][23] = 1   // c7, CEST
			if r.Heatmap != heat {
				t.Errorf("heatmap = %v\nwant      %v", r.Heatmap, heat)
			}
			// 71 hours (one lost to summer time), hourly.
			if r.Step != time.Hour || len(r.Concurrency) != 71 {
				t.Fatalf("concurrency: step %v, %d points; want 1h, 71", r.Step, len(r.Concurrency))
			}
			for i, p := range r.Concurrency {
				want := report.Point{At: f.From.Add(time.Duration(i) * time.Hour)}
				switch i {
				case 0, 11: // c1, c3: answered and closed within the hour
					want.Max = 1
				case 70: // c7, still open
					want.Max, want.End = 1, 1
				}
				if !p.At.Equal(want.At) || p.Max != want.Max || p.End != want.End {
					t.Errorf("concurrency[%d] = %+v, want %+v", i, p, want)
				}
			}

			// Each filter narrows to the chats it names.
			for _, c := range []struct {
				name string
				set  func(*report.Filter)
				want int
			}{
				{"connector", func(f *report.Filter) { f.ConnectorID = acme.k1.ID }, 4}, // c1, c4, c6 (a left message), c7
				{"group", func(f *report.Filter) { f.GroupID = acme.group.ID }, 4},
				{"agent", func(f *report.Filter) { f.AgentID = acme.a2.ID }, 1},
				{"tag", func(f *report.Filter) { f.TagID = acme.t2 }, 1},
				{"outcome", func(f *report.Filter) { f.OutcomeID = acme.o1 }, 1},
				{"foreign connector", func(f *report.Filter) { f.ConnectorID = other.k1.ID }, 0},
				{"foreign group", func(f *report.Filter) { f.GroupID = other.group.ID }, 0},
				{"foreign tag", func(f *report.Filter) { f.TagID = other.t1 }, 0},
				{"foreign outcome", func(f *report.Filter) { f.OutcomeID = other.o1 }, 0},
				{"foreign agent", func(f *report.Filter) { f.AgentID = other.a1.ID }, 0},
			} {
				g := acme.filter()
				c.set(&g)
				r, err := reports.Run(ctx, g)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if got := r.Summary.Requested + r.Summary.LeftMessages; got != c.want {
					t.Errorf("filter by %s: %d chats, want %d", c.name, got, c.want)
				}
			}

			// The other tenant's report sees only its own two chats.
			ro, err := reports.Run(ctx, other.filter())
			if err != nil {
				t.Fatal(err)
			}
			if ro.Summary.Requested != 2 || ro.Summary.MissedOffers != 7 || len(ro.Agents) != 1 || ro.Agents[0].Name != "Bob other" && ro.Agents[0].Name != "Ann other" {
				t.Errorf("other tenant's report = %+v, agents %+v", ro.Summary, ro.Agents)
			}
		})
	}
}

func checkStats(t *testing.T, what string, got, want report.Stats) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

func TestReportEmptyAndBadFilters(t *testing.T) {
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			st := d.open(t)
			w := newWorld(t, st, "empty", "Asia/Kolkata")
			reports := reportsOf(t, st)
			r, err := reports.Run(context.Background(), w.filter())
			if err != nil {
				t.Fatal(err)
			}
			if r.Summary != (report.Summary{}) || r.Wait != (report.Stats{}) || len(r.Agents) != 0 || r.Summary.ServiceLevel() != 0 {
				t.Errorf("empty report = %+v", r)
			}
			f := w.filter()
			f.To = f.From
			if _, err := reports.Run(context.Background(), f); err == nil {
				t.Error("an empty range was accepted")
			}
			f = w.filter()
			f.To = f.From.Add(report.MaxRange + time.Hour)
			if _, err := reports.Run(context.Background(), f); err == nil {
				t.Error("a range of more than two years was accepted")
			}
		})
	}
}
