package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/shared/protocol"
)

// offerOf matches an offer of chat.
func offerOf(chat string) func(protocol.Event) bool {
	return func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.Offer)
		return ok && o.Chat == chat
	}
}

// request asks for a chat as a new visitor on node srv and returns the visitor and the chat.
func request(ctx context.Context, t *testing.T, srv *crashServer, hash, name string) (*protoclient.Client, string) {
	t.Helper()
	v := srv.visitor(ctx, hash)
	ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return v, ack.Body.(*protocol.Ack).Chat
}

// TestClusterRoutingAcrossNodes: the only agent's app is connected to node B, the visitor to
// node A: the one engine (on whichever node leads) offers A's chat to B's agent, who accepts it
// on B, and the two talk both ways, B forwarding the agent's lines to A.
func TestClusterRoutingAcrossNodes(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := c.nodes[0], c.nodes[1]
	hash, tokens := a.prepare(ctx)
	agent := b.agent(ctx, tokens[0])
	defer agent.Drop()
	v, chatID := request(ctx, t, a, hash, "across")
	defer v.Drop()
	waitFor(ctx, t, agent, offerOf(chatID))
	if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatalf("the agent on B accepts A's chat: %v", err)
	}
	waitFor(ctx, t, v, func(ev protocol.Event) bool {
		j, ok := ev.Body.(*protocol.Joined)
		return ok && j.Role == protocol.RoleAgent
	})
	if _, err := v.Call(ctx, chatID, &protocol.Send{Text: "from A"}); err != nil {
		t.Fatal(err)
	}
	messageFrom(ctx, t, agent, "from A")
	if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "from B"}); err != nil {
		t.Fatalf("the agent on B writes into A's chat: %v", err)
	}
	messageFrom(ctx, t, v, "from B")
}

// TestClusterCapacityAcrossNodes: an agent who takes one chat at a time, connected to node B,
// busy with a chat from node A, is not offered a chat from node C (which waits in the queue)
// until the first one is closed; then it is offered.
func TestClusterCapacityAcrossNodes(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b, cn := c.nodes[0], c.nodes[1], c.nodes[2]
	hash, tokens := a.prepare(ctx)
	st := a.store(ctx)
	u, err := st.SessionUser(ctx, tokens[0])
	if err != nil {
		t.Fatal(err)
	}
	u.MaxChats = 1
	if _, err := st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	agent := b.agent(ctx, tokens[0])
	defer agent.Drop()
	v1, first := request(ctx, t, a, hash, "first")
	defer v1.Drop()
	waitFor(ctx, t, agent, offerOf(first))
	if _, err := agent.Call(ctx, first, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	v2, second := request(ctx, t, cn, hash, "second")
	defer v2.Drop()
	// The engine placed the second chat in the queue (the visitor hears its place) instead
	// of offering it to the busy agent.
	waitFor(ctx, t, v2, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Queue); return ok })
	// A line of the first chat reaches the agent after whatever routing sent it meanwhile.
	if _, err := v1.Call(ctx, first, &protocol.Send{Text: "still here"}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, agent, func(ev protocol.Event) bool {
		if offerOf(second)(ev) {
			t.Fatalf("the busy agent was offered chat %s while handling %s", second, first)
		}
		m, ok := ev.Body.(*protocol.Message)
		return ok && m.Text == "still here"
	})
	if _, err := agent.Call(ctx, first, &protocol.Close{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, agent, offerOf(second))
}
