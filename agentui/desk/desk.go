package desk

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// Link is the state of the agent's connection as the app shows it.
type Link int

// The link states.
const (
	// LinkOffline: not signed in, or signed out; nothing is connected.
	LinkOffline Link = iota
	// LinkConnecting: the first connection after sign-in or reload is being made.
	LinkConnecting
	// LinkOnline: connected and ready; commands flow.
	LinkOnline
	// LinkReconnecting: the connection dropped; the app retries and will resume every chat.
	LinkReconnecting
)

// String names the link state for CSS classes and logs.
func (l Link) String() string {
	switch l {
	case LinkConnecting:
		return "connecting"
	case LinkOnline:
		return "online"
	case LinkReconnecting:
		return "reconnecting"
	}
	return "offline"
}

// Offer is a chat offered to the agent, with the local time it arrived.
type Offer struct {
	protocol.Offer
	Received time.Time
	// Answered is set when the agent accepted or declined and the ack is awaited, so the
	// buttons are not pressed twice and the ringing stops at once.
	Answered bool
}

// Remaining is the time left to answer at now, never negative.
func (o *Offer) Remaining(now time.Time) time.Duration {
	if d := o.Expires.Sub(now); d > 0 {
		return d
	}
	return 0
}

// Fraction is the share of the answer time that is left at now, from 1 down to 0, for the
// countdown bar.
func (o *Offer) Fraction(now time.Time) float64 {
	total := o.Expires.Sub(o.Received)
	if total <= 0 {
		return 0
	}
	f := float64(o.Remaining(now)) / float64(total)
	if f > 1 {
		f = 1
	}
	return f
}

// LineKind says how a line of the conversation is shown.
type LineKind int

// The kinds of conversation lines.
const (
	// LineMessage is a chat message from the visitor, an agent or the system.
	LineMessage LineKind = iota
	// LineEvent is a notice about the chat: someone joined or left, it closed, a field was set.
	LineEvent
)

// Line is one line of a chat's conversation.
type Line struct {
	Kind LineKind
	Seq  uint64
	Role protocol.Role
	Name string
	Text string
	At   time.Time
	// ClientID is the id of the command that sent an agent's message.
	ClientID string
	// Pending marks an agent's message that is sent but not yet confirmed; Failed one the server
	// refused, with the reason in Error.
	Pending bool
	Failed  bool
	Error   string
	File    *protocol.File
	// Internal marks an internal note: written by an agent for agents, never shown to the
	// visitor.
	Internal bool
	// Delivery is what became of an agent's line on the customer's channel (WhatsApp):
	// protocol.DeliverySent, Delivered, Read or Failed, "" on the website; DeliveryReason
	// says why it failed.
	Delivery       string
	DeliveryReason string
	// Translation is the line in the other side's language, when the chat translated it
	// (translation.go).
	Translation *protocol.Translation
	// Retranslation is a visitor's line in the language of an agent who came into the chat
	// after it was written (chat.retranslation), beside its first Translation.
	Retranslation *protocol.Translation
}

