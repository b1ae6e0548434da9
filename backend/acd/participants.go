package acd

// ParticipantJoined is an agent joining an accepted chat as a participant, one who writes to
// the visitor beside the owner (invited, or a supervisor who joined): the chat takes a slot of
// their capacity, as a chat of their own would, so that the ACD does not offer them more chats
// than they can answer. Observers read along unseen and take no slot: the owner of the engine
// sends nothing for them, and [ParticipantLeft] when a participant becomes one.
type ParticipantJoined struct {
	Chat  ChatID
	Agent AgentID
}

// ParticipantLeft is a participant leaving the chat (or becoming an observer): the slot is free.
type ParticipantLeft struct {
	Chat  ChatID
	Agent AgentID
}

func (ParticipantJoined) isEvent() {}
func (ParticipantLeft) isEvent()   {}

func (e *Engine) onParticipantJoined(ev ParticipantJoined) {
	c := e.chats[ev.Chat]
	if c == nil || (c.state != Accepted && c.state != Handling) || c.agent.id == ev.Agent {
		return
	}
	a := e.agent(ev.Agent)
	if a.parts == nil {
		a.parts = make(map[ChatID]*chat)
	}
	if a.parts[c.id] != nil {
		return
	}
	a.parts[c.id] = c
	if c.parts == nil {
		c.parts = make(map[AgentID]*agent)
	}
	c.parts[a.id] = a
	e.changeLoad(a, +1)
}

func (e *Engine) onParticipantLeft(ev ParticipantLeft) {
	c := e.chats[ev.Chat]
	if c == nil {
		return
	}
	a := c.parts[ev.Agent]
	if a == nil {
		return
	}
	if x := c.xfer; x != nil && x.offered == a && !x.slot {
		// The chat is offered to them: the slot stays, for the offer.
		delete(c.parts, a.id)
		delete(a.parts, c.id)
		x.slot = true
		return
	}
	e.releasePart(c, a)
}

// releasePart frees the slot participant a holds in c.
func (e *Engine) releasePart(c *chat, a *agent) {
	delete(c.parts, a.id)
	delete(a.parts, c.id)
	e.changeLoad(a, -1)
}

// releaseParts frees the slots of every participant of c (the chat ends).
func (e *Engine) releaseParts(c *chat) {
	for _, a := range sortedAgents(c.parts) {
		e.releasePart(c, a)
	}
}

func sortedAgents(m map[AgentID]*agent) []*agent {
	out := make([]*agent, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].id < out[j-1].id; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
