package acd

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the opening-hours test needs Europe/Berlin everywhere
)

func offered(ds []Decision) []ChatID {
	var ids []ChatID
	for _, o := range all[Offer](ds) {
		ids = append(ids, o.Chat)
	}
	return ids
}

func prio(p int) func(*ConnectorConfig) { return func(c *ConnectorConfig) { c.Priority = p } }

func (h *harness) explainHas(chat ChatID, agent AgentID, detail string) bool {
	for _, l := range h.e.Explain(chat) {
		if l.Agent == agent && strings.Contains(l.Detail, detail) {
			return true
		}
	}
	return false
}

func (h *harness) wantExplain(chat ChatID, agent AgentID, detail string) {
	h.t.Helper()
	if !h.explainHas(chat, agent, detail) {
		var b strings.Builder
		for _, l := range h.e.Explain(chat) {
			fmt.Fprintf(&b, "  %v agent=%d %s: %s\n", l.At.Sub(t0), l.Agent, l.Event, l.Detail)
		}
		h.t.Fatalf("explain %s lacks agent %d %q:\n%s", chat, agent, detail, b.String())
	}
}

func TestPriorityThenWaitingTime(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10, prio(0))
	h.connector(2, 10, prio(5)) // shares group 10, more urgent
	for _, r := range []struct {
		chat ChatID
		k    ConnectorID
	}{{"low-old", 1}, {"high-new", 2}, {"low-newer", 1}, {"high-newer", 2}} {
		h.request(r.chat, r.k)
		h.now = h.now.Add(time.Second)
	}
	for i, id := range []ChatID{"high-new", "high-newer", "low-old", "low-newer"} {
		if info, _ := h.e.ChatInfo(id); info.Position != i+1 || info.Of != 4 {
			t.Fatalf("%s at %d of %d, want %d of 4", id, info.Position, info.Of, i+1)
		}
	}
	h.wantRouting(h.agent(1, 4, 10),
		Offer{Chat: "high-new", Agent: 1}, Offer{Chat: "high-newer", Agent: 1},
		Offer{Chat: "low-old", Agent: 1}, Offer{Chat: "low-newer", Agent: 1})
}

func TestMaxChatsPerAgent(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 0, 10) // takes no chats
	h.agent(2, 2, 10)
	h.wantRouting(h.request("a", 1), Offer{Chat: "a", Agent: 2})
	h.apply(OfferAccepted{Chat: "a", Agent: 2})
	h.wantRouting(h.request("b", 1), Offer{Chat: "b", Agent: 2}) // a pending offer counts...
	h.wantRouting(h.request("c", 1))                             // ...so 2 is full
	h.wantExplain("c", 2, "at capacity 2/2")
	h.wantExplain("c", 1, "takes no chats")
	h.wantRouting(h.apply(OfferDeclined{Chat: "b", Agent: 2}), Offer{Chat: "b", Agent: 2})
	// Raising the capacity lets the waiting chat in.
	h.wantRouting(h.agent(2, 3, 10), Offer{Chat: "c", Agent: 2})
	// Lowering it takes nothing away.
	h.wantRouting(h.agent(2, 1, 10))
	h.wantState("a", Accepted, 2)
	h.wantState("c", Offered, 2)
}

func TestMaxChatsAllAgents(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10, func(c *ConnectorConfig) { c.MaxChatsAll = 2 })
	h.connector(2, 10) // same group, no limit
	h.agent(1, 5, 10)
	h.agent(2, 5, 10)
	h.request("a", 1)
	h.request("b", 1)
	h.wantRouting(h.request("c", 1)) // offered + active of connector 1 reach 2
	h.wantExplain("c", 0, "connector at max chats all agents 2/2")
	if got := offered(h.request("d", 2)); fmt.Sprint(got) != "[d]" { // connector 2 is not limited
		t.Fatalf("offered %v", got)
	}
	info, _ := h.e.ChatInfo("a")
	h.apply(OfferAccepted{Chat: "a", Agent: info.Agent})
	h.wantRouting(h.request("e", 1))
	if got := offered(h.apply(ChatClosed{Chat: "a"})); fmt.Sprint(got) != "[c]" {
		t.Fatalf("offered %v", got)
	}
}

func TestOnlyConnectedAgentsWhoseStatusAllowsChat(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: false, Connected: true})
	h.apply(AgentState{Agent: 2, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: true, Connected: false})
	h.wantRouting(h.request("a", 1))
	h.wantExplain("a", 1, "status does not allow chat")
	h.wantExplain("a", 2, "not connected")
	// Agent 1 sets a chat status: the chat goes to them.
	h.now = h.now.Add(time.Second)
	h.wantRouting(h.agent(1, 1, 10), Offer{Chat: "a", Agent: 1})
	// Agent 2 connects; agent 1 leaves the chat status while the offer is pending:
	// the offer is revoked and goes to agent 2.
	h.agent(2, 1, 10)
	h.wantRouting(h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: false, Connected: true}),
		RevokeOffer{Chat: "a", Agent: 1, Reason: RevokeAgentStatus},
		Offer{Chat: "a", Agent: 2})
	// An agent in another group never sees it.
	h.agent(3, 1, 20)
	h.request("b", 1)
	h.wantState("b", Queued, 0)
}

