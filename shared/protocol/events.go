package protocol

import (
	"encoding/json"
	"time"
)

// The event types.
const (
	TypeAck          Type = "ack"
	TypeError        Type = "error"
	TypeConnected    Type = "connected"
	TypeAgentReady   Type = "agent.ready"
	TypeAgentStatus  Type = "agent.status"
	TypeOffer        Type = "offer"
	TypeOfferRevoked Type = "offer.revoked"
	TypeChatOpened   Type = "chat.opened"
	TypeChatState    Type = "chat.state"
	TypeQueue        Type = "queue"
	TypeMessage      Type = "message"
	TypeJoined       Type = "joined"
	TypeLeft         Type = "left"
	TypeTypingEvent  Type = "typing"
	TypePreviewEvent Type = "preview"
	TypePresence     Type = "presence"
	TypeWarning      Type = "warning"
	TypeFieldSet     Type = "field.set"
	TypeQueueInfo    Type = "queue.info"
	TypeChatInfo     Type = "chat.info"
	TypeOperators    Type = "operators"
	TypeFieldRequest Type = "field.request"
	TypeFileRequest  Type = "file.request"
	TypeDisconnect   Type = "disconnect"
	TypeConfig       Type = "config"
	TypeSettings     Type = "settings.changed"
	TypeInvitation   Type = "invitation"
	TypeInviteEnded  Type = "invitation.ended"
	TypeVisitorPage  Type = "visitor.page"
)

// eventTypes is the closed set of events.
var eventTypes = map[Type]func() EventBody{
	TypeAck:          func() EventBody { return new(Ack) },
	TypeError:        func() EventBody { return new(Error) },
	TypeConnected:    func() EventBody { return new(Connected) },
	TypeAgentReady:   func() EventBody { return new(AgentReady) },
	TypeAgentStatus:  func() EventBody { return new(AgentStatus) },
	TypeOffer:        func() EventBody { return new(Offer) },
	TypeOfferRevoked: func() EventBody { return new(OfferRevoked) },
	TypeChatOpened:   func() EventBody { return new(ChatOpened) },
	TypeChatState:    func() EventBody { return new(ChatState) },
	TypeQueue:        func() EventBody { return new(Queue) },
	TypeMessage:      func() EventBody { return new(Message) },
	TypeJoined:       func() EventBody { return new(Joined) },
	TypeLeft:         func() EventBody { return new(Left) },
	TypeTypingEvent:  func() EventBody { return new(TypingEvent) },
	TypePreviewEvent: func() EventBody { return new(PreviewEvent) },
	TypePresence:     func() EventBody { return new(Presence) },
	TypeWarning:      func() EventBody { return new(Warning) },
	TypeFieldSet:     func() EventBody { return new(FieldSet) },
	TypeQueueInfo:    func() EventBody { return new(QueueInfo) },
	TypeChatInfo:     func() EventBody { return new(ChatInfo) },
	TypeOperators:    func() EventBody { return new(Operators) },
	TypeFieldRequest: func() EventBody { return new(FieldRequest) },
	TypeFileRequest:  func() EventBody { return new(FileRequest) },
	TypeDisconnect:   func() EventBody { return new(Disconnect) },
	TypeConfig:       func() EventBody { return new(Config) },
	TypeSettings:     func() EventBody { return new(SettingsChanged) },
	TypeInvitation:   func() EventBody { return new(Invitation) },
	TypeInviteEnded:  func() EventBody { return new(InviteEnded) },
	TypeVisitorPage:  func() EventBody { return new(VisitorPage) },
}

// Durable reports whether events of type t belong to a chat's replayable history and carry a
// sequence number.
func Durable(t Type) bool {
	switch t {
	case TypeChatState, TypeMessage, TypeJoined, TypeLeft, TypeFieldSet, TypeVisitorPage,
		TypeTransfer, TypeFileRequest, TypeLineStatus, TypeChatTranslation, TypeChatRetranslation:
		return true
	}
	return false
}

// Ack answers a command that succeeded. Fields are set where the command produced them.
type Ack struct {
	// Chat and Token answer a chat request: the chat's id and the visitor's resume token.
	Chat  string `json:"chat,omitempty"`
	Token string `json:"token,omitempty"`
	// Seq is the sequence number the command's event got (a sent message), or the chat's
	// current sequence number (resume).
	Seq uint64 `json:"seq,omitempty"`
}

