// Package natsbus carries the change bus between server nodes over NATS, so that a chat event
// committed on one node reaches the connections of that chat on every node, and a settings
// change saved on one node reaches every node's caches, routing and open pages.
//
// It wraps the node's in-process bus ([changes.Local]) and implements the same
// [changes.Bus]: publishers (the store's committer, the store's settings writes) and
// subscribers (fan-out, the chat service, the settings cache) do not change. Publishing
// delivers locally first, exactly as a single node does, and then sends the fact to NATS on
// parley.chat.<chat> or parley.settings.<tenant>; what arrives from NATS that another node
// published is delivered to the local subscribers. Each message names its node, so a node
// ignores its own. Transient chat events (typing, previews, presence), which are not stored,
// go on parley.transient.<chat> the same way, to the nodes whose connections follow the chat
// ([Bus.PublishTransient], [Bus.ReceiveTransient]).
//
// Who numbers a chat's events, and why that is gap-free with several nodes: not a node. The
// store assigns sequence numbers in the transaction that writes the events, with one
// UPDATE … RETURNING on the chat's row, which PostgreSQL locks until the commit: two nodes
// writing to one chat are serialized by that row lock, each gets the numbers after the other's,
// and a transaction that fails takes its numbers back with it. The bus only carries numbered,
// committed events; the sender's ack still follows its own node's commit. NATS keeps the order
// of one publisher, so events committed on one node arrive in order; events of one chat
// committed on two nodes may interleave out of order, and package fanout then reads the missing
// numbers from the database before going on (a gap never reaches a client, nor a repeat).
package natsbus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/changes"
)

// DefaultPrefix begins the subjects of the facts on NATS: <prefix>.chat.<chat> and
// <prefix>.settings.<tenant>. Deployments that share one NATS set one prefix each.
const DefaultPrefix = "parley"

// envelope is one fact on NATS with the node that published it. Node is its first field, so
// that a node knows its own facts from their first bytes.
type envelope struct {
	Node    string             `json:"node"`
	Chat    *changes.ChatEvent `json:"chat,omitempty"`
	Setting *changes.Setting   `json:"setting,omitempty"`
}

// Bus is the change bus of a node in cluster mode. Create it with [New]; Close closes the
// local bus too, not the NATS connection, which belongs to the caller.
type Bus struct {
	*changes.Local
	nc   *nats.Conn
	node string
	// chatSubject, settingsSubject and transientSubject are the prefix's subjects, with their
	// trailing dot.
	chatSubject, settingsSubject, transientSubject string
	log                                            *slog.Logger
	subs                                           []*nats.Subscription
	// own begins every message this node publishes ({"node":"<node>",): NATS brings a node its
	// own messages back, which it then leaves undecoded.
	own []byte

	sent, received, dropped atomic.Uint64

	// hold is Options.Hold. The chat subscription's handler takes it while more of the other
	// nodes' events wait behind the one it delivers, and releases it when none wait or after
	// holdBurst events; hmu orders that with Close, which releases a hold left open.
	hold     func() (release func())
	hmu      sync.Mutex
	released func() // the open hold's release, nil when none is open
	heldFor  int    // events delivered in the open hold
	closed   bool
}

// holdBurst is the most events of other nodes delivered in one hold: the hub gathers up to 32
// frames a connection anyway, and frames sent by others wait for the release meanwhile.
const holdBurst = 64

// Options name the node and its cluster's subjects.
type Options struct {
	// Node is this node's id, unique among the nodes (the cluster registry's).
	Node string
	// Prefix begins the subjects; empty is [DefaultPrefix].
	Prefix string
	Logger *slog.Logger
	// Hold, when set, is taken while a burst of the other nodes' chat events is delivered
	// (the realtime hub's Hold), so that each connection gets the burst's frames in one write,
	// as it gets those of a batch its own node commits. Its release must be safe to call from
	// any goroutine.
	Hold func() (release func())
}

// New subscribes to the facts of the other nodes on nc and returns the bus that publishes
// this node's to them and delivers theirs through local.
func New(nc *nats.Conn, local *changes.Local, o Options) (*Bus, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	name, err := json.Marshal(o.Node)
	if err != nil {
		return nil, fmt.Errorf("natsbus: node name: %w", err)
	}
	b := &Bus{Local: local, nc: nc, node: o.Node, log: o.Logger, hold: o.Hold,
		chatSubject: o.Prefix + ".chat.", settingsSubject: o.Prefix + ".settings.", transientSubject: o.Prefix + ".transient.",
		own: append(append([]byte(`{"node":`), name...), ',')}
	for _, to := range []struct {
		subj   string
		handle nats.MsgHandler
	}{{b.chatSubject + ">", b.receiveChat}, {b.settingsSubject + ">", b.receive}} {
		sub, err := nc.Subscribe(to.subj, to.handle)
		if err != nil {
			b.unsubscribe()
			return nil, fmt.Errorf("natsbus: subscribe %s: %w", to.subj, err)
		}
		// A burst of chat events must not be cut off as a slow consumer: the local delivery
		// only hands each event to queues.
		_ = sub.SetPendingLimits(1<<20, 512<<20)
		b.subs = append(b.subs, sub)
	}
	if err := nc.Flush(); err != nil {
		b.unsubscribe()
		return nil, fmt.Errorf("natsbus: %w", err)
	}
	return b, nil
}