func TestOneOfferAtATime(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 2, 10)
	h.request("a", 1)
	// Another free agent appears: the pending offer stays where it is.
	h.wantRouting(h.agent(2, 2, 10))
	h.wantState("a", Offered, 1)
}

func TestSkills(t *testing.T) {
	en := func(min int, ignore time.Duration) func(*ConnectorConfig) {
		return func(c *ConnectorConfig) { c.Skills[0] = SkillReq{Skill: "en", Min: min, IgnoreAfter: ignore} }
	}
	type step struct {
		at    time.Duration
		event Event // nil: Tick
		offer AgentID
	}
	free := func(id AgentID, skills map[string]int) AgentState {
		return AgentState{Agent: id, Groups: []GroupID{10}, Skills: skills, MaxChats: 1, AllowsChat: true, Connected: true}
	}
	tests := []struct {
		name   string
		cfg    []func(*ConnectorConfig)
		agents []AgentState
		steps  []step
		reason string // expected in Explain for agent 1, if set
	}{
		{name: "meets the minimum", cfg: []func(*ConnectorConfig){en(2, 0)},
			agents: []AgentState{free(1, map[string]int{"en": 2})},
			steps:  []step{{at: 0, offer: 1}}},
		{name: "below the minimum waits", cfg: []func(*ConnectorConfig){en(2, 0)},
			agents: []AgentState{free(1, map[string]int{"en": 1})},
			steps:  []step{{at: 0}, {at: time.Hour}}, reason: "skill en 1 < 2"},
		{name: "missing skill is level 0", cfg: []func(*ConnectorConfig){en(1, 0)},
			agents: []AgentState{free(1, nil)},
			steps:  []step{{at: 0}}, reason: "skill en 0 < 1"},
		{name: "skill dropped after its own timeout", cfg: []func(*ConnectorConfig){en(2, 30*time.Second)},
			agents: []AgentState{free(1, map[string]int{"en": 1})},
			steps:  []step{{at: 0}, {at: 29 * time.Second}, {at: 30 * time.Second, offer: 1}}},
		{name: "another skill stays", cfg: []func(*ConnectorConfig){en(2, 30*time.Second), func(c *ConnectorConfig) {
			c.Skills[2] = SkillReq{Skill: "de", Min: 1}
		}},
			agents: []AgentState{free(1, map[string]int{"en": 1})},
			steps:  []step{{at: 0}, {at: time.Hour}}, reason: "skill de 0 < 1"},
		{name: "all skills dropped after IgnoreSkillsAfter", cfg: []func(*ConnectorConfig){en(2, 0), func(c *ConnectorConfig) {
			c.Skills[1] = SkillReq{Skill: "de", Min: 3, IgnoreAfter: time.Hour}
			c.IgnoreSkillsAfter = 45 * time.Second
		}},
			agents: []AgentState{free(1, nil)},
			steps:  []step{{at: 0}, {at: 44 * time.Second}, {at: 45 * time.Second, offer: 1}}},
		{name: "none skilled: skills ignored", cfg: []func(*ConnectorConfig){en(2, 0), func(c *ConnectorConfig) {
			c.IgnoreSkillsIfNoneSkilled = true
		}},
			agents: []AgentState{free(1, nil)},
			steps:  []step{{at: 0, offer: 1}}},
		{name: "none skilled: a busy skilled agent keeps the skills applied", cfg: []func(*ConnectorConfig){en(2, 0), func(c *ConnectorConfig) {
			c.IgnoreSkillsIfNoneSkilled = true
		}},
			agents: []AgentState{free(1, nil), {Agent: 2, Groups: []GroupID{10}, Skills: map[string]int{"en": 3}, MaxChats: 1, AllowsChat: true, Connected: true}},
			steps: []step{
				{at: 0, event: ChatRequested{Chat: "busy", Connector: 1}, offer: 2},
				{at: time.Second, event: OfferAccepted{Chat: "busy", Agent: 2}},
				{at: 2 * time.Second}, // "x" waits for agent 2
				// Agent 2 logs off: nobody skilled remains, skills are ignored.
				{at: 3 * time.Second, event: AgentState{Agent: 2, Groups: []GroupID{10}, Skills: map[string]int{"en": 3}, MaxChats: 1, AllowsChat: false, Connected: true}, offer: 1},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.connector(1, 10, tc.cfg...)
			for _, a := range tc.agents {
				h.apply(a)
			}
			requested := false
			for _, s := range tc.steps {
				h.now = t0.Add(s.at)
				var ds []Decision
				if s.event != nil {
					ds = h.apply(s.event)
				} else {
					ds = h.apply(Tick{})
				}
				if !requested && (s.event == nil || s.at >= 2*time.Second) {
					ds = append(ds, h.request("x", 1)...)
					requested = true
				}
				var offers []AgentID
				for _, o := range all[Offer](ds) {
					if o.Chat == "x" {
						offers = append(offers, o.Agent)
					}
				}
				var want []AgentID
				if s.offer != 0 && (s.event == nil || s.at >= 2*time.Second) {
					want = []AgentID{s.offer}
				}
				if fmt.Sprint(offers) != fmt.Sprint(want) {
					t.Fatalf("at +%v offers of x to %v, want %v", s.at, offers, want)
				}
			}
			if tc.reason != "" {
				h.wantExplain("x", 1, tc.reason)
			}
		})
	}
}

