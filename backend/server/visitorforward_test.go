package server_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestClusterVisitorFollowsOnAnotherNode: a visitor's chat is held by node A, where its agent
// is; the visitor reconnects to node B while A lives and resumes at once (no busy): B follows
// the chat and forwards the visitor's commands to A. Lines go both ways; one line sent on a
// connection that drops before its answer, then retried with its id on B and on A at once, is
// written once; the chat stays open past the reconnect window while the visitor is on B, and
// closes in it once the visitor has gone from B too. Every acknowledged line is stored once,
// numbered without holes.
func TestClusterVisitorFollowsOnAnotherNode(t *testing.T) {
	t.Parallel()
	const window = 3 * time.Second
	ctx, nodes, hash, tokens, st := windowed(t, 2, window)
	a, b := nodes[0], nodes[1]
	v := a.visitor(ctx, hash)
	agent := a.agent(ctx, tokens[0])
	defer agent.Drop()
	chatID, tok := acceptedChat(ctx, t, v, agent, "follows")
	l := &lines{ctx: ctx, t: t, chat: chatID}
	say := l.say
	say(v, "v1")
	messageFrom(ctx, t, agent, "v1")

	// The visitor comes back on B, A still holding the chat: served at once.
	v.Drop()
	v = b.visitor(ctx, hash)
	if _, err := v.Call(ctx, chatID, &protocol.Resume{Token: tok}); err != nil {
		t.Fatalf("the visitor resumes on B while A holds the chat: %v", err)
	}
	say(v, "v2")
	messageFrom(ctx, t, agent, "v2")
	say(agent, "a2")
	messageFrom(ctx, t, v, "a2")

	// A line whose answer is lost with its connection, retried on B and on A at once.
	if err := v.Send(ctx, "v3", chatID, &protocol.Send{Text: "v3"}); err != nil {
		t.Fatal(err)
	}
	v.Drop()
	onB, onA := b.visitor(ctx, hash), a.visitor(ctx, hash)
	defer onA.Drop()
	var wg sync.WaitGroup
	seqs := make([]uint64, 2)
	for i, cl := range []*protoclient.Client{onB, onA} {
		if _, err := cl.Call(ctx, chatID, &protocol.Resume{Token: tok}); err != nil {
			t.Fatalf("resume %d: %v", i, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev, err := cl.CallID(ctx, "v3", chatID, &protocol.Send{Text: "v3"})
			if err != nil {
				t.Errorf("retry %d of v3: %v", i, err)
				return
			}
			seqs[i] = ev.Body.(*protocol.Ack).Seq
		}()
	}
	wg.Wait()
	if seqs[0] != seqs[1] {
		t.Errorf("the retries of v3 were answered with two lines: %v", seqs)
	}
	l.acked = append(l.acked, "v3")
	onA.Drop()

	// Past the reconnect window, with the visitor on B only, the chat is still open.
	time.Sleep(window + time.Second)
	say(onB, "v4")
	messageFrom(ctx, t, agent, "v4")
	if _, err := onB.Call(ctx, chatID, &protocol.Typing{On: true}); err != nil {
		t.Errorf("typing on B: %v", err)
	}

	// The visitor leaves B: A closes the chat when the window ends.
	onB.Drop()
	defer func() {
		if t.Failed() {
			t.Logf("A:\n%s\nB:\n%s", a.logs.String(), b.logs.String())
		}
	}()
	waitFor(ctx, t, agent, func(ev protocol.Event) bool {
		s, ok := ev.Body.(*protocol.ChatState)
		return ok && ev.Chat == chatID && s.State == protocol.StateClosed
	})

	storedOnce(ctx, t, st, chatID, l.acked...)
}

// TestClusterFollowingNodeTakesOverFromDeadHolder: a visitor follows their chat on node B
// while A holds it; A is killed (kill -9) and the visitor, still connected to B, writes: B
// finds no holder answering, takes the chat over and writes the line, once, and the line
// the visitor sends again with the same id is not written twice.
func TestClusterFollowingNodeTakesOverFromDeadHolder(t *testing.T) {
	t.Parallel()
	_, nodes, ctx := servertest.StartCluster(t, 2, time.Minute, clusterNode(t))
	a, b := nodes[0], nodes[1]
	hash, _ := a.prepare(ctx)
	v := a.visitor(ctx, hash)
	chatID, tok := openChat(ctx, t, v, "follows")
	v.Drop()
	v = b.visitor(ctx, hash)
	defer v.Drop()
	if _, err := v.Call(ctx, chatID, &protocol.Resume{Token: tok}); err != nil {
		t.Fatalf("resume on B: %v", err)
	}
	if _, err := v.CallID(ctx, "v1", chatID, &protocol.Send{Text: "v1"}); err != nil {
		t.Fatal(err)
	}
	a.kill()
	// The client retries a busy answer with the same id, as the widget does.
	for _, id := range []string{"v2", "v2", "v1"} {
		for {
			_, err := v.CallID(ctx, id, chatID, &protocol.Send{Text: id})
			if err == nil {
				break
			}
			if !isCode(err, protocol.CodeBusy) {
				t.Fatalf("send %s on B after A died: %v", id, err)
			}
		}
	}
	st := b.store(ctx)
	defer st.Close()
	storedOnce(ctx, t, st, chatID, "v1", "v2")
}

// openChat opens a chat as the visitor v; it returns the chat and its token.
func openChat(ctx context.Context, t *testing.T, v *protoclient.Client, name string) (string, string) {
	t.Helper()
	ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return ack.Body.(*protocol.Ack).Chat, ack.Body.(*protocol.Ack).Token
}

// acceptedChat opens a chat as the visitor v and has agent accept its offer; it returns the
// chat and its token.
func acceptedChat(ctx context.Context, t *testing.T, v, agent *protoclient.Client, name string) (string, string) {
	t.Helper()
	chatID, tok := openChat(ctx, t, v, name)
	waitFor(ctx, t, agent, func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.Offer)
		return ok && o.Chat == chatID
	})
	if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	return chatID, tok
}

