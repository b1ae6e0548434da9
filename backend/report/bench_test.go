package report_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/report"
	"github.com/parleychat/parley/backend/report/reporttest"
)

// reportChats sizes the history the latency report runs on (make bench: 100,000 chats).
var reportChats = flag.Int("report.chats", 100000, "chats of generated history for TestReportLatencyReport")

// TestReportLatencyReport fills SQLite and PostgreSQL with a year of generated history and
// prints, for `make bench`, the slowest of a set of reports a supervisor asks for (a year, a
// month, a week; unfiltered and by tag, agent, connector and outcome) as report_max_ms_sqlite
// and report_max_ms_postgres. The goal is at most 1000 ms. It runs only with REPORT_BENCH=1:
// filling the databases takes a while.
func TestReportLatencyReport(t *testing.T) {
	if os.Getenv("REPORT_BENCH") == "" {
		t.Skip("set REPORT_BENCH=1 (make bench) to measure report latency over generated history")
	}
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			st := d.open(t)
			w := newWorld(t, st, "bench", "Europe/Berlin")
			end := time.Date(2026, 12, 1, 0, 0, 0, 0, w.loc)
			start := time.Now()
			if _, err := reporttest.Fill(ctx, st, reporttest.Options{TenantID: w.tenant.ID, Connectors: []int64{w.k1.ID, w.k2.ID},
				Agents: []int64{w.a1.ID, w.a2.ID}, Tags: []int64{w.t1, w.t2}, Outcomes: []int64{w.o1, w.o2}, RatingField: w.rating,
				Chats: *reportChats, Days: 365, End: end, Loc: w.loc, Seed: 1, TagEvery: 20}); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d chats generated in %v", d.name, *reportChats, time.Since(start).Round(time.Second))
			db := reportsOf(t, st)
			base := report.Filter{TenantID: w.tenant.ID, Loc: w.loc, AnswerTarget: 30 * time.Second}
			var slowest time.Duration
			var which string
			for _, days := range []int{365, 30, 7} {
				for name, set := range map[string]func(*report.Filter){
					"all":       func(*report.Filter) {},
					"tag":       func(f *report.Filter) { f.TagID = w.t2 },
					"agent":     func(f *report.Filter) { f.AgentID = w.a1.ID },
					"connector": func(f *report.Filter) { f.ConnectorID = w.k1.ID },
					"outcome":   func(f *report.Filter) { f.OutcomeID = w.o1 },
					"group":     func(f *report.Filter) { f.GroupID = w.group.ID },
				} {
					f := base
					f.From, f.To = report.Days(end.AddDate(0, 0, -days), end.AddDate(0, 0, -1), w.loc)
					set(&f)
					t0 := time.Now()
					r, err := db.Run(ctx, f)
					took := time.Since(t0)
					if err != nil {
						t.Fatal(err)
					}
					if days == 365 && name == "all" && r.Summary.Requested+r.Summary.LeftMessages < *reportChats*9/10 {
						t.Fatalf("a year's report counts %d of %d chats", r.Summary.Requested+r.Summary.LeftMessages, *reportChats)
					}
					if took > slowest {
						slowest, which = took, fmt.Sprintf("%d days, %s", days, name)
					}
				}
			}
			t.Logf("%s: slowest report %v (%s)", d.name, slowest, which)
			fmt.Printf("report_max_ms_%s %d\n", d.name, slowest.Milliseconds())
		})
	}
}
