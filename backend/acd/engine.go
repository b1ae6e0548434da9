package acd

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Options tune the engine. Start from [DefaultOptions]; every field is used as given.
type Options struct {
	// QueueUpdateEvery is the shortest interval between two [QueueUpdates] rounds
	// of a group (the chat that just entered the queue always learns its place at
	// once). With thousands of waiting chats every arrival changes everyone's "of N";
	// coalescing keeps both the engine and the visitors' sockets calm.
	// 0 sends the updates at the end of every Apply.
	QueueUpdateEvery time.Duration
	// QueueUpdateBatch bounds the updates of one group sent in one Apply; a longer
	// round continues at the next Tick (NextDeadline is 1ns later), so events
	// interleave with a round over ten thousand chats instead of waiting behind it.
	// 0 = unbounded.
	QueueUpdateBatch int
	// QueueMessageEvery is the interval of QueueMessage while a chat waits (0 = never).
	QueueMessageEvery time.Duration
	// LogPerChat bounds the decision log of one chat; older entries are dropped.
	LogPerChat int
	// LogAgentsPerAttempt bounds how many agents one routing attempt lists with the
	// reason they were passed over; the rest are summed up in one entry.
	LogAgentsPerAttempt int
	// FinishedLogs is how many ended chats keep their decision log for Explain.
	FinishedLogs int
	// EWMAWeight is the weight of the newest sample in the moving averages of handling
	// and waiting times used for the estimated wait (0 < w <= 1).
	EWMAWeight float64
}

// DefaultOptions returns the options [New] uses.
func DefaultOptions() Options {
	return Options{
		QueueUpdateEvery:    time.Second,
		QueueUpdateBatch:    512,
		QueueMessageEvery:   time.Minute,
		LogPerChat:          200,
		LogAgentsPerAttempt: 16,
		FinishedLogs:        1000,
		EWMAWeight:          0.2,
	}
}

// Engine is the ACD state: connectors, groups, agents and the chats being distributed.
// It is not safe for concurrent use; one goroutine owns it and feeds it events.
type Engine struct {
	opts Options
	now  time.Time // time of the latest Apply; the engine's clock never runs backwards

	connectors map[ConnectorID]*connector
	groups     map[GroupID]*group
	agents     map[AgentID]*agent
	chats      map[ChatID]*chat
	xfers      map[ChatID]*chat // chats with a pending transfer

	chatSeq  uint64 // creation order of chats, the last tie-breaker of queue order
	timerSeq uint64 // creation order of timers, the tie-breaker of equal deadlines
	timers   timerHeap
	staffGen uint64         // bumped whenever staffing, skills or membership change (cache key)
	staffed  int            // agents connected, allowing chat, MaxChats > 0
	skillIDs map[string]int // skill names interned, so that checks index a slice
	free     []*timer

	dirtyAgents []*agent // agents that may have gained something to take
	dirtyChats  []*chat  // chats that (re)entered the waiting state or gained eligibility
	dirtyQueues []*group // groups whose queue positions changed
	spareAgents []*agent
	spareChats  []*chat
	cands       candHeap

	out []Decision

	finished      map[ChatID][]logRecord
	finishedOrder []ChatID
}

// New returns an empty engine with [DefaultOptions].
func New() *Engine { return NewWithOptions(DefaultOptions()) }

// NewWithOptions returns an empty engine with the given options.
func NewWithOptions(o Options) *Engine {
	if o.EWMAWeight <= 0 || o.EWMAWeight > 1 {
		o.EWMAWeight = DefaultOptions().EWMAWeight
	}
	return &Engine{
		opts:       o,
		connectors: make(map[ConnectorID]*connector),
		groups:     make(map[GroupID]*group),
		agents:     make(map[AgentID]*agent),
		chats:      make(map[ChatID]*chat),
		xfers:      make(map[ChatID]*chat),
		finished:   make(map[ChatID][]logRecord),
		skillIDs:   make(map[string]int),
	}
}

