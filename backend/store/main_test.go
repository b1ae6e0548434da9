package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/parleychat/parley/backend/password"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// backend is one database the contract suite runs on. newConfig prepares
// an empty database for one test and returns the Config that opens it;
// several Opens of that Config reach the same data.
type backend struct {
	name      string
	newConfig func(tb testing.TB) Config
}

func backends() []backend {
	return []backend{
		{name: "sqlite", newConfig: sqliteConfig},
		{name: "postgres", newConfig: postgresConfig},
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

const defaultTestPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func postgresAdminURL() string {
	if u := os.Getenv("PARLEY_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return defaultTestPostgres
}

var pgReach struct {
	once sync.Once
	err  error
}

// openAdmin connects to the server's maintenance database; the result of the
// first attempt decides for the whole run whether PostgreSQL is there.
func openAdmin(tb testing.TB) *gorm.DB {
	tb.Helper()
	open := func() (*gorm.DB, error) {
		db, err := gorm.Open(postgres.Open(postgresAdminURL()), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			return nil, err
		}
		sqlDB, _ := db.DB()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := sqlDB.PingContext(ctx); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
		return db, nil
	}
	pgReach.once.Do(func() {
		db, err := open()
		if err == nil {
			closeGorm(db)
		}
		pgReach.err = err
	})
	if pgReach.err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("PostgreSQL unreachable at %s: %v", postgresAdminURL(), pgReach.err)
		}
		tb.Skipf("PostgreSQL unreachable (set PARLEY_TEST_DATABASE_URL): %v", pgReach.err)
	}
	db, err := open()
	if err != nil {
		tb.Fatalf("PostgreSQL: %v", err)
	}
	return db
}

func closeGorm(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// postgresConfig creates a fresh database parley_t_<random> and drops it
// when the test ends.
func postgresConfig(tb testing.TB) Config {
	tb.Helper()
	admin := openAdmin(tb)
	defer closeGorm(admin)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "parley_t_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		admin := openAdmin(tb)
		defer closeGorm(admin)
		if err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error; err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(postgresAdminURL())
	if err != nil {
		tb.Fatalf("PARLEY_TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return Config{DatabaseURL: u.String(), Logger: testLogger()}
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
