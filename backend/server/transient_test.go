package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// TestClusterTransientEventsCrossNodes: node A holds a chat; its visitor follows it on node B,
// and its agent has the app open on A and on B. Typing reaches the chat's connections on the
// node that does not hold the chat as it reaches those on the holder: the agent typing on A
// is shown to the visitor on B, the visitor typing on B to the agent on A and on B, and the
// agent typing and asking for a field on B (commands for a chat held elsewhere) to the
// visitor on B.
func TestClusterTransientEventsCrossNodes(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := c.nodes[0], c.nodes[1]
	hash, tokens := a.prepare(ctx)
	v := a.visitor(ctx, hash)
	agent := a.agent(ctx, tokens[0])
	defer agent.Drop()
	chatID, tok := acceptedChat(ctx, t, v, agent, "typing")
	v.Drop()
	v = b.visitor(ctx, hash)
	defer v.Drop()
	if _, err := v.Call(ctx, chatID, &protocol.Resume{Token: tok}); err != nil {
		t.Fatalf("the visitor resumes on B: %v", err)
	}
	agentB := b.agent(ctx, tokens[0])
	defer agentB.Drop()
	if _, err := agentB.Call(ctx, chatID, &protocol.Resume{}); err != nil {
		t.Fatalf("the agent resumes on B: %v", err)
	}
	typing := func(role protocol.Role, on bool) func(protocol.Event) bool {
		return func(ev protocol.Event) bool {
			e, ok := ev.Body.(*protocol.TypingEvent)
			return ok && ev.Chat == chatID && e.Role == role && e.On == on
		}
	}

	if _, err := agent.Call(ctx, chatID, &protocol.Typing{On: true}); err != nil {
		t.Fatalf("the agent types on A: %v", err)
	}
	waitFor(ctx, t, v, typing(protocol.RoleAgent, true))

	if _, err := v.Call(ctx, chatID, &protocol.Typing{On: true}); err != nil {
		t.Fatalf("the visitor types on B: %v", err)
	}
	waitFor(ctx, t, agent, typing(protocol.RoleVisitor, true))
	waitFor(ctx, t, agentB, typing(protocol.RoleVisitor, true))

	if _, err := agentB.Call(ctx, chatID, &protocol.Typing{On: false}); err != nil {
		t.Fatalf("the agent types on B: %v", err)
	}
	waitFor(ctx, t, v, typing(protocol.RoleAgent, false))

	// A field request of the agent on B is asked on A, and shown to the visitor on B.
	field := protocol.SurveyField{Name: "OrderNumber", Type: "numeric", Enabled: true, Prompt: "Please enter the order number:", Length: 10, ValidateHigh: -1}
	if _, err := agentB.Call(ctx, chatID, &protocol.FieldAsk{Field: field}); err != nil {
		t.Fatalf("the agent asks for a field on B: %v", err)
	}
	waitFor(ctx, t, v, func(ev protocol.Event) bool {
		f, ok := ev.Body.(*protocol.FieldRequest)
		return ok && ev.Chat == chatID && f.Field.Name == field.Name
	})
}
