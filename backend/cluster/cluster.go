// Package cluster is a node's membership of a Parley cluster: its row in the node registry
// with a heartbeat, the refusal to join a database that nodes of the other mode use, and the
// election of the one routing leader.
//
// Several nodes share one PostgreSQL database and a NATS cluster (package natsbus). Exactly
// one of them may run the ACD engine, because routing state (the queue, offers, agents'
// capacity) must have one owner or two nodes would offer one chat to two agents. The leader
// is whichever node holds a PostgreSQL session-level advisory lock, taken on a connection of
// its own: PostgreSQL releases it the moment that session ends, so a node killed with SIGKILL
// loses it as soon as its connection closes, and another node's next attempt (every
// [Config.ElectEvery]) wins. Each takeover raises a term number in the cluster_leader row in the
// same session; the leader's decisions carry that term, and [Store.CheckTerm] refuses a
// term that is no longer current, so a deposed leader that has not noticed yet (a stalled
// process, a half-open connection) cannot change anything once another node took over.
//
// A node whose database other nodes use must be of their mode: a single-process node (no
// NATS) would route and fan out alone beside a cluster, and a cluster node beside a
// single-process one would not reach its connections. [Start] refuses with an error that
// says which nodes and what to do.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// Store is what the cluster needs of the database.
type Store interface {
	RegisterNode(ctx context.Context, n store.NodeRecord) error
	TouchNode(ctx context.Context, id string, at time.Time) (bool, error)
	DeleteNode(ctx context.Context, id string, staleBefore time.Time) error
	LiveNodes(ctx context.Context, since time.Time) ([]store.NodeRecord, error)
	ClaimLeadership(ctx context.Context, node string, at time.Time) (*store.Leadership, error)
	CheckTerm(ctx context.Context, term int64) error
}

