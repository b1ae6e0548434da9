package chat

import "github.com/parleychat/parley/shared/texts"

// noAgentsLine is the connector's noAgents text (jtel), sent to a visitor whose chat is
// requested while no agent who could take it is signed in. The chat still waits: an agent may
// sign in during the free-agent search, and only the end of the search closes it with
// byeNoAgent. Caller holds ch.mu.
func (s *Service) noAgentsLine(ch *liveChat) emission {
	return s.systemLine(ch, texts.NoAgents, "pagingmessage")
}
