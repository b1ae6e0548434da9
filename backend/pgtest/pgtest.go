// Package pgtest gives tests a throwaway PostgreSQL database on the server named by
// PARLEY_TEST_DATABASE_URL (default: the local server with trust auth), so that every test
// runs against the real database, isolated from the others.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server used when PARLEY_TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// URL creates a fresh database and returns its URL; the database is dropped when the test
// ends. Without a reachable server the test is skipped, unless the CI variable is set, in
// which case it fails: CI must test PostgreSQL.
func URL(t testing.TB) string {
	t.Helper()
	return create(t, "")
}

// Copy is [URL] with the new database copied from the database named template (CREATE
// DATABASE … TEMPLATE), so that a test can start from a schema made once instead of
// migrating every fresh database again. Nobody may be connected to template meanwhile.
func Copy(t testing.TB, template string) string {
	t.Helper()
	return create(t, template)
}

// templatePrefix names the databases [Template] fills: the prefix, then the id of the test
// process that made it, so that a later process can drop those whose process is gone.
const templatePrefix = "parley_tpl_"

var (
	templatesMu sync.Mutex
	templates   = map[string]string{} // the filled database of each kind, once made
)

// Template is [Copy] of a database that fill prepares once per test process and kind (the
// program's schema migrated, say): fill gets the new database's URL and must close every
// connection it opened before it returns, as PostgreSQL copies only a database nobody is
// connected to. Tests starting from it skip what fill does, which under the race detector
// costs seconds per database. Without a reachable server the test is skipped, or fails in CI,
// as with [URL].
func Template(t testing.TB, kind string, fill func(url string) error) string {
	t.Helper()
	templatesMu.Lock()
	defer templatesMu.Unlock()
	name := templates[kind]
	if name == "" {
		var err error
		if name, err = makeTemplate(fill); err != nil {
			if os.Getenv("CI") == "" && strings.Contains(err.Error(), "connect") {
				return URL(t) // skips the test the way URL does
			}
			t.Fatalf("%s template database: %v", kind, err)
		}
		templates[kind] = name
	}
	return Copy(t, name)
}

// makeTemplate makes and fills a template database, after dropping those of test processes
// that have ended (a process cannot drop its own at its end: a package's tests have no hook
// that runs last).
func makeTemplate(fill func(url string) error) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := AdminURL()
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
	u, err := WithDatabase(admin, name)
	if err != nil {
		return "", err
	}
	if err := fill(u); err != nil {
		return "", err
	}
	return name, nil
}

// dropEnded drops the template databases of test processes that no longer run.
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

// AdminURL is the server tests create their databases on: PARLEY_TEST_DATABASE_URL, or
// [DefaultURL].
func AdminURL() string {
	if admin := os.Getenv("PARLEY_TEST_DATABASE_URL"); admin != "" {
		return admin
	}
	return DefaultURL
}

// WithDatabase returns admin's URL pointing at the database name instead.
func WithDatabase(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func create(t testing.TB, template string) string {
	t.Helper()
	admin := AdminURL()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at %s is required in CI: %v", admin, err)
		}
		t.Skipf("PostgreSQL not reachable at %s (set PARLEY_TEST_DATABASE_URL): %v", admin, err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "parley_t_" + hex.EncodeToString(b[:])
	stmt := "CREATE DATABASE " + name
	if template != "" {
		stmt += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := conn.Exec(ctx, stmt); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := WithDatabase(admin, name)
	if err != nil {
		t.Fatalf("PARLEY_TEST_DATABASE_URL: %v", err)
	}
	return u
}
