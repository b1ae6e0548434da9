package acd

import (
	"maps"
	"slices"
	"strings"
	"time"
)

func (e *Engine) onConnectorConfig(now time.Time, cfg ConnectorConfig) {
	k := e.connector(cfg.Connector)
	oldG := k.group
	oldPrio := k.cfg.Priority
	k.cfg = cfg
	for i, s := range cfg.Skills {
		k.skillIDs[i] = e.skillID(s.Skill)
	}
	k.thresholds = skillThresholds(cfg)
	k.configured = true
	g := e.group(cfg.Group)
	chats := sortedChats(k.chats)
	if oldG != g {
		if oldG != nil {
			oldG.connectors = slices.DeleteFunc(oldG.connectors, func(x *connector) bool { return x == k })
			oldG.queue = slices.DeleteFunc(oldG.queue, func(c *chat) bool { return c.conn == k })
			e.markQueue(oldG)
		}
		k.group = g
		g.connectors = append(g.connectors, k)
		sortConnectors(g.connectors)
		if oldPrio != cfg.Priority {
			slices.SortFunc(g.queue, orderCmp)
		}
		for _, c := range chats {
			if c.state == Queued || c.state == Offered {
				g.queue = insertChat(g.queue, c)
			}
		}
		e.markQueue(g)
	} else if oldPrio != cfg.Priority {
		sortConnectors(g.connectors)
		slices.SortFunc(g.queue, orderCmp)
		e.markQueue(g)
	}
	for _, c := range chats {
		e.scheduleChat(now, c, false)
	}
	e.staffGen++ // skill requirements may have changed: cached counts are stale
	e.markGroup(g)
}

func sortConnectors(s []*connector) {
	slices.SortFunc(s, func(x, y *connector) int {
		if x.cfg.Priority != y.cfg.Priority {
			if x.cfg.Priority > y.cfg.Priority {
				return -1
			}
			return 1
		}
		switch {
		case x.id < y.id:
			return -1
		case x.id > y.id:
			return 1
		}
		return 0
	})
}

