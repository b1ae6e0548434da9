package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/shared/protocol"
)

// TestClusterConnectLimitCountsEveryNode: with three visitor connections a minute allowed per
// address, connections from one address spread over two nodes get three in all: the fourth
// is refused, on whichever node it arrives.
func TestClusterConnectLimitCountsEveryNode(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2, "PARLEY_VISITOR_CONNECTS_PER_MINUTE=3")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := c.nodes[0], c.nodes[1]
	// The four connections fall in one minute's window.
	if s := time.Now().Second(); s > 45 {
		time.Sleep(time.Duration(61-s) * time.Second)
	}
	for i, node := range []*crashServer{a, b, a} {
		v, err := protoclient.Dial(ctx, node.ws()+"/ws/visitor", protoclient.Options{})
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		defer v.Drop()
	}
	v, err := protoclient.Dial(ctx, b.ws()+"/ws/visitor", protoclient.Options{})
	if err == nil {
		v.Drop()
		t.Fatal("the fourth connection of the minute was accepted")
	}
	if !strings.Contains(err.Error(), "429") {
		t.Fatalf("the fourth connection: %v, want 429", err)
	}
}

// TestClusterOpenChatLimitCountsEveryNode: with two open chats allowed per address, chats from
// one address on two nodes count together: the third is refused on either node.
func TestClusterOpenChatLimitCountsEveryNode(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := c.nodes[0], c.nodes[1]
	hash, tokens := a.prepare(ctx)
	st := a.store(ctx)
	defer st.Close()
	tenants, err := st.Tenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := st.TenantSettings(ctx, tenants[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	policy.MaxChatsPerIP = 2
	if _, err := st.SaveTenantSettings(ctx, policy); err != nil {
		t.Fatal(err)
	}
	agent := a.agent(ctx, tokens[0])
	defer agent.Drop()
	for i, node := range []*crashServer{a, b} {
		v := node.visitor(ctx, hash)
		defer v.Drop()
		if _, err := v.Call(ctx, "", &protocol.ChatRequest{Name: "open"}); err != nil {
			t.Fatalf("chat %d: %v", i+1, err)
		}
	}
	for _, node := range []*crashServer{b, a} {
		v := node.visitor(ctx, hash)
		defer v.Drop()
		_, err := v.Call(ctx, "", &protocol.ChatRequest{Name: "one too many"})
		if !isCode(err, protocol.CodeRateLimited) {
			t.Fatalf("a third open chat from the address on %s: %v, want rate_limited", node.addr, err)
		}
	}
}

// TestClusterOpenChatLimitRace: with two open chats allowed per address, a dozen chat
// requests from one address sent at once through two nodes make two chats: every other one
// is refused, although each node read the open chats before any of them was written.
func TestClusterOpenChatLimitRace(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2, "PARLEY_VISITOR_CONNECTS_PER_MINUTE=1000")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := c.nodes[0], c.nodes[1]
	hash, tokens := a.prepare(ctx)
	st := a.store(ctx)
	defer st.Close()
	tenants, err := st.Tenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := st.TenantSettings(ctx, tenants[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	policy.MaxChatsPerIP = 2
	if _, err := st.SaveTenantSettings(ctx, policy); err != nil {
		t.Fatal(err)
	}
	agent := a.agent(ctx, tokens[0])
	defer agent.Drop()
	const racers = 12
	visitors := make([]*protoclient.Client, racers)
	for i := range visitors {
		visitors[i] = []*crashServer{a, b}[i%2].visitor(ctx, hash)
		defer visitors[i].Drop()
	}
	errs := make(chan error, racers)
	start := make(chan struct{})
	for _, v := range visitors {
		go func() {
			<-start
			_, err := v.Call(ctx, "", &protocol.ChatRequest{Name: "racer"})
			errs <- err
		}()
	}
	close(start)
	made := 0
	for range racers {
		err := <-errs
		switch {
		case err == nil:
			made++
		case !isCode(err, protocol.CodeRateLimited):
			t.Errorf("a chat request: %v, want success or rate_limited", err)
		}
	}
	if made != 2 {
		t.Fatalf("%d chats made from one address by %d requests at once on two nodes, with 2 allowed", made, racers)
	}
}
