package chat_test

import (
	"context"
	"testing"

	"github.com/parleychat/parley/shared/protocol"
)

// offersUntil connects agent n and reads its offers, those agent.ready carries and those
// that come as events (an offer may come before agent.ready or with it), until done says so.
// Nothing is dropped unseen.
func offersUntil(e *env, n int, done func(offered []string) bool) (*client, []string) {
	e.t.Helper()
	c := newConn(1024)
	cl := &client{conn: c, e: e, ss: e.svc.OpenAgent(c)}
	cl.call("", &protocol.AgentConnect{Token: e.tokens[e.agents[n].ID]})
	var offered []string
	ready := false
	for !ready || !done(offered) {
		switch b := c.next(e.t).Body.(type) {
		case *protocol.Offer:
			offered = append(offered, b.Chat)
		case *protocol.AgentReady:
			ready = true
			for _, o := range b.Offers {
				offered = append(offered, o.Chat)
			}
		}
	}
	return cl, offered
}

// A chat asking for an operator or a department keeps asking after a restart: the rebuilt
// queue offers it to nobody else, and to the agent it asks for once they come.
func TestTargetSurvivesRestart(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna := e.agents[0]
		anna.Department = "Sales"
		anna.PasswordHash = ""
		if _, err := e.st.UpdateUser(context.Background(), anna); err != nil {
			t.Fatal(err)
		}
		forBen := e.visitor().call("", &protocol.ChatRequest{Name: "Vera", Operator: "ben"}).Body.(*protocol.Ack).Chat
		forSupport := e.visitor().call("", &protocol.ChatRequest{Name: "Vic", Department: "support"}).Body.(*protocol.Ack).Chat
		if c := code(e.visitor().callErr("", &protocol.ChatRequest{Name: "Val", Operator: "Nobody"})); c != protocol.CodeNotFound {
			t.Fatalf("a chat for an operator who is nobody: %q", c)
		}
		e.restart()

		// Anna (Sales) comes and is offered nothing; then a chat asking for nothing is her
		// first offer, although the other two waited longer.
		annaC, offered := offersUntil(e, 0, func([]string) bool { return true })
		if len(offered) != 0 {
			t.Fatalf("Anna was offered %v as she came (for Ben: %s, for support: %s)", offered, forBen, forSupport)
		}
		anyone := e.visitor().call("", &protocol.ChatRequest{Name: "Udo"}).Body.(*protocol.Ack).Chat
		if ev, _ := await[*protocol.Offer](t, annaC.conn); ev.Chat != anyone {
			t.Fatalf("Anna was offered %s first, want %s (for Ben: %s, for support: %s)", ev.Chat, anyone, forBen, forSupport)
		}
		// Ben (no department) comes: he gets both (requested at the same moment of the test's
		// clock, so in either order).
		_, offered = offersUntil(e, 1, func(o []string) bool { return len(o) >= 2 })
		if len(offered) != 2 || offered[0] == offered[1] || (offered[0] != forBen && offered[0] != forSupport) || (offered[1] != forBen && offered[1] != forSupport) {
			t.Fatalf("Ben was offered %v, want %s and %s", offered, forBen, forSupport)
		}
	})
}

// A chat handed on by its operator no longer asks for them: the stored chat forgets the
// operator with the handover (the department stays), as routing does.
func TestTargetAgentDroppedOnHandover(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		v := e.visitor()
		chatID := v.call("", &protocol.ChatRequest{Name: "Vera", Operator: "Anna", Department: "Support"}).Body.(*protocol.Ack).Chat
		anna.take(chatID)
		anna.call(chatID, &protocol.ChatTransfer{UserID: e.agents[1].ID})
		ben.take(chatID)
		e.restart()
		got, err := e.st.Chat(context.Background(), chatID)
		if err != nil {
			t.Fatal(err)
		}
		if got.AgentID != e.agents[1].ID || got.TargetAgentID != 0 || got.TargetDepartment != "Support" {
			t.Fatalf("stored chat: agent %d, target agent %d, department %q", got.AgentID, got.TargetAgentID, got.TargetDepartment)
		}
	})
}

// A chat asking for an operator who is not signed in is told there is nobody (noAgents), even
// while colleagues are; it keeps waiting for them.
func TestNoAgentsForTarget(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		e.agent(0)
		for _, c := range []struct {
			req  protocol.ChatRequest
			want int
		}{
			{protocol.ChatRequest{Name: "Vera"}, 0},
			{protocol.ChatRequest{Name: "Vic", Operator: "Anna"}, 0},
			{protocol.ChatRequest{Name: "Val", Operator: "Ben"}, 1},
		} {
			chatID := e.visitor().call("", &c.req).Body.(*protocol.Ack).Chat
			if got := e.storedKeys(chatID); count(got, "noAgents") != c.want {
				t.Fatalf("chat for %q: system lines %q, want %d noAgents", c.req.Operator, got, c.want)
			}
		}
	})
}