// skillThresholds lists the ages at which a chat's skill requirements change, ascending.
func skillThresholds(cfg ConnectorConfig) []time.Duration {
	var ts []time.Duration
	for _, s := range cfg.Skills {
		if s.Skill != "" && s.IgnoreAfter > 0 {
			ts = append(ts, s.IgnoreAfter)
		}
	}
	if cfg.IgnoreSkillsAfter > 0 {
		ts = append(ts, cfg.IgnoreSkillsAfter)
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

func (e *Engine) onGroupConfig(ev GroupConfig) {
	g := e.group(ev.Group)
	switch ev.Strategy {
	case LongestIdle, LeastBusy, RoundRobin:
		g.strategy = ev.Strategy
	default:
		g.strategy = LongestIdle
	}
	slices.SortFunc(g.order, g.keyCmp)
}

func (e *Engine) onAgentState(now time.Time, st AgentState) {
	a := e.agent(st.Agent)
	oldGroups := a.groups
	wasStaffed := a.staffed()
	wasAllows := a.allowsChat

	ids := slices.Clone(st.Groups)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	newGroups := make([]*group, 0, len(ids))
	for _, id := range ids {
		newGroups = append(newGroups, e.group(id))
	}

	e.detach(a)
	for _, g := range oldGroups {
		if !slices.Contains(newGroups, g) {
			g.members = removeAgent(g.members, a)
		}
	}
	for _, g := range newGroups {
		g.members = insertAgent(g.members, a)
	}
	a.groups = newGroups
	a.levels = a.levels[:0]
	for _, name := range slices.Sorted(maps.Keys(st.Skills)) {
		id := e.skillID(name)
		for len(a.levels) <= id {
			a.levels = append(a.levels, 0)
		}
		a.levels[id] = st.Skills[name]
	}
	a.maxChats = max(0, st.MaxChats)
	a.allowsChat = st.AllowsChat
	a.connected = st.Connected
	a.missedLimit = st.MissedLimit
	a.missedStatus = st.MissedStatus
	a.dept = strings.TrimSpace(st.Department)
	if !wasStaffed && a.staffed() {
		a.idleSince = now
	}
	e.attach(a)
	e.staffingChanged(oldGroups, newGroups)
	if wasAllows && !a.allowsChat {
		e.revokeOffers(now, a, RevokeAgentStatus)
	}
	if a.available() {
		e.markAgent(a)
	}
}

func (e *Engine) onAgentDisconnected(now time.Time, id AgentID) {
	a := e.agents[id]
	if a == nil || !a.connected {
		return
	}
	e.detach(a)
	a.connected = false
	e.attach(a)
	e.staffingChanged(a.groups)
}

func (e *Engine) onAgentGone(now time.Time, id AgentID) {
	a := e.agents[id]
	if a == nil {
		return
	}
	e.onAgentDisconnected(now, id)
	a.missed = 0
	e.dropAgentXfers(a, RevokeAgentGone)
	for _, c := range sortedChats(a.chats) {
		switch c.state {
		case Offered:
			e.emit(RevokeOffer{Chat: c.id, Agent: a.id, Reason: RevokeAgentGone})
			e.log(now, c, a.id, evRevoked, passReason{text: string(RevokeAgentGone)})
			e.backToWaiting(c, nil, false)
		case Accepted, Handling:
			e.log(now, c, a.id, evRequeued, passReason{text: string(RequeueAgentGone)})
			e.requeue(now, c, RequeueAgentGone)
		}
	}
}

func (e *Engine) newChat(id ChatID, k *connector, at time.Time) *chat {
	e.chatSeq++
	c := &chat{id: id, seq: e.chatSeq, conn: k, requestedAt: at, searchStart: at}
	e.chats[id] = c
	k.chats[id] = c
	return c
}

// cleanTarget trims the department; a negative agent ID names nobody and is treated as
// none, as IDs are positive.
func cleanTarget(t Target) Target {
	t.Department = strings.TrimSpace(t.Department)
	if t.Agent < 0 {
		t.Agent = 0
	}
	return t
}

func requestTime(now, at time.Time) time.Time {
	if at.IsZero() || at.After(now) {
		return now
	}
	return at
}

func (e *Engine) onChatRequested(now time.Time, ev ChatRequested) {
	if _, ok := e.chats[ev.Chat]; ok {
		return
	}
	at := requestTime(now, ev.RequestedAt)
	k := e.connectors[ev.Connector]
	switch {
	case k == nil || !k.configured:
		e.emit(Refused{Chat: ev.Chat, Reason: RefusedUnknownConnector})
		return
	case k.cfg.OutOfService:
		e.emit(Refused{Chat: ev.Chat, Reason: RefusedOutOfService})
		return
	case k.cfg.Hours != nil && !k.cfg.Hours.OpenAt(at):
		e.emit(Refused{Chat: ev.Chat, Reason: RefusedClosedHours})
		return
	}
	c := e.newChat(ev.Chat, k, at)
	c.target = cleanTarget(ev.Target)
	e.log(now, c, 0, evRequested, passReason{})
	e.enterQueue(c)
	e.scheduleChat(now, c, true)
	e.announcePosition(now, c)
}

func (e *Engine) onChatRestored(now time.Time, ev ChatRestored) {
	if _, ok := e.chats[ev.Chat]; ok {
		return
	}
	at := requestTime(now, ev.RequestedAt)
	k := e.connector(ev.Connector)
	c := e.newChat(ev.Chat, k, at)
	c.target = cleanTarget(ev.Target)
	if ev.Agent == 0 {
		if s := requestTime(now, ev.SearchFrom); !ev.SearchFrom.IsZero() && s.After(at) {
			c.searchStart = s
		}
		e.log(now, c, 0, evRestored, passReason{})
		e.enterQueue(c)
		e.scheduleChat(now, c, true)
		e.announcePosition(now, c)
		return
	}
	a := e.agent(ev.Agent)
	c.agent = a
	a.chats[c.id] = c
	c.acceptedAt = requestTime(now, ev.AcceptedAt)
	if c.acceptedAt.Before(at) {
		c.acceptedAt = at
	}
	c.state = Accepted
	if !ev.FirstReplyAt.IsZero() {
		c.state = Handling
	}
	e.log(now, c, a.id, evRestored, passReason{})
	e.changeLoad(a, +1)
	e.changeConnLoad(k, +1)
	e.scheduleChat(now, c, true)
}

func (e *Engine) onOfferAccepted(now time.Time, ev OfferAccepted) {
	c := e.chats[ev.Chat]
	if c == nil {
		return
	}
	if x := c.xfer; x != nil && x.offered != nil && x.offered.id == ev.Agent {
		e.transferAccepted(now, c, x.offered)
		return
	}
	if c.state != Offered || c.agent.id != ev.Agent {
		e.log(now, c, ev.Agent, evLateAccept, passReason{})
		return
	}
	a := c.agent
	e.clearTimer(c, tOffer)
	e.leaveQueue(c)
	c.state = Accepted
	c.acceptedAt = now
	c.expires = time.Time{}
	a.missed = 0
	if g := c.conn.group; g != nil {
		g.wait.add(now.Sub(c.searchStart), e.opts.EWMAWeight)
	}
	e.scheduleChat(now, c, false)
	e.log(now, c, a.id, evAccepted, passReason{})
	e.emit(Assigned{Chat: c.id, Agent: a.id})
}

func (e *Engine) onOfferDeclined(now time.Time, ev OfferDeclined) {
	c := e.chats[ev.Chat]
	if c != nil && c.xfer != nil && c.xfer.offered != nil && c.xfer.offered.id == ev.Agent {
		e.transferDeclined(now, c, c.xfer.offered)
		return
	}
	if c == nil || c.state != Offered || c.agent.id != ev.Agent {
		return
	}
	a := c.agent
	e.log(now, c, a.id, evDeclined, passReason{})
	e.backToWaiting(c, a, false)
}

func (e *Engine) onFirstReply(now time.Time, ev FirstReply) {
	c := e.chats[ev.Chat]
	if c == nil || c.state != Accepted || c.agent.id != ev.Agent {
		return
	}
	c.state = Handling
	e.clearTimer(c, tAnswer)
	e.log(now, c, ev.Agent, evFirstReply, passReason{})
}

func (e *Engine) onChatClosed(now time.Time, id ChatID) {
	c := e.chats[id]
	if c == nil {
		return
	}
	switch c.state {
	case Offered:
		e.emit(RevokeOffer{Chat: c.id, Agent: c.agent.id, Reason: RevokeClosed})
	case Accepted, Handling:
		if g := c.conn.group; g != nil {
			g.handle.add(now.Sub(c.acceptedAt), e.opts.EWMAWeight)
		}
	}
	e.log(now, c, 0, evClosed, passReason{})
	e.forget(c)
}

// scheduleChat sets the chat's timers for its state and its connector's settings.
// With rebuild, waiting messages whose time has already passed count as sent: the
// chat existed then, and repeating them after a restart would only be noise.
func (e *Engine) scheduleChat(now time.Time, c *chat, rebuild bool) {
	cfg := c.conn.cfg
	switch c.state {
	case Queued, Offered:
		e.clearTimer(c, tAnswer)
		if cfg.FreeAgentSearch > 0 {
			e.setTimer(c, tSearch, c.searchStart.Add(cfg.FreeAgentSearch))
		} else {
			e.clearTimer(c, tSearch)
		}
		e.scheduleWaiting(now, c, tWait1, cfg.Waiting1, rebuild)
		e.scheduleWaiting(now, c, tWait2, cfg.Waiting2, rebuild)
		e.scheduleWaiting(now, c, tFinal, cfg.Final, rebuild)
		if every := e.opts.QueueMessageEvery; every > 0 {
			if c.timers[tQueueMsg] == nil {
				e.setTimer(c, tQueueMsg, nextBeat(c.searchStart, now, every))
			}
		} else {
			e.clearTimer(c, tQueueMsg)
		}
		e.scheduleSkill(now, c)
	case Accepted, Handling:
		for _, kind := range []timerKind{tSearch, tWait1, tWait2, tFinal, tQueueMsg, tSkill} {
			e.clearTimer(c, kind)
		}
		if c.state == Accepted && cfg.AnswerTime > 0 {
			e.setTimer(c, tAnswer, c.acceptedAt.Add(cfg.AnswerTime))
		} else {
			e.clearTimer(c, tAnswer)
		}
	}
}

func (e *Engine) scheduleWaiting(now time.Time, c *chat, kind timerKind, d time.Duration, rebuild bool) {
	bit := uint8(1) << kind
	if d <= 0 || c.sent&bit != 0 {
		e.clearTimer(c, kind)
		return
	}
	at := c.searchStart.Add(d)
	if rebuild && !at.After(now) {
		c.sent |= bit
		e.clearTimer(c, kind)
		return
	}
	e.setTimer(c, kind, at)
}

// scheduleSkill sets the timer for the next moment a skill requirement of the chat lapses.
func (e *Engine) scheduleSkill(now time.Time, c *chat) {
	for _, t := range c.conn.thresholds {
		if at := c.requestedAt.Add(t); at.After(now) {
			e.setTimer(c, tSkill, at)
			return
		}
	}
	e.clearTimer(c, tSkill)
}

// nextBeat returns the first start + n*every (n >= 1) after now.
func nextBeat(start, now time.Time, every time.Duration) time.Time {
	n := now.Sub(start)/every + 1
	if n < 1 {
		n = 1
	}
	return start.Add(n * every)
}
