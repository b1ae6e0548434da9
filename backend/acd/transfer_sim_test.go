package acd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestTransferSimulation drives the engine with random transfers and participants among the
// usual traffic (requests, accepts, declines, closes, agents coming and going, time passing)
// and checks after every event, against a model built from the decisions alone:
//
//   - a chat is never owned by two agents: every handover names the current owner as From;
//   - a chat is never lost: every chat requested and not ended is still in the engine;
//   - a transfer is never offered to the chat's current owner;
//   - a transferred chat keeps its place: its request time (queue order) never changes;
//   - capacity: every agent's load is their chats, the offers and transfer offers holding a
//     slot, and the chats they write in as participants (observers count nothing), and no
//     offer goes to an agent beyond MaxChats.
func TestTransferSimulation(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 50
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		if !runTransferSim(t, seed) {
			return
		}
	}
}

type xsim struct {
	t      *testing.T
	seed   uint64
	r      *rand.Rand
	e      *Engine
	now    time.Time
	trace  []string
	failed bool

	agents    map[AgentID]AgentState
	requested map[ChatID]time.Time // chats not ended, with their request time
	owner     map[ChatID]AgentID
	offered   map[ChatID]AgentID // queue offers
	xoffered  map[ChatID]AgentID // transfer offers
	parts     map[ChatID][]AgentID
	next      int
}

func runTransferSim(t *testing.T, seed uint64) bool {
	s := &xsim{t: t, seed: seed, r: rand.New(rand.NewPCG(seed, 0x7f)), now: t0,
		agents: map[AgentID]AgentState{}, requested: map[ChatID]time.Time{}, owner: map[ChatID]AgentID{},
		offered: map[ChatID]AgentID{}, xoffered: map[ChatID]AgentID{}, parts: map[ChatID][]AgentID{}}
	o := DefaultOptions()
	o.QueueUpdateEvery = 0
	s.e = NewWithOptions(o)
	for g := GroupID(1); g <= 2; g++ {
		s.apply(GroupConfig{Group: g, Strategy: []Strategy{LongestIdle, LeastBusy, RoundRobin}[s.r.IntN(3)]})
		s.apply(ConnectorConfig{Connector: ConnectorID(g), Group: g, Priority: s.r.IntN(2), ConnectWait: 20 * time.Second,
			AnswerTime: time.Duration(s.r.IntN(2)) * 90 * time.Second, MaxChatsAll: s.r.IntN(2) * 6})
	}
	for a := AgentID(1); a <= 5; a++ {
		s.setAgent(AgentState{Agent: a, Groups: []GroupID{GroupID(1 + s.r.IntN(2))}, MaxChats: 1 + s.r.IntN(3), AllowsChat: true, Connected: true})
	}
	for i := 0; i < 150 && !s.failed; i++ {
		s.step()
	}
	return !s.failed
}

func (s *xsim) fail(format string, args ...any) {
	if s.failed {
		return
	}
	s.failed = true
	tr := s.trace
	if len(tr) > 60 {
		tr = tr[len(tr)-60:]
	}
	s.t.Errorf("transfer simulation seed %d at +%v: %s\ntrace:\n%s", s.seed, s.now.Sub(t0), fmt.Sprintf(format, args...), strings.Join(tr, "\n"))
}

func (s *xsim) setAgent(st AgentState) {
	s.agents[st.Agent] = st
	s.apply(st)
}

func (s *xsim) pickChat(m map[ChatID]AgentID) (ChatID, AgentID, bool) {
	keys := make([]ChatID, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return "", 0, false
	}
	slices.Sort(keys)
	k := keys[s.r.IntN(len(keys))]
	return k, m[k], true
}

