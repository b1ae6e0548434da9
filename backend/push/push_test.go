package push_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/backend/outbox"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/push"
	"github.com/parleychat/parley/backend/push/pushtest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/backoff"
)

// fastRetry retries within milliseconds.
var fastRetry = outbox.Retry{Backoff: backoff.Policy{Initial: 10 * time.Millisecond, Max: 20 * time.Millisecond}, MaxAttempts: 1000, Claim: time.Second}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// stores are the databases every test runs on.
func stores(t *testing.T) map[string]func(t *testing.T) *store.Store {
	open := func(t *testing.T, cfg store.Config) *store.Store {
		s, err := store.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	return map[string]func(t *testing.T) *store.Store{
		"sqlite": func(t *testing.T) *store.Store { return open(t, store.Config{DataDir: t.TempDir(), Logger: quiet}) },
		"postgres": func(t *testing.T) *store.Store {
			return open(t, store.Config{DatabaseURL: pgtest.URL(t), Logger: quiet})
		},
	}
}

// fixture is an agent with one subscription at a local push service, and a running sender.
type fixture struct {
	st     *store.Store
	svc    *pushtest.Service
	sender *push.Sender
	agent  store.User
	keys   store.VAPIDKeys
}

func newFixture(t *testing.T, st *store.Store, lang string) *fixture {
	ctx := context.Background()
	ten, err := st.CreateTenant(ctx, store.Tenant{Name: "Push"})
	if err != nil {
		t.Fatal(err)
	}
	agent, err := st.CreateUser(ctx, store.User{TenantID: ten.ID, Login: "paula", Name: "Paula", Role: store.RoleAgent, Active: true, Lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	svc := pushtest.New()
	t.Cleanup(svc.Close)
	if _, err := st.SavePushSubscription(ctx, store.PushSubscription{TenantID: ten.ID, UserID: agent.ID, Endpoint: svc.Endpoint(), P256dh: svc.P256dh(), Auth: svc.Auth()}); err != nil {
		t.Fatal(err)
	}
	keys, err := st.EnsureVAPIDKeys(ctx, push.GenerateKeys)
	if err != nil {
		t.Fatal(err)
	}
	sender := push.New(push.Options{Store: st, Keys: keys, Subject: "mailto:ops@example.com",
		Retry: fastRetry, Poll: 50 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sender.Run(runCtx, 2) }()
	t.Cleanup(func() { cancel(); <-done })
	return &fixture{st: st, svc: svc, sender: sender, agent: agent, keys: keys}
}

// notify writes n through the store's group commit, as the chat service writes the pushes of
// a visitor's message (a zero Expires is a message's TTL from now), and wakes the sender.
func (f *fixture) notify(t *testing.T, n store.PushNotice) {
	t.Helper()
	if n.Expires.IsZero() {
		n.Expires = time.Now().Add(push.DefaultMessageTTL)
	}
	if err := f.st.Commit(context.Background(), store.Write{Pushes: []store.PushNotice{n}}); err != nil {
		t.Fatal(err)
	}
	f.sender.Wake()
}

// An offer reaches the push service encrypted for the subscription and signed with the
// installation's VAPID key; decrypted, it is the notification the service worker shows, in
// the agent's language, with a TTL up to the offer's expiry and high urgency.
func TestOfferIsPushedEncrypted(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, open(t), "de")
			f.notify(t, store.PushNotice{UserID: f.agent.ID, Kind: push.KindOffer, ChatID: "c-1", Visitor: "Vera\x00", Text: "Wo ist mein Paket?",
				Expires: time.Now().Add(30 * time.Second)})
			if !f.svc.Wait(1, 10*time.Second) {
				t.Fatal("no push arrived")
			}
			got, errs := f.svc.Received()
			if len(errs) > 0 || len(got) != 1 {
				t.Fatalf("received %+v, errors %v", got, errs)
			}
			var p push.Payload
			if err := json.Unmarshal(got[0].Plain, &p); err != nil {
				t.Fatalf("payload %q: %v", got[0].Plain, err)
			}
			want := push.Payload{Kind: "offer", Chat: "c-1", Title: "Chat-Anfrage von Vera", Body: "Wo ist mein Paket?", Tag: "offer-c-1", Path: "/agent/?chat=c-1", Lang: "de"}
			if p != want {
				t.Fatalf("payload %+v, want %+v", p, want)
			}
			if got[0].TTL < 25 || got[0].TTL > 30 || got[0].Urgency != "high" || len(got[0].Topic) != 32 {
				t.Fatalf("TTL %d, urgency %q, topic %q", got[0].TTL, got[0].Urgency, got[0].Topic)
			}
			if got[0].Key != f.keys.Public || got[0].Subject != "mailto:ops@example.com" {
				t.Fatalf("signed with %q as %q, want %q", got[0].Key, got[0].Subject, f.keys.Public)
			}
			waitStats(t, f.sender, func(s push.Stats) bool { return s.Sent == 1 })
		})
	}
}

