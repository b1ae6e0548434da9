package acd

import (
	"fmt"
	"time"
)

// LogEntry is one line of a chat's decision log: what happened to the chat, or, for
// a routing attempt, one agent who was considered and why they were passed over.
type LogEntry struct {
	At time.Time // in UTC
	// Agent is the agent the entry is about; 0 for the chat as a whole.
	Agent AgentID
	// Event is what happened: requested, restored, no_agent, passed_over, offered,
	// declined, offer_lapsed, revoked, accepted, late_accept, first_reply, requeued,
	// skills_relaxed, closed, closed_no_agent, more_agents.
	Event string
	// Detail explains the event, e.g. "at capacity 3/3" or "skill english 2 < 4".
	Detail string
}

type logEvent uint8

const (
	evRequested logEvent = iota
	evRestored
	evNoAgent
	evPassedOver
	evOffered
	evDeclined
	evOfferLapsed
	evRevoked
	evAccepted
	evLateAccept
	evFirstReply
	evRequeued
	evSkillsRelaxed
	evClosed
	evClosedNoAgent
	evMoreAgents
	evTakenOver
)

var logEventNames = [...]string{
	evRequested:     "requested",
	evRestored:      "restored",
	evNoAgent:       "no_agent",
	evPassedOver:    "passed_over",
	evOffered:       "offered",
	evDeclined:      "declined",
	evOfferLapsed:   "offer_lapsed",
	evRevoked:       "revoked",
	evAccepted:      "accepted",
	evLateAccept:    "late_accept",
	evFirstReply:    "first_reply",
	evRequeued:      "requeued",
	evSkillsRelaxed: "skills_relaxed",
	evClosed:        "closed",
	evClosedNoAgent: "closed_no_agent",
	evMoreAgents:    "more_agents",
	evTakenOver:     "taken_over",
}

// logRecord is a LogEntry before formatting: routing stores numbers, Explain makes
// text. It is kept small: a busy queue logs a few dozen of them per chat.
type logRecord struct {
	at    int64 // Unix nanoseconds
	agent AgentID
	event logEvent
	r     passReason
}

func (r passReason) String() string {
	switch r.code {
	case reasonNotConnected:
		return "not connected"
	case reasonStatus:
		return "status does not allow chat"
	case reasonNoChats:
		return "takes no chats (max chats 0)"
	case reasonCapacity:
		return fmt.Sprintf("at capacity %d/%d", r.a, r.b)
	case reasonSkill:
		return fmt.Sprintf("skill %s %d < %d", r.text, r.a, r.b)
	case reasonDeclined:
		return "declined earlier"
	case reasonLapsed:
		return "let it lapse earlier"
	case reasonNotFirst:
		return "eligible, another agent came first by " + r.text
	case reasonConnectorFull:
		return fmt.Sprintf("connector at max chats all agents %d/%d", r.a, r.b)
	case reasonNoGroup:
		return "connector not configured"
	case reasonNotOperator:
		return "not the agent the chat asks for"
	case reasonDepartment:
		return "department " + r.text + " is not the one the chat asks for"
	case reasonGroupSize:
		return fmt.Sprintf("no agent can take it: %d agents in group", r.a)
	case reasonMoreAgents:
		return fmt.Sprintf("%d more agents not listed", r.a)
	}
	return r.text
}

func (e *Engine) log(now time.Time, c *chat, a AgentID, ev logEvent, r passReason) {
	limit := e.opts.LogPerChat
	if limit <= 0 {
		return
	}
	if len(c.log) >= limit {
		drop := max(1, limit/4)
		c.log = append(c.log[:0], c.log[drop:]...)
	}
	if c.log == nil {
		// Room for the request and one routing attempt, the common case.
		c.log = make([]logRecord, 0, min(limit, 4+e.opts.LogAgentsPerAttempt))
	}
	c.log = append(c.log, logRecord{at: now.UnixNano(), agent: a, event: ev, r: r})
}

// logAttempt records one routing attempt for a chat: the agent chosen (if any), and
// up to Options.LogAgentsPerAttempt other members of the group with the reason each
// was passed over: agents with a free slot first, then the others, each by ID.
func (e *Engine) logAttempt(now time.Time, x *routeCtx, chosen *agent) {
	if e.opts.LogPerChat <= 0 {
		return
	}
	c := x.c
	if chosen != nil {
		e.log(now, c, chosen.id, evOffered, passReason{text: string(x.g.strategy)})
	} else {
		e.log(now, c, 0, evNoAgent, passReason{code: reasonGroupSize, a: int32(len(x.g.members))})
	}
	limit := e.opts.LogAgentsPerAttempt
	listed := 0
	note := func(a *agent) bool {
		if a == chosen {
			return true
		}
		if listed >= limit {
			return false
		}
		r := e.why(a, x)
		if r.code == reasonOK {
			r = passReason{code: reasonNotFirst, text: string(x.g.strategy)}
		}
		e.log(now, c, a.id, evPassedOver, r)
		listed++
		return true
	}
	for _, a := range x.g.avail {
		if !note(a) {
			break
		}
	}
	for _, a := range x.g.members {
		if a.inAvail {
			continue
		}
		if !note(a) {
			break
		}
	}
	others := len(x.g.members) - listed
	if chosen != nil {
		others--
	}
	if others > 0 {
		e.log(now, c, 0, evMoreAgents, passReason{code: reasonMoreAgents, a: int32(others)})
	}
}

// archiveLog keeps the log of an ended chat for Explain, the newest
// Options.FinishedLogs of them.
func (e *Engine) archiveLog(c *chat) {
	if e.opts.FinishedLogs <= 0 || len(c.log) == 0 {
		return
	}
	if _, ok := e.finished[c.id]; !ok {
		e.finishedOrder = append(e.finishedOrder, c.id)
	}
	e.finished[c.id] = c.log
	c.log = nil
	for len(e.finishedOrder) > e.opts.FinishedLogs {
		delete(e.finished, e.finishedOrder[0])
		e.finishedOrder = e.finishedOrder[1:]
	}
}

// Explain returns the decision log of a chat, oldest first: each routing attempt with
// the agents considered and why each was passed over. It also answers for the most
// recently ended chats, so a supervisor can ask why a chat closed with no agent.
func (e *Engine) Explain(chat ChatID) []LogEntry {
	var recs []logRecord
	if c := e.chats[chat]; c != nil {
		recs = c.log
	} else {
		recs = e.finished[chat]
	}
	out := make([]LogEntry, len(recs))
	for i, r := range recs {
		out[i] = LogEntry{At: time.Unix(0, r.at).UTC(), Agent: r.agent, Event: logEventNames[r.event], Detail: r.r.String()}
	}
	return out
}
