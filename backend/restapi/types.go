package restapi

import "time"

// The wire types of the REST API: what its JSON looks like. The OpenAPI document's schemas
// are made from these types (openapi.go), so that the document and the answers cannot differ.

// Problem is an error answer (RFC 9457, application/problem+json).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// Code is a stable machine-readable reason (the chat protocol's error codes).
	Code string `json:"code"`
	// Errors name the fields at fault in a request that could not be accepted.
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is what is wrong with one field of a request.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Chat is one chat.
type Chat struct {
	ID           string     `json:"id"`
	State        string     `json:"state"`
	Kind         string     `json:"kind,omitempty"`
	ConnectorID  int64      `json:"connectorId"`
	AgentID      int64      `json:"agentId"`
	VisitorName  string     `json:"visitorName"`
	VisitorEmail string     `json:"visitorEmail"`
	Lang         string     `json:"lang"`
	CreatedAt    time.Time  `json:"createdAt"`
	AcceptedAt   *time.Time `json:"acceptedAt,omitempty"`
	ClosedAt     *time.Time `json:"closedAt,omitempty"`
	CloseCause   string     `json:"closeCause,omitempty"`
	OutcomeID    int64      `json:"outcomeId"`
}

// ChatPage is a page of chats, newest first; Next is the link to the following page, absent
// on the last.
type ChatPage struct {
	Items []Chat `json:"items"`
	Next  string `json:"next,omitempty"`
}

// SearchHit is a message that matched a search, with its chat.
type SearchHit struct {
	Chat     Chat      `json:"chat"`
	Sender   string    `json:"sender"`
	At       time.Time `json:"at"`
	Internal bool      `json:"internal"`
	Snippet  string    `json:"snippet"`
}

// SearchPage is a page of search hits.
type SearchPage struct {
	Items []SearchHit `json:"items"`
	Next  string      `json:"next,omitempty"`
}

// Transcript is a chat's lines as its transcript shows them.
type Transcript struct {
	Chat  Chat   `json:"chat"`
	Lines []Line `json:"lines"`
}

// Line is one line of a transcript.
type Line struct {
	Sender   string    `json:"sender"`
	Role     string    `json:"role"`
	At       time.Time `json:"at"`
	Text     string    `json:"text"`
	System   bool      `json:"system"`
	Internal bool      `json:"internal"`
	// Translation is the line in TranslationLang when the chat translated it; Text is what the
	// sender wrote, in Lang.
	Lang            string `json:"lang,omitempty"`
	Translation     string `json:"translation,omitempty"`
	TranslationLang string `json:"translation_lang,omitempty"`
}

// MessageIn is a message to send into an open chat. ID makes a retry safe: the same id with
// the same text is sent once and answered as the first time (the Idempotency-Key header does
// the same).
type MessageIn struct {
	ID       string `json:"id,omitempty"`
	Text     string `json:"text"`
	Internal bool   `json:"internal,omitempty"`
}

// MessageOut is a sent message's place in its chat.
type MessageOut struct {
	ChatID string `json:"chatId"`
	ID     string `json:"id"`
	Seq    uint64 `json:"seq"`
}

// CloseIn closes a chat, with an outcome of the tenant's list where it asks for one.
type CloseIn struct {
	OutcomeID int64 `json:"outcomeId,omitempty"`
}

// TransferIn hands a chat to an agent, a group or a connector (exactly one of them).
type TransferIn struct {
	ID          string `json:"id,omitempty"`
	UserID      int64  `json:"userId,omitempty"`
	GroupID     int64  `json:"groupId,omitempty"`
	ConnectorID int64  `json:"connectorId,omitempty"`
	Note        string `json:"note,omitempty"`
}

// Done is the answer of a command that has nothing to return.
type Done struct {
	OK bool `json:"ok"`
}

// Contact is a customer's record.
type Contact struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	Phone      string    `json:"phone"`
	Company    string    `json:"company"`
	Notes      string    `json:"notes"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
}

// ContactPage is a page of contacts and how many match.
type ContactPage struct {
	Items []Contact `json:"items"`
	Total int64     `json:"total"`
	Next  string    `json:"next,omitempty"`
}

// ContactEdit changes a contact's fields; a field left out keeps its value.
type ContactEdit struct {
	Name    *string `json:"name,omitempty"`
	Email   *string `json:"email,omitempty"`
	Phone   *string `json:"phone,omitempty"`
	Company *string `json:"company,omitempty"`
	Notes   *string `json:"notes,omitempty"`
}

// Connector is a connector (a chat entry point: widget, WhosOn site, MiCC service).
type Connector struct {
	ID           int64  `json:"id"`
	Hash         string `json:"hash"`
	Name         string `json:"name"`
	Title        string `json:"title"`
	GroupID      int64  `json:"groupId"`
	OutOfService bool   `json:"outOfService"`
}

// User is a user of the tenant.
type User struct {
	ID       int64  `json:"id"`
	Login    string `json:"login"`
	Name     string `json:"name"`
	Nickname string `json:"nickname"`
	Role     string `json:"role"`
	Active   bool   `json:"active"`
	Bot      bool   `json:"bot"`
	StatusID int64  `json:"statusId"`
	MaxChats int    `json:"maxChats"`
}

// Status is an agent status.
type Status struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	AllowsChat bool   `json:"allowsChat"`
}

// ConnectorList is the tenant's connectors.
type ConnectorList struct {
	Items []Connector `json:"items"`
}

// UserList is the tenant's users.
type UserList struct {
	Items []User `json:"items"`
}

// StatusList is the tenant's agent statuses.
type StatusList struct {
	Items []Status `json:"items"`
}

// Report is the summary of the tenant's chats of a date range (package report).
type Report struct {
	From         string  `json:"from"`
	To           string  `json:"to"`
	Requested    int     `json:"requested"`
	Answered     int     `json:"answered"`
	Abandoned    int     `json:"abandoned"`
	Unanswered   int     `json:"unanswered"`
	Missed       int     `json:"missed"`
	LeftMessages int     `json:"leftMessages"`
	InTarget     int     `json:"inTarget"`
	ServiceLevel float64 `json:"serviceLevel"`
	AnswerRate   float64 `json:"answerRate"`
	Wait         Stats   `json:"wait"`
	Handling     Stats   `json:"handling"`
	Agents       []Agent `json:"agents"`
}

// Stats describe durations in seconds.
type Stats struct {
	N   int     `json:"n"`
	Avg float64 `json:"avg"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
}

// Agent is one agent's row of a report.
type Agent struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name"`
	Answered int     `json:"answered"`
	Handling float64 `json:"handling"`
	Rating   float64 `json:"rating"`
}