func (s *xsim) step() {
	switch n := s.r.IntN(20); {
	case n < 4:
		s.next++
		id := ChatID(fmt.Sprintf("c%d", s.next))
		s.apply(ChatRequested{Chat: id, Connector: ConnectorID(1 + s.r.IntN(2)), RequestedAt: s.now})
	case n < 7:
		if c, a, ok := s.pickChat(s.offered); ok {
			s.apply(OfferAccepted{Chat: c, Agent: a})
		}
	case n < 8:
		if c, a, ok := s.pickChat(s.offered); ok {
			s.apply(OfferDeclined{Chat: c, Agent: a})
		}
	case n < 10:
		if c, a, ok := s.pickChat(s.xoffered); ok {
			if s.r.IntN(3) == 0 {
				s.apply(OfferDeclined{Chat: c, Agent: a})
			} else {
				s.apply(OfferAccepted{Chat: c, Agent: a})
			}
		}
	case n < 12:
		if c, a, ok := s.pickChat(s.owner); ok {
			ev := TransferRequested{Chat: c, By: a}
			switch s.r.IntN(4) {
			case 0:
				ev.ToAgent = AgentID(1 + s.r.IntN(5)) // sometimes the owner: refused
			case 1:
				ev.ToGroup = GroupID(1 + s.r.IntN(2))
			case 2:
				ev.ToConnector = ConnectorID(1 + s.r.IntN(2))
			default:
				ev.By = AgentID(1 + s.r.IntN(5)) // sometimes not the owner: refused
				ev.ToGroup = 1
			}
			s.apply(ev)
		}
	case n < 13:
		if c, a, ok := s.pickChat(s.owner); ok {
			if s.r.IntN(2) == 0 {
				s.apply(TransferCanceled{Chat: c, By: a})
			} else {
				s.apply(FirstReply{Chat: c, Agent: a})
			}
		}
	case n < 15:
		if c, _, ok := s.pickChat(s.owner); ok {
			a := AgentID(1 + s.r.IntN(5))
			if s.r.IntN(2) == 0 {
				s.apply(ParticipantJoined{Chat: c, Agent: a})
			} else {
				s.apply(ParticipantLeft{Chat: c, Agent: a})
			}
		}
	case n < 16:
		ids := make([]ChatID, 0, len(s.requested))
		for k := range s.requested {
			ids = append(ids, k)
		}
		if len(ids) > 0 {
			slices.Sort(ids)
			s.apply(ChatClosed{Chat: ids[s.r.IntN(len(ids))]})
		}
	case n < 18:
		a := AgentID(1 + s.r.IntN(5))
		st := s.agents[a]
		switch s.r.IntN(4) {
		case 0:
			st.AllowsChat = !st.AllowsChat
			s.setAgent(st)
		case 1:
			s.apply(AgentDisconnected{Agent: a})
			st.Connected = false
			s.agents[a] = st
		case 2:
			s.apply(AgentGone{Agent: a})
			st.Connected = false
			s.agents[a] = st
		default:
			st.Connected = true
			st.MaxChats = 1 + s.r.IntN(3)
			s.setAgent(st)
		}
	default:
		s.now = s.now.Add(time.Duration(1+s.r.IntN(30)) * time.Second)
		s.apply(Tick{})
	}
}

