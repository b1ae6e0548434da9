package server_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// A chat that requires a skill waits for an agent who has it until the skill's ignore timeout,
// then goes to anyone.
func TestSkillRequirementThenIgnoreTimeout(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	st := env.Server.Store()
	conn, err := st.ConnectorByHash(ctx, env.Demo.ConnectorHash)
	if err != nil {
		t.Fatal(err)
	}
	// Anna speaks German (3), Ben does not.
	conn.Skills[0] = store.SkillRequirement{Skill: "german", Min: 3, IgnoreAfter: 2 * time.Second}
	if conn, err = st.UpdateConnector(ctx, conn); err != nil {
		t.Fatal(err)
	}
	env.Server.Chats().ConnectorChanged(conn)
	ben, _ := env.Agent(t, 1)
	visitor, _ := env.Visitor(t)
	requested := time.Now()
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Gerd"})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := await[*protocol.Offer](t, ctx, ben)
	if ev.Chat != ack.Body.(*protocol.Ack).Chat {
		t.Fatalf("offer for %s", ev.Chat)
	}
	if waited := time.Since(requested); waited < 2*time.Second {
		t.Fatalf("the unskilled agent got the chat after %s, before the skill's ignore timeout", waited)
	}
	// The decision log says why Ben was passed over at first.
	found := false
	for _, e := range env.Server.Chats().Explain(ev.Chat) {
		if e.Event == "passed_over" && e.Detail != "" {
			found = true
		}
	}
	if !found {
		t.Fatalf("decision log %+v", env.Server.Chats().Explain(ev.Chat))
	}

	// With Anna there, the next chat goes to her at once.
	anna, _ := env.Agent(t, 0)
	v2, _ := env.Visitor(t)
	ack2, err := v2.Call(ctx, "", &protocol.ChatRequest{Name: "Grete"})
	if err != nil {
		t.Fatal(err)
	}
	if ev, _ := await[*protocol.Offer](t, ctx, anna); ev.Chat != ack2.Body.(*protocol.Ack).Chat {
		t.Fatalf("anna got offer for %s", ev.Chat)
	}
}

// A chat nobody takes within the free agent search time is closed with the byeNoAgent text.
func TestNoAgentWithinSearchTime(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	st := env.Server.Store()
	conn, err := st.ConnectorByHash(ctx, env.Demo.ConnectorHash)
	if err != nil {
		t.Fatal(err)
	}
	conn.FreeAgentSearch = time.Second
	if conn, err = st.UpdateConnector(ctx, conn); err != nil {
		t.Fatal(err)
	}
	env.Server.Chats().ConnectorChanged(conn)
	visitor, connected := env.Visitor(t)
	if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Alone"}); err != nil {
		t.Fatal(err)
	}
	_, st1 := await[*protocol.ChatState](t, ctx, visitor)
	if st1.State != protocol.StateQueued {
		t.Fatalf("first state %+v", st1)
	}
	ev, err := visitor.Await(ctx, func(ev protocol.Event) bool { m, ok := ev.Body.(*protocol.Message); return ok && m.Key == "byeNoAgent" })
	if err != nil {
		t.Fatal(err)
	}
	if ev.Body.(*protocol.Message).Text != connected.Texts["byeNoAgent"] {
		t.Fatalf("bye text %+v", ev.Body)
	}
	if _, st2 := await[*protocol.ChatState](t, ctx, visitor); st2.State != protocol.StateClosed || st2.Cause != protocol.CauseNoAgent {
		t.Fatalf("closed %+v", st2)
	}
}

// An agent away longer than the reconnect window gives their chats back to the queue, and
// another agent gets them.
func TestAgentGoneRequeuesChats(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) {
		c.ReconnectWindow, c.AgentWarning = 2*time.Second, time.Second
	}})
	ctx := ctxT(t)
	anna, _ := env.Agent(t, 0)
	visitor, _ := env.Visitor(t)
	chatID, _ := startChat(t, ctx, visitor, anna, "Lotte")
	ben, _ := env.Agent(t, 1)
	anna.Drop()
	ev, _ := await[*protocol.Offer](t, ctx, ben)
	if ev.Chat != chatID {
		t.Fatalf("ben got offer for %s", ev.Chat)
	}
	// The visitor saw Anna leave and the chat wait again.
	_, left := await[*protocol.Left](t, ctx, visitor)
	if left.Name != "Anna" {
		t.Fatalf("left %+v", left)
	}
	if _, err := ben.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	if _, j := await[*protocol.Joined](t, ctx, visitor); j.Name != "Ben" {
		t.Fatalf("joined %+v", j)
	}
}
