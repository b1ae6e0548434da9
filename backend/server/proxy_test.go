package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// behindProxy configures the server as if this test (connecting from 127.0.0.1) were the
// reverse proxy in front of it, or, with trusted naming another address, an untrusted client.
func behindProxy(trusted string, visitorsPerMinute, agentsPerMinute int) servertest.Options {
	return servertest.Options{Configure: func(c *config.Config) {
		c.ProxyHeader = "X-Forwarded-For"
		c.TrustedProxies = []string{trusted}
		c.VisitorConnectsPerMinute = visitorsPerMinute
		c.AgentConnectsPerMinute = agentsPerMinute
	}}
}

// dial opens a WebSocket to path with the forwarded header xff ("" sends none) and reports
// whether the server refused it for the connect limit.
func dial(t *testing.T, env *servertest.Env, path, xff string) (limited bool) {
	t.Helper()
	h := http.Header{}
	if xff != "" {
		h.Set("X-Forwarded-For", xff)
	}
	c, err := protoclient.Dial(ctxT(t), env.WS+path, protoclient.Options{Header: h})
	if err != nil {
		if !strings.Contains(err.Error(), "429") {
			t.Fatalf("dial %s as %q: %v", path, xff, err)
		}
		return true
	}
	c.Drop()
	return false
}

// From a trusted proxy every client address has its own connect budget; what a client writes
// into the header itself, and values that are not addresses, get it none of its own.
func TestProxiedClientsHaveTheirOwnLimits(t *testing.T) {
	env := servertest.Start(t, behindProxy("127.0.0.1", 2, 2))
	for _, path := range []string{"/ws/visitor", "/ws/agent"} {
		steps := []struct {
			xff     string
			limited bool
		}{
			{"198.51.100.1", false},
			{"198.51.100.1", false},
			{"198.51.100.1", true},
			{"198.51.100.2", false},                 // another client
			{"203.0.113.99, 198.51.100.1", true},    // the client's own prefix is not believed
			{"2001:db8:1:2::1", false},              // IPv6 clients count by /64
			{"[2001:db8:1:2::ffff]:4711", false},    //
			{"2001:db8:1:2:aaaa::7", true},          //
			{"not-an-address", false},               // counts as the proxy
			{"", false},                             // the proxy itself
			{"198.51.100.77, not-an-address", true}, // the proxy again: its budget is spent
			{"not-an-address, 198.51.100.3", false}, // garbage on the left is not read
		}
		for i, s := range steps {
			if got := dial(t, env, path, s.xff); got != s.limited {
				t.Errorf("%s step %d (%q): limited %v, want %v", path, i+1, s.xff, got, s.limited)
			}
		}
	}
}

// From an address that is not a trusted proxy the header is ignored.
func TestUntrustedForwardedHeaderIgnored(t *testing.T) {
	env := servertest.Start(t, behindProxy("10.9.9.9", 2, 0))
	for i, xff := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		if limited := dial(t, env, "/ws/visitor", xff); limited != (i == 2) {
			t.Fatalf("connection %d (%s): limited %v", i+1, xff, limited)
		}
	}
}

// The visitor's connection carries the forwarded address into the chat service: address blocks
// see it, and the chat records it.
func TestProxiedVisitorAddress(t *testing.T) {
	env := servertest.Start(t, behindProxy("127.0.0.1", 0, 0))
	ctx := ctxT(t)
	st := env.Server.Store()
	if _, err := st.CreateIPBlock(ctx, store.IPBlock{TenantID: env.Demo.TenantID, Prefix: "198.51.100.0/24", Note: "test"}); err != nil {
		t.Fatal(err)
	}
	env.Settled(t)
	blocked, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{Header: http.Header{"X-Forwarded-For": {"198.51.100.5"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer blocked.Drop()
	if _, err := blocked.Call(ctx, "", &protocol.VisitorConnect{Connector: env.Demo.ConnectorHash}); !isCode(err, protocol.CodeForbidden) {
		t.Fatalf("blocked address behind the proxy: %v", err)
	}
	v, _ := env.VisitorOn(t, env.Demo.ConnectorHash, http.Header{"X-Forwarded-For": {"198.51.100.5, 203.0.113.5"}})
	ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: "Rosa"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := st.Chat(ctx, ack.Body.(*protocol.Ack).Chat)
	if err != nil || rec.IP != "203.0.113.5" {
		t.Fatalf("chat recorded address %q: %v", rec.IP, err)
	}
}

// New agent app connections are limited per address, like the visitors'.
func TestAgentConnectLimit(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.AgentConnectsPerMinute = 2 }})
	for i := range 3 {
		if limited := dial(t, env, "/ws/agent", ""); limited != (i == 2) {
			t.Fatalf("agent connection %d: limited %v", i+1, limited)
		}
	}
	// The visitors' budget is their own.
	if dial(t, env, "/ws/visitor", "") {
		t.Fatal("a visitor was refused for the agents' limit")
	}
}
