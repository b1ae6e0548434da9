package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A language setting is saved alone, on SQLite and PostgreSQL; a tag that is not one, too
// long or carrying quotes, NUL bytes or SQL, is refused and changes nothing.
func TestSetUserLang(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testSetUserLang(t, openStore(t, b.newConfig(t)))
		})
	}
}

func testSetUserLang(t *testing.T, s *Store) {
	ctx := context.Background()
	ten, err := s.CreateTenant(ctx, Tenant{Name: "Lang Corp"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, User{TenantID: ten.ID, Login: "lena", Name: "Lena", Role: RoleAgent, Nickname: "Lena N", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserLang(ctx, u.ID, "fr-BE"); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Lang != "fr-BE" || got.Nickname != "Lena N" || got.Name != "Lena" {
		t.Fatalf("after SetUserLang: %+v", got)
	}
	for _, bad := range []string{"de'; DROP TABLE users;--", "d\x00e", strings.Repeat("a", MaxLangLen+1), "de fr", "fr_BE"} {
		if err := s.SetUserLang(ctx, u.ID, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetUserLang(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	if got, _ := s.User(ctx, u.ID); got.Lang != "fr-BE" {
		t.Errorf("a refused tag changed the setting to %q", got.Lang)
	}
	if err := s.SetUserLang(ctx, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, u.ID); got.Lang != "" {
		t.Errorf("clearing left %q", got.Lang)
	}
	if err := s.SetUserLang(ctx, 987654321, "de"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown user: %v", err)
	}
}