// TestSkillRunsAndDeclines: within a connector's waiting list the skill requirements
// change with age; an agent who declined the old, relaxed chat must not be handed the
// young one whose skill they lack.
func TestSkillRunsAndDeclines(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10, func(c *ConnectorConfig) { c.Skills[0] = SkillReq{Skill: "en", Min: 1, IgnoreAfter: time.Minute} })
	h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: true, Connected: true})
	h.apply(AgentState{Agent: 2, Groups: []GroupID{10}, Skills: map[string]int{"en": 2}, MaxChats: 1, AllowsChat: true, Connected: true})
	h.wantRouting(h.request("c0", 1), Offer{Chat: "c0", Agent: 2})
	h.apply(OfferAccepted{Chat: "c0", Agent: 2})
	h.now = t0.Add(time.Second)
	h.request("c1", 1)
	h.now = t0.Add(50 * time.Second)
	h.request("c2", 1)
	h.wantRouting(h.advance(11*time.Second), Offer{Chat: "c1", Agent: 1}) // c1's skill lapsed
	h.now = h.now.Add(time.Second)
	// Agent 2 is staffed for c1, so agent 1 does not get it back; c2 still needs "en".
	h.wantRouting(h.apply(OfferDeclined{Chat: "c1", Agent: 1}))
	h.wantExplain("c1", 1, "declined earlier")
	h.now = t0.Add(110 * time.Second)
	h.wantRouting(h.apply(Tick{}), Offer{Chat: "c2", Agent: 1})
}

func TestTimeoutsAndTheAgentWhoMissed(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	for id := AgentID(1); id <= 3; id++ {
		h.agent(id, 1, 10)
		h.now = h.now.Add(time.Second)
	}
	h.wantRouting(h.request("a", 1), Offer{Chat: "a", Agent: 1})
	h.wantRouting(h.advance(30*time.Second), RevokeOffer{Chat: "a", Agent: 1, Reason: RevokeTimeout}, Offer{Chat: "a", Agent: 2})
	h.wantRouting(h.apply(OfferDeclined{Chat: "a", Agent: 2}), Offer{Chat: "a", Agent: 3})
	h.wantExplain("a", 1, "let it lapse earlier")
	h.wantExplain("a", 2, "declined earlier")
	// Agent 3 lets it lapse too: everyone staffed has passed, so it goes round again,
	// longest idle first.
	h.wantRouting(h.advance(30*time.Second), RevokeOffer{Chat: "a", Agent: 3, Reason: RevokeTimeout}, Offer{Chat: "a", Agent: 1})
}

func TestAnswerTime(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10, func(c *ConnectorConfig) { c.AnswerTime = time.Minute })
	h.agent(1, 1, 10)
	h.now = h.now.Add(time.Second)
	h.agent(2, 1, 10)
	h.request("a", 1)
	h.apply(OfferAccepted{Chat: "a", Agent: 1})
	h.wantRouting(h.advance(59 * time.Second))
	h.wantRouting(h.advance(time.Second),
		Requeued{Chat: "a", FromAgent: 1, Reason: RequeueAnswerTimeout},
		Offer{Chat: "a", Agent: 2})
	h.apply(OfferAccepted{Chat: "a", Agent: 2})
	h.now = h.now.Add(10 * time.Second)
	h.apply(FirstReply{Chat: "a", Agent: 2})
	h.wantRouting(h.advance(time.Hour))
	h.wantState("a", Handling, 2)
}

