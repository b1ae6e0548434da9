package chat

import (
	"context"
	"errors"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// openChatsStore is the store's list of an address's open chats over every node.
type openChatsStore interface {
	OpenChatsFrom(ctx context.Context, tenantID int64, ip string, limit int) ([]store.OpenChat, error)
}

// openChatsRead bounds how many of an address's open chats the limits read from the store.
const openChatsRead = 1000

// checkOpenChats refuses a new chat when the visitor, or their address, already has the most
// open chats the tenant allows: a flood of requests from one page or one address cannot tie
// up every agent. In a cluster (Config.Claim set) the chats other nodes hold count too: they
// are read from the store, with this node's own that are not committed yet.
func (s *Service) checkOpenChats(ctx context.Context, tenantID int64, t store.TenantSettings, visitor, ip string) error {
	if t.MaxChatsPerVisitor <= 0 && t.MaxChatsPerIP <= 0 {
		return nil
	}
	byVisitor, byIP := map[string]bool{}, map[string]bool{}
	for _, ch := range s.chatList() {
		ch.mu.Lock()
		if ch.rec.TenantID == tenantID && !ch.closed() {
			if ch.visitorKey == visitor {
				byVisitor[ch.id] = true
			}
			if ch.rec.IP == ip {
				byIP[ch.id] = true
			}
		}
		ch.mu.Unlock()
	}
	if os, ok := s.st.(openChatsStore); ok && s.cfg.Claim != nil {
		open, err := os.OpenChatsFrom(ctx, tenantID, ip, openChatsRead)
		if err != nil {
			return err
		}
		for _, c := range open {
			byIP[c.ID] = true
			if c.VisitorID != "" && visitorKey(c.ConnectorID, ip, c.VisitorID, "") == visitor {
				byVisitor[c.ID] = true
			}
		}
	}
	switch {
	case t.MaxChatsPerVisitor > 0 && len(byVisitor) >= t.MaxChatsPerVisitor:
		return tooManyChats(true, len(byVisitor))
	case t.MaxChatsPerIP > 0 && len(byIP) >= t.MaxChatsPerIP:
		return tooManyChats(false, len(byIP))
	}
	return nil
}

// tooManyChats is the refusal of a chat past an open chat limit: the visitor's, or their
// address's, which has open chats already.
func tooManyChats(visitor bool, open int) error {
	if visitor {
		return protocol.Errorf(protocol.CodeRateLimited, "you already have %d open chats; close one and try again", open)
	}
	return protocol.Errorf(protocol.CodeRateLimited, "there are already %d open chats from your network address; close one and try again", open)
}

// openChatLimit is a new chat's open chat limits for its first write: checkOpenChats reads
// the open chats before the chat exists, and two requests at once (on two nodes, or on one)
// could both pass it; the store counts again in the transaction that creates the chat, which
// requests from the same address take one at a time. A visitor without a widget's visitor id
// is counted by their connection, which only this node has. Nil without limits.
func openChatLimit(t store.TenantSettings, visitorID string) *store.OpenChatLimit {
	if t.MaxChatsPerVisitor <= 0 && t.MaxChatsPerIP <= 0 {
		return nil
	}
	return &store.OpenChatLimit{PerVisitor: t.MaxChatsPerVisitor, PerIP: t.MaxChatsPerIP, VisitorID: visitorID}
}

// openChatsError is the answer to a chat request whose first write failed: the refusal of
// the limit the store found passed, or the store's error.
func openChatsError(err error) error {
	var le *store.OpenChatLimitError
	if errors.As(err, &le) {
		return tooManyChats(le.PerVisitor, le.Open)
	}
	return err
}
