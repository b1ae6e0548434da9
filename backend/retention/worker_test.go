package retention

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func open(t *testing.T, dialect string) *store.Store {
	t.Helper()
	cfg := store.Config{DataDir: t.TempDir(), Logger: quiet}
	if dialect == store.DialectPostgres {
		cfg = store.Config{DatabaseURL: pgtest.URL(t), Logger: quiet}
	}
	st, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestPlan(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	got := Plan([]store.RetentionPolicy{
		{TenantID: 1, ChatDays: 30, AuditDays: 365},
		{TenantID: 2}, // keeps everything
		{TenantID: 3, LeftMessageDays: store.MaxRetentionDays * 10}, // capped, no overflow
		{TenantID: 4, ChatDays: 7},                                  // deliveries no longer than chats
	}, now)
	logs := now.AddDate(0, 0, -store.DeliveryLogDays)
	want := []Task{
		{TenantID: 1, Kind: Chats, Before: now.AddDate(0, 0, -30)},
		{TenantID: 1, Kind: Contacts, Before: now.AddDate(0, 0, -30)},
		{TenantID: 1, Kind: AuditEntries, Before: now.AddDate(0, 0, -365)},
		{TenantID: 1, Kind: DeliveryLogs, Before: logs},
		{TenantID: 2, Kind: DeliveryLogs, Before: logs},
		{TenantID: 3, Kind: LeftMessages, Before: now.Add(-store.MaxRetentionDays * 24 * time.Hour)},
		{TenantID: 3, Kind: Contacts, Before: now.Add(-store.MaxRetentionDays * 24 * time.Hour)},
		{TenantID: 3, Kind: DeliveryLogs, Before: logs},
		{TenantID: 4, Kind: Chats, Before: now.AddDate(0, 0, -7)},
		{TenantID: 4, Kind: Contacts, Before: now.AddDate(0, 0, -7)},
		{TenantID: 4, Kind: DeliveryLogs, Before: now.AddDate(0, 0, -7)},
	}
	if len(got) != len(want) {
		t.Fatalf("plan = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("task %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestRound runs rounds on both databases with a fixed clock: old closed chats and their
// files go in batches, open and recent chats, left messages within their period and other
// tenants stay, and the audit log keeps its own period.
func TestRound(t *testing.T) {
	for _, dialect := range []string{store.DialectSQLite, store.DialectPostgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := open(t, dialect)
			now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
			a, err := st.CreateTenant(ctx, store.Tenant{Name: "A"})
			if err != nil {
				t.Fatal(err)
			}
			b, err := st.CreateTenant(ctx, store.Tenant{Name: "B"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.SaveRetentionPolicy(ctx, store.RetentionPolicy{TenantID: a.ID, ChatDays: 30, LeftMessageDays: 90, AuditDays: 10}); err != nil {
				t.Fatal(err)
			}
			mk := func(tenant int64, state, cause string, closed time.Time) string {
				c := store.Chat{ID: store.NewChatID(), TenantID: tenant, ConnectorID: 1, State: state, CloseCause: cause, CreatedAt: closed.Add(-time.Hour)}
				if state == "closed" {
					c.ClosedAt = &closed
				}
				if err := st.Commit(ctx, store.Write{Chat: &c}); err != nil {
					t.Fatal(err)
				}
				ev := store.Event{ChatID: c.ID, Type: "message", Data: []byte(`{"text":"hi"}`)}
				if err := st.Commit(ctx, store.Write{Event: &ev, Message: &store.Message{ChatID: c.ID, Role: "visitor", Text: "hi"}}); err != nil {
					t.Fatal(err)
				}
				if _, err := st.CreateFile(ctx, store.File{TenantID: tenant, ChatID: c.ID, Name: "a.txt", ContentType: "text/plain", Size: 4, Role: "visitor", Data: []byte("data")}); err != nil {
					t.Fatal(err)
				}
				return c.ID
			}
			old := now.AddDate(0, 0, -31)
			var gone []string
			for range 7 {
				gone = append(gone, mk(a.ID, "closed", "visitor", old))
			}
			kept := []string{
				mk(a.ID, "active", "", old),                          // open: never
				mk(a.ID, "closed", "agent", now.AddDate(0, 0, -29)),  // within 30 days
				mk(a.ID, "closed", store.CloseCauseLeftMessage, old), // left messages: 90 days
				mk(b.ID, "closed", "visitor", now.AddDate(-5, 0, 0)), // tenant B keeps forever
			}
			leftOld := mk(a.ID, "closed", store.CloseCauseLeftMessage, now.AddDate(0, 0, -91))
			gone = append(gone, leftOld)
			for i := range 3 {
				if _, err := st.AppendAudit(ctx, store.AuditEntry{TenantID: a.ID, At: now.AddDate(0, 0, -20+i*8), Action: "mail"}); err != nil {
					t.Fatal(err)
				}
			}

			w := New(Options{Store: st, Clock: func() time.Time { return now }, Batch: 3, Pause: -1, Logger: quiet})
			got, err := w.Round(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got.Chats != 7 || got.LeftMessages != 1 || got.Files != 8 || got.FileBytes != 32 || got.Messages != 8 || got.AuditEntries != 2 || got.Rounds != 1 {
				t.Fatalf("round = %+v", got)
			}
			for _, id := range gone {
				if _, err := st.Chat(ctx, id); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("chat %s: err %v, want gone", id, err)
				}
			}
			for _, id := range kept {
				if _, err := st.Chat(ctx, id); err != nil {
					t.Errorf("chat %s: %v, want kept", id, err)
				}
			}
			if left, _ := st.AuditLog(ctx, store.AuditQuery{TenantID: a.ID}); len(left) != 1 {
				t.Errorf("audit entries left: %d", len(left))
			}
			// The next round finds nothing; the totals add up.
			if again, err := w.Round(ctx); err != nil || again.Chats+again.LeftMessages+again.AuditEntries != 0 {
				t.Fatalf("second round = %+v, %v", again, err)
			}
			if s := w.Stats(); s.Rounds != 2 || s.Chats != 7 || !s.LastRound.Equal(now) {
				t.Fatalf("stats = %+v", s)
			}
		})
	}
}

// TestRoundContacts: a round deletes the contacts whose every chat it deleted, and keeps those
// with a chat left and those of a tenant that keeps its chats.
func TestRoundContacts(t *testing.T) {
	for _, dialect := range []string{store.DialectSQLite, store.DialectPostgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := open(t, dialect)
			now := time.Now().UTC()
			var tenants [2]int64
			for i := range tenants {
				ten, err := st.CreateTenant(ctx, store.Tenant{Name: string(rune('A' + i))})
				if err != nil {
					t.Fatal(err)
				}
				tenants[i] = ten.ID
			}
			if _, err := st.SaveRetentionPolicy(ctx, store.RetentionPolicy{TenantID: tenants[0], ChatDays: 30, LeftMessageDays: 7}); err != nil {
				t.Fatal(err)
			}
			old := now.AddDate(0, 0, -40)
			mk := func(tenant int64, email string, closed *time.Time) int64 {
				c := store.Chat{ID: store.NewChatID(), TenantID: tenant, ConnectorID: 1, State: "active", VisitorEmail: email, CreatedAt: old}
				if closed != nil {
					c.State, c.ClosedAt = "closed", closed
				}
				if err := st.Commit(ctx, store.Write{Chat: &c}); err != nil {
					t.Fatal(err)
				}
				if err := st.LinkChat(ctx, c); err != nil {
					t.Fatal(err)
				}
				l, err := st.ChatContact(ctx, tenant, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				return l.ContactID
			}
			gone := mk(tenants[0], "gone@example.com", &old)
			mk(tenants[0], "gone@example.com", &old)
			open := mk(tenants[0], "open@example.com", nil)
			mk(tenants[0], "open@example.com", &old)
			foreign := mk(tenants[1], "gone@example.com", &old)
			// The contacts were made now: a clock a period ahead sees them as old.
			w := New(Options{Store: st, Clock: func() time.Time { return now.AddDate(0, 0, 31) }, Batch: 1, Pause: -1, Logger: quiet})
			got, err := w.Round(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got.Chats != 3 || got.Contacts != 1 {
				t.Fatalf("round = %+v", got)
			}
			if _, err := st.Contact(ctx, tenants[0], gone); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("contact without chats: %v", err)
			}
			for _, k := range []struct{ tenant, id int64 }{{tenants[0], open}, {tenants[1], foreign}} {
				if _, err := st.Contact(ctx, k.tenant, k.id); err != nil {
					t.Fatalf("contact %d: %v", k.id, err)
				}
			}
		})
	}
}

// TestTwoWorkers runs two workers on one PostgreSQL database at once, as two servers would:
// together they delete each chat once.
func TestTwoWorkers(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	var stores []*store.Store
	for range 2 {
		st, err := store.Open(ctx, store.Config{DatabaseURL: url, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		stores = append(stores, st)
	}
	st := stores[0]
	a, err := st.CreateTenant(ctx, store.Tenant{Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveRetentionPolicy(ctx, store.RetentionPolicy{TenantID: a.ID, ChatDays: 1}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	old := now.AddDate(0, 0, -2)
	var ws []store.Write
	for range 300 {
		ws = append(ws, store.Write{Chat: &store.Chat{ID: store.NewChatID(), TenantID: a.ID, ConnectorID: 1, State: "closed", ClosedAt: &old, CreatedAt: old}})
	}
	if err := st.Commit(ctx, ws...); err != nil {
		t.Fatal(err)
	}
	results := make(chan Stats, 2)
	for _, s := range stores {
		w := New(Options{Store: s, Clock: func() time.Time { return now }, Batch: 20, Pause: -1, Logger: quiet})
		go func() {
			got, err := w.Round(ctx)
			if err != nil {
				t.Error(err)
			}
			results <- got
		}()
	}
	total := (<-results).Chats + (<-results).Chats
	if total != 300 {
		t.Fatalf("deleted %d chats together, want 300", total)
	}
}
