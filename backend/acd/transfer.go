package acd

import (
	"slices"
	"sort"
	"time"
)

// DefaultTransferWait is how long a transfer waits for an agent to accept when neither the
// event nor the connector whose rules apply sets a connect wait: a transfer that could wait
// for ever would leave its owner unsure whether the chat is still theirs.
const DefaultTransferWait = time.Minute

// TransferRequested is an owner handing an accepted chat on (Znuny "transfer" / "channel
// change"). Exactly one target is set: ToAgent (offered to that agent only), ToGroup (offered
// within that group by its strategy) or ToConnector (routed by that connector's group, skills
// and capacity, as a new chat of it would be). The chat stays with its owner, and counts
// against the owner's capacity, until an agent accepts the [TransferOffer]; it keeps its
// request time and so its place among waiting chats. If nobody accepts within Wait (0 = the
// connect wait of the connector whose rules apply, else [DefaultTransferWait]), the transfer
// fails with [TransferFailed] and the owner keeps the chat.
type TransferRequested struct {
	Chat        ChatID
	By          AgentID
	ToAgent     AgentID
	ToGroup     GroupID
	ToConnector ConnectorID
	Wait        time.Duration
}

// TransferCanceled is the owner withdrawing a pending transfer; a pending offer is revoked.
type TransferCanceled struct {
	Chat ChatID
	By   AgentID
}

func (TransferRequested) isEvent() {}
func (TransferCanceled) isEvent()  {}

// TransferFailReason says why a transfer ended without a handover.
type TransferFailReason string

// Reasons for [TransferFailed].
const (
	// TransferTimeout: nobody accepted within the wait.
	TransferTimeout TransferFailReason = "timeout"
	// TransferDeclined: the agent the chat was transferred to declined it.
	TransferDeclined TransferFailReason = "declined"
	// TransferNotOwner: the chat is not accepted by the agent asking.
	TransferNotOwner TransferFailReason = "not_owner"
	// TransferBusy: another transfer of the chat is pending.
	TransferBusy TransferFailReason = "pending"
	// TransferSelf: the target is the owner.
	TransferSelf TransferFailReason = "self"
	// TransferUnknownTarget: no target, more than one, or one the engine does not know.
	TransferUnknownTarget TransferFailReason = "unknown_target"
	// TransferTargetClosed: the target connector is out of service or outside its hours.
	TransferTargetClosed TransferFailReason = "target_closed"
	// TransferRequeued: the chat went back to the queue (its owner did not come back, or did
	// not answer in time) while the transfer was pending.
	TransferRequeued TransferFailReason = "requeued"
	// TransferChatClosed: the chat ended while the transfer was pending.
	TransferChatClosed TransferFailReason = "closed"
	// TransferWithdrawn: the owner canceled the transfer.
	TransferWithdrawn TransferFailReason = "canceled"
	// TransferTakenOver: a supervisor took the chat over while the transfer was pending.
	TransferTakenOver TransferFailReason = "taken_over"
)

// TransferOffer asks the owner of the engine to offer a chat being transferred to Agent.
// Agent answers with [OfferAccepted] or [OfferDeclined], as for any offer; the offer lapses
// at Expires, the end of the transfer's wait ([RevokeOffer] with [RevokeTimeout] comes then).
type TransferOffer struct {
	Chat    ChatID
	Agent   AgentID
	From    AgentID
	Expires time.Time
}

// TransferDone confirms a handover: To owns the chat now, From no longer does.
type TransferDone struct {
	Chat     ChatID
	From, To AgentID
}

// TransferFailed ends a transfer without a handover: Owner keeps the chat (unless Reason is
// [TransferRequeued] or [TransferChatClosed]).
type TransferFailed struct {
	Chat   ChatID
	Owner  AgentID
	Reason TransferFailReason
}

func (TransferOffer) isDecision()  {}
func (TransferDone) isDecision()   {}
func (TransferFailed) isDecision() {}

// xfer is a pending transfer of an accepted chat.
type xfer struct {
	toAgent  *agent     // agent target
	group    *group     // group or connector target: where candidates come from
	conn     *connector // connector target: whose skills and capacity apply
	offered  *agent     // the agent the chat is offered to now
	slot     bool       // the offer took a slot of offered (not a participant of the chat already)
	declined []AgentID
	until    time.Time
}

