package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// TestVisitorEventsAfterPastAgentsOnly: the visitor's replay, which reads the events' primary
// key from the visitor's number on, finds exactly the events the visitor sees after any number,
// in any page size, in a chat whose visible events come between runs of agents-only ones (none,
// one, and hundreds in a row, as a long internal discussion between two answers writes), also
// after the last number and far past it; and the index it no longer uses is gone. On both
// databases.
func TestVisitorEventsAfterPastAgentsOnly(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "T")
			c := newChat(t, s, ten.ID, nil)
			var ws []Write
			for i, agentsOnly := range []int{0, 0, 1, 0, 300, 0, 0, 2, 0, 150, 0, 0, 0, 40} {
				ws = append(ws, msgWrite(c.ID, 0, fmt.Sprint("line ", i), fmt.Sprint("c", i)))
				for range agentsOnly {
					ws = append(ws, Write{Event: &Event{ChatID: c.ID, Type: "note", AgentsOnly: true}})
				}
			}
			if err := s.Commit(ctx, ws...); err != nil {
				t.Fatal(err)
			}
			var visible []Event
			for _, e := range must[[]Event](t)(s.EventsAfter(ctx, c.ID, 0, 0)) {
				if !e.AgentsOnly {
					visible = append(visible, e)
				}
			}
			if len(visible) != 14 {
				t.Fatalf("%d visible events, want 14", len(visible))
			}
			for after := uint64(0); after <= uint64(len(visible))+2; after++ {
				for _, limit := range []int{0, 1, 3, 100} {
					got := must[[]Event](t)(s.VisitorEventsAfter(ctx, c.ID, after, limit))
					want := visible[min(after, uint64(len(visible))):]
					if limit > 0 && len(want) > limit {
						want = want[:limit]
					}
					if len(got) != len(want) {
						t.Fatalf("after %d, limit %d: %d events, want %d", after, limit, len(got), len(want))
					}
					for i := range got {
						if got[i].Seq != want[i].Seq || got[i].VisitorSeq != want[i].VisitorSeq || got[i].AgentsOnly {
							t.Fatalf("after %d, limit %d: event %d is %d/%d, want %d/%d", after, limit, i, got[i].Seq, got[i].VisitorSeq, want[i].Seq, want[i].VisitorSeq)
						}
					}
				}
			}
			if got := must[[]Event](t)(s.VisitorEventsAfter(ctx, c.ID, 1<<40, 0)); len(got) != 0 {
				t.Fatalf("far past the last number: %d events", len(got))
			}
			var indexes int64
			q := "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_events_visitor'"
			if b.name == "postgres" {
				q = "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_events_visitor'"
			}
			if err := s.r.Raw(q).Scan(&indexes).Error; err != nil || indexes != 0 {
				t.Fatalf("the visitor number index: %d left (%v)", indexes, err)
			}
		})
	}
}

// TestVisitorEventsAfterPlan: the database reads the visitor's replay as a range of the events'
// primary key and one of the lines' (messages, which hold their events), each in its order and
// merged, with no sort of its own: a replay costs the events it returns
// (and the agents-only ones among them), not the chat's length. PostgreSQL is told to avoid a
// whole-table scan, which it prefers for a table this small.
func TestVisitorEventsAfterPlan(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			sql := s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
				return tx.Raw(eventsAfterText(s.dialect, true, 100), "someChat", 40, 40, "someChat", 40, 40).Scan(&[]eventRow{})
			})
			text := queryPlan(t, s, sql)
			key, lines, sorted := "sqlite_autoindex_events_1 (chat_id=? AND seq>?)", "sqlite_autoindex_messages_1 (chat_id=? AND seq>?)", "TEMP B-TREE"
			if b.name == "postgres" {
				key, lines, sorted = "events_pkey", "Index Cond: ((chat_id = 'someChat'::text) AND (seq > 40))", "Sort  ("
			}
			if !strings.Contains(text, key) || strings.Count(text, lines) != map[bool]int{true: 2, false: 1}[b.name == "postgres"] || strings.Contains(text, sorted) {
				t.Fatalf("the replay's plan does not read a range of the primary key in its order:\n%s\n%s", sql, text)
			}
		})
	}
}

// queryPlan is the database's plan of sql, one line per row of EXPLAIN (QUERY PLAN on SQLite;
// on PostgreSQL with sequential scans off, so that a table this small is read the way a large
// one would be).
func queryPlan(t *testing.T, s *Store, sql string) string {
	t.Helper()
	var plan []string
	err := s.r.Transaction(func(tx *gorm.DB) error {
		explain := "EXPLAIN QUERY PLAN "
		if s.dialect == DialectPostgres {
			explain = "EXPLAIN "
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				return err
			}
		}
		rows, err := tx.Raw(explain + sql).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals, err := scanAny(rows, len(cols))
			if err != nil {
				return err
			}
			plan = append(plan, fmt.Sprint(vals[len(vals)-1]))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// scanAny reads the current row of n columns, whatever their types.
func scanAny(rows *sql.Rows, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, rows.Scan(ptrs...)
}