// EventType implements [EventBody].
func (*Ack) EventType() Type { return TypeAck }

// ChatStatus is the state of a chat as clients see it (MiCC ChatState).
type ChatStatus string

// The chat states.
const (
	// StateQueued: waiting for an agent (offers to agents happen while queued).
	StateQueued ChatStatus = "queued"
	// StateActive: an agent handles the chat.
	StateActive ChatStatus = "active"
	// StateClosed: the chat has ended; Cause says why.
	StateClosed ChatStatus = "closed"
)

// Cause says why a chat ended (MiCC TerminationCause, refined).
type Cause string

// The causes of a chat's end.
const (
	CauseVisitor      Cause = "visitor"        // the visitor closed it
	CauseAgent        Cause = "agent"          // the agent closed it
	CauseNoAgent      Cause = "no_agent"       // no agent found within the free agent search time
	CauseVisitorGone  Cause = "visitor_gone"   // the visitor was away longer than the reconnect window
	CauseOutOfService Cause = "out_of_service" // closed hours or switched out of service
	CauseIdle         Cause = "idle"           // the visitor was idle past the idle timeout
	CauseLeftMessage  Cause = "left_message"   // not a chat: a message the visitor left
)

// Connected answers [VisitorConnect]: what the widget needs to show the connector (WhosOn
// connected, MiCC GetChatConfiguration and GetQueueInfo).
type Connected struct {
	// Session identifies this connection in logs and support requests.
	Session string `json:"session"`
	// Name and Title are the connector's (jtel master data).
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	// Lang is the language the texts were chosen for.
	Lang string `json:"lang"`
	// Open is false outside opening hours or when out of service (MiCC Open).
	Open bool `json:"open"`
	// Texts are the connector's message resources resolved for Lang (jtel keys:
	// welcomeMessage, bye, noAgents, ...), with "$agent" left in for the client to fill.
	Texts map[string]string `json:"texts"`
	// MaxMessage is the longest message a visitor may send, in characters.
	MaxMessage int `json:"max_message"`
	// Preview says whether the visitor's typing is shown to agents (WhosOn OperatorPreview).
	Preview bool `json:"preview"`
	// EstimatedWait in seconds, -1 when unknown (MiCC EstimatedWaitTime).
	EstimatedWait int `json:"estimated_wait"`
	// PreChat and PostChat are the survey fields to ask before and after the chat, as the
	// visitor reads them (survey.Localize): each field's prompt in the visitor's language,
	// else in the tenant's default language, else its base text, and in labels the options'
	// labels chosen the same way, in the order of options. A client shows the labels and
	// answers with the options' values, which are the same in every language; a client that
	// knows nothing of labels shows the values. The fields' texts of other languages are not
	// sent.
	PreChat  []SurveyField `json:"pre_chat,omitempty"`
	PostChat []SurveyField `json:"post_chat,omitempty"`
	// AllowedFileTypes lists the file extensions a visitor may upload; empty means every type
	// not in RestrictedFileTypes (MiCC AllowedAttachmentTypes, WhosOn AllowedFileTypes).
	AllowedFileTypes []string `json:"allowed_file_types,omitempty"`
	// RestrictedFileTypes lists extensions that are refused when AllowedFileTypes is empty
	// (MiCC RestrictedAttachmentTypes).
	RestrictedFileTypes []string `json:"restricted_file_types,omitempty"`
	// MaxAttachmentKB is the largest upload in KiB; 0 means uploads are off.
	MaxAttachmentKB int `json:"max_attachment_kb,omitempty"`
	// LeaveMessage says the visitor may leave a message when no chat can be had
	// (WhosOn LeaveMessageEnabled); see [LeaveMessage].
	LeaveMessage bool `json:"leave_message,omitempty"`
	// Transcript says the visitor may ask for the chat's transcript by e-mail
	// ([TranscriptRequest]): the tenant can send e-mail (WhosOn Transcript).
	Transcript bool `json:"transcript,omitempty"`
	// TranslateLanguages are the languages the tenant translates chats from and into, offered
	// to the visitor to chat in ([ChatRequest.Lang]); empty when chats are not translated.
	TranslateLanguages []string `json:"translate_languages,omitempty"`
	// Widget holds the connector's widget options (position, hide agent name, ...), opaque here.
	Widget json.RawMessage `json:"widget,omitempty"`
}

