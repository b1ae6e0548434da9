package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/push"
	"github.com/parleychat/parley/backend/push/pushtest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// An agent's browser subscribes through the agent API; while the agent's app is connected
// nothing is pushed; when the app closes with an offer ringing, the offer is pushed, and a
// visitor's message in the agent's chat is pushed while the app stays closed, each decrypted
// by the local push service. A 410 from the push service removes the subscription, and
// signing out with the endpoint removes it too. On SQLite and PostgreSQL.
func TestWebPushWhenTheAppIsClosed(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testWebPush(t, servertest.Start(t, servertest.Options{Postgres: pg}))
		})
	}
}

func testWebPush(t *testing.T, env *servertest.Env) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	svc := pushtest.New()
	defer svc.Close()
	u := env.DemoUser(t, "agent", 1)
	token := env.Login(t, u.Login, u.Password)
	me, err := env.Server.Store().UserByLogin(ctx, u.Login)
	if err != nil {
		t.Fatal(err)
	}

	call := func(method, path string, body []byte) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, env.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, raw
	}
	status, raw := call("GET", api.PushKeyPath, nil)
	var key api.PushKey
	if status != 200 || json.Unmarshal(raw, &key) != nil || len(key.PublicKey) != 87 {
		t.Fatalf("GET key: %d %s", status, raw)
	}
	for _, bad := range []string{`{"endpoint":"ftp://x/y","keys":{"p256dh":"a","auth":"b"}}`, `{"endpoint":`, `{"endpoint":"https://p.example/\u0000","keys":{"p256dh":"a","auth":"b"}}`} {
		if status, raw := call("PUT", api.PushSubscriptionPath, []byte(bad)); status != 400 {
			t.Fatalf("PUT %s: %d %s", bad, status, raw)
		}
	}
	// The app shows the refusal as it is: it comes in the agent's language.
	for lang, want := range map[string]string{"de": "Der Endpunkt muss mit https:// beginnen.", "fr": "Le point de terminaison doit commencer par https://."} {
		if err := env.Server.Store().SetUserLang(ctx, me.ID, lang); err != nil {
			t.Fatal(err)
		}
		status, raw := call("PUT", api.PushSubscriptionPath, []byte(`{"endpoint":"http://p.example/x","keys":{"p256dh":"a","auth":"b"}}`))
		var body api.ErrorBody
		if status != 400 || json.Unmarshal(raw, &body) != nil || body.Error.Message != want || body.Error.Field != "endpoint" {
			t.Errorf("%s: refused subscription answered %d %s, want the message %q", lang, status, raw, want)
		}
	}
	if err := env.Server.Store().SetUserLang(ctx, me.ID, ""); err != nil {
		t.Fatal(err)
	}
	if status, raw := call("PUT", api.PushSubscriptionPath, svc.JSON()); status != 204 {
		t.Fatalf("PUT subscription: %d %s", status, raw)
	}

	// Connected: an offer rings in the app and pushes nothing.
	agent, _ := env.Agent(t, 1)
	vis, chatID := env.VisitorChat(t, "v-push-1", protocol.ChatRequest{Name: "Vera", Question: "Where is my parcel?"}, false)
	if _, err := agent.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Offer); return ok && ev.Chat == chatID }); err != nil {
		t.Fatal(err)
	}
	if svc.Wait(1, 300*time.Millisecond) {
		t.Fatal("pushed while the app is connected")
	}
	// The app closes with the offer ringing.
	agent.Drop()
	if !svc.Wait(1, 20*time.Second) {
		t.Fatal("no push for the ringing offer")
	}
	got, errs := svc.Received()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var p push.Payload
	if err := json.Unmarshal(got[0].Plain, &p); err != nil {
		t.Fatal(err)
	}
	if p.Kind != "offer" || p.Chat != chatID || p.Title != "Chat request from Vera" || p.Body != "Where is my parcel?" || p.Tag != "offer-"+chatID || p.Path != "/agent/?chat="+chatID {
		t.Fatalf("offer payload %+v", p)
	}
	if got[0].Urgency != "high" || got[0].TTL <= 0 || got[0].TTL > 60 || got[0].Key != key.PublicKey {
		t.Fatalf("offer push headers: %+v", got[0])
	}

	// Back in the app the agent accepts, then closes it; the visitor writes.
	agent2, _ := env.Agent(t, 1)
	if _, err := agent2.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatalf("accept: %v", err)
	}
	agent2.Drop()
	// The push is decided when the visitor's line is committed: the server must have seen the
	// app go before the line arrives, or the agent still counts as connected.
	agentsGone(ctx, t, env)
	svc.Answer(http.StatusGone)
	if _, err := vis.Call(ctx, chatID, &protocol.Send{Text: "Are you there?"}); err != nil {
		t.Fatalf("visitor send: %v", err)
	}
	if !svc.Wait(2, 20*time.Second) {
		t.Fatal("no push for the visitor's message")
	}
	got, _ = svc.Received()
	if err := json.Unmarshal(got[1].Plain, &p); err != nil {
		t.Fatal(err)
	}
	if p.Kind != "message" || p.Title != "Vera" || p.Body != "Are you there?" || p.Tag != "chat-"+chatID || got[1].Urgency != "normal" {
		t.Fatalf("message payload %+v, urgency %q", p, got[1].Urgency)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		subs, err := env.Server.Store().PushSubscriptions(ctx, me.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the subscription answered 410 was kept")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Subscribed again, then signed out naming it: gone.
	if status, raw := call("PUT", api.PushSubscriptionPath, svc.JSON()); status != 204 {
		t.Fatalf("PUT subscription: %d %s", status, raw)
	}
	body, _ := json.Marshal(api.LogoutRequest{PushEndpoint: svc.Endpoint()})
	if status, raw := call("POST", "/api/logout", body); status != 204 {
		t.Fatalf("logout: %d %s", status, raw)
	}
	if subs, _ := env.Server.Store().PushSubscriptions(ctx, me.ID); len(subs) != 0 {
		t.Fatalf("kept after sign-out: %+v", subs)
	}
}

// agentsGone waits until the server counts no agent connected (/metrics).
func agentsGone(ctx context.Context, t *testing.T, env *servertest.Env) {
	t.Helper()
	for {
		resp, err := http.Get(env.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "\nparley_agents_connected 0\n") {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("the server still counts an agent connected after the app closed")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