// connector is a connector's configuration and the chats it has in the engine.
type connector struct {
	id         ConnectorID
	cfg        ConnectorConfig
	skillIDs   [3]int // interned cfg.Skills[i].Skill
	configured bool   // false for a placeholder made by ChatRestored before its config
	group      *group // nil while not configured
	thresholds []time.Duration

	waiting         []*chat // Queued chats, in queue order
	declinedWaiting int     // Queued chats that someone declined or let lapse
	targetedWaiting int     // Queued chats with a Target
	load            int     // chats Offered, Accepted or Handling (MaxChatsAll)
	unaccepted      int     // chats Queued or Offered
	chats           map[ChatID]*chat

	qual [8]qualCache // per skill mask: staffed group members meeting it
}

type qualCache struct {
	gen uint64
	n   int
}

func (k *connector) full() bool { return k.cfg.MaxChatsAll > 0 && k.load >= k.cfg.MaxChatsAll }

// group is an ACD group: its agents and the queue of its chats not yet accepted.
type group struct {
	id         GroupID
	strategy   Strategy
	connectors []*connector // by priority (high first), then ID
	members    []*agent     // by ID
	avail      []*agent     // staffed members with a free slot, by ID
	order      []*agent     // the same, best first by the strategy (see keyCmp)
	queue      []*chat      // Queued and Offered chats in queue order
	rrLast     AgentID      // round robin: the agent offered to last

	capacity int // sum of MaxChats of staffed members
	free     int // sum of free slots of staffed members

	handle ewma // time from accept to close
	wait   ewma // time from request to accept

	queueDirty bool      // positions changed since the current or last round began
	round      int       // next queue index of the round in progress; -1 when none
	lastFlush  time.Time // when the last round began
	flushTimer *timer
}

// agent is an agent's configuration and load.
type agent struct {
	id           AgentID
	groups       []*group // by ID
	levels       []int    // skill level by interned skill ID
	maxChats     int
	allowsChat   bool
	connected    bool
	missedLimit  int
	missedStatus int64
	dept         string

	missed    int              // offers missed in a row
	load      int              // chats Offered, Accepted or Handling
	chats     map[ChatID]*chat // those chats
	xoffers   map[ChatID]*chat // transfers offered to the agent (counted in load)
	parts     map[ChatID]*chat // chats the agent writes in as a participant (counted in load)
	idleSince time.Time        // last offer, or becoming ready, whichever is later

	// What attach last added to the groups, so detach can take it back.
	inAvail     bool
	contribCap  int
	contribFree int

	dirty bool
}

func (a *agent) staffed() bool   { return a.connected && a.allowsChat && a.maxChats > 0 }
func (a *agent) available() bool { return a.staffed() && a.load < a.maxChats }

func (a *agent) level(skill int) int {
	if skill < len(a.levels) {
		return a.levels[skill]
	}
	return 0
}

// skillID interns a skill name.
func (e *Engine) skillID(name string) int {
	id, ok := e.skillIDs[name]
	if !ok {
		id = len(e.skillIDs)
		e.skillIDs[name] = id
	}
	return id
}

func (a *agent) inGroup(g *group) bool {
	for _, x := range a.groups {
		if x == g {
			return true
		}
	}
	return false
}

// stateGone marks a chat the engine has forgotten; stale pointers to it see this.
const stateGone ChatState = -1

// chat is one chat in distribution.
type chat struct {
	id          ChatID
	seq         uint64
	conn        *connector
	requestedAt time.Time
	searchStart time.Time // request, or return to the queue after being accepted
	acceptedAt  time.Time
	state       ChatState
	agent       *agent // Offered to, or handling
	expires     time.Time
	declined    []decline
	timers      [numChatTimers]*timer
	sent        uint8 // waiting messages sent (bit per timer kind)
	lastPos     int
	lastOf      int
	dirty       bool
	log         []logRecord
	xfer        *xfer              // a pending transfer (Accepted or Handling only)
	parts       map[AgentID]*agent // participants beside the agent handling it
	target      Target
}

