package acd

import "time"

// ChatID identifies a chat. It is the server's chat identifier, opaque to the engine.
type ChatID string

// AgentID identifies an agent (a user who handles chats).
type AgentID int64

// ConnectorID identifies a connector: the entry point a visitor's chat arrives through
// (a website widget, a WhatsApp number). Distribution settings hang off the connector.
type ConnectorID int64

// GroupID identifies an ACD group: the set of agents a connector distributes into.
type GroupID int64

// Event is an input to [Engine.Apply]. The set is closed: only the types in this
// package implement it, so a switch over events is exhaustive.
type Event interface{ isEvent() }

// Decision is an output of [Engine.Apply]: something the owner of the engine must carry
// out (send an offer, tell a visitor their position, close a chat). The set is closed.
type Decision interface{ isDecision() }

// Strategy names how a group picks one agent among several eligible ones.
type Strategy string

// The distribution strategies a group can use. An empty or unknown strategy means
// [LongestIdle], so that a misconfigured group still distributes.
const (
	// LongestIdle offers to the eligible agent whose last offer lies furthest back
	// (or who became ready for chats longest ago, if that is later). It spreads chats
	// evenly over time.
	LongestIdle Strategy = "longest_idle"
	// LeastBusy offers to the eligible agent with the fewest chats relative to their
	// MaxChats; ties go to the longest idle.
	LeastBusy Strategy = "least_busy"
	// RoundRobin offers to the next eligible agent, by agent ID, after the one the
	// group offered to last, wrapping around.
	RoundRobin Strategy = "round_robin"
)

// SkillReq is one skill requirement of a connector: agents need at least Min in
// Skill for the connector's chats, until IgnoreAfter has passed since the chat was
// requested (0 = the requirement never lapses on its own).
type SkillReq struct {
	Skill       string
	Min         int
	IgnoreAfter time.Duration
}

// ConnectorConfig creates or updates a connector's distribution settings. It takes
// effect at once, also for chats already waiting (their timers are recomputed).
type ConnectorConfig struct {
	Connector ConnectorID
	// Group is the ACD group the connector's chats are distributed into. Several
	// connectors may share a group.
	Group GroupID
	// Priority orders competing chats in a group: higher first, then longer waiting.
	Priority int
	// MaxChatsAll caps the connector's chats that are offered or being handled at
	// once, over all agents (0 = unlimited).
	MaxChatsAll int
	// ConnectWait is how long an agent has to accept an offer before it is revoked
	// and offered to someone else (0 = offers never lapse).
	ConnectWait time.Duration
	// AnswerTime is how long an agent has after accepting to send the first reply
	// before the chat is taken back and offered to someone else (0 = no limit).
	AnswerTime time.Duration
	// FreeAgentSearch is how long the engine looks for an agent who accepts the chat
	// before closing it with [CloseNoAgent] (0 = it keeps looking).
	FreeAgentSearch time.Duration
	// Skills are up to three skill requirements; unused ones have an empty Skill.
	Skills [3]SkillReq
	// IgnoreSkillsAfter drops all skill requirements once a chat has waited this long
	// (0 = never).
	IgnoreSkillsAfter time.Duration
	// IgnoreSkillsIfNoneSkilled drops the skill requirements of a chat while no agent
	// of the group who is connected and ready for chats meets them.
	IgnoreSkillsIfNoneSkilled bool
	// OutOfService refuses new chats with [RefusedOutOfService]; chats already in
	// the queue stay.
	OutOfService bool
	// Hours are the opening hours; outside them new chats are refused with
	// [RefusedClosedHours] (chats already in the queue stay). Nil means always open. Do not modify a Schedule after
	// handing it to the engine.
	Hours *Schedule
	// Waiting1, Waiting2 and Final are the times after the start of the search at
	// which the visitor gets the first, second and final waiting message if no agent
	// has accepted by then (0 = not sent).
	Waiting1, Waiting2, Final time.Duration
}

