package acd

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	simCount = flag.Int("acd.sims", 0, "number of randomized ACD scenarios (0 = default for the mode)")
	simSeed  = flag.Uint64("acd.seed", 0, "run only the scenario with this seed")
)

// TestSimulation runs thousands of short random scenarios against the engine and,
// after every step, checks its decisions against an oracle that recomputes every rule
// from scratch: capacity per agent and per connector, no free eligible agent left
// beside a waiting chat, offers in priority-then-wait order, timers on time, queue
// positions right, and every chat ending handled, closed by the visitor or closed for
// no agent once its search time is up.
func TestSimulation(t *testing.T) {
	n := *simCount
	if n == 0 {
		n = 3000
		if testing.Short() || raceEnabled {
			n = 300
		}
	}
	if *simSeed != 0 {
		runSim(t, *simSeed)
		return
	}
	for i := range n {
		if !runSim(t, uint64(i)+1) {
			return
		}
	}
}

const simMaxStep = 20 * time.Second

type simChat struct {
	id          ChatID
	seq         int
	conn        ConnectorID
	requestedAt time.Time
	searchStart time.Time
	state       ChatState
	agent       AgentID
	expires     time.Time
	acceptedAt  time.Time
	declined    map[AgentID]bool
	pos, of     int
	sent        map[WaitingWhich]bool
	target      Target
}

type sim struct {
	t      *testing.T
	seed   uint64
	r      *rand.Rand
	e      *Engine
	now    time.Time
	conns  map[ConnectorID]ConnectorConfig
	groups map[GroupID]Strategy
	agents map[AgentID]AgentState
	chats  map[ChatID]*simChat
	fate   map[ChatID]string
	seq    int
	// Load when a limit was lowered below it; it may only shrink from there.
	connPeak  map[ConnectorID]int
	agentPeak map[AgentID]int
	trace     []string
	failed    bool
	// restoring is set while a restarted engine is being rebuilt: the engine does not
	// know every chat yet, so positions and order are checked once it is done.
	restoring bool
}

func runSim(t *testing.T, seed uint64) bool { return !playSim(t, seed).failed }

// runSimTrace returns the full trace of one scenario: events and decisions.
func runSimTrace(t *testing.T, seed uint64) string { return strings.Join(playSim(t, seed).trace, "\n") }

func playSim(t *testing.T, seed uint64) *sim {
	s := &sim{
		t: t, seed: seed, r: rand.New(rand.NewPCG(seed, 0xacd)),
		now:       t0,
		conns:     map[ConnectorID]ConnectorConfig{},
		groups:    map[GroupID]Strategy{},
		agents:    map[AgentID]AgentState{},
		chats:     map[ChatID]*simChat{},
		fate:      map[ChatID]string{},
		connPeak:  map[ConnectorID]int{},
		agentPeak: map[AgentID]int{},
	}
	o := DefaultOptions()
	o.QueueUpdateEvery = 0
	o.LogPerChat = 40
	s.e = NewWithOptions(o)
	s.setup()
	steps := 20 + s.r.IntN(80)
	for i := 0; i < steps && !s.failed; i++ {
		s.step()
	}
	if !s.failed {
		s.drain()
	}
	return s
}

func (s *sim) fail(format string, args ...any) {
	if s.failed {
		return
	}
	s.failed = true
	tr := s.trace
	if len(tr) > 60 {
		tr = tr[len(tr)-60:]
	}
	s.t.Errorf("simulation seed %d (rerun: go test ./backend/acd -run TestSimulation -acd.seed=%d -v)\nat +%v: %s\ntrace (last steps):\n%s",
		s.seed, s.seed, s.now.Sub(t0), fmt.Sprintf(format, args...), strings.Join(tr, "\n"))
}

var simSkills = []string{"en", "de", "fr"}

func (s *sim) dur(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(s.r.Int64N(int64(hi-lo)+1)).Truncate(time.Second)
}

