package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// VAPID keys are made once per installation and kept; a second start, or a second server
// racing the first, gets the stored pair, on SQLite and PostgreSQL.
func TestEnsureVAPIDKeys(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			cfg := b.newConfig(t)
			s := openStore(t, cfg)
			made := 0
			gen := func() (VAPIDKeys, error) {
				made++
				return VAPIDKeys{Public: "pub" + strings.Repeat("x", made), Private: "priv"}, nil
			}
			k1, err := s.EnsureVAPIDKeys(context.Background(), gen)
			if err != nil {
				t.Fatal(err)
			}
			k2, err := s.EnsureVAPIDKeys(context.Background(), gen)
			if err != nil {
				t.Fatal(err)
			}
			if k1 != k2 || made != 1 || k1.Public != "pubx" {
				t.Fatalf("keys %+v then %+v, made %d times", k1, k2, made)
			}
			if _, err := s.EnsureVAPIDKeys(context.Background(), func() (VAPIDKeys, error) { return VAPIDKeys{}, errors.New("no entropy") }); err != nil {
				t.Fatalf("stored keys need no generator: %v", err)
			}
		})
	}
}

// A subscription is stored per agent, updated in place by its endpoint (new keys, or another
// agent on the same browser), listed per agent and removed by its agent only; bad input is
// refused with a field error and stores nothing.
func TestPushSubscriptions(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testPushSubscriptions(t, openStore(t, b.newConfig(t)))
		})
	}
}