// Config sets a node's timing.
type Config struct {
	// ID is this node's id, which its other parts (the NATS bus) name it by; empty picks a
	// random one ([NewID]).
	ID string
	// Addr says where the node runs (host and listen address), written to the registry for
	// people reading it. A live row with this node's Addr is its own predecessor, killed and
	// restarted in its place before its heartbeat aged: it does not count as another node.
	Addr string
	// Clustered is cluster mode (NATS configured): only clustered nodes elect a leader.
	Clustered bool
	// Heartbeat is how often the node refreshes its registry row (1 s).
	Heartbeat time.Duration
	// Stale is how old a heartbeat may be for its node to count as live (10 s).
	Stale time.Duration
	// ElectEvery is how often a follower tries to take the leadership, and a leader checks
	// that it still holds it (500 ms): with a killed leader's session ended at once, another
	// node leads within this long.
	ElectEvery time.Duration
	// OnLead is called (on the election goroutine) when this node becomes the leader under
	// term, and OnDepose when it stops being it; both may be nil.
	OnLead   func(term int64)
	OnDepose func()
	// OnLost is called once when the node's life lock's session is gone (life.go), after the
	// node stepped down from routing: the caller must stop acting as the holder of its chats
	// at once. Nil only logs.
	OnLost func(error)
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.Heartbeat <= 0 {
		c.Heartbeat = time.Second
	}
	if c.Stale <= 0 {
		c.Stale = 10 * time.Second
	}
	if c.ElectEvery <= 0 {
		c.ElectEvery = 500 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Protocol is the cluster protocol this build speaks: how nodes talk to each other over NATS
// and through the database. Nodes of different protocols cannot share a cluster: a rolling
// upgrade goes one node at a time between builds of the same protocol, and a release that
// raises it needs every node stopped first ([ErrProtocolConflict] says so to the first new
// one started beside old ones). 1: the routing engine runs on the leader only, visitors are
// followed on any node, and every node holds a life lock (store.LifeLockProtocol). 2: a chat
// line's event is stored in its message row (the store's migration 57), where a node of 1
// would not replay it.
const Protocol = 2

// ErrProtocolConflict is [Start]'s refusal to join live nodes that speak another protocol.
var ErrProtocolConflict = errors.New("cluster: live nodes on this database speak another cluster protocol")

// ErrModeConflict is [Start]'s refusal to join a database that live nodes of the other mode use.
var ErrModeConflict = errors.New("cluster: live nodes use this database in another mode")

// Node is this process's membership. Create it with [Start]; stop it with [Node.Close].
type Node struct {
	id  string
	st  Store
	cfg Config
	log *slog.Logger

	// peers is how many other nodes of this node's mode were live when it started.
	peers int

	term      atomic.Int64 // the term this node leads under, 0 when it is not the leader
	beat      atomic.Int64 // unix nanoseconds of the last heartbeat that was written
	elections atomic.Uint64
	lost      atomic.Bool // the life lock's session ended: the node no longer acts (life.go)

	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	lead *store.Leadership
	life life
}

// NewID returns a random node id.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CheckMode refuses (with [ErrModeConflict]) when live nodes use the database in the other
// mode than clustered, and a cluster node (with [ErrProtocolConflict]) when live cluster
// nodes speak another [Protocol]; else it reports how many live nodes of the same mode there
// are.
func CheckMode(ctx context.Context, st Store, clustered bool, addr string, since time.Time) (int, error) {
	live, err := st.LiveNodes(ctx, since)
	if err != nil {
		return 0, err
	}
	var other, older []string
	same := 0
	for _, n := range live {
		switch {
		case addr != "" && n.Addr == addr: // our predecessor at this address
		case n.Clustered != clustered:
			other = append(other, fmt.Sprintf("%s at %s", n.ID, n.Addr))
		case clustered && n.Protocol != Protocol:
			older = append(older, fmt.Sprintf("%s at %s (protocol %d)", n.ID, n.Addr, n.Protocol))
		default:
			same++
		}
	}
	if len(other) == 0 && len(older) > 0 {
		return 0, fmt.Errorf("%w: %d node(s) of cluster protocol other than this build's %d run on it (%s); stop every node of the cluster, then start the new ones (a rolling upgrade cannot cross a protocol change)", ErrProtocolConflict, len(older), Protocol, strings.Join(older, ", "))
	}
	if len(other) == 0 {
		return same, nil
	}
	if clustered {
		return 0, fmt.Errorf("%w: %d node(s) run on it without NATS (%s); stop them, or start them with PARLEY_NATS_URL too", ErrModeConflict, len(other), strings.Join(other, ", "))
	}
	return 0, fmt.Errorf("%w: %d node(s) run on it in cluster mode (%s); set PARLEY_NATS_URL to their NATS to join them, or use another database", ErrModeConflict, len(other), strings.Join(other, ", "))
}

// Start checks the mode of the other live nodes, registers this one and starts its heartbeat
// and, in cluster mode, its election.
func Start(ctx context.Context, st Store, cfg Config) (*Node, error) {
	cfg.defaults()
	if cfg.ID == "" {
		cfg.ID = NewID()
	}
	n := &Node{id: cfg.ID, st: st, cfg: cfg, log: cfg.Logger, stop: make(chan struct{})}
	now := cfg.Now()
	peers, err := CheckMode(ctx, st, cfg.Clustered, cfg.Addr, now.Add(-cfg.Stale))
	if err != nil {
		return nil, err
	}
	n.peers = peers
	if err := dropPredecessors(ctx, st, cfg, now); err != nil {
		return nil, err
	}
	if err := n.takeLife(ctx); err != nil {
		return nil, err
	}
	if err := st.RegisterNode(ctx, n.record(now)); err != nil {
		n.releaseLife()
		return nil, fmt.Errorf("cluster: register node: %w", err)
	}
	n.beat.Store(now.UnixNano())
	n.wg.Add(1)
	go n.heartbeat()
	if n.life.lock != nil {
		n.wg.Add(1)
		go n.watchLife()
	}
	if cfg.Clustered {
		n.wg.Add(1)
		go n.elect()
	}
	n.log.Info("cluster: node registered", "node", n.id, "clustered", cfg.Clustered)
	return n, nil
}

// dropPredecessors removes the registry rows of earlier nodes at this node's address (killed
// and restarted in their place): they are dead, so the chats they held may be claimed at once
// (store.ClaimChat) instead of after their heartbeat goes stale, and nobody waits for their
// answers to which chats they hold.
func dropPredecessors(ctx context.Context, st Store, cfg Config, now time.Time) error {
	if cfg.Addr == "" {
		return nil
	}
	live, err := st.LiveNodes(ctx, now.Add(-cfg.Stale))
	if err != nil {
		return err
	}
	for _, n := range live {
		if n.Addr == cfg.Addr && n.ID != cfg.ID {
			if err := st.DeleteNode(ctx, n.ID, time.Time{}); err != nil {
				return fmt.Errorf("cluster: remove the predecessor's registry row: %w", err)
			}
		}
	}
	return nil
}

func (n *Node) record(now time.Time) store.NodeRecord {
	return store.NodeRecord{ID: n.id, Addr: n.cfg.Addr, Clustered: n.cfg.Clustered, StartedAt: now, HeartbeatAt: now, Protocol: Protocol}
}

// Peers is how many other nodes of its mode were live when this node started (its own
// predecessor at its address not counted): a cluster node then leaves them the chats they hold.
func (n *Node) Peers() int { return n.peers }

// Stale is how old a node's heartbeat may be before the node counts as dead.
func (n *Node) Stale() time.Duration { return n.cfg.Stale }

// ID is this node's id in the registry.
func (n *Node) ID() string { return n.id }

// Leader reports whether this node leads routing now, and under which term.
func (n *Node) Leader() (bool, int64) {
	t := n.term.Load()
	return t != 0, t
}

// Elections counts the times this node took the leadership.
func (n *Node) Elections() uint64 { return n.elections.Load() }

// Ready reports why the node is not a healthy member, or nil: it lost its life lock, or its
// heartbeat has not been written for longer than a live node's may be old.
func (n *Node) Ready() error {
	if n.lost.Load() {
		return errors.New("cluster: this node lost its life lock")
	}
	if age := n.cfg.Now().Sub(time.Unix(0, n.beat.Load())); age > n.cfg.Stale {
		return fmt.Errorf("cluster: no heartbeat written for %s", age.Round(time.Second))
	}
	return nil
}

func (n *Node) heartbeat() {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		if n.lost.Load() { // a node without its lock lets its row age
			continue
		}
		now := n.cfg.Now()
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.Heartbeat*2)
		ok, err := n.st.TouchNode(ctx, n.id, now)
		if err == nil && !ok { // someone cleaned our row up: come back
			err = n.st.RegisterNode(ctx, n.record(now))
		}
		cancel()
		if err != nil {
			n.log.Warn("cluster: heartbeat failed", "node", n.id, "err", err)
			continue
		}
		n.beat.Store(now.UnixNano())
	}
}