// GroupConfig creates or updates an ACD group's settings.
type GroupConfig struct {
	Group    GroupID
	Strategy Strategy
}

// AgentState creates or updates an agent: status, capacity, skills and membership.
// The owner sends it whenever any of these change and when the agent (re)connects.
type AgentState struct {
	Agent AgentID
	// Groups are the ACD groups the agent takes chats from.
	Groups []GroupID
	// Skills maps a skill name to the agent's level in it (missing = 0).
	Skills map[string]int
	// MaxChats is how many chats the agent handles at once, offers included
	// (0 = the agent takes no chats). Lowering it never takes chats away.
	MaxChats int
	// AllowsChat reports whether the agent's current status allows chats. When it
	// turns false, the agent's pending offers are revoked with [RevokeAgentStatus].
	AllowsChat bool
	// Connected reports whether the agent's app is connected.
	Connected bool
	// MissedLimit is how many offers in a row the agent may miss (let lapse, or not
	// answer in time) before the engine sets MissedStatus (0 = no limit).
	MissedLimit int
	// MissedStatus is the status set by [SetAgentStatus] at MissedLimit.
	MissedStatus int64
	// Department is the agent's department ("" = none): a chat asking for a department
	// goes to agents of that department (compared ignoring case) and to agents of none.
	Department string
}

// AgentDisconnected reports that an agent's connection dropped. The agent gets no new
// offers, but keeps pending offers and chats until [AgentGone] or reconnection
// (an [AgentState] with Connected set).
type AgentDisconnected struct{ Agent AgentID }

// AgentGone reports that a disconnected agent did not come back within the reconnect
// window: pending offers are revoked and their chats return to the queue at their
// original place.
type AgentGone struct{ Agent AgentID }

// ChatRequested is a visitor asking for a chat. RequestedAt may lie in the past when
// the owner rebuilds state after a restart: timers then run from it. A zero
// RequestedAt means now.
type ChatRequested struct {
	Chat        ChatID
	Connector   ConnectorID
	RequestedAt time.Time
	// Target narrows who may take the chat (WhosOn Hello's Department and Operator Name).
	Target Target
}

// Target narrows the agents a chat may be offered to, beyond its connector's group and
// skill requirements; it never widens them. The zero Target narrows nothing.
type Target struct {
	// Department offers the chat only to agents of that department (ignoring case) or of
	// none ("" = any department).
	Department string
	// Agent offers the chat only to that agent (0 = any agent). An agent who is not
	// available is waited for, within the connector's free agent search time.
	Agent AgentID
}

// ChatRestored rebuilds one chat when the engine starts (or a new leader takes over):
// with Agent set it is an accepted chat that counts against that agent's and the
// connector's capacity; with Agent 0 it is waiting (an offer pending before the
// restart is not restored: the chat is offered afresh) and keeps its place and timers.
// Restored chats are never refused. Waiting messages whose time has passed count as
// sent. Who declined the chat, and agents' missed-offer counts, start afresh.
// Restore accepted chats before waiting ones, so that no waiting chat is offered into
// a slot an accepted one holds.
type ChatRestored struct {
	Chat        ChatID
	Connector   ConnectorID
	RequestedAt time.Time
	// SearchFrom is when the current search for an agent began, for a waiting chat
	// that came back from an agent ([Requeued]); zero means RequestedAt.
	SearchFrom   time.Time
	Agent        AgentID
	AcceptedAt   time.Time
	FirstReplyAt time.Time
	// Target is the chat's target as requested; the owner drops Target.Agent when the
	// chat was handed on to someone else (see [TransferDone]).
	Target Target
}

// OfferAccepted is an agent accepting a pending offer. If the offer is no longer
// pending (it lapsed or was revoked), Apply returns no [Assigned] for it.
type OfferAccepted struct {
	Chat  ChatID
	Agent AgentID
}