func (s *xsim) apply(ev Event) {
	if s.failed {
		return
	}
	s.trace = append(s.trace, fmt.Sprintf("+%v %T%+v", s.now.Sub(t0), ev, ev))
	ds := s.e.Apply(s.now, ev)
	if r, ok := ev.(ChatRequested); ok {
		s.requested[r.Chat] = s.now
	}
	if p, ok := ev.(ParticipantJoined); ok {
		if o, owned := s.owner[p.Chat]; owned && o != p.Agent && !slices.Contains(s.parts[p.Chat], p.Agent) {
			s.parts[p.Chat] = append(s.parts[p.Chat], p.Agent)
		}
	}
	if d, ok := ev.(OfferDeclined); ok {
		if s.xoffered[d.Chat] == d.Agent {
			delete(s.xoffered, d.Chat)
		}
		if s.offered[d.Chat] == d.Agent {
			delete(s.offered, d.Chat)
		}
	}
	if p, ok := ev.(ParticipantLeft); ok {
		s.parts[p.Chat] = slices.DeleteFunc(s.parts[p.Chat], func(a AgentID) bool { return a == p.Agent })
	}
	got := map[AgentID]bool{}
	for _, d := range ds {
		s.trace = append(s.trace, fmt.Sprintf("    -> %T%+v", d, d))
		switch d := d.(type) {
		case Offer:
			s.offered[d.Chat] = d.Agent
			got[d.Agent] = true
		case RevokeOffer:
			if s.offered[d.Chat] == d.Agent {
				delete(s.offered, d.Chat)
			}
			if s.xoffered[d.Chat] == d.Agent {
				delete(s.xoffered, d.Chat)
			}
		case Assigned:
			if o, ok := s.owner[d.Chat]; ok {
				s.fail("%s assigned to %d while %d owns it", d.Chat, d.Agent, o)
			}
			delete(s.offered, d.Chat)
			s.owner[d.Chat] = d.Agent
		case Requeued:
			if s.owner[d.Chat] != d.FromAgent {
				s.fail("%s requeued from %d, owned by %d", d.Chat, d.FromAgent, s.owner[d.Chat])
			}
			delete(s.owner, d.Chat)
		case TransferOffer:
			if o := s.owner[d.Chat]; o == 0 || o == d.Agent || d.From != o {
				s.fail("transfer of %s offered to %d from %d; owner %d", d.Chat, d.Agent, d.From, o)
			}
			if x, ok := s.xoffered[d.Chat]; ok {
				s.fail("transfer of %s offered to %d while offered to %d", d.Chat, d.Agent, x)
			}
			s.xoffered[d.Chat] = d.Agent
			if !slices.Contains(s.parts[d.Chat], d.Agent) {
				got[d.Agent] = true
			}
		case TransferDone:
			if s.owner[d.Chat] != d.From || s.xoffered[d.Chat] != d.To {
				s.fail("%s handed from %d to %d; owner %d, offered to %d", d.Chat, d.From, d.To, s.owner[d.Chat], s.xoffered[d.Chat])
			}
			delete(s.xoffered, d.Chat)
			s.owner[d.Chat] = d.To
			s.parts[d.Chat] = slices.DeleteFunc(s.parts[d.Chat], func(a AgentID) bool { return a == d.To })
		case TransferFailed:
			if d.Reason == TransferBusy || d.Reason == TransferNotOwner {
				continue // a request refused; the transfer under way, if any, stands
			}
			if x, ok := s.xoffered[d.Chat]; ok {
				s.fail("transfer of %s failed with its offer to %d standing", d.Chat, x)
			}
		case CloseNoAgent:
			s.end(d.Chat)
		case Refused:
			s.end(d.Chat)
		}
	}
	if c, ok := ev.(ChatClosed); ok {
		s.end(c.Chat)
	}
	s.check(got)
}

func (s *xsim) end(c ChatID) {
	delete(s.requested, c)
	delete(s.owner, c)
	delete(s.offered, c)
	delete(s.parts, c)
	if x, ok := s.xoffered[c]; ok {
		s.fail("%s ended with its transfer offer to %d standing", c, x)
	}
}

func (s *xsim) check(got map[AgentID]bool) {
	e := s.e
	for id, at := range s.requested {
		c := e.chats[id]
		if c == nil {
			s.fail("%s lost", id)
			return
		}
		if !c.requestedAt.Equal(at) {
			s.fail("%s moved in the queue: requested %v, now %v", id, at, c.requestedAt)
		}
		if o, ok := s.owner[id]; ok {
			if c.agent == nil || c.agent.id != o || (c.state != Accepted && c.state != Handling) {
				s.fail("%s: engine owner %v state %v, model owner %d", id, c.agent, c.state, o)
			}
			owners := 0
			for _, a := range e.agents {
				if a.chats[id] != nil {
					owners++
				}
			}
			if owners != 1 {
				s.fail("%s owned by %d agents", id, owners)
			}
		}
		if c.xfer != nil && c.xfer.offered != nil && c.xfer.offered == c.agent {
			s.fail("%s's transfer offered to its owner", id)
		}
	}
	for id, a := range e.agents {
		want := len(a.chats) + len(a.parts)
		for _, c := range a.xoffers {
			if c.xfer.slot {
				want++
			}
		}
		if a.load != want {
			s.fail("agent %d load %d, want %d (chats %d, participant of %d, transfer offers %d)", id, a.load, want, len(a.chats), len(a.parts), len(a.xoffers))
		}
		for cid := range a.parts {
			if !slices.Contains(s.parts[cid], id) {
				s.fail("agent %d counts as participant of %s; the model says %v", id, cid, s.parts[cid])
			}
		}
		if got[id] && a.load > a.maxChats {
			s.fail("agent %d offered a chat at load %d of %d", id, a.load, a.maxChats)
		}
	}
	for cid, ps := range s.parts {
		for _, p := range ps {
			if e.agents[p].parts[cid] == nil {
				s.fail("participant %d of %s not counted", p, cid)
			}
		}
	}
}
