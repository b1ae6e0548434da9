package acd

import (
	"container/heap"
	"slices"
	"sort"
	"time"
)

// reasonCode says why an agent was passed over for a chat (or why a chat could not go
// to anyone); reasonOK means eligible.
type reasonCode uint8

const (
	reasonOK reasonCode = iota
	reasonNotConnected
	reasonStatus
	reasonNoChats
	reasonCapacity
	reasonSkill
	reasonDeclined
	reasonLapsed
	reasonNotFirst
	reasonConnectorFull
	reasonNoGroup
	reasonNotOperator // the chat asks for another agent
	reasonDepartment  // the chat asks for another department
	reasonGroupSize   // a: members of the group
	reasonMoreAgents  // a: agents not listed
)

// passReason is a reason with its numbers; it is formatted only when Explain asks.
type passReason struct {
	code reasonCode
	a, b int32
	text string
}

// routeCtx is what routing knows about one chat at one moment.
type routeCtx struct {
	c     *chat
	k     *connector
	g     *group
	mask  uint8 // skill requirements still in force (bit i = Skills[i])
	eff   uint8 // those actually applied (none while nobody staffed meets them, if so configured)
	other int8  // -1 unknown, else whether someone other than the decliners can take it
}

// activeMask returns the skill requirements of c still in force at now.
func activeMask(k *connector, c *chat, now time.Time) uint8 {
	age := now.Sub(c.requestedAt)
	if k.cfg.IgnoreSkillsAfter > 0 && age >= k.cfg.IgnoreSkillsAfter {
		return 0
	}
	var m uint8
	for i, s := range k.cfg.Skills {
		if s.Skill != "" && s.Min > 0 && (s.IgnoreAfter <= 0 || age < s.IgnoreAfter) {
			m |= 1 << i
		}
	}
	return m
}

// satisfies reports whether a meets every requirement of k in mask.
func satisfies(a *agent, k *connector, mask uint8) bool {
	for i := range k.cfg.Skills {
		if mask&(1<<i) != 0 && a.level(k.skillIDs[i]) < k.cfg.Skills[i].Min {
			return false
		}
	}
	return true
}

// qualified counts the staffed members of k's group who meet the requirements in mask.
// Cached until staffing, skills or membership change.
func (e *Engine) qualified(k *connector, mask uint8) int {
	q := &k.qual[mask]
	if q.gen == e.staffGen+1 {
		return q.n
	}
	n := 0
	if k.group != nil {
		for _, a := range k.group.members {
			if a.staffed() && satisfies(a, k, mask) {
				n++
			}
		}
	}
	q.gen, q.n = e.staffGen+1, n
	return n
}

// effective returns the requirements routing applies: with IgnoreSkillsIfNoneSkilled,
// none while no staffed member of the group meets them.
func (e *Engine) effective(k *connector, mask uint8) uint8 {
	if mask != 0 && k.cfg.IgnoreSkillsIfNoneSkilled && e.qualified(k, mask) == 0 {
		return 0
	}
	return mask
}

func (e *Engine) newCtx(now time.Time, c *chat) routeCtx {
	k := c.conn
	m := activeMask(k, c, now)
	return routeCtx{c: c, k: k, g: k.group, mask: m, eff: e.effective(k, m), other: -1}
}

// othersCanTake reports whether a staffed member of the group who meets the applied
// requirements has neither declined the chat nor let it lapse. Capacity does not
// matter: a declined chat waits for a busy colleague rather than bouncing back to the
// agent who turned it down; only when nobody else is staffed for it does it go back.
func (e *Engine) othersCanTake(x *routeCtx) bool {
	if x.other < 0 && x.c.targeted() {
		// Counted afresh: targeted chats are few, and the count depends on the target.
		x.other = 0
		for _, a := range x.g.members {
			if _, declined := x.c.declinedBy(a.id); !declined && a.staffed() && x.c.admits(a) && satisfies(a, x.k, x.eff) {
				x.other = 1
				break
			}
		}
	}
	if x.other < 0 {
		n := e.qualified(x.k, x.eff)
		for _, d := range x.c.declined {
			if a := e.agents[d.agent]; a != nil && a.staffed() && a.inGroup(x.g) && satisfies(a, x.k, x.eff) {
				n--
			}
		}
		x.other = 0
		if n > 0 {
			x.other = 1
		}
	}
	return x.other == 1
}