func (s *sim) randomConnector(id ConnectorID, groups int) ConnectorConfig {
	r := s.r
	c := ConnectorConfig{
		Connector:       id,
		Group:           GroupID(1 + r.IntN(groups)),
		Priority:        r.IntN(3),
		ConnectWait:     s.dur(5*time.Second, 60*time.Second),
		FreeAgentSearch: s.dur(30*time.Second, 400*time.Second),
	}
	if r.IntN(2) == 0 {
		c.MaxChatsAll = 1 + r.IntN(4)
	}
	if r.IntN(8) == 0 {
		c.ConnectWait = 0
	}
	if r.IntN(2) == 0 {
		c.AnswerTime = s.dur(10*time.Second, 120*time.Second)
	}
	for i := range r.IntN(3) {
		c.Skills[i] = SkillReq{Skill: simSkills[r.IntN(len(simSkills))], Min: 1 + r.IntN(3)}
		if r.IntN(2) == 0 {
			c.Skills[i].IgnoreAfter = s.dur(10*time.Second, 200*time.Second)
		}
	}
	if r.IntN(3) == 0 {
		c.IgnoreSkillsAfter = s.dur(20*time.Second, 300*time.Second)
	}
	c.IgnoreSkillsIfNoneSkilled = r.IntN(2) == 0
	c.OutOfService = r.IntN(12) == 0
	if r.IntN(2) == 0 {
		c.Waiting1 = s.dur(5*time.Second, 60*time.Second)
		c.Waiting2 = c.Waiting1 + s.dur(5*time.Second, 60*time.Second)
		c.Final = c.Waiting2 + s.dur(5*time.Second, 60*time.Second)
	}
	return c
}

func (s *sim) randomAgent(id AgentID, groups int) AgentState {
	r := s.r
	a := AgentState{
		Agent:      id,
		MaxChats:   r.IntN(4),
		AllowsChat: r.IntN(5) != 0,
		Connected:  r.IntN(6) != 0,
		Skills:     map[string]int{},
	}
	for g := range groups {
		if r.IntN(2) == 0 {
			a.Groups = append(a.Groups, GroupID(g+1))
		}
	}
	for _, sk := range simSkills {
		if r.IntN(2) == 0 {
			a.Skills[sk] = r.IntN(4)
		}
	}
	if r.IntN(3) == 0 {
		a.MissedLimit = 1 + r.IntN(3)
		a.MissedStatus = 99
	}
	a.Department = simDepts[r.IntN(len(simDepts))]
	return a
}

// simDepts are the agents' departments ("" = none) and, in another letter case, what chats ask for.
var simDepts = []string{"", "", "sales", "Support"}

// randomTarget narrows a chat now and then: to a department, to an agent (who may not exist), or both.
func (s *sim) randomTarget() Target {
	var t Target
	if s.r.IntN(4) == 0 {
		t.Department = []string{"SALES", "support", "billing"}[s.r.IntN(3)]
	}
	if s.r.IntN(6) == 0 {
		t.Agent = AgentID(1 + s.r.IntN(len(s.agents)+1))
	}
	return t
}

func (s *sim) setup() {
	big := s.r.IntN(4) == 0 // now and then a wider scenario
	groups := 1 + s.r.IntN(2)
	conns, agents := 1+s.r.IntN(3), 1+s.r.IntN(5)
	if big {
		groups, conns, agents = 1+s.r.IntN(3), 2+s.r.IntN(4), 4+s.r.IntN(8)
	}
	for g := range groups {
		st := []Strategy{LongestIdle, LeastBusy, RoundRobin}[s.r.IntN(3)]
		s.groups[GroupID(g+1)] = st
		s.apply(fmt.Sprintf("group %d %s", g+1, st), GroupConfig{Group: GroupID(g + 1), Strategy: st})
	}
	for i := range conns {
		c := s.randomConnector(ConnectorID(i+1), groups)
		s.conns[c.Connector] = c
		s.apply(fmt.Sprintf("connector %+v", c), c)
	}
	for i := range agents {
		a := s.randomAgent(AgentID(i+1), groups)
		s.agents[a.Agent] = a
		s.apply(fmt.Sprintf("agent %+v", a), a)
	}
}