// lines sends lines of one chat, each with its text as its command id, and keeps the ids of
// those acknowledged.
type lines struct {
	ctx   context.Context
	t     *testing.T
	chat  string
	acked []string
}

// say sends the line id from cl and waits for its acknowledgement.
func (l *lines) say(cl *protoclient.Client, id string) {
	l.t.Helper()
	if _, err := cl.CallID(l.ctx, id, l.chat, &protocol.Send{Text: id}); err != nil {
		l.t.Fatalf("send %s: %v", id, err)
	}
	l.acked = append(l.acked, id)
}

// storedOnce checks that each of the acknowledged lines ids is stored once in the chat, and
// that the chat's events are numbered without holes.
func storedOnce(ctx context.Context, t *testing.T, st *store.Store, chatID string, ids ...string) {
	t.Helper()
	msgs, err := st.Messages(ctx, chatID, 0)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, m := range msgs {
		count[m.ClientID]++
	}
	for _, id := range ids {
		if count[id] != 1 {
			t.Errorf("acknowledged %s stored %d times", id, count[id])
		}
	}
	checkNumbering(t, st, chatID)
}

// TestClusterTakeoverLearnsOfVisitorElsewhere: A holds a chat whose visitor is followed on B
// and whose agent is on C. A is killed; the agent resumes on C, which takes the chat over and
// counts the visitor away. The visitor's next line, through B, tells C they are there: the
// chat stays open past the reconnect window.
func TestClusterTakeoverLearnsOfVisitorElsewhere(t *testing.T) {
	t.Parallel()
	const window = 3 * time.Second
	ctx, nodes, hash, tokens, st := windowed(t, 3, window)
	a, b, cn := nodes[0], nodes[1], nodes[2]
	v, agent, l := followedOnB(ctx, t, a, b, hash, tokens[0], "elsewhere")
	defer v.Drop()
	chatID := l.chat
	a.kill()
	agent.Drop()
	agent = cn.agent(ctx, tokens[0])
	defer agent.Drop()
	if _, err := agent.Call(ctx, chatID, &protocol.Resume{}); err != nil {
		t.Fatalf("the agent resumes on C after A died: %v", err)
	}
	l.say(v, "v2")
	messageFrom(ctx, t, agent, "v2")
	time.Sleep(window + time.Second)
	l.say(v, "v3")
	storedOnce(ctx, t, st, chatID, l.acked...)
}

