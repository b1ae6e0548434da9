package acdbus

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/chat/clock"
	"github.com/parleychat/parley/backend/chat/routing"
	"github.com/parleychat/parley/backend/store"
)

// leader is the engine of a node that leads routing, under one term.
type leader struct {
	l      *Link
	term   int64
	router *routing.Router
	ready  atomic.Bool   // the queue is rebuilt: batches are taken
	gone   atomic.Bool   // deposed: nothing more is sent
	seq    atomic.Uint64 // of the last decisions sent
	// queries is the subscription that answers other nodes' queries, taken once the queue is
	// rebuilt and given up when deposed: while no node leads, nobody listens, and a query is
	// answered by its fallback at once (NATS: no responders) instead of after queryWait.
	qmu     sync.Mutex
	queries *nats.Subscription

	// batches is the last batch taken from each node; on the NATS delivery goroutine.
	batches map[string]uint64
	// conns are the nodes each agent is connected to; on the router goroutine.
	conns map[acd.AgentID]map[string]bool
	// offers are the offers standing, by agent, for an app that connects to another node;
	// on the router goroutine.
	offers map[acd.AgentID]map[acd.ChatID]acd.Offer
	// windows are the reconnect windows this leader runs for agents no live node knows: their
	// node died, or they own a restored chat; on the router goroutine.
	windows map[acd.AgentID]clock.Timer
}

// rebuildWait bounds a new leader's reading of the database and asking the nodes which chats
// they hold.
const rebuildWait = 5 * time.Second

// Lead makes this node the routing leader under term (cluster.Config.OnLead): a new engine
// is rebuilt from the database and the term opened on every node.
func (l *Link) Lead(term int64) {
	ld := &leader{l: l, term: term, batches: map[string]uint64{}, conns: map[acd.AgentID]map[string]bool{}, offers: map[acd.AgentID]map[acd.ChatID]acd.Offer{},
		windows: map[acd.AgentID]clock.Timer{}}
	ld.router = routing.New(l.cfg.Clock, func(ds []acd.Decision) { ld.publish("", 0, ds, false) }, l.log)
	l.lmu.Lock()
	old := l.lead
	l.lead = ld
	l.lmu.Unlock()
	if old != nil {
		old.close()
	}
	go ld.rebuild()
}

// Depose stops this node's engine (cluster.Config.OnDepose).
func (l *Link) Depose() {
	l.lmu.Lock()
	ld := l.lead
	l.lead = nil
	l.lmu.Unlock()
	if ld != nil {
		ld.close()
	}
}

func (ld *leader) close() {
	ld.gone.Store(true)
	ld.qmu.Lock()
	if ld.queries != nil {
		_ = ld.queries.Unsubscribe()
		ld.queries = nil
	}
	ld.qmu.Unlock()
	ld.router.Close()
	for _, w := range ld.windows { // the router is stopped: nothing else reads them now
		w.Stop()
	}
}

// leading is this node's engine while it leads, or nil.
func (l *Link) leading() *leader {
	l.lmu.Lock()
	defer l.lmu.Unlock()
	return l.lead
}

// rebuild loads the routing state from the database (settings first, then the open chats the
// live nodes hold, accepted ones first) and opens the term.
func (ld *leader) rebuild() {
	l := ld.l
	started := time.Now()
	// The term opens first: every node drops the offers of the term before, and its
	// announcement waits (not ready) until the queue is rebuilt.
	ld.router.Do(func(*acd.Engine) { ld.publish("", 0, nil, true) })
	// Until the settings are read no chat may be requested: the engine would refuse it for
	// an unknown connector.
	var evs []acd.Event
	for !ld.gone.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), rebuildWait)
		var err error
		evs, err = ld.fromStore(ctx)
		cancel()
		if err == nil {
			break
		}
		l.log.Error("cluster routing: rebuilding the queue from the database failed; trying again", "term", ld.term, "err", err)
		time.Sleep(retryEvery)
	}
	ld.router.Do(func(e *acd.Engine) {
		now := l.cfg.Clock.Now()
		for _, ev := range evs {
			ld.publish("", 0, e.Apply(now, ev), false)
			// The owner of a restored chat whose node died with the last leader is known to no
			// live node, which would start their window: this leader does. One connected to a
			// live node is announced within it, and keeps their chats.
			if r, ok := ev.(acd.ChatRestored); ok && r.Agent != 0 {
				ld.startWindow(r.Agent)
			}
		}
	})
	ld.ready.Store(true)
	ld.qmu.Lock()
	if !ld.gone.Load() {
		sub, err := l.nc.Subscribe(l.subject("q"), l.onQuery)
		if err != nil {
			l.log.Error("cluster routing: subscribe to queries", "subject", l.subject("q"), "err", err)
		}
		ld.queries = sub
	}
	ld.qmu.Unlock()
	if l.cfg.Live != nil {
		go ld.watchNodes()
	}
	l.log.Info("cluster routing: this node runs the engine", "term", ld.term, "events", len(evs), "took", time.Since(started).Round(time.Millisecond))
}

