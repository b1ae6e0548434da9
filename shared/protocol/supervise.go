package protocol

import "time"

// Supervision: supervisors and administrators follow every open chat of their tenant in a live
// list and take chats over. The types register themselves in the closed sets below, so that
// the list of supervision types lives in one place.
const (
	TypeSuperviseWatch  Type = "supervise.watch"
	TypeChatTakeover    Type = "chat.takeover"
	TypeSuperviseList   Type = "supervise.list"
	TypeSuperviseUpdate Type = "supervise.update"
	TypeTakenOver       Type = "chat.taken_over"
)

func init() {
	commandTypes[TypeSuperviseWatch] = commandSpec{func() CommandBody { return new(SuperviseWatch) }, false, true}
	commandTypes[TypeChatTakeover] = commandSpec{func() CommandBody { return new(ChatTakeover) }, false, true}
	eventTypes[TypeSuperviseList] = func() EventBody { return new(SuperviseList) }
	eventTypes[TypeSuperviseUpdate] = func() EventBody { return new(SuperviseUpdate) }
	eventTypes[TypeTakenOver] = func() EventBody { return new(TakenOver) }
}

// SuperviseWatch starts (or, with Off, stops) the connection's live list of every open chat of
// the tenant: a [SuperviseList] answers at once, [SuperviseUpdate] events follow as chats change.
// Only supervisors and administrators may watch; anyone else is refused with forbidden.
// Watching again sends a fresh list (what a reconnected app does).
type SuperviseWatch struct {
	Off bool `json:"off,omitempty"`
}

// CommandType implements [CommandBody].
func (*SuperviseWatch) CommandType() Type { return TypeSuperviseWatch }

// Validate implements [CommandBody].
func (*SuperviseWatch) Validate() error { return nil }

// ChatTakeover makes the supervisor sending it the chat's owner: of a waiting chat (it leaves
// the queue, an offer to someone else is withdrawn) or of one another agent handles (that agent
// is told with [TakenOver] and leaves the chat, which counts toward the supervisor's load from
// then on, no longer toward theirs). Owner is the owner the supervisor saw (0: the chat was
// waiting): if someone else has taken the chat since, the command is refused with conflict, so
// that of two supervisors taking the same chat at once exactly one wins. Retried by the winner,
// it succeeds again.
type ChatTakeover struct {
	inChat
	Owner int64 `json:"owner,omitempty"`
}

// CommandType implements [CommandBody].
func (*ChatTakeover) CommandType() Type { return TypeChatTakeover }

// Validate implements [CommandBody].
func (c *ChatTakeover) Validate() error {
	if c.Owner < 0 {
		return &Error{Code: CodeInvalid, Field: "owner", Message: "owner is a user id, or 0 for a waiting chat"}
	}
	return checkSafe("owner", uint64(c.Owner))
}

// The phases of a chat in the supervisors' list.
const (
	// PhaseWaiting: in the queue, offered to nobody.
	PhaseWaiting = "waiting"
	// PhaseOffered: offered to an agent who has not answered yet.
	PhaseOffered = "offered"
	// PhaseActive: an agent owns the chat.
	PhaseActive = "active"
)

// SupervisedChat is one open chat as the supervisors' list shows it.
type SupervisedChat struct {
	ID          string `json:"id"`
	Phase       string `json:"phase"`
	ConnectorID int64  `json:"connector_id"`
	Connector   string `json:"connector"`
	GroupID     int64  `json:"group_id,omitempty"`
	Group       string `json:"group,omitempty"`
	// Owner is the agent handling the chat (0 while it waits); OfferedTo the agent it is
	// offered to.
	Owner     int64  `json:"owner,omitempty"`
	OwnerName string `json:"owner_name,omitempty"`
	OfferedTo string `json:"offered_to,omitempty"`
	// Agents are everyone in the chat (owner, participants, observers).
	Agents  []Participant `json:"agents,omitempty"`
	Visitor string        `json:"visitor"`
	// Since is when the visitor asked; Accepted when an agent took the chat (the wait is the
	// time between, or until now while it waits). LastActivity is the chat's latest event.
	Since        time.Time  `json:"since"`
	Accepted     *time.Time `json:"accepted,omitempty"`
	LastActivity time.Time  `json:"last_activity"`
}

// SuperviseList is the whole list of open chats, oldest first: the answer to
// [SuperviseWatch]. Transient.
type SuperviseList struct {
	Chats []SupervisedChat `json:"chats"`
}

// EventType implements [EventBody].
func (*SuperviseList) EventType() Type { return TypeSuperviseList }

// SuperviseUpdate carries the chats that changed since the last list or update (each as it is
// now) and those that ended. Updates are coalesced: a chat appears at most once a second, so a
// busy tenant does not flood the supervisors' connections. Transient.
type SuperviseUpdate struct {
	Chats []SupervisedChat `json:"chats,omitempty"`
	Gone  []string         `json:"gone,omitempty"`
}

// EventType implements [EventBody].
func (*SuperviseUpdate) EventType() Type { return TypeSuperviseUpdate }

// TakenOver tells an agent that a supervisor took one of their chats (or offers) over: the chat
// leaves their list. Transient.
type TakenOver struct {
	By Participant `json:"by"`
}

// EventType implements [EventBody].
func (*TakenOver) EventType() Type { return TypeTakenOver }
