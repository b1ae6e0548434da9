package server_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/shared/protocol"
)

// A chat between two colleagues whose apps are connected to different nodes of a cluster: the
// node of the agent who asks holds it, the colleague's node shows the request, forwards the
// answer and the colleague's lines to the holder, and follows the chat's events.

// startDirect has an agent ask a colleague for a direct chat with command id, asking again
// while the routing engine does not know yet that the colleague signed in; it returns the chat.
func startDirect(ctx context.Context, t *testing.T, c *protoclient.Client, id string, b *protocol.DirectStart) string {
	t.Helper()
	for {
		ev, err := c.CallID(ctx, id, "", b)
		if err == nil {
			return ev.Body.(*protocol.Ack).Chat
		}
		var pe *protocol.Error
		if !errors.As(err, &pe) || pe.Code != protocol.CodeConflict || ctx.Err() != nil {
			t.Fatalf("direct.start with a colleague on another node: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// linesUntil reads c's events until the line marker and counts the lines of chatID by text.
func linesUntil(ctx context.Context, t *testing.T, c *protoclient.Client, chatID, marker string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	waitFor(ctx, t, c, func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		if ok && ev.Chat == chatID {
			seen[m.Text]++
		}
		return ok && m.Text == marker
	})
	return seen
}

// wantOnce fails unless each text was seen exactly once, and no text twice.
func wantOnce(t *testing.T, who string, seen map[string]int, texts ...string) {
	t.Helper()
	for text, n := range seen {
		if n > 1 {
			t.Errorf("%s saw %q %d times", who, text, n)
		}
	}
	for _, text := range texts {
		if seen[text] != 1 {
			t.Errorf("%s saw %q %d times, want once (all: %v)", who, text, seen[text], seen)
		}
	}
}

// TestClusterDirectChatAcrossNodes: agent 1, on node B, asks agent 2, whose app is connected
// only to node C, for a chat: C shows the request, agent 2 accepts it there and the chat opens
// on C; both write and see each other's lines once; a retried direct.start or line writes
// nothing more; agent 2's app then moves to node A, resumes the chat there, both go on
// talking, and agent 2 ends the chat from A.
func TestClusterDirectChatAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nodes, _, tokens, st := threeNodes(ctx, t)
	a, b, cn := nodes[0], nodes[1], nodes[2]
	second, err := st.SessionUser(ctx, tokens[1])
	if err != nil {
		t.Fatal(err)
	}
	first := b.agent(ctx, tokens[0])
	defer first.Drop()
	colleague := cn.agent(ctx, tokens[1])
	defer colleague.Drop()

	start := &protocol.DirectStart{UserID: second.ID, Text: "got a minute?"}
	chatID := startDirect(ctx, t, first, "direct-1", start)
	waitFor(ctx, t, colleague, func(ev protocol.Event) bool {
		inv, ok := ev.Body.(*protocol.Invitation)
		return ok && ev.Chat == chatID && inv.Chat.Kind == protocol.KindDirect
	})
	if _, err := colleague.Call(ctx, chatID, &protocol.InviteAccept{}); err != nil {
		t.Fatalf("agent 2 accepts on C: %v", err)
	}
	waitFor(ctx, t, colleague, func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.ChatOpened)
		return ok && o.Chat.ID == chatID && o.Chat.Kind == protocol.KindDirect
	})

	if _, err := first.CallID(ctx, "first-1", chatID, &protocol.Send{Text: "from B"}); err != nil {
		t.Fatalf("agent 1 writes on B: %v", err)
	}
	line := &protocol.Send{Text: "from C"}
	sent, err := colleague.CallID(ctx, "second-1", chatID, line)
	if err != nil {
		t.Fatalf("agent 2 writes on C into B's chat: %v", err)
	}
	// The same commands again, with their ids: the first answers, nothing written.
	again, err := colleague.CallID(ctx, "second-1", chatID, line)
	if err != nil || again.Body.(*protocol.Ack).Seq != sent.Body.(*protocol.Ack).Seq {
		t.Fatalf("agent 2's line again: %+v %v, first %+v", again, err, sent)
	}
	ack, err := first.CallID(ctx, "direct-1", "", start)
	if err != nil || ack.Body.(*protocol.Ack).Chat != chatID {
		t.Fatalf("direct.start again: %+v %v, want chat %s", ack, err, chatID)
	}
	if _, err := first.CallID(ctx, "first-2", chatID, &protocol.Send{Text: "end of part 1"}); err != nil {
		t.Fatal(err)
	}
	wantOnce(t, "agent 2 on C", linesUntil(ctx, t, colleague, chatID, "end of part 1"), "got a minute?", "from B", "from C")
	if _, err := colleague.CallID(ctx, "second-3", chatID, &protocol.Send{Text: "end of part 1, C"}); err != nil {
		t.Fatal(err)
	}
	wantOnce(t, "agent 1 on B", linesUntil(ctx, t, first, chatID, "end of part 1, C"), "from C", "end of part 1")
	storedOnce(ctx, t, st, chatID, "first-1", "second-1", "first-2", "second-3")

	// Agent 2's app moves to node A: it resumes the chat there (another node holds it).
	colleague.Drop()
	moved := a.agent(ctx, tokens[1])
	defer moved.Drop()
	if _, err := moved.Call(ctx, chatID, &protocol.Resume{}); err != nil {
		t.Fatalf("agent 2 resumes the direct chat on A: %v", err)
	}
	if _, err := first.CallID(ctx, "first-3", chatID, &protocol.Send{Text: "still there?"}); err != nil {
		t.Fatal(err)
	}
	wantOnce(t, "agent 2 on A", linesUntil(ctx, t, moved, chatID, "still there?"), "got a minute?", "from B", "from C", "still there?")
	if _, err := moved.CallID(ctx, "second-2", chatID, &protocol.Send{Text: "yes, from A"}); err != nil {
		t.Fatalf("agent 2 writes on A into B's chat: %v", err)
	}
	if _, err := moved.CallID(ctx, "second-2", chatID, &protocol.Send{Text: "yes, from A"}); err != nil {
		t.Fatalf("agent 2's line on A again: %v", err)
	}
	if _, err := first.CallID(ctx, "first-4", chatID, &protocol.Send{Text: "end of part 2"}); err != nil {
		t.Fatal(err)
	}
	wantOnce(t, "agent 1 on B", linesUntil(ctx, t, first, chatID, "end of part 2"), "still there?", "yes, from A")
	storedOnce(ctx, t, st, chatID, "first-1", "second-1", "first-2", "second-3", "first-3", "second-2", "first-4")

	// Agent 2 ends the chat from A; agent 1 on B sees it end.
	if _, err := moved.Call(ctx, chatID, &protocol.Close{}); err != nil {
		t.Fatalf("agent 2 ends the chat on A: %v", err)
	}
	waitFor(ctx, t, first, func(ev protocol.Event) bool {
		cs, ok := ev.Body.(*protocol.ChatState)
		return ok && ev.Chat == chatID && cs.State == protocol.StateClosed
	})
	if rec, err := st.Chat(ctx, chatID); err != nil || rec.State != string(protocol.StateClosed) {
		t.Fatalf("the chat after agent 2 ended it: %+v %v", rec, err)
	}
}