// why returns why agent a (a member of the chat's group) cannot take the chat now,
// or reasonOK.
func (e *Engine) why(a *agent, x *routeCtx) passReason {
	switch t := x.c.target; {
	case t.Agent != 0 && a.id != t.Agent:
		return passReason{code: reasonNotOperator}
	case !deptAdmits(t.Department, a):
		return passReason{code: reasonDepartment, text: a.dept}
	case !a.connected:
		return passReason{code: reasonNotConnected}
	case !a.allowsChat:
		return passReason{code: reasonStatus}
	case a.maxChats <= 0:
		return passReason{code: reasonNoChats}
	case a.load >= a.maxChats:
		return passReason{code: reasonCapacity, a: int32(a.load), b: int32(a.maxChats)}
	}
	if x.eff != 0 {
		for i, s := range x.k.cfg.Skills {
			if x.eff&(1<<i) != 0 {
				if lvl := a.level(x.k.skillIDs[i]); lvl < s.Min {
					return passReason{code: reasonSkill, a: int32(lvl), b: int32(s.Min), text: s.Skill}
				}
			}
		}
	}
	if d, ok := x.c.declinedBy(a.id); ok && e.othersCanTake(x) {
		if d.lapsed {
			return passReason{code: reasonLapsed}
		}
		return passReason{code: reasonDeclined}
	}
	return passReason{}
}

// bestAgent picks the agent the chat should be offered to, or nil. It logs the
// attempt when it finds someone, or when logFail is set.
func (e *Engine) bestAgent(now time.Time, c *chat, logFail bool) *agent {
	x := e.newCtx(now, c)
	if x.g == nil {
		if logFail {
			e.log(now, c, 0, evNoAgent, passReason{code: reasonNoGroup})
		}
		return nil
	}
	if x.k.full() {
		if logFail {
			e.log(now, c, 0, evNoAgent, passReason{code: reasonConnectorFull, a: int32(x.k.load), b: int32(x.k.cfg.MaxChatsAll)})
		}
		return nil
	}
	// Agents with a free slot are kept in strategy order: the first eligible wins.
	var best *agent
	if id := c.target.Agent; id != 0 {
		if a := e.agents[id]; a != nil && a.inAvail && a.inGroup(x.g) && e.why(a, &x).code == reasonOK {
			best = a
		}
	} else if x.g.strategy == RoundRobin {
		av := x.g.avail
		start := sort.Search(len(av), func(i int) bool { return av[i].id > x.g.rrLast })
		for j := range av {
			if a := av[(start+j)%len(av)]; e.why(a, &x).code == reasonOK {
				best = a
				break
			}
		}
	} else {
		for _, a := range x.g.order {
			if e.why(a, &x).code == reasonOK {
				best = a
				break
			}
		}
	}
	if best != nil || logFail {
		e.logAttempt(now, &x, best)
	}
	return best
}

// firstFor returns the first waiting chat, in queue order over all of a's groups,
// that a can take, or nil. a must have a free slot.
func (e *Engine) firstFor(now time.Time, a *agent) *chat {
	var best *chat
	for _, g := range a.groups {
		for _, k := range g.connectors {
			if best != nil && k.cfg.Priority < best.conn.cfg.Priority {
				break
			}
			if len(k.waiting) == 0 || k.full() {
				continue
			}
			if best != nil && !orderLess(k.waiting[0], best) {
				continue
			}
			if c := e.firstIn(now, a, k); c != nil && (best == nil || orderLess(c, best)) {
				best = c
			}
		}
	}
	return best
}