// pick returns a random chat in one of the given states, or nil.
func (s *sim) pick(states ...ChatState) *simChat {
	var cs []*simChat
	for _, c := range s.sortedChats() {
		if slices.Contains(states, c.state) {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return nil
	}
	return cs[s.r.IntN(len(cs))]
}

func (s *sim) sortedChats() []*simChat {
	cs := make([]*simChat, 0, len(s.chats))
	for _, c := range s.chats {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b *simChat) int { return a.seq - b.seq })
	return cs
}

func (s *sim) step() {
	// Time passes: a random step, or exactly up to the next deadline.
	d := time.Duration(s.r.Int64N(int64(simMaxStep)))
	if dl, ok := s.e.NextDeadline(); ok && s.r.IntN(3) == 0 && dl.After(s.now) && dl.Sub(s.now) <= simMaxStep {
		d = dl.Sub(s.now)
	}
	s.now = s.now.Add(d)
	s.apply("tick", Tick{})
	groups := len(s.groups)
	r := s.r
	switch x := r.IntN(100); {
	case x < 25:
		s.seq++
		id := ChatID(fmt.Sprintf("c%d", s.seq))
		k := ConnectorID(1 + r.IntN(len(s.conns)))
		if r.IntN(20) == 0 {
			k = 99
		}
		at := s.now
		if r.IntN(8) == 0 { // rebuilt after a restart: requested a little earlier
			at = at.Add(-time.Duration(r.Int64N(int64(15 * time.Second))))
		}
		tg := s.randomTarget()
		s.apply(fmt.Sprintf("request %s on %d at -%v for %+v", id, k, s.now.Sub(at), tg), ChatRequested{Chat: id, Connector: k, RequestedAt: at, Target: tg})
	case x < 45:
		if c := s.pick(Offered); c != nil {
			s.apply(fmt.Sprintf("accept %s by %d", c.id, c.agent), OfferAccepted{Chat: c.id, Agent: c.agent})
		}
	case x < 51:
		if c := s.pick(Offered); c != nil {
			s.apply(fmt.Sprintf("decline %s by %d", c.id, c.agent), OfferDeclined{Chat: c.id, Agent: c.agent})
		}
	case x < 63:
		if c := s.pick(Accepted); c != nil {
			s.apply(fmt.Sprintf("first reply %s by %d", c.id, c.agent), FirstReply{Chat: c.id, Agent: c.agent})
		}
	case x < 75:
		if c := s.pick(Queued, Offered, Accepted, Handling); c != nil {
			s.apply(fmt.Sprintf("close %s", c.id), ChatClosed{Chat: c.id})
		}
	case x < 85:
		id := AgentID(1 + r.IntN(len(s.agents)+1))
		a := s.randomAgent(id, groups)
		if old, ok := s.agents[id]; ok && r.IntN(2) == 0 {
			// A status change only, the common case.
			a = old
			a.AllowsChat = !a.AllowsChat
			a.Connected = true
		}
		s.agents[id] = a
		s.apply(fmt.Sprintf("agent %+v", a), a)
	case x < 88:
		id := AgentID(1 + r.IntN(len(s.agents)))
		a := s.agents[id]
		a.Connected = false
		s.agents[id] = a
		s.apply(fmt.Sprintf("disconnect %d", id), AgentDisconnected{Agent: id})
	case x < 90:
		id := AgentID(1 + r.IntN(len(s.agents)))
		a := s.agents[id]
		a.Connected = false
		s.agents[id] = a
		s.apply(fmt.Sprintf("gone %d", id), AgentGone{Agent: id})
	case x < 92:
		id := ConnectorID(1 + r.IntN(len(s.conns)))
		c := s.randomConnector(id, groups)
		s.conns[id] = c
		s.apply(fmt.Sprintf("connector %+v", c), c)
	case x < 94:
		s.restart()
	case x < 95:
		g := GroupID(1 + r.IntN(groups))
		st := []Strategy{LongestIdle, LeastBusy, RoundRobin}[r.IntN(3)]
		s.groups[g] = st
		s.apply(fmt.Sprintf("group %d %s", g, st), GroupConfig{Group: g, Strategy: st})
	case x < 97:
		s.takeover()
	}
}

