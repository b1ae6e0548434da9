package acd

import (
	"slices"
	"time"
)

// Snapshot is the live overview a supervisor sees: every agent with their load, and
// every chat not yet accepted with its place and wait.
type Snapshot struct {
	At      time.Time
	Agents  []AgentLoad   // by agent ID
	Waiting []WaitingChat // by group ID, then queue order
}

// AgentLoad is one agent in a [Snapshot].
type AgentLoad struct {
	Agent      AgentID
	Groups     []GroupID
	Connected  bool
	AllowsChat bool
	MaxChats   int
	// Offered counts pending offers, Active accepted chats; both use MaxChats.
	Offered, Active int
	// IdleSince is the agent's last offer, or when they became ready, if later.
	IdleSince time.Time
	// Missed counts offers missed in a row.
	Missed int
}

// WaitingChat is one chat not yet accepted, in a [Snapshot].
type WaitingChat struct {
	Chat          ChatID
	Connector     ConnectorID
	Group         GroupID
	State         ChatState // Queued or Offered
	Agent         AgentID   // offered to, while Offered
	Position, Of  int
	RequestedAt   time.Time
	Waited        time.Duration // since the request
	EstimatedWait time.Duration // -1 when unknown
}

// Snapshot returns the live overview at now. It walks all agents and waiting chats,
// so call it for a supervisor's screen, not per event.
func (e *Engine) Snapshot(now time.Time) Snapshot {
	s := Snapshot{At: now}
	ids := make([]AgentID, 0, len(e.agents))
	for id := range e.agents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		a := e.agents[id]
		l := AgentLoad{Agent: id, Connected: a.connected, AllowsChat: a.allowsChat, MaxChats: a.maxChats,
			IdleSince: a.idleSince, Missed: a.missed}
		for _, g := range a.groups {
			l.Groups = append(l.Groups, g.id)
		}
		for _, c := range a.chats {
			if c.state == Offered {
				l.Offered++
			} else {
				l.Active++
			}
		}
		s.Agents = append(s.Agents, l)
	}
	gids := make([]GroupID, 0, len(e.groups))
	for id := range e.groups {
		gids = append(gids, id)
	}
	slices.Sort(gids)
	for _, id := range gids {
		g := e.groups[id]
		for i, c := range g.queue {
			w := WaitingChat{Chat: c.id, Connector: c.conn.id, Group: id, State: c.state, Position: i + 1,
				Of: len(g.queue), RequestedAt: c.requestedAt, Waited: now.Sub(c.requestedAt)}
			if c.agent != nil {
				w.Agent = c.agent.id
			}
			w.EstimatedWait = estimate(g, i)
			if c.state == Offered {
				w.EstimatedWait = 0
			}
			s.Waiting = append(s.Waiting, w)
		}
	}
	return s
}

// Counts are cheap totals for metrics.
type Counts struct {
	Chats   int // chats the engine tracks
	Waiting int // Queued or Offered
	Agents  int // agents connected with a status that allows chat and MaxChats > 0
}

// Counts returns totals for metrics; it walks only the connectors.
func (e *Engine) Counts() Counts {
	n := Counts{Chats: len(e.chats), Agents: e.staffed}
	for _, k := range e.connectors {
		n.Waiting += k.unaccepted
	}
	return n
}
