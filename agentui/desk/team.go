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

// This file is the agents' side of working on a chat together: each agent's part in a chat
// (owner, participant, observer, supervisor) and who else is in it, internal notes that only
// agents see, who else is typing (so that two agents do not answer the visitor at once),
// invitations into chats, sent and received, and switching parts or leaving a chat.

// Part returns the agent's own part in the chat: the owner when the server named none.
func (c *Chat) Part() protocol.Part {
	if c.As == "" {
		return protocol.PartOwner
	}
	return c.As
}

// Writes reports whether the agent may write to the visitor in this chat (owner or
// participant); observers and supervisors read along and write notes only.
func (c *Chat) Writes() bool { return c.Part().Visible() }

// Noting reports whether the composer writes an internal note: the agent chose so, or their
// part allows nothing else.
func (c *Chat) Noting() bool { return c.Note || !c.Writes() }

// PartLabel says in a word what the agent does in a chat they do not own ("Observing"), for
// the chat's header and tab; the owner's chats need no label.
func PartLabel(t catalog.Printer, p protocol.Part) string {
	switch p {
	case protocol.PartObserver:
		return t.T("Observing")
	case protocol.PartParticipant:
		return t.T("Participating")
	case protocol.PartSupervisor:
		return t.T("Supervising")
	}
	return ""
}

// PartName names a part for people ("observer").
func PartName(t catalog.Printer, p protocol.Part) string {
	switch p {
	case "", protocol.PartOwner:
		return t.T("owner")
	case protocol.PartObserver:
		return t.T("observer")
	case protocol.PartParticipant:
		return t.T("participant")
	case protocol.PartSupervisor:
		return t.T("supervisor")
	}
	return string(p)
}