// EventType implements [EventBody].
func (*Connected) EventType() Type { return TypeConnected }

// AgentReady answers [AgentConnect]: who the agent is, the tenant's statuses, the agent's open
// chats (to resume) and pending offers, the tenant's tag and outcome lists, and its
// connectors' survey fields in every language, by which the app shows a visitor's answers in
// the agent's own language (Surveys; an older server sends none and the app shows the stored
// values).
type AgentReady struct {
	// Invitations are the open invitations into other agents' chats.
	Invitations []Invitation  `json:"invitations,omitempty"`
	User        User          `json:"user"`
	Statuses    []Status      `json:"statuses"`
	Status      int64         `json:"status"`
	Chats       []ChatSummary `json:"chats"`
	Offers      []Offer       `json:"offers"`
	// Tags and Outcomes are the tenant's lists for classifying chats ([ChatTags],
	// [Close.Outcome]); OutcomeRequired says that a close needs an outcome.
	Tags            []Label `json:"tags,omitempty"`
	Outcomes        []Label `json:"outcomes,omitempty"`
	OutcomeRequired bool    `json:"outcome_required,omitempty"`
	// Surveys are the survey fields of the tenant's connectors with their texts in every
	// language, and SurveyLang the tenant's default language, so that the app shows a
	// visitor's answers in its own language: each field's prompt and a choice's option label
	// picked with survey.Localize and survey.AnswerIn (the agent's language, then SurveyLang,
	// then the field's base text). The app resolves them itself because only it knows the
	// language it shows, which follows the browser when the agent chose none. An app built
	// before ignores them and shows field names and stored values, as it did.
	Surveys    []ConnectorSurvey `json:"surveys,omitempty"`
	SurveyLang string            `json:"survey_lang,omitempty"`
}

// EventType implements [EventBody].
func (*AgentReady) EventType() Type { return TypeAgentReady }

// ConnectorSurvey is one connector's pre-chat and post-chat survey fields as the
// administrators saved them, texts of every language included ([AgentReady.Surveys]).
type ConnectorSurvey struct {
	ConnectorID int64         `json:"connector_id"`
	PreChat     []SurveyField `json:"pre_chat,omitempty"`
	PostChat    []SurveyField `json:"post_chat,omitempty"`
}

// User is the signed-in agent as the app shows them.
type User struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Nickname string `json:"nickname,omitempty"`
	Login    string `json:"login"`
	Role     string `json:"role"`
	Lang     string `json:"lang,omitempty"`
	MaxChats int    `json:"max_chats"`
}

// Status is one of the tenant's agent statuses (jtel agent status).
type Status struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Short      string `json:"short,omitempty"`
	Color      string `json:"color,omitempty"`
	Background string `json:"background,omitempty"`
	AllowsChat bool   `json:"allows_chat"`
	Settable   bool   `json:"settable"`
}