func (n *Node) elect() {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.ElectEvery)
	defer t.Stop()
	for {
		n.electOnce()
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
	}
}

// electOnce takes the leadership when it is free, or, as the leader, checks that the lock's
// session and the term are still ours and steps down when they are not.
func (n *Node) electOnce() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*n.cfg.ElectEvery+time.Second)
	defer cancel()
	if n.lost.Load() { // a node without its life lock never leads
		return
	}
	n.mu.Lock()
	lead := n.lead
	n.mu.Unlock()
	if lead != nil {
		err := lead.Alive(ctx)
		if err == nil {
			err = n.st.CheckTerm(ctx, lead.Term)
		}
		if err != nil {
			n.log.Warn("cluster: routing leadership lost", "node", n.id, "term", lead.Term, "err", err)
			n.stepDown()
		}
		return
	}
	l, err := n.st.ClaimLeadership(ctx, n.id, n.cfg.Now())
	if errors.Is(err, store.ErrNotLeader) {
		return
	}
	if err != nil {
		n.log.Warn("cluster: leadership claim failed", "node", n.id, "err", err)
		return
	}
	n.mu.Lock()
	if n.lost.Load() { // the life lock went while the claim ran
		n.mu.Unlock()
		l.Release()
		return
	}
	n.lead = l
	n.mu.Unlock()
	n.term.Store(l.Term)
	n.elections.Add(1)
	n.log.Info("cluster: this node leads routing", "node", n.id, "term", l.Term)
	if n.cfg.OnLead != nil {
		n.cfg.OnLead(l.Term)
	}
}

func (n *Node) stepDown() {
	n.mu.Lock()
	l := n.lead
	n.lead = nil
	n.mu.Unlock()
	if l == nil {
		return
	}
	n.term.Store(0)
	l.Release()
	if n.cfg.OnDepose != nil {
		n.cfg.OnDepose()
	}
}

// CheckTerm refuses a routing decision made under term when it is no longer the current
// one (store.ErrStaleTerm): the leader carrying it out was deposed.
func (n *Node) CheckTerm(ctx context.Context, term int64) error { return n.st.CheckTerm(ctx, term) }

// Close stops the election (releasing the leadership at once, so that another node takes over
// without waiting for this one's session to time out) and the heartbeat, and removes the
// node's row.
func (n *Node) Close(ctx context.Context) {
	select {
	case <-n.stop:
		return
	default:
	}
	close(n.stop)
	n.wg.Wait()
	n.stepDown()
	if err := n.st.DeleteNode(ctx, n.id, n.cfg.Now().Add(-time.Hour)); err != nil {
		n.log.Warn("cluster: removing the node's row failed", "node", n.id, "err", err)
	}
	n.releaseLife()
}
