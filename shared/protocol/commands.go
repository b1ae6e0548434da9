package protocol

import (
	"fmt"
	"strings"

	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/survey"
)

// The command types. Visitor-only, agent-only and shared commands are listed in [commandTypes].
const (
	TypePing              Type = "ping"
	TypeVisitorConnect    Type = "visitor.connect"
	TypeAgentConnect      Type = "agent.connect"
	TypeChatRequest       Type = "chat.request"
	TypeResume            Type = "resume"
	TypeSend              Type = "message.send"
	TypeTyping            Type = "typing"
	TypePreview           Type = "preview"
	TypeClose             Type = "chat.close"
	TypeFileSend          Type = "file.send"
	TypeFieldSubmit       Type = "field.submit"
	TypeSurveySubmit      Type = "survey.submit"
	TypeTranscriptRequest Type = "transcript.request"
	TypeLeaveMessage      Type = "leave.message"
	TypeQueueInfoGet      Type = "queue.get"
	TypeChatInfoGet       Type = "chat.get"
	TypeOperatorsGet      Type = "operators.get"
	TypeStatusSet         Type = "status.set"
	TypeOfferAccept       Type = "offer.accept"
	TypeOfferDecline      Type = "offer.decline"
	TypeFieldAsk          Type = "field.ask"
	TypeFileAsk           Type = "file.ask"
	TypeChatJoin          Type = "chat.join"
	TypeChatLeave         Type = "chat.leave"
	TypeChatInvite        Type = "chat.invite"
	TypeInviteAccept      Type = "invitation.accept"
	TypeInviteDecline     Type = "invitation.decline"
)

// commandSpec says how to make a command's body and which roles may send it.
type commandSpec struct {
	new     func() CommandBody
	visitor bool
	agent   bool
}

func (s commandSpec) allows(r Role) bool {
	return (r == RoleVisitor && s.visitor) || (r == RoleAgent && s.agent)
}

// commandTypes is the closed set of commands. A type not listed here is refused on decoding.
var commandTypes = map[Type]commandSpec{
	TypePing:              {func() CommandBody { return new(Ping) }, true, true},
	TypeVisitorConnect:    {func() CommandBody { return new(VisitorConnect) }, true, false},
	TypeAgentConnect:      {func() CommandBody { return new(AgentConnect) }, false, true},
	TypeChatRequest:       {func() CommandBody { return new(ChatRequest) }, true, false},
	TypeResume:            {func() CommandBody { return new(Resume) }, true, true},
	TypeSend:              {func() CommandBody { return new(Send) }, true, true},
	TypeTyping:            {func() CommandBody { return new(Typing) }, true, true},
	TypePreview:           {func() CommandBody { return new(Preview) }, true, false},
	TypeClose:             {func() CommandBody { return new(Close) }, true, true},
	TypeFileSend:          {func() CommandBody { return new(FileSend) }, true, true},
	TypeFieldSubmit:       {func() CommandBody { return new(FieldSubmit) }, true, false},
	TypeSurveySubmit:      {func() CommandBody { return new(SurveySubmit) }, true, false},
	TypeTranscriptRequest: {func() CommandBody { return new(TranscriptRequest) }, true, false},
	TypeLeaveMessage:      {func() CommandBody { return new(LeaveMessage) }, true, false},
	TypeQueueInfoGet:      {func() CommandBody { return new(QueueInfoGet) }, true, false},
	TypeChatInfoGet:       {func() CommandBody { return new(ChatInfoGet) }, true, false},
	TypeOperatorsGet:      {func() CommandBody { return new(OperatorsGet) }, true, false},
	TypeStatusSet:         {func() CommandBody { return new(StatusSet) }, false, true},
	TypeOfferAccept:       {func() CommandBody { return new(OfferAccept) }, false, true},
	TypeOfferDecline:      {func() CommandBody { return new(OfferDecline) }, false, true},
	TypeFieldAsk:          {func() CommandBody { return new(FieldAsk) }, false, true},
	TypeFileAsk:           {func() CommandBody { return new(FileAsk) }, false, true},
	TypeChatJoin:          {func() CommandBody { return new(ChatJoin) }, false, true},
	TypeChatLeave:         {func() CommandBody { return new(ChatLeave) }, false, true},
	TypeChatInvite:        {func() CommandBody { return new(ChatInvite) }, false, true},
	TypeInviteAccept:      {func() CommandBody { return new(InviteAccept) }, false, true},
	TypeInviteDecline:     {func() CommandBody { return new(InviteDecline) }, false, true},
}

