package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/pgtest"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(fullDiskEnv); dir != "" {
		// A re-run of the test binary as TestFullDisk's writer.
		if err := fullDiskWriter(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// backend is one database the contract suite runs on. newConfig prepares
// a database without data for one test and returns the Config that opens it;
// several Opens of that Config reach the same data. On PostgreSQL it is a copy
// of one migrated once per test process (migrating every test's database
// costs seconds under the race detector); fresh prepares an empty database,
// for the tests of the migrations.
type backend struct {
	name             string
	newConfig, fresh func(tb testing.TB) Config
}

func backends() []backend {
	return []backend{
		{name: "sqlite", newConfig: sqliteConfig, fresh: sqliteConfig},
		{name: "postgres", newConfig: migratedPostgresConfig, fresh: postgresConfig},
	}
}

func sqliteConfig(tb testing.TB) Config {
	return Config{DataDir: tb.TempDir(), Logger: testLogger()}
}

func testLogger() *slog.Logger {
	if os.Getenv("PARLEY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// postgresConfig gives a test a fresh PostgreSQL database, dropped when it ends (see pgtest).
func postgresConfig(tb testing.TB) Config {
	tb.Helper()
	return Config{DatabaseURL: pgtest.URL(tb), Logger: testLogger()}
}

// migratedPostgresConfig is postgresConfig with the database already at the schema.
func migratedPostgresConfig(tb testing.TB) Config {
	tb.Helper()
	return Config{DatabaseURL: pgtest.Template(tb, "store schema", migrate), Logger: testLogger()}
}

// migrate brings the database at url to the schema.
func migrate(url string) error {
	s, err := Open(context.Background(), Config{DatabaseURL: url, Logger: testLogger()})
	if err != nil {
		return err
	}
	return s.Close()
}

// cheapParams keep the demo seeding fast in tests.
var cheapParams = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// openStore opens cfg and closes the store when the test ends.
func openStore(tb testing.TB, cfg Config) *Store {
	tb.Helper()
	s, err := Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	s.hashPassword = func(pw string) (string, error) { return password.HashWithParams(pw, cheapParams) }
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}