// AgentStatus tells an agent their status changed without their doing (auto-logoff after missed
// offers, a supervisor) or confirms their own change on all their connections.
type AgentStatus struct {
	Status int64  `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// EventType implements [EventBody].
func (*AgentStatus) EventType() Type { return TypeAgentStatus }

// Offer proposes a chat to an agent, who accepts or declines before Expires.
type Offer struct {
	Chat        string `json:"chat"`
	ConnectorID int64  `json:"connector_id"`
	Connector   string `json:"connector"`
	Visitor     string `json:"visitor"`
	Question    string `json:"question,omitempty"`
	// Translation is Question in the offered agent's language, when the chat is translated:
	// the offer goes out at once without it and is sent again, to replace the one shown,
	// when the service answers; a service that fails leaves the original alone.
	Translation *Translation `json:"translation,omitempty"`
	Lang        string       `json:"lang,omitempty"`
	Expires     time.Time    `json:"expires"`
	// Transfer is set when the chat is handed on by its owner rather than waiting in the queue.
	Transfer *TransferInfo `json:"transfer,omitempty"`
}

// EventType implements [EventBody].
func (*Offer) EventType() Type { return TypeOffer }

// OfferRevoked withdraws an offer: it timed out, the chat ended, or it went elsewhere.
type OfferRevoked struct {
	Reason string `json:"reason"`
}

// EventType implements [EventBody].
func (*OfferRevoked) EventType() Type { return TypeOfferRevoked }

// ChatOpened puts a chat on an agent's list (after accepting an offer); its history follows.
type ChatOpened struct {
	Chat ChatSummary `json:"chat"`
}

// EventType implements [EventBody].
func (*ChatOpened) EventType() Type { return TypeChatOpened }

// ChatSummary is a chat as an agent's list shows it, with the visitor's details.
type ChatSummary struct {
	ID          string      `json:"id"`
	ConnectorID int64       `json:"connector_id"`
	Connector   string      `json:"connector"`
	State       ChatStatus  `json:"state"`
	Visitor     VisitorInfo `json:"visitor"`
	Seq         uint64      `json:"seq"`
	CreatedAt   time.Time   `json:"created_at"`
	// As is the receiving agent's part in the chat (owner when empty).
	As Part `json:"as,omitempty"`
	// Agents are the agents in the chat now, with their parts.
	Agents []Participant `json:"agents,omitempty"`
	// Kind is KindDirect for a chat between two agents (direct.go), empty for a visitor's.
	Kind string `json:"kind,omitempty"`
	// Translation is "on" when the chat translates between the visitor's language and the
	// agent's, "off" when an agent turned that off ([TranslateSet]), empty when the chat
	// cannot translate.
	Translation string `json:"translation,omitempty"`
}

// Part is an agent's part in a chat. The owner handles it (the ACD gave it to them); further
// participants write to the visitor too; observers and supervisors read along unseen by the
// visitor.
type Part string

// The parts an agent can have in a chat.
const (
	PartOwner       Part = "owner"
	PartParticipant Part = "participant"
	PartObserver    Part = "observer"
	PartSupervisor  Part = "supervisor"
)

// Visible reports whether the visitor sees an agent in this part (joins, leaves, typing).
func (p Part) Visible() bool { return p == PartOwner || p == PartParticipant || p == "" }

// Participant is an agent in a chat.
type Participant struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	As     Part   `json:"as"`
}

// VisitorInfo is what the agent knows of the visitor.
type VisitorInfo struct {
	Name       string            `json:"name"`
	Email      string            `json:"email,omitempty"`
	Phone      string            `json:"phone,omitempty"`
	CustomerID string            `json:"customer_id,omitempty"`
	Lang       string            `json:"lang,omitempty"`
	Page       string            `json:"page,omitempty"`
	Referrer   string            `json:"referrer,omitempty"`
	UserAgent  string            `json:"user_agent,omitempty"`
	PData      map[string]string `json:"pdata,omitempty"`
	UData      map[string]string `json:"udata,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
}

// ChatState records a change of the chat's state (durable). On close, Cause says why; the text
// shown to the visitor (bye, byeNoAgent, outOfService) comes just before it as a system
// [Message].
type ChatState struct {
	State ChatStatus `json:"state"`
	Cause Cause      `json:"cause,omitempty"`
	At    time.Time  `json:"at"`
}

// EventType implements [EventBody].
func (*ChatState) EventType() Type { return TypeChatState }

// Queue tells a waiting visitor their place (WhosOn queue; transient).
type Queue struct {
	Position int `json:"position"`
	Of       int `json:"of"`
	// EstimatedWait in seconds, -1 when unknown.
	EstimatedWait int `json:"estimated_wait"`
}

// EventType implements [EventBody].
func (*Queue) EventType() Type { return TypeQueue }

// Message is a line of the chat (durable): from the visitor, an agent, or the system.
type Message struct {
	Role Role   `json:"role"` // visitor, agent, or system
	Name string `json:"name,omitempty"`
	Text string `json:"text"`
	// Key names the text resource a system line came from (welcomeMessage, bye, ...), so a
	// client may show it in its own style; Class is the WhosOn newline class.
	Key   string `json:"key,omitempty"`
	Class string `json:"class,omitempty"`
	// ClientID is the id of the command that sent it, so the sender can match its own lines.
	ClientID  string `json:"client_id,omitempty"`
	HideLocal bool   `json:"hide_local,omitempty"`
	// Internal marks a whisper: an agent's note only agents see.
	Internal bool      `json:"internal,omitempty"`
	File     *File     `json:"file,omitempty"`
	At       time.Time `json:"at"`
	// Translation is the line in the other side's language when the chat translates (see
	// [Translation]); Text is always the line as its sender wrote it.
	Translation *Translation `json:"translation,omitempty"`
}

