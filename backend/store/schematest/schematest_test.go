package schematest

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley/backend/store"
)

// lockedBuffer collects a store's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Each copy is at the current schema (opening it runs no migration) and is the test's own: a
// tenant written into one is not in the next.
func TestCopiesAreMigratedAndApart(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			open := func() (*store.Store, *lockedBuffer) {
				var cfg store.Config
				if db == "postgres" {
					cfg = store.Config{DataDir: t.TempDir(), DatabaseURL: PostgresURL(t)}
				} else {
					cfg = store.Config{DataDir: SQLiteDir(t)}
				}
				logs := &lockedBuffer{}
				cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				st, err := store.Open(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st, logs
			}
			ctx := context.Background()
			first, logs := open()
			if strings.Contains(logs.String(), "schema migrated") {
				t.Fatalf("opening a copy migrated it:\n%s", logs)
			}
			before, err := first.Tenants(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := first.CreateTenant(ctx, store.Tenant{Name: "Only in the first copy"}); err != nil {
				t.Fatal(err)
			}
			second, _ := open()
			after, err := second.Tenants(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before) {
				t.Fatalf("the second copy has %d tenants, the first had %d before its write", len(after), len(before))
			}
		})
	}
}