// windowed starts n nodes (servertest.StartCluster) with the demo connector's reconnect
// window set to window; it returns the context of the test's steps, the nodes, the
// connector's hash, the agents' session tokens and a store, closed with the test.
func windowed(t *testing.T, n int, window time.Duration) (context.Context, []*crashServer, string, []string, *store.Store) {
	t.Helper()
	_, nodes, ctx := servertest.StartCluster(t, n, time.Minute, clusterNode(t))
	hash, tokens := nodes[0].prepare(ctx)
	st := nodes[0].store(ctx)
	t.Cleanup(func() { _ = st.Close() })
	reconnectWindow(ctx, t, st, hash, window)
	return ctx, nodes, hash, tokens, st
}

// reconnectWindow sets the connector's reconnect window, before the nodes read it.
func reconnectWindow(ctx context.Context, t *testing.T, st *store.Store, hash string, window time.Duration) {
	t.Helper()
	conn, err := st.ConnectorByHash(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	conn.ReconnectWindow = window
	if _, err := st.UpdateConnector(ctx, conn); err != nil {
		t.Fatal(err)
	}
}

// TestClusterDeadFollowerStartsVisitorWindow: the visitors of two chats node A holds follow
// them on node C, which is killed (kill -9) and so never says their connections are gone: A
// finds C dead and starts both chats' reconnect windows. The first visitor does not come
// back, and their chat closes when its window ends; the second resumes on B within theirs,
// and their chat goes on past it.
func TestClusterDeadFollowerStartsVisitorWindow(t *testing.T) {
	t.Parallel()
	const window = 3 * time.Second
	ctx, nodes, hash, tokens, st := windowed(t, 3, window)
	a, b, cn := nodes[0], nodes[1], nodes[2]
	agent := a.agent(ctx, tokens[0])
	defer agent.Drop()
	var chats, toks []string
	for _, name := range []string{"gone", "back"} {
		v := a.visitor(ctx, hash)
		chatID, tok := acceptedChat(ctx, t, v, agent, name)
		v.Drop()
		v = cn.visitor(ctx, hash)
		defer v.Drop()
		if _, err := v.Call(ctx, chatID, &protocol.Resume{Token: tok}); err != nil {
			t.Fatalf("resume on C: %v", err)
		}
		if _, err := v.CallID(ctx, name, chatID, &protocol.Send{Text: name}); err != nil {
			t.Fatal(err)
		}
		messageFrom(ctx, t, agent, name)
		chats, toks = append(chats, chatID), append(toks, tok)
	}
	cn.kill()
	// A counts the second visitor away; they resume on B.
	waitFor(ctx, t, agent, func(ev protocol.Event) bool {
		p, ok := ev.Body.(*protocol.Presence)
		return ok && ev.Chat == chats[1] && p.Role == protocol.RoleVisitor && !p.Online
	})
	v, err := resumeOn(ctx, t, b, hash, chats[1], toks[1], 0)
	if err != nil {
		t.Fatalf("the second visitor resumes on B: %v", err)
	}
	defer v.Drop()
	waitFor(ctx, t, agent, func(ev protocol.Event) bool {
		s, ok := ev.Body.(*protocol.ChatState)
		return ok && ev.Chat == chats[0] && s.State == protocol.StateClosed
	})
	time.Sleep(window + time.Second)
	if _, err := v.CallID(ctx, "after", chats[1], &protocol.Send{Text: "after"}); err != nil {
		t.Fatalf("the second visitor writes past the window: %v", err)
	}
	messageFrom(ctx, t, agent, "after")
	storedOnce(ctx, t, st, chats[1], "back", "after")
}

// TestClusterTakeoverKeepsSilentVisitorFollowedElsewhere: A holds a chat whose visitor is
// followed on B and whose agent is on C. A is killed; the agent resumes on C, which takes the
// chat over and learns at once that B follows the chat for its visitor. The visitor stays
// silent past the reconnect window, their connection to B open all along: the chat stays
// open, and their next line reaches the agent on C, written once.
func TestClusterTakeoverKeepsSilentVisitorFollowedElsewhere(t *testing.T) {
	t.Parallel()
	const window = 3 * time.Second
	ctx, nodes, hash, tokens, st := windowed(t, 3, window)
	a, b, cn := nodes[0], nodes[1], nodes[2]
	v, agent, l := followedOnB(ctx, t, a, b, hash, tokens[0], "silent")
	defer v.Drop()
	chatID := l.chat
	messageFrom(ctx, t, agent, "v1")
	a.kill()
	agent.Drop()
	agent = cn.agent(ctx, tokens[0])
	defer agent.Drop()
	if _, err := agent.Call(ctx, chatID, &protocol.Resume{}); err != nil {
		t.Fatalf("the agent resumes on C after A died: %v", err)
	}
	time.Sleep(window + time.Second)
	stillOpen(ctx, t, st, chatID)
	l.say(v, "v2")
	waitFor(ctx, t, agent, func(ev protocol.Event) bool {
		if s, ok := ev.Body.(*protocol.ChatState); ok && ev.Chat == chatID && s.State == protocol.StateClosed {
			t.Fatal("the agent saw the chat close while its visitor was connected to B")
		}
		m, ok := ev.Body.(*protocol.Message)
		return ok && m.Text == "v2"
	})
	storedOnce(ctx, t, st, chatID, l.acked...)
}

// TestClusterRestartedHolderKeepsSilentVisitorFollowedElsewhere: A holds a chat whose visitor
// is followed on B. A is killed and started again in its place, and restores the chat: it
// learns at start that B follows it for the visitor, who stays silent past the reconnect
// window, connected to B all along. The chat stays open, and the visitor's next line is
// written once.
func TestClusterRestartedHolderKeepsSilentVisitorFollowedElsewhere(t *testing.T) {
	t.Parallel()
	const window = 3 * time.Second
	ctx, nodes, hash, tokens, st := windowed(t, 2, window)
	a, b := nodes[0], nodes[1]
	v, agent, l := followedOnB(ctx, t, a, b, hash, tokens[0], "restart")
	defer v.Drop()
	chatID := l.chat
	agent.Drop()
	a.kill()
	a.start()
	time.Sleep(window + time.Second)
	stillOpen(ctx, t, st, chatID)
	l.say(v, "v2")
	storedOnce(ctx, t, st, chatID, l.acked...)
}

// followedOnB opens a chat as a visitor on node a, has the agent of the session token
// agentToken accept it there, and has the visitor resume it on node b, which then follows the
// chat for them, and write the line v1; it returns the visitor's and agent's clients and the
// chat's lines.
func followedOnB(ctx context.Context, t *testing.T, a, b *crashServer, hash, agentToken, name string) (*protoclient.Client, *protoclient.Client, *lines) {
	t.Helper()
	v := a.visitor(ctx, hash)
	agent := a.agent(ctx, agentToken)
	chatID, tok := acceptedChat(ctx, t, v, agent, name)
	v.Drop()
	v = b.visitor(ctx, hash)
	if _, err := v.Call(ctx, chatID, &protocol.Resume{Token: tok}); err != nil {
		t.Fatalf("resume on B: %v", err)
	}
	l := &lines{ctx: ctx, t: t, chat: chatID}
	l.say(v, "v1")
	return v, agent, l
}

// stillOpen fails the test when the chat was closed.
func stillOpen(ctx context.Context, t *testing.T, st *store.Store, chatID string) {
	t.Helper()
	rec, err := st.Chat(ctx, chatID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State == string(protocol.StateClosed) {
		t.Fatalf("the chat was closed while its visitor was connected to B: %s", rec.CloseCause)
	}
}
