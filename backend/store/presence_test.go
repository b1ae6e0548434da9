package store

import "testing"

// A connector's visitor presence is off by default, and an admin's save switches it on and off,
// on both databases.
func TestConnectorVisitorPresence(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "Presence")
			c := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))
			if c.VisitorPresence {
				t.Fatal("presence on by default")
			}
			c.VisitorPresence = true
			if c = must[Connector](t)(s.UpdateConnector(ctx, c)); !c.VisitorPresence {
				t.Fatal("not switched on")
			}
			if c = must[Connector](t)(s.ConnectorByHash(ctx, c.Hash)); !c.VisitorPresence {
				t.Fatal("not stored")
			}
			c.VisitorPresence = false
			if c = must[Connector](t)(s.UpdateConnector(ctx, c)); c.VisitorPresence {
				t.Fatal("not switched off")
			}
		})
	}
}