// Chat is one of the agent's chats.
type Chat struct {
	protocol.ChatSummary
	// msg is the desk's printer, so that a chat names its visitor in the agent's language.
	msg *catalog.Printer
	// surveys are the desk's survey fields, so that a chat shows answers in the agent's
	// language (nil for a chat made outside a desk).
	surveys *Surveys
	Lines   []Line
	// LastSeq is the highest durable sequence number applied: resume asks for what follows.
	LastSeq uint64
	// HistoryUntil is the sequence number the chat had when it was opened or resumed: durable
	// events up to it are history and raise no alerts.
	HistoryUntil uint64
	// TemplateNeeded is set when the chat's channel refused free text (WhatsApp's 24-hour
	// window closed): the app offers the connector's approved templates.
	TemplateNeeded bool
	// SeenSeq is the highest sequence number the agent has looked at; visitor messages after it
	// are unread.
	SeenSeq uint64
	// Unread counts visitor messages after SeenSeq.
	Unread int
	// LastReply is when an agent last wrote; Opened when the chat came to this agent.
	LastReply time.Time
	Opened    time.Time
	// VisitorTyping and Preview are the visitor's live typing state and text (sneak peek).
	VisitorTyping bool
	Preview       string
	// VisitorOnline is false while the visitor's connection is away.
	VisitorOnline bool
	// Uploads are the files chosen for this chat that are not yet in it.
	Uploads []*Upload
	// WarningUntil is when the chat will be closed because the visitor is away (zero: none).
	WarningUntil time.Time
	// Closed is set when the chat ended; Cause says why. EndedAt is when the app learnt it:
	// the chat then waits among the recently ended ones until [Desk.Expire] takes it away.
	Closed  bool
	Cause   protocol.Cause
	EndedAt time.Time
	// Draft is what the agent has typed and not sent.
	Draft string
	// Resuming is the id of the resume command in flight for this chat, if any.
	Resuming string
	// held are durable events that came after a gap, in sequence order, waiting for the
	// replay that fills it; retryAt is when to ask again after the server failed a resume;
	// unlisted says the chat was open here but missing from the last agent.ready
	// (sequence.go).
	held     []protocol.Event
	retryAt  time.Time
	unlisted bool
	// Asks are the fields the agent asked the visitor for, oldest first; Form is the open
	// "Ask for…" form (nil: closed).
	Asks []*Ask
	Form *AskForm
	// Note is set while the composer writes internal notes rather than replies (see
	// [Chat.Noting]).
	Note bool
	// Typing are the other agents typing in the chat (see [Chat.ColleaguesTyping]).
	Typing []Typist
	// Invited are the agent's invitations of colleagues that await an answer; InviteForm is
	// the open "Invite a colleague" card (nil: closed).
	Invited    []*SentInvite
	InviteForm *InviteForm
	// Switching is the part asked for until the server confirms; Leaving is set while the
	// agent's leave awaits its ack.
	Switching protocol.Part
	Leaving   bool
	// Transfer is the transfer of the chat under way (nil: none); TransferForm the open
	// "Transfer" card; TransferNotice the outcome of the last transfer that failed.
	Transfer       *Transferring
	TransferForm   *TransferForm
	TransferNotice string

	lastVisitorText string
	origin          map[string]FieldOrigin // how fields other than pre-chat ones came
	lastShown       time.Time              // the last tick at which the ended chat was shown
}

// SinceReply is the time since an agent last replied, or since the chat was opened when
// nobody has replied yet (OneContact's session tab).
func (c *Chat) SinceReply(now time.Time) time.Duration {
	from := c.LastReply
	if from.IsZero() {
		from = c.Opened
	}
	if from.IsZero() || now.Before(from) {
		return 0
	}
	return now.Sub(from)
}

// WaitingForReply reports whether the visitor wrote after the agent's last reply.
func (c *Chat) WaitingForReply() bool {
	for i := len(c.Lines) - 1; i >= 0; i-- {
		l := c.Lines[i]
		if l.Kind != LineMessage || l.Internal {
			continue
		}
		switch l.Role {
		case protocol.RoleVisitor:
			return true
		case protocol.RoleAgent:
			return false
		}
	}
	return false
}

// Title is the visitor's name, or a stand-in when the visitor gave none.
func (c *Chat) Title() string {
	if n := strings.TrimSpace(c.Visitor.Name); n != "" {
		return n
	}
	return c.msgT("Visitor")
}

// msgT translates a message in the desk's language (English for a chat made outside a desk).
func (c *Chat) msgT(msg string, args ...string) string {
	return c.printer().T(msg, args...)
}

// printer speaks the desk's language (English for a chat made outside a desk).
func (c *Chat) printer() catalog.Printer {
	if c.msg == nil {
		return catalog.Printer{}
	}
	return *c.msg
}

// Presence is the availability colour class of the visitor in this chat, after Znuny's
// participant colours: "active" (online), "away" (connection away or about to be closed),
// "inactive" (queued, not yet accepted) and "gone" (closed).
func (c *Chat) Presence() string {
	switch {
	case c.Closed:
		return "gone"
	case c.State == protocol.StateQueued:
		return "inactive"
	case !c.VisitorOnline || !c.WarningUntil.IsZero():
		return "away"
	}
	return "active"
}

// Connector is a connector seen in offers or chats, for the filter.
type Connector struct {
	ID   int64
	Name string
}

// Alert is something the app should do to get the agent's attention.
type Alert struct {
	Kind AlertKind
	// Chat is the chat concerned.
	Chat string
	// Title and Body are for a browser notification; Tag makes a newer notification of the
	// same chat replace the older one instead of stacking.
	Title string
	Body  string
	Tag   string
}

// AlertKind says which alert to raise.
type AlertKind int

