package archive_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/backend/archive"
	"github.com/parleychat/parley/backend/history"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
)

// The search latency report (make bench): with ARCHIVE_REPORT=1 it fills a database with
// generated history (ARCHIVE_CHATS chats, ten messages each; 100,000 unless set), or reuses
// the one an earlier run made (SQLite: a file under ARCHIVE_CACHE, default build/bench-history;
// PostgreSQL: a database named for the seed and size), runs a set of searches an agent or
// administrator would type, a page of 50 hits each, and prints the 95th percentile as
// search_p95_ms_sqlite and search_p95_ms_postgres.
func TestSearchLatencyReport(t *testing.T) {
	if os.Getenv("ARCHIVE_REPORT") == "" {
		t.Skip("set ARCHIVE_REPORT=1 (make bench)")
	}
	chats := 100000
	if s := os.Getenv("ARCHIVE_CHATS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("ARCHIVE_CHATS=%q", s)
		}
		chats = n
	}
	opt := history.Options{Seed: 1, Chats: chats, Messages: chats * 10, End: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	cfg := history.Config{Tenants: 3, AgentsPerTenant: 20, ConnectorsPerTenant: 2}
	ctx := context.Background()
	cache := os.Getenv("ARCHIVE_CACHE")
	if cache == "" {
		cache = filepath.Join("..", "..", "build", "bench-history")
	}
	for _, db := range []string{"sqlite", "postgres"} {
		st := openHistory(t, db, cache, fmt.Sprintf("seed%d_chats%d", opt.Seed, chats), func(st *store.Store) {
			began := time.Now()
			if _, err := history.Generate(ctx, st, cfg, opt, nil); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: generated %d chats in %s", db, chats, time.Since(began).Round(time.Second))
		})
		tenants, err := st.Tenants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var took []time.Duration
		for _, tn := range tenants {
			for _, q := range benchQueries {
				form, err := archive.ParseFilter(q, tn.ID, time.UTC)
				if err != nil {
					t.Fatal(err)
				}
				terms, err := archive.Terms(form.Query)
				if err != nil {
					t.Fatal(err)
				}
				for range 3 {
					began := time.Now()
					hits, err := st.SearchMessages(ctx, form.Filter, terms, "", 50)
					if err != nil {
						t.Fatalf("%v: %v", q, err)
					}
					for _, h := range hits {
						_ = archive.Snippet(h.Message.Text, terms)
					}
					took = append(took, time.Since(began))
				}
			}
		}
		st.Close()
		slices.Sort(took)
		p95 := took[(len(took)*95+99)/100-1]
		fmt.Printf("search_p95_ms_%s %.1f\n", db, float64(p95.Microseconds())/1000)
	}
}

// benchQueries are searches as people type them: common and rare words in the three
// languages, two-word searches, prefixes, and searches narrowed by date or state.
var benchQueries = []url.Values{
	{"q": {"delivery"}}, {"q": {"refund"}}, {"q": {"password reset"}}, {"q": {"invoice pdf"}},
	{"q": {"Bestellung"}}, {"q": {"Lieferadresse"}}, {"q": {"Rechnung doppelt"}}, {"q": {"commande"}},
	{"q": {"remboursement"}}, {"q": {"colis lundi"}}, {"q": {"jacket"}}, {"q": {"warranty printer"}},
	{"q": {"SPRING20"}}, {"q": {"deliv*"}}, {"q": {"xylophone"}}, {"q": {"the"}},
	{"q": {"parcel"}, "from": {"2026-11-01"}, "to": {"2026-11-30"}},
	{"q": {"refund"}, "state": {"closed"}, "from": {"2026-06-01"}},
	{"q": {"Abonnement kündigen"}, "visitor": {"müller"}},
}

// openHistory opens the generated history named key on db, kept between runs: made by fill
// the first time under a temporary name and renamed once complete, so that an interrupted run
// leaves nothing half made to be measured later.
func openHistory(t *testing.T, db, cache, key string, fill func(*store.Store)) *store.Store {
	ctx := context.Background()
	open := func(cfg store.Config) *store.Store {
		cfg.Logger = slog.New(slog.DiscardHandler)
		st, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if db == "sqlite" {
		dir := filepath.Join(cache, "sqlite_"+key)
		if _, err := os.Stat(filepath.Join(dir, "parley.db")); err != nil {
			partial := dir + ".partial"
			if err := os.RemoveAll(partial); err != nil {
				t.Fatal(err)
			}
			st := open(store.Config{DataDir: partial})
			fill(st)
			st.Close()
			if err := os.Rename(partial, dir); err != nil {
				t.Fatal(err)
			}
		}
		return open(store.Config{DataDir: dir})
	}
	admin := os.Getenv("PARLEY_TEST_DATABASE_URL")
	if admin == "" {
		admin = pgtest.DefaultURL
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("PostgreSQL at %s: %v", admin, err)
	}
	defer conn.Close(ctx)
	name := "parley_bench_history_" + key
	at := func(name string) store.Config {
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		return store.Config{DatabaseURL: u.String()}
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		partial := pgx.Identifier{name + "_partial"}.Sanitize()
		for _, sql := range []string{"DROP DATABASE IF EXISTS " + partial + " WITH (FORCE)", "CREATE DATABASE " + partial} {
			if _, err := conn.Exec(ctx, sql); err != nil {
				t.Fatal(err)
			}
		}
		st := open(at(name + "_partial"))
		fill(st)
		st.Close()
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+partial+" RENAME TO "+pgx.Identifier{name}.Sanitize()); err != nil {
			t.Fatal(err)
		}
	}
	return open(at(name))
}
