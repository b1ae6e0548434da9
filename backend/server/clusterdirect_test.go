package server_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// A chat between two colleagues whose apps are connected to different nodes of a cluster: the
// node of the agent who asks holds it, the colleague's node shows the request, forwards the
// answer and the colleague's lines to the holder, and follows the chat's events.

// directPair is a direct chat asked across nodes (directAcross): the nodes A, B and C, the demo
// agents' tokens, a store on the cluster's database, agent 1's app on B, agent 2's on C,
// agent 2's id, the chat and the direct.start that asked for it.
type directPair struct {
	nodes            []*crashServer
	tokens           []string
	st               *store.Store
	first, colleague *protoclient.Client
	secondID         int64
	chatID           string
	start            *protocol.DirectStart
}

// directAcross starts three nodes, connects agent 1's app to node B and agent 2's to node C,
// and has agent 1 ask agent 2 for a direct chat with command id direct-1 (start), asking
// again while the routing engine does not know yet that agent 2 signed in.
func directAcross(ctx context.Context, t *testing.T) (d directPair) {
	t.Helper()
	d.nodes, _, d.tokens, d.st = threeNodes(ctx, t)
	second, err := d.st.SessionUser(ctx, d.tokens[1])
	if err != nil {
		t.Fatal(err)
	}
	d.secondID = second.ID
	d.first = d.nodes[1].agent(ctx, d.tokens[0])
	t.Cleanup(d.first.Drop)
	d.colleague = d.nodes[2].agent(ctx, d.tokens[1])
	t.Cleanup(d.colleague.Drop)
	d.start = &protocol.DirectStart{UserID: second.ID, Text: "got a minute?"}
	for {
		ev, err := d.first.CallID(ctx, "direct-1", "", d.start)
		if err == nil {
			d.chatID = ev.Body.(*protocol.Ack).Chat
			return d
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
	d := directAcross(ctx, t)
	a, tokens, st, first, colleague, chatID, start := d.nodes[0], d.tokens, d.st, d.first, d.colleague, d.chatID, d.start
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
	d := directAcross(ctx, t)
	first, colleague, chatID := d.first, d.colleague, d.chatID
	waitFor(ctx, t, colleague, func(ev protocol.Event) bool {
		_, ok := ev.Body.(*protocol.Invitation)
		return ok && ev.Chat == chatID
	})
	if _, err := colleague.Call(ctx, chatID, &protocol.InviteDecline{}); err != nil {
		t.Fatalf("agent 2 declines on C: %v", err)
	}
	waitFor(ctx, t, colleague, func(ev protocol.Event) bool {
		e, ok := ev.Body.(*protocol.InviteEnded)
		return ok && ev.Chat == chatID && e.UserID == d.secondID && e.Reason == "declined"
	})
	waitFor(ctx, t, first, func(ev protocol.Event) bool {
		cs, ok := ev.Body.(*protocol.ChatState)
		return ok && ev.Chat == chatID && cs.State == protocol.StateClosed && cs.Cause == protocol.CauseDeclined
	})
}

// TestClusterDirectRequestFollowsTheColleague: agent 1 on node B asks agent 2, whose app is
// connected to node C; before answering, agent 2's app moves to node A, which never heard of
// the request: A shows it at the app's start (read from the database), agent 2 accepts it
// there, and the two talk.
func TestClusterDirectRequestFollowsTheColleague(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := directAcross(ctx, t)
	a, tokens, st, first, colleague, chatID := d.nodes[0], d.tokens, d.st, d.first, d.colleague, d.chatID
	colleague.Drop()
	moved, err := protoclient.Dial(ctx, a.ws()+"/ws/agent", protoclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer moved.Drop()
	if _, err := moved.Call(ctx, "", &protocol.AgentConnect{Token: tokens[1]}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, moved, func(ev protocol.Event) bool {
		r, ok := ev.Body.(*protocol.AgentReady)
		if !ok {
			return false
		}
		for _, inv := range r.Invitations {
			if inv.Chat.ID == chatID && inv.Chat.Kind == protocol.KindDirect && inv.From.UserID != 0 {
				return true
			}
		}
		t.Fatalf("A's start shows agent 2 no request for %s: %+v", chatID, r.Invitations)
		return false
	})
	if _, err := moved.Call(ctx, chatID, &protocol.InviteAccept{}); err != nil {
		t.Fatalf("agent 2 accepts on A: %v", err)
	}
	waitFor(ctx, t, moved, func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.ChatOpened)
		return ok && o.Chat.ID == chatID
	})
	if _, err := moved.CallID(ctx, "second-1", chatID, &protocol.Send{Text: "yes, from A"}); err != nil {
		t.Fatalf("agent 2 writes on A into B's chat: %v", err)
	}
	messageFrom(ctx, t, first, "yes, from A")
	if _, err := first.CallID(ctx, "first-1", chatID, &protocol.Send{Text: "great"}); err != nil {
		t.Fatal(err)
	}
	wantOnce(t, "agent 2 on A", linesUntil(ctx, t, moved, chatID, "great"), "got a minute?", "yes, from A", "great")
	storedOnce(ctx, t, st, chatID, "second-1", "first-1")
}
