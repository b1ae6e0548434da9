package cluster_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/backend/cluster"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
)

func open(t *testing.T, url string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{DatabaseURL: url, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func start(t *testing.T, st *store.Store, clustered bool) *cluster.Node {
	t.Helper()
	n, err := cluster.Start(context.Background(), st, cluster.Config{Logger: slog.New(slog.DiscardHandler), Addr: "test", Clustered: clustered, Heartbeat: 100 * time.Millisecond, ElectEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	return n
}

// leaders lists the nodes that lead under the highest term any node holds. A deposed leader
// may still believe it leads under an older term until its next check; its decisions are
// refused (CheckTerm), so it does not count.
func leaders(nodes []*cluster.Node) (lead []*cluster.Node, term int64) {
	for _, n := range nodes {
		if ok, t := n.Leader(); ok && t > term {
			term = t
		}
	}
	for _, n := range nodes {
		if ok, t := n.Leader(); ok && t == term {
			lead = append(lead, n)
		}
	}
	return lead, term
}

// waitLeader waits for exactly one leader among nodes, checking meanwhile that there is never
// more than one.
func waitLeader(t *testing.T, nodes []*cluster.Node, within time.Duration) (*cluster.Node, int64) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		lead, term := leaders(nodes)
		if len(lead) > 1 {
			t.Fatalf("%d leaders at once", len(lead))
		}
		if len(lead) == 1 {
			return lead[0], term
		}
		if time.Now().After(deadline) {
			t.Fatalf("no leader within %s", within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOneLeaderTakesOverAndStaleTermRefused runs three nodes on one PostgreSQL database, each
// with its own store (its own pool, as separate processes have): one leads; when its lock's
// session is killed (what SIGKILL of its process does), another takes over within 5 s under a
// higher term, and the deposed leader's term is refused.
func TestOneLeaderTakesOverAndStaleTermRefused(t *testing.T) {
	url := pgtest.URL(t)
	var nodes []*cluster.Node
	for range 3 {
		nodes = append(nodes, start(t, open(t, url), true))
	}
	first, term1 := waitLeader(t, nodes, 5*time.Second)
	ctx := context.Background()
	if err := first.CheckTerm(ctx, term1); err != nil {
		t.Fatalf("the leader's own term is refused: %v", err)
	}
	// Stay a while: no second leader appears, the term does not move.
	for range 20 {
		if lead, term := leaders(nodes); len(lead) != 1 || term != term1 {
			t.Fatalf("leaders %d term %d, want one under %d", len(lead), term, term1)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Kill the leader's lock session (a one-part key; the nodes' life locks have two parts)
	// from outside, as the death of its process does.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var killed int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d lock sessions, want 1", killed)
	}
	took := time.Now()
	deadline := time.Now().Add(5 * time.Second)
	var term2 int64
	for {
		lead, term := leaders(nodes)
		if len(lead) > 1 {
			t.Fatalf("%d leaders at once", len(lead))
		}
		if len(lead) == 1 && term > term1 {
			term2 = term
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new leader within 5 s of the old one's death (leaders %d, term %d)", len(lead), term)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("new leader under term %d after %s", term2, time.Since(took).Round(time.Millisecond))
	// The deposed leader notices at its next check.
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if ok, term := first.Leader(); !ok || term == term2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the deposed leader still believes it leads under its old term")
		}
	}
	if err := nodes[1].CheckTerm(ctx, term1); !errors.Is(err, store.ErrStaleTerm) {
		t.Fatalf("a decision under the deposed term %d: %v, want ErrStaleTerm", term1, err)
	}
	if err := nodes[1].CheckTerm(ctx, term2); err != nil {
		t.Fatalf("the new term is refused: %v", err)
	}
}

// TestModesDoNotMix: a node without NATS refuses a database that a cluster node uses, and a
// cluster node one that a single node uses, with an error that says what to do; once the
// other node stopped, it starts.
func TestModesDoNotMix(t *testing.T) {
	url := pgtest.URL(t)
	st := open(t, url)
	clustered := start(t, st, true)
	_, err := cluster.Start(context.Background(), open(t, url), cluster.Config{Addr: "single"})
	if !errors.Is(err, cluster.ErrModeConflict) {
		t.Fatalf("single node beside a cluster: %v, want ErrModeConflict", err)
	}
	for _, want := range []string{"in cluster mode", "PARLEY_NATS_URL", clustered.ID()} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Another cluster node joins.
	start(t, open(t, url), true)
	clustered.Close(context.Background())

	url2 := pgtest.URL(t)
	single := start(t, open(t, url2), false)
	if ok, _ := single.Leader(); ok {
		t.Error("a single node took the cluster leadership")
	}
	_, err = cluster.Start(context.Background(), open(t, url2), cluster.Config{Addr: "c", Clustered: true})
	if !errors.Is(err, cluster.ErrModeConflict) || !strings.Contains(err.Error(), "without NATS") {
		t.Fatalf("cluster node beside a single one: %v, want ErrModeConflict saying so", err)
	}
	single.Close(context.Background())
	start(t, open(t, url2), true)
}

// TestProtocolsDoNotMix: a cluster node does not join live nodes of another cluster protocol
// (an older build, whose row reads protocol 0), and says what to do; once they are gone
// (their heartbeat stale) it starts.
func TestProtocolsDoNotMix(t *testing.T) {
	url := pgtest.URL(t)
	st := open(t, url)
	ctx := context.Background()
	now := time.Now()
	if err := st.RegisterNode(ctx, store.NodeRecord{ID: "old1", Addr: "old:1", Clustered: true, StartedAt: now, HeartbeatAt: now}); err != nil {
		t.Fatal(err)
	}
	_, err := cluster.Start(ctx, open(t, url), cluster.Config{Logger: slog.New(slog.DiscardHandler), Addr: "new", Clustered: true})
	if !errors.Is(err, cluster.ErrProtocolConflict) {
		t.Fatalf("a node beside one of protocol 0: %v, want ErrProtocolConflict", err)
	}
	for _, want := range []string{"old1 at old:1 (protocol 0)", "stop every node"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// The old node is killed: its heartbeat ages, and the new build starts.
	stale := now.Add(-time.Hour)
	if err := st.RegisterNode(ctx, store.NodeRecord{ID: "old1", Addr: "old:1", Clustered: true, StartedAt: stale, HeartbeatAt: stale}); err != nil {
		t.Fatal(err)
	}
	n := start(t, st, true)
	live, err := st.LiveNodes(ctx, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 1 || live[0].ID != n.ID() || live[0].Protocol != cluster.Protocol {
		t.Fatalf("live nodes %+v, want only the new node with protocol %d", live, cluster.Protocol)
	}
	// A second node of the same protocol joins (a rolling restart between builds of one protocol).
	start(t, open(t, url), true)
}

// TestLeaderWithStaleTermStepsDown raises the term behind the leader's back, as a takeover
// it did not see would: the leader finds its term stale at its next check, steps down and
// releases the lock, and a node (possibly itself, anew) leads under a newer term.
func TestLeaderWithStaleTermStepsDown(t *testing.T) {
	url := pgtest.URL(t)
	nodes := []*cluster.Node{start(t, open(t, url), true), start(t, open(t, url), true)}
	_, term1 := waitLeader(t, nodes, 5*time.Second)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var bumped int64
	if err := conn.QueryRow(ctx, `UPDATE cluster_leader SET term = term + 10 WHERE id = 1 RETURNING term`).Scan(&bumped); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].CheckTerm(ctx, term1); !errors.Is(err, store.ErrStaleTerm) {
		t.Fatalf("term %d after the raise to %d: %v, want ErrStaleTerm", term1, bumped, err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		lead, term := leaders(nodes)
		if len(lead) == 1 && term > bumped {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no leader under a term above %d (leaders %d, term %d)", bumped, len(lead), term)
		}
	}
	for _, n := range nodes {
		if ok, term := n.Leader(); ok && term <= bumped {
			t.Fatalf("a node still leads under the stale term %d", term)
		}
	}
}

// TestClaimChatOneWinner: nodes claiming one dead node's chat at once: exactly one wins; a
// live holder's claim stands against later claimers; once its heartbeat is stale, another
// node's claim wins.
func TestClaimChatOneWinner(t *testing.T) {
	url := pgtest.URL(t)
	st := open(t, url)
	ctx := context.Background()
	now := time.Now()
	stale := now.Add(-10 * time.Second)
	var nodes []string
	for range 8 {
		id := cluster.NewID()
		if err := st.RegisterNode(ctx, store.NodeRecord{ID: id, Addr: "claim test", Clustered: true, StartedAt: now, HeartbeatAt: now}); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, id)
	}
	chatID := "claim-" + cluster.NewID()
	won := make(chan string, len(nodes))
	errs := make(chan error, len(nodes))
	for _, id := range nodes {
		go func() {
			ok, err := st.ClaimChat(ctx, chatID, id, now, stale)
			if err != nil {
				errs <- err
				return
			}
			if ok {
				won <- id
			}
			errs <- nil
		}()
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(won)
	var winners []string
	for id := range won {
		winners = append(winners, id)
	}
	if len(winners) != 1 {
		t.Fatalf("%d nodes won the claim of one chat: %v", len(winners), winners)
	}
	holder := winners[0]
	if got, err := st.ChatHolder(ctx, chatID); err != nil || got != holder {
		t.Fatalf("holder %q %v, want %q", got, err, holder)
	}
	other := nodes[0]
	if other == holder {
		other = nodes[1]
	}
	if ok, err := st.ClaimChat(ctx, chatID, other, now, stale); err != nil || ok {
		t.Fatalf("a claim against a live holder: won %v, %v", ok, err)
	}
	if ok, err := st.ClaimChat(ctx, chatID, holder, now, stale); err != nil || !ok {
		t.Fatalf("the holder's own claim again: won %v, %v", ok, err)
	}
	// The holder's heartbeat stops: later, its claim no longer stands.
	later := now.Add(11 * time.Second)
	if ok, err := st.ClaimChat(ctx, chatID, other, later, later.Add(-10*time.Second)); err != nil || !ok {
		t.Fatalf("a claim against a dead holder: won %v, %v", ok, err)
	}
}

// TestNodeWithoutLifeLockStopsActing: the leader's life lock session is terminated (what a
// database restart does to it, while its leadership connection happens to live on): it calls
// OnLost, reports itself not ready, steps down and never takes the leadership again, so the
// other node leads.
func TestNodeWithoutLifeLockStopsActing(t *testing.T) {
	url := pgtest.URL(t)
	lost := make(chan error, 1)
	cfg := cluster.Config{Logger: slog.New(slog.DiscardHandler), Addr: "a", Clustered: true, Heartbeat: 100 * time.Millisecond, ElectEvery: 100 * time.Millisecond,
		OnLost: func(err error) { lost <- err }}
	a, err := cluster.Start(context.Background(), open(t, url), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	if lead, _ := waitLeader(t, []*cluster.Node{a}, 5*time.Second); lead != a {
		t.Fatal("a does not lead alone")
	}
	b := start(t, open(t, url), true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var killed int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted
 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
 AND l.pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND objid = $1)`, int64(fnv32a(b.ID()))).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminate a's life lock session: %d, %v", killed, err)
	}
	select {
	case <-lost:
	case <-ctx.Done():
		t.Fatal("OnLost was not called")
	}
	if err := a.Ready(); err == nil {
		t.Error("a is ready without its life lock")
	}
	if lead, _ := waitLeader(t, []*cluster.Node{a, b}, 10*time.Second); lead != b {
		t.Fatal("a leads without its life lock")
	}
	for range 5 { // a few of a's election periods: it stays deposed
		time.Sleep(100 * time.Millisecond)
		if ok, _ := a.Leader(); ok {
			t.Fatal("a took the leadership again without its life lock")
		}
	}
}

// fnv32a is FNV-1a of s, the second half of a node's life lock key.
func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
