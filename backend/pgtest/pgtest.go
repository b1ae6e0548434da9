// Package pgtest gives tests a throwaway PostgreSQL database on the server named by
// PARLEY_TEST_DATABASE_URL (default: the local server with trust auth), so that every test
// runs against the real database, isolated from the others.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
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