func testPushSubscriptions(t *testing.T, s *Store) {
	ctx := context.Background()
	ten, err := s.CreateTenant(ctx, Tenant{Name: "Push Corp"})
	if err != nil {
		t.Fatal(err)
	}
	anna, err := s.CreateUser(ctx, User{TenantID: ten.ID, Login: "anna", Name: "Anna", Role: RoleAgent, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	bert, err := s.CreateUser(ctx, User{TenantID: ten.ID, Login: "bert", Name: "Bert", Role: RoleAgent, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	sub := PushSubscription{TenantID: ten.ID, UserID: anna.ID, Endpoint: " https://push.example/abc ", P256dh: "BPub_key-1", Auth: "auth"}
	got, err := s.SavePushSubscription(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == 0 || got.Endpoint != "https://push.example/abc" || got.UserID != anna.ID {
		t.Fatalf("saved %+v", got)
	}
	sub.P256dh = "BPub_key-2"
	if _, err := s.SavePushSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	list, err := s.PushSubscriptions(ctx, anna.ID)
	if err != nil || len(list) != 1 || list[0].P256dh != "BPub_key-2" || list[0].ID != got.ID {
		t.Fatalf("after refresh: %+v, %v", list, err)
	}
	// Bert signs in on the same browser: the subscription is his now.
	sub.UserID = bert.ID
	if _, err := s.SavePushSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.PushSubscriptions(ctx, anna.ID); len(list) != 0 {
		t.Fatalf("anna keeps %+v", list)
	}
	// Anna cannot remove Bert's.
	if err := s.DeletePushSubscription(ctx, anna.ID, "https://push.example/abc"); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.PushSubscriptions(ctx, bert.ID); len(list) != 1 {
		t.Fatalf("bert's was removed by anna: %+v", list)
	}
	if err := s.DeletePushSubscription(ctx, bert.ID, "https://push.example/abc"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePushSubscription(ctx, 0, "https://push.example/abc"); err != nil {
		t.Fatalf("removing a gone subscription: %v", err)
	}
	if list, _ := s.PushSubscriptions(ctx, bert.ID); len(list) != 0 {
		t.Fatalf("bert keeps %+v", list)
	}

	bad := []PushSubscription{
		{Endpoint: "", P256dh: "a", Auth: "b"},
		{Endpoint: "http://push.example/x", P256dh: "a", Auth: "b"},
		{Endpoint: "https://push.example/\x00", P256dh: "a", Auth: "b"},
		{Endpoint: "https://" + strings.Repeat("a", PushEndpointBytes), P256dh: "a", Auth: "b"},
		{Endpoint: "https://u:p@push.example/x", P256dh: "a", Auth: "b"},
		{Endpoint: "https://push.example/x", P256dh: "a'; DROP TABLE users; --", Auth: "b"},
		{Endpoint: "https://push.example/x", P256dh: "a", Auth: ""},
		{Endpoint: "https://push.example/x", P256dh: strings.Repeat("a", PushKeyBytes+1), Auth: "b"},
	}
	for _, p := range bad {
		p.TenantID, p.UserID = ten.ID, anna.ID
		_, err := s.SavePushSubscription(ctx, p)
		var fe *FieldError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &fe) {
			t.Errorf("SavePushSubscription(%q, %q, %q) = %v, want a field error", p.Endpoint, p.P256dh, p.Auth, err)
		}
	}
	if list, _ := s.PushSubscriptions(ctx, anna.ID); len(list) != 0 {
		t.Fatalf("bad input stored %+v", list)
	}
	// A loopback push service may speak plain http (local push services, tests).
	if _, err := s.SavePushSubscription(ctx, PushSubscription{TenantID: ten.ID, UserID: anna.ID, Endpoint: "http://127.0.0.1:9/p", P256dh: "k", Auth: "a"}); err != nil {
		t.Fatal(err)
	}
}

// The push outbox writes one row per subscription of each notice's agent (none for an agent
// without one, an expired one as expired), gives each attempt to one claimer, records
// outcomes, lists the log by state, replays only a failed push within its TTL, and finds a
// removed subscription at the claim; on SQLite and PostgreSQL.
func TestPushOutbox(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testPushOutbox(t, openStore(t, b.newConfig(t)))
		})
	}
}

func testPushOutbox(t *testing.T, s *Store) {
	ctx := context.Background()
	ten := newTenant(t, s, "Push Outbox")
	anna := must[User](t)(s.CreateUser(ctx, User{TenantID: ten.ID, Login: "anna", Name: "Anna", Role: RoleAgent, Active: true}))
	bert := must[User](t)(s.CreateUser(ctx, User{TenantID: ten.ID, Login: "bert", Name: "Bert", Role: RoleAgent, Active: true}))
	laptop := must[PushSubscription](t)(s.SavePushSubscription(ctx, PushSubscription{TenantID: ten.ID, UserID: anna.ID, Endpoint: "https://push.example/1", P256dh: "k1", Auth: "a1"}))
	phone := must[PushSubscription](t)(s.SavePushSubscription(ctx, PushSubscription{TenantID: ten.ID, UserID: anna.ID, Endpoint: "https://push.example/2", P256dh: "k2", Auth: "a2"}))
	t0 := time.Now()
	n, err := s.EnqueuePushes(ctx, []PushNotice{
		{UserID: anna.ID, Kind: "offer", ChatID: "c-1", Visitor: "Vera\x00", Text: "Hallo \xff" + strings.Repeat("x", 1000), Expires: t0.Add(time.Minute)},
		{UserID: bert.ID, Kind: "message", ChatID: "c-2", Text: "nobody listens", Expires: t0.Add(time.Minute)},
		{UserID: anna.ID, Kind: "message", ChatID: "c-3", Text: "too late", Expires: t0.Add(-time.Second)},
	})
	if err != nil || n != 4 {
		t.Fatalf("wrote %d, %v", n, err)
	}
	due, err := s.DuePushes(ctx, time.Now().Add(time.Second), 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due %+v, %v", due, err)
	}
	if d := due[0]; d.Visitor != "Vera" || d.SubscriptionID != laptop.ID || len([]rune(d.Preview)) != 300 || !strings.HasPrefix(d.Preview, "Hallo x") || d.TenantID != ten.ID {
		t.Fatalf("first push %+v", d)
	}
	if expired, _ := s.PushLog(ctx, ten.ID, PushLogFilter{State: PushExpired}, 10); len(expired) != 2 || expired[0].ChatID != "c-3" {
		t.Fatalf("expired %+v", expired)
	}
	// One claimer wins; the claim carries the subscription.
	c, ok, err := s.ClaimPush(ctx, due[0], time.Now().Add(time.Minute))
	if err != nil || !ok || c.Attempts != 1 || c.Subscription.Endpoint != "https://push.example/1" || c.Subscription.Auth != "a1" {
		t.Fatalf("claim %+v %v %v", c, ok, err)
	}
	if _, ok, err := s.ClaimPush(ctx, due[0], time.Now().Add(time.Minute)); ok || err != nil {
		t.Fatalf("claimed twice: %v", err)
	}
	if again, _ := s.DuePushes(ctx, time.Now().Add(time.Second), 10); len(again) != 1 {
		t.Fatalf("a claimed push is due: %+v", again)
	}
	// A retry, then a failure with its error.
	next := time.Now().Add(2 * time.Second)
	if err := s.PushAttempted(ctx, c.ID, time.Now(), PushAttempt{ResponseCode: 503, Err: "busy\x00", State: PushPending, Next: next}); err != nil {
		t.Fatal(err)
	}
	log, _ := s.PushLog(ctx, ten.ID, PushLogFilter{State: PushPending}, 10)
	if len(log) != 2 || !log[1].Retrying() || log[1].LastError != "busy" || log[1].ResponseCode != 503 || log[0].Retrying() {
		t.Fatalf("pending log %+v", log)
	}
	c, ok, _ = s.ClaimPush(ctx, log[1], time.Now().Add(time.Minute))
	if !ok || c.Attempts != 2 {
		t.Fatalf("second claim %+v", c)
	}
	if err := s.PushAttempted(ctx, c.ID, time.Now(), PushAttempt{ResponseCode: 400, Err: "refused", State: PushFailed}); err != nil {
		t.Fatal(err)
	}
	// Replay: a failed one within its TTL only, as a new row, once.
	var re *RuleError
	if _, err := s.ReplayPush(ctx, ten.ID, c.ID, t0.Add(2*time.Minute)); !errors.As(err, &re) {
		t.Fatalf("replay after the TTL: %v", err)
	}
	r, err := s.ReplayPush(ctx, ten.ID, c.ID, time.Now())
	if err != nil || r.ReplayOf != c.ID || r.State != PushPending || r.Attempts != 0 || r.Visitor != "Vera" || !r.ExpiresAt.Equal(c.ExpiresAt) {
		t.Fatalf("replay %+v, %v", r, err)
	}
	if again, err := s.ReplayPush(ctx, ten.ID, c.ID, time.Now()); err != nil || again.ID != r.ID {
		t.Fatalf("a second replay gave %+v, %v, want the first, %d", again, err, r.ID)
	}
	if orig, _ := s.PushLog(ctx, ten.ID, PushLogFilter{State: PushFailed}, 10); len(orig) != 1 || orig[0].ReplayedBy != r.ID {
		t.Fatalf("the replayed push in the log: %+v", orig)
	}
	if _, err := s.ReplayPush(ctx, ten.ID, r.ID, time.Now()); !errors.As(err, &re) {
		t.Fatalf("replay of a pending push: %v", err)
	}
	if _, err := s.ReplayPush(ctx, ten.ID+1000, c.ID, time.Now()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("replay in another tenant: %v", err)
	}
	// A subscription removed meanwhile is found missing at the claim.
	if err := s.DeletePushSubscription(ctx, 0, phone.Endpoint); err != nil {
		t.Fatal(err)
	}
	due, _ = s.DuePushes(ctx, time.Now().Add(time.Second), 10)
	var toPhone PushDelivery
	for _, d := range due {
		if d.SubscriptionID == phone.ID {
			toPhone = d
		}
	}
	c, ok, err = s.ClaimPush(ctx, toPhone, time.Now().Add(time.Minute))
	if err != nil || !ok || c.Subscription.ID != 0 {
		t.Fatalf("claim of a removed subscription's push %+v %v", c.Subscription, err)
	}
	if err := s.PushAttempted(ctx, c.ID, time.Now(), PushAttempt{State: PushGone}); err != nil {
		t.Fatal(err)
	}
	// Tests go to the user's own subscriptions only.
	if _, err := s.EnqueuePushTest(ctx, ten.ID, bert.ID, laptop.ID, time.Now().Add(time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("test to another's subscription: %v", err)
	}
	tp, err := s.EnqueuePushTest(ctx, ten.ID, anna.ID, laptop.ID, time.Now().Add(time.Minute))
	if err != nil || tp.Kind != PushKindTest || tp.State != PushPending {
		t.Fatalf("test %+v %v", tp, err)
	}
	if at, ok, err := s.NextPushDue(ctx); err != nil || !ok || at.After(time.Now()) {
		t.Fatalf("next due %v %v %v", at, ok, err)
	}
	all, _ := s.PushLog(ctx, ten.ID, PushLogFilter{}, 100)
	gone, _ := s.PushLog(ctx, ten.ID, PushLogFilter{State: PushGone, Kind: "offer"}, 100)
	if len(all) != 6 || len(gone) != 1 {
		t.Fatalf("log of %d, %d gone offers", len(all), len(gone))
	}
}

// A visitor's message and its pushes are written in one transaction of the group commit: each
// notice as its If decides there, to every subscription of its agent; a write may carry pushes
// alone (an offer); a unit that fails writes neither its message nor its pushes. On SQLite
// and PostgreSQL.
func TestPushesInGroupCommit(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "Push Commit")
			anna := must[User](t)(s.CreateUser(ctx, User{TenantID: ten.ID, Login: "anna", Name: "Anna", Role: RoleAgent, Active: true}))
			bert := must[User](t)(s.CreateUser(ctx, User{TenantID: ten.ID, Login: "bert", Name: "Bert", Role: RoleAgent, Active: true}))
			for i, u := range []User{anna, anna, bert} {
				must[PushSubscription](t)(s.SavePushSubscription(ctx, PushSubscription{TenantID: ten.ID, UserID: u.ID,
					Endpoint: fmt.Sprintf("https://push.example/%d", i), P256dh: "k", Auth: "a"}))
			}
			c := newChat(t, s, ten.ID, nil)
			exp := time.Now().Add(time.Minute)
			asked := 0
			w := msgWrite(c.ID, 0, "Are you there?", "m1")
			w.Pushes = []PushNotice{
				{UserID: anna.ID, Kind: "message", ChatID: c.ID, Visitor: "Vera", Text: "Are you there?", Expires: exp, If: func() bool { asked++; return true }},
				{UserID: bert.ID, Kind: "message", ChatID: c.ID, Visitor: "Vera", Text: "Are you there?", Expires: exp, If: func() bool { asked++; return false }},
			}
			offer := Write{Pushes: []PushNotice{{UserID: bert.ID, Kind: "offer", ChatID: "c-offer", Expires: exp}}}
			if err := s.Commit(ctx, w, offer); err != nil {
				t.Fatal(err)
			}
			log := must[[]PushDelivery](t)(s.PushLog(ctx, ten.ID, PushLogFilter{}, 10))
			users := map[string]int{}
			for _, d := range log {
				users[fmt.Sprint(d.Kind, "/", d.UserID)]++
			}
			if asked != 2 || len(log) != 3 || users[fmt.Sprint("message/", anna.ID)] != 2 || users[fmt.Sprint("offer/", bert.ID)] != 1 {
				t.Fatalf("asked %d, log %v", asked, users)
			}
			// A unit that fails (its event names no chat) writes no push.
			bad := msgWrite("no-such-chat", 0, "lost", "m2")
			bad.Pushes = []PushNotice{{UserID: anna.ID, Kind: "message", ChatID: "no-such-chat", Expires: exp}}
			if err := s.Commit(ctx, bad); err == nil {
				t.Fatal("a message of a chat that does not exist was written")
			}
			if n := len(must[[]PushDelivery](t)(s.PushLog(ctx, ten.ID, PushLogFilter{}, 10))); n != 3 {
				t.Fatalf("%d pushes after the failed unit", n)
			}
			if err := s.Commit(ctx, Write{Pushes: []PushNotice{{ChatID: "x", Expires: exp}}}); !errors.Is(err, ErrInvalid) {
				t.Fatalf("a push without user or kind: %v", err)
			}
		})
	}
}

