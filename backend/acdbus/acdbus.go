// Package acdbus runs routing across the nodes of a cluster: exactly one node, the leader
// (package cluster), runs the ACD engine; every node sends it the routing events of its chats
// and agents over NATS, and the leader sends each event's decisions to every node, stamped
// with its term. Each node carries out the parts it has (the chats it holds, the agents
// connected to it) and refuses decisions of a term lower than the highest it has seen, so a
// deposed leader that has not noticed yet changes nothing once another node took over.
//
// A new leader rebuilds the queue from the database (the connectors, the groups and the open
// chats the live nodes hold, accepted ones first), then opens its term: every node withdraws
// the offers of the term before and announces its chats and connected agents. Events sent
// while no leader answers wait in their node's queue (bounded) and are sent again, in order,
// numbered so that the leader applies a batch once.
//
// Agents may be connected to several nodes at once: the leader counts an agent connected
// while any node says so.
package acdbus

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/chat/clock"
	"github.com/parleychat/parley/backend/store"
)

// Store is what a new leader reads to rebuild the queue.
type Store interface {
	Tenants(ctx context.Context) ([]store.Tenant, error)
	Groups(ctx context.Context, tenantID int64) ([]store.ACDGroup, error)
	Connectors(ctx context.Context, tenantID int64) ([]store.Connector, error)
	ChatsOpen(ctx context.Context, tenantID int64) ([]store.Chat, error)
}

// Local is this node's chat service, as the link needs it when a term opens.
type Local interface {
	// Announce lists the node's open chats and connected agents for a new leader.
	Announce() []acd.Event
	// DropOffers withdraws the offers shown on the node.
	DropOffers()
}

// Config sets up a node's link.
type Config struct {
	Conn   *nats.Conn
	Prefix string // of the NATS subjects
	Node   string // this node's id
	Store  Store
	// Held lists the open chats the live nodes hold; a new leader restores those.
	Held func(ctx context.Context) (map[string]bool, error)
	// Live lists the ids of the live nodes: the leader counts the agents of a node that
	// died disconnected there.
	Live func(ctx context.Context) (map[string]bool, error)
	// AgentWindow is how long an agent whose node died may take to come back on another
	// node before the leader requeues their chats (AgentGone): the reconnect window a node
	// gives an agent whose connection dropped (chat.Config.AgentReconnectWindow); 60 s when
	// zero.
	AgentWindow time.Duration
	Clock       clock.Clock
	Logger      *slog.Logger
}

// Timing of the link.
const (
	// sendWait bounds the wait for the leader's answer to a batch before it is sent again.
	sendWait = 500 * time.Millisecond
	// retryEvery is the pause before a batch is sent again.
	retryEvery = 100 * time.Millisecond
	// applyWait bounds how long Apply waits for its decisions.
	applyWait = 10 * time.Second
	// queryWait bounds the wait for the leader's answer to a query; the fallback answers then.
	queryWait = time.Second
	// maxQueue bounds the events a node keeps while no leader answers.
	maxQueue = 100_000
	// maxBatch is how many events go in one batch.
	maxBatch = 256
	// liveEvery is how often the leader looks for nodes that died with agents connected.
	liveEvery = 2 * time.Second
)

// Stats are the link's figures for /metrics.
type Stats struct {
	Sent, Applied, Refused, Dropped uint64
}

