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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
)

var (
	mu       sync.Mutex
	liteFile string // the migrated SQLite file of this process, once made
)

// PostgresURL returns the URL of a fresh PostgreSQL database at the program's schema,
// dropped when the test ends (see [pgtest.URL] for when PostgreSQL is missing).
func PostgresURL(t testing.TB) string {
	t.Helper()
	return pgtest.Template(t, "schema", migratePostgres)
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

// migratePostgres migrates the template database at url.
func migratePostgres(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := store.Open(ctx, store.Config{DatabaseURL: url, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	// Closing releases every connection: PostgreSQL copies a database only while nobody is
	// connected to it.
	return st.Close()
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
