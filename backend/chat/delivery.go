package chat

import "github.com/parleychat/parley/shared/protocol"

// LineStatus records in chat chatID that the agent's line with sequence number line reached
// status on the customer's channel (see [protocol.LineStatus]): a durable event for the
// chat's agents, so that their apps mark the line now and after a resume. A chat that is no
// longer open takes no more events; its lines' states stay where the channel keeps them.
func (s *Service) LineStatus(chatID string, line uint64, status, reason string) {
	ch := s.chatFor(chatID)
	if ch == nil || line == 0 {
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.closed() {
		return
	}
	s.emit(ch, nil, emission{body: &protocol.LineStatus{Line: line, Status: status, Reason: reason, At: s.stamp()}, agentsOnly: true})
}
