package acd

import (
	"container/heap"
	"time"
)

// timerKind names what a timer does when it fires.
type timerKind uint8

// Chat timers, one of each kind per chat at most; tFlush belongs to a group.
const (
	tOffer    timerKind = iota // connect wait: the pending offer lapses
	tAnswer                    // answer time: no first reply after accepting
	tSearch                    // free agent search time: close with no agent
	tWait1                     // linewaiting1
	tWait2                     // linewaiting2
	tFinal                     // final waiting message
	tQueueMsg                  // the periodic queue message
	tSkill                     // a skill requirement lapses
	tTransfer                  // a pending transfer's wait ends
	numChatTimers
	tFlush = numChatTimers // a group's coalesced QueueUpdate round
)

// timer is one deadline. Deadlines fire in time order, equal ones in the order they
// were set, which keeps the engine deterministic.
type timer struct {
	at    time.Time
	seq   uint64
	kind  timerKind
	chat  *chat
	group *group
	idx   int
}

// timerHeap is a min-heap of timers with their positions, so timers can be moved and
// removed when the state they guard changes.
type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.idx = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	t.idx = -1
	return t
}

func (e *Engine) setTimer(c *chat, kind timerKind, at time.Time) {
	e.timerSeq++
	if t := c.timers[kind]; t != nil {
		if t.at.Equal(at) {
			return
		}
		t.at, t.seq = at, e.timerSeq
		heap.Fix(&e.timers, t.idx)
		return
	}
	t := e.newTimer()
	t.at, t.seq, t.kind, t.chat = at, e.timerSeq, kind, c
	heap.Push(&e.timers, t)
	c.timers[kind] = t
}

// newTimer reuses a timer that fired or was cleared: at ten thousand waiting chats
// timers come and go on every event.
func (e *Engine) newTimer() *timer {
	if n := len(e.free); n > 0 {
		t := e.free[n-1]
		e.free = e.free[:n-1]
		return t
	}
	return &timer{}
}

func (e *Engine) recycle(t *timer) {
	*t = timer{idx: -1}
	if len(e.free) < 1024 {
		e.free = append(e.free, t)
	}
}

func (e *Engine) clearTimer(c *chat, kind timerKind) {
	if t := c.timers[kind]; t != nil {
		heap.Remove(&e.timers, t.idx)
		c.timers[kind] = nil
		e.recycle(t)
	}
}

func (e *Engine) setGroupTimer(g *group, at time.Time) {
	if t := g.flushTimer; t != nil {
		if at.Before(t.at) {
			e.timerSeq++
			t.at, t.seq = at, e.timerSeq
			heap.Fix(&e.timers, t.idx)
		}
		return
	}
	e.timerSeq++
	t := &timer{at: at, seq: e.timerSeq, kind: tFlush, group: g}
	heap.Push(&e.timers, t)
	g.flushTimer = t
}

// runTimers fires every timer due at or before now, in deadline order. Routing runs
// once afterwards, so offers are judged against the state at now: with a late Tick,
// a chat whose search time ran out is closed rather than offered first.
func (e *Engine) runTimers(now time.Time) {
	for len(e.timers) > 0 && !e.timers[0].at.After(now) {
		t := heap.Pop(&e.timers).(*timer)
		if g := t.group; g != nil {
			g.flushTimer = nil
			e.flushGroup(now, g)
			continue
		}
		c, kind, at := t.chat, t.kind, t.at
		c.timers[kind] = nil
		e.recycle(t)
		e.fire(now, c, kind, at)
	}
}

func (e *Engine) fire(now time.Time, c *chat, kind timerKind, at time.Time) {
	switch kind {
	case tOffer:
		if c.state != Offered {
			return
		}
		a := c.agent
		e.emit(RevokeOffer{Chat: c.id, Agent: a.id, Reason: RevokeTimeout})
		e.log(now, c, a.id, evOfferLapsed, passReason{})
		e.backToWaiting(c, a, true)
		e.missed(now, a)
	case tAnswer:
		if c.state != Accepted {
			return
		}
		a := c.agent
		e.log(now, c, a.id, evRequeued, passReason{text: string(RequeueAnswerTimeout)})
		e.requeue(now, c, RequeueAnswerTimeout)
		e.missed(now, a)
	case tSearch:
		if c.state != Queued && c.state != Offered {
			return
		}
		if c.state == Offered {
			e.emit(RevokeOffer{Chat: c.id, Agent: c.agent.id, Reason: RevokeClosed})
		}
		e.emit(CloseNoAgent{Chat: c.id})
		e.log(now, c, 0, evClosedNoAgent, passReason{})
		e.forget(c)
	case tWait1, tWait2, tFinal:
		if c.state != Queued && c.state != Offered {
			return
		}
		c.sent |= 1 << kind
		which := Final
		switch kind {
		case tWait1:
			which = Waiting1
		case tWait2:
			which = Waiting2
		}
		e.emit(WaitingMessage{Chat: c.id, Which: which})
	case tQueueMsg:
		if c.state != Queued && c.state != Offered {
			return
		}
		pos, of := e.position(c)
		e.emit(QueueMessage{Chat: c.id, Position: pos, Of: of})
		if every := e.opts.QueueMessageEvery; every > 0 {
			e.setTimer(c, tQueueMsg, nextBeat(at, now, every))
		}
	case tTransfer:
		e.failTransfer(now, c, TransferTimeout)
	case tSkill:
		if c.state != Queued && c.state != Offered {
			return
		}
		e.log(now, c, 0, evSkillsRelaxed, passReason{})
		if c.state == Queued {
			e.markChat(c)
		}
		e.scheduleSkill(now, c)
	}
}