// The alert kinds.
const (
	// AlertOfferSound rings for an unanswered offer; it repeats until the offer is answered.
	AlertOfferSound AlertKind = iota + 1
	// AlertMessageSound chimes for a visitor message in a chat the agent is not looking at.
	AlertMessageSound
	// AlertNotify shows a browser notification (only when the app is not in front).
	AlertNotify
)

// OfferRingEvery is how often an unanswered offer rings again.
const OfferRingEvery = 4 * time.Second

// previewRunes bounds the message preview in a notification.
const previewRunes = 120

// Desk is the whole state of the agent app. It is not safe for concurrent use: the UI calls
// it on its one goroutine.
type Desk struct {
	// Msg speaks the agent's language: the texts the desk writes (conversation notices, form
	// errors, notifications) go through it, and the UI reads it to draw in the same language.
	Msg  catalog.Printer
	Link Link
	// SignedIn is true once the server accepted the agent's session.
	SignedIn bool
	User     protocol.User
	Statuses []protocol.Status
	// Status is the agent's status as the app shows it: a change the agent made shows at once,
	// and goes back to the server's (confirmed) should the server refuse it.
	Status    int64
	confirmed int64
	// StatusReason explains a status change the agent did not make (auto-logoff, supervisor).
	StatusReason string
	Offers       []*Offer
	// Labels are the tenant's tags and outcomes and what the agent picked (classify.go).
	Labels Labels
	// Surveys are the tenant's survey fields, by which answers are shown (surveys.go).
	Surveys Surveys
	// Invites are the open invitations into colleagues' chats.
	Invites []*Invite
	Chats   []*Chat
	// Colleagues are the tenant's agents for the invitation picker, once loaded;
	// ColleaguesState is "", "loading", "ready" or why they could not be had.
	Colleagues      []Colleague
	ColleaguesState string
	// Targets are the tenant's groups and connectors for the transfer card, once loaded;
	// TargetsState is "", "loading", "ready" or why they could not be had.
	Targets      api.TransferTargets
	TargetsState string
	// DirectForm is the open card for a first message to a colleague (direct.go).
	DirectForm *DirectForm
	// Proactive is the visitors on the site now and the invitation being written (proactive.go).
	Proactive Proactive
	// Selected is the chat shown in the chat pane.
	Selected string
	// Filter narrows offers and chats to one connector; zero shows all.
	Filter int64
	// Focused is true while the app's window is visible and has the focus.
	Focused bool
	// Notice is a message for the agent (a refused command, a disconnect reason).
	Notice string

	outbox   outbox
	nextID   func() string
	accepted map[string]bool // offers the agent accepted here whose chat is not yet open
	lastRing time.Time
	seen     map[string]uint64
	restored map[string][]Ask      // requests kept across a reload, for chats not yet known
	typing   map[string]*typingOut // the agent's own typing per chat (team.go)
	sup      supervision           // monitoring and the supervisors' list (supervise.go)
	logs     []string              // diagnostics for the browser's console, taken by Logs
	// lastActivity is when the agent's activity was last reported; colleaguesStale and
	// colleaguesAt say when the colleagues panel is due to be read again (direct.go).
	lastActivity    time.Time
	colleaguesStale bool
	colleaguesAt    time.Time
}

// New returns an empty desk. nextID makes command ids; they must be unique across reloads
// (the app uses random ids), so that the server applies a retried command once.
func New(nextID func() string) *Desk {
	return &Desk{nextID: nextID, seen: map[string]uint64{}, accepted: map[string]bool{}, Focused: true}
}

