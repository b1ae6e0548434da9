package protocol

import (
	"time"

	"github.com/parleychat/parley/shared/limits"
)

// Proactive chats: an agent sees the visitors on the site now and starts a chat with one.
//
// The loader (widget.js) of a connector with visitor presence switched on keeps a small
// WebSocket of its own, /ws/presence, without loading the chat: it sends the page view and
// heartbeats, and receives an invitation, on which it opens the chat. That socket speaks the
// short frames of [PresenceView] and [PresenceInvite], not the envelope of this protocol, to
// keep the loader small. Agents follow the visitors in [VisitorsOnline] and invite one with
// [VisitorInvite].
const (
	TypeVisitorInvite  Type = "visitor.invite"
	TypeVisitorsOnline Type = "visitors.online"
)

// The causes of a proactive chat's end before the visitor answered.
const (
	CauseDismissed   Cause = "dismissed"    // the visitor dismissed the agent's invitation
	CauseVisitorLeft Cause = "visitor_left" // the visitor left the site before answering the invitation
)

// MaxOnlineVisitors bounds the visitors listed in one [VisitorsOnline].
const MaxOnlineVisitors = 200

// VisitorInvite starts a chat with a visitor on the site (Visitor is their id in
// [VisitorsOnline]), owned by the inviting agent and counted toward their capacity, with the
// agent's first message. It is acked with the new chat's id; the chat opens for the agent as an
// accepted one ([ChatOpened]). A visitor already invited, gone, or of another tenant is refused.
type VisitorInvite struct {
	Visitor string `json:"visitor"`
	Text    string `json:"text"`
}

// CommandType implements [CommandBody].
func (*VisitorInvite) CommandType() Type { return TypeVisitorInvite }

// Validate implements [CommandBody].
func (c *VisitorInvite) Validate() error {
	return firstErr(required("visitor", c.Visitor), checkRunes("visitor", c.Visitor, limits.IDRunes), CheckMessage(c.Text, 0))
}

// VisitorsOnline lists the visitors on the tenant's sites now, whose connectors have visitor
// presence on, newest first, at most [MaxOnlineVisitors]. Sent to agents when they connect and
// whenever the list changes, coalesced (transient: each one replaces the last).
type VisitorsOnline struct {
	Visitors []OnlineVisitor `json:"visitors"`
}

// EventType implements [EventBody].
func (*VisitorsOnline) EventType() Type { return TypeVisitorsOnline }

// OnlineVisitor is one visitor on the site: where they are, where they came from, since when,
// and whether this browser was seen before.
type OnlineVisitor struct {
	ID        string    `json:"id"`
	Connector string    `json:"connector"`
	Page      string    `json:"page"`
	Title     string    `json:"title,omitempty"`
	Referrer  string    `json:"referrer,omitempty"`
	Since     time.Time `json:"since"`
	Returning bool      `json:"returning,omitempty"`
	// Lang is the visitor's language as the loader reported it (the embed's, else the
	// browser's), the language a proactive chat with them is translated from and into.
	Lang string `json:"lang,omitempty"`
	// Chat is the proactive chat the visitor was invited into, while it waits for an answer.
	Chat string `json:"chat,omitempty"`
	// InChat is the proactive chat the visitor answered, while it is open.
	InChat string `json:"in_chat,omitempty"`
}

// PresenceView is what the loader sends on /ws/presence, as JSON with short names: T "view"
// with the connector's hash, the page, its title, the referrer, the loader's visitor id
// (Returning when that id was found in the page's storage, not made now) and the visitor's
// language (the embed's data-lang, else the browser's), which
// a proactive chat with them is translated from and into; T "hb" while the page
// is visible (a heartbeat); T "dismiss" when the visitor closes an invitation unanswered.
type PresenceView struct {
	T         string `json:"t"`
	Connector string `json:"c,omitempty"`
	Page      string `json:"u,omitempty"`
	Title     string `json:"ti,omitempty"`
	Referrer  string `json:"r,omitempty"`
	VisitorID string `json:"v,omitempty"`
	Returning bool   `json:"n,omitempty"`
	Lang      string `json:"l,omitempty"`
}

// PresenceInvite is what the server sends the loader on /ws/presence: T "invite" with the chat
// and its visitor token (the chat frame resumes it), the agent's name and first message (in the
// visitor's language when the chat is translated and the service answered); T "end"
// when the invitation is over before the visitor answered (the agent closed the chat).
type PresenceInvite struct {
	T     string `json:"t"`
	Chat  string `json:"chat,omitempty"`
	Token string `json:"token,omitempty"`
	Name  string `json:"name,omitempty"`
	Text  string `json:"text,omitempty"`
}

// The proactive types join the closed sets here, beside their definitions.
func init() {
	commandTypes[TypeVisitorInvite] = commandSpec{func() CommandBody { return new(VisitorInvite) }, false, true}
	eventTypes[TypeVisitorsOnline] = func() EventBody { return new(VisitorsOnline) }
}