// targeted reports whether the chat narrows who may take it.
func (c *chat) targeted() bool { return c.target != Target{} }

// admits reports whether the chat's target lets a take it.
func (c *chat) admits(a *agent) bool {
	if c.target.Agent != 0 && a.id != c.target.Agent {
		return false
	}
	return deptAdmits(c.target.Department, a)
}

// deptAdmits reports whether an agent may take a chat asking for department dept: an
// agent of that department or of none.
func deptAdmits(dept string, a *agent) bool {
	return dept == "" || a.dept == "" || strings.EqualFold(dept, a.dept)
}

type decline struct {
	agent  AgentID
	lapsed bool // let the offer lapse or did not answer in time, rather than declined
}

func (c *chat) declinedBy(id AgentID) (decline, bool) {
	for _, d := range c.declined {
		if d.agent == id {
			return d, true
		}
	}
	return decline{}, false
}

// orderLess is queue order: higher connector priority first, then earlier request,
// then earlier creation.
func orderLess(x, y *chat) bool {
	if px, py := x.conn.cfg.Priority, y.conn.cfg.Priority; px != py {
		return px > py
	}
	if !x.requestedAt.Equal(y.requestedAt) {
		return x.requestedAt.Before(y.requestedAt)
	}
	return x.seq < y.seq
}

func orderCmp(x, y *chat) int {
	if x == y {
		return 0
	}
	if orderLess(x, y) {
		return -1
	}
	return 1
}

func insertChat(s []*chat, c *chat) []*chat {
	i, _ := slices.BinarySearchFunc(s, c, orderCmp)
	return slices.Insert(s, i, c)
}

func removeChat(s []*chat, c *chat) []*chat {
	i, ok := slices.BinarySearchFunc(s, c, orderCmp)
	if !ok {
		panic("acd: chat missing from its queue")
	}
	return slices.Delete(s, i, i+1)
}

func indexChat(s []*chat, c *chat) int {
	i, ok := slices.BinarySearchFunc(s, c, orderCmp)
	if !ok {
		return -1
	}
	return i
}

func agentCmp(x, y *agent) int {
	switch {
	case x.id < y.id:
		return -1
	case x.id > y.id:
		return 1
	}
	return 0
}

func insertAgent(s []*agent, a *agent) []*agent {
	i, ok := slices.BinarySearchFunc(s, a, agentCmp)
	if ok {
		return s
	}
	return slices.Insert(s, i, a)
}

func removeAgent(s []*agent, a *agent) []*agent {
	i, ok := slices.BinarySearchFunc(s, a, agentCmp)
	if !ok {
		return s
	}
	return slices.Delete(s, i, i+1)
}

// Apply feeds one event into the engine at time now and returns the decisions the
// owner must carry out, in order. Timers due at or before now fire first, so an owner
// that is late with a Tick still sees offers lapse before a late accept. A now earlier
// than a previous one is treated as the previous one. Events are passed by value;
// anything else is a programming error and panics.
//
// After Apply returns, no waiting chat is left that an eligible agent with a free
// slot could take.
func (e *Engine) Apply(now time.Time, ev Event) []Decision {
	if now.Before(e.now) {
		now = e.now
	}
	e.now = now
	e.runTimers(now)
	switch ev := ev.(type) {
	case ConnectorConfig:
		e.onConnectorConfig(now, ev)
	case GroupConfig:
		e.onGroupConfig(ev)
	case AgentState:
		e.onAgentState(now, ev)
	case AgentDisconnected:
		e.onAgentDisconnected(now, ev.Agent)
	case AgentGone:
		e.onAgentGone(now, ev.Agent)
	case ChatRequested:
		e.onChatRequested(now, ev)
	case ChatRestored:
		e.onChatRestored(now, ev)
	case OfferAccepted:
		e.onOfferAccepted(now, ev)
	case OfferDeclined:
		e.onOfferDeclined(now, ev)
	case FirstReply:
		e.onFirstReply(now, ev)
	case ChatClosed:
		e.onChatClosed(now, ev.Chat)
	case Takeover:
		e.onTakeover(now, ev)
	case TransferRequested:
		e.onTransferRequested(now, ev)
	case TransferCanceled:
		e.onTransferCanceled(now, ev)
	case ParticipantJoined:
		e.onParticipantJoined(ev)
	case ParticipantLeft:
		e.onParticipantLeft(ev)
	case Tick, nil:
	default:
		panic(fmt.Sprintf("acd: unsupported event %T", ev))
	}
	e.runTimers(now) // timers the event set in the past (rebuilt chats)
	e.routeTransfers(now)
	e.route(now)
	e.routeTransfers(now) // agents no waiting chat could use
	e.flushQueues(now)
	out := e.out
	e.out = nil
	return out
}

