package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/backend/hookevent"
	"github.com/parleychat/parley/backend/outbox"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/backoff"
	"github.com/parleychat/parley/shared/protocol"
)

// TestMain fails the tests when a goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// each runs f on a fresh store on SQLite and on PostgreSQL.
func each(t *testing.T, f func(t *testing.T, st *store.Store)) {
	for _, b := range []struct {
		name string
		cfg  func(t *testing.T) store.Config
	}{
		{"sqlite", func(t *testing.T) store.Config { return store.Config{DataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) store.Config { return store.Config{DatabaseURL: pgtest.URL(t)} }},
	} {
		t.Run(b.name, func(t *testing.T) {
			cfg := b.cfg(t)
			cfg.Logger = quiet
			st, err := store.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			f(t, st)
		})
	}
}

// clock is a test clock that moves only when told; it starts a minute ahead, so that what
// the test writes meanwhile is due.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Add(time.Minute)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// receiver is a real HTTP server that verifies every delivery's signature with the
// endpoint's secret and keeps what it got; answer decides each answer.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	got    []hookevent.Payload
	bad    int
	answer func(n int) int // the status of the n-th request (1 for the first)
	n      int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, answer: func(int) int { return http.StatusOK }}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.n++
		n, secret := r.n, r.secret
		r.mu.Unlock()
		if err := Verify(secret, req.Header.Get(SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
			r.mu.Lock()
			r.bad++
			r.mu.Unlock()
			http.Error(w, "bad signature", http.StatusBadRequest)
			return
		}
		var p hookevent.Payload
		if err := json.Unmarshal(body, &p); err != nil || p.ID != req.Header.Get(EventIDHeader) || p.Type != req.Header.Get("Parley-Event-Type") {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		answer := r.answer
		r.mu.Unlock()
		code := answer(n)
		if code == http.StatusOK {
			r.mu.Lock()
			r.got = append(r.got, p)
			r.mu.Unlock()
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte("answer " + http.StatusText(code)))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() ([]hookevent.Payload, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookevent.Payload(nil), r.got...), r.bad
}

var testRetry = outbox.Retry{Backoff: backoff.Policy{Initial: time.Minute, Max: time.Hour}, MaxAttempts: 3, Claim: 5 * time.Minute}

func newWorker(st *store.Store, clk *clock, timeout time.Duration) *Worker {
	return NewWorker(Options{Store: st, AllowPrivate: true, Timeout: timeout, Retry: testRetry, Now: clk.Now, Rand: func() float64 { return 0 }, Logger: quiet})
}

// fixture makes a tenant with a connector and an endpoint at url subscribed to events.
func fixture(t *testing.T, st *store.Store, url string, events ...string) (store.Tenant, store.Connector, store.WebhookEndpoint) {
	t.Helper()
	ctx := context.Background()
	ten, err := st.CreateTenant(ctx, store.Tenant{Name: "Acme Bakery", TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := st.CreateConnector(ctx, store.Connector{TenantID: ten.ID, Name: "Webshop"})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 {
		events = hookevent.Kinds
	}
	ep, err := st.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{TenantID: ten.ID, URL: url, Events: events, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ep.Secret, "whsec_") || len(ep.Secret) < 40 {
		t.Fatalf("secret %q", ep.Secret)
	}
	return ten, conn, ep
}

// chat commits a chat's life: requested, taken, a line each way, a whisper, closed, rated.
func chat(t *testing.T, st *store.Store, tenantID, connectorID int64) string {
	t.Helper()
	start := time.Now().UTC().Truncate(time.Second)
	c := store.Chat{ID: store.NewChatID(), TenantID: tenantID, ConnectorID: connectorID, State: "queued", VisitorName: "Zoë", CreatedAt: start}
	ev := func(body protocol.EventBody, agentsOnly bool) store.Write {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		return store.Write{Event: &store.Event{ChatID: c.ID, Type: string(body.EventType()), Data: data, AgentsOnly: agentsOnly}}
	}
	w := ev(&protocol.ChatState{State: protocol.StateQueued, At: start}, false)
	w.Chat = &c
	err := st.Commit(context.Background(), w,
		ev(&protocol.ChatState{State: protocol.StateActive, At: start}, false),
		ev(&protocol.Message{Role: protocol.RoleVisitor, Name: "Zoë", Text: "Wo bleibt meine Torte?\x01", At: start}, false),
		ev(&protocol.Message{Role: protocol.RoleAgent, Name: "Sven", Text: "Flüstern", Internal: true, At: start}, true),
		ev(&protocol.Message{Role: protocol.RoleAgent, Name: "Anna", Text: "Sie ist unterwegs.", At: start}, false),
		ev(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor, At: start}, false),
		ev(&protocol.FieldSet{Survey: "post", Fields: map[string]string{"rating": "5"}}, false))
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func kinds(ps []hookevent.Payload) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Type
	}
	return out
}

// A chat's events reach the endpoint signed, in order, each once, with its idempotency id;
// the whisper does not; the log says delivered with the answer's status.
func TestDeliversSignedEvents(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t)
		ten, conn, ep := fixture(t, st, rcv.srv.URL+"/hook")
		rcv.secret = ep.Secret
		chatID := chat(t, st, ten.ID, conn.ID)
		w := newWorker(st, newClock(), 0)
		n, err := w.DeliverDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, bad := rcv.received()
		want := "chat.requested chat.assigned chat.message chat.message chat.closed survey.submitted chat.rated"
		if n != 7 || bad != 0 || strings.Join(kinds(got), " ") != want {
			t.Fatalf("delivered %d, bad %d: %v", n, bad, kinds(got))
		}
		ids := map[string]bool{}
		for _, p := range got {
			if p.ChatID != chatID || p.TenantID != ten.ID || ids[p.ID] {
				t.Errorf("payload %+v", p)
			}
			ids[p.ID] = true
		}
		var line protocol.Message
		if err := json.Unmarshal(got[2].Data, &line); err != nil || line.Text != "Wo bleibt meine Torte?\x01" {
			t.Errorf("the message's data: %s %v", got[2].Data, err)
		}
		log, err := st.WebhookLog(ctx, ten.ID, store.WebhookLogFilter{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range log {
			if d.State != store.WebhookDelivered || d.Attempts != 1 || d.ResponseCode != 200 || d.DeliveredAt.IsZero() || d.LastError != "" {
				t.Errorf("log %+v", d)
			}
		}
		if n, err := w.DeliverDue(ctx); n != 0 || err != nil {
			t.Errorf("a second pass delivers %d: %v", n, err)
		}
	})
}