func TestMissedOffersSetStatus(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 2, AllowsChat: true, Connected: true, MissedLimit: 2, MissedStatus: 42})
	h.request("a", 1)
	h.advance(30 * time.Second) // missed 1, offered again (only agent)
	h.apply(OfferAccepted{Chat: "a", Agent: 1})
	h.request("b", 1)
	h.advance(30 * time.Second) // the accept reset the count: missed 1
	h.now = h.now.Add(time.Second)
	h.request("c", 1) // offered at once beside b's new offer? no: 1 is full (a + b)
	ds := h.advance(29 * time.Second)
	// b lapses a second time in a row: status set, no more offers to agent 1.
	h.wantRouting(ds, RevokeOffer{Chat: "b", Agent: 1, Reason: RevokeTimeout}, SetAgentStatus{Agent: 1, Status: 42})
	h.wantState("b", Queued, 0)
	h.wantState("a", Accepted, 1) // accepted chats stay
	h.wantExplain("b", 1, "status does not allow chat")
	// Another agent arrives and takes the waiting chats.
	h.wantRouting(h.agent(2, 5, 10), Offer{Chat: "b", Agent: 2}, Offer{Chat: "c", Agent: 2})
}

func TestMissedLimitRevokesOtherOffers(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 2, AllowsChat: true, Connected: true, MissedLimit: 1, MissedStatus: 7})
	h.request("a", 1)
	h.now = h.now.Add(time.Second)
	h.request("b", 1)
	h.wantRouting(h.advance(29*time.Second),
		RevokeOffer{Chat: "a", Agent: 1, Reason: RevokeTimeout},
		SetAgentStatus{Agent: 1, Status: 7},
		RevokeOffer{Chat: "b", Agent: 1, Reason: RevokeAgentStatus})
}

func TestFreeAgentSearch(t *testing.T) {
	search := func(c *ConnectorConfig) { c.FreeAgentSearch = 2 * time.Minute; c.ConnectWait = 0 }
	t.Run("nobody", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search)
		h.request("a", 1)
		h.wantRouting(h.advance(119 * time.Second))
		h.wantRouting(h.advance(time.Second), CloseNoAgent{Chat: "a"})
		if _, ok := h.e.ChatInfo("a"); ok {
			t.Fatal("closed chat still known")
		}
		h.wantExplain("a", 0, "") // the log outlives the chat
	})
	t.Run("offered but not accepted", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search)
		h.agent(1, 1, 10)
		h.request("a", 1)
		h.wantRouting(h.advance(2*time.Minute), RevokeOffer{Chat: "a", Agent: 1, Reason: RevokeClosed}, CloseNoAgent{Chat: "a"})
	})
	t.Run("accepted in time", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search)
		h.agent(1, 1, 10)
		h.request("a", 1)
		h.now = h.now.Add(time.Minute)
		h.apply(OfferAccepted{Chat: "a", Agent: 1})
		h.wantRouting(h.advance(time.Hour))
	})
	t.Run("a requeued chat searches again", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search, func(c *ConnectorConfig) { c.AnswerTime = 30 * time.Second })
		h.agent(1, 1, 10)
		h.request("a", 1)
		h.now = h.now.Add(time.Minute)
		h.apply(OfferAccepted{Chat: "a", Agent: 1})
		h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: false, Connected: true})
		h.wantRouting(h.advance(30*time.Second), Requeued{Chat: "a", FromAgent: 1, Reason: RequeueAnswerTimeout})
		h.wantRouting(h.advance(119 * time.Second))
		h.wantRouting(h.advance(time.Second), CloseNoAgent{Chat: "a"})
	})
}

func TestStrategies(t *testing.T) {
	t.Run("longest idle", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10)
		for _, id := range []AgentID{3, 1, 2} { // ready in this order
			h.agent(id, 3, 10)
			h.now = h.now.Add(time.Second)
		}
		var got []AgentID
		for i := range 6 {
			for _, o := range all[Offer](h.request(ChatID(fmt.Sprint(i)), 1)) {
				got = append(got, o.Agent)
			}
			h.now = h.now.Add(time.Second)
		}
		if fmt.Sprint(got) != "[3 1 2 3 1 2]" {
			t.Fatalf("offers to %v", got)
		}
	})
	t.Run("least busy", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10)
		h.apply(GroupConfig{Group: 10, Strategy: LeastBusy})
		h.agent(1, 4, 10)
		h.agent(2, 2, 10)
		var got []AgentID
		for i := range 6 {
			for _, o := range all[Offer](h.request(ChatID(fmt.Sprint(i)), 1)) {
				got = append(got, o.Agent)
			}
			h.now = h.now.Add(time.Second)
		}
		// 0/4 = 0/2: longest idle, then ID -> 1; 0/2 < 1/4 -> 2; 1/4 < 1/2 -> 1;
		// 2/4 = 1/2: 2 was offered to longer ago -> 2; then 2 is full -> 1, 1.
		if fmt.Sprint(got) != "[1 2 1 2 1 1]" {
			t.Fatalf("offers to %v", got)
		}
	})
	t.Run("round robin", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10)
		h.apply(GroupConfig{Group: 10, Strategy: RoundRobin})
		for _, id := range []AgentID{5, 2, 9} {
			h.agent(id, 3, 10)
		}
		var got []AgentID
		for i := range 7 {
			for _, o := range all[Offer](h.request(ChatID(fmt.Sprint(i)), 1)) {
				got = append(got, o.Agent)
			}
		}
		if fmt.Sprint(got) != "[2 5 9 2 5 9 2]" {
			t.Fatalf("offers to %v", got)
		}
	})
	t.Run("unknown strategy is longest idle", func(t *testing.T) {
		h := newHarness(t)
		h.apply(GroupConfig{Group: 10, Strategy: "fastest"})
		if g := h.e.groups[10]; g.strategy != LongestIdle {
			t.Fatalf("strategy %q", g.strategy)
		}
	})
}