func (e *Engine) emit(d Decision) { e.out = append(e.out, d) }

// NextDeadline returns when the earliest timer is due: the owner must call Apply
// (with a Tick if nothing else happens) at that time. ok is false when no timer runs.
func (e *Engine) NextDeadline() (time.Time, bool) {
	if len(e.timers) == 0 {
		return time.Time{}, false
	}
	return e.timers[0].at, true
}

func (e *Engine) group(id GroupID) *group {
	g := e.groups[id]
	if g == nil {
		g = &group{id: id, strategy: LongestIdle, round: -1}
		e.groups[id] = g
	}
	return g
}

func (e *Engine) connector(id ConnectorID) *connector {
	k := e.connectors[id]
	if k == nil {
		k = &connector{id: id, chats: make(map[ChatID]*chat)}
		e.connectors[id] = k
	}
	return k
}

func (e *Engine) agent(id AgentID) *agent {
	a := e.agents[id]
	if a == nil {
		a = &agent{id: id, chats: make(map[ChatID]*chat)}
		e.agents[id] = a
	}
	return a
}

func (e *Engine) markAgent(a *agent) {
	if !a.dirty {
		a.dirty = true
		e.dirtyAgents = append(e.dirtyAgents, a)
	}
}

func (e *Engine) markChat(c *chat) {
	if !c.dirty {
		c.dirty = true
		e.dirtyChats = append(e.dirtyChats, c)
	}
}

// markGroup asks routing to look at every agent of g with a free slot: something
// changed that may let any of them take any waiting chat.
func (e *Engine) markGroup(g *group) {
	if g == nil {
		return
	}
	for _, a := range g.avail {
		e.markAgent(a)
	}
}

func (e *Engine) markQueue(g *group) {
	if g != nil && !g.queueDirty {
		g.queueDirty = true
		e.dirtyQueues = append(e.dirtyQueues, g)
	}
}

// detach takes the agent's contribution out of its groups (capacity sums and the
// list of agents with a free slot) before it changes; attach puts it back after.
func (e *Engine) detach(a *agent) {
	if a.contribCap > 0 {
		e.staffed--
	}
	for _, g := range a.groups {
		g.capacity -= a.contribCap
		g.free -= a.contribFree
		if a.inAvail {
			g.avail = removeAgent(g.avail, a)
			// Found by identity: the key may already have changed.
			i := slices.Index(g.order, a)
			g.order = slices.Delete(g.order, i, i+1)
		}
	}
	a.inAvail, a.contribCap, a.contribFree = false, 0, 0
}

func (e *Engine) attach(a *agent) {
	if a.staffed() {
		a.contribCap = a.maxChats
		a.contribFree = max(0, a.maxChats-a.load)
		e.staffed++
	}
	a.inAvail = a.available()
	for _, g := range a.groups {
		g.capacity += a.contribCap
		g.free += a.contribFree
		if a.inAvail {
			g.avail = insertAgent(g.avail, a)
			i, _ := slices.BinarySearchFunc(g.order, a, g.keyCmp)
			g.order = slices.Insert(g.order, i, a)
		}
	}
}

