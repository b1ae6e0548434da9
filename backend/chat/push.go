package chat

import (
	"encoding/json"
	"strings"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/push"
	"github.com/parleychat/parley/shared/protocol"
)

// Pusher is told of what an agent whose app is closed should hear about (Web Push, package
// push). Notify must not block.
type Pusher interface {
	Notify(n push.Notice) bool
}

// pushOffer tells an agent with no live connection of an offer, until it expires. Routing
// offers chats to connected agents only, so this pushes the offers that were ringing when the
// app closed, and one made in the moment it closed.
func (s *Service) pushOffer(agentID int64, o protocol.Offer) {
	if s.cfg.Push == nil || s.agentConnected(agentID) {
		return
	}
	text := o.Connector
	if q := strings.TrimSpace(o.Question); q != "" {
		text = q
	}
	s.cfg.Push.Notify(push.Notice{UserID: agentID, Kind: push.KindOffer, Chat: o.Chat, Visitor: o.Visitor, Text: text, Expires: o.Expires})
}

// pushMessage tells the agents taking part in a chat who have no live connection of a
// visitor's committed message. Whispers, notes and the agents' and system's lines push
// nothing, nor do observers' and supervisors' chats.
func (s *Service) pushMessage(ev changes.ChatEvent) {
	if s.cfg.Push == nil || ev.Type != string(protocol.TypeMessage) {
		return
	}
	var m protocol.Message
	if json.Unmarshal(ev.Data, &m) != nil || m.Role != protocol.RoleVisitor || m.Internal {
		return
	}
	ch := s.chatFor(ev.ChatID)
	if ch == nil {
		return
	}
	ch.mu.Lock()
	visitor := ch.rec.VisitorName
	var agents []int64
	for uid, mem := range ch.agents {
		if mem.part == protocol.PartOwner || mem.part == protocol.PartParticipant {
			agents = append(agents, uid)
		}
	}
	ch.mu.Unlock()
	text := strings.TrimSpace(m.Text)
	if m.File != nil && text == "" {
		text = m.File.Name
	}
	for _, uid := range agents {
		if !s.agentConnected(uid) {
			s.cfg.Push.Notify(push.Notice{UserID: uid, Kind: push.KindMessage, Chat: ev.ChatID, Visitor: visitor, Text: text,
				Expires: s.clk.Now().Add(push.DefaultMessageTTL)})
		}
	}
}
