package store

import (
	"context"
	"errors"
	"strings"
	"testing"
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
