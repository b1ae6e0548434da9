package server

import (
	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/natsbus"
	"github.com/parleychat/parley/shared/protocol"
)

// publishTransient is chat.Config.PublishTransient in cluster mode: a chat's transient events
// reach its followers on the other nodes through the bus (receiveTransient there).
func (s *clusterPart) publishTransient() func(chatID, key string, to chat.TransientTo, frame []byte) {
	if s.bus == nil {
		return nil
	}
	return func(chatID, key string, to chat.TransientTo, frame []byte) {
		s.bus.PublishTransient(natsbus.Transient{Chat: chatID, Key: key, Role: string(to.Role), Except: to.Except, Frame: frame})
	}
}

// receiveTransient delivers the other nodes' transient events to this node's followers of
// their chats.
func (s *clusterPart) receiveTransient(chats *chat.Service) error {
	if s.bus == nil {
		return nil
	}
	return s.bus.ReceiveTransient(natsbus.TransientReceiver{Wants: chats.Follows, Deliver: func(t natsbus.Transient) {
		chats.DeliverTransient(t.Chat, t.Key, chat.TransientTo{Role: protocol.Role(t.Role), Except: t.Except}, t.Frame)
	}})
}