func TestQueuePositionsAndMessages(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10, func(c *ConnectorConfig) {
		c.Waiting1, c.Waiting2, c.Final = 20*time.Second, 40*time.Second, 90*time.Second
	})
	h.request("a", 1)
	h.now = h.now.Add(10 * time.Second)
	ds := h.request("b", 1)
	if q := updates(ds); len(q) != 2 || q[0] != (QueueUpdate{Chat: "b", Position: 2, Of: 2, EstimatedWait: -1}) ||
		q[1].Chat != "a" || q[1].Position != 1 || q[1].Of != 2 {
		t.Fatalf("updates %+v", q)
	}
	ds = h.advance(10 * time.Second) // a: 20s
	if w := all[WaitingMessage](ds); len(w) != 1 || w[0] != (WaitingMessage{Chat: "a", Which: Waiting1}) {
		t.Fatalf("waiting %+v", w)
	}
	ds = h.advance(40 * time.Second) // a: 60s, b: 50s
	if fmt.Sprint(all[WaitingMessage](ds)) != "[{b linewaiting1} {a linewaiting2} {b linewaiting2}]" {
		t.Fatalf("waiting %+v", all[WaitingMessage](ds))
	}
	if q := all[QueueMessage](ds); len(q) != 1 || q[0] != (QueueMessage{Chat: "a", Position: 1, Of: 2}) {
		t.Fatalf("queue messages %+v", q)
	}
	ds = h.apply(ChatClosed{Chat: "a"})
	if q := updates(ds); len(q) != 1 || q[0].Chat != "b" || q[0].Position != 1 || q[0].Of != 1 {
		t.Fatalf("updates after close %+v", q)
	}
	ds = h.advance(10 * time.Second) // b: 60s
	if q := all[QueueMessage](ds); len(q) != 1 || q[0] != (QueueMessage{Chat: "b", Position: 1, Of: 1}) {
		t.Fatalf("queue messages %+v", q)
	}
	// An agent takes b: no more waiting or queue messages.
	h.agent(1, 1, 10)
	h.apply(OfferAccepted{Chat: "b", Agent: 1})
	if ds := h.advance(10 * time.Minute); len(ds) != 0 {
		t.Fatalf("after accept:\n%s", show(ds))
	}
}

func TestQueueUpdatesCoalesce(t *testing.T) {
	e := New() // QueueUpdateEvery: 1s
	now := t0
	e.Apply(now, ConnectorConfig{Connector: 1, Group: 10})
	count := func(ds []Decision, chat ChatID) int {
		n := 0
		for _, q := range updates(ds) {
			if q.Chat == chat {
				n++
			}
		}
		return n
	}
	e.Apply(now, ChatRequested{Chat: "first", Connector: 1})
	var n int
	for i := range 10 { // ten arrivals within 100ms
		now = now.Add(10 * time.Millisecond)
		ds := e.Apply(now, ChatRequested{Chat: ChatID(fmt.Sprint(i)), Connector: 1})
		if count(ds, ChatID(fmt.Sprint(i))) != 1 {
			t.Fatalf("arrival %d not told its place at once", i)
		}
		n += count(ds, "first")
	}
	if n != 0 {
		t.Fatalf("first chat updated %d times within the interval", n)
	}
	dl, _ := e.NextDeadline()
	if !dl.Equal(t0.Add(time.Second)) {
		t.Fatalf("flush due at %v", dl.Sub(t0))
	}
	ds := e.Apply(dl, Tick{})
	if count(ds, "first") != 1 || updates(ds)[0] != (QueueUpdate{Chat: "first", Position: 1, Of: 11, EstimatedWait: -1}) {
		t.Fatalf("flush:\n%s", show(ds))
	}
}