// RoleSystem marks lines the server writes (welcome, waiting, bye).
const RoleSystem Role = "system"

// EventType implements [EventBody].
func (*Message) EventType() Type { return TypeMessage }

// File is a shared file attached to a message.
type File struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	Size        int64  `json:"size,omitempty"`
	ContentType string `json:"content_type,omitempty"`
}

// Joined says someone joined the chat (WhosOn operatorjoined, MiCC AgentJoined); durable.
type Joined struct {
	Role   Role   `json:"role"`
	Name   string `json:"name"`
	UserID int64  `json:"user_id,omitempty"`
	Lang   string `json:"lang,omitempty"`
	// As is an agent's part in the chat; joins of observers and supervisors reach agents only.
	As Part `json:"as,omitempty"`
}

// EventType implements [EventBody].
func (*Joined) EventType() Type { return TypeJoined }

// Left says someone left the chat (MiCC AgentLeft); durable.
type Left struct {
	Role   Role   `json:"role"`
	Name   string `json:"name"`
	UserID int64  `json:"user_id,omitempty"`
	As     Part   `json:"as,omitempty"`
}

// EventType implements [EventBody].
func (*Left) EventType() Type { return TypeLeft }

// TypingEvent says the other side started or stopped typing (transient).
type TypingEvent struct {
	Role Role   `json:"role"`
	Name string `json:"name,omitempty"`
	On   bool   `json:"on"`
	// UserID names the agent typing, for the other agents of the chat (who else is writing
	// to the visitor); Internal says it is an internal note, which the visitor is not told of.
	UserID   int64 `json:"user_id,omitempty"`
	Internal bool  `json:"internal,omitempty"`
}

// EventType implements [EventBody].
func (*TypingEvent) EventType() Type { return TypeTypingEvent }

// PreviewEvent shows agents what the visitor is typing (transient).
type PreviewEvent struct {
	Text string `json:"text"`
}

// EventType implements [EventBody].
func (*PreviewEvent) EventType() Type { return TypePreviewEvent }

// Presence says the other side's connection went away or came back (transient).
type Presence struct {
	Role   Role `json:"role"`
	Online bool `json:"online"`
}

// EventType implements [EventBody].
func (*Presence) EventType() Type { return TypePresence }

// Warning tells an agent that the chat will end soon unless something happens (MiCC
// AgentWarningCustomerDisconnectTimeoutSeconds); transient.
type Warning struct {
	Code string `json:"code"` // "visitor_away"
	// Seconds until the chat is closed.
	Seconds int `json:"seconds"`
}

// EventType implements [EventBody].
func (*Warning) EventType() Type { return TypeWarning }

// FieldSet records a field the visitor filled in during or after the chat (durable).
type FieldSet struct {
	Fields map[string]string `json:"fields"`
	// Survey is "post" for post-chat survey answers, "pre" for pre-chat answers given after a
	// write-first request ([DetailsSubmit]), "" for a requested field.
	Survey string `json:"survey,omitempty"`
	// Name is the visitor's name given with pre-chat answers after the request; "" unchanged.
	Name string `json:"name,omitempty"`
	// Email is the visitor's e-mail address given with them; "" unchanged.
	Email string `json:"email,omitempty"`
}

// EventType implements [EventBody].
func (*FieldSet) EventType() Type { return TypeFieldSet }

// QueueInfo answers [QueueInfoGet] (MiCC GetQueueInfoResponse).
type QueueInfo struct {
	Open          bool `json:"open"`
	Waiting       int  `json:"waiting"`
	EstimatedWait int  `json:"estimated_wait"`
}

// EventType implements [EventBody].
func (*QueueInfo) EventType() Type { return TypeQueueInfo }

// ChatInfo answers [ChatInfoGet] (MiCC GetChatInfoResponse).
type ChatInfo struct {
	State         ChatStatus `json:"state"`
	Position      int        `json:"position,omitempty"`
	EstimatedWait int        `json:"estimated_wait"`
}

// EventType implements [EventBody].
func (*ChatInfo) EventType() Type { return TypeChatInfo }

// Operators answers [OperatorsGet] (WhosOn operators).
type Operators struct {
	Operators []Operator `json:"operators"`
}

