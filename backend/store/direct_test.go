package store

import (
	"testing"
	"time"
)

// TestDirectChatsUpgrade: a database from before agents chatted with each other upgrades to
// chats of no kind (visitor chats) and tenant settings with the default idle threshold; a
// direct chat's kind and colleague are kept, and the threshold round-trips.
func TestDirectChatsUpgrade(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, legacyConfig(t, b))
			defer func() { _ = s.Close() }()
			if c := must[Chat](t)(s.Chat(ctx, legacyChatID)); c.Kind != "" || c.PeerID != 0 {
				t.Fatalf("legacy chat kind %q peer %d", c.Kind, c.PeerID)
			}
			ts := must[TenantSettings](t)(s.TenantSettings(ctx, 1))
			if ts.AgentIdle != DefaultAgentIdle {
				t.Fatalf("legacy tenant's idle threshold = %v, want %v", ts.AgentIdle, DefaultAgentIdle)
			}
			ts.AgentIdle = 45 * time.Second
			must[TenantSettings](t)(s.SaveTenantSettings(ctx, ts))
			if got := must[TenantSettings](t)(s.TenantSettings(ctx, 1)); got.AgentIdle != 45*time.Second {
				t.Fatalf("saved idle threshold reads back as %v", got.AgentIdle)
			}
			ts.AgentIdle = 3 * time.Second
			if _, err := s.SaveTenantSettings(ctx, ts); err == nil {
				t.Fatal("an idle threshold of 3 s was accepted")
			}

			c := newChat(t, s, 1, func(c *Chat) { c.Kind, c.PeerID, c.ConnectorID = ChatDirect, 7, 0 })
			got := must[Chat](t)(s.Chat(ctx, c.ID))
			if got.Kind != ChatDirect || got.PeerID != 7 || got.ConnectorID != 0 {
				t.Fatalf("direct chat read back as kind %q peer %d connector %d", got.Kind, got.PeerID, got.ConnectorID)
			}
			open := must[[]Chat](t)(s.ChatsOpen(ctx, 1))
			found := false
			for _, o := range open {
				found = found || (o.ID == c.ID && o.Kind == ChatDirect)
			}
			if !found {
				t.Fatalf("the direct chat is not among the open chats: %+v", open)
			}
		})
	}
}

// TestDefaultTenantSettingsIdle: a tenant that saved nothing gets the default threshold.
func TestDefaultTenantSettingsIdle(t *testing.T) {
	if d := DefaultTenantSettings(3); d.AgentIdle != DefaultAgentIdle {
		t.Fatalf("default idle = %v", d.AgentIdle)
	}
}