// Link is a node's part of routing in a cluster: the sender of its events, the executor of
// the leader's decisions and, while the node leads, the engine. Create it with [New],
// connect it to the chat service with [Link.Routing] and [Link.Attach], and stop it with
// [Link.Close].
type Link struct {
	cfg Config
	nc  *nats.Conn
	log *slog.Logger

	exec  func(int64, []acd.Decision)
	local atomic.Pointer[Local]
	seen  atomic.Int64 // the highest term seen

	sent, applied, refused, dropped atomic.Uint64

	mu      sync.Mutex
	queue   []wireEvent
	seq     uint64 // of the last batch the leader took
	applyID uint64
	waiters map[uint64]chan []acd.Decision
	wake    chan struct{}

	lmu  sync.Mutex
	lead *leader

	subs      []*nats.Subscription
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// New makes a node's link; it starts when the chat service takes it ([Link.Routing]).
func New(cfg Config) *Link {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.AgentWindow <= 0 {
		cfg.AgentWindow = 60 * time.Second
	}
	return &Link{cfg: cfg, nc: cfg.Conn, log: cfg.Logger, waiters: map[uint64]chan []acd.Decision{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

func (l *Link) subject(s string) string { return l.cfg.Prefix + ".acd." + s }

// Routing starts the link with the chat service's executor of decisions, as
// chat.Config.Routing; it gets each decision's term, which the holder's writes are fenced on.
func (l *Link) Routing(execute func(term int64, ds []acd.Decision)) *Link {
	l.exec = execute
	for subj, h := range map[string]nats.MsgHandler{"dec": l.onDecisions, "ev": l.onBatch} {
		sub, err := l.nc.Subscribe(l.subject(subj), h)
		if err != nil {
			l.log.Error("cluster routing: subscribe", "subject", l.subject(subj), "err", err)
			continue
		}
		l.subs = append(l.subs, sub)
	}
	go l.send()
	return l
}

// Attach gives the link the chat service, which announces itself to every new leader.
func (l *Link) Attach(local Local) { l.local.Store(&local) }

// Stats reports the link's figures.
func (l *Link) Stats() Stats {
	return Stats{Sent: l.sent.Load(), Applied: l.applied.Load(), Refused: l.refused.Load(), Dropped: l.dropped.Load()}
}

// Term is the highest routing term this node has seen decisions of.
func (l *Link) Term() int64 { return l.seen.Load() }

// Close stops the link: the engine, if the node leads, and the sender.
func (l *Link) Close() {
	l.closeOnce.Do(func() {
		for _, s := range l.subs {
			_ = s.Unsubscribe()
		}
		l.Depose()
		close(l.stop)
		if l.exec != nil {
			<-l.done
		}
		l.mu.Lock()
		for id, w := range l.waiters {
			w <- nil
			delete(l.waiters, id)
		}
		l.mu.Unlock()
	})
}

// Submit queues an event for the leader without waiting.
func (l *Link) Submit(ev acd.Event) { l.enqueue(ev, nil) }

// Apply sends an event to the leader and waits until its decisions have been carried out on
// this node (nil when no leader answered in time).
func (l *Link) Apply(ev acd.Event) []acd.Decision {
	w := make(chan []acd.Decision, 1)
	id := l.enqueue(ev, w)
	if id == 0 {
		return nil
	}
	t := time.NewTimer(applyWait)
	defer t.Stop()
	select {
	case ds := <-w:
		return ds
	case <-t.C:
	case <-l.stop:
	}
	l.mu.Lock()
	delete(l.waiters, id)
	l.mu.Unlock()
	return nil
}

// enqueue queues an event; settings go to the engine only when this node leads (the leader
// hears of every settings change itself).
func (l *Link) enqueue(ev acd.Event, w chan []acd.Decision) uint64 {
	switch ev.(type) {
	case acd.ConnectorConfig, acd.GroupConfig:
		if ld := l.leading(); ld != nil {
			ld.router.Submit(ev)
		}
		if w != nil {
			w <- nil
		}
		return 0
	}
	l.mu.Lock()
	var id uint64
	if w != nil {
		l.applyID++
		id = l.applyID
		l.waiters[id] = w
	}
	we, err := encodeEvent(ev, id)
	if err != nil {
		delete(l.waiters, id)
		l.mu.Unlock()
		l.log.Error("cluster routing: an event that cannot travel", "err", err)
		return 0
	}
	if len(l.queue) >= maxQueue {
		l.queue = l.queue[1:]
		l.dropped.Add(1)
		l.log.Error("cluster routing: no leader takes events; the oldest queued one is dropped")
	}
	l.queue = append(l.queue, we)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return id
}

// send is the sender goroutine: it sends the queued events in batches, each until the leader
// took it.
func (l *Link) send() {
	defer close(l.done)
	for {
		l.mu.Lock()
		n := min(len(l.queue), maxBatch)
		b := batch{Node: l.cfg.Node, Seq: l.seq + 1, Events: append([]wireEvent(nil), l.queue[:n]...)}
		l.mu.Unlock()
		if n == 0 {
			select {
			case <-l.stop:
				return
			case <-l.wake:
			}
			continue
		}
		data, _ := json.Marshal(b)
		for {
			if l.deliver(data) {
				break
			}
			select {
			case <-l.stop:
				return
			case <-time.After(retryEvery):
			}
		}
		l.sent.Add(uint64(n))
		l.mu.Lock()
		l.seq = b.Seq
		l.queue = l.queue[n:]
		l.mu.Unlock()
	}
}

// deliver sends one batch and reports whether the leader took it.
func (l *Link) deliver(data []byte) bool {
	m, err := l.nc.Request(l.subject("ev"), data, sendWait)
	if err != nil {
		return false
	}
	var a batchAnswer
	return json.Unmarshal(m.Data, &a) == nil && a.OK
}

// onDecisions carries out the leader's decisions, in the order the leader made them, unless
// they come from a term before the highest seen.
func (l *Link) onDecisions(m *nats.Msg) {
	var w wireDecisions
	if err := json.Unmarshal(m.Data, &w); err != nil {
		l.log.Error("cluster routing: undecodable decisions", "err", err)
		return
	}
	if w.Only != "" && w.Only != l.cfg.Node {
		return
	}
	if !l.admit(w.Term) {
		l.refused.Add(1)
		l.log.Warn("cluster routing: decisions of a deposed leader refused", "term", w.Term, "current", l.seen.Load())
		return
	}
	ds, err := decodeDecisions(w.Ds)
	if err != nil {
		l.log.Error("cluster routing: undecodable decisions", "err", err)
		return
	}
	if len(ds) > 0 {
		l.exec(w.Term, ds)
		l.applied.Add(uint64(len(ds)))
	}
	if w.Node == l.cfg.Node && w.Apply != 0 {
		l.mu.Lock()
		wt := l.waiters[w.Apply]
		delete(l.waiters, w.Apply)
		l.mu.Unlock()
		if wt != nil {
			wt <- ds
		}
	}
}

// admit reports whether decisions of term may be carried out; a higher term than seen opens
// it on this node: the offers of the one before are withdrawn and the node announces its
// chats and agents to the new leader.
func (l *Link) admit(term int64) bool {
	seen := l.seen.Load()
	if term < seen {
		return false
	}
	if term > seen {
		l.seen.Store(term)
		if p := l.local.Load(); p != nil {
			(*p).DropOffers()
			for _, ev := range (*p).Announce() {
				l.enqueue(ev, nil)
			}
		}
	}
	return true
}

// QueueInfo asks the leader about a connector's queue; without an answer the queue counts as
// open (the chat waits in it), empty.
func (l *Link) QueueInfo(c acd.ConnectorID) acd.QueueInfo {
	info := acd.QueueInfo{Open: true}
	l.ask(query{Kind: qQueue, Connector: c}, &info)
	return info
}

// ChatInfo asks the leader about a chat; without an answer it is unknown.
func (l *Link) ChatInfo(c acd.ChatID) (acd.ChatInfo, bool) {
	var a chatAnswer
	l.ask(query{Kind: qChat, Chat: c}, &a)
	return a.Info, a.OK
}

// Explain asks the leader for a chat's decision log; without an answer it is empty.
func (l *Link) Explain(c acd.ChatID) []acd.LogEntry {
	var out []acd.LogEntry
	l.ask(query{Kind: qExplain, Chat: c}, &out)
	return out
}

// Snapshot asks the leader for the routing state; without an answer it is empty.
func (l *Link) Snapshot() acd.Snapshot {
	snap := acd.Snapshot{At: l.cfg.Clock.Now()}
	l.ask(query{Kind: qSnapshot}, &snap)
	return snap
}

// Staffed asks the leader whether an agent could take a connector's chats; without an answer
// it is taken as staffed (no "no agents" text on a guess).
func (l *Link) Staffed(c acd.ConnectorID, t acd.Target) bool {
	ok := true
	l.ask(query{Kind: qStaffed, Connector: c, Target: t}, &ok)
	return ok
}

// ask asks the leader's engine, or this node's when it leads, and decodes the answer into
// out; out keeps its fallback when nobody answers in time, and at once while no node leads
// (only a ready leader listens for queries).
func (l *Link) ask(q query, out any) {
	if ld := l.leading(); ld != nil && ld.ready.Load() {
		data, _ := json.Marshal(ld.answer(q))
		_ = json.Unmarshal(data, out)
		return
	}
	data, _ := json.Marshal(q)
	m, err := l.nc.Request(l.subject("q"), data, queryWait)
	if err != nil {
		return
	}
	_ = json.Unmarshal(m.Data, out)
}
