// Package schematest gives tests databases already at the program's schema. Every server a
// test starts would otherwise run each migration on a fresh database, which under the race
// detector costs a second or more per start on each database; here the schema is made once
// per test process, on SQLite and on PostgreSQL, and each test gets a copy of it. Tests of
// the migrations themselves open fresh databases instead.
package schematest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
)

// templatePrefix names the PostgreSQL databases this package migrates: the prefix, then the
// process id of the test process that made it, so that a later process can drop those whose
// process is gone.
const templatePrefix = "parley_tpl_"

var (
	mu       sync.Mutex
	pgName   string // the migrated PostgreSQL database of this process, once made
	liteFile string // the migrated SQLite file of this process, once made
)

// PostgresURL returns the URL of a fresh PostgreSQL database at the program's schema,
// dropped when the test ends (see [pgtest.URL] for when PostgreSQL is missing).
func PostgresURL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if pgName == "" {
		name, err := migratePostgres()
		if err != nil {
			if os.Getenv("CI") == "" && strings.Contains(err.Error(), "connect") {
				return pgtest.URL(t) // skips the test the way pgtest does
			}
			t.Fatalf("migrated PostgreSQL template: %v", err)
		}
		pgName = name
	}
	return pgtest.Copy(t, pgName)
}

// SQLiteDir returns a fresh data directory holding an SQLite database at the program's
// schema, removed when the test ends.
func SQLiteDir(t testing.TB) string {
	t.Helper()
	mu.Lock()
	if liteFile == "" {
		file, err := migrateSQLite()
		if err != nil {
			mu.Unlock()
			t.Fatalf("migrated SQLite template: %v", err)
		}
		liteFile = file
	}
	src := liteFile
	mu.Unlock()
	dir := t.TempDir()
	if err := copyFile(src, filepath.Join(dir, filepath.Base(src))); err != nil {
		t.Fatalf("copy the migrated SQLite database: %v", err)
	}
	return dir
}

// migratePostgres makes this process's migrated database, after dropping those of test
// processes that have ended.
func migratePostgres() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := pgtest.AdminURL()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	dropEnded(ctx, conn)
	name := fmt.Sprintf("%s%d_%d", templatePrefix, os.Getpid(), time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	u, err := pgtest.WithDatabase(admin, name)
	if err != nil {
		return "", err
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: u, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return "", err
	}
	// Closing releases every connection: PostgreSQL copies a database only while nobody is
	// connected to it.
	if err := st.Close(); err != nil {
		return "", err
	}
	return name, nil
}

// dropEnded drops the migrated databases of test processes that no longer run (a process
// cannot drop its own at its end: a package's tests have no hook that runs last).
func dropEnded(ctx context.Context, conn *pgx.Conn) {
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1", templatePrefix+"%")
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range names {
		pid, _, _ := strings.Cut(strings.TrimPrefix(name, templatePrefix), "_")
		n, err := strconv.Atoi(pid)
		if err != nil || processRuns(n) {
			continue
		}
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
}

// processRuns tells whether a process with the id runs on this machine.
func processRuns(pid int) bool {
	_, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid)))
	return err == nil
}

// migrateSQLite makes this process's migrated SQLite file in a directory of its own, left
// for the system's temporary files cleanup (it is a few hundred kilobytes).
func migrateSQLite() (string, error) {
	dir, err := os.MkdirTemp("", "parley-schema-")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := store.Open(ctx, store.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return "", err
	}
	// Closing checkpoints the write-ahead log into the database file, which alone is copied.
	if err := st.Close(); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, "-wal") || strings.HasSuffix(n, "-shm") {
			if info, err := e.Info(); err == nil && info.Size() > 0 && strings.HasSuffix(n, "-wal") {
				return "", fmt.Errorf("%s left a write-ahead log of %d bytes after closing", dir, info.Size())
			}
		}
	}
	return filepath.Join(dir, store.SQLiteFile), nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
