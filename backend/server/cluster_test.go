package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/natsbus"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// testCluster is n server processes (this test binary serving, like the crash tests) on one
// PostgreSQL database and NATS, under subjects of their own (servertest.Cluster).
type testCluster struct {
	servertest.Cluster
	t     *testing.T
	start func(servertest.Cluster) *crashServer
	nodes []*crashServer
}

// startCluster starts n nodes, one after the other (the first seeds), with env added to each
// one's environment. Their database is a copy of one already at the schema
// (servertest.StartCluster), as the package's other servers get: the migrations are tested in
// the store package.
func startCluster(t *testing.T, n int, env ...string) *testCluster {
	t.Helper()
	c := &testCluster{t: t, start: clusterNode(t, env...)}
	c.Cluster, c.nodes, _ = servertest.StartCluster(t, n, time.Hour, c.start)
	return c
}

// clusterNode starts a node of a test cluster (servertest.StartCluster): this test binary
// serving, with env added to its environment.
func clusterNode(t *testing.T, env ...string) func(servertest.Cluster) *crashServer {
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return func(c servertest.Cluster) *crashServer {
		t.Helper()
		srv := &crashServer{t: t, bin: bin, dir: t.TempDir(), dbURL: c.DatabaseURL, env: append(c.Env(), env...)}
		srv.start()
		return srv
	}
}

// add starts one more node.
func (c *testCluster) add() *crashServer {
	c.t.Helper()
	srv := c.start(c.Cluster)
	c.nodes = append(c.nodes, srv)
	return srv
}

// metric reads one unlabelled figure of a node's /metrics; ok is false when the node does not
// answer or has no such line.
func metric(addr, name string) (float64, bool) {
	cl := http.Client{Timeout: time.Second}
	resp, err := cl.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var v float64
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
			if _, err := fmt.Sscan(f[1], &v); err == nil {
				return v, true
			}
		}
	}
	return 0, false
}

// leader reads every live node's leadership: the index of the node that leads under the
// highest term (-1 for none), that term, and how many nodes lead under it.
func (c *testCluster) leader(alive func(int) bool) (idx int, term float64, count int) {
	idx = -1
	type st struct{ lead, term float64 }
	seen := map[int]st{}
	for i, n := range c.nodes {
		if !alive(i) {
			continue
		}
		l, ok1 := metric(n.addr, "parley_cluster_leader")
		tm, ok2 := metric(n.addr, "parley_cluster_term")
		if ok1 && ok2 {
			seen[i] = st{l, tm}
			if l == 1 && tm > term {
				term = tm
			}
		}
	}
	for i, s := range seen {
		if s.lead == 1 && s.term == term {
			idx = i
			count++
		}
	}
	return idx, term, count
}

// TestClusterLeaderFailover runs three nodes: exactly one leads routing; a node without NATS
// refuses the database, saying why; kill -9 of the leader → another node leads within 5 s,
// under a higher term, and the cluster keeps serving chats.
func TestClusterLeaderFailover(t *testing.T) {
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
		if n > 1 {
			t.Fatalf("%d nodes lead under term %v", n, term)
		}
		return n == 1, "no node leads"
	})
	// /readyz names each node's part.
	for i, n := range c.nodes {
		body := readyz(t, n.addr)
		if leads := strings.Contains(body, "routing leader (term"); leads != (i == lead) || !strings.Contains(body, "cluster node") {
			t.Errorf("node %d (leader: node %d): /readyz says %q", i, lead, body)
		}
	}
	// Each node reports its NATS round trip.
	for i, n := range c.nodes {
		if rtt, ok := metric(n.addr, "parley_cluster_nats_rtt_seconds"); !ok || rtt <= 0 {
			t.Errorf("node %d: NATS round trip %v (reported %v)", i, rtt, ok)
		}
	}

	// A single-process node on the cluster's database stops with an error that says what to do.
	cmd := exec.Command(c.nodes[0].bin)
	cmd.Env = append(os.Environ(), serveEnv+"=1", "PARLEY_ADDR=127.0.0.1:0", "PARLEY_DATA="+t.TempDir(), "DATABASE_URL="+c.DatabaseURL, "PARLEY_WEB="+t.TempDir())
	out, err := runWithin(cmd, time.Minute)
	if err == nil || !strings.Contains(out, "in cluster mode") || !strings.Contains(out, "PARLEY_NATS_URL") {
		t.Fatalf("a node without NATS on the cluster's database: %v\n%s", err, out)
	}

	c.nodes[lead].kill()
	killed := time.Now()
	alive := func(i int) bool { return i != lead }
	var next int
	var n int
	for {
		var term2 float64
		next, term2, n = c.leader(alive)
		if n > 1 {
			t.Fatalf("%d nodes lead under term %v", n, term2)
		}
		if n == 1 && term2 > term {
			break
		}
		if time.Since(killed) > 5*time.Second {
			t.Fatalf("no node leads 5 s after the leader (node %d) was killed", lead)
		}
		time.Sleep(20 * time.Millisecond)
	}
	failover := time.Since(killed)
	t.Logf("node %d leads %s after node %d was killed", next, failover.Round(time.Millisecond), lead)
	report("failover_s %.3f\n", failover.Seconds())

	// The surviving nodes serve chats: a visitor's request is offered to an agent and the two
	// talk both ways.
	srv := c.nodes[next]
	hash, tokens := srv.prepare(ctx)
	agent := srv.agent(ctx, tokens[0])
	defer agent.Close()
	v := srv.visitor(ctx, hash)
	defer v.Close()
	ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: "after failover"})
	if err != nil {
		t.Fatal(err)
	}
	chatID := ack.Body.(*protocol.Ack).Chat
	waitFor(ctx, t, agent, func(ev protocol.Event) bool { o, ok := ev.Body.(*protocol.Offer); return ok && o.Chat == chatID })
	if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Call(ctx, chatID, &protocol.Send{Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, agent, func(ev protocol.Event) bool { m, ok := ev.Body.(*protocol.Message); return ok && m.Text == "hello" })
}

