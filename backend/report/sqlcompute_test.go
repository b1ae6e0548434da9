package report

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/history"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
)

// The figures the database computes are the ones the row-by-row computation gives from every
// chat with its tags (the way reports were made before the database counted for them), on a
// generated history on both databases, for every filter of the latency benchmark and in a
// time zone with a half-hour offset. The history is a month of a few chats an hour, so that
// the stretches SQLite reads a range in meet where there are chats.
func TestReportDatabaseFiguresEqualRowByRow(t *testing.T) {
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, db := range []struct {
		name string
		cfg  func(t *testing.T) store.Config
	}{
		{"sqlite", func(t *testing.T) store.Config { return store.Config{DataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) store.Config { return store.Config{DatabaseURL: pgtest.URL(t)} }},
	} {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := db.cfg(t)
			cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			st, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			setup, err := history.Generate(ctx, st, history.Config{Tenants: 2, AgentsPerTenant: 4, ConnectorsPerTenant: 2},
				history.Options{Seed: 7, Chats: 3000, Messages: 12000, End: end, Days: 30, Contacts: 100}, nil)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := st.ReadDB()
			if err != nil {
				t.Fatal(err)
			}
			d := New(raw, st.Dialect())
			tn := setup.Tenants[0]
			groups, err := st.Groups(ctx, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			compared := 0
			for _, zone := range []string{"Europe/Berlin", "Asia/Kolkata"} {
				loc, err := time.LoadLocation(zone)
				if err != nil {
					t.Fatal(err)
				}
				for _, days := range []int{365, 30, 7, 2} {
					for name, set := range map[string]func(*Filter){
						"all":       func(*Filter) {},
						"tag":       func(f *Filter) { f.TagID = tn.Tags[0] },
						"agent":     func(f *Filter) { f.AgentID = tn.Agents[0].ID },
						"connector": func(f *Filter) { f.ConnectorID = tn.Connectors[1] },
						"outcome":   func(f *Filter) { f.OutcomeID = tn.Outcomes[0] },
						"group":     func(f *Filter) { f.GroupID = groups[0].ID },
					} {
						f := Filter{TenantID: tn.ID, Loc: loc, AnswerTarget: 20 * time.Second}
						f.From, f.To = Days(end.AddDate(0, 0, -days), end.AddDate(0, 0, -1), loc)
						set(&f)
						what := fmt.Sprintf("%s, %d days, %s", zone, days, name)
						got, err := d.Run(ctx, f)
						if err != nil {
							t.Fatalf("%s: %v", what, err)
						}
						want := rowByRow(t, d, f)
						if got.Summary.Requested == 0 && days > 2 {
							t.Fatalf("%s: no chats to compare", what)
						}
						if !reflect.DeepEqual(got, want) {
							t.Errorf("%s:\ndatabase   %+v\nrow by row %+v", what, got, want)
						}
						compared++
					}
				}
			}
			if compared != 48 {
				t.Fatalf("compared %d reports", compared)
			}
		})
	}
}

// rowByRow is the report of f computed from every chat of the filter and every tag on them,
// each read as it is and counted by [Compute].
func rowByRow(t *testing.T, d *DB, f Filter) Report {
	t.Helper()
	ctx := context.Background()
	f.From, f.To = f.From.UTC(), f.To.UTC()
	names := Names{Agents: map[int64]string{}, Outcomes: map[int64]string{}, Tags: map[int64]string{}}
	for _, n := range []struct {
		into map[int64]string
		sql  string
	}{{names.Agents, `SELECT id, name FROM users WHERE tenant_id = ?`}, {names.Outcomes, `SELECT id, name FROM outcomes WHERE tenant_id = ?`},
		{names.Tags, `SELECT id, name FROM tags WHERE tenant_id = ?`}} {
		if err := d.names(ctx, n.into, n.sql, f.TenantID); err != nil {
			t.Fatal(err)
		}
	}
	rating, rargs, err := d.rating(ctx, f.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := d.query(ctx, f, `SELECT id, agent_id, state, COALESCE(close_cause, ''), created_at, accepted_at, first_reply_at,
 closed_at, offered_at, missed_offers, outcome_id, `+rating+` FROM base`, rargs...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []Row
	index := map[string]int{}
	for rows.Next() {
		var c Row
		var id string
		var created, accepted, reply, closed, offered, rt any
		if err := rows.Scan(&id, &c.AgentID, &c.State, &c.CloseCause, &created, &accepted, &reply, &closed, &offered, &c.MissedOffers, &c.OutcomeID, &rt); err != nil {
			t.Fatal(err)
		}
		at, err := timeOf(created)
		if err != nil || at == nil {
			t.Fatalf("created_at %v: %v", created, err)
		}
		c.Created = *at
		for _, tm := range []struct {
			v    any
			into **time.Time
		}{{accepted, &c.Accepted}, {reply, &c.FirstReply}, {closed, &c.Closed}, {offered, &c.Offered}} {
			if *tm.into, err = timeOf(tm.v); err != nil {
				t.Fatal(err)
			}
		}
		c.Rating = ratingOf(rt)
		index[id] = len(out)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	tags, err := d.db.QueryContext(ctx, d.rebind(`SELECT chat_id, tag_id FROM chat_tags WHERE tenant_id = ?`), f.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	defer tags.Close()
	for tags.Next() {
		var chat string
		var tag int64
		if err := tags.Scan(&chat, &tag); err != nil {
			t.Fatal(err)
		}
		if i, ok := index[chat]; ok {
			out[i].Tags = append(out[i].Tags, tag)
		}
	}
	if err := tags.Err(); err != nil {
		t.Fatal(err)
	}
	return Compute(f, out, names)
}
