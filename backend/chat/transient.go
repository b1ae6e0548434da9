package chat

import (
	"github.com/parleychat/parley/backend/chat/fanout"
	"github.com/parleychat/parley/shared/protocol"
)

// Transient events (typing, previews, presence, queue places, field requests) are not stored
// and have no sequence number. In a cluster, a chat's connections may be on several nodes
// while one node holds it: the node where such an event arises sends it to its own followers
// of the chat and hands it to Config.PublishTransient, and every other node delivers it to its
// followers of that chat ([Service.DeliverTransient]) with the same rule of who gets it. Best
// effort: a lost one is replaced by the next of its kind (a connection keeps the latest per
// key anyway).

// TransientTo says which of a chat's connections a transient event is for, in a form that
// every node applies to its own connections: those of one role (all when Role is empty),
// leaving out the connections of agent Except (the agent's own typing).
type TransientTo struct {
	Role   protocol.Role `json:"role,omitempty"`
	Except int64         `json:"except,omitempty"`
}

// Who gets which transient event.
var (
	toVisitor = TransientTo{Role: protocol.RoleVisitor}
	toAgents  = TransientTo{Role: protocol.RoleAgent}
)

// match is the rule on one subscription.
func (t TransientTo) match(sub *fanout.Sub) bool {
	w := tagOf(sub)
	return (t.Role == "" || w.role == t.Role) && (t.Except == 0 || w.userID != t.Except)
}

// transient sends a transient event to this node's followers of the chat and to the other
// nodes'.
func (s *Service) transient(chatID, key string, body protocol.EventBody, to TransientTo) {
	frame, err := protocol.EncodeEvent(protocol.Event{Chat: chatID, Body: body})
	if err != nil {
		s.log.Error("encode transient event", "chat", chatID, "type", body.EventType(), "err", err)
		return
	}
	s.hub.TransientFrame(chatID, key, frame, to.match)
	if s.cfg.PublishTransient != nil {
		s.cfg.PublishTransient(chatID, key, to, frame)
	}
}

// Follows reports whether a connection on this node follows the chat: another node's
// transient events for chats nobody follows here are left undecoded.
func (s *Service) Follows(chatID string) bool { return s.hub.Followed(chatID) }

// DeliverTransient delivers a transient event another node published (an encoded event
// frame of the chat) to this node's followers of the chat that to names.
func (s *Service) DeliverTransient(chatID, key string, to TransientTo, frame []byte) {
	s.hub.TransientFrame(chatID, key, frame, to.match)
}
