package chat

import (
	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/shared/protocol"
)

// Agent notices: in a cluster, the node holding a chat decides about invitations into it and
// takeovers of it, while the agents concerned may be connected to other nodes. The holder tells
// its own connections of an agent and hands the same notice to Config.PublishAgent; every other
// node delivers it to its connections of that agent ([Service.DeliverAgent]) and keeps what the
// agent's next connection must find (an open invitation). Best effort, like the transient
// events: a notice lost with a node is replaced by the chat's stored events and the invitation's
// expiry.

// AgentNotice is one agent's notice about one chat: exactly one of its bodies is set.
type AgentNotice struct {
	Agent int64  `json:"agent"`
	Chat  string `json:"chat"`
	// Invitation asks the agent into the chat; kept for their new connections until it ends.
	Invitation *protocol.Invitation `json:"invitation,omitempty"`
	// InviteEnded ends an invitation of the agent's (invited or inviting).
	InviteEnded *protocol.InviteEnded `json:"invite_ended,omitempty"`
	// TakenOver tells the agent a supervisor took the chat from them: it leaves their app.
	TakenOver *protocol.TakenOver `json:"taken_over,omitempty"`
}

// publishAgent hands a notice to the other nodes, in a cluster.
func (s *Service) publishAgent(n AgentNotice) {
	if s.cfg.PublishAgent != nil {
		s.cfg.PublishAgent(n)
	}
}

// DeliverAgent carries out another node's notice for this node's connections of its agent.
func (s *Service) DeliverAgent(n AgentNotice) {
	var body protocol.EventBody
	s.mu.Lock()
	a := s.agents[n.Agent]
	switch {
	case a == nil:
	case n.Invitation != nil:
		a.invites[n.Chat] = *n.Invitation
		body = n.Invitation
	case n.InviteEnded != nil:
		if n.InviteEnded.UserID == n.Agent {
			delete(a.invites, n.Chat)
		}
		body = n.InviteEnded
	case n.TakenOver != nil:
		body = n.TakenOver
	}
	s.mu.Unlock()
	if body == nil {
		return
	}
	for _, ss := range s.agentSessions(n.Agent) {
		ss.send(protocol.Event{Chat: n.Chat, Body: body})
	}
	if n.TakenOver != nil {
		s.dropAgent(n.Agent, n.Chat)
	}
}

// signedInAnywhere reports whether an agent has a connection to this node or, in a cluster,
// to another one (as the routing engine knows).
func (s *Service) signedInAnywhere(uid int64) bool {
	if len(s.agentSessions(uid)) > 0 {
		return true
	}
	if !s.clustered() {
		return false
	}
	for _, l := range s.router.Snapshot().Agents {
		if l.Agent == acd.AgentID(uid) {
			return l.Connected
		}
	}
	return false
}

// invitationHere is the agent's open invitation into a chat as this node was told of it.
func (s *Service) invitationHere(uid int64, chatID string) (protocol.Invitation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.agents[uid]; a != nil {
		inv, ok := a.invites[chatID]
		return inv, ok
	}
	return protocol.Invitation{}, false
}