func (e *Engine) onTransferRequested(now time.Time, ev TransferRequested) {
	c := e.chats[ev.Chat]
	fail := func(r TransferFailReason) {
		owner := AgentID(0)
		if c != nil && c.agent != nil && (c.state == Accepted || c.state == Handling) {
			owner = c.agent.id
		}
		e.emit(TransferFailed{Chat: ev.Chat, Owner: owner, Reason: r})
	}
	switch {
	case c == nil || (c.state != Accepted && c.state != Handling) || c.agent.id != ev.By:
		fail(TransferNotOwner)
		return
	case c.xfer != nil:
		fail(TransferBusy)
		return
	}
	n := 0
	for _, set := range []bool{ev.ToAgent != 0, ev.ToGroup != 0, ev.ToConnector != 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		fail(TransferUnknownTarget)
		return
	}
	x := &xfer{}
	wait := ev.Wait
	switch {
	case ev.ToAgent != 0:
		if ev.ToAgent == ev.By {
			fail(TransferSelf)
			return
		}
		x.toAgent = e.agent(ev.ToAgent)
		if wait <= 0 {
			wait = c.conn.cfg.ConnectWait
		}
	case ev.ToGroup != 0:
		g := e.groups[ev.ToGroup]
		if g == nil {
			fail(TransferUnknownTarget)
			return
		}
		x.group = g
		if wait <= 0 {
			wait = c.conn.cfg.ConnectWait
		}
	default:
		k := e.connectors[ev.ToConnector]
		switch {
		case k == nil || !k.configured || k.group == nil:
			fail(TransferUnknownTarget)
			return
		case k.cfg.OutOfService || (k.cfg.Hours != nil && !k.cfg.Hours.OpenAt(now)):
			fail(TransferTargetClosed)
			return
		}
		x.group, x.conn = k.group, k
		if wait <= 0 {
			wait = k.cfg.ConnectWait
		}
	}
	if wait <= 0 {
		wait = DefaultTransferWait
	}
	x.until = now.Add(wait)
	c.xfer = x
	e.xfers[c.id] = c
	e.setTimer(c, tTransfer, x.until)
}

func (e *Engine) onTransferCanceled(now time.Time, ev TransferCanceled) {
	c := e.chats[ev.Chat]
	if c == nil || c.xfer == nil || c.agent == nil || c.agent.id != ev.By {
		return
	}
	e.failTransfer(now, c, TransferWithdrawn)
}

// releaseXferOffer withdraws the pending transfer offer of c, if any, freeing the slot.
func (e *Engine) releaseXferOffer(c *chat, reason RevokeReason, tell bool) *agent {
	x := c.xfer
	a := x.offered
	if a == nil {
		return nil
	}
	x.offered = nil
	delete(a.xoffers, c.id)
	if x.slot {
		e.changeLoad(a, -1)
	}
	if tell {
		e.emit(RevokeOffer{Chat: c.id, Agent: a.id, Reason: reason})
	}
	return a
}

// endXfer forgets c's transfer.
func (e *Engine) endXfer(c *chat) {
	e.clearTimer(c, tTransfer)
	delete(e.xfers, c.id)
	c.xfer = nil
}

// failTransfer ends c's transfer without a handover and tells the owner of the engine.
func (e *Engine) failTransfer(now time.Time, c *chat, r TransferFailReason) {
	if c.xfer == nil {
		return
	}
	revoke := RevokeTimeout
	if r == TransferChatClosed {
		revoke = RevokeClosed
	} else if r != TransferTimeout {
		revoke = RevokeReason(r)
	}
	e.releaseXferOffer(c, revoke, true)
	e.endXfer(c)
	owner := AgentID(0)
	if c.agent != nil {
		owner = c.agent.id
	}
	e.emit(TransferFailed{Chat: c.id, Owner: owner, Reason: r})
}

