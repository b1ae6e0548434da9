package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/push"
	"github.com/parleychat/parley/backend/push/pushtest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestPushesSurviveKillNine runs the server binary while the agent's push service refuses
// with 503, so that pushes wait in the outbox being retried, kills the server with SIGKILL,
// brings the push service back and restarts the server: every push still within its TTL
// reaches the push service once, decrypted there, and the one whose TTL passed while the
// server was down is marked expired and never sent. On SQLite and PostgreSQL.
func TestPushesSurviveKillNine(t *testing.T) {
	crashEach(t, func(t *testing.T, srv *crashServer) {
		svc, ctx := refusingPushes(t, srv)
		srv.prepare(ctx)
		st := srv.store(ctx)
		tenants, err := st.Tenants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		users, err := st.Users(ctx, tenants[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var agent store.User
		for _, u := range users {
			if u.Role == store.RoleAgent && u.Active {
				agent = u
				break
			}
		}
		if _, err := st.SavePushSubscription(ctx, store.PushSubscription{TenantID: agent.TenantID, UserID: agent.ID, Endpoint: svc.Endpoint(),
			P256dh: svc.P256dh(), Auth: svc.Auth()}); err != nil {
			t.Fatal(err)
		}
		// The notices as the server's writer stores them; the running server's workers take them.
		const lasting = 6
		var notices []store.PushNotice
		for i := range lasting {
			notices = append(notices, store.PushNotice{UserID: agent.ID, Kind: push.KindMessage, ChatID: fmt.Sprint("kept-", i), Visitor: "Vera",
				Text: fmt.Sprint("message ", i), Expires: time.Now().Add(3 * time.Minute)})
		}
		shortTTL := time.Now().Add(5 * time.Second)
		notices = append(notices, store.PushNotice{UserID: agent.ID, Kind: push.KindOffer, ChatID: "short", Visitor: "Otto", Expires: shortTTL})
		if n, err := st.EnqueuePushes(ctx, notices); err != nil || n != lasting+1 {
			t.Fatalf("wrote %d: %v", n, err)
		}
		// Every push was tried and refused: all are retrying.
		for {
			log, err := st.PushLog(ctx, agent.TenantID, store.PushLogFilter{}, 100)
			if err != nil {
				t.Fatal(err)
			}
			retrying := 0
			for _, d := range log {
				if d.Retrying() {
					retrying++
				}
			}
			if retrying == lasting+1 {
				break
			}
			if ctx.Err() != nil || time.Now().After(shortTTL) {
				t.Fatalf("%d of %d pushes retrying:\n%s", retrying, len(log), srv.logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		srv.kill()
		time.Sleep(time.Until(shortTTL) + 100*time.Millisecond)
		svc.Accept()
		srv.start()

		for {
			log, err := st.PushLog(ctx, agent.TenantID, store.PushLogFilter{}, 100)
			if err != nil {
				t.Fatal(err)
			}
			done := 0
			for _, d := range log {
				if (d.ChatID == "short" && d.State == store.PushExpired) || (d.ChatID != "short" && d.State == store.PushSent) {
					done++
				}
			}
			if done == lasting+1 {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("after the restart: %+v\n%s", log, srv.logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
		st.Close()
		got, errs := svc.Received()
		if len(errs) != 0 {
			t.Fatalf("requests that did not verify or decrypt: %v", errs)
		}
		accepted, refused := map[string]int{}, 0
		for _, r := range got {
			var p push.Payload
			if err := json.Unmarshal(r.Plain, &p); err != nil {
				t.Fatalf("payload %q: %v", r.Plain, err)
			}
			if r.Status != http.StatusCreated {
				refused++
			} else {
				accepted[p.Chat]++
				if p.Title != "Vera" || r.TTL <= 0 || r.TTL > 180 {
					t.Fatalf("push %+v with TTL %d", p, r.TTL)
				}
			}
		}
		for i := range lasting {
			if n := accepted[fmt.Sprint("kept-", i)]; n != 1 {
				t.Errorf("kept-%d arrived %d times", i, n)
			}
		}
		if accepted["short"] != 0 || len(accepted) != lasting {
			t.Fatalf("accepted %v", accepted)
		}
		t.Logf("%d requests in all, %d refused before the kill", len(got), refused)
	})
}

// TestKillNineAfterAckPushesMessages: an agent whose app is closed has a chat in which the
// visitor writes as fast as each message is acknowledged; the server is killed with SIGKILL
// right after the last acknowledgement. The push service refuses until then (503), so that no
// push is taken before the kill. After the restart every acknowledged message arrives at the
// push service, decrypted, exactly once: a message's pushes are stored in the transaction that
// stores the message. On SQLite and PostgreSQL.
func TestKillNineAfterAckPushesMessages(t *testing.T) {
	crashEach(t, func(t *testing.T, srv *crashServer) {
		svc, ctx := refusingPushes(t, srv)
		hash, tokens := srv.prepare(ctx)
		st := srv.store(ctx)
		me, err := st.SessionUser(ctx, tokens[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SavePushSubscription(ctx, store.PushSubscription{TenantID: me.TenantID, UserID: me.ID, Endpoint: svc.Endpoint(),
			P256dh: svc.P256dh(), Auth: svc.Auth()}); err != nil {
			t.Fatal(err)
		}
		_ = st.Close()

		// The agent takes the chat, then closes the app.
		agent := srv.agent(ctx, tokens[0])
		v := srv.visitor(ctx, hash)
		ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: "Vera"})
		if err != nil {
			t.Fatal(err)
		}
		chatID := ack.Body.(*protocol.Ack).Chat
		if _, err := agent.Await(ctx, func(ev protocol.Event) bool { o, ok := ev.Body.(*protocol.Offer); return ok && o.Chat == chatID }); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		agent.Drop()
		// The server has seen the app close once a message of the visitor is pushed.
		for k := 0; ; k++ {
			if _, err := v.Call(ctx, chatID, &protocol.Send{Text: fmt.Sprint("probe-", k)}); err != nil {
				t.Fatal(err)
			}
			if svc.Wait(1, 500*time.Millisecond) {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("no push for the probes:\n%s", srv.logs.String())
			}
		}

		const messages = 40
		for i := range messages {
			if _, err := v.Call(ctx, chatID, &protocol.Send{Text: fmt.Sprint("ack-", i)}); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
		}
		srv.kill()
		v.Drop()
		svc.Accept()
		srv.start()

		// Every acknowledged message has its push stored; each is sent once its due time (a
		// retry's, or a claim's that the kill cut short) comes.
		st = srv.store(ctx)
		defer st.Close()
		acks := func() (map[string]string, error) {
			log, err := st.PushLog(ctx, me.TenantID, store.PushLogFilter{Kind: push.KindMessage}, 1000)
			out := map[string]string{}
			for _, d := range log {
				if strings.HasPrefix(d.Preview, "ack-") {
					out[d.Preview] = d.State
				}
			}
			return out, err
		}
		if stored, err := acks(); err != nil || len(stored) != messages {
			t.Fatalf("%d of %d acknowledged messages have a push stored (%v)", len(stored), messages, err)
		}
		srv.until(ctx, 200*time.Millisecond, func() (bool, string) {
			stored, err := acks()
			if err != nil {
				return false, err.Error()
			}
			var rest []string
			for text, state := range stored {
				if state != store.PushSent {
					rest = append(rest, text+" "+state)
				}
			}
			return len(rest) == 0, fmt.Sprintf("not sent: %v", rest)
		})
		got, errs := svc.Received()
		if len(errs) != 0 {
			t.Fatalf("requests that did not verify or decrypt: %v", errs)
		}
		accepted := map[string]int{}
		for _, r := range got {
			var p push.Payload
			if err := json.Unmarshal(r.Plain, &p); err != nil {
				t.Fatalf("payload %q: %v", r.Plain, err)
			}
			if r.Status == http.StatusCreated {
				accepted[p.Body]++
				if p.Kind != push.KindMessage || p.Chat != chatID || p.Title != "Vera" {
					t.Fatalf("payload %+v", p)
				}
			}
		}
		for i := range messages {
			if n := accepted[fmt.Sprint("ack-", i)]; n != 1 {
				t.Errorf("acknowledged ack-%d arrived %d times", i, n)
			}
		}
		t.Logf("%d requests in all, %d taken", len(got), len(accepted))
	})
}

// refusingPushes starts a local push service that refuses every push (503) until Accept,
// then the server; ctx bounds the test.
func refusingPushes(t *testing.T, srv *crashServer) (*pushtest.Service, context.Context) {
	svc := pushtest.New()
	t.Cleanup(svc.Close)
	svc.Refuse(http.StatusServiceUnavailable)
	srv.start()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	return svc, ctx
}