// EventType implements [EventBody].
func (*Operators) EventType() Type { return TypeOperators }

// Operator is an agent as a visitor may see them.
type Operator struct {
	Name   string   `json:"name"`
	Status string   `json:"status"`
	Lang   string   `json:"lang,omitempty"`
	Skills []string `json:"skills,omitempty"`
}

// FieldRequest asks the visitor to fill in a field (WhosOn requestfield); answered by
// [FieldSubmit].
type FieldRequest struct {
	Field SurveyField `json:"field"`
}

// EventType implements [EventBody].
func (*FieldRequest) EventType() Type { return TypeFieldRequest }

// FileRequest asks the visitor to upload a file of the listed types (WhosOn requestfile),
// answered by [FileSend]. It is an event of the chat's history, so a visitor who resumes sees
// it again and every agent of the chat sees that it was asked. Types are lower-case extensions
// without the dot; none means any type the tenant's attachment policy allows. Name is the
// agent who asked, as the visitor sees them on their messages; At is when.
type FileRequest struct {
	Types []string  `json:"types"`
	Name  string    `json:"name,omitempty"`
	At    time.Time `json:"at"`
}

// EventType implements [EventBody].
func (*FileRequest) EventType() Type { return TypeFileRequest }

// Disconnect is the last frame before the server closes a connection; Reconnect says whether
// to reconnect and resume (see [CloseCode]).
type Disconnect struct {
	Code      CloseCode `json:"code"`
	Reason    string    `json:"reason"`
	Reconnect bool      `json:"reconnect"`
}

// EventType implements [EventBody].
func (*Disconnect) EventType() Type { return TypeDisconnect }

// Config tells a connected visitor that the connector's settings changed (texts, survey fields,
// file rules, widget options, opening): the same fields as [Connected], without a session.
// Transient.
type Config struct {
	Connected
}

// EventType implements [EventBody].
func (*Config) EventType() Type { return TypeConfig }

// SettingsChanged tells an agent app that something it shows changed: the canned responses
// (reload them), the tenant's statuses (the new list is included), its tag and outcome
// lists (both new lists and whether an outcome is required are included) or its connectors'
// survey fields (all of them and the default language, as in [AgentReady]). Transient.
type SettingsChanged struct {
	// Kind is "canned", "statuses", "labels" or "surveys".
	Kind     string   `json:"kind"`
	Statuses []Status `json:"statuses,omitempty"`
	// Tags and Outcomes are the tenant's lists, as in [AgentReady], when Kind is "labels".
	Tags            []Label `json:"tags,omitempty"`
	Outcomes        []Label `json:"outcomes,omitempty"`
	OutcomeRequired bool    `json:"outcome_required,omitempty"`
	// Surveys and SurveyLang replace those of [AgentReady] when Kind is "surveys".
	Surveys    []ConnectorSurvey `json:"surveys,omitempty"`
	SurveyLang string            `json:"survey_lang,omitempty"`
}

// EventType implements [EventBody].
func (*SettingsChanged) EventType() Type { return TypeSettings }

// Invitation asks an agent into a chat, as [ChatInvite] did: the chat, who asks, in which part,
// and until when. Transient; open invitations are listed again in [AgentReady].
type Invitation struct {
	Chat    ChatSummary `json:"chat"`
	From    Participant `json:"from"`
	As      Part        `json:"as"`
	Expires time.Time   `json:"expires"`
}

// EventType implements [EventBody].
func (*Invitation) EventType() Type { return TypeInvitation }

// InviteEnded says an invitation is over, to the agent invited (its card goes, in every window)
// and to the agent who invited. Reason is "accepted" (the joined event follows), "declined",
// "expired" (not answered within the connector's connect wait) or "closed" (the chat ended).
// Transient.
type InviteEnded struct {
	UserID int64  `json:"user_id"`
	Reason string `json:"reason"`
}

// EventType implements [EventBody].
func (*InviteEnded) EventType() Type { return TypeInviteEnded }

// VisitorPage says the visitor is on another page of the site now (they moved on, and the
// widget came back on the new page); durable, for agents only.
type VisitorPage struct {
	Page     string    `json:"page"`
	Referrer string    `json:"referrer,omitempty"`
	At       time.Time `json:"at"`
}

// EventType implements [EventBody].
func (*VisitorPage) EventType() Type { return TypeVisitorPage }