// Endpoints get only the kinds they chose; a disabled one and another tenant's get nothing.
func TestSubscriptionsAndTenants(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		closing, other, off := newReceiver(t), newReceiver(t), newReceiver(t)
		ten, conn, ep := fixture(t, st, closing.srv.URL, hookevent.ChatClosed)
		closing.secret = ep.Secret
		ten2, _, ep2 := fixture(t, st, other.srv.URL)
		other.secret = ep2.Secret
		dis, err := st.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{TenantID: ten.ID, URL: off.srv.URL, Events: hookevent.Kinds})
		if err != nil {
			t.Fatal(err)
		}
		off.secret = dis.Secret
		chat(t, st, ten.ID, conn.ID)
		if _, err := newWorker(st, newClock(), 0).DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := closing.received(); strings.Join(kinds(got), " ") != "chat.closed" {
			t.Errorf("the closing endpoint got %v", kinds(got))
		}
		if got, _ := other.received(); len(got) != 0 {
			t.Errorf("another tenant's endpoint got %v", kinds(got))
		}
		if got, _ := off.received(); len(got) != 0 {
			t.Errorf("a disabled endpoint got %v", kinds(got))
		}
		// Another tenant can neither read, replay, change nor delete them.
		log, _ := st.WebhookLog(ctx, ten.ID, store.WebhookLogFilter{}, 10)
		if _, err := st.ReplayWebhookDelivery(ctx, ten2.ID, log[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("foreign replay: %v", err)
		}
		if _, err := st.UpdateWebhookEndpoint(ctx, store.WebhookEndpoint{ID: ep.ID, TenantID: ten2.ID, URL: "https://evil.example/", Events: hookevent.Kinds}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("foreign update: %v", err)
		}
		if err := st.DeleteWebhookEndpoint(ctx, ten2.ID, ep.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("foreign delete: %v", err)
		}
		if _, err := st.ResetWebhookSecret(ctx, ten2.ID, ep.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("foreign secret reset: %v", err)
		}
		if _, err := st.EnqueueWebhookTest(ctx, ten2.ID, ep.ID, "evt_test", []byte("{}")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("foreign test: %v", err)
		}
		if l, _ := st.WebhookLog(ctx, ten2.ID, store.WebhookLogFilter{}, 10); len(l) != 0 {
			t.Errorf("the other tenant's log shows %d", len(l))
		}
	})
}