// Ping keeps a connection alive through proxies and proves it works; it is acked.
type Ping struct{}

// CommandType implements [CommandBody].
func (*Ping) CommandType() Type { return TypePing }

// Validate implements [CommandBody].
func (*Ping) Validate() error { return nil }

// VisitorConnect opens a visitor connection on a connector (WhosOn Connect, MiCC
// GetChatConfiguration). It must be the first command; it is answered by [Connected].
type VisitorConnect struct {
	// Connector is the connector's public hash (jtel Hash).
	Connector string `json:"connector"`
	// Lang is the visitor's preferred language (BCP 47, e.g. "de" or "fr-BE").
	Lang string `json:"lang,omitempty"`
	// Page is the URL of the page the widget is on; Referrer the page before it.
	Page     string `json:"page,omitempty"`
	Referrer string `json:"referrer,omitempty"`
	// UserAgent is the browser's user agent, when the connection's own is not the visitor's.
	UserAgent string `json:"user_agent,omitempty"`
	// VisitorID is a tracking id kept by the client (WhosOn cookie session id).
	VisitorID string `json:"visitor_id,omitempty"`
	// TZOffset is the visitor's offset from UTC in minutes (MiCC TimeZoneOffset).
	TZOffset int `json:"tz_offset,omitempty"`
}

// CommandType implements [CommandBody].
func (*VisitorConnect) CommandType() Type { return TypeVisitorConnect }

// Validate implements [CommandBody].
func (c *VisitorConnect) Validate() error {
	return firstErr(required("connector", c.Connector), checkRunes("connector", c.Connector, limits.IDRunes),
		checkRunes("lang", c.Lang, 35), checkRunes("page", c.Page, limits.URLRunes),
		checkRunes("referrer", c.Referrer, limits.URLRunes), checkRunes("user_agent", c.UserAgent, limits.UserAgentRunes),
		checkRunes("visitor_id", c.VisitorID, limits.IDRunes))
}

// AgentConnect opens an agent connection. It must be the first command; it is answered by
// [AgentReady]. Browsers authenticate with the session cookie the sign-in API set, which the
// WebSocket handshake carries; other clients pass the token the sign-in API returned.
type AgentConnect struct {
	Token string `json:"token,omitempty"`
}

// CommandType implements [CommandBody].
func (*AgentConnect) CommandType() Type { return TypeAgentConnect }

// Validate implements [CommandBody].
func (c *AgentConnect) Validate() error {
	return checkRunes("token", c.Token, limits.TokenRunes)
}