// simSupervisor is the supervisor who takes chats over: no groups, no capacity of their own.
const simSupervisor AgentID = 500

// takeover has the supervisor take a chat over, naming its owner as seen or, now and then, an
// owner it no longer has; the engine must take exactly the takeovers whose owner is right.
func (s *sim) takeover() {
	c := s.pick(Queued, Offered, Accepted, Handling)
	if c == nil {
		return
	}
	from := AgentID(0)
	if c.state == Accepted || c.state == Handling {
		from = c.agent
	}
	if s.r.IntN(4) == 0 {
		from = AgentID(s.r.IntN(len(s.agents) + 1)) // stale, or right by chance
	}
	prev := c.agent
	want := ((c.state == Queued || c.state == Offered) && from == 0) ||
		((c.state == Accepted || c.state == Handling) && c.agent == from && from != simSupervisor)
	s.apply(fmt.Sprintf("takeover %s from %d", c.id, from), Takeover{Chat: c.id, Agent: simSupervisor, From: from})
	if s.failed {
		return
	}
	if got := prev != simSupervisor && c.agent == simSupervisor && c.state == Handling; got != want {
		s.fail("takeover of %s from %d: taken %v, want %v", c.id, from, got, want)
	}
}

// restart replaces the engine with a new one rebuilt from the model, the way the
// server rebuilds after a restart or a leader change: configuration, agents, then
// accepted chats, then waiting ones. Pending offers, declines and missed counts are
// not kept.
func (s *sim) restart() {
	s.trace = append(s.trace, fmt.Sprintf("+%v RESTART", s.now.Sub(t0)))
	o := DefaultOptions()
	o.QueueUpdateEvery = 0
	o.LogPerChat = 40
	s.e = NewWithOptions(o)
	s.restoring = true
	for g := range GroupID(len(s.groups)) {
		s.apply("group", GroupConfig{Group: g + 1, Strategy: s.groups[g+1]})
	}
	for k := range ConnectorID(len(s.conns)) {
		s.apply("connector", s.conns[k+1])
	}
	for id := range AgentID(len(s.agents)) {
		s.apply("agent", s.agents[id+1])
	}
	chats := s.sortedChats()
	for _, c := range chats {
		c.declined = map[AgentID]bool{}
		c.pos, c.of = 0, 0
		// A rebuilt chat counts the waiting messages already due as sent.
		k := s.conns[c.conn]
		c.sent = map[WaitingWhich]bool{}
		for w, d := range map[WaitingWhich]time.Duration{Waiting1: k.Waiting1, Waiting2: k.Waiting2, Final: k.Final} {
			if d > 0 && !c.searchStart.Add(d).After(s.now) {
				c.sent[w] = true
			}
		}
		if c.state == Offered {
			c.state, c.agent, c.expires = Queued, 0, time.Time{}
		}
	}
	for _, accepted := range []bool{true, false} {
		for _, c := range chats {
			if (c.state == Queued) == accepted {
				continue
			}
			ev := ChatRestored{Chat: c.id, Connector: c.conn, RequestedAt: c.requestedAt, SearchFrom: c.searchStart, Target: c.target}
			if accepted {
				ev = ChatRestored{Chat: c.id, Connector: c.conn, RequestedAt: c.requestedAt, Agent: c.agent, AcceptedAt: c.acceptedAt, Target: c.target}
				if c.state == Handling {
					ev.FirstReplyAt = c.acceptedAt
				}
			}
			s.apply(fmt.Sprintf("restore %+v", ev), ev)
		}
	}
	s.restoring = false
	s.check()
}

// drain lets time run with nobody acting until only handled chats are left.
func (s *sim) drain() {
	for i := 0; !s.failed; i++ {
		open := false
		for _, c := range s.chats {
			if c.state == Queued || c.state == Offered || (c.state == Accepted && s.conns[c.conn].AnswerTime > 0) {
				open = true
			}
		}
		if !open {
			break
		}
		dl, ok := s.e.NextDeadline()
		if !ok {
			s.fail("chats still open but no deadline")
			return
		}
		if i > 100000 {
			s.fail("drain does not end")
			return
		}
		s.now = dl
		s.apply("drain tick", Tick{})
	}
	for _, c := range s.sortedChats() {
		if c.state != Handling && c.state != Accepted {
			s.fail("chat %s ended the run %v", c.id, c.state)
		}
	}
}

