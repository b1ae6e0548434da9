package server_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/store"
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

// offerLog counts, per chat, the offers agents received, and who accepted each chat.
type offerLog struct {
	mu       sync.Mutex
	before   map[string]int    // offers before the failover
	offers   map[string]int    // since the failover
	accepted map[string]string // chat → the agent whose accept succeeded
	rerouted int               // offers withdrawn for the new leader
	failover bool
	changed  chan struct{}
}

// follow reads an agent's events: after the failover it accepts every offer at once.
func (l *offerLog) follow(ctx context.Context, name string, a *protoclient.Client) {
	for {
		ev, err := a.Next(ctx)
		if err != nil {
			return
		}
		l.mu.Lock()
		switch b := ev.Body.(type) {
		case *protocol.OfferRevoked:
			if b.Reason == "rerouted" {
				l.rerouted++
			}
		case *protocol.Offer:
			if !l.failover {
				l.before[b.Chat]++
				select {
				case l.changed <- struct{}{}:
				default:
				}
			} else {
				l.offers[b.Chat]++
				go func(chat string) {
					if _, err := a.Call(ctx, chat, &protocol.OfferAccept{}); err == nil {
						l.mu.Lock()
						if prev, ok := l.accepted[chat]; ok {
							l.accepted[chat] = prev + "+" + name
						} else {
							l.accepted[chat] = name
						}
						l.mu.Unlock()
						select {
						case l.changed <- struct{}{}:
						default:
						}
					}
				}(b.Chat)
			}
		}
		l.mu.Unlock()
	}
}

