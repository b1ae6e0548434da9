package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/hookevent"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/webhook"
	"github.com/parleychat/parley/shared/protocol"
)

// TestWebhooksSurviveKillNine runs the server binary with an endpoint whose receiver is
// failing, so that the deliveries of a dozen chat requests wait in the outbox, kills the
// server with SIGKILL, brings the receiver back and restarts the server: every delivery the
// database holds reaches the receiver, signed, and none is left pending. On SQLite and
// PostgreSQL.
func TestWebhooksSurviveKillNine(t *testing.T) {
	crashEach(t, func(t *testing.T, srv *crashServer) {
		rcv := &failingReceiver{got: map[string]int{}}
		hs := httptest.NewServer(rcv)
		defer hs.Close()
		srv.env = []string{"PARLEY_WEBHOOK_ALLOW_PRIVATE=true"}
		srv.start()
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		hash, _ := srv.prepare(ctx)
		st := srv.store(ctx)
		tenants, err := st.Tenants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ep, err := st.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{TenantID: tenants[0].ID, URL: hs.URL + "/hook", Events: hookevent.Kinds, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		rcv.setSecret(ep.Secret)
		const visitors = 12
		for i := range visitors {
			v := srv.visitor(ctx, hash)
			if _, err := v.Call(ctx, "", &protocol.ChatRequest{Name: fmt.Sprint("W", i), Question: "Kill me softly"}); err != nil {
				t.Fatal(err)
			}
			v.Drop()
		}
		// Every request's delivery is written, and none delivered yet.
		tid := tenants[0].ID
		srv.until(ctx, 20*time.Millisecond, func() (bool, string) {
			log, err := st.WebhookLog(ctx, tid, store.WebhookLogFilter{Kind: hookevent.ChatRequested}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			return len(log) >= visitors, fmt.Sprintf("%d deliveries written", len(log))
		})
		st = srv.crashAndRestart(ctx, st, rcv.setUp)
		defer st.Close()
		srv.until(ctx, 200*time.Millisecond, func() (bool, string) {
			all, err := st.WebhookLog(ctx, tid, store.WebhookLogFilter{}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			pending := 0
			for _, d := range all {
				if d.State != store.WebhookDelivered {
					pending++
				}
			}
			if pending != 0 || len(all) < visitors {
				return false, fmt.Sprintf("%d of %d deliveries still pending after the restart", pending, len(all))
			}
			missing := 0
			for _, d := range all {
				if rcv.count(d.EventID) == 0 {
					missing++
				}
			}
			if missing != 0 || rcv.badCount() != 0 {
				t.Fatalf("%d of %d deliveries did not arrive, %d did not verify", missing, len(all), rcv.badCount())
			}
			return true, ""
		})
	})
}

// failingReceiver answers 503 until it is up, then verifies and counts every delivery by
// its idempotency id.
type failingReceiver struct {
	mu     sync.Mutex
	secret string
	up     bool
	got    map[string]int
	bad    int
}

func (r *failingReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.up {
		http.Error(w, "deploying", http.StatusServiceUnavailable)
		return
	}
	if webhook.Verify(r.secret, req.Header.Get(webhook.SignatureHeader), body, time.Now(), 5*time.Minute) != nil {
		r.bad++
		http.Error(w, "signature", http.StatusUnauthorized)
		return
	}
	r.got[req.Header.Get(webhook.EventIDHeader)]++
}

func (r *failingReceiver) setSecret(s string) { r.mu.Lock(); r.secret = s; r.mu.Unlock() }
func (r *failingReceiver) setUp()             { r.mu.Lock(); r.up = true; r.mu.Unlock() }
func (r *failingReceiver) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[id]
}
func (r *failingReceiver) badCount() int { r.mu.Lock(); defer r.mu.Unlock(); return r.bad }