// apply sends one event, mirrors it in the model, and checks every decision and
// then the invariants.
func (s *sim) apply(what string, ev Event) {
	if s.failed {
		return
	}
	s.before(ev)
	ds := s.e.Apply(s.now, ev)
	var b strings.Builder
	fmt.Fprintf(&b, "+%v %s", s.now.Sub(t0), what)
	for _, d := range ds {
		fmt.Fprintf(&b, "\n      -> %T%+v", d, d)
	}
	s.trace = append(s.trace, b.String())
	for _, d := range ds {
		s.decision(ev, d)
		if s.failed {
			return
		}
	}
	s.check()
}

// before applies the event itself to the model.
func (s *sim) before(ev Event) {
	switch ev := ev.(type) {
	case ConnectorConfig:
		n := 0
		for _, c := range s.chats {
			if c.conn == ev.Connector && c.state != Queued {
				n++
			}
		}
		s.connPeak[ev.Connector] = n
	case AgentState:
		n := 0
		for _, c := range s.chats {
			if c.agent == ev.Agent && c.state != Queued {
				n++
			}
		}
		s.agentPeak[ev.Agent] = n
	case ChatRequested:
		k, ok := s.conns[ev.Connector]
		if !ok || k.OutOfService {
			return // refused; checked on the decision
		}
		c := &simChat{id: ev.Chat, seq: s.seq, conn: ev.Connector, requestedAt: ev.RequestedAt,
			searchStart: ev.RequestedAt, declined: map[AgentID]bool{}, sent: map[WaitingWhich]bool{}, target: ev.Target}
		for w, d := range map[WaitingWhich]time.Duration{Waiting1: k.Waiting1, Waiting2: k.Waiting2, Final: k.Final} {
			if d > 0 && !c.searchStart.Add(d).After(s.now) {
				c.sent[w] = true // already due when the request arrived: not repeated
			}
		}
		s.chats[ev.Chat] = c
	case OfferDeclined:
		c := s.chats[ev.Chat]
		c.declined[ev.Agent] = true
		c.state, c.agent = Queued, 0
	case FirstReply:
		s.chats[ev.Chat].state = Handling
	case ChatClosed:
		c := s.chats[ev.Chat]
		if c.state != Offered { // an offered chat waits for its RevokeOffer
			delete(s.chats, ev.Chat)
			s.fate[ev.Chat] = "closed by visitor"
		}
	}
}

