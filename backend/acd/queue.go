package acd

import (
	"slices"
	"sort"
	"time"
)

// ewma is an exponentially weighted moving average of durations.
type ewma struct {
	mean float64 // nanoseconds
	n    int
}

func (m *ewma) add(d time.Duration, w float64) {
	if d < 0 {
		d = 0
	}
	if m.n == 0 {
		m.mean = float64(d)
	} else {
		m.mean += w * (float64(d) - m.mean)
	}
	m.n++
}

// estimate is the estimated wait of a chat with ahead chats before it in g's queue;
// -1 when unknown. See the package documentation for the method.
func estimate(g *group, ahead int) time.Duration {
	if g == nil || g.capacity <= 0 {
		return -1
	}
	need := ahead + 1 - g.free
	if need <= 0 {
		return 0
	}
	switch {
	case g.handle.n > 0:
		return time.Duration(float64(need) * g.handle.mean / float64(g.capacity)).Round(time.Second)
	case g.wait.n > 0:
		return time.Duration(g.wait.mean).Round(time.Second)
	}
	return -1
}

// position returns the chat's 1-based place in its group's queue and the queue length.
func (e *Engine) position(c *chat) (pos, of int) {
	g := c.conn.group
	if g == nil {
		return 0, 0
	}
	i := indexChat(g.queue, c)
	if i < 0 {
		return 0, 0
	}
	return i + 1, len(g.queue)
}

// announcePosition tells a chat that just entered the queue its place at once.
func (e *Engine) announcePosition(now time.Time, c *chat) {
	pos, of := e.position(c)
	if pos == 0 {
		return
	}
	c.lastPos, c.lastOf = pos, of
	e.emit(QueueUpdate{Chat: c.id, Position: pos, Of: of, EstimatedWait: estimate(c.conn.group, pos-1)})
}

// flushQueues sends the QueueUpdates of groups whose queue changed, at most one round
// per Options.QueueUpdateEvery per group; a group that had a round recently gets a timer.
func (e *Engine) flushQueues(now time.Time) {
	if len(e.dirtyQueues) == 0 {
		return
	}
	qs := e.dirtyQueues
	e.dirtyQueues = nil
	slices.SortFunc(qs, func(x, y *group) int {
		switch {
		case x.id < y.id:
			return -1
		case x.id > y.id:
			return 1
		}
		return 0
	})
	for _, g := range qs {
		if g.queueDirty && g.round < 0 {
			e.flushGroup(now, g)
		}
	}
}

// flushGroup starts or continues a round of QueueUpdates for g: one for every chat whose
// position or queue length changed since it was last told. A round starts at most
// once per Options.QueueUpdateEvery and sends at most Options.QueueUpdateBatch updates
// per Apply. A chat told mid-round and moved again is caught by the next round.
func (e *Engine) flushGroup(now time.Time, g *group) {
	if g.round < 0 {
		if !g.queueDirty {
			return
		}
		if every := e.opts.QueueUpdateEvery; every > 0 && !g.lastFlush.IsZero() && now.Sub(g.lastFlush) < every {
			e.setGroupTimer(g, g.lastFlush.Add(every))
			return
		}
		g.queueDirty, g.lastFlush, g.round = false, now, 0
	}
	of := len(g.queue)
	budget := e.opts.QueueUpdateBatch
	if budget <= 0 {
		budget = of
	}
	i := g.round
	var ups []QueueUpdate
	for ; i < of && budget > 0; i++ {
		c := g.queue[i]
		if pos := i + 1; c.lastPos != pos || c.lastOf != of {
			if ups == nil {
				ups = make([]QueueUpdate, 0, min(budget, of-i))
			}
			c.lastPos, c.lastOf = pos, of
			ups = append(ups, QueueUpdate{Chat: c.id, Position: pos, Of: of, EstimatedWait: estimate(g, i)})
			budget--
		}
	}
	if len(ups) > 0 {
		e.emit(QueueUpdates{Group: g.id, Updates: ups})
	}
	if i < of {
		g.round = i
		e.setGroupTimer(g, now.Add(time.Nanosecond)) // the rest at the next Apply
		return
	}
	g.round = -1
	if g.queueDirty { // changed during the round
		e.setGroupTimer(g, g.lastFlush.Add(e.opts.QueueUpdateEvery))
	}
}

// QueueInfo reports whether connector c takes chats at now, how many of its chats
// wait for an agent, and the estimated wait of a chat requested now (MiCC
// GetQueueInfo). An unknown connector is closed with an unknown estimate.
func (e *Engine) QueueInfo(c ConnectorID, now time.Time) QueueInfo {
	k := e.connectors[c]
	if k == nil || !k.configured {
		return QueueInfo{EstimatedWait: -1}
	}
	open := !k.cfg.OutOfService && (k.cfg.Hours == nil || k.cfg.Hours.OpenAt(now))
	q := k.group.queue
	ahead := sort.Search(len(q), func(i int) bool { return q[i].conn.cfg.Priority < k.cfg.Priority })
	return QueueInfo{Open: open, Waiting: k.unaccepted, EstimatedWait: estimate(k.group, ahead)}
}

// ChatInfo reports the state of a chat the engine knows (MiCC GetChatInfo); ok is
// false for chats that ended, were refused or were never seen.
func (e *Engine) ChatInfo(chat ChatID) (ChatInfo, bool) {
	c := e.chats[chat]
	if c == nil {
		return ChatInfo{}, false
	}
	info := ChatInfo{State: c.state, Connector: c.conn.id, RequestedAt: c.requestedAt}
	if c.agent != nil {
		info.Agent = c.agent.id
	}
	if c.state == Queued || c.state == Offered {
		info.Position, info.Of = e.position(c)
		if c.state == Queued && info.Position > 0 {
			info.EstimatedWait = estimate(c.conn.group, info.Position-1)
		} else if c.state == Queued {
			info.EstimatedWait = -1
		}
	}
	return info, true
}
