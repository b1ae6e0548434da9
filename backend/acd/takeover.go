package acd

import "time"

// Takeover is a supervisor (Agent) making a chat their own: a waiting chat leaves the queue (an
// offer to someone else is withdrawn with [RevokeTakenOver]), an accepted one leaves its agent.
// From is the agent the supervisor saw handling the chat, 0 for a waiting one; when the chat
// has moved on since (someone else took it), nothing happens, so that of two supervisors taking
// the same chat exactly one wins. The chat's load moves to the supervisor, whatever their free
// capacity and the connector's MaxChatsAll: taking over is a deliberate act, not routing (while
// a connector is over its limit, routing offers none of its chats). It is answered by
// [TakenOver].
type Takeover struct {
	Chat  ChatID
	Agent AgentID
	From  AgentID
}

// TakenOver confirms that Agent now owns Chat, taken from From (0: it was waiting). The chat
// counts as handled (no answer-time requeue): the supervisor chose it.
type TakenOver struct {
	Chat  ChatID
	Agent AgentID
	From  AgentID
}

// RevokeTakenOver: a supervisor took the offered chat.
const RevokeTakenOver RevokeReason = "taken_over"

func (Takeover) isEvent()     {}
func (TakenOver) isDecision() {}

// onTakeover carries out a [Takeover]. A waiting chat leaves the queue as an accepted offer
// does (leaveQueue, unhook of the offer), then is hooked to the supervisor like an offer.
func (e *Engine) onTakeover(now time.Time, ev Takeover) {
	c := e.chats[ev.Chat]
	if c == nil {
		return
	}
	a := e.agent(ev.Agent)
	var from AgentID
	switch c.state {
	case Queued:
		if ev.From != 0 {
			return
		}
		e.leaveQueue(c)
	case Offered:
		if ev.From != 0 {
			return
		}
		o := c.agent
		e.emit(RevokeOffer{Chat: c.id, Agent: o.id, Reason: RevokeTakenOver})
		e.log(now, c, o.id, evRevoked, passReason{text: string(RevokeTakenOver)})
		e.leaveQueue(c)
		e.unhook(c)
	case Accepted, Handling:
		if c.agent == nil || c.agent.id != ev.From || c.agent == a {
			return
		}
		e.failTransfer(now, c, TransferTakenOver) // the supervisor's word goes before a handover
		from = e.unhook(c).id
	default:
		return
	}
	if from == 0 {
		c.acceptedAt = now
		if g := c.conn.group; g != nil {
			g.wait.add(now.Sub(c.searchStart), e.opts.EWMAWeight)
		}
	}
	c.agent = a
	a.chats[c.id] = c
	c.target.Agent = 0 // as after a transfer: the chat is the supervisor's now
	e.changeLoad(a, +1)
	e.changeConnLoad(c.conn, +1)
	c.state = Handling
	c.expires = time.Time{}
	e.scheduleChat(now, c, false)
	e.log(now, c, a.id, evTakenOver, passReason{})
	e.emit(TakenOver{Chat: c.id, Agent: a.id, From: from})
}
