package protocol

// Agent-to-agent chats (Znuny "agent to agent") and how available agents are to colleagues.
//
// An agent starts a chat with a colleague with [DirectStart]: the server opens a chat of kind
// [KindDirect] holding the first message, puts it on the sender's list at once (chat.opened,
// state queued) and sends the colleague an [Invitation] into it as a participant, which they
// answer like any invitation (invitation.accept, invitation.decline). A declined or unanswered
// request closes the chat, and the sender learns why from [InviteEnded] and the chat's close
// cause. Such a chat has no visitor and no connector and counts toward nobody's visitor
// capacity.

// The command and event types of this file.
const (
	TypeDirectStart       Type = "direct.start"
	TypeActivity          Type = "agent.activity"
	TypeColleaguesChanged Type = "colleagues.changed"
)

// KindDirect is the [ChatSummary] Kind of a chat between two agents.
const KindDirect = "direct"

// The close causes of a direct chat that never started.
const (
	CauseDeclined   Cause = "declined"   // the colleague declined the request
	CauseUnanswered Cause = "unanswered" // nobody answered the request in time
)

func init() {
	commandTypes[TypeDirectStart] = commandSpec{func() CommandBody { return new(DirectStart) }, false, true}
	commandTypes[TypeActivity] = commandSpec{func() CommandBody { return new(Activity) }, false, true}
	eventTypes[TypeColleaguesChanged] = func() EventBody { return new(ColleaguesChanged) }
}

// DirectStart asks a colleague of the tenant (UserID, signed in, not the sender) for a chat,
// with its first message. It is acked with the new chat's id (Ack.Chat); a retry with the
// same command id gets the same chat, and while a chat between the two is open the ack names
// that chat instead of opening another (Text is then not sent).
type DirectStart struct {
	UserID int64  `json:"user_id"`
	Text   string `json:"text"`
}

// CommandType implements [CommandBody].
func (*DirectStart) CommandType() Type { return TypeDirectStart }

// Validate implements [CommandBody].
func (c *DirectStart) Validate() error {
	if c.UserID <= 0 {
		return &Error{Code: CodeInvalid, Field: "user_id", Message: "name the colleague to chat with"}
	}
	if err := checkSafe("user_id", uint64(c.UserID)); err != nil {
		return err
	}
	return CheckMessage(c.Text, 0)
}

// Activity says the agent is at the app (typed, clicked, focused its window): colleagues see
// them as away once the tenant's idle threshold passes without one. The app sends it at most
// every few seconds; it is acked.
type Activity struct{}

// CommandType implements [CommandBody].
func (*Activity) CommandType() Type { return TypeActivity }

// Validate implements [CommandBody].
func (*Activity) Validate() error { return nil }

// ColleaguesChanged tells agent apps that a colleague signed in or out or changed status: a
// colleagues list that is shown is read again (GET /api/agents). Transient; going away after
// the idle threshold is not announced, so lists shown are also read again now and then.
type ColleaguesChanged struct{}

// EventType implements [EventBody].
func (*ColleaguesChanged) EventType() Type { return TypeColleaguesChanged }

// Availability is how reachable a colleague is, after Znuny's participant colours.
type Availability string

// The availabilities, with Znuny's colours.
const (
	// AvailActive (green): connected, in a status that receives chats, and active recently.
	AvailActive Availability = "active"
	// AvailAway (yellow): as active, but without activity for the tenant's idle threshold.
	AvailAway Availability = "away"
	// AvailInactive (pink): signed in but not reachable now: their app's connection is gone
	// (within the reconnect window); in a chat, a colleague who has not accepted it yet or
	// left it.
	AvailInactive Availability = "inactive"
	// AvailUnavailable (red): connected, in a status that receives no chats (or none set).
	AvailUnavailable Availability = "unavailable"
	// AvailSignedOut (black): signed out, or their session ended.
	AvailSignedOut Availability = "signed_out"
)