// TestClusterRoutingLeaderKilled: agents on two nodes, chats from visitors on those nodes
// waiting with offers out; the leader (a third node) is killed with SIGKILL. Another node
// leads within 5 s, rebuilds the queue, withdraws the dead leader's offers and offers every
// waiting chat again: each to exactly one agent, accepted once, none lost.
func TestClusterRoutingLeaderKilled(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all := func(int) bool { return true }
	var lead int
	var term float64
	c.nodes[0].until(ctx, 50*time.Millisecond, func() (bool, string) {
		var n int
		lead, term, n = c.leader(all)
		return n == 1, "no node leads"
	})
	b, cn := c.nodes[(lead+1)%3], c.nodes[(lead+2)%3]
	hash, tokens := b.prepare(ctx)
	log := &offerLog{before: map[string]int{}, offers: map[string]int{}, accepted: map[string]string{}, changed: make(chan struct{}, 1)}
	agents := []*protoclient.Client{b.agent(ctx, tokens[0]), cn.agent(ctx, tokens[1])}
	for i, a := range agents {
		defer a.Drop()
		go log.follow(ctx, fmt.Sprint("agent", i), a)
	}
	const chats = 6
	var ids []string
	var visitors []*protoclient.Client
	for i := range chats {
		srv := b
		if i%2 == 1 {
			srv = cn
		}
		v, id := request(ctx, t, srv, hash, fmt.Sprint("waiting ", i))
		defer v.Drop()
		ids = append(ids, id)
		visitors = append(visitors, v)
	}
	// Every chat is offered before the leader dies.
	for {
		log.mu.Lock()
		n := len(log.before)
		if n == chats {
			log.failover = true
		}
		log.mu.Unlock()
		if n == chats {
			break
		}
		select {
		case <-log.changed:
		case <-ctx.Done():
			t.Fatalf("%d of %d chats offered before the failover", n, chats)
		}
	}
	st := b.store(ctx)
	defer st.Close()
	c.nodes[lead].kill()
	killed := time.Now()
	alive := func(i int) bool { return i != lead }
	for {
		_, term2, n := c.leader(alive)
		if n == 1 && term2 > term {
			break
		}
		if time.Since(killed) > 5*time.Second {
			t.Fatalf("no node leads 5 s after the leader (node %d) was killed", lead)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("a new leader %s after the kill", time.Since(killed).Round(time.Millisecond))
	for {
		log.mu.Lock()
		done := len(log.accepted) == chats
		log.mu.Unlock()
		if done {
			break
		}
		select {
		case <-log.changed:
		case <-ctx.Done():
			log.mu.Lock()
			t.Fatalf("after the failover %d of %d chats were accepted: %v (offers %v)", len(log.accepted), chats, log.accepted, log.offers)
		}
	}
	t.Logf("every waiting chat accepted %s after the kill", time.Since(killed).Round(time.Millisecond))
	for _, v := range visitors { // once the agent joined, the holder committed the assignment
		waitFor(ctx, t, v, func(ev protocol.Event) bool {
			j, ok := ev.Body.(*protocol.Joined)
			return ok && j.Role == protocol.RoleAgent
		})
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, id := range ids {
		if log.offers[id] != 1 {
			t.Errorf("chat %s offered %d times after the failover", id, log.offers[id])
		}
		if strings.Contains(log.accepted[id], "+") {
			t.Errorf("chat %s accepted by %s", id, log.accepted[id])
		}
		rec, err := st.Chat(ctx, id)
		if err != nil || rec.State != string(protocol.StateActive) {
			t.Errorf("chat %s after the failover: %s %v", id, rec.State, err)
		}
		ps, err := st.Participants(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		owners := 0
		for _, p := range ps {
			if p.Role == store.ParticipantOwner {
				owners++
			}
		}
		if owners != 1 {
			t.Errorf("chat %s has %d owners", id, owners)
		}
	}
	if log.rerouted == 0 {
		t.Error("the dead leader's offers were not withdrawn")
	}
}

// TestClusterAgentMovesKeepsOffer: an offer shown to an agent on node C stands when the
// agent's app moves to node B (its connection to C drops, it connects to B): B shows it at
// once, and the agent accepts it there.
func TestClusterAgentMovesKeepsOffer(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // less than the offer's 30 s
	defer cancel()
	a, b, cn := c.nodes[0], c.nodes[1], c.nodes[2]
	hash, tokens := a.prepare(ctx)
	agent := cn.agent(ctx, tokens[0])
	v, chatID := request(ctx, t, a, hash, "moving agent")
	defer v.Drop()
	waitFor(ctx, t, agent, offerOf(chatID))
	agent.Drop()
	// The status set on C stands; the offer comes with the app's start or after it.
	agent, err := protoclient.Dial(ctx, b.ws()+"/ws/agent", protoclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Drop()
	if _, err := agent.Call(ctx, "", &protocol.AgentConnect{Token: tokens[0]}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, agent, func(ev protocol.Event) bool {
		if r, ok := ev.Body.(*protocol.AgentReady); ok {
			for _, o := range r.Offers {
				if o.Chat == chatID {
					return true
				}
			}
		}
		return offerOf(chatID)(ev)
	})
	if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatalf("the agent accepts on B the offer C showed: %v", err)
	}
	waitFor(ctx, t, v, func(ev protocol.Event) bool {
		j, ok := ev.Body.(*protocol.Joined)
		return ok && j.Role == protocol.RoleAgent
	})
}

// transferAcross starts three nodes with a chat held by node A, accepted by agent 1 on A, and
// has agent 1 hand it on to agent 2, whose app is connected only to node C; it returns once C
// shows agent 2 the transfer offer with the note and the visitor's question.
func transferAcross(ctx context.Context, t *testing.T) (v, first, second *protoclient.Client, chatID string, secondID int64, st *store.Store) {
	t.Helper()
	nodes, hash, tokens, st := threeNodes(ctx, t)
	a, cn := nodes[0], nodes[2]
	u, err := st.SessionUser(ctx, tokens[1])
	if err != nil {
		t.Fatal(err)
	}
	v, first, chatID = talking(ctx, t, a, a, hash, tokens[0], "before the transfer")
	second = cn.agent(ctx, tokens[1])
	t.Cleanup(second.Drop)
	// The engine learns of agent 2 on C, and of the status that takes chats, a moment after
	// the app's start.
	var refused error
	for {
		_, err := first.Call(ctx, chatID, &protocol.ChatTransfer{UserID: u.ID, Note: "billing"})
		var pe *protocol.Error
		if err == nil {
			break
		}
		if ctx.Err() != nil && refused != nil {
			t.Fatalf("agent 1 on A hands the chat on to agent 2 on C: refused until the end: %v", refused)
		}
		if !errors.As(err, &pe) || pe.Field != "user_id" || (pe.Code != protocol.CodeNotConnected && pe.Code != protocol.CodeConflict) {
			t.Fatalf("agent 1 on A hands the chat on to agent 2 on C: %v", err)
		}
		refused = err
		time.Sleep(50 * time.Millisecond)
	}
	waitFor(ctx, t, second, func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.Offer)
		if !ok || o.Chat != chatID {
			return false
		}
		if o.Transfer == nil || o.Transfer.Note != "billing" || o.Transfer.From.UserID == 0 || o.Question != "before the transfer" {
			t.Fatalf("the transfer offer on C: %+v (transfer %+v)", o, o.Transfer)
		}
		return true
	})
	return v, first, second, chatID, u.ID, st
}

// TestClusterTransferAcrossNodes: a chat held by node A, handled by agent 1 on A, is handed on
// to agent 2, whose app is connected only to node C: C shows agent 2 the transfer offer with
// who hands it on and the note, agent 2 accepts it on C and owns the chat, agent 1 hears of the
// handover, and the visitor and agent 2 talk both ways.
func TestClusterTransferAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, first, agent, chatID, secondID, st := transferAcross(ctx, t)
	if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatalf("agent 2 accepts on C: %v", err)
	}
	waitFor(ctx, t, agent, func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.ChatOpened)
		return ok && o.Chat.ID == chatID
	})
	waitFor(ctx, t, first, func(ev protocol.Event) bool {
		tr, ok := ev.Body.(*protocol.Transfer)
		return ok && tr.State == protocol.TransferAccepted && tr.ToUserID == secondID
	})
	if _, err := v.Call(ctx, chatID, &protocol.Send{Text: "after the transfer"}); err != nil {
		t.Fatal(err)
	}
	messageFrom(ctx, t, agent, "after the transfer")
	if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "from agent 2"}); err != nil {
		t.Fatalf("agent 2 on C writes into A's chat: %v", err)
	}
	messageFrom(ctx, t, v, "from agent 2")
	rec, err := st.Chat(ctx, chatID)
	if err != nil || rec.AgentID != secondID {
		t.Fatalf("the chat's owner: %d (want %d) %v", rec.AgentID, secondID, err)
	}
}