// TestClusterSettingsReachEveryNode saves a connector on the cluster's database from outside
// the nodes (as another node's admin page does, publishing on NATS): a visitor page open on a
// node gets the connector's new configuration, which without NATS between the nodes it never
// would.
func TestClusterSettingsReachEveryNode(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hash, _ := c.nodes[1].prepare(ctx)
	v := c.nodes[1].visitor(ctx, hash)
	defer v.Close()

	// The "other node": a store that publishes its settings writes on the cluster's NATS.
	nc, err := nats.Connect(c.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	local := changes.NewLocal()
	defer local.Close()
	bus, err := natsbus.New(nc, local, natsbus.Options{Node: "admin-node", Prefix: c.Subject})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: c.DatabaseURL, Changes: bus})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tenants, err := st.Tenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conns, err := st.Connectors(ctx, tenants[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var conn store.Connector
	for _, cn := range conns {
		if cn.Hash == hash {
			conn = cn
		}
	}
	conn.Name += " (renamed)"
	if _, err := st.UpdateConnector(ctx, conn); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, v, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Config); return ok })
}

// TestClusterJoiningNodeLeavesOpenChats starts a node beside a running one that holds a
// waiting chat: the new node's agent is offered that chat once (by the one engine, not a
// second one on the new node), and the new node does not close it when its reconnect window
// passes (its visitor is connected to the first node).
func TestClusterJoiningNodeLeavesOpenChats(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1, "PARLEY_RECONNECT_WINDOW=2s", "PARLEY_AGENT_WARNING=500ms")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	first := c.nodes[0]
	hash, tokens := first.prepare(ctx)
	v := first.visitor(ctx, hash)
	defer v.Close()
	ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: "held by the first node"})
	if err != nil {
		t.Fatal(err)
	}
	chatID := ack.Body.(*protocol.Ack).Chat
	second := c.add()
	agent := second.agent(ctx, tokens[0])
	defer agent.Close()
	quiet, stop := context.WithTimeout(ctx, 4*time.Second) // twice the reconnect window
	defer stop()
	offers := 0
	for {
		ev, err := agent.Next(quiet)
		if err != nil {
			break
		}
		if o, ok := ev.Body.(*protocol.Offer); ok && o.Chat == chatID {
			offers++
		}
	}
	if offers != 1 {
		t.Fatalf("the first node's waiting chat was offered %d times to the joining node's agent", offers)
	}
	st := first.store(ctx)
	defer st.Close()
	rec, err := st.Chat(ctx, chatID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State == string(protocol.StateClosed) {
		t.Fatal("the joining node closed the first node's chat, whose visitor is connected there")
	}
}

// readyz returns a node's /readyz answer, failing unless it is 200.
func readyz(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz of %s: %d %s %v", addr, resp.StatusCode, b, err)
	}
	return string(b)
}