// ChatRequest asks for a chat (WhosOn Hello, MiCC RequestChat, jtel initChat). The ack carries
// the chat id and the visitor's resume token ([Ack.Chat], [Ack.Token]).
type ChatRequest struct {
	// Name is required for a public visitor (Znuny).
	Name       string `json:"name"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	CustomerID string `json:"customer_id,omitempty"`
	// Department and Operator narrow routing (WhosOn Hello); empty means any.
	Department string `json:"department,omitempty"`
	Operator   string `json:"operator,omitempty"`
	Lang       string `json:"lang,omitempty"`
	// Question is the visitor's first message (MiCC InitialMessage), stored as a visitor line.
	Question string `json:"question,omitempty"`
	// PData is identity data (jtel pdata: name, email, sender, receiver, userdata...).
	PData map[string]string `json:"pdata,omitempty"`
	// UData is free data for the agent and integrations (jtel udata, MiCC PrivateData).
	UData map[string]string `json:"udata,omitempty"`
	// Fields are pre-chat survey answers by field name (WhosOn pre-chat survey).
	Fields map[string]string `json:"fields,omitempty"`
	// Translate asks for translation into Lang (WhosOn Hello "translation required").
	Translate bool `json:"translate,omitempty"`
	// Later asks for the chat before the visitor's details: Name and the pre-chat answers
	// follow in [DetailsSubmit]. Only a connector with "write_first" accepts it.
	Later bool `json:"later,omitempty"`
	// PreviewConsent says the visitor was told that agents see their unsent text and let
	// them; without it the server drops the chat's previews (see [PreviewConsent]).
	PreviewConsent bool `json:"preview_consent,omitempty"`
}

// CommandType implements [CommandBody].
func (*ChatRequest) CommandType() Type { return TypeChatRequest }

// Validate implements [CommandBody].
func (c *ChatRequest) Validate() error {
	name := required("name", c.Name)
	if c.Later {
		name = nil
	}
	return firstErr(name, checkRunes("name", c.Name, limits.NameRunes),
		checkRunes("email", c.Email, limits.EmailRunes), checkRunes("phone", c.Phone, limits.PhoneRunes),
		checkRunes("customer_id", c.CustomerID, limits.IDRunes), checkRunes("department", c.Department, limits.NameRunes),
		checkRunes("operator", c.Operator, limits.NameRunes), checkRunes("lang", c.Lang, 35),
		checkRunes("question", c.Question, limits.MessageRunes),
		checkData("pdata", c.PData), checkData("udata", c.UData), checkData("fields", c.Fields))
}

// Resume re-joins a chat after a reconnect and asks for every durable event after After. A
// visitor proves the chat is theirs with the token from the chat request's ack; an agent's
// session is proof enough. The server replays the missed events in order, then acks with the
// chat's current sequence number, and from then on the chat's live events follow.
type Resume struct {
	inChat
	Token string `json:"token,omitempty"`
	After uint64 `json:"after"`
}

// CommandType implements [CommandBody].
func (*Resume) CommandType() Type { return TypeResume }

// Validate implements [CommandBody]. After must be a number a browser can hold exactly
// (below 2^53), as every sequence number is.
func (c *Resume) Validate() error {
	return firstErr(checkRunes("token", c.Token, limits.TokenRunes), checkSafe("after", c.After))
}

// Send sends a chat message (WhosOn Message, MiCC SendMessage). Its ack carries the sequence
// number the message got; the message itself also comes back as a [Message] event.
type Send struct {
	inChat
	Text string `json:"text"`
	// HideLocal: a message posted by the host page that the visitor's own view does not show
	// (MiCC postMessage hideLocal).
	HideLocal bool `json:"hide_local,omitempty"`
	// Internal makes an agent's message a whisper, an internal note only agents see: never
	// sent to the visitor, never in the visitor's transcript. Any agent in the chat may write
	// one, observers and supervisors included; visitors may not.
	Internal bool `json:"internal,omitempty"`
}

// CommandType implements [CommandBody].
func (*Send) CommandType() Type { return TypeSend }

// Validate implements [CommandBody].
func (c *Send) Validate() error { return CheckMessage(c.Text, 0) }

// Typing says the sender started (On) or stopped typing (WhosOn StartTyping/StopTyping).
type Typing struct {
	inChat
	On bool `json:"on"`
	// Internal says an agent is writing an internal note: only agents are told.
	Internal bool `json:"internal,omitempty"`
}

// CommandType implements [CommandBody].
func (*Typing) CommandType() Type { return TypeTyping }

// Validate implements [CommandBody].
func (*Typing) Validate() error { return nil }

// Preview carries what the visitor has typed so far, before sending (WhosOn Preview); only the
// agents of the chat see it.
type Preview struct {
	inChat
	Text string `json:"text"`
}

// CommandType implements [CommandBody].
func (*Preview) CommandType() Type { return TypePreview }

// Validate implements [CommandBody].
func (c *Preview) Validate() error { return checkRunes("text", c.Text, limits.PreviewRunes) }

// Close ends the chat (WhosOn Quit, MiCC LeaveChat, an agent's close). An agent names the
// chat's outcome from the tenant's list (0: none); where the tenant requires one, a close
// without it is refused with invalid (field "outcome"). A visitor's close carries none.
type Close struct {
	inChat
	Outcome int64 `json:"outcome,omitempty"`
}

// CommandType implements [CommandBody].
func (*Close) CommandType() Type { return TypeClose }

// Validate implements [CommandBody].
func (c *Close) Validate() error { return validOutcome(c.Outcome) }

// FileSend shares an uploaded file in the chat (WhosOn File, MiCC attachment).
type FileSend struct {
	inChat
	Name        string `json:"name"`
	URL         string `json:"url"`
	Size        int64  `json:"size,omitempty"`
	ContentType string `json:"content_type,omitempty"`
}

// CommandType implements [CommandBody].
func (*FileSend) CommandType() Type { return TypeFileSend }

// Validate implements [CommandBody].
func (c *FileSend) Validate() error {
	return firstErr(required("name", c.Name), checkRunes("name", c.Name, limits.FileNameRunes), required("url", c.URL),
		checkRunes("url", c.URL, limits.URLRunes), checkRunes("content_type", c.ContentType, 255))
}

// FieldSubmit answers an agent's [FieldRequest] (WhosOn DynamicField).
type FieldSubmit struct {
	inChat
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CommandType implements [CommandBody].
func (*FieldSubmit) CommandType() Type { return TypeFieldSubmit }

// Validate implements [CommandBody].
func (c *FieldSubmit) Validate() error {
	return firstErr(required("name", c.Name), checkRunes("name", c.Name, limits.DataKeyRunes), checkRunes("value", c.Value, limits.DataValueRunes))
}

// SurveySubmit sends the post-chat survey answers (WhosOn PostChatSurvey).
type SurveySubmit struct {
	inChat
	Fields map[string]string `json:"fields"`
}

// CommandType implements [CommandBody].
func (*SurveySubmit) CommandType() Type { return TypeSurveySubmit }

// Validate implements [CommandBody].
func (c *SurveySubmit) Validate() error { return checkData("fields", c.Fields) }

// TranscriptRequest asks for the transcript by e-mail (WhosOn Transcript).
type TranscriptRequest struct {
	inChat
	Email string `json:"email"`
}

// CommandType implements [CommandBody].
func (*TranscriptRequest) CommandType() Type { return TypeTranscriptRequest }

// Validate implements [CommandBody].
func (c *TranscriptRequest) Validate() error {
	return firstErr(required("email", c.Email), checkRunes("email", c.Email, limits.EmailRunes))
}

// LeaveMessage leaves a message when no chat could be had (WhosOn LeaveMessage): outside the
// opening hours, or when no agent took the chat. The envelope's chat may name the chat that
// was not accepted. The ack names the stored message ([Ack.Chat]); agents answer it later by
// e-mail or phone, so one of the two is required.
type LeaveMessage struct {
	Name       string `json:"name"`
	Department string `json:"department,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Text       string `json:"text"`
}

