package chat

import (
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// checkOpenChats refuses a new chat when the visitor, or their address, already has the most
// open chats the tenant allows: a flood of requests from one page or one address cannot tie
// up every agent.
func (s *Service) checkOpenChats(tenantID int64, t store.TenantSettings, visitor, ip string) error {
	if t.MaxChatsPerVisitor <= 0 && t.MaxChatsPerIP <= 0 {
		return nil
	}
	byVisitor, byIP := 0, 0
	for _, ch := range s.chatList() {
		ch.mu.Lock()
		if ch.rec.TenantID == tenantID && !ch.closed() {
			if ch.visitorKey == visitor {
				byVisitor++
			}
			if ch.rec.IP == ip {
				byIP++
			}
		}
		ch.mu.Unlock()
	}
	switch {
	case t.MaxChatsPerVisitor > 0 && byVisitor >= t.MaxChatsPerVisitor:
		return protocol.Errorf(protocol.CodeRateLimited, "you already have %d open chats; close one and try again", byVisitor)
	case t.MaxChatsPerIP > 0 && byIP >= t.MaxChatsPerIP:
		return protocol.Errorf(protocol.CodeRateLimited, "there are already %d open chats from your network address; close one and try again", byIP)
	}
	return nil
}