// fromStore reads the engine's settings and the open chats the live nodes hold.
func (ld *leader) fromStore(ctx context.Context) ([]acd.Event, error) {
	st := ld.l.cfg.Store
	var held map[string]bool
	if ld.l.cfg.Held != nil {
		var err error
		if held, err = ld.l.cfg.Held(ctx); err != nil {
			// The holders' announcements bring their chats.
			ld.l.log.Warn("cluster routing: the nodes did not say which chats they hold", "err", err)
		}
	}
	tenants, err := st.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	var evs []acd.Event
	var open []store.Chat
	for _, t := range tenants {
		groups, err := st.Groups(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			evs = append(evs, routing.GroupConfig(g))
		}
		conns, err := st.Connectors(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		loc := routing.Location(t.TimeZone)
		for _, c := range conns {
			evs = append(evs, routing.ConnectorConfig(c, loc))
		}
		chats, err := st.ChatsOpen(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range chats {
			// A chat no live node holds is restored when a node takes it over.
			if c.Kind != store.ChatDirect && held[c.ID] {
				open = append(open, c)
			}
		}
	}
	routing.SortRestored(open)
	for _, c := range open {
		evs = append(evs, routing.Restored(c))
	}
	return evs, nil
}

// chatAnswer is the answer to a query about a chat.
type chatAnswer struct {
	Info acd.ChatInfo
	OK   bool
}

// publish sends decisions to every node under the term; it runs on the router goroutine,
// which keeps them in order.
func (ld *leader) publish(node string, apply uint64, ds []acd.Decision, lead bool) {
	if len(ds) == 0 && apply == 0 && !lead {
		return
	}
	ld.standing(ds)
	ld.send(wireDecisions{Term: ld.term, Lead: lead, Node: node, Apply: apply, Ds: encodeDecisions(ds)})
}

// standing keeps track of the offers that stand.
func (ld *leader) standing(ds []acd.Decision) {
	drop := func(a acd.AgentID, c acd.ChatID) {
		delete(ld.offers[a], c)
		if len(ld.offers[a]) == 0 {
			delete(ld.offers, a)
		}
	}
	for _, d := range ds {
		switch d := d.(type) {
		case acd.Offer:
			if ld.offers[d.Agent] == nil {
				ld.offers[d.Agent] = map[acd.ChatID]acd.Offer{}
			}
			ld.offers[d.Agent][d.Chat] = d
		case acd.RevokeOffer:
			drop(d.Agent, d.Chat)
		case acd.Assigned:
			drop(d.Agent, d.Chat)
		}
	}
}

// resend shows an agent's offers that still stand on the node their app just connected to
// (it moved from another node, which showed them).
func (ld *leader) resend(node string, offers []acd.Decision) {
	var ds []acd.Decision
	for _, d := range offers {
		o := d.(acd.Offer)
		if _, ok := ld.offers[o.Agent][o.Chat]; ok {
			ds = append(ds, o)
		}
	}
	if len(ds) > 0 {
		ld.send(wireDecisions{Term: ld.term, Only: node, Ds: encodeDecisions(ds)})
	}
}

func (ld *leader) send(w wireDecisions) {
	if ld.gone.Load() {
		return
	}
	w.Seq = ld.seq.Add(1)
	data, _ := json.Marshal(w)
	if err := ld.l.nc.Publish(ld.l.subject("dec"), data); err != nil {
		ld.l.log.Error("cluster routing: sending decisions failed", "term", ld.term, "err", err)
	}
}

// onBatch applies a node's batch of events, when this node leads and has rebuilt the queue;
// other nodes stay silent.
func (l *Link) onBatch(m *nats.Msg) {
	ld := l.leading()
	if ld == nil {
		return
	}
	if !ld.ready.Load() {
		respond(m, batchAnswer{Term: ld.term})
		return
	}
	var b batch
	if err := json.Unmarshal(m.Data, &b); err != nil {
		l.log.Error("cluster routing: undecodable batch", "err", err)
		return
	}
	if ld.batches[b.Node] >= b.Seq { // sent again: its answer was lost
		respond(m, batchAnswer{OK: true, Term: ld.term})
		return
	}
	ran := false
	ld.router.Do(func(e *acd.Engine) {
		ran = true
		now := l.cfg.Clock.Now()
		for _, w := range b.Events {
			ev, err := decodeEvent(w)
			if err != nil {
				l.log.Error("cluster routing: undecodable event", "node", b.Node, "err", err)
				continue
			}
			// An app connecting to another node gets the offers that stood before.
			var standing []acd.Decision
			if st, ok := ev.(acd.AgentState); ok && st.Connected && !ld.conns[st.Agent][b.Node] {
				for _, o := range ld.offers[st.Agent] {
					standing = append(standing, o)
				}
			}
			var ds []acd.Decision
			if ev = ld.fold(b.Node, ev); ev != nil {
				ds = e.Apply(now, ev)
			}
			ld.publish(b.Node, w.Apply, ds, false)
			ld.resend(b.Node, standing)
		}
	})
	if !ran || ld.gone.Load() {
		return // deposed meanwhile: the node sends the batch to the next leader
	}
	ld.batches[b.Node] = b.Seq
	respond(m, batchAnswer{OK: true, Term: ld.term})
}

// fold turns a node's word on an agent's connection into the engine's: an agent is
// connected while any node says so. It returns nil for an event that changes nothing.
func (ld *leader) fold(node string, ev acd.Event) acd.Event {
	connected := func(a acd.AgentID) bool {
		for _, c := range ld.conns[a] {
			if c {
				return true
			}
		}
		return false
	}
	set := func(a acd.AgentID, c bool) {
		if ld.conns[a] == nil {
			ld.conns[a] = map[string]bool{}
		}
		ld.conns[a][node] = c
	}
	switch e := ev.(type) {
	case acd.AgentState:
		set(e.Agent, e.Connected)
		e.Connected = connected(e.Agent)
		return e
	case acd.AgentDisconnected:
		set(e.Agent, false)
		if connected(e.Agent) {
			return nil
		}
	case acd.AgentGone:
		if connected(e.Agent) {
			return nil
		}
		delete(ld.conns, e.Agent)
	}
	return ev
}

// watchNodes counts the agents of nodes that died disconnected there, while this node leads:
// an agent connected nowhere else gets no more offers, and gets them again when their app
// reconnects to a live node.
func (ld *leader) watchNodes() {
	t := time.NewTicker(liveEvery)
	defer t.Stop()
	for !ld.gone.Load() {
		select {
		case <-ld.l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), liveEvery)
		live, err := ld.l.cfg.Live(ctx)
		cancel()
		if err != nil || len(live) == 0 {
			continue
		}
		ld.router.Do(func(e *acd.Engine) {
			now := ld.l.cfg.Clock.Now()
			for agent, nodes := range ld.conns {
				for node, c := range nodes {
					if !c || live[node] {
						continue
					}
					ld.l.log.Info("cluster routing: an agent's node is gone", "agent", agent, "node", node)
					if ev := ld.fold(node, acd.AgentDisconnected{Agent: agent}); ev != nil {
						ld.publish("", 0, e.Apply(now, ev), false)
						ld.startWindow(agent) // the dead node cannot start it
					}
				}
			}
		})
	}
}

// startWindow gives an agent no live node knows the reconnect window (Config.AgentWindow), as
// their node would have after their connection dropped: when it ends with the agent connected
// to no node, the engine hears that they are gone, and their offers and chats go to others.
// An agent who comes back on any node within it keeps them. Runs on the router goroutine.
func (ld *leader) startWindow(agent acd.AgentID) {
	if _, running := ld.windows[agent]; running {
		return
	}
	ld.windows[agent] = ld.l.cfg.Clock.AfterFunc(ld.l.cfg.AgentWindow, func() {
		ld.router.Do(func(e *acd.Engine) {
			delete(ld.windows, agent)
			if ld.gone.Load() {
				return
			}
			ev := ld.fold("", acd.AgentGone{Agent: agent})
			if ev == nil {
				return // came back meanwhile
			}
			ld.l.log.Info("cluster routing: an agent whose node died did not come back", "agent", agent)
			ld.publish("", 0, e.Apply(ld.l.cfg.Clock.Now(), ev), false)
		})
	})
}

// onQuery answers a query about the engine, when this node leads.
func (l *Link) onQuery(m *nats.Msg) {
	ld := l.leading()
	if ld == nil || !ld.ready.Load() {
		return
	}
	var q query
	if err := json.Unmarshal(m.Data, &q); err != nil {
		return
	}
	respond(m, ld.answer(q))
}

// answer runs a query on the engine.
func (ld *leader) answer(q query) any {
	r := ld.router
	switch q.Kind {
	case qQueue:
		return r.QueueInfo(q.Connector)
	case qChat:
		info, ok := r.ChatInfo(q.Chat)
		return chatAnswer{info, ok}
	case qExplain:
		return r.Explain(q.Chat)
	case qSnapshot:
		return r.Snapshot()
	case qStaffed:
		return r.Staffed(q.Connector, q.Target)
	}
	return nil
}

func respond(m *nats.Msg, v any) {
	data, _ := json.Marshal(v)
	_ = m.Respond(data)
}