// CommandType implements [CommandBody].
func (*LeaveMessage) CommandType() Type { return TypeLeaveMessage }

// Validate implements [CommandBody].
func (c *LeaveMessage) Validate() error {
	return firstErr(required("name", c.Name), checkRunes("name", c.Name, limits.NameRunes),
		checkRunes("department", c.Department, limits.NameRunes), checkRunes("email", c.Email, limits.EmailRunes),
		checkRunes("phone", c.Phone, limits.PhoneRunes), CheckMessage(c.Text, 0), contactable(c.Email, c.Phone))
}

// contactable requires an e-mail address or a phone number to answer a left message by.
func contactable(email, phone string) error {
	if strings.TrimSpace(email) == "" && strings.TrimSpace(phone) == "" {
		return &Error{Code: CodeInvalid, Field: "email", Message: "an e-mail address or a phone number is required"}
	}
	return nil
}

// QueueInfoGet asks whether the connector is open and how long the wait is (MiCC
// GetQueueInfo); answered by [QueueInfo].
type QueueInfoGet struct{}

// CommandType implements [CommandBody].
func (*QueueInfoGet) CommandType() Type { return TypeQueueInfoGet }

// Validate implements [CommandBody].
func (*QueueInfoGet) Validate() error { return nil }

// ChatInfoGet asks for a chat's state and queue position (MiCC GetChatInfo); answered by
// [ChatInfo].
type ChatInfoGet struct{ inChat }