// TestClusterTransferDeclinedAcrossNodes: agent 2 declines on node C the transfer offer of a
// chat node A holds: agent 1 on A hears the transfer failed and keeps the chat, writing on.
func TestClusterTransferDeclinedAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, first, agent, chatID, _, _ := transferAcross(ctx, t)
	if _, err := agent.Call(ctx, chatID, &protocol.OfferDecline{}); err != nil {
		t.Fatalf("agent 2 declines on C: %v", err)
	}
	waitFor(ctx, t, first, func(ev protocol.Event) bool {
		tr, ok := ev.Body.(*protocol.Transfer)
		return ok && tr.State == protocol.TransferFailed && tr.Reason == "declined"
	})
	if _, err := first.Call(ctx, chatID, &protocol.Send{Text: "still mine"}); err != nil {
		t.Fatalf("agent 1 writes on after the decline: %v", err)
	}
	messageFrom(ctx, t, v, "still mine")
}

// TestClusterStaleDecisionFenced: another node took the routing leadership over in the
// database (the term in cluster_leader was raised), and the holder of a chat has not heard of
// the new leader yet: an assignment the deposed leader still sends under the old term, which
// the holder admits, writes nothing; the chat stays queued, and the node counts it fenced.
func TestClusterStaleDecisionFenced(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a := c.nodes[0]
	hash, _ := a.prepare(ctx)
	st := a.store(ctx)
	defer st.Close()
	tenants, err := st.Tenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, err := st.Users(ctx, tenants[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var agent int64
	for _, u := range users {
		if u.Role == store.RoleAgent && u.Active {
			agent = u.ID
			break
		}
	}
	// No agent is connected: no leader assigns the chat of its own accord.
	v, chat := request(ctx, t, a, hash, "fenced")
	defer v.Drop()
	term, _, err := st.LeaderTerm(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Node A heard of term: the queue answered its request under it.
	nc, err := nats.Connect(c.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	db, err := sql.Open("pgx", c.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stale := fmt.Sprintf(`{"term":%d,"seq":1,"ds":[{"t":"Assigned","b":{"Chat":%q,"Agent":%d}}]}`, term, chat, agent)
	if _, err := db.ExecContext(ctx, `UPDATE cluster_leader SET term = term + 1 WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	// Sent at once, before the leader notices (it checks its term every 500 ms) and a new one
	// opens a term the nodes hear of.
	if err := nc.Publish(c.Subject+".acd.dec", []byte(stale)); err != nil {
		t.Fatal(err)
	}
	a.until(ctx, 50*time.Millisecond, func() (bool, string) {
		n, _ := metric(a.addr, `parley_cluster_routing_total{kind="decisions_fenced"}`)
		refused, _ := metric(a.addr, `parley_cluster_routing_total{kind="decisions_refused"}`)
		rec, err := st.Chat(ctx, chat)
		if err == nil && (rec.State != string(protocol.StateQueued) || rec.AgentID != 0) {
			t.Fatalf("the deposed term %d's assignment was written: state %s, agent %d", term, rec.State, rec.AgentID)
		}
		return n == 1, fmt.Sprintf("%v decisions fenced, %v refused, chat %s (%v)", n, refused, rec.State, err)
	})
	if err := st.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if rec, err := st.Chat(ctx, chat); err != nil || rec.State != string(protocol.StateQueued) || rec.AgentID != 0 {
		t.Fatalf("after the deposed term's assignment: state %s, agent %d (%v)", rec.State, rec.AgentID, err)
	}
}
