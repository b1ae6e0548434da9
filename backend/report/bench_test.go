package report_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/history/benchdb"
	"github.com/parleychat/parley/backend/report"
	"github.com/parleychat/parley/backend/store"
)

// reportChats sizes the history the latency report runs on (make bench: 100,000 chats).
var reportChats = flag.Int("report.chats", 100000, "chats of generated history for TestReportLatencyReport")

// TestReportLatencyReport opens the generated history the archive's search benchmark also
// measures (package benchdb: made on the first run, kept under build/bench-history and in a
// PostgreSQL database) and prints, for `make bench`, the slowest of a set of reports a
// supervisor asks for over the first tenant's chats (a year, a month, a week; unfiltered and
// by tag, agent, connector, group and outcome) as report_max_ms_sqlite and
// report_max_ms_postgres. The goal is at most 1000 ms. It runs only with REPORT_BENCH=1.
func TestReportLatencyReport(t *testing.T) {
	if os.Getenv("REPORT_BENCH") == "" {
		t.Skip("set REPORT_BENCH=1 (make bench) to measure report latency over generated history")
	}
	cache, admin := benchdb.Places()
	spec := benchdb.Standard(*reportChats)
	for _, d := range []struct{ name, url string }{{"sqlite", ""}, {"postgres", admin}} {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := benchdb.Open(ctx, spec, cache, d.url, func(s string) { t.Logf("%s: %s", d.name, s) })
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			tenants := must(st.Tenants(ctx))
			tn := tenants[0]
			loc := must(time.LoadLocation(tn.TimeZone))
			var agent int64
			for _, u := range must(st.Users(ctx, tn.ID)) {
				if u.Role == store.RoleAgent {
					agent = u.ID
					break
				}
			}
			tag := must(st.Labels(ctx, store.LabelTag, tn.ID))[0].ID
			outcome := must(st.Labels(ctx, store.LabelOutcome, tn.ID))[0].ID
			connector := must(st.Connectors(ctx, tn.ID))[0].ID
			group := must(st.Groups(ctx, tn.ID))[0].ID
			db := reportsOf(t, st)
			base := report.Filter{TenantID: tn.ID, Loc: loc, AnswerTarget: 30 * time.Second}
			end := spec.Options.End
			var slowest time.Duration
			var which string
			for _, days := range []int{365, 30, 7} {
				for name, set := range map[string]func(*report.Filter){
					"all":       func(*report.Filter) {},
					"tag":       func(f *report.Filter) { f.TagID = tag },
					"agent":     func(f *report.Filter) { f.AgentID = agent },
					"connector": func(f *report.Filter) { f.ConnectorID = connector },
					"outcome":   func(f *report.Filter) { f.OutcomeID = outcome },
					"group":     func(f *report.Filter) { f.GroupID = group },
				} {
					f := base
					f.From, f.To = report.Days(end.AddDate(0, 0, -days), end.AddDate(0, 0, -1), loc)
					set(&f)
					t0 := time.Now()
					r, err := db.Run(ctx, f)
					took := time.Since(t0)
					if err != nil {
						t.Fatal(err)
					}
					if days == 365 && name == "all" && (r.Summary.Requested < *reportChats/len(tenants)/2 || len(r.Tags) == 0 || len(r.Outcomes) == 0 || len(r.Ratings) == 0) {
						t.Fatalf("a year's report of one of %d tenants counts %d of %d chats, %d tags, %d outcomes, %d ratings",
							len(tenants), r.Summary.Requested, *reportChats, len(r.Tags), len(r.Outcomes), len(r.Ratings))
					}
					t.Logf("%s: report_ms %d days %s %d", d.name, days, name, took.Milliseconds())
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
