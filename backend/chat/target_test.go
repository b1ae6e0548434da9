package chat_test

import (
	"context"
	"testing"

	"github.com/parleychat/parley/shared/protocol"
)

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

		// Anna (Sales) comes: her first offer is the chat asking for nothing, although the
		// other two waited longer.
		annaC, _ := e.agent(0)
		anyone := e.visitor().call("", &protocol.ChatRequest{Name: "Udo"}).Body.(*protocol.Ack).Chat
		if ev, _ := await[*protocol.Offer](t, annaC.conn); ev.Chat != anyone {
			t.Fatalf("Anna was offered %s first, want %s (for Ben: %s, for support: %s)", ev.Chat, anyone, forBen, forSupport)
		}
		// Ben (no department) comes: he gets both (requested at the same moment of the test's
		// clock, so in either order).
		benC, _ := e.agent(1)
		offered := map[string]bool{}
		for range 2 {
			ev, _ := await[*protocol.Offer](t, benC.conn)
			offered[ev.Chat] = true
		}
		if !offered[forBen] || !offered[forSupport] {
			t.Fatalf("Ben was offered %v, want %s and %s", offered, forBen, forSupport)
		}
	})
}