// OfferDeclined is an agent turning down a pending offer; the chat goes to the next agent.
type OfferDeclined struct {
	Chat  ChatID
	Agent AgentID
}

// FirstReply is the agent's first message in an accepted chat; it stops the answer timer.
type FirstReply struct {
	Chat  ChatID
	Agent AgentID
}

// ChatClosed is a chat ending, by anyone, in any state. A pending offer is revoked.
type ChatClosed struct{ Chat ChatID }

// Tick lets timers fire. The owner sends it at [Engine.NextDeadline]; every other
// event also fires the timers that are due.
type Tick struct{}

func (ConnectorConfig) isEvent()   {}
func (GroupConfig) isEvent()       {}
func (AgentState) isEvent()        {}
func (AgentDisconnected) isEvent() {}
func (AgentGone) isEvent()         {}
func (ChatRequested) isEvent()     {}
func (ChatRestored) isEvent()      {}
func (OfferAccepted) isEvent()     {}
func (OfferDeclined) isEvent()     {}
func (FirstReply) isEvent()        {}
func (ChatClosed) isEvent()        {}
func (Tick) isEvent()              {}

// RevokeReason says why an offer was withdrawn.
type RevokeReason string

// Reasons for [RevokeOffer].
const (
	// RevokeTimeout: the agent did not accept within the connect wait time.
	RevokeTimeout RevokeReason = "timeout"
	// RevokeAgentGone: the agent's connection did not come back in time.
	RevokeAgentGone RevokeReason = "agent_gone"
	// RevokeClosed: the chat ended (closed by the visitor, or no agent accepted in time).
	RevokeClosed RevokeReason = "closed"
	// RevokeAgentStatus: the agent's status stopped allowing chats (set by the agent,
	// or by the engine after too many missed offers).
	RevokeAgentStatus RevokeReason = "agent_status"
)

// RequeueReason says why an accepted chat went back to the queue.
type RequeueReason string

// Reasons for [Requeued].
const (
	// RequeueAnswerTimeout: the agent did not send a first reply within the answer time.
	RequeueAnswerTimeout RequeueReason = "answer_timeout"
	// RequeueAgentGone: the agent's connection did not come back in time.
	RequeueAgentGone RequeueReason = "agent_gone"
)

// RefuseReason says why a chat request was not accepted into the queue.
type RefuseReason string

// Reasons for [Refused].
const (
	RefusedOutOfService     RefuseReason = "out_of_service"
	RefusedClosedHours      RefuseReason = "closed_hours"
	RefusedUnknownConnector RefuseReason = "unknown_connector"
)

// WaitingWhich names the waiting message to send; the values are WhosOn's class names.
type WaitingWhich string

// The waiting messages, sent at ConnectorConfig.Waiting1, Waiting2 and Final.
const (
	Waiting1 WaitingWhich = "linewaiting1"
	Waiting2 WaitingWhich = "linewaiting2"
	Final    WaitingWhich = "final"
)

// Offer asks the owner to offer Chat to Agent. The offer lapses at Expires (zero when
// the connector has no connect wait time); the engine then sends [RevokeOffer].
type Offer struct {
	Chat    ChatID
	Agent   AgentID
	Expires time.Time
}

// RevokeOffer withdraws a pending offer from the agent's screen.
type RevokeOffer struct {
	Chat   ChatID
	Agent  AgentID
	Reason RevokeReason
}

// Assigned confirms that Agent now handles Chat (after an accepted offer).
type Assigned struct {
	Chat  ChatID
	Agent AgentID
}

// Requeued takes an accepted chat away from FromAgent and puts it back in the queue.
type Requeued struct {
	Chat      ChatID
	FromAgent AgentID
	Reason    RequeueReason
}