// keyCmp orders agents with a free slot by how much they should get the next chat
// under the group's strategy: longest idle first (least busy: lowest load relative to
// MaxChats first, then longest idle), ties by ID. Round robin uses avail instead.
func (g *group) keyCmp(a, b *agent) int {
	if g.strategy == LeastBusy {
		if l, r := a.load*b.maxChats, b.load*a.maxChats; l != r {
			if l < r {
				return -1
			}
			return 1
		}
	}
	if c := a.idleSince.Compare(b.idleSince); c != 0 {
		return c
	}
	return agentCmp(a, b)
}

// changeLoad adds delta to the agent's load; an agent who gains a slot is routed again.
func (e *Engine) changeLoad(a *agent, delta int) {
	e.detach(a)
	a.load += delta
	e.attach(a)
	if delta < 0 && a.available() {
		e.markAgent(a)
	}
}

// changeConnLoad adds delta to the connector's load; when that lifts it off its
// MaxChatsAll, every free agent of the group is routed again.
func (e *Engine) changeConnLoad(k *connector, delta int) {
	wasFull := k.full()
	k.load += delta
	if wasFull && !k.full() && len(k.waiting) > 0 {
		e.markGroup(k.group)
	}
}

// staffingChanged records that who is ready for chats, with which skills, changed in
// the given groups. Skill requirements dropped while nobody meets them, and agents
// who declined a chat that nobody else can now take, depend on it.
func (e *Engine) staffingChanged(groups ...[]*group) {
	e.staffGen++
	for _, gs := range groups {
		for _, g := range gs {
			for _, k := range g.connectors {
				if len(k.waiting) > 0 && (k.cfg.IgnoreSkillsIfNoneSkilled || k.declinedWaiting > 0 || k.targetedWaiting > 0) {
					e.markGroup(g)
					break
				}
			}
		}
	}
}

// ---- the chat's life: queue membership ----

// enterQueue puts a chat (new, or back from an agent) into its group's queue as Queued.
func (e *Engine) enterQueue(c *chat) {
	k := c.conn
	c.state = Queued
	k.unaccepted++
	if k.group != nil {
		k.group.queue = insertChat(k.group.queue, c)
		e.markQueue(k.group)
	}
	e.addWaiting(c)
}

// leaveQueue takes a Queued or Offered chat out of its group's queue.
func (e *Engine) leaveQueue(c *chat) {
	k := c.conn
	if c.state == Queued {
		e.removeWaiting(c)
	}
	k.unaccepted--
	if k.group != nil {
		k.group.queue = removeChat(k.group.queue, c)
		e.markQueue(k.group)
	}
	c.lastPos, c.lastOf = 0, 0
}

func (e *Engine) addWaiting(c *chat) {
	k := c.conn
	c.state = Queued
	k.waiting = insertChat(k.waiting, c)
	if len(c.declined) > 0 {
		k.declinedWaiting++
	}
	if c.targeted() {
		k.targetedWaiting++
	}
	e.markChat(c)
}

func (e *Engine) removeWaiting(c *chat) {
	k := c.conn
	k.waiting = removeChat(k.waiting, c)
	if len(c.declined) > 0 {
		k.declinedWaiting--
	}
	if c.targeted() {
		k.targetedWaiting--
	}
}

// offer makes a Queued chat Offered to a.
func (e *Engine) offer(now time.Time, c *chat, a *agent) {
	k := c.conn
	e.removeWaiting(c)
	c.state = Offered
	c.agent = a
	c.expires = time.Time{}
	if k.cfg.ConnectWait > 0 {
		c.expires = now.Add(k.cfg.ConnectWait)
		e.setTimer(c, tOffer, c.expires)
	}
	a.chats[c.id] = c
	e.detach(a)
	a.idleSince = now
	a.load++
	e.attach(a)
	e.changeConnLoad(k, +1)
	if k.group != nil {
		k.group.rrLast = a.id
	}
	e.emit(Offer{Chat: c.id, Agent: a.id, Expires: c.expires})
}