// waitFor reads c's events until want accepts one, failing when ctx ends first.
func waitFor(ctx context.Context, t *testing.T, c *protoclient.Client, want func(protocol.Event) bool) {
	t.Helper()
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for an event: %v", err)
		}
		if want(ev) {
			return
		}
	}
}

// runWithin runs cmd to its end, killing it after d, and returns its output.
func runWithin(cmd *exec.Cmd, d time.Duration) (string, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		return out.String(), io.ErrUnexpectedEOF
	}
}

// TestClusterNodeKillLosesNothing kills a cluster node with SIGKILL in the middle of writing,
// three times, beside another running node, and restarts it in its place: it takes back the
// chats no running node holds, its visitors resume there, every acknowledged message is stored
// once and no chat's numbering has a hole.
func TestClusterNodeKillLosesNothing(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	lost, duplicated := killNineLosesNothing(t, c.nodes[0])
	report("cluster_lost %d\ncluster_duplicated %d\n", lost, duplicated)
}

// report prints figures for make bench-cluster (CLUSTER_REPORT=1), one "name value" a line.
func report(format string, args ...any) {
	if os.Getenv("CLUSTER_REPORT") != "" {
		fmt.Printf(format, args...)
	}
}

// resumeOn connects a visitor to node and resumes chatID there, again while the node answers
// busy (the chat's dead holder still looks live, or another node holds it), for at most
// within; it returns the client and the last error.
func resumeOn(ctx context.Context, t *testing.T, node *crashServer, hash, chatID, tok string, within time.Duration) (*protoclient.Client, error) {
	t.Helper()
	v := node.visitor(ctx, hash)
	end := time.Now().Add(within)
	for {
		_, err := v.Call(ctx, chatID, &protocol.Resume{Token: tok})
		if err == nil || !strings.Contains(err.Error(), "busy") || time.Now().After(end) {
			return v, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// messageFrom waits until c gets the line text.
func messageFrom(ctx context.Context, t *testing.T, c *protoclient.Client, text string) {
	t.Helper()
	waitFor(ctx, t, c, func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && m.Text == text
	})
}

// TestClusterDeadNodesChatMoves: a visitor on node A, its agent (who accepted there) moves to
// node B, and they chat both ways, B forwarding the agent's lines to A; then A is killed
// (kill -9): the visitor resumes on C, which takes the chat over (the claim in the database;
// a visitor on B then follows it there), and the chat goes on both ways with the agent still on B,
// whose lines now go to C. Every acknowledged line is stored once, numbered without holes.
func TestClusterDeadNodesChatMoves(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b, cn := c.nodes[0], c.nodes[1], c.nodes[2]
	hash, tokens := a.prepare(ctx)
	v := a.visitor(ctx, hash)
	agent := a.agent(ctx, tokens[0])
	chatID, tok := acceptedChat(ctx, t, v, agent, "moves")
	l := &lines{ctx: ctx, t: t, chat: chatID}
	say := l.say
	say(v, "v1")
	messageFrom(ctx, t, agent, "v1")
	say(agent, "a1")
	messageFrom(ctx, t, v, "a1")
	// The agent's app reconnects to another node: it follows the chat there, and its lines
	// go to the node holding the chat.
	agent.Drop()
	agent = b.agent(ctx, tokens[0])
	defer agent.Drop()
	if _, err := agent.Call(ctx, chatID, &protocol.Resume{}); err != nil {
		t.Fatalf("the agent resumes on a node that does not hold the chat: %v", err)
	}
	say(v, "v2")
	messageFrom(ctx, t, agent, "v2")
	say(agent, "a2")
	messageFrom(ctx, t, v, "a2")
	killed := time.Now()
	a.kill()
	v.Drop()

	// The visitor comes back on C, which takes the chat over once A is known dead.
	v, err := resumeOn(ctx, t, cn, hash, chatID, tok, 20*time.Second)
	if err != nil {
		t.Fatalf("the visitor resumes on C after A died: %v", err)
	}
	defer v.Drop()
	t.Logf("the visitor resumed on C %s after A was killed", time.Since(killed).Round(10*time.Millisecond))
	// A visitor connection on B, where the agent is, is served there: B follows the chat C
	// holds now, and does not take it over.
	other, err := resumeOn(ctx, t, b, hash, chatID, tok, 0)
	defer other.Drop()
	if err != nil {
		t.Fatalf("a visitor on B of the chat C holds: %v", err)
	}
	st := b.store(ctx)
	defer st.Close()
	say(v, "v3")
	t.Logf("the visitor's line on C was acknowledged %s after A was killed", time.Since(killed).Round(10*time.Millisecond))
	report("takeover_s %.1f\n", time.Since(killed).Seconds())
	messageFrom(ctx, t, agent, "v3")
	say(agent, "a3")
	messageFrom(ctx, t, v, "a3")

	storedOnce(ctx, t, st, chatID, l.acked...)
	rec, err := st.Chat(ctx, chatID)
	if err != nil || rec.State == string(protocol.StateClosed) {
		t.Fatalf("the chat after the takeover: %+v %v", rec.State, err)
	}
}

// TestClusterRollingRestart stops (SIGTERM) and, 1.5 s later, restarts each of three nodes in
// turn while visitors on all of them write: a visitor whose node stops resumes on another one
// (the next that does not answer busy), which takes its chat over (the stopped node removed
// its registry row), and sends its unanswered line again with the same id. Every
// acknowledged line is stored once, numbered without holes.
func TestClusterRollingRestart(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hash, _ := c.nodes[0].prepare(ctx)
	const visitors = 6
	type chatRef struct {
		id, token string
		acked     []string
	}
	chats := make([]*chatRef, visitors)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var moves, elsewhere atomic.Int64
	for i := range visitors {
		v := c.nodes[i%3].visitor(ctx, hash)
		ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: fmt.Sprint("R", i)})
		if err != nil {
			t.Fatal(err)
		}
		a := ack.Body.(*protocol.Ack)
		ref := &chatRef{id: a.Chat, token: a.Token}
		chats[i] = ref
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := i % 3
			for k := 0; ; {
				select {
				case <-stop:
					v.Drop()
					return
				default:
				}
				id := fmt.Sprintf("m%d", k)
				_, err := v.CallID(ctx, id, ref.id, &protocol.Send{Text: id})
				if err == nil {
					ref.acked = append(ref.acked, id)
					k++
					time.Sleep(20 * time.Millisecond) // light load
					continue
				}
				// The node went (or answers busy): resume on the next one that takes the chat,
				// then send the same line again.
				v.Drop()
				from := at
				deadline := time.Now().Add(30 * time.Second)
				for {
					at = (at + 1) % 3
					cl, err := protoclient.Dial(ctx, c.nodes[at].ws()+"/ws/visitor", protoclient.Options{})
					if err == nil {
						if _, err = cl.Call(ctx, "", &protocol.VisitorConnect{Connector: hash}); err == nil {
							_, err = cl.Call(ctx, ref.id, &protocol.Resume{Token: ref.token})
						}
						if err == nil {
							v = cl
							moves.Add(1)
							if at != from {
								elsewhere.Add(1)
							}
							t.Logf("chat %s resumed on node %d", ref.id, at)
							break
						}
						cl.Drop()
					}
					if time.Now().After(deadline) {
						t.Errorf("chat %s: no node took the visitor back within 30 s: %v", ref.id, err)
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
	time.Sleep(time.Second)
	for i, n := range c.nodes {
		n.stop()

		// Down for a while, as a node being upgraded: its visitors move to the others.
		time.Sleep(1500 * time.Millisecond)
		n.start()
		t.Logf("node %d restarted", i)
		time.Sleep(time.Second)
	}
	close(stop)
	wg.Wait()
	st := c.nodes[0].store(ctx)
	defer st.Close()
	lost, duplicated, total := 0, 0, 0
	for _, ref := range chats {
		msgs, err := st.Messages(ctx, ref.id, 0)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, m := range msgs {
			count[m.ClientID]++
		}
		for _, id := range ref.acked {
			if count[id] == 0 {
				lost++
			}
		}
		for id, n := range count {
			if n > 1 && id != "" { // system lines have no command id
				duplicated += n - 1
				t.Errorf("chat %s: %s stored %d times", ref.id, id, n)
			}
		}
		total += len(ref.acked)
		checkNumbering(t, st, ref.id)
	}
	t.Logf("%d lines acknowledged, %d resumes, %d on another node than the stopped one", total, moves.Load(), elsewhere.Load())
	if elsewhere.Load() == 0 {
		t.Error("no chat moved to another node while its node was down")
	}
	if lost+duplicated > 0 {
		t.Fatalf("rolling restart: %d acknowledged lines lost, %d stored more than once", lost, duplicated)
	}
	report("cluster_rolling_lost %d\ncluster_rolling_duplicated %d\n", lost, duplicated)
}