// CommandType implements [CommandBody].
func (*ChatInfoGet) CommandType() Type { return TypeChatInfoGet }

// Validate implements [CommandBody].
func (*ChatInfoGet) Validate() error { return nil }

// OperatorsGet asks for the connector's agents and their availability (WhosOn GetOperators);
// answered by [Operators].
type OperatorsGet struct{}

// CommandType implements [CommandBody].
func (*OperatorsGet) CommandType() Type { return TypeOperatorsGet }

// Validate implements [CommandBody].
func (*OperatorsGet) Validate() error { return nil }

// StatusSet changes the agent's status to one of the tenant's statuses.
type StatusSet struct {
	Status int64 `json:"status"`
}

// CommandType implements [CommandBody].
func (*StatusSet) CommandType() Type { return TypeStatusSet }

// Validate implements [CommandBody].
func (c *StatusSet) Validate() error {
	if c.Status <= 0 {
		return &Error{Code: CodeInvalid, Field: "status", Message: "status is required"}
	}
	return checkSafe("status", uint64(c.Status))
}

// OfferAccept accepts an [Offer]; the agent joins the chat and receives its history.
type OfferAccept struct{ inChat }

// CommandType implements [CommandBody].
func (*OfferAccept) CommandType() Type { return TypeOfferAccept }

// Validate implements [CommandBody].
func (*OfferAccept) Validate() error { return nil }

// OfferDecline declines an [Offer]; the chat goes to another agent.
type OfferDecline struct{ inChat }

// CommandType implements [CommandBody].
func (*OfferDecline) CommandType() Type { return TypeOfferDecline }

// Validate implements [CommandBody].
func (*OfferDecline) Validate() error { return nil }

// FieldAsk asks the visitor of a chat to fill in one field (WhosOn requestfield): the visitor
// gets a [FieldRequest] and answers with [FieldSubmit], which the server checks against the
// field; the answer joins the chat's fields as a [FieldSet].
type FieldAsk struct {
	inChat
	Field SurveyField `json:"field"`
}

// CommandType implements [CommandBody].
func (*FieldAsk) CommandType() Type { return TypeFieldAsk }

// Validate implements [CommandBody]: a usable field name, a known type, a prompt, bounded
// options.
func (c *FieldAsk) Validate() error {
	f := c.Field
	if err := firstErr(required("field.name", f.Name), checkRunes("field.name", f.Name, limits.DataKeyRunes),
		required("field.prompt", f.Prompt), checkRunes("field.prompt", f.Prompt, 200),
		checkRunes("field.mask", f.Mask, 200), checkRunes("field.default", f.Default, limits.DataValueRunes)); err != nil {
		return err
	}
	if !survey.ValidName(f.Name) {
		return &Error{Code: CodeInvalid, Field: "field.name", Message: "a field name starts with a letter and has only letters, digits and _"}
	}
	if !survey.KnownType(f.Type) {
		return &Error{Code: CodeInvalid, Field: "field.type", Message: "field type must be one of " + strings.Join(survey.TypeNames(), ", ")}
	}
	if len(f.Options) > limits.DataEntries {
		return &Error{Code: CodeTooLarge, Field: "field.options", Message: "too many options"}
	}
	for _, o := range f.Options {
		if err := checkRunes("field.options", o, 200); err != nil {
			return err
		}
	}
	if f.Type == survey.TypeSelect && len(f.Options) == 0 {
		return &Error{Code: CodeInvalid, Field: "field.options", Message: "a choice field needs options"}
	}
	return nil
}

// FileAsk asks the visitor of a chat to upload a file (WhosOn requestfile): the chat gets a
// [FileRequest] in its history, which the visitor answers with [FileSend]. Types are file
// extensions ("pdf", ".PDF" and "Pdf" are the same); the server refuses a type the tenant's
// attachment policy refuses, and without types asks for what the policy allows.
type FileAsk struct {
	inChat
	Types []string `json:"types,omitempty"`
}