// QueueUpdate tells the visitor their place in the group's queue (1-based, of Of
// chats not yet accepted). A chat gets one on its own when it enters the queue; after
// that, updates come in [QueueUpdates] rounds. EstimatedWait is -1 when unknown.
type QueueUpdate struct {
	Chat          ChatID
	Position      int
	Of            int
	EstimatedWait time.Duration
}

// QueueUpdates is one round of position updates for a group's queue: a [QueueUpdate]
// for every chat whose position or queue length changed since it was last told, in
// queue order. Rounds start at most once per Options.QueueUpdateEvery; a round over
// more than Options.QueueUpdateBatch chats continues in the next Apply. One decision
// carries the whole round because with thousands of waiting chats every arrival
// changes everyone's "of N".
type QueueUpdates struct {
	Group   GroupID
	Updates []QueueUpdate
}

// QueueMessage asks the owner to send the queue message ("position 3 of 10"); it
// comes every Options.QueueMessageEvery while the chat waits for an agent.
type QueueMessage struct {
	Chat     ChatID
	Position int
	Of       int
}

// WaitingMessage asks the owner to send one of the waiting messages.
type WaitingMessage struct {
	Chat  ChatID
	Which WaitingWhich
}

// CloseNoAgent ends a chat for which no agent accepted within the free agent search
// time. The engine has forgotten the chat; a later ChatClosed for it does nothing.
type CloseNoAgent struct{ Chat ChatID }

// Refused turns a chat request away; the engine does not track the chat.
type Refused struct {
	Chat   ChatID
	Reason RefuseReason
}

// SetAgentStatus asks the owner to change an agent's status: the agent missed
// MissedLimit offers in a row. The engine already treats the agent as not allowing
// chats until the next [AgentState].
type SetAgentStatus struct {
	Agent  AgentID
	Status int64
}

func (Offer) isDecision()          {}
func (RevokeOffer) isDecision()    {}
func (Assigned) isDecision()       {}
func (Requeued) isDecision()       {}
func (QueueUpdate) isDecision()    {}
func (QueueUpdates) isDecision()   {}
func (QueueMessage) isDecision()   {}
func (WaitingMessage) isDecision() {}
func (CloseNoAgent) isDecision()   {}
func (Refused) isDecision()        {}
func (SetAgentStatus) isDecision() {}

// ChatState is where a chat stands in distribution. MiCC's ChatState maps as
// Queued and Offered -> Queued (0), Accepted and Handling -> Handling (1); chats the
// engine no longer knows are Terminated (2).
type ChatState int

// The states of a chat the engine knows.
const (
	// Queued: waiting for an agent, no offer pending.
	Queued ChatState = iota
	// Offered: an offer to one agent is pending.
	Offered
	// Accepted: an agent accepted and has not replied yet (the answer timer runs).
	Accepted
	// Handling: the agent has replied.
	Handling
)

// String returns the state's name.
func (s ChatState) String() string {
	switch s {
	case Queued:
		return "queued"
	case Offered:
		return "offered"
	case Accepted:
		return "accepted"
	case Handling:
		return "handling"
	}
	return "unknown"
}

// QueueInfo answers "can I chat now, and how long will I wait?" for a connector
// (MiCC GetQueueInfo).
type QueueInfo struct {
	// Open is false when the connector is unknown, out of service or outside its hours.
	Open bool
	// Waiting counts the connector's chats not yet accepted by an agent.
	Waiting int
	// EstimatedWait is the estimate for a chat requested now; -1 when unknown.
	EstimatedWait time.Duration
}

// ChatInfo answers "where is this chat?" (MiCC GetChatInfo).
type ChatInfo struct {
	State ChatState
	// Position and Of place the chat in its group's queue while Queued or Offered.
	Position, Of int
	// Agent is the agent offered to or handling the chat (0 while Queued).
	Agent AgentID
	// EstimatedWait is the estimate while Queued (0 otherwise); -1 when unknown.
	EstimatedWait time.Duration
	Connector     ConnectorID
	RequestedAt   time.Time
}