func TestEstimatedWait(t *testing.T) {
	h := newHarness(t)
	if qi := h.e.QueueInfo(1, h.now); qi.Open || qi.EstimatedWait != -1 {
		t.Fatalf("unknown connector %+v", qi)
	}
	h.connector(1, 10)
	if qi := h.e.QueueInfo(1, h.now); !qi.Open || qi.EstimatedWait != -1 {
		t.Fatalf("no agents: %+v", qi)
	}
	h.agent(1, 2, 10)
	if qi := h.e.QueueInfo(1, h.now); qi.EstimatedWait != 0 {
		t.Fatalf("free agent: %+v", qi)
	}
	// Fill agent 1 (two chats), and record a 10-minute handling time.
	h.request("a", 1)
	h.request("b", 1)
	h.apply(OfferAccepted{Chat: "a", Agent: 1})
	h.apply(OfferAccepted{Chat: "b", Agent: 1})
	// Full, no handling time yet: the mean recent wait (both were accepted at once).
	if qi := h.e.QueueInfo(1, h.now); qi.EstimatedWait != 0 {
		t.Fatalf("full, no handling history: %+v", qi)
	}
	h.now = h.now.Add(10 * time.Minute)
	h.apply(ChatClosed{Chat: "a"}) // handled 10m; agent 1 free again
	h.request("c", 1)
	h.apply(OfferAccepted{Chat: "c", Agent: 1})
	for _, id := range []ChatID{"w1", "w2", "w3"} {
		h.request(id, 1)
	}
	// 3 waiting, capacity 2, no free slot, H = 10m: a new chat is 4th: 4 × 10m / 2.
	qi := h.e.QueueInfo(1, h.now)
	if qi.Waiting != 3 || qi.EstimatedWait != 20*time.Minute {
		t.Fatalf("queue info %+v", qi)
	}
	info, _ := h.e.ChatInfo("w2") // 2nd: 2 × 10m / 2
	if info.State != Queued || info.Position != 2 || info.EstimatedWait != 10*time.Minute {
		t.Fatalf("chat info %+v", info)
	}
	// A higher-priority connector in the same group jumps the queue.
	h.connector(2, 10, prio(9))
	if qi := h.e.QueueInfo(2, h.now); qi.EstimatedWait != 5*time.Minute {
		t.Fatalf("priority connector %+v", qi)
	}
}

func TestOpeningHours(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	week := [7][]Interval{}
	for d := time.Monday; d <= time.Friday; d++ {
		week[d] = []Interval{{9 * time.Hour, 12 * time.Hour}, {13 * time.Hour, 17*time.Hour + 30*time.Minute}}
	}
	week[time.Saturday] = []Interval{{10 * time.Hour, 14 * time.Hour}}
	s := &Schedule{Location: berlin, Weekly: week, Closed: []Date{{2025, time.December, 25}}}
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, berlin) }
	for _, tc := range []struct {
		t    time.Time
		open bool
	}{
		{at(2025, 3, 3, 8, 59), false}, // Monday
		{at(2025, 3, 3, 9, 0), true},
		{at(2025, 3, 3, 12, 0), false}, // lunch
		{at(2025, 3, 3, 13, 0), true},
		{at(2025, 3, 3, 17, 29), true},
		{at(2025, 3, 3, 17, 30), false},
		{at(2025, 3, 8, 11, 0), true},  // Saturday
		{at(2025, 3, 9, 11, 0), false}, // Sunday
		{at(2025, 12, 25, 10, 0), false},
		{at(2025, 12, 24, 10, 0), true},
		{at(2025, 3, 31, 9, 30), true}, // the Monday after the DST change: wall clock
		{time.Date(2025, 3, 31, 7, 30, 0, 0, time.UTC), true},
		{time.Date(2025, 3, 28, 7, 30, 0, 0, time.UTC), false}, // 08:30 in winter time
	} {
		if got := s.OpenAt(tc.t); got != tc.open {
			t.Errorf("OpenAt(%v) = %v", tc.t, got)
		}
	}
	if !(*Schedule)(nil).OpenAt(t0) {
		t.Error("nil schedule closed")
	}

	h := newHarness(t)
	h.now = at(2025, 3, 3, 8, 0)
	h.connector(1, 10, func(c *ConnectorConfig) { c.Hours = s })
	h.wantRouting(h.request("early", 1), Refused{Chat: "early", Reason: RefusedClosedHours})
	if qi := h.e.QueueInfo(1, h.now); qi.Open {
		t.Fatal("open before hours")
	}
	h.now = at(2025, 3, 3, 9, 0)
	h.request("ok", 1)
	h.wantState("ok", Queued, 0)
	if qi := h.e.QueueInfo(1, h.now); !qi.Open || qi.Waiting != 1 {
		t.Fatalf("queue info %+v", qi)
	}
}

func TestConnectorMovesGroup(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 1, 20)
	h.request("a", 1)
	h.wantRouting(h.connector(1, 20), Offer{Chat: "a", Agent: 1})
	if info, _ := h.e.ChatInfo("a"); info.Position != 1 || info.Of != 1 {
		t.Fatalf("%+v", info)
	}
}