// CommandType implements [CommandBody].
func (*FileAsk) CommandType() Type { return TypeFileAsk }

// MaxFileAskTypes bounds the extensions one [FileAsk] may list; MaxExtensionRunes bounds one
// extension (without its dot), as the tenant's attachment policy does.
const (
	MaxFileAskTypes   = 20
	MaxExtensionRunes = 16
)

// Validate implements [CommandBody]: at most [MaxFileAskTypes] extensions, each of ASCII
// letters and digits only (one leading dot allowed), at most [MaxExtensionRunes] long.
func (c *FileAsk) Validate() error {
	if len(c.Types) > MaxFileAskTypes {
		return &Error{Code: CodeTooLarge, Field: "types", Message: fmt.Sprintf("at most %d file types may be asked for", MaxFileAskTypes)}
	}
	for _, t := range c.Types {
		if !ValidExtension(t) {
			return &Error{Code: CodeInvalid, Field: "types", Message: fmt.Sprintf("file types are extensions like pdf: letters and digits, at most %d", MaxExtensionRunes)}
		}
	}
	return nil
}

// ValidExtension reports whether s names a file type as [FileAsk] takes it: one optional
// leading dot, then 1 to [MaxExtensionRunes] ASCII letters and digits.
func ValidExtension(s string) bool {
	s = strings.TrimPrefix(s, ".")
	if s == "" || len(s) > MaxExtensionRunes {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// ChatJoin adds the agent to a chat they do not own: as an observer, whom the visitor does not
// see, or as a participant who writes to the visitor too. Supervisors and administrators may
// join any chat of their tenant; an agent already in a chat (invited) switches between the two
// parts with it. The chat's history follows, as after [Resume].
type ChatJoin struct {
	inChat
	As Part `json:"as"`
}

// CommandType implements [CommandBody].
func (*ChatJoin) CommandType() Type { return TypeChatJoin }

// Validate implements [CommandBody].
func (c *ChatJoin) Validate() error {
	switch c.As {
	case PartObserver, PartParticipant:
		return nil
	}
	return &Error{Code: CodeInvalid, Field: "as", Message: "join as \"observer\" or \"participant\""}
}

// ChatLeave takes an agent who joined a chat (not its owner) out of it.
type ChatLeave struct{ inChat }

// CommandType implements [CommandBody].
func (*ChatLeave) CommandType() Type { return TypeChatLeave }

// Validate implements [CommandBody].
func (*ChatLeave) Validate() error { return nil }

// ChatInvite asks another agent of the tenant into the chat, as an observer or a participant
// (Znuny "invite"). The agent gets an [Invitation] and joins by accepting it. Agents who write in
// the chat and supervisors in it may invite.
type ChatInvite struct {
	inChat
	UserID int64 `json:"user_id"`
	As     Part  `json:"as"`
}

// CommandType implements [CommandBody].
func (*ChatInvite) CommandType() Type { return TypeChatInvite }

// Validate implements [CommandBody].
func (c *ChatInvite) Validate() error {
	if c.UserID <= 0 {
		return &Error{Code: CodeInvalid, Field: "user_id", Message: "name the agent to invite"}
	}
	if err := checkSafe("user_id", uint64(c.UserID)); err != nil {
		return err
	}
	return (&ChatJoin{As: c.As}).Validate()
}

// InviteAccept accepts an invitation: the agent joins the chat in the part offered.
type InviteAccept struct{ inChat }

// CommandType implements [CommandBody].
func (*InviteAccept) CommandType() Type { return TypeInviteAccept }

// Validate implements [CommandBody].
func (*InviteAccept) Validate() error { return nil }

// InviteDecline turns an invitation down; the agent who invited is told.
type InviteDecline struct{ inChat }

// CommandType implements [CommandBody].
func (*InviteDecline) CommandType() Type { return TypeInviteDecline }

// Validate implements [CommandBody].
func (*InviteDecline) Validate() error { return nil }
