// Package benchdb keeps the generated histories the benchmarks measure between runs: a year
// of 100,000 chats takes minutes to make, and the archive search and the report benchmarks
// measure the same one. SQLite's is a file under a cache directory, PostgreSQL's a database
// named for it; both are made under a temporary name and renamed once complete, so that an
// interrupted run leaves nothing half made to be measured later.
package benchdb

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/backend/history"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
)

// Spec names a generated history: what [history.Generate] is given.
type Spec struct {
	Config  history.Config
	Options history.Options
}

// Key names the history in the cache: the seed and sizes, and Version, so that a change
// of the generator makes a new history instead of measuring an old one.
func (s Spec) Key() string {
	return fmt.Sprintf("v%d_seed%d_chats%d_msgs%d_t%d", Version, s.Options.Seed, s.Options.Chats, s.Options.Messages, s.Config.Tenants)
}

// Version is raised with every change of what the generator makes.
const Version = 2

// Open opens the history of spec on SQLite (adminURL "": a file under cacheDir) or on the
// PostgreSQL server of adminURL (a database on it), generating it first when it is not there
// yet. log, when not nil, hears of the generation.
func Open(ctx context.Context, spec Spec, cacheDir, adminURL string, log func(string)) (*store.Store, error) {
	quiet := slog.New(slog.DiscardHandler)
	fill := func(cfg store.Config) error {
		cfg.Logger = quiet
		st, err := store.Open(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		began := time.Now()
		if _, err := history.Generate(ctx, st, spec.Config, spec.Options, nil); err != nil {
			return err
		}
		if log != nil {
			log(fmt.Sprintf("generated %d chats in %s", spec.Options.Chats, time.Since(began).Round(time.Second)))
		}
		return nil
	}
	if adminURL == "" {
		dir := filepath.Join(cacheDir, "sqlite_"+spec.Key())
		if _, err := os.Stat(filepath.Join(dir, "parley.db")); err != nil {
			partial := dir + ".partial"
			if err := os.RemoveAll(partial); err != nil {
				return nil, err
			}
			if err := fill(store.Config{DataDir: partial}); err != nil {
				return nil, err
			}
			if err := os.Rename(partial, dir); err != nil {
				return nil, err
			}
		}
		return settled(ctx, store.Config{DataDir: dir, Logger: quiet}, log)
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, fmt.Errorf("benchdb: PostgreSQL at %s: %w", adminURL, err)
	}
	defer conn.Close(ctx)
	name := "parley_bench_history_" + spec.Key()
	at := func(name string) (store.Config, error) {
		u, err := url.Parse(adminURL)
		if err != nil {
			return store.Config{}, err
		}
		u.Path = "/" + name
		return store.Config{DatabaseURL: u.String(), Logger: quiet}, nil
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		partial := pgx.Identifier{name + "_partial"}.Sanitize()
		for _, sql := range []string{"DROP DATABASE IF EXISTS " + partial + " WITH (FORCE)", "CREATE DATABASE " + partial} {
			if _, err := conn.Exec(ctx, sql); err != nil {
				return nil, err
			}
		}
		cfg, err := at(name + "_partial")
		if err != nil {
			return nil, err
		}
		if err := fill(cfg); err != nil {
			return nil, err
		}
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+partial+" RENAME TO "+pgx.Identifier{name}.Sanitize()); err != nil {
			return nil, err
		}
	}
	cfg, err := at(name)
	if err != nil {
		return nil, err
	}
	return settled(ctx, cfg, log)
}

// settled opens the store of cfg and waits for its first contact sweep to end (see
// [store.Store.LinkStats]). The generator links only the chats of the contacts it plans; the
// sweep of every Open links the others, a few thousand a minute, so a measurement taken while
// it runs shares the database with a writer and measures a history that grows between runs.
// The first Open of a history links them all; later ones find nothing to link.
func settled(ctx context.Context, cfg store.Config, log func(string)) (*store.Store, error) {
	st, err := store.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	began := time.Now()
	for {
		ls := st.LinkStats()
		if ls.Sweeps > 0 && ls.Queued == 0 {
			if log != nil && ls.Swept > 0 {
				log(fmt.Sprintf("linked %d chats to their contacts in %s", ls.Swept, time.Since(began).Round(time.Second)))
			}
			return st, nil
		}
		select {
		case <-ctx.Done():
			st.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Standard is the history the benchmarks share: chats over the year before 1 December 2026,
// ten messages each on average, in three tenants of 20 agents and two connectors.
func Standard(chats int) Spec {
	return Spec{Config: history.Config{Tenants: 3, AgentsPerTenant: 20, ConnectorsPerTenant: 2},
		Options: history.Options{Seed: 1, Chats: chats, Messages: chats * 10, End: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}}
}

// Places are where a benchmark of a package two levels below the repository's root keeps
// its histories: SQLite's under ARCHIVE_CACHE (default build/bench-history), PostgreSQL's on
// the test server (PARLEY_TEST_DATABASE_URL, default the local one).
func Places() (cacheDir, adminURL string) {
	cacheDir, adminURL = os.Getenv("ARCHIVE_CACHE"), os.Getenv("PARLEY_TEST_DATABASE_URL")
	if cacheDir == "" {
		cacheDir = filepath.Join("..", "..", "build", "bench-history")
	}
	if adminURL == "" {
		adminURL = pgtest.DefaultURL
	}
	return cacheDir, adminURL
}