func TestRestore(t *testing.T) {
	h := newHarness(t)
	h.now = t0.Add(10 * time.Minute)
	h.connector(1, 10, func(c *ConnectorConfig) {
		c.FreeAgentSearch = 15 * time.Minute
		c.AnswerTime = 2 * time.Minute
		c.Waiting1 = time.Minute
		c.Waiting2 = 11 * time.Minute
	})
	// Restored before the agent's state arrives: it still counts against capacity.
	h.wantRouting(h.apply(ChatRestored{Chat: "active", Connector: 1, RequestedAt: t0, Agent: 1, AcceptedAt: t0.Add(time.Minute), FirstReplyAt: t0.Add(2 * time.Minute)}))
	h.wantRouting(h.apply(ChatRestored{Chat: "old", Connector: 1, RequestedAt: t0.Add(time.Minute)}))
	h.wantRouting(h.apply(ChatRestored{Chat: "unanswered", Connector: 1, RequestedAt: t0, Agent: 2, AcceptedAt: t0.Add(9 * time.Minute)}))
	ds := h.apply(ChatRequested{Chat: "new", Connector: 1})
	if w := all[WaitingMessage](ds); len(w) != 0 {
		t.Fatalf("waiting messages already due at restore are not repeated: %+v", w)
	}
	h.wantRouting(h.apply(ChatRestored{Chat: "expired", Connector: 1, RequestedAt: t0.Add(-6 * time.Minute)}), CloseNoAgent{Chat: "expired"})
	h.wantRouting(h.agent(1, 1, 10)) // full with the restored chat
	if info, _ := h.e.ChatInfo("old"); info.Position != 1 || info.Of != 2 {
		t.Fatalf("restored chat lost its place: %+v", info)
	}
	// At +11m the unanswered chat's answer time runs out and "new" gets its first
	// waiting message; at +12m "old" gets its second.
	ds = h.advance(2 * time.Minute)
	h.wantRouting(ds, Requeued{Chat: "unanswered", FromAgent: 2, Reason: RequeueAnswerTimeout})
	if w := all[WaitingMessage](ds); fmt.Sprint(w) != "[{new linewaiting1} {old linewaiting2}]" {
		t.Fatalf("waiting %+v", w)
	}
	// The requeued chat is back at its original place, first.
	if info, _ := h.e.ChatInfo("unanswered"); info.Position != 1 || info.Of != 3 {
		t.Fatalf("requeued chat %+v", info)
	}
	h.wantRouting(h.apply(ChatClosed{Chat: "active"}), Offer{Chat: "unanswered", Agent: 1})
}

func TestRestoredAnswerTimeout(t *testing.T) {
	h := newHarness(t)
	h.now = t0.Add(10 * time.Minute)
	h.connector(1, 10, func(c *ConnectorConfig) { c.AnswerTime = 2 * time.Minute })
	h.agent(2, 1, 10)
	h.wantRouting(h.apply(ChatRestored{Chat: "x", Connector: 1, RequestedAt: t0, Agent: 1, AcceptedAt: t0.Add(time.Minute)}),
		Requeued{Chat: "x", FromAgent: 1, Reason: RequeueAnswerTimeout}, Offer{Chat: "x", Agent: 2})
}

func TestExplainIsBounded(t *testing.T) {
	o := DefaultOptions()
	o.LogPerChat = 30
	o.LogAgentsPerAttempt = 5
	e := NewWithOptions(o)
	e.Apply(t0, ConnectorConfig{Connector: 1, Group: 10, ConnectWait: 10 * time.Second})
	for id := AgentID(1); id <= 40; id++ {
		e.Apply(t0, AgentState{Agent: id, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: true, Connected: id%2 == 0})
	}
	e.Apply(t0, ChatRequested{Chat: "x", Connector: 1})
	first := e.Explain("x")
	// requested, offered, 5 passed over, "more agents"
	if len(first) != 8 || first[len(first)-1].Event != "more_agents" || first[len(first)-1].Detail != "34 more agents not listed" {
		for _, l := range first {
			t.Logf("%+v", l)
		}
		t.Fatalf("first attempt logged %d entries", len(first))
	}
	now := t0
	for range 50 {
		now = now.Add(10 * time.Second)
		e.Apply(now, Tick{})
	}
	if n := len(e.Explain("x")); n > 30 || n < 20 {
		t.Fatalf("log has %d entries", n)
	}
}

func TestDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		a, b := runSimTrace(t, seed), runSimTrace(t, seed)
		if a != b {
			t.Fatalf("seed %d: two runs differ", seed)
		}
	}
}

