package server_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// Only a status that allows chat receives offers, and agents cannot pick statuses that are not
// theirs to set.
func TestStatusDecidesOffers(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	u := env.DemoUser(t, "agent", 0)
	agent, ready := env.AgentWithToken(t, env.Login(t, u.Login, u.Password))
	var away, available int64
	for _, st := range ready.Statuses {
		switch {
		case st.AllowsChat && available == 0:
			available = st.ID
		case !st.AllowsChat && st.Settable && away == 0:
			away = st.ID
		}
	}
	if away == 0 || available == 0 {
		t.Fatalf("statuses %+v", ready.Statuses)
	}
	if _, err := agent.Call(ctx, "", &protocol.StatusSet{Status: away}); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Call(ctx, "", &protocol.StatusSet{Status: 999999}); !isCode(err, protocol.CodeNotFound) {
		t.Fatalf("unknown status: %v", err)
	}
	visitor, _ := env.Visitor(t)
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Vera"})
	if err != nil {
		t.Fatal(err)
	}
	// No offer while away.
	timer := time.NewTimer(500 * time.Millisecond)
	defer timer.Stop()
	for waiting := true; waiting; {
		select {
		case ev := <-agent.Events():
			if _, ok := ev.Body.(*protocol.Offer); ok {
				t.Fatal("offer while away")
			}
		case <-timer.C:
			waiting = false
		}
	}
	if _, err := agent.Call(ctx, "", &protocol.StatusSet{Status: available}); err != nil {
		t.Fatal(err)
	}
	if ev, _ := await[*protocol.Offer](t, ctx, agent); ev.Chat != ack.Body.(*protocol.Ack).Chat {
		t.Fatalf("offer for %s", ev.Chat)
	}
}
