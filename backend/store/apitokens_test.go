package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestAPITokens creates, finds, touches and revokes API tokens on both dialects: the secret
// is returned once and stored only hashed, a token never acts as another tenant's or an
// inactive user, bad names and scopes are refused naming the field, and a revoked or forged
// secret finds nothing.
func TestAPITokens(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			s := openStore(t, b.newConfig(t))
			t1, err := s.CreateTenant(ctx, Tenant{Name: "One"})
			if err != nil {
				t.Fatal(err)
			}
			t2, err := s.CreateTenant(ctx, Tenant{Name: "Two"})
			if err != nil {
				t.Fatal(err)
			}
			u1, err := s.CreateUser(ctx, User{TenantID: t1.ID, Login: "bot1", Name: "Bot", Role: RoleAgent, Active: true, Bot: true})
			if err != nil {
				t.Fatal(err)
			}
			u2, err := s.CreateUser(ctx, User{TenantID: t2.ID, Login: "other", Name: "Other", Role: RoleAgent, Active: true})
			if err != nil {
				t.Fatal(err)
			}
			tok, secret, err := s.CreateAPIToken(ctx, APIToken{TenantID: t1.ID, UserID: u1.ID, Name: " CRM sync ",
				Scopes: []string{ScopeReportsRead, ScopeChatsRead, ScopeChatsRead}})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(secret, APITokenPrefix) || !strings.HasPrefix(secret, tok.Prefix) || tok.Name != "CRM sync" {
				t.Fatalf("token %+v secret %q", tok, secret)
			}
			if strings.Join(tok.Scopes, " ") != "chats:read reports:read" {
				t.Errorf("scopes %v, want each once in the list's order", tok.Scopes)
			}
			var stored apiTokenRow
			if err := s.r.Where("id = ?", tok.ID).Take(&stored).Error; err != nil {
				t.Fatal(err)
			}
			if strings.Contains(stored.Hash, secret[len(APITokenPrefix):]) || stored.Hash == secret {
				t.Error("the secret is stored as it is")
			}
			got, err := s.APITokenBySecret(ctx, secret)
			if err != nil || got.ID != tok.ID || got.TenantID != t1.ID || !got.Has(ScopeChatsRead) || got.Has(ScopeChatsWrite) {
				t.Fatalf("by secret: %+v, %v", got, err)
			}
			for _, bad := range []string{"", secret + "x", secret[:len(secret)-1], "Bearer " + secret, strings.Repeat("p", 10000), secret[len(APITokenPrefix):], secret + "\x00"} {
				if _, err := s.APITokenBySecret(ctx, bad); !errors.Is(err, ErrNotFound) {
					t.Errorf("secret %.20q: %v, want not found", bad, err)
				}
			}
			// Bad input, each refused naming its field.
			for field, bad := range map[string]APIToken{
				"Name":   {TenantID: t1.ID, UserID: u1.ID, Name: "a\x00b", Scopes: []string{ScopeChatsRead}},
				"Scopes": {TenantID: t1.ID, UserID: u1.ID, Name: "x", Scopes: []string{"chats:*"}},
				"UserID": {TenantID: t1.ID, UserID: u2.ID, Name: "x", Scopes: []string{ScopeChatsRead}},
			} {
				var fe *FieldError
				if _, _, err := s.CreateAPIToken(ctx, bad); !errors.As(err, &fe) || fe.Field != field || !errors.Is(err, ErrInvalid) {
					t.Errorf("%s: %v", field, err)
				}
			}
			if _, _, err := s.CreateAPIToken(ctx, APIToken{TenantID: t1.ID, UserID: u1.ID, Name: strings.Repeat("n", APITokenNameRunes+1), Scopes: []string{ScopeChatsRead}}); !errors.Is(err, ErrInvalid) {
				t.Errorf("long name: %v", err)
			}
			if _, _, err := s.CreateAPIToken(ctx, APIToken{TenantID: t1.ID, UserID: u1.ID, Name: "none"}); !errors.Is(err, ErrInvalid) {
				t.Errorf("no scopes: %v", err)
			}
			// Last use: written once a minute at most.
			at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			if err := s.TouchAPIToken(ctx, tok.ID, at); err != nil {
				t.Fatal(err)
			}
			if err := s.TouchAPIToken(ctx, tok.ID, at.Add(30*time.Second)); err != nil {
				t.Fatal(err)
			}
			list, err := s.APITokens(ctx, t1.ID)
			if err != nil || len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(at) {
				t.Fatalf("list %+v, %v", list, err)
			}
			if other, _ := s.APITokens(ctx, t2.ID); len(other) != 0 {
				t.Errorf("tenant two sees %+v", other)
			}
			// Revoking: another tenant cannot; the owner can, twice; the secret is dead.
			if _, err := s.RevokeAPIToken(ctx, t2.ID, tok.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("foreign revoke: %v", err)
			}
			if _, err := s.APITokenBySecret(ctx, secret); err != nil {
				t.Fatalf("a foreign revoke ended the token: %v", err)
			}
			for range 2 {
				r, err := s.RevokeAPIToken(ctx, t1.ID, tok.ID)
				if err != nil || r.RevokedAt == nil {
					t.Fatalf("revoke: %+v, %v", r, err)
				}
			}
			if _, err := s.APITokenBySecret(ctx, secret); !errors.Is(err, ErrNotFound) {
				t.Errorf("revoked token: %v", err)
			}
			// An inactive user gets no new token.
			u1.Active = false
			if _, err := s.UpdateUser(ctx, u1); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.CreateAPIToken(ctx, APIToken{TenantID: t1.ID, UserID: u1.ID, Name: "x", Scopes: []string{ScopeChatsRead}}); !errors.Is(err, ErrInvalid) {
				t.Errorf("inactive user: %v", err)
			}
		})
	}
}