// firstIn returns the first waiting chat of k that a can take. Within a connector the
// skill requirements only depend on a chat's age, so the waiting list falls into at
// most a handful of runs with the same requirements; each run is judged once. Only
// while some chats of k were declined or carry a [Target] is a run walked chat by chat.
func (e *Engine) firstIn(now time.Time, a *agent, k *connector) *chat {
	w := k.waiting
	for i := 0; i < len(w); {
		mask := activeMask(k, w[i], now)
		end := phaseEnd(now, k, w, i)
		eff := e.effective(k, mask)
		if satisfies(a, k, eff) {
			if k.declinedWaiting == 0 && k.targetedWaiting == 0 {
				return w[i]
			}
			for j := i; j < end; j++ {
				c := w[j]
				if !c.admits(a) {
					continue
				}
				if _, ok := c.declinedBy(a.id); !ok {
					return c
				}
				x := routeCtx{c: c, k: k, g: k.group, mask: mask, eff: eff, other: -1}
				if !e.othersCanTake(&x) {
					return c
				}
			}
		}
		i = end
	}
	return nil
}

// phaseEnd returns the end of the run of waiting chats starting at i that share the
// skill requirements of w[i].
func phaseEnd(now time.Time, k *connector, w []*chat, i int) int {
	age := now.Sub(w[i].requestedAt)
	var passed time.Duration = -1
	for _, t := range k.thresholds {
		if t <= age {
			passed = t
		}
	}
	if passed < 0 {
		return len(w)
	}
	rest := w[i+1:]
	return i + 1 + sort.Search(len(rest), func(j int) bool { return now.Sub(rest[j].requestedAt) < passed })
}

// cand is a chat routing should try: because it became waiting (via == nil), or
// because it is the first chat that agent via can take.
type cand struct {
	c   *chat
	via *agent
}

type candHeap []cand

func (h candHeap) Len() int { return len(h) }
func (h candHeap) Less(i, j int) bool {
	if h[i].c != h[j].c {
		return orderLess(h[i].c, h[j].c)
	}
	vi, vj := AgentID(0), AgentID(0)
	if h[i].via != nil {
		vi = h[i].via.id
	}
	if h[j].via != nil {
		vj = h[j].via.id
	}
	return vi < vj
}
func (h candHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *candHeap) Push(x any)   { *h = append(*h, x.(cand)) }
func (h *candHeap) Pop() any {
	old := *h
	n := len(old)
	x := old[n-1]
	old[n-1] = cand{}
	*h = old[:n-1]
	return x
}

// route matches waiting chats with free agents until no pair is left, taking chats in
// queue order. Only what the last step marked is looked at: before it, no free agent
// could take any waiting chat, so any new pair involves a marked agent or chat (or an
// agent marked because something group-wide changed).
func (e *Engine) route(now time.Time) {
	for len(e.dirtyAgents) > 0 || len(e.dirtyChats) > 0 {
		e.routeOnce(now)
	}
}

func (e *Engine) routeOnce(now time.Time) {
	agents, chats := e.dirtyAgents, e.dirtyChats
	e.dirtyAgents, e.dirtyChats = e.spareAgents[:0], e.spareChats[:0]
	slices.SortFunc(agents, agentCmp)
	slices.SortFunc(chats, func(x, y *chat) int {
		if x.seq == y.seq {
			return 0
		}
		return orderCmp(x, y)
	})
	h := e.cands[:0]
	for _, a := range agents {
		a.dirty = false
		if a.available() {
			if c := e.firstFor(now, a); c != nil {
				h = append(h, cand{c: c, via: a})
			}
		}
	}
	for _, c := range chats {
		c.dirty = false
		if c.state == Queued {
			h = append(h, cand{c: c})
		}
	}
	heap.Init(&h)
	retry := func(a *agent, not *chat) {
		if a != nil && a.available() {
			if n := e.firstFor(now, a); n != nil && n != not {
				heap.Push(&h, cand{c: n, via: a})
			}
		}
	}
	for h.Len() > 0 {
		x := heap.Pop(&h).(cand)
		c := x.c
		if c.state != Queued {
			retry(x.via, nil)
			continue
		}
		best := e.bestAgent(now, c, x.via == nil)
		if best == nil {
			retry(x.via, c)
			continue
		}
		e.offer(now, c, best)
		retry(best, nil)
		if x.via != best {
			retry(x.via, nil)
		}
	}
	clear(agents)
	clear(chats)
	e.spareAgents, e.spareChats = agents[:0], chats[:0]
	e.cands = h[:0]
}
