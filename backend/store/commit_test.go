package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/parleychat/parley/backend/changes"
)

// TestWaitRoom stalls the committer in a callback and fills the queue past
// its high-water mark: Enqueue never blocks (callers hold locks), WaitRoom
// waits until the committer has made room, and everything is committed. A
// callback holds the finisher, and the committer stops once the batches
// waiting for it fill its queue (finishQueue); the writes after those stay
// queued.
func TestWaitRoom(t *testing.T) {
	s := openStore(t, sqliteConfig(t))
	release := make(chan struct{})
	var done atomic.Int64
	s.Enqueue(Write{}, func(err error) {
		<-release // hold the committer
		done.Add(1)
	})
	// Let the committer take the first unit and block in its callback.
	deadline := time.Now().Add(5 * time.Second)
	for s.CommitStats().Queued != 0 || s.CommitStats().Batches == 0 {
		if time.Now().After(deadline) {
			t.Fatal("committer did not pick up the first write")
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.WaitRoom(context.Background()); err != nil || !s.HasRoom() {
		t.Fatalf("WaitRoom on an empty queue: %v (HasRoom %v)", err, s.HasRoom())
	}
	count := func(err error) {
		if err != nil {
			t.Error(err)
		}
		done.Add(1)
	}
	// What the committer may still take before it stops: the batches the finisher's queue
	// holds, and the one it then waits to hand over.
	ahead := (finishQueue + 1) * maxBatchWrites
	total := highWater + 10 + ahead
	enqueued := make(chan struct{})
	go func() {
		for range total {
			s.Enqueue(Write{}, count)
		}
		close(enqueued)
	}()
	select {
	case <-enqueued:
	case <-time.After(10 * time.Second):
		t.Fatal("Enqueue blocked on a full queue")
	}
	// The committer stops taking writes once it waits for the syncer.
	last, stable := -1, 0
	for stable < 20 {
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatal("the queue kept shrinking while the callback held the syncer")
		}
		q := s.CommitStats().Queued
		if q == last {
			stable++
		} else {
			last, stable = q, 0
		}
		time.Sleep(5 * time.Millisecond)
	}
	if last < highWater+10 {
		t.Fatalf("queued = %d while the callback holds the syncer, want at least %d", last, highWater+10)
	}
	if s.HasRoom() {
		t.Fatal("HasRoom over the high-water mark")
	}
	waited := make(chan error)
	go func() { waited <- s.WaitRoom(context.Background()) }()
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.WaitRoom(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitRoom over the high-water mark = %v, want a deadline", err)
	}
	close(release)
	if err := <-waited; err != nil {
		t.Fatalf("WaitRoom after the committer moved on: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := done.Load(), int64(total+1); got != want {
		t.Fatalf("%d callbacks, want %d", got, want)
	}
	if err := s.WaitRoom(context.Background()); !errors.Is(err, ErrClosed) || s.HasRoom() {
		t.Fatalf("WaitRoom after Close = %v (HasRoom %v)", err, s.HasRoom())
	}
}

// TestLogsHoldNoValues checks that logged SQL carries placeholders, never
// the bound values (password hashes, tokens, message text).
func TestLogsHoldNoValues(t *testing.T) {
	var buf syncBuffer
	cfg := sqliteConfig(t)
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := openStore(t, cfg)
	ten := newTenant(t, s, "T")
	u := User{TenantID: ten.ID, Login: "a@x", Role: RoleAgent, PasswordHash: "SECRET-HASH-1"}
	if _, err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = "SECRET-HASH-2"
	if _, err := s.CreateUser(ctx, u); !errors.Is(err, ErrConflict) {
		t.Fatalf("err = %v", err)
	}
	if err := s.Commit(ctx, msgWrite("no-such-chat", 1, "SECRET-TEXT", "")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	out := buf.String()
	if !strings.Contains(out, "query failed") {
		t.Fatalf("failed query not logged at debug:\n%s", out)
	}
	if strings.Contains(out, "SECRET") {
		t.Fatalf("log contains a bound value:\n%s", out)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A write that comes on its own after writers that came together is not held for the whole
// commit window: gathering stops once nothing has arrived for a gap of it.
func TestGatherStopsAtGap(t *testing.T) {
	cfg := sqliteConfig(t)
	cfg.CommitWindow = time.Minute
	s := openStore(t, cfg)
	release := make(chan struct{})
	s.Enqueue(Write{}, func(error) { <-release }) // hold the committer
	deadline := time.Now().Add(5 * time.Second)
	for s.CommitStats().Queued != 0 || s.CommitStats().Batches == 0 {
		if time.Now().After(deadline) {
			t.Fatal("committer did not pick up the first write")
		}
		time.Sleep(time.Millisecond)
	}
	// Two writers queue meanwhile and are committed together: the committer expects two.
	var two sync.WaitGroup
	two.Add(2)
	s.Enqueue(Write{}, func(error) { two.Done() })
	s.Enqueue(Write{}, func(error) { two.Done() })
	close(release)
	two.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Commit(ctx, Write{}); err != nil {
		t.Fatalf("a lone write waited for the whole window: %v", err)
	}
}

// A commit that adds to a delivery outbox is counted, before its events are published, so that
// the outbox's worker is woken for it; a commit that adds nothing is not, so that a busy
// server's messages do not wake idle workers.
func TestOutboxWritesCounted(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			var seen atomic.Uint64
			var s *Store
			cfg := b.newConfig(t)
			cfg.Changes = publisherFunc(func(changes.ChatEvent) { seen.Store(s.OutboxWrites(OutboxWebhooks)) })
			s = openStore(t, cfg)
			quiet, hooked := newTenant(t, s, "Quiet"), newTenant(t, s, "Hooked")
			must[WebhookEndpoint](t)(s.CreateWebhookEndpoint(ctx, WebhookEndpoint{TenantID: hooked.ID, URL: "https://hooks.example.com/h",
				Events: []string{"chat.message"}, Enabled: true}))
			for _, ten := range []Tenant{quiet, hooked} {
				c := newChat(t, s, ten.ID, nil)
				if err := s.Commit(ctx, msgWrite(c.ID, 0, "hello", "m-"+ten.Name)); err != nil {
					t.Fatal(err)
				}
				want := uint64(0)
				if ten.ID == hooked.ID {
					want = 1
				}
				if got := s.OutboxWrites(OutboxWebhooks); got != want || seen.Load() != want {
					t.Fatalf("after a message in %s: %d webhook commits counted, %d when published; want %d", ten.Name, got, seen.Load(), want)
				}
			}
		})
	}
}

// publisherFunc publishes chat events to a function and drops settings.
type publisherFunc func(changes.ChatEvent)

func (f publisherFunc) PublishChat(e changes.ChatEvent) { f(e) }
func (publisherFunc) PublishSetting(changes.Setting)    {}

// TestOutboxSettingsReadOnlyWhenNeeded checks that a message's commit reads the webhook
// endpoints only when the chat's tenant has an enabled one, and the WhatsApp chats only when
// the chat is one: the numbering statement answers both, so the usual batch costs the
// database no statement for either, while a tenant with an endpoint and a WhatsApp chat still
// get their deliveries.
func TestOutboxSettingsReadOnlyWhenNeeded(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newConfig(t))
			linkerSwept(t, s)
			var mu sync.Mutex
			read := map[string]int{}
			if err := s.w.Callback().Query().After("gorm:query").Register("test:outbox-reads", func(db *gorm.DB) {
				mu.Lock()
				read[db.Statement.Table]++
				mu.Unlock()
			}); err != nil {
				t.Fatal(err)
			}
			reads := func(table string) int {
				mu.Lock()
				defer mu.Unlock()
				return read[table]
			}
			agentLine := func(chatID, id string) Write {
				return Write{Event: &Event{ChatID: chatID, Type: "message", Data: json.RawMessage(`{"role":"agent","text":"hi"}`)},
					Message: &Message{ChatID: chatID, Role: "agent", Name: "A", Text: "hi", ClientID: id}}
			}
			quiet := newTenant(t, s, "Quiet")
			c := newChat(t, s, quiet.ID, nil)
			if err := s.Commit(ctx, msgWrite(c.ID, 0, "hello", "v1"), agentLine(c.ID, "a1")); err != nil {
				t.Fatal(err)
			}
			if n, m := reads("webhook_endpoints"), reads("whatsapp_chats"); n != 0 || m != 0 {
				t.Fatalf("a visitor's and an agent's line in a chat of a tenant without webhooks, not on WhatsApp: "+
					"%d reads of the webhook endpoints, %d of the WhatsApp chats; want none", n, m)
			}

			hooked := newTenant(t, s, "Hooked")
			must[WebhookEndpoint](t)(s.CreateWebhookEndpoint(ctx, WebhookEndpoint{TenantID: hooked.ID, URL: "https://hooks.example.com/h",
				Events: []string{"chat.message"}, Enabled: true}))
			conn := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: hooked.ID, Name: "Shop", WhatsAppEnabled: true,
				WhatsAppAPIKey: "key", WhatsAppNumber: "+4930123456"}))
			wa := newChat(t, s, hooked.ID, func(c *Chat) { c.ConnectorID = conn.ID })
			if err := s.CreateWhatsAppChat(ctx, WhatsAppChat{ChatID: wa.ID, TenantID: hooked.ID, ConnectorID: conn.ID, Phone: "+491701234567"}); err != nil {
				t.Fatal(err)
			}
			hooks, lines := s.OutboxWrites(OutboxWebhooks), s.OutboxWrites(OutboxWhatsApp)
			if err := s.Commit(ctx, agentLine(wa.ID, "a2")); err != nil {
				t.Fatal(err)
			}
			if s.OutboxWrites(OutboxWebhooks) != hooks+1 || s.OutboxWrites(OutboxWhatsApp) != lines+1 {
				t.Fatalf("an agent's line in a WhatsApp chat of a tenant with a webhook: webhook commits %d → %d, WhatsApp commits %d → %d; want one more each",
					hooks, s.OutboxWrites(OutboxWebhooks), lines, s.OutboxWrites(OutboxWhatsApp))
			}
		})
	}
}