// A subscription the push service answers 410 (or 404) for is removed, and later notices do
// not try it again.
func TestGoneSubscriptionIsRemoved(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			f := newFixture(t, st, "")
			f.svc.Answer(http.StatusGone)
			f.notify(t, store.PushNotice{UserID: f.agent.ID, Kind: push.KindMessage, ChatID: "c-2", Text: "hello"})
			if !f.svc.Wait(1, 10*time.Second) {
				t.Fatal("no push arrived")
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				subs, err := st.PushSubscriptions(context.Background(), f.agent.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(subs) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("subscription kept after 410: %+v", subs)
				}
				time.Sleep(20 * time.Millisecond)
			}
			waitStats(t, f.sender, func(s push.Stats) bool { return s.Removed == 1 && s.Sent == 0 })
			got, _ := f.svc.Received()
			var p push.Payload
			if err := json.Unmarshal(got[0].Plain, &p); err != nil || p.Title != "a visitor" || p.Tag != "chat-c-2" || got[0].Urgency != "normal" {
				t.Fatalf("message payload %+v (%v), urgency %q", p, err, got[0].Urgency)
			}
		})
	}
}

// A busy push service (503, 429) is tried again until it takes the push; a refusal (400) is
// not repeated; the subscription stays.
func TestBusyPushServiceIsRetried(t *testing.T) {
	st := stores(t)["sqlite"](t)
	f := newFixture(t, st, "fr")
	f.svc.Answer(http.StatusServiceUnavailable, http.StatusTooManyRequests)
	f.notify(t, store.PushNotice{UserID: f.agent.ID, Kind: push.KindOffer, ChatID: "c-3", Expires: time.Now().Add(time.Minute)})
	if !f.svc.Wait(3, 10*time.Second) {
		t.Fatal("the push was not tried three times")
	}
	waitStats(t, f.sender, func(s push.Stats) bool { return s.Sent == 1 })
	got, _ := f.svc.Received()
	var p push.Payload
	if err := json.Unmarshal(got[2].Plain, &p); err != nil || p.Title != "Demande de chat de un visiteur" || p.Lang != "fr" {
		t.Fatalf("payload %+v, %v", p, err)
	}
	f.svc.Answer(http.StatusBadRequest)
	f.notify(t, store.PushNotice{UserID: f.agent.ID, Kind: push.KindMessage, ChatID: "c-3", Text: "x"})
	waitStats(t, f.sender, func(s push.Stats) bool { return s.Failed == 1 })
	if subs, _ := st.PushSubscriptions(context.Background(), f.agent.ID); len(subs) != 1 {
		t.Fatalf("subscription removed after a 400: %+v", subs)
	}
	if !f.svc.Wait(4, time.Second) {
		t.Fatal("the refused push was not sent once")
	}
}

// A notice that expired before it was written is logged as expired and not sent; one whose
// TTL passes while the push service is busy is marked expired, not sent late.
func TestStalePushesExpire(t *testing.T) {
	st := stores(t)["sqlite"](t)
	f := newFixture(t, st, "")
	f.svc.Refuse(http.StatusServiceUnavailable)
	f.notify(t, store.PushNotice{UserID: f.agent.ID, Kind: push.KindOffer, ChatID: "stale", Expires: time.Now().Add(-time.Second)})
	f.notify(t, store.PushNotice{UserID: f.agent.ID, Kind: push.KindOffer, ChatID: "short", Expires: time.Now().Add(2 * time.Second)})
	waitStats(t, f.sender, func(s push.Stats) bool { return s.Expired == 1 })
	var log []store.PushDelivery
	for deadline := time.Now().Add(10 * time.Second); len(log) < 2 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var err error
		if log, err = st.PushLog(context.Background(), f.agent.TenantID, store.PushLogFilter{State: store.PushExpired}, 10); err != nil {
			t.Fatal(err)
		}
	}
	if len(log) != 2 || log[0].Attempts == 0 || log[0].LastError == "" || log[1].Attempts != 0 {
		t.Fatalf("expired log %+v", log)
	}
	if got, _ := f.svc.Received(); len(got) < 2 {
		t.Fatalf("%d posts", len(got))
	}
	if s := f.sender.Stats(); s.Sent != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// Long and broken texts are cut and cleaned, so a payload stays small and valid.
func TestPayloadBounds(t *testing.T) {
	p := push.MakePayload(push.Notice{Kind: push.KindMessage, Chat: "c", Visitor: strings.Repeat("V", 500), Text: strings.Repeat("ü", 10000) + "\xff"}, "xx")
	if n := len([]rune(p.Title)); n != 80 {
		t.Fatalf("title of %d runes", n)
	}
	if n := len([]rune(p.Body)); n != 160 || !strings.HasSuffix(p.Body, "…") {
		t.Fatalf("body of %d runes: %q", n, p.Body[len(p.Body)-8:])
	}
	b, _ := json.Marshal(p)
	if len(b) > 3000 {
		t.Fatalf("payload of %d bytes", len(b))
	}
}

// Keys made here are a usable pair; keys that do not belong together or are not keys are
// refused before the server starts with them.
func TestCheckKeys(t *testing.T) {
	a, _ := push.GenerateKeys()
	b, _ := push.GenerateKeys()
	if err := push.CheckKeys(a); err != nil {
		t.Fatal(err)
	}
	for _, k := range []store.VAPIDKeys{{Public: a.Public, Private: b.Private}, {Public: "!!", Private: a.Private}, {Public: a.Public, Private: "AAAA"}, {}} {
		if push.CheckKeys(k) == nil {
			t.Errorf("CheckKeys(%+v) accepted", k)
		}
	}
}

func waitStats(t *testing.T, s *push.Sender, ok func(push.Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok(s.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v", s.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