// Colleagues are the other agents in the chat with their parts, the owner first, then by name.
func (c *Chat) Colleagues(me int64) []protocol.Participant {
	var out []protocol.Participant
	for _, p := range c.Agents {
		if p.UserID != me {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		oi, oj := out[i].As == protocol.PartOwner || out[i].As == "", out[j].As == protocol.PartOwner || out[j].As == ""
		if oi != oj {
			return oi
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// putAgent records an agent in the chat in their part, once.
func (c *Chat) putAgent(p protocol.Participant) {
	for i := range c.Agents {
		if c.Agents[i].UserID == p.UserID {
			c.Agents[i] = p
			return
		}
	}
	c.Agents = append(c.Agents, p)
}

// dropAgent forgets an agent who left the chat, and their typing.
func (c *Chat) dropAgent(uid int64) {
	for i := range c.Agents {
		if c.Agents[i].UserID == uid {
			c.Agents = append(c.Agents[:i], c.Agents[i+1:]...)
			break
		}
	}
	c.dropTypist(uid)
}

// partText is how a join names a part, after the agent's name.
func partText(t catalog.Printer, p protocol.Part) string {
	switch p {
	case protocol.PartObserver:
		return t.T(" as an observer (the visitor does not see this)")
	case protocol.PartParticipant:
		return t.T(" as a participant")
	case protocol.PartSupervisor:
		return t.T(" as a supervisor (the visitor does not see this)")
	}
	return ""
}

// joined records someone joining a chat: an agent goes on the chat's list of agents, the
// agent's own part follows their joins (switching parts is a leave and a join), and an
// invitation the newcomer accepted is settled.
func (d *Desk) joined(ev protocol.Event, b *protocol.Joined, now time.Time) {
	c := d.Chat(ev.Chat)
	if c == nil {
		return
	}
	name, text := b.Name, d.Msg.T("{0} joined the chat", b.Name)
	if b.Role == protocol.RoleAgent && b.UserID != 0 {
		as := b.As
		if as == "" {
			as = protocol.PartOwner
		}
		text += partText(d.Msg, as)
		if b.UserID == d.User.ID && d.User.ID != 0 {
			text = d.Msg.T("You joined the chat") + partText(d.Msg, as)
			if ev.Seq == 0 || ev.Seq > c.LastSeq {
				c.As = as
				c.Switching = ""
			}
		}
		if ev.Seq == 0 || ev.Seq > c.LastSeq {
			c.putAgent(protocol.Participant{UserID: b.UserID, Name: b.Name, As: as})
			c.dropSent(b.UserID)
		}
	}
	d.line(ev, Line{Kind: LineEvent, Role: b.Role, Name: name, Text: text}, now)
}

// left records someone leaving a chat.
func (d *Desk) left(ev protocol.Event, b *protocol.Left, now time.Time) {
	c := d.Chat(ev.Chat)
	if c == nil {
		return
	}
	text := d.Msg.T("{0} left the chat", b.Name)
	if b.Role == protocol.RoleAgent && b.UserID != 0 {
		switch b.As {
		case protocol.PartObserver:
			text = d.Msg.T("{0} left the chat (observer)", b.Name)
		case protocol.PartSupervisor:
			text = d.Msg.T("{0} left the chat (supervisor)", b.Name)
		}
		if b.UserID == d.User.ID && d.User.ID != 0 {
			text = d.Msg.T("You left the chat")
		}
		if ev.Seq == 0 || ev.Seq > c.LastSeq {
			c.dropAgent(b.UserID)
		}
	}
	d.line(ev, Line{Kind: LineEvent, Role: b.Role, Name: b.Name, Text: text}, now)
}

// Typist is another agent typing in a chat, and whether it is an internal note.
type Typist struct {
	UserID int64
	Name   string
	Note   bool
	// Since is when the app last heard of it: a typing that is not heard of again within
	// [TypistStale] has ended unseen (the colleague's connection went).
	Since time.Time
}

// How typing is kept alive: typing is transient, and a colleague whose connection went never
// says that they stopped.
const (
	// TypistStale is how long another agent counts as typing without news of it.
	TypistStale = 25 * time.Second
	// TypingRefresh is how often the app says again that the agent is typing while they go on,
	// well within TypistStale.
	TypingRefresh = 10 * time.Second
	// TypingIdle is how long after the last keystroke the agent stops counting as typing.
	TypingIdle = 4 * time.Second
)

// agentTyping records another agent's typing in a chat.
func (d *Desk) agentTyping(c *Chat, b *protocol.TypingEvent, now time.Time) {
	if b.UserID == 0 || b.UserID == d.User.ID {
		return
	}
	if !b.On {
		c.dropTypist(b.UserID)
		return
	}
	name := b.Name
	if name == "" {
		name = d.Msg.T("A colleague")
	}
	for i := range c.Typing {
		if c.Typing[i].UserID == b.UserID {
			c.Typing[i] = Typist{UserID: b.UserID, Name: name, Note: b.Internal, Since: now}
			return
		}
	}
	c.Typing = append(c.Typing, Typist{UserID: b.UserID, Name: name, Note: b.Internal, Since: now})
	sort.SliceStable(c.Typing, func(i, j int) bool { return c.Typing[i].Name < c.Typing[j].Name })
}

// dropTypist forgets that an agent is typing.
func (c *Chat) dropTypist(uid int64) {
	for i := range c.Typing {
		if c.Typing[i].UserID == uid {
			c.Typing = append(c.Typing[:i], c.Typing[i+1:]...)
			return
		}
	}
}

// typistSent forgets the typing of the agent named name once their message arrived (a message
// ends typing without a word of its own).
func (c *Chat) typistSent(name string) {
	for i := range c.Typing {
		if c.Typing[i].Name == name {
			c.Typing = append(c.Typing[:i], c.Typing[i+1:]...)
			return
		}
	}
}

// ColleaguesTyping says who else is writing in the chat, "Ben is typing a reply…", or "" when
// nobody is. Replies come first: they are what two agents must not do at once. Collision
// reports whether someone else is writing to the visitor while this agent does too.
func (c *Chat) ColleaguesTyping() (text string, replying bool) {
	t := c.printer()
	var replies, notes []string
	for _, t := range c.Typing {
		if t.Note {
			notes = append(notes, t.Name)
		} else {
			replies = append(replies, t.Name)
		}
	}
	var parts []string
	if len(replies) > 0 {
		if len(replies) == 1 {
			parts = append(parts, t.T("{0} is typing a reply to the visitor", replies[0]))
		} else {
			parts = append(parts, t.T("{0} are typing a reply to the visitor", joinNames(t, replies)))
		}
	}
	switch len(notes) {
	case 0:
	case 1:
		parts = append(parts, t.T("{0} is typing an internal note", notes[0]))
	default:
		parts = append(parts, t.T("{0} are typing internal notes", joinNames(t, notes)))
	}
	if len(parts) == 0 {
		return "", false
	}
	return strings.Join(parts, "; ") + "…", len(replies) > 0
}

// joinNames lists names as people write them: "Ben", "Ben and Carla", "Ben, Carla and Dora".
func joinNames(t catalog.Printer, names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return t.T("{0} and {1}", strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}

// expireTypists forgets typing not heard of for [TypistStale].
func (d *Desk) expireTypists(now time.Time) {
	for _, c := range d.Chats {
		kept := c.Typing[:0]
		for _, t := range c.Typing {
			if now.Sub(t.Since) < TypistStale {
				kept = append(kept, t)
			}
		}
		c.Typing = kept
	}
}

// typingOut is what the agent's own typing told the chat: when it was last said, the last
// keystroke, and whether it was about a note.
type typingOut struct {
	said, last time.Time
	note       bool
}

// Typed takes a change of the composer's text in chat id at now and returns the typing
// commands to send: typing on when the agent starts (and again every [TypingRefresh] while
// they go on), off when the text is emptied. While the composer writes a note, typing is sent
// as internal, which only agents are told of; when the agent switches between note and reply
// mid-text, the old typing is ended and the new one begun, so that the visitor never hears of
// a note. Typing is transient: its commands are not kept for a retry.
func (d *Desk) Typed(id, text string, now time.Time) []protocol.Command {
	c := d.Chat(id)
	if c == nil || c.Closed {
		return nil
	}
	if strings.TrimSpace(text) == "" {
		return d.StopTyping(id)
	}
	if d.typing == nil {
		d.typing = map[string]*typingOut{}
	}
	note := c.Noting()
	t := d.typing[id]
	var cmds []protocol.Command
	if t != nil && t.note != note {
		cmds = append(cmds, d.typingCmd(id, false, t.note))
		t = nil
	}
	if t == nil {
		t = &typingOut{note: note}
		d.typing[id] = t
	}
	t.last = now
	if t.said.IsZero() || now.Sub(t.said) >= TypingRefresh {
		t.said = now
		cmds = append(cmds, d.typingCmd(id, true, note))
	}
	return cmds
}

// StopTyping ends the agent's typing in chat id, if it was on.
func (d *Desk) StopTyping(id string) []protocol.Command {
	t := d.typing[id]
	if t == nil {
		return nil
	}
	delete(d.typing, id)
	return []protocol.Command{d.typingCmd(id, false, t.note)}
}

// TypingIdle ends, at now, the typing of chats where the agent has not typed for
// [TypingIdle]; the app calls it on its clock tick.
func (d *Desk) TypingIdle(now time.Time) []protocol.Command {
	var ids []string
	for id, t := range d.typing {
		if now.Sub(t.last) > TypingIdle {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var cmds []protocol.Command
	for _, id := range ids {
		cmds = append(cmds, d.StopTyping(id)...)
	}
	return cmds
}

// sentMessage forgets the typing of chat id without a word: a sent message ends it on every
// side.
func (d *Desk) sentMessage(id string) { delete(d.typing, id) }

// typingCmd makes a typing command.
func (d *Desk) typingCmd(id string, on, note bool) protocol.Command {
	return protocol.Command{ID: d.nextID(), Chat: id, Body: &protocol.Typing{On: on, Internal: note}}
}

// SetNote switches chat id's composer between a reply to the visitor and an internal note,
// and returns the typing commands the switch needs (see [Desk.Typed]) for the text draft. An
// agent who may not write to the visitor stays on notes.
func (d *Desk) SetNote(id string, note bool, draft string, now time.Time) []protocol.Command {
	c := d.Chat(id)
	if c == nil {
		return nil
	}
	c.Note = note
	if d.typing[id] == nil {
		return nil
	}
	return d.Typed(id, draft, now)
}

// Invite is an invitation into another agent's chat, with the local time it arrived.
type Invite struct {
	protocol.Invitation
	Received time.Time
	// Answered is set while the agent's answer waits for its ack.
	Answered bool
}

// ChatID is the chat the invitation is into.
func (i *Invite) ChatID() string { return i.Chat.ID }

// Remaining is the time left to answer at now, never negative.
func (i *Invite) Remaining(now time.Time) time.Duration {
	if d := i.Expires.Sub(now); d > 0 {
		return d
	}
	return 0
}

// Fraction is the share of the answer time left at now, from 1 down to 0.
func (i *Invite) Fraction(now time.Time) float64 {
	total := i.Expires.Sub(i.Received)
	if total <= 0 {
		return 0
	}
	return min(float64(i.Remaining(now))/float64(total), 1)
}

// Invitation returns the open invitation into chat id, or nil.
func (d *Desk) Invitation(chat string) *Invite {
	for _, i := range d.Invites {
		if i.Chat.ID == chat {
			return i
		}
	}
	return nil
}

// invitation takes an invitation into another agent's chat and rings once.
func (d *Desk) invitation(b *protocol.Invitation, now time.Time) []Alert {
	if i := d.Invitation(b.Chat.ID); i != nil {
		i.Invitation, i.Answered = *b, false
		return nil
	}
	d.Invites = append(d.Invites, &Invite{Invitation: *b, Received: now})
	alerts := []Alert{{Kind: AlertOfferSound, Chat: b.Chat.ID}}
	if !d.Focused {
		alerts = append(alerts, Alert{Kind: AlertNotify, Chat: b.Chat.ID, Tag: "invite-" + b.Chat.ID,
			Title: d.Msg.T("{0} invites you to a chat", d.nameOr(b.From.Name)),
			Body:  d.Msg.T("With {0}, as {1}", d.nameOr(b.Chat.Visitor.Name), PartName(d.Msg, b.As))})
	}
	return alerts
}

// removeInvite drops the invitation into chat, reporting whether there was one.
func (d *Desk) removeInvite(chat string) bool {
	for i, x := range d.Invites {
		if x.Chat.ID == chat {
			d.Invites = append(d.Invites[:i], d.Invites[i+1:]...)
			return true
		}
	}
	return false
}

// readyInvites takes the open invitations agent.ready lists, keeping local receive times.
func (d *Desk) readyInvites(list []protocol.Invitation, now time.Time) {
	old := map[string]*Invite{}
	for _, i := range d.Invites {
		old[i.Chat.ID] = i
	}
	d.Invites = nil
	for _, inv := range list {
		ni := &Invite{Invitation: inv, Received: now}
		if prev := old[inv.Chat.ID]; prev != nil {
			ni.Received, ni.Answered = prev.Received, prev.Answered
		}
		d.Invites = append(d.Invites, ni)
	}
}

// inviteEnded settles an invitation that is over: the agent's own (it went) or one the agent
// sent (the colleague declined or did not answer).
func (d *Desk) inviteEnded(chat string, b *protocol.InviteEnded) {
	if b.UserID == d.User.ID {
		d.removeInvite(chat)
		return
	}
	c := d.Chat(chat)
	if c == nil || c.Direct() { // a request for a chat between agents: the chat itself says how it went
		return
	}
	name := d.Msg.T("Your colleague")
	if s := c.sent(b.UserID); s != nil {
		name = s.Name
	}
	c.dropSent(b.UserID)
	switch b.Reason {
	case "declined":
		d.Notice = d.Msg.T("{0} declined your invitation to the chat with {1}.", name, c.Title())
	case "expired":
		d.Notice = d.Msg.T("{0} did not answer your invitation to the chat with {1} in time.", name, c.Title())
	case "closed":
		d.Notice = d.Msg.T("Your invitation of {0} ended: the chat with {1} closed.", name, c.Title())
	case "accepted":
		d.Notice = d.Msg.T("{0} accepted your invitation to the chat with {1}.", name, c.Title())
	}
}

// AcceptInvite accepts the invitation into chat; once the chat opens, it is the one shown.
func (d *Desk) AcceptInvite(chat string) (protocol.Command, bool) {
	cmd, ok := d.answerInvite(chat, &protocol.InviteAccept{})
	if ok {
		d.accepted[chat] = true
	}
	return cmd, ok
}

// DeclineInvite turns the invitation into chat down; the colleague who invited is told.
func (d *Desk) DeclineInvite(chat string) (protocol.Command, bool) {
	return d.answerInvite(chat, &protocol.InviteDecline{})
}

// answerInvite marks an invitation answered and makes the command, unless it was answered.
func (d *Desk) answerInvite(chat string, body protocol.CommandBody) (protocol.Command, bool) {
	i := d.Invitation(chat)
	if i == nil || i.Answered {
		return protocol.Command{}, false
	}
	i.Answered = true
	return d.command(chat, body), true
}

// PendingInvites counts the invitations not yet answered.
func (d *Desk) PendingInvites() int {
	n := 0
	for _, i := range d.Invites {
		if !i.Answered {
			n++
		}
	}
	return n
}

// expireInvites drops invitations past their time, after a grace period for the server's
// word.
func (d *Desk) expireInvites(now time.Time) {
	kept := d.Invites[:0]
	for _, i := range d.Invites {
		if i.Expires.IsZero() || !now.After(i.Expires.Add(2*time.Second)) {
			kept = append(kept, i)
		}
	}
	for i := len(kept); i < len(d.Invites); i++ {
		d.Invites[i] = nil
	}
	d.Invites = kept
}

// Colleague is another agent of the tenant as the invitation picker lists them, from
// [ColleaguesPath].
type Colleague = api.Colleague

// ColleaguesPath is the agent API's list of the tenant's agents with their presence.
const ColleaguesPath = api.ColleaguesPath

// InviteChoice is a colleague in the invitation picker, with why they cannot be picked.
type InviteChoice struct {
	Colleague
	// Why is set when the colleague cannot be invited: offline, in the chat, invited already.
	Why string
	// Detail is the colleague's status and load, in the agent's language.
	Detail string
}

// Label is the choice as the picker shows it: name, status and load, or why not.
func (c InviteChoice) Label() string {
	var b strings.Builder
	b.WriteString(c.Name)
	switch {
	case c.Why != "":
		b.WriteString(" — " + c.Why)
	case c.Detail != "":
		b.WriteString(" — " + c.Detail)
	}
	return b.String()
}

// InviteChoices lists the colleagues for the picker of chat id: everyone but the agent, those
// who can be invited first (by name), then the rest with the reason.
func (d *Desk) InviteChoices(id string) []InviteChoice {
	c := d.Chat(id)
	var out []InviteChoice
	for _, col := range d.Colleagues {
		if col.ID == d.User.ID {
			continue
		}
		ch := InviteChoice{Colleague: col}
		switch {
		case c != nil && c.has(col.ID):
			ch.Why = d.Msg.T("in this chat")
		case c != nil && c.sent(col.ID) != nil:
			ch.Why = d.Msg.T("invited")
		case !col.Online:
			ch.Why = d.Msg.T("offline")
		case col.Status != "" && col.MaxChats > 0:
			ch.Detail = d.Msg.T("{0}, {1}/{2} chats", col.Status, strconv.Itoa(col.Chats), strconv.Itoa(col.MaxChats))
		case col.MaxChats > 0:
			ch.Detail = d.Msg.T("{0}/{1} chats", strconv.Itoa(col.Chats), strconv.Itoa(col.MaxChats))
		default:
			ch.Detail = col.Status
		}
		out = append(out, ch)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].Why == "") != (out[j].Why == "") {
			return out[i].Why == ""
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out
}

// has reports whether agent uid is in the chat.
func (c *Chat) has(uid int64) bool {
	for _, p := range c.Agents {
		if p.UserID == uid {
			return true
		}
	}
	return false
}

// SetColleagues takes the list of the tenant's agents (nil and a message when it could not be
// had).
func (d *Desk) SetColleagues(list []Colleague, problem string) {
	if problem != "" {
		d.ColleaguesState = problem
		return
	}
	d.Colleagues, d.ColleaguesState = list, "ready"
}

// supervises reports whether the agent's role may steer any chat of the tenant.
func (d *Desk) supervises() bool {
	switch d.User.Role {
	case "supervisor", "admin", "superadmin":
		return true
	}
	return false
}

// MayInvite reports whether the agent may invite colleagues into chat c: those who write to
// the visitor, and supervisors in the chat, while it is open.
func (d *Desk) MayInvite(c *Chat) bool {
	return c != nil && !c.Closed && (c.Writes() || d.supervises())
}

// SentInvite is an invitation the agent sent, until the colleague answers.
type SentInvite struct {
	UserID int64
	Name   string
	As     protocol.Part
	// Acked is set once the server passed it on; cmd is the command's id until then.
	Acked bool
	cmd   string
}

// sent returns the agent's invitation of uid into the chat, or nil.
func (c *Chat) sent(uid int64) *SentInvite {
	for _, s := range c.Invited {
		if s.UserID == uid {
			return s
		}
	}
	return nil
}

// dropSent forgets the agent's invitation of uid.
func (c *Chat) dropSent(uid int64) {
	for i, s := range c.Invited {
		if s.UserID == uid {
			c.Invited = append(c.Invited[:i], c.Invited[i+1:]...)
			return
		}
	}
}

// InviteForm is the open "Invite a colleague" card of a chat: whom, in which part.
type InviteForm struct {
	Who int64
	As  protocol.Part
	// Error says why the invitation cannot go (nobody chosen).
	Error string
}

// OpenInvite opens the chat's invitation card, or closes it when it is open, and reports
// whether it is open now. It opens with an observer's part: reading along is the lesser step.
func (d *Desk) OpenInvite(id string) bool {
	c := d.Chat(id)
	if c == nil || !d.MayInvite(c) {
		return false
	}
	if c.InviteForm != nil {
		c.InviteForm = nil
		return false
	}
	c.InviteForm = &InviteForm{As: protocol.PartObserver}
	return true
}

// CloseInvite closes the chat's invitation card.
func (d *Desk) CloseInvite(id string) {
	if c := d.Chat(id); c != nil {
		c.InviteForm = nil
	}
}

// Invite asks colleague who into chat id in part as; the card closes and the invitation shows
// as sent until the colleague answers. With nobody to invite the card says so.
func (d *Desk) Invite(id string, who int64, as protocol.Part) (protocol.Command, bool) {
	c := d.Chat(id)
	if c == nil || !d.MayInvite(c) {
		return protocol.Command{}, false
	}
	var col *InviteChoice
	for _, ch := range d.InviteChoices(id) {
		if ch.ID == who {
			col = &ch
			break
		}
	}
	if col == nil || col.Why != "" {
		if c.InviteForm == nil {
			c.InviteForm = &InviteForm{As: as}
		}
		c.InviteForm.Who, c.InviteForm.As = who, as
		c.InviteForm.Error = d.Msg.T("Choose a colleague who is online.")
		return protocol.Command{}, false
	}
	if as != protocol.PartParticipant {
		as = protocol.PartObserver
	}
	cmd := d.command(id, &protocol.ChatInvite{UserID: who, As: as})
	c.Invited = append(c.Invited, &SentInvite{UserID: who, Name: col.Name, As: as, cmd: cmd.ID})
	c.InviteForm = nil
	return cmd, true
}

// Join switches the agent's part in chat id (observer or participant); the chat's join
// and leave events show the new part.
func (d *Desk) Join(id string, as protocol.Part) (protocol.Command, bool) {
	c := d.Chat(id)
	if c == nil || c.Closed || c.Part() == protocol.PartOwner || c.Part() == as || c.Switching != "" || c.Leaving {
		return protocol.Command{}, false
	}
	c.Switching = as
	return d.command(id, &protocol.ChatJoin{As: as}), true
}

// Leave takes the agent out of chat id, which they joined but do not own; the chat leaves
// the list once the server confirms. The app ends the agent's typing first.
func (d *Desk) Leave(id string) (protocol.Command, bool) {
	c := d.Chat(id)
	if c == nil || c.Closed || c.Part() == protocol.PartOwner || c.Leaving {
		return protocol.Command{}, false
	}
	c.Leaving = true
	return d.command(id, &protocol.ChatLeave{}), true
}

// teamAcked settles the acks of the commands of this file.
func (d *Desk) teamAcked(cmd protocol.Command) {
	c := d.Chat(cmd.Chat)
	switch b := cmd.Body.(type) {
	case *protocol.InviteAccept, *protocol.InviteDecline:
		d.removeInvite(cmd.Chat)
	case *protocol.ChatInvite:
		if c != nil {
			if s := c.sent(b.UserID); s != nil {
				s.Acked = true
			}
		}
	case *protocol.ChatJoin:
		if c != nil && c.Switching == b.As {
			c.Switching = ""
			c.As = b.As // the join event may have come first; it says the same
		}
	case *protocol.ChatLeave:
		if c != nil {
			d.remove(cmd.Chat)
			if d.Selected == cmd.Chat {
				d.Selected = ""
				if open := d.VisibleChats(); len(open) > 0 {
					d.Select(open[0].ID)
				}
			}
		}
	}
}

// teamRefused settles refusals of the commands of this file; the server's reason becomes the
// desk's notice.
func (d *Desk) teamRefused(cmd protocol.Command) {
	c := d.Chat(cmd.Chat)
	switch b := cmd.Body.(type) {
	case *protocol.InviteAccept, *protocol.InviteDecline:
		d.removeInvite(cmd.Chat)
		delete(d.accepted, cmd.Chat)
	case *protocol.ChatInvite:
		if c != nil {
			c.dropSent(b.UserID)
		}
	case *protocol.ChatJoin:
		if c != nil {
			c.Switching = ""
		}
	case *protocol.ChatLeave:
		if c != nil {
			c.Leaving = false
		}
	}
}

// EditInvite keeps what the agent chose in the chat's invitation card.
func (d *Desk) EditInvite(id string, who int64, as protocol.Part) {
	if c := d.Chat(id); c != nil && c.InviteForm != nil {
		c.InviteForm.Who, c.InviteForm.As, c.InviteForm.Error = who, as, ""
	}
}