// unhook ends the chat's tie to its agent (offer or accepted chat) and frees the slot.
func (e *Engine) unhook(c *chat) *agent {
	a := c.agent
	if a == nil {
		return nil
	}
	e.clearTimer(c, tOffer)
	e.clearTimer(c, tAnswer)
	delete(a.chats, c.id)
	c.agent = nil
	c.expires = time.Time{}
	e.changeLoad(a, -1)
	e.changeConnLoad(c.conn, -1)
	return a
}

// backToWaiting returns an Offered chat to Queued after its offer ended.
func (e *Engine) backToWaiting(c *chat, declinedBy *agent, lapsed bool) {
	e.unhook(c)
	if declinedBy != nil {
		if _, ok := c.declinedBy(declinedBy.id); !ok {
			c.declined = append(c.declined, decline{agent: declinedBy.id, lapsed: lapsed})
		}
	}
	e.addWaiting(c)
}

// requeue returns an Accepted or Handling chat to the queue at its original place;
// the search for an agent starts again.
func (e *Engine) requeue(now time.Time, c *chat, reason RequeueReason) {
	e.failTransfer(now, c, TransferRequeued)
	a := e.unhook(c)
	if reason == RequeueAnswerTimeout {
		if _, ok := c.declinedBy(a.id); !ok {
			c.declined = append(c.declined, decline{agent: a.id, lapsed: true})
		}
	}
	c.searchStart = now
	c.acceptedAt = time.Time{}
	c.sent = 0
	e.emit(Requeued{Chat: c.id, FromAgent: a.id, Reason: reason})
	e.enterQueue(c)
	e.scheduleChat(now, c, false)
	e.announcePosition(now, c)
}

// forget removes a chat from the engine, whatever its state.
func (e *Engine) forget(c *chat) {
	e.failTransfer(e.now, c, TransferChatClosed)
	e.releaseParts(c)
	switch c.state {
	case Queued, Offered:
		e.leaveQueue(c)
	}
	e.unhook(c)
	for kind := range c.timers {
		e.clearTimer(c, timerKind(kind))
	}
	delete(c.conn.chats, c.id)
	delete(e.chats, c.id)
	c.state = stateGone
	e.archiveLog(c)
}

// missed counts an offer the agent let lapse (or a chat not answered in time); at
// the agent's limit, the engine asks for the configured status and stops offering.
func (e *Engine) missed(now time.Time, a *agent) {
	a.missed++
	if a.missedLimit <= 0 || a.missed < a.missedLimit {
		return
	}
	a.missed = 0
	e.emit(SetAgentStatus{Agent: a.id, Status: a.missedStatus})
	e.setAllowsChat(now, a, false)
}

// setAllowsChat changes whether the agent's status allows chats; turning it off
// revokes the agent's pending offers.
func (e *Engine) setAllowsChat(now time.Time, a *agent, allows bool) {
	if a.allowsChat == allows {
		return
	}
	was := a.staffed()
	e.detach(a)
	a.allowsChat = allows
	if !was && a.staffed() {
		a.idleSince = now
	}
	e.attach(a)
	e.staffingChanged(a.groups)
	if !allows {
		e.revokeOffers(now, a, RevokeAgentStatus)
	} else {
		e.markAgent(a)
	}
}

// revokeOffers withdraws all pending offers of a, in chat order.
func (e *Engine) revokeOffers(now time.Time, a *agent, reason RevokeReason) {
	e.dropAgentXfers(a, reason)
	for _, c := range sortedChats(a.chats) {
		if c.state != Offered {
			continue
		}
		e.emit(RevokeOffer{Chat: c.id, Agent: a.id, Reason: reason})
		e.log(now, c, a.id, evRevoked, passReason{text: string(reason)})
		e.backToWaiting(c, nil, false)
	}
}

func sortedChats(m map[ChatID]*chat) []*chat {
	s := make([]*chat, 0, len(m))
	for _, c := range m {
		s = append(s, c)
	}
	slices.SortFunc(s, func(x, y *chat) int {
		switch {
		case x.seq < y.seq:
			return -1
		case x.seq > y.seq:
			return 1
		}
		return 0
	})
	return s
}