// Chat returns the chat with id, or nil.
func (d *Desk) Chat(id string) *Chat {
	for _, c := range d.Chats {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// Current returns the selected chat, or nil.
func (d *Desk) Current() *Chat { return d.Chat(d.Selected) }

// CurrentStatus returns the agent's status, or a zero Status when it is unknown.
func (d *Desk) CurrentStatus() protocol.Status {
	for _, s := range d.Statuses {
		if s.ID == d.Status {
			return s
		}
	}
	return protocol.Status{}
}

// ReceivesOffers reports whether the agent's status allows chat, so that offers come.
func (d *Desk) ReceivesOffers() bool { return d.CurrentStatus().AllowsChat }

// VisibleOffers are the offers that pass the connector filter, oldest first.
func (d *Desk) VisibleOffers() []*Offer {
	out := make([]*Offer, 0, len(d.Offers))
	for _, o := range d.Offers {
		if d.Filter == 0 || o.ConnectorID == d.Filter {
			out = append(out, o)
		}
	}
	return out
}

// OfferAnnouncement is what a screen reader announces of the chat requests: the newest
// unanswered visible request ("Chat request from Vera"), or "" when there is none. It changes
// only when a newer request comes (the countdown is not in it), so a live region holding it
// speaks once per request.
func (d *Desk) OfferAnnouncement() string {
	var newest *Offer
	for _, o := range d.VisibleOffers() {
		if !o.Answered && (newest == nil || o.Received.After(newest.Received)) {
			newest = o
		}
	}
	if newest == nil {
		return ""
	}
	return d.Msg.T("Chat request from {0}", d.nameOr(newest.Visitor))
}

// VisibleChats are the open chats that pass the connector filter, in the order they came
// ("My chats").
func (d *Desk) VisibleChats() []*Chat {
	out := make([]*Chat, 0, len(d.Chats))
	for _, c := range d.Chats {
		if !c.Closed && (d.Filter == 0 || c.ConnectorID == d.Filter || c.Direct()) {
			out = append(out, c)
		}
	}
	return out
}

// VisibleEnded are the recently ended chats that pass the connector filter, the last to end
// first. They stay readable for a while and leave by themselves (see [Desk.Expire]), so that
// "My chats" holds only the chats that still need the agent.
func (d *Desk) VisibleEnded() []*Chat {
	var out []*Chat
	for _, c := range d.Chats {
		if c.Closed && (d.Filter == 0 || c.ConnectorID == d.Filter || c.Direct()) {
			out = append(out, c)
		}
	}
	lastEndedFirst(out)
	return out
}

// lastEndedFirst orders ended chats by when they ended, the last first, keeping the list's
// order among those that ended together (an insertion sort: the lists are short).
func lastEndedFirst(cs []*Chat) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].EndedAt.After(cs[j-1].EndedAt); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// How long ended chats stay on the list, and how many at most.
const (
	// EndedKeep is how long an ended chat stays after it ended, or after the agent last had
	// it open, whichever is later.
	EndedKeep = 10 * time.Minute
	// EndedMax is how many ended chats stay at most; older ones leave at once.
	EndedMax = 5
)

// Expire takes off the list, at now, the ended chats the agent no longer needs, and returns
// them so that the app forgets what it keeps for them: those ended more than [EndedKeep]
// ago (or last shown that long ago) unless visitor messages in them are unread, and those
// beyond the newest [EndedMax]. The chat on screen always stays. The app calls it on its clock
// tick.
func (d *Desk) Expire(now time.Time) []*Chat {
	var ended []*Chat
	for _, c := range d.Chats {
		if c.Closed {
			if c.EndedAt.IsZero() {
				c.EndedAt = now
			}
			ended = append(ended, c)
		}
	}
	if len(ended) == 0 {
		return nil
	}
	lastEndedFirst(ended)
	var gone []*Chat
	for i, c := range ended {
		if c.ID == d.Selected {
			c.lastShown = now
			continue
		}
		since := c.EndedAt
		if c.lastShown.After(since) {
			since = c.lastShown
		}
		if i >= EndedMax || (c.Unread == 0 && now.Sub(since) >= EndedKeep) {
			gone = append(gone, c)
		}
	}
	for _, c := range gone {
		d.remove(c.ID)
	}
	return gone
}

// Connectors lists the connectors of the current offers and chats, sorted by name.
func (d *Desk) Connectors() []Connector {
	seen := map[int64]string{}
	for _, o := range d.Offers {
		seen[o.ConnectorID] = o.Connector
	}
	for _, c := range d.Chats {
		if !c.Direct() { // a chat with a colleague came through no connector
			seen[c.ConnectorID] = c.Connector
		}
	}
	if d.Filter != 0 {
		if _, ok := seen[d.Filter]; !ok {
			seen[d.Filter] = "#" + strconv.FormatInt(d.Filter, 10)
		}
	}
	out := make([]Connector, 0, len(seen))
	for id, name := range seen {
		out = append(out, Connector{ID: id, Name: name})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// TotalUnread is the sum of unread visitor messages over all chats.
func (d *Desk) TotalUnread() int {
	n := 0
	for _, c := range d.Chats {
		n += c.Unread
	}
	return n
}

// PendingOffers counts offers not yet answered.
func (d *Desk) PendingOffers() int {
	n := 0
	for _, o := range d.Offers {
		if !o.Answered {
			n++
		}
	}
	return n
}

// Title is the browser tab's title: "*" when something needs the agent (OneContact), the
// unread count in parentheses, then the app's name.
func (d *Desk) Title(app string) string {
	unread, offers, invites := d.TotalUnread(), d.PendingOffers(), d.PendingInvites()
	var b strings.Builder
	if unread > 0 || offers > 0 || invites > 0 {
		b.WriteString("* ")
	}
	if unread > 0 {
		b.WriteString("(" + strconv.Itoa(unread) + ") ")
	}
	if offers > 0 {
		b.WriteString(d.Msg.N("{0} offer", "{0} offers", offers) + " · ")
	}
	if invites > 0 {
		b.WriteString(d.Msg.N("{0} invitation", "{0} invitations", invites) + " · ")
	}
	b.WriteString(app)
	return b.String()
}

// Select shows chat id in the chat pane; when the app is in front its messages count as read.
func (d *Desk) Select(id string) {
	if d.Chat(id) == nil {
		return
	}
	d.Selected = id
	d.markSeen()
}

// SetFocused records whether the app is in front; coming to the front marks the shown chat
// as read.
func (d *Desk) SetFocused(focused bool) {
	d.Focused = focused
	d.markSeen()
}

// SetFilter narrows the lists to one connector (zero: all). The selection stays.
func (d *Desk) SetFilter(connector int64) { d.Filter = connector }

// markSeen marks the shown chat read when the agent can see it.
func (d *Desk) markSeen() {
	c := d.Current()
	if c == nil || !d.Focused {
		return
	}
	if c.LastSeq > c.SeenSeq {
		c.SeenSeq = c.LastSeq
	}
	c.Unread = 0
	d.seen[c.ID] = c.SeenSeq
}

// Seen returns what the agent has read per chat, for the app to keep across reloads.
func (d *Desk) Seen() map[string]uint64 {
	out := make(map[string]uint64, len(d.Chats))
	for _, c := range d.Chats {
		if c.SeenSeq > 0 {
			out[c.ID] = c.SeenSeq
		}
	}
	return out
}

// RestoreSeen restores what the agent had read before a reload, so unread counts survive it.
func (d *Desk) RestoreSeen(seen map[string]uint64) {
	for id, seq := range seen {
		if seq > d.seen[id] {
			d.seen[id] = seq
		}
	}
}

// Dismiss removes a closed chat from the list at once; the pane then shows the first open
// chat, if any.
func (d *Desk) Dismiss(id string) {
	c := d.Chat(id)
	if c == nil || !c.Closed {
		return
	}
	d.remove(id)
	if d.Selected == id {
		d.Selected = ""
		if open := d.VisibleChats(); len(open) > 0 {
			d.Select(open[0].ID)
		}
	}
}

// remove drops chat id from the list and forgets what the agent read in it.
func (d *Desk) remove(id string) {
	for i, x := range d.Chats {
		if x.ID == id {
			d.Chats = append(d.Chats[:i], d.Chats[i+1:]...)
			break
		}
	}
	delete(d.seen, id)
}

// Reset forgets everything, as after signing out.
func (d *Desk) Reset() {
	*d = Desk{nextID: d.nextID, seen: map[string]uint64{}, accepted: map[string]bool{}, Focused: d.Focused}
}

// SetDraft keeps what the agent typed in chat id.
func (d *Desk) SetDraft(id, text string) {
	if c := d.Chat(id); c != nil {
		c.Draft = text
	}
}

// removeOffer drops the offer for chat id, reporting whether there was one.
func (d *Desk) removeOffer(chat string) bool {
	for i, o := range d.Offers {
		if o.Chat == chat {
			d.Offers = append(d.Offers[:i], d.Offers[i+1:]...)
			return true
		}
	}
	return false
}

// Tick advances the clock: expired offers and invitations go, colleagues' typing that was not
// heard of again ends, and the ring repeats while offers wait.
func (d *Desk) Tick(now time.Time) []Alert {
	kept := d.Offers[:0]
	for _, o := range d.Offers {
		// A short grace period lets the server's revocation arrive first.
		if !o.Expires.IsZero() && now.After(o.Expires.Add(2*time.Second)) {
			continue
		}
		kept = append(kept, o)
	}
	for i := len(kept); i < len(d.Offers); i++ {
		d.Offers[i] = nil
	}
	d.Offers = kept
	d.expireInvites(now)
	d.expireTypists(now)
	if d.PendingOffers() > 0 && now.Sub(d.lastRing) >= OfferRingEvery {
		d.lastRing = now
		return []Alert{{Kind: AlertOfferSound}}
	}
	return nil
}

// truncate shortens s to n characters for a notification.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