// TestReplayPushAtOnce: administrators pressing "Send again" on the same failed push at
// the same moment send it again once: every replay returns the same new push, and the original
// names it. On PostgreSQL the replays take turns on the original's row lock; on SQLite the
// single writer orders them.
func TestReplayPushAtOnce(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "Replay")
			anna := must[User](t)(s.CreateUser(ctx, User{TenantID: ten.ID, Login: "anna", Name: "Anna", Role: RoleAgent, Active: true}))
			sub := must[PushSubscription](t)(s.SavePushSubscription(ctx, PushSubscription{TenantID: ten.ID, UserID: anna.ID,
				Endpoint: "https://push.example/1", P256dh: "k", Auth: "a"}))
			d := must[PushDelivery](t)(s.EnqueuePushTest(ctx, ten.ID, anna.ID, sub.ID, time.Now().Add(time.Minute)))
			if _, ok, err := s.ClaimPush(ctx, d, time.Now().Add(time.Minute)); !ok || err != nil {
				t.Fatalf("claim: %v", err)
			}
			if err := s.PushAttempted(ctx, d.ID, time.Now(), PushAttempt{State: PushFailed, ResponseCode: 400, Err: "refused"}); err != nil {
				t.Fatal(err)
			}
			const at = 8
			var (
				wg    sync.WaitGroup
				start = make(chan struct{})
				ids   = make([]int64, at)
				errs  = make([]error, at)
			)
			for i := range at {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := s.ReplayPush(ctx, ten.ID, d.ID, time.Now())
					ids[i], errs[i] = r.ID, err
				}()
			}
			close(start)
			wg.Wait()
			for i := range at {
				if errs[i] != nil || ids[i] == 0 || ids[i] != ids[0] {
					t.Fatalf("replays gave %v, errors %v", ids, errs)
				}
			}
			log := must[[]PushDelivery](t)(s.PushLog(ctx, ten.ID, PushLogFilter{}, 100))
			replays := 0
			for _, x := range log {
				if x.ReplayOf == d.ID {
					replays++
				}
				if x.ID == d.ID && x.ReplayedBy != ids[0] {
					t.Fatalf("the original names %d, want %d", x.ReplayedBy, ids[0])
				}
			}
			if replays != 1 {
				t.Fatalf("%d replays written", replays)
			}
		})
	}
}