// A receiver that fails (500, then too slow) is retried after the backoff, the failure kept
// in the log with its status; once it answers, the delivery is done. After the last attempt
// the delivery is given up.
func TestRetriesWithBackoff(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t)
		slow := make(chan struct{})
		defer close(slow)
		rcv.answer = func(n int) int {
			switch n {
			case 1:
				return http.StatusInternalServerError
			case 2:
				<-slow // longer than the client waits
			}
			return http.StatusOK
		}
		ten, conn, ep := fixture(t, st, rcv.srv.URL, hookevent.ChatClosed)
		rcv.secret = ep.Secret
		chat(t, st, ten.ID, conn.ID)
		clk := newClock()
		w := newWorker(st, clk, 300*time.Millisecond)
		if n, err := w.DeliverDue(ctx); n != 0 || err != nil {
			t.Fatalf("first attempt: %d %v", n, err)
		}
		d := must(st.WebhookLog(ctx, ten.ID, store.WebhookLogFilter{}, 1))[0]
		if d.State != store.WebhookPending || d.ResponseCode != 500 || !strings.Contains(d.LastError, "HTTP 500") ||
			!d.NextAttemptAt.Equal(clk.Now().Add(time.Minute).UTC().Truncate(time.Microsecond)) {
			t.Fatalf("after a 500: %+v", d)
		}
		if n, _ := w.DeliverDue(ctx); n != 0 {
			t.Fatal("retried before the backoff")
		}
		clk.Add(time.Minute)
		if n, err := w.DeliverDue(ctx); n != 0 || err != nil {
			t.Fatalf("second attempt: %d %v", n, err)
		}
		d = must(st.WebhookLog(ctx, ten.ID, store.WebhookLogFilter{}, 1))[0]
		if d.State != store.WebhookPending || d.ResponseCode != 0 || d.Attempts != 2 || d.LastError == "" {
			t.Fatalf("after a timeout: %+v", d)
		}
		clk.Add(2 * time.Minute)
		if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
			t.Fatalf("third attempt: %d %v", n, err)
		}
		if got, _ := rcv.received(); len(got) != 1 {
			t.Fatalf("received %d", len(got))
		}
		d = must(st.WebhookLog(ctx, ten.ID, store.WebhookLogFilter{}, 1))[0]
		if d.State != store.WebhookDelivered || d.Attempts != 3 || d.ResponseCode != 200 || d.LastError != "" {
			t.Fatalf("delivered: %+v", d)
		}

		// A receiver that never answers well is given up after the last attempt.
		rcv.mu.Lock()
		rcv.answer = func(int) int { return http.StatusServiceUnavailable }
		rcv.mu.Unlock()
		if _, err := st.ReplayWebhookDelivery(ctx, ten.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		for range testRetry.MaxAttempts + 2 {
			if _, err := w.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Hour)
		}
		d = must(st.WebhookLog(ctx, ten.ID, store.WebhookLogFilter{}, 1))[0]
		if d.State != store.WebhookFailed || d.Attempts != testRetry.MaxAttempts || d.ResponseCode != 503 {
			t.Fatalf("given up: %+v", d)
		}
		if l := must(st.WebhookLog(ctx, ten.ID, store.WebhookLogFilter{State: store.WebhookFailed}, 10)); len(l) != 1 || l[0].ID != d.ID {
			t.Errorf("the failed filter shows %d", len(l))
		}
	})
}

// A replay posts the same body with the same idempotency id again, as a new log entry; a
// test reaches even a disabled endpoint.
func TestReplayAndTest(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t)
		ten, conn, ep := fixture(t, st, rcv.srv.URL, hookevent.ChatRequested)
		rcv.secret = ep.Secret
		chat(t, st, ten.ID, conn.ID)
		w := newWorker(st, newClock(), 0)
		if _, err := w.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		orig := must(st.WebhookLog(ctx, ten.ID, store.WebhookLogFilter{}, 1))[0]
		again, err := st.ReplayWebhookDelivery(ctx, ten.ID, orig.ID)
		if err != nil || again.ReplayOf != orig.ID || again.EventID != orig.EventID {
			t.Fatalf("replay %+v %v", again, err)
		}
		ep.Enabled = false
		if _, err := st.UpdateWebhookEndpoint(ctx, ep); err != nil {
			t.Fatal(err)
		}
		if _, err := Test(ctx, st, ten.ID, ep.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := w.DeliverDue(ctx); n != 2 || err != nil {
			t.Fatalf("delivered %d: %v", n, err)
		}
		got, _ := rcv.received()
		if len(got) != 3 || got[1].ID != got[0].ID || got[2].Type != hookevent.Test {
			t.Fatalf("received %v", got)
		}
		if l := must(st.WebhookLog(ctx, ten.ID, store.WebhookLogFilter{Kind: hookevent.Test}, 10)); len(l) != 1 {
			t.Errorf("the test filter shows %d", len(l))
		}
		// A new secret signs from then on: the receiver that kept the old one refuses.
		if _, err := st.ResetWebhookSecret(ctx, ten.ID, ep.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ReplayWebhookDelivery(ctx, ten.ID, orig.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := w.DeliverDue(ctx); n != 0 {
			t.Error("a delivery signed with the new secret verified with the old one")
		}
		if _, bad := rcv.received(); bad != 1 {
			t.Errorf("bad signatures %d", bad)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