// PublishChat delivers a committed chat event to this node's subscribers, then to the others.
func (b *Bus) PublishChat(e changes.ChatEvent) {
	b.Local.PublishChat(e)
	b.publish(b.chatSubject+e.ChatID, appendChat(make([]byte, 0, 256+len(e.Data)), b.own, &e), nil)
}

// PublishSetting delivers a committed settings change here, then to the other nodes.
func (b *Bus) PublishSetting(s changes.Setting) {
	b.Local.PublishSetting(s)
	b.send(b.settingsSubject+strconv.FormatInt(s.TenantID, 10), envelope{Node: b.node, Setting: &s})
}

func (b *Bus) send(subject string, env envelope) {
	data, err := json.Marshal(env)
	b.publish(subject, data, err)
}

// publish sends an encoded fact (err: it could not be encoded).
func (b *Bus) publish(subject string, data []byte, err error) {
	if err == nil {
		err = b.nc.Publish(subject, data)
	}
	if err != nil {
		// Another node's subscriber then misses it: its connections catch up from the
		// database when the chat's next event arrives, or on their resume.
		b.dropped.Add(1)
		b.log.Warn("natsbus: publish failed", "subject", subject, "err", err)
		return
	}
	b.sent.Add(1)
}

// receiveChat delivers another node's chat event (receive) inside a hold of the hub while more
// of them wait in the subscription: a commit of 100 messages on one node is 100 events for
// another node's agents, which would otherwise cost a socket write each.
func (b *Bus) receiveChat(m *nats.Msg) {
	if b.hold == nil {
		b.receive(m)
		return
	}
	// The subscription counts the event being delivered as pending until its handler returns
	// (nats.go settles each delivery's count at the next one); TestBurstsDeliveredInHolds
	// fails if that changes.
	waiting := func() bool { n, _, err := m.Sub.Pending(); return err == nil && n > 1 }
	b.hmu.Lock()
	if b.released == nil && !b.closed && waiting() {
		b.released, b.heldFor = b.hold(), 0
	}
	b.hmu.Unlock()
	b.receive(m)
	b.hmu.Lock()
	if b.released != nil {
		b.heldFor++
		if b.heldFor >= holdBurst || !waiting() {
			b.released()
			b.released = nil
		}
	}
	b.hmu.Unlock()
}

func (b *Bus) receive(m *nats.Msg) {
	if bytes.HasPrefix(m.Data, b.own) {
		// This node's own fact (the envelope's first field): delivered here when published.
		// With n nodes every node gets every fact, a n-th of them its own: decoding them
		// was a n-th of the decoding.
		return
	}
	var env envelope
	if err := json.Unmarshal(m.Data, &env); err != nil {
		b.log.Warn("natsbus: undecodable message", "subject", m.Subject, "err", err)
		return
	}
	if env.Node == b.node {
		return
	}
	b.received.Add(1)
	switch {
	case env.Chat != nil:
		env.Chat.Remote = true
		b.Local.PublishChat(*env.Chat)
	case env.Setting != nil:
		b.Local.PublishSetting(*env.Setting)
	}
}

// Stats are the bus's counters for /metrics.
type Stats struct {
	// Sent and Received count facts sent to and received from other nodes; Dropped those
	// that could not be sent.
	Sent, Received, Dropped uint64
	// RTT is a round trip to the NATS server now, 0 when it failed.
	RTT time.Duration
}

// Stats measures a round trip and reads the counters.
func (b *Bus) Stats() Stats {
	rtt, err := b.nc.RTT()
	if err != nil {
		rtt = 0
	}
	return Stats{Sent: b.sent.Load(), Received: b.received.Load(), Dropped: b.dropped.Load(), RTT: rtt}
}

// Connected reports whether the NATS connection is up, for /readyz.
func (b *Bus) Connected() bool { return b.nc.IsConnected() }

func (b *Bus) unsubscribe() {
	for _, s := range b.subs {
		_ = s.Unsubscribe()
	}
	b.subs = nil
}

// Close stops receiving from the other nodes and closes the local bus.
func (b *Bus) Close() {
	b.unsubscribe()
	b.hmu.Lock()
	b.closed = true
	if b.released != nil {
		// The events that waited behind the last one delivered went with the subscription.
		b.released()
		b.released = nil
	}
	b.hmu.Unlock()
	b.Local.Close()
}

var _ changes.Bus = (*Bus)(nil)

// appendChat appends the envelope of a chat event, as json.Marshal would write it, to dst; own
// is the envelope's beginning with this node's name ({"node":"<node>",). The event's data is
// JSON the store wrote and is copied as it is: json.Marshal would scan it and copy it again
// for every event.
func appendChat(dst, own []byte, e *changes.ChatEvent) []byte {
	dst = append(dst, own...)
	dst = append(dst, `"chat":{"chat":`...)
	dst = appendString(dst, e.ChatID)
	dst = append(dst, `,"tenant":`...)
	dst = strconv.AppendInt(dst, e.TenantID, 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, e.Seq, 10)
	if e.VisitorSeq != 0 {
		dst = append(dst, `,"visitor_seq":`...)
		dst = strconv.AppendUint(dst, e.VisitorSeq, 10)
	}
	dst = append(dst, `,"type":`...)
	dst = appendString(dst, e.Type)
	if len(e.Data) > 0 {
		dst = append(dst, `,"data":`...)
		dst = append(dst, e.Data...)
	}
	dst = append(dst, `,"at":"`...)
	dst = e.At.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, `"}}`...)
}

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
