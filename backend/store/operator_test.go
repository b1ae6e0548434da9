package store

import (
	"strings"
	"testing"
)

// TestChatTargetAndOperatorDetails: a chat keeps the department and agent the visitor asked
// for, and a user's department and phone are one line of bounded text, on both databases.
func TestChatTargetAndOperatorDetails(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "Targets")
			c := newChat(t, s, ten.ID, func(c *Chat) { c.TargetDepartment, c.TargetAgentID = "Sales Ü", 42 })
			got := must[Chat](t)(s.Chat(ctx, c.ID))
			if got.TargetDepartment != "Sales Ü" || got.TargetAgentID != 42 {
				t.Fatalf("chat target = %q %d", got.TargetDepartment, got.TargetAgentID)
			}
			plain := newChat(t, s, ten.ID, nil)
			if got := must[Chat](t)(s.Chat(ctx, plain.ID)); got.TargetDepartment != "" || got.TargetAgentID != 0 {
				t.Fatalf("untargeted chat = %q %d", got.TargetDepartment, got.TargetAgentID)
			}

			base := User{TenantID: ten.ID, Login: "op@example.com", Role: RoleAgent, Active: true}
			for name, mod := range map[string]func(*User){
				"NUL in department":     func(u *User) { u.Department = "Sa\x00les" },
				"line break in phone":   func(u *User) { u.Phone = "+44\n1" },
				"long department":       func(u *User) { u.Department = strings.Repeat("d", 101) },
				"long phone":            func(u *User) { u.Phone = strings.Repeat("1", 41) },
				"invalid UTF-8 in dept": func(u *User) { u.Department = "\xff" },
			} {
				u := base
				mod(&u)
				if _, err := s.CreateUser(ctx, u); err == nil {
					t.Errorf("%s: created", name)
				} else {
					wantErr(t, err, ErrInvalid)
				}
			}
			u := base
			u.Department, u.Phone = strings.Repeat("d", 100), strings.Repeat("1", 40)
			created := must[User](t)(s.CreateUser(ctx, u))
			created.Department, created.Phone, created.Bot = "Support", "+1 555 0100", true
			must[User](t)(s.UpdateUser(ctx, created))
			if back := must[User](t)(s.User(ctx, created.ID)); back.Department != "Support" || back.Phone != "+1 555 0100" || !back.Bot {
				t.Fatalf("updated user = %+v", back)
			}
		})
	}
}
