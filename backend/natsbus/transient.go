package natsbus

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/nats-io/nats.go"
)

// Transient is a chat event that is not stored (typing, a preview, presence): the node where
// it arises sends it to its own connections and publishes it on <prefix>.transient.<chat>,
// best effort and unnumbered, for the other nodes' connections that follow the chat.
type Transient struct {
	Chat string `json:"chat"`
	// Key is the event's kind, of which a connection keeps only the latest waiting.
	Key string `json:"key"`
	// Role and Except say whose connections get it: those of Role (all when empty), but not
	// those of agent Except.
	Role   string `json:"role,omitempty"`
	Except int64  `json:"except,omitempty"`
	// Frame is the encoded event, as it is sent to the connections.
	Frame json.RawMessage `json:"frame"`
}

// transientEnvelope is a Transient on NATS with its node first, like envelope.
type transientEnvelope struct {
	Node string `json:"node"`
	Transient
}

// TransientReceiver takes the other nodes' transient events: Wants says whether this node
// has connections following a chat (when not, the message is left undecoded), and Deliver
// hands an event to them.
type TransientReceiver struct {
	Wants   func(chatID string) bool
	Deliver func(Transient)
}

// ReceiveTransient subscribes to the other nodes' transient events and hands them to r.
func (b *Bus) ReceiveTransient(r TransientReceiver) error {
	subject := b.transientSubject
	sub, err := b.nc.Subscribe(subject+">", func(m *nats.Msg) {
		if bytes.HasPrefix(m.Data, b.own) || !r.Wants(strings.TrimPrefix(m.Subject, subject)) {
			return
		}
		var env transientEnvelope
		if err := json.Unmarshal(m.Data, &env); err != nil {
			b.log.Warn("natsbus: undecodable transient event", "subject", m.Subject, "err", err)
			return
		}
		if env.Node == b.node {
			return
		}
		r.Deliver(env.Transient)
	})
	if err != nil {
		return err
	}
	// Typing comes in bursts from many chats; a slow moment must not cut the subscription off.
	_ = sub.SetPendingLimits(1<<16, 64<<20)
	b.subs = append(b.subs, sub)
	return b.nc.Flush()
}

// PublishTransient sends a transient event of this node to the others. It is not counted
// among the facts of Stats; a failure (NATS unreachable, which /readyz and the facts' own
// failures report) is logged at debug level only, as typing would flood the log: the
// connections elsewhere miss one typing or presence change.
func (b *Bus) PublishTransient(t Transient) {
	data, err := json.Marshal(transientEnvelope{Node: b.node, Transient: t})
	if err == nil {
		err = b.nc.Publish(b.transientSubject+t.Chat, data)
	}
	if err != nil {
		b.log.Debug("natsbus: transient event not sent", "chat", t.Chat, "key", t.Key, "err", err)
	}
}