func (s *sim) decision(ev Event, d Decision) {
	switch d := d.(type) {
	case Offer:
		c := s.chats[d.Chat]
		if c == nil || c.state != Queued {
			s.fail("offer of %s which is not waiting", d.Chat)
			return
		}
		if why := s.whyNot(d.Agent, c); why != "" {
			s.fail("offer of %s to ineligible agent %d: %s", d.Chat, d.Agent, why)
			return
		}
		for _, o := range s.sortedChats() {
			if s.restoring {
				break // chats not restored yet are unknown to the engine
			}
			if o.state == Queued && o != c && s.orderLess(o, c) && s.whyNot(d.Agent, o) == "" {
				s.fail("offer of %s to %d skips earlier chat %s the agent could take", d.Chat, d.Agent, o.id)
				return
			}
		}
		k := s.conns[c.conn]
		want := time.Time{}
		if k.ConnectWait > 0 {
			want = s.now.Add(k.ConnectWait)
		}
		if !d.Expires.Equal(want) {
			s.fail("offer expires %v, want %v", d.Expires, want)
		}
		c.state, c.agent, c.expires = Offered, d.Agent, d.Expires
	case RevokeOffer:
		c := s.chats[d.Chat]
		if c == nil || c.state != Offered || c.agent != d.Agent {
			s.fail("revoke of %s from %d which has no such offer", d.Chat, d.Agent)
			return
		}
		switch d.Reason {
		case RevokeTimeout:
			if c.expires.IsZero() || c.expires.After(s.now) {
				s.fail("offer of %s revoked for timeout before it expired (%v)", d.Chat, c.expires)
			}
			c.declined[d.Agent] = true
		case RevokeAgentGone:
			if _, ok := ev.(AgentGone); !ok {
				s.fail("agent_gone revoke on %T", ev)
			}
		case RevokeAgentStatus:
			if s.agents[d.Agent].AllowsChat {
				s.fail("agent_status revoke while status allows chat")
			}
		case RevokeClosed:
		case RevokeTakenOver:
			if _, ok := ev.(Takeover); !ok {
				s.fail("taken_over revoke on %T", ev)
			}
		}
		c.state, c.agent = Queued, 0
		if cl, ok := ev.(ChatClosed); ok && cl.Chat == d.Chat {
			delete(s.chats, d.Chat)
			s.fate[d.Chat] = "closed by visitor"
		}
	case Assigned:
		acc, ok := ev.(OfferAccepted)
		c := s.chats[d.Chat]
		if !ok || acc.Chat != d.Chat || acc.Agent != d.Agent || c == nil || c.state != Offered || c.agent != d.Agent {
			s.fail("unexpected %+v", d)
			return
		}
		c.state, c.acceptedAt = Accepted, s.now
	case TakenOver:
		tk, ok := ev.(Takeover)
		c := s.chats[d.Chat]
		if c != nil {
			c.target.Agent = 0 // the supervisor's now, whoever it was asked for
		}
		switch {
		case !ok || c == nil || tk.Chat != d.Chat || tk.Agent != d.Agent || d.From != tk.From:
			s.fail("unexpected %+v", d)
			return
		case c.state == Queued && d.From == 0:
			c.acceptedAt = s.now
			// A takeover is no routing: it may take the connector over its limit, and
			// nothing more of it is offered until it is below again.
			n := 1
			for _, o := range s.chats {
				if o.conn == c.conn && o.state != Queued {
					n++
				}
			}
			s.connPeak[c.conn] = max(s.connPeak[c.conn], n)
		case (c.state == Accepted || c.state == Handling) && c.agent == d.From && d.From != 0:
		default:
			s.fail("%+v of %s, %v with agent %d", d, d.Chat, c.state, c.agent)
			return
		}
		c.state, c.agent = Handling, d.Agent
	case Requeued:
		c := s.chats[d.Chat]
		if c == nil || (c.state != Accepted && c.state != Handling) || c.agent != d.FromAgent {
			s.fail("requeue of %s which %d does not hold", d.Chat, d.FromAgent)
			return
		}
		switch d.Reason {
		case RequeueAnswerTimeout:
			at := s.conns[c.conn].AnswerTime
			if c.state != Accepted || at == 0 || c.acceptedAt.Add(at).After(s.now) {
				s.fail("answer timeout requeue of %s too early or without answer time", d.Chat)
			}
			c.declined[d.FromAgent] = true
		case RequeueAgentGone:
			if _, ok := ev.(AgentGone); !ok {
				s.fail("agent_gone requeue on %T", ev)
			}
		}
		c.state, c.agent, c.searchStart, c.pos, c.of = Queued, 0, s.now, 0, 0
		c.sent = map[WaitingWhich]bool{}
	case CloseNoAgent:
		c := s.chats[d.Chat]
		if c == nil || c.state != Queued {
			s.fail("close-no-agent of %s not waiting", d.Chat)
			return
		}
		dl := c.searchStart.Add(s.conns[c.conn].FreeAgentSearch)
		_, reconfigured := ev.(ConnectorConfig) // a shorter search time applies at once
		if s.now.Before(dl) || (s.now.Sub(dl) > simMaxStep && !reconfigured) {
			s.fail("close-no-agent of %s at +%v, deadline +%v", d.Chat, s.now.Sub(t0), dl.Sub(t0))
		}
		delete(s.chats, d.Chat)
		s.fate[d.Chat] = "no agent"
	case Refused:
		k, ok := s.conns[ev.(ChatRequested).Connector]
		switch {
		case !ok && d.Reason == RefusedUnknownConnector:
		case ok && k.OutOfService && d.Reason == RefusedOutOfService:
		default:
			s.fail("unexpected %+v", d)
		}
	case SetAgentStatus:
		a := s.agents[d.Agent]
		if a.MissedLimit == 0 || d.Status != a.MissedStatus {
			s.fail("unexpected %+v", d)
		}
		a.AllowsChat = false
		s.agents[d.Agent] = a
	case QueueUpdates:
		for _, u := range d.Updates {
			s.decision(ev, u)
		}
	case QueueUpdate:
		c := s.chats[d.Chat]
		if c == nil || (c.state != Queued && c.state != Offered) {
			s.fail("queue update for %s not in the queue", d.Chat)
			return
		}
		if pos, of := s.position(c); (d.Position != pos || d.Of != of) && !s.restoring {
			s.fail("queue update %+v, want %d of %d", d, pos, of)
		}
		if d.Position == c.pos && d.Of == c.of {
			s.fail("queue update %+v repeats the last one", d)
		}
		c.pos, c.of = d.Position, d.Of
	case QueueMessage:
		c := s.chats[d.Chat]
		if c == nil || (c.state != Queued && c.state != Offered) {
			s.fail("queue message for %s not in the queue", d.Chat)
		}
	case WaitingMessage:
		c := s.chats[d.Chat]
		if c == nil || (c.state != Queued && c.state != Offered) {
			s.fail("waiting message for %s not waiting", d.Chat)
			return
		}
		k := s.conns[c.conn]
		at := map[WaitingWhich]time.Duration{Waiting1: k.Waiting1, Waiting2: k.Waiting2, Final: k.Final}[d.Which]
		if at == 0 || s.now.Before(c.searchStart.Add(at)) || c.sent[d.Which] {
			s.fail("waiting message %s for %s at the wrong time", d.Which, d.Chat)
		}
		c.sent[d.Which] = true
	}
}