// transferAccepted hands c over to a, who accepted the transfer offer.
func (e *Engine) transferAccepted(now time.Time, c *chat, a *agent) {
	x := c.xfer
	old := c.agent
	delete(a.xoffers, c.id) // the offer's slot becomes the chat's: a's load stays
	x.offered = nil
	e.endXfer(c)
	delete(old.chats, c.id)
	e.changeLoad(old, -1)
	if x.conn != nil && x.conn != c.conn {
		e.changeConnLoad(c.conn, -1)
		delete(c.conn.chats, c.id)
		c.conn = x.conn
		c.conn.chats[c.id] = c
		e.changeConnLoad(c.conn, +1)
	}
	if c.parts[a.id] != nil {
		// A participant takes the chat over: one slot, not two.
		if x.slot {
			e.releasePart(c, a)
		} else {
			delete(c.parts, a.id)
			delete(a.parts, c.id)
		}
	}
	c.agent = a
	a.chats[c.id] = c
	a.missed = 0
	c.target.Agent = 0 // handed on: should it come back to the queue, anyone may take it
	if c.state == Accepted {
		c.acceptedAt = now // the new owner's answer time starts now
	}
	e.scheduleChat(now, c, false)
	e.emit(TransferDone{Chat: c.id, From: old.id, To: a.id})
}

// transferDeclined takes a's decline of c's transfer offer: a chat given to one agent fails,
// one given to a group or connector goes to the next candidate.
func (e *Engine) transferDeclined(now time.Time, c *chat, a *agent) {
	e.releaseXferOffer(c, "", false)
	if c.xfer.toAgent != nil {
		e.failTransfer(now, c, TransferDeclined)
		return
	}
	if !slices.Contains(c.xfer.declined, a.id) {
		c.xfer.declined = append(c.xfer.declined, a.id)
	}
}

// dropAgentXfers handles an agent who stops taking chats (status, gone): the transfer offers
// they hold are withdrawn and the transfers look for someone else until their wait ends.
func (e *Engine) dropAgentXfers(a *agent, reason RevokeReason) {
	for _, c := range sortedChats(a.xoffers) {
		e.releaseXferOffer(c, reason, true)
	}
}

// xferEligible reports whether a may be offered c's transfer now.
func (e *Engine) xferEligible(now time.Time, c *chat, a *agent) bool {
	x := c.xfer
	if a == c.agent || slices.Contains(x.declined, a.id) {
		return false
	}
	// A participant of the chat holds a slot for it already.
	if !a.available() && (c.parts[a.id] == nil || !a.staffed()) {
		return false
	}
	// A group or connector is asked for anyone; the department the visitor asked for still
	// applies there. An agent named by the owner is the owner's choice and is offered it.
	if x.toAgent == nil && !deptAdmits(c.target.Department, a) {
		return false
	}
	if x.conn != nil {
		k := x.conn
		if k != c.conn && k.full() {
			return false
		}
		if !satisfies(a, k, e.effective(k, activeMask(k, c, now))) {
			return false
		}
	}
	// The chat keeps its place: an agent who could take an older (or higher-priority)
	// waiting chat takes that one first.
	if w := e.firstFor(now, a); w != nil && orderLess(w, c) {
		return false
	}
	return true
}

// routeTransfers offers pending transfers without an offer out, in queue order, to their
// best eligible agent.
func (e *Engine) routeTransfers(now time.Time) {
	if len(e.xfers) == 0 {
		return
	}
	cs := make([]*chat, 0, len(e.xfers))
	for _, c := range e.xfers {
		if c.xfer.offered == nil {
			cs = append(cs, c)
		}
	}
	slices.SortFunc(cs, orderCmp)
	for _, c := range cs {
		x := c.xfer
		var best *agent
		switch {
		case x.toAgent != nil:
			if e.xferEligible(now, c, x.toAgent) {
				best = x.toAgent
			}
		case x.group.strategy == RoundRobin:
			av := x.group.avail
			start := sort.Search(len(av), func(i int) bool { return av[i].id > x.group.rrLast })
			for j := range av {
				if a := av[(start+j)%len(av)]; e.xferEligible(now, c, a) {
					best = a
					break
				}
			}
		default:
			for _, a := range x.group.order {
				if e.xferEligible(now, c, a) {
					best = a
					break
				}
			}
		}
		if best == nil {
			continue
		}
		x.offered, x.slot = best, c.parts[best.id] == nil
		if best.xoffers == nil {
			best.xoffers = make(map[ChatID]*chat)
		}
		best.xoffers[c.id] = c
		e.detach(best)
		best.idleSince = now
		if x.slot {
			best.load++
		}
		e.attach(best)
		if x.group != nil {
			x.group.rrLast = best.id
		}
		e.emit(TransferOffer{Chat: c.id, Agent: best.id, From: c.agent.id, Expires: x.until})
	}
}