// TestNumberingOneChatPlain checks that a batch of one chat's events is numbered by a plain
// UPDATE (no join with a list of values, which costs the database several times the parsing
// and planning), and a batch of several chats by one statement for all, each numbered right.
func TestNumberingOneChatPlain(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newConfig(t))
			linkerSwept(t, s)
			var mu sync.Mutex
			var numbering []string
			// The numbering runs below GORM and is traced as GORM traces its statements.
			s.w.Config.Logger = traceLogger{Interface: s.w.Config.Logger, trace: func(sql string) {
				if strings.Contains(sql, "UPDATE chats SET last_seq") {
					mu.Lock()
					numbering = append(numbering, sql)
					mu.Unlock()
				}
			}}
			ten := newTenant(t, s, "T")
			one, two := newChat(t, s, ten.ID, nil), newChat(t, s, ten.ID, nil)
			msgWrite := func(chatID string, seq uint64, text, clientID string) Write {
				// A participant too, so that PostgreSQL writes them in a transaction rather than
				// in one statement (TestOneStatementWrites).
				w := msgWrite(chatID, seq, text, clientID)
				w.Participant = &Participant{ChatID: chatID, Role: "agent", UserID: 1, Name: "A"}
				return w
			}
			first, second := msgWrite(one.ID, 0, "a", "m1"), msgWrite(one.ID, 0, "b", "m2")
			if err := s.Commit(ctx, first, second); err != nil {
				t.Fatal(err)
			}
			third, fourth := msgWrite(one.ID, 0, "c", "m3"), msgWrite(two.ID, 0, "d", "m4")
			if err := s.Commit(ctx, third, fourth); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(numbering) != 2 || strings.Contains(numbering[0], "WITH") || !strings.Contains(numbering[1], "WITH") {
				t.Fatalf("numbering statements %q; want a plain UPDATE for one chat, then one for both chats", numbering)
			}
			if got := []uint64{first.Event.Seq, second.Event.Seq, third.Event.Seq, fourth.Event.Seq}; !slices.Equal(got, []uint64{1, 2, 3, 1}) {
				t.Fatalf("events numbered %v; want [1 2 3 1]", got)
			}
		})
	}
}

// linkerSwept waits for the contact linker's first sweep of a store just opened: a test that
// registers a gorm callback must not do so while the sweep's queries run the callbacks.
func linkerSwept(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.lk.sweeps.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the linker's first sweep did not end")
		}
		time.Sleep(time.Millisecond)
	}
}

// traceLogger is a GORM logger that also hands every traced statement to trace.
type traceLogger struct {
	logger.Interface
	trace func(sql string)
}

// Trace implements logger.Interface.
func (l traceLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	sql, _ := fc()
	l.trace(sql)
	l.Interface.Trace(ctx, begin, fc, err)
}

// LogMode implements logger.Interface, keeping the trace.
func (l traceLogger) LogMode(level logger.LogLevel) logger.Interface {
	return traceLogger{Interface: l.Interface.LogMode(level), trace: l.trace}
}