// check verifies the invariants after an Apply.
func (s *sim) check() {
	if s.failed || s.restoring {
		return
	}
	loads := map[AgentID]int{}
	connLoads := map[ConnectorID]int{}
	for _, c := range s.sortedChats() {
		info, ok := s.e.ChatInfo(c.id)
		if !ok || info.State != c.state || info.Agent != c.agent {
			s.fail("engine has %s as %+v (known %v), model %v agent %d", c.id, info, ok, c.state, c.agent)
			return
		}
		k := s.conns[c.conn]
		switch c.state {
		case Queued, Offered:
			if dl := c.searchStart.Add(k.FreeAgentSearch); !s.now.Before(dl) {
				s.fail("chat %s still waiting past its search time", c.id)
			}
			if pos, of := s.position(c); pos != c.pos || of != c.of {
				s.fail("chat %s last told %d of %d, is %d of %d", c.id, c.pos, c.of, pos, of)
			}
		case Accepted:
			if k.AnswerTime > 0 && !s.now.Before(c.acceptedAt.Add(k.AnswerTime)) {
				s.fail("chat %s accepted past its answer time", c.id)
			}
		}
		if c.state == Offered && !c.expires.IsZero() && !s.now.Before(c.expires) {
			s.fail("offer of %s still pending past its expiry", c.id)
		}
		if c.state != Queued {
			loads[c.agent]++
			connLoads[c.conn]++
		}
	}
	// Capacity is checked on every Offer (the oracle refuses a full agent or
	// connector). Here: above the limit only if the limit was lowered since, which
	// takes nothing away.
	for id, k := range s.conns {
		if k.MaxChatsAll > 0 && connLoads[id] > max(k.MaxChatsAll, s.connPeak[id]) {
			s.fail("connector %d has %d chats, max %d", id, connLoads[id], k.MaxChatsAll)
		}
		s.connPeak[id] = min(s.connPeak[id], connLoads[id])
	}
	for id, a := range s.agents {
		if loads[id] > max(a.MaxChats, s.agentPeak[id]) {
			s.fail("agent %d has %d chats, max %d", id, loads[id], a.MaxChats)
		}
		s.agentPeak[id] = min(s.agentPeak[id], loads[id])
	}
	staffed, waiting := 0, 0
	for _, a := range s.agents {
		if s.staffed(a) {
			staffed++
		}
	}
	for _, c := range s.chats {
		if c.state == Queued || c.state == Offered {
			waiting++
		}
	}
	if n := s.e.Counts(); n.Agents != staffed || n.Waiting != waiting || n.Chats != len(s.chats) {
		s.fail("counts %+v, want %d staffed, %d waiting, %d chats", n, staffed, waiting, len(s.chats))
	}
	for _, c := range s.sortedChats() {
		if c.state != Queued {
			continue
		}
		for id := range AgentID(len(s.agents) + 1) {
			if _, ok := s.agents[id]; ok && s.whyNot(id, c) == "" {
				s.fail("chat %s waits while agent %d could take it", c.id, id)
				return
			}
		}
	}
}

