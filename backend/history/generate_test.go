package history_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/history"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
)

// Generate fills a real database on SQLite and on PostgreSQL: the chats with their tags,
// outcomes and ratings, contacts linked and some merged, and, on SQLite, the indexes and
// search triggers the bulk import set aside are back as they were, with every message in the
// search index.
func TestGenerate(t *testing.T) {
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
			raw, err := st.ReadDB()
			if err != nil {
				t.Fatal(err)
			}
			before := schema(t, raw, st.Dialect())
			setup, err := history.Generate(ctx, st, history.Config{Tenants: 2, AgentsPerTenant: 3, ConnectorsPerTenant: 1},
				history.Options{Seed: 5, Chats: 600, Messages: 4000, End: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Contacts: 100}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if after := schema(t, raw, st.Dialect()); !slices.Equal(before, after) {
				t.Fatalf("the schema changed:\n%v\n%v", before, after)
			}
			count := func(q string) int {
				var n int
				if err := raw.QueryRowContext(ctx, q).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := count(`SELECT count(*) FROM chats`); n != 600 {
				t.Errorf("%d chats", n)
			}
			if count(`SELECT count(*) FROM chat_tags`) == 0 || count(`SELECT count(*) FROM chats WHERE outcome_id <> 0`) == 0 {
				t.Error("no tags or no outcomes")
			}
			if st.Dialect() == store.DialectSQLite {
				if m, f := count(`SELECT count(*) FROM messages`), count(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'the OR der OR le OR de OR la OR ich OR i'`); f == 0 || f > m {
					t.Errorf("%d of %d messages in the search index", f, m)
				}
				if n := count(`SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM messages_fts f WHERE f.rowid = m.rowid)`); n != 0 {
					t.Errorf("%d messages missing from the search index", n)
				}
			}
			contacts, merged := 0, 0
			for _, tn := range setup.Tenants {
				page, err := st.Contacts(ctx, tn.ID, "", 1000, 0)
				if err != nil {
					t.Fatal(err)
				}
				contacts += int(page.Total)
				for _, c := range page.Contacts {
					ms, err := st.ContactMerges(ctx, tn.ID, c.ID)
					if err != nil {
						t.Fatal(err)
					}
					merged += len(ms)
				}
			}
			if contacts < 50 || merged == 0 {
				t.Errorf("%d contacts, %d merges", contacts, merged)
			}
			// The search finds the generated messages, and a message written afterwards is
			// indexed by the restored triggers.
			tn := setup.Tenants[0]
			hits, err := st.SearchMessages(ctx, store.ArchiveFilter{TenantID: tn.ID}, []string{"order"}, "", 5)
			if err != nil || len(hits) == 0 {
				t.Errorf("search after the import: %d hits, %v", len(hits), err)
			}
			at := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
			if err := st.ImportHistory(ctx, store.History{
				Chats:    []store.Chat{{ID: "after-the-import-0001", TenantID: tn.ID, ConnectorID: tn.Connectors[0], State: "closed", CreatedAt: at, ClosedAt: &at, LastSeq: 1, LastVisitorSeq: 1}},
				Events:   []store.Event{{ChatID: "after-the-import-0001", Seq: 1, VisitorSeq: 1, Type: "message", Data: []byte(`{"text":"xylophone"}`), At: at}},
				Messages: []store.Message{{ChatID: "after-the-import-0001", Seq: 1, Role: "visitor", Text: "A xylophone, please.", At: at}},
			}); err != nil {
				t.Fatal(err)
			}
			if hits, err := st.SearchMessages(ctx, store.ArchiveFilter{TenantID: tn.ID}, []string{"xylophone"}, "", 5); err != nil || len(hits) != 1 {
				t.Errorf("a message after the import: %d hits, %v", len(hits), err)
			}
		})
	}
}

// schema lists the database's indexes and triggers with their definitions.
func schema(t *testing.T, db *sql.DB, dialect string) []string {
	t.Helper()
	q := `SELECT name || ' ' || COALESCE(sql, '') FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name`
	if dialect == store.DialectPostgres {
		q = `SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if len(out) < 10 {
		t.Fatalf("only %d indexes", len(out))
	}
	return out
}
