package chat

import (
	"context"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// AgentChanged makes an agent's new settings (capacity, groups, skills, active) take effect at
// once for routing, whether or not the agent is signed in.
func (s *Service) AgentChanged(u store.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[u.ID]
	if a == nil {
		return // not signed in: the engine learns the settings at the next sign-in
	}
	if !u.Active {
		for c := range a.conns {
			c.Close(protocol.CloseUnauthorized, "account deactivated")
		}
	}
	u.StatusID = a.user.StatusID
	a.user = u
	s.router.submit(agentState(u, a.statuses, len(a.conns) > 0))
}

// StatusesChanged makes a tenant's edited agent statuses (allows chat, settable) apply at once
// to its signed-in agents.
func (s *Service) StatusesChanged(ctx context.Context, tenantID int64) error {
	statuses, err := s.st.Statuses(ctx, tenantID)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.agents {
		if a.user.TenantID == tenantID {
			a.statuses = statuses
			s.router.submit(agentState(a.user, statuses, len(a.conns) > 0))
		}
	}
	return nil
}

// Snapshot is the routing state for supervisors: agents with their load, waiting chats with
// their wait. It is consistent: taken on the routing goroutine in one go.
func (s *Service) Snapshot() acd.Snapshot {
	var snap acd.Snapshot
	s.router.do(func(e *acd.Engine) { snap = e.Snapshot(time.Now()) })
	return snap
}

// Explain returns the routing decision log of a chat: which agents were considered and why
// each was passed over.
func (s *Service) Explain(chatID string) []acd.LogEntry {
	return s.router.explain(acd.ChatID(chatID))
}