func (s *sim) orderLess(a, b *simChat) bool {
	pa, pb := s.conns[a.conn].Priority, s.conns[b.conn].Priority
	if pa != pb {
		return pa > pb
	}
	if !a.requestedAt.Equal(b.requestedAt) {
		return a.requestedAt.Before(b.requestedAt)
	}
	return a.seq < b.seq
}

func (s *sim) position(c *simChat) (pos, of int) {
	g := s.conns[c.conn].Group
	for _, o := range s.chats {
		if (o.state == Queued || o.state == Offered) && s.conns[o.conn].Group == g {
			of++
			if o == c || s.orderLess(o, c) {
				pos++
			}
		}
	}
	return pos, of
}

func (s *sim) staffed(a AgentState) bool { return a.Connected && a.AllowsChat && a.MaxChats > 0 }

func (s *sim) meets(a AgentState, k ConnectorConfig, active []int) (string, bool) {
	for _, i := range active {
		if a.Skills[k.Skills[i].Skill] < k.Skills[i].Min {
			return fmt.Sprintf("skill %s", k.Skills[i].Skill), false
		}
	}
	return "", true
}

// whyNot is the oracle: the rules, recomputed from the model without shortcuts.
func (s *sim) whyNot(id AgentID, c *simChat) string {
	a := s.agents[id]
	k := s.conns[c.conn]
	if !slices.Contains(a.Groups, k.Group) {
		return "not in group"
	}
	admits := func(b AgentState) bool {
		return (c.target.Agent == 0 || c.target.Agent == b.Agent) &&
			(c.target.Department == "" || b.Department == "" || strings.EqualFold(c.target.Department, b.Department))
	}
	if !admits(a) {
		return "not the target"
	}
	if !s.staffed(a) {
		return "not staffed"
	}
	load, connLoad := 0, 0
	for _, o := range s.chats {
		if o.state != Queued && o.agent == id {
			load++
		}
		if o.state != Queued && o.conn == c.conn {
			connLoad++
		}
	}
	if load >= a.MaxChats {
		return "full"
	}
	if k.MaxChatsAll > 0 && connLoad >= k.MaxChatsAll {
		return "connector full"
	}
	age := s.now.Sub(c.requestedAt)
	var active []int
	if k.IgnoreSkillsAfter == 0 || age < k.IgnoreSkillsAfter {
		for i, sk := range k.Skills {
			if sk.Skill != "" && sk.Min > 0 && (sk.IgnoreAfter == 0 || age < sk.IgnoreAfter) {
				active = append(active, i)
			}
		}
	}
	staffedIn := func(yield func(AgentState) bool) {
		for _, b := range s.agents {
			if s.staffed(b) && slices.Contains(b.Groups, k.Group) && !yield(b) {
				return
			}
		}
	}
	if len(active) > 0 && k.IgnoreSkillsIfNoneSkilled {
		anyone := false
		for b := range staffedIn {
			if _, ok := s.meets(b, k, active); ok {
				anyone = true
			}
		}
		if !anyone {
			active = nil
		}
	}
	if why, ok := s.meets(a, k, active); !ok {
		return why
	}
	if c.declined[id] {
		for b := range staffedIn {
			if _, ok := s.meets(b, k, active); ok && !c.declined[b.Agent] && admits(b) {
				return "declined, others staffed"
			}
		}
	}
	return ""
}
