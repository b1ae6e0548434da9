package chat

import (
	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/shared/protocol"
)

// countPart tells the routing engine that an agent's part in a chat changed from was to now
// (either may be empty: not in the chat): a participant writes to the visitor and so takes a
// slot of their capacity, an observer or supervisor reading along takes none. The owner's slot
// is the engine's own business (offers, transfers). It never waits, so callers may hold locks.
func (s *Service) countPart(chatID string, uid int64, was, now protocol.Part) {
	switch {
	case was != protocol.PartParticipant && now == protocol.PartParticipant:
		s.router.Submit(acd.ParticipantJoined{Chat: acd.ChatID(chatID), Agent: acd.AgentID(uid)})
	case was == protocol.PartParticipant && now != protocol.PartParticipant:
		s.router.Submit(acd.ParticipantLeft{Chat: acd.ChatID(chatID), Agent: acd.AgentID(uid)})
	}
}

// countParts tells the engine about the participants of a chat restored at start.
// Caller holds ch.mu or owns ch alone.
func (s *Service) countParts(ch *liveChat) {
	for uid, m := range ch.agents {
		s.countPart(ch.id, uid, "", m.part)
	}
}
