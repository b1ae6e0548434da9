package chat

import (
	"strings"
	"sync/atomic"

	"github.com/parleychat/parley/backend/push"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Pusher delivers the Web Push notices the chat service writes with its events (package push
// sends them from the store's push outbox); Wake tells it that some were committed, so that
// they go out at once. Wake must not block.
type Pusher interface {
	Wake()
}

// pushOffer writes a push of an offer to an agent with no live connection, to ring until the
// offer expires. Routing offers chats to connected agents only, so this pushes the offers that
// were ringing when the app closed, and one made in the moment it closed. The push goes
// through the group commit like every chat event; whether the agent is connected is asked again
// in its transaction.
func (s *Service) pushOffer(agentID int64, o protocol.Offer) {
	if s.cfg.Push == nil || s.agentConnected(agentID) {
		return
	}
	text := o.Connector
	if q := strings.TrimSpace(o.Question); q != "" {
		text = q
	}
	wanted := new(atomic.Bool)
	n := store.PushNotice{UserID: agentID, Kind: push.KindOffer, ChatID: o.Chat, Visitor: o.Visitor, Text: text, Expires: o.Expires,
		If: s.unlessConnected(agentID, wanted)}
	s.st.Enqueue(store.Write{Pushes: []store.PushNotice{n}}, func(err error) { s.pushed(wanted, err) })
}

// messagePushes are the pushes of a visitor's message m for the agents taking part in chat
// ch, to be written with the message: each is written only if its agent has no live
// connection when the message is stored (asked in the transaction that stores it), so that an
// acknowledged message has its pushes stored too. Whispers, notes and the agents' and system's
// lines push nothing, nor do observers' and supervisors' chats. wanted learns whether any was
// written. Caller holds ch.mu.
func (s *Service) messagePushes(ch *liveChat, m *protocol.Message, wanted *atomic.Bool) []store.PushNotice {
	if s.cfg.Push == nil || m.Role != protocol.RoleVisitor || m.Internal {
		return nil
	}
	text := strings.TrimSpace(m.Text)
	if m.File != nil && text == "" {
		text = m.File.Name
	}
	var out []store.PushNotice
	expires := s.clk.Now().Add(push.DefaultMessageTTL)
	for uid, mem := range ch.agents {
		if mem.part == protocol.PartOwner || mem.part == protocol.PartParticipant {
			out = append(out, store.PushNotice{UserID: uid, Kind: push.KindMessage, ChatID: ch.id, Visitor: ch.rec.VisitorName, Text: text,
				Expires: expires, If: s.unlessConnected(uid, wanted)})
		}
	}
	return out
}

// unlessConnected is a notice's If: true while agent uid has no live connection, which it also
// tells wanted.
func (s *Service) unlessConnected(uid int64, wanted *atomic.Bool) func() bool {
	return func() bool {
		if s.agentConnected(uid) {
			return false
		}
		wanted.Store(true)
		return true
	}
}

// pushed wakes the pusher after a commit that wrote pushes.
func (s *Service) pushed(wanted *atomic.Bool, err error) {
	if err == nil && wanted.Load() {
		s.cfg.Push.Wake()
	}
}