// TestYoungerChatWithIgnoredSkills: with IgnoreSkillsIfNoneSkilled, a younger chat
// (more requirements, which nobody meets, so none apply) can be open to an agent to
// whom an older chat (fewer requirements, met by a busy colleague) is not.
func TestYoungerChatWithIgnoredSkills(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10, func(c *ConnectorConfig) {
		c.Skills[0] = SkillReq{Skill: "en", Min: 1, IgnoreAfter: time.Minute}
		c.Skills[1] = SkillReq{Skill: "de", Min: 1}
		c.IgnoreSkillsIfNoneSkilled = true
		c.ConnectWait = 0
	})
	h.apply(AgentState{Agent: 2, Groups: []GroupID{10}, Skills: map[string]int{"de": 1}, MaxChats: 1, AllowsChat: true, Connected: true})
	h.wantRouting(h.request("busy", 1), Offer{Chat: "busy", Agent: 2})
	h.apply(OfferAccepted{Chat: "busy", Agent: 2})
	h.now = t0.Add(time.Second)
	h.request("old", 1)
	h.now = t0.Add(30 * time.Second)
	h.request("young", 1)
	h.now = t0.Add(62 * time.Second) // "old" now needs only "de", which agent 2 has
	h.wantRouting(h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: true, Connected: true}),
		Offer{Chat: "young", Agent: 1})
	h.wantExplain("old", 0, "") // "old" was looked at and passed over
	h.wantState("old", Queued, 0)
}

func TestQueueUpdateRoundsAreBatched(t *testing.T) {
	o := DefaultOptions()
	o.QueueUpdateEvery = time.Second
	o.QueueUpdateBatch = 100
	e := NewWithOptions(o)
	now := t0
	e.Apply(now, ConnectorConfig{Connector: 1, Group: 10})
	for i := range 250 {
		e.Apply(now, ChatRequested{Chat: ChatID(fmt.Sprint(i)), Connector: 1})
	}
	now = now.Add(time.Second)
	told := map[ChatID]QueueUpdate{}
	applies := 0
	for {
		ds := e.Apply(now, Tick{})
		applies++
		if n := len(updates(ds)); n > 100 {
			t.Fatalf("%d updates in one Apply", n)
		}
		for _, q := range updates(ds) {
			told[q.Chat] = q
		}
		dl, ok := e.NextDeadline()
		if !ok || dl.Sub(now) > time.Nanosecond {
			break
		}
		now = dl
		if applies > 10 {
			t.Fatal("round does not end")
		}
	}
	// Every chat but the last was told a stale "of"; all now know "of 250".
	if applies != 3 || len(told) != 249 {
		t.Fatalf("%d applies, %d chats told", applies, len(told))
	}
	for id, q := range told {
		if q.Of != 250 {
			t.Fatalf("%s told %+v", id, q)
		}
	}
}

// better is the strategies' definition, written out plainly: whether a should get the
// next chat rather than b.
func better(g *group, a, b *agent) bool {
	switch g.strategy {
	case RoundRobin:
		ka, kb := a.id <= g.rrLast, b.id <= g.rrLast
		if ka != kb {
			return !ka
		}
		return a.id < b.id
	case LeastBusy:
		if l, r := a.load*b.maxChats, b.load*a.maxChats; l != r {
			return l < r
		}
	}
	if !a.idleSince.Equal(b.idleSince) {
		return a.idleSince.Before(b.idleSince)
	}
	return a.id < b.id
}

// TestStrategyOrderMatchesDefinition checks the kept order of free agents against a
// plain search for the best eligible agent, over random groups.
func TestStrategyOrderMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for round := range 300 {
		h := newHarness(t)
		st := []Strategy{LongestIdle, LeastBusy, RoundRobin}[round%3]
		h.apply(GroupConfig{Group: 10, Strategy: st})
		h.connector(1, 10, func(c *ConnectorConfig) { c.Skills[0] = SkillReq{Skill: "en", Min: 1} })
		for id := AgentID(1); id <= 12; id++ {
			h.now = h.now.Add(time.Duration(r.IntN(3)) * time.Second)
			h.apply(AgentState{Agent: id, Groups: []GroupID{10}, MaxChats: 1 + r.IntN(4), AllowsChat: r.IntN(6) > 0,
				Connected: true, Skills: map[string]int{"en": r.IntN(3)}})
		}
		for i := range 40 {
			h.now = h.now.Add(time.Duration(r.IntN(2)) * time.Second)
			id := ChatID(fmt.Sprint(i))
			// The reference choice, made before the chat exists.
			g := h.e.groups[10]
			c := &chat{id: id, conn: h.e.connectors[1], requestedAt: h.now}
			x := h.e.newCtx(h.now, c)
			var want *agent
			for _, a := range g.members {
				if h.e.why(a, &x).code == reasonOK && (want == nil || better(g, a, want)) {
					want = a
				}
			}
			var got AgentID
			for _, o := range all[Offer](h.request(id, 1)) {
				got = o.Agent
			}
			if want == nil && got != 0 || want != nil && want.id != got {
				t.Fatalf("round %d (%s), chat %d: offered to %d, want %v", round, st, i, got, want)
			}
			if got != 0 && r.IntN(2) == 0 {
				h.apply(OfferAccepted{Chat: id, Agent: got})
				if r.IntN(2) == 0 {
					h.apply(ChatClosed{Chat: id})
				}
			}
		}
	}
}