// TestClusterDirectChatDeclinedAcrossNodes: agent 2 declines on node C the request agent 1
// made on node B: the chat ends on B with agent 1 told, and C's card of the request goes.
func TestClusterDirectChatDeclinedAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nodes, _, tokens, st := threeNodes(ctx, t)
	b, cn := nodes[1], nodes[2]
	second, err := st.SessionUser(ctx, tokens[1])
	if err != nil {
		t.Fatal(err)
	}
	first := b.agent(ctx, tokens[0])
	defer first.Drop()
	colleague := cn.agent(ctx, tokens[1])
	defer colleague.Drop()
	chatID := startDirect(ctx, t, first, "direct-1", &protocol.DirectStart{UserID: second.ID, Text: "got a minute?"})
	waitFor(ctx, t, colleague, func(ev protocol.Event) bool {
		_, ok := ev.Body.(*protocol.Invitation)
		return ok && ev.Chat == chatID
	})
	if _, err := colleague.Call(ctx, chatID, &protocol.InviteDecline{}); err != nil {
		t.Fatalf("agent 2 declines on C: %v", err)
	}
	waitFor(ctx, t, colleague, func(ev protocol.Event) bool {
		e, ok := ev.Body.(*protocol.InviteEnded)
		return ok && ev.Chat == chatID && e.UserID == second.ID && e.Reason == "declined"
	})
	waitFor(ctx, t, first, func(ev protocol.Event) bool {
		cs, ok := ev.Body.(*protocol.ChatState)
		return ok && ev.Chat == chatID && cs.State == protocol.StateClosed && cs.Cause == protocol.CauseDeclined
	})
}
