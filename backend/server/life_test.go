package server_test

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// nodeID reads the registry id of a running node.
func nodeID(ctx context.Context, t *testing.T, st *store.Store, node *crashServer) string {
	t.Helper()
	ids := nodeIDs(ctx, t, st, node)
	if len(ids) == 0 {
		t.Fatalf("no registry row for the node at %s", node.addr)
	}
	return ids[0]
}

// nodeIDs returns the ids of every registry row of the node at node's address.
func nodeIDs(ctx context.Context, t *testing.T, st *store.Store, node *crashServer) []string {
	t.Helper()
	live, err := st.LiveNodes(ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, n := range live {
		if strings.HasSuffix(n.Addr, " "+node.addr) {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// TestClusterKilledHoldersChatMovesAtOnce: node A holds a visitor's chat and is killed (kill
// -9). As soon as PostgreSQL has released A's life lock (A's heartbeat still fresh), the
// visitor's first resume on B takes the chat over, without a busy answer, and it goes on.
func TestClusterKilledHoldersChatMovesAtOnce(t *testing.T) {
	t.Parallel()
	_, nodes, ctx := servertest.StartCluster(t, 2, time.Minute, clusterNode(t))
	a, b := nodes[0], nodes[1]
	hash, _ := a.prepare(ctx)
	st := b.store(ctx)
	defer st.Close()
	idA := nodeID(ctx, t, st, a)
	v := a.visitor(ctx, hash)
	chatID, tok := openChat(ctx, t, v, "at once")
	if _, err := v.CallID(ctx, "v1", chatID, &protocol.Send{Text: "v1"}); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	a.kill()
	v.Drop()
	b.until(ctx, 20*time.Millisecond, func() (bool, string) {
		gone, err := st.NodeGone(ctx, idA)
		return err == nil && gone, "A's life lock is still held"
	})
	live, err := st.LiveNodes(ctx, time.Now().Add(-10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	fresh := false
	for _, n := range live {
		fresh = fresh || n.ID == idA
	}
	v, err = resumeOn(ctx, t, b, hash, chatID, tok, 0)
	if err != nil {
		t.Fatalf("the visitor's first resume on B after A's lock was freed (A's heartbeat fresh: %v): %v", fresh, err)
	}
	defer v.Drop()
	t.Logf("the visitor resumed on B %s after A was killed", time.Since(killed).Round(10*time.Millisecond))
	if _, err := v.CallID(ctx, "v2", chatID, &protocol.Send{Text: "v2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.CallID(ctx, "v1", chatID, &protocol.Send{Text: "v1"}); err != nil {
		t.Fatal(err)
	}
	storedOnce(ctx, t, st, chatID, "v1", "v2")
}

// TestClusterNodeWithoutItsSessionComesBack: a node whose PostgreSQL session with its life lock
// ends (here terminated by an administrator, as a database restart would) stops acting as the
// holder of its chats at once but does not end: its /readyz fails, then, with a new lock as a
// new node, it serves again. The visitor of the chat it held resumes on it, with every
// acknowledged line stored once; the chat has one holder, the node's new self, which a
// second visitor connection on B follows.
func TestClusterNodeWithoutItsSessionComesBack(t *testing.T) {
	t.Parallel()
	c, nodes, ctx := servertest.StartCluster(t, 2, time.Minute, clusterNode(t))
	a := nodes[0]
	hash, _ := a.prepare(ctx)
	st := a.store(ctx)
	defer st.Close()
	idA := nodeID(ctx, t, st, a)
	v := a.visitor(ctx, hash)
	chatID, tok := openChat(ctx, t, v, "comes back")
	if _, err := v.CallID(ctx, "v1", chatID, &protocol.Send{Text: "v1"}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", c.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	terminateLife(ctx, t, db, idA)
	ended := time.Now()
	a.until(ctx, 10*time.Millisecond, func() (bool, string) {
		return readyStatus(a.addr) != http.StatusOK, "A's /readyz still passes without its life lock"
	})
	// Passing again at its address proves the process did not end.
	a.until(ctx, 50*time.Millisecond, func() (bool, string) {
		return readyStatus(a.addr) == http.StatusOK, "A's /readyz does not pass again"
	})
	t.Logf("A was ready again as a new node %s after its life lock's session ended", time.Since(ended).Round(10*time.Millisecond))
	v.Drop()
	idA2 := nodeID(ctx, t, st, a)
	if idA2 == idA {
		t.Fatalf("A serves again as node %s, the id whose lock it lost", idA)
	}
	v, err = resumeOn(ctx, t, a, hash, chatID, tok, 20*time.Second)
	if err != nil {
		t.Fatalf("the visitor's resume on A after it came back: %v\n%s", err, a.logs.String())
	}
	defer v.Drop()
	if _, err := v.CallID(ctx, "v2", chatID, &protocol.Send{Text: "v2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.CallID(ctx, "v1", chatID, &protocol.Send{Text: "v1"}); err != nil {
		t.Fatal(err)
	}
	storedOnce(ctx, t, st, chatID, "v1", "v2")
	// A visitor connection on B follows the chat where A holds it; B does not take it.
	vb, err := resumeOn(ctx, t, nodes[1], hash, chatID, tok, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer vb.Drop()
	if _, err := vb.CallID(ctx, "v3", chatID, &protocol.Send{Text: "v3"}); err != nil {
		t.Fatal(err)
	}
	storedOnce(ctx, t, st, chatID, "v1", "v2", "v3")
	if holder, err := st.ChatHolder(ctx, chatID); err != nil || holder != idA2 {
		t.Fatalf("chat %s is held by %q (%v), not by A's new node %s", chatID, holder, err, idA2)
	}
	// A second loss, of the new node's session, goes the same way.
	terminateLife(ctx, t, db, idA2)
	a.until(ctx, 10*time.Millisecond, func() (bool, string) {
		return readyStatus(a.addr) != http.StatusOK, "A's /readyz still passes without its second life lock"
	})
	a.until(ctx, 50*time.Millisecond, func() (bool, string) {
		return readyStatus(a.addr) == http.StatusOK, "A's /readyz does not pass again after the second loss"
	})
	v.Drop()
	v, err = resumeOn(ctx, t, a, hash, chatID, tok, 20*time.Second)
	if err != nil {
		t.Fatalf("the visitor's resume on A after its second loss: %v", err)
	}
	defer v.Drop()
	if _, err := v.CallID(ctx, "v4", chatID, &protocol.Send{Text: "v4"}); err != nil {
		t.Fatal(err)
	}
	storedOnce(ctx, t, st, chatID, "v1", "v2", "v3", "v4")
}

// terminateLife ends the PostgreSQL session that holds node's life lock, as an administrator
// would (pg_terminate_backend).
func terminateLife(ctx context.Context, t *testing.T, db *sql.DB, node string) {
	t.Helper()
	// The life lock's key: the class "prln" and the FNV-1a hash of the node's id, as PostgreSQL
	// shows two-part advisory keys in pg_locks (classid, objid, objsubid 2).
	var ended int
	err := db.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l
 WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.classid = $1 AND l.objid = $2 AND l.granted`,
		int64(0x70726c6e), int64(fnv32a(node))).Scan(&ended)
	if err != nil || ended != 1 {
		t.Fatalf("terminate the lock session of node %s: %d sessions, %v", node, ended, err)
	}
}

// readyStatus is a node's /readyz status, 0 when it does not answer.
func readyStatus(addr string) int {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// fnv32a is FNV-1a of s, as the life lock's key.
func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// TestClusterNodeRidesThroughDatabaseOutage: node A reaches PostgreSQL through a proxy, which
// is cut (every connection closed, new ones refused) as a database restart would: A stops
// acting as the holder of its chat and answers 503, the chat's visitor resumes on B, which
// takes the chat over, and once the proxy lets A through again A serves as a new node
// without having ended; the chat keeps its one holder, B, which a visitor connection on A
// follows. Every acknowledged line is stored once.
func TestClusterNodeRidesThroughDatabaseOutage(t *testing.T) {
	t.Parallel()
	c, nodes, ctx := servertest.StartCluster(t, 1, 2*time.Minute, clusterNode(t))
	b := nodes[0]
	hash, _ := b.prepare(ctx)
	st := b.store(ctx)
	defer st.Close()
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startPGProxy(t, u.Host)
	u.Host = proxy.addr
	viaProxy := c
	viaProxy.DatabaseURL = u.String()
	a := clusterNode(t)(viaProxy)
	idA := nodeID(ctx, t, st, a)
	idB := nodeID(ctx, t, st, b)
	v := a.visitor(ctx, hash)
	chatID, tok := openChat(ctx, t, v, "outage")
	if _, err := v.CallID(ctx, "v1", chatID, &protocol.Send{Text: "v1"}); err != nil {
		t.Fatal(err)
	}
	proxy.cut()
	a.until(ctx, 10*time.Millisecond, func() (bool, string) {
		return readyStatus(a.addr) != http.StatusOK, "A's /readyz still passes without its database"
	})
	v.Drop()
	v, err = resumeOn(ctx, t, b, hash, chatID, tok, 30*time.Second)
	if err != nil {
		t.Fatalf("the visitor's resume on B while A has no database: %v", err)
	}
	defer v.Drop()
	if _, err := v.CallID(ctx, "v2", chatID, &protocol.Send{Text: "v2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.CallID(ctx, "v1", chatID, &protocol.Send{Text: "v1"}); err != nil {
		t.Fatal(err)
	}
	if readyStatus(a.addr) == http.StatusOK {
		t.Fatal("A is ready without its database")
	}
	proxy.restore()
	// Passing again at its address proves the process did not end.
	a.until(ctx, 50*time.Millisecond, func() (bool, string) {
		return readyStatus(a.addr) == http.StatusOK, "A's /readyz does not pass again"
	})
	// A registers again under a new id; the row of the id whose lock it lost may linger a
	// while beside it (the registry keeps a row until it is cleaned up).
	a.until(ctx, 50*time.Millisecond, func() (bool, string) {
		return slices.ContainsFunc(nodeIDs(ctx, t, st, a), func(id string) bool { return id != idA }),
			"A serves again only as node " + idA + ", the id whose lock it lost"
	})
	// Finding its lock lost, A stops serving until it has joined again under the new id.
	a.until(ctx, 50*time.Millisecond, func() (bool, string) {
		return readyStatus(a.addr) == http.StatusOK, "A's /readyz does not pass under its new id"
	})
	va, err := resumeOn(ctx, t, a, hash, chatID, tok, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer va.Drop()
	if _, err := va.CallID(ctx, "v3", chatID, &protocol.Send{Text: "v3"}); err != nil {
		t.Fatal(err)
	}
	messageFrom(ctx, t, v, "v3")
	storedOnce(ctx, t, st, chatID, "v1", "v2", "v3")
	if holder, err := st.ChatHolder(ctx, chatID); err != nil || holder != idB {
		t.Fatalf("chat %s is held by %q (%v), not by B %s", chatID, holder, err, idB)
	}
}

// pgProxy passes TCP connections to PostgreSQL until cut, which closes them all and refuses
// new ones until restore.
type pgProxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func startPGProxy(t *testing.T, target string) *pgProxy {
	p := &pgProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	p.listen("127.0.0.1:0")
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.cut)
	return p
}

func (p *pgProxy) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			if p.ln != ln {
				p.mu.Unlock()
				in.Close()
				out.Close()
				return
			}
			p.conns[in], p.conns[out] = true, true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close(); in.Close() }()
			go func() { _, _ = io.Copy(in, out); out.Close(); in.Close() }()
		}
	}()
}

// cut closes every connection and stops accepting.
func (p *pgProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for conn := range p.conns {
		conn.Close()
	}
	clear(p.conns)
}

// restore accepts again on the same address.
func (p *pgProxy) restore() { p.listen(p.addr) }

// deadAgentsChat starts three nodes with a reconnect window of window: a visitor's chat on
// node A is accepted by the first agent, on node C, then C is killed (kill -9). C is the node
// that leads routing when leaderDies, else another. It returns the context of the test's
// steps, node B, the visitor, the chat, the agents' session tokens and the store.
func deadAgentsChat(t *testing.T, window time.Duration, leaderDies bool) (ctx context.Context, b *crashServer, v *protoclient.Client, chatID string, tokens []string, st *store.Store) {
	t.Helper()
	_, nodes, ctx := servertest.StartCluster(t, 3, time.Minute, clusterNode(t, "PARLEY_RECONNECT_WINDOW="+window.String(), "PARLEY_AGENT_WARNING=1s"))
	lead := -1
	nodes[0].until(ctx, 50*time.Millisecond, func() (bool, string) {
		var n int
		lead, _, n = (&testCluster{nodes: nodes}).leader(func(int) bool { return true })
		return n == 1, "no node leads"
	})
	c := (lead + 1) % 3
	if leaderDies {
		c = lead
	}
	a, b, cn := nodes[(c+1)%3], nodes[(c+2)%3], nodes[c]
	hash, tokens := a.prepare(ctx)
	st = a.store(ctx)
	t.Cleanup(func() { _ = st.Close() })
	agent := cn.agent(ctx, tokens[0])
	v = a.visitor(ctx, hash)
	t.Cleanup(v.Drop)
	chatID, _ = acceptedChat(ctx, t, v, agent, "dead agent")
	t.Cleanup(func() {
		if t.Failed() {
			evs, _ := st.EventsAfter(context.Background(), chatID, 0, 0)
			for _, ev := range evs {
				t.Logf("event %d %s %s", ev.Seq, ev.Type, ev.Data)
			}
			t.Logf("A:\n%s\nB:\n%s", a.logs.String(), b.logs.String())
		}
	})
	waitFor(ctx, t, v, func(ev protocol.Event) bool {
		j, ok := ev.Body.(*protocol.Joined)
		return ok && j.Role == protocol.RoleAgent
	})
	cn.kill()
	agent.Drop()
	return ctx, b, v, chatID, tokens, st
}

// TestClusterDeadAgentsChatGoesToAnother: the agent of a chat node A holds is connected only
// to node C, which is killed (kill -9): no node that knew the agent lives to start their
// reconnect window, so the cluster does; when it ends, the chat is offered to a second agent,
// on node B, once, who accepts it and talks with the visitor.
func TestClusterDeadAgentsChatGoesToAnother(t *testing.T) {
	t.Parallel()
	deadAgentsChatGoesToAnother(t, false)
}

// TestClusterDeadLeadersAgentsChatGoesToAnother: as TestClusterDeadAgentsChatGoesToAnother,
// with the dead agent's node the routing leader: the next leader restores the chat with its
// owner connected to no node, and gives them the reconnect window.
func TestClusterDeadLeadersAgentsChatGoesToAnother(t *testing.T) {
	t.Parallel()
	deadAgentsChatGoesToAnother(t, true)
}

// deadAgentsChatGoesToAnother kills the only node of a chat's agent (the leader when
// leaderDies) and checks that the chat goes to a second agent, on node B, once the agent's
// reconnect window ended.
func deadAgentsChatGoesToAnother(t *testing.T, leaderDies bool) {
	ctx, b, v, chatID, tokens, st := deadAgentsChat(t, 3*time.Second, leaderDies)
	second := b.agent(ctx, tokens[1])
	defer second.Drop()
	waitFor(ctx, t, second, offerOf(chatID))
	if _, err := second.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatalf("the second agent accepts the dead agent's chat: %v", err)
	}
	waitFor(ctx, t, second, func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.ChatOpened)
		return ok && o.Chat.ID == chatID
	})
	u, err := st.SessionUser(ctx, tokens[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Call(ctx, chatID, &protocol.Send{Text: "taken on"}); err != nil {
		t.Fatal(err)
	}
	messageFrom(ctx, t, v, "taken on")
	noOffer(ctx, t, second, chatID) // offered once
	if rec, err := st.Chat(ctx, chatID); err != nil || rec.AgentID != u.ID {
		t.Fatalf("the chat's owner is %d (%v), not the second agent %d", rec.AgentID, err, u.ID)
	}
}

// TestClusterDeadAgentComesBackInTime: the agent of a chat node A holds is connected only to
// node C, which is killed (kill -9); the agent's app comes back on node B within the reconnect
// window: past the window they still own the chat and write in it, and it was offered to
// nobody else.
func TestClusterDeadAgentComesBackInTime(t *testing.T) {
	t.Parallel()
	const window = 3 * time.Second
	ctx, b, v, chatID, tokens, st := deadAgentsChat(t, window, false)
	first := b.agent(ctx, tokens[0])
	defer first.Drop()
	if _, err := first.Call(ctx, chatID, &protocol.Resume{}); err != nil {
		t.Fatalf("the agent resumes the chat on B: %v", err)
	}
	second := b.agent(ctx, tokens[1])
	defer second.Drop()
	time.Sleep(2*window + 2*time.Second) // past the window, however late it started
	if _, err := first.Call(ctx, chatID, &protocol.Send{Text: "still mine"}); err != nil {
		t.Fatalf("the agent who came back writes past the window: %v", err)
	}
	messageFrom(ctx, t, v, "still mine")
	u, err := st.SessionUser(ctx, tokens[0])
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := st.Chat(ctx, chatID); err != nil || rec.AgentID != u.ID || rec.State != string(protocol.StateActive) {
		t.Fatalf("the chat after the window: owner %d (want %d), %s, %v", rec.AgentID, u.ID, rec.State, err)
	}
	noOffer(ctx, t, second, chatID)
}

// noOffer fails the test when agent was offered chatID in what the nodes sent it so far.
func noOffer(ctx context.Context, t *testing.T, agent *protoclient.Client, chatID string) {
	t.Helper()
	// Whatever the nodes sent the agent came before the answer to their command.
	if _, err := agent.Call(ctx, "", &protocol.Activity{}); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case ev := <-agent.Events():
			if offerOf(chatID)(ev) {
				t.Fatalf("chat %s was offered to the agent", chatID)
			}
			continue
		default:
		}
		return
	}
}
