package desk

import (
	"github.com/parleychat/parley/agentui/catalog"

	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// This file is the agent's side of proactive chats: the visitors on the site now, as the
// server pushes them, and inviting one into a chat with a first message. The chat the server
// starts opens like an accepted one; the visitor's answer, dismissal or leaving shows in it.

// Proactive is what the desk knows of the visitors online and of the invitation being written.
type Proactive struct {
	// Visitors are the visitors on the tenant's sites now, newest first, as last pushed.
	Visitors []protocol.OnlineVisitor
	// Form is the invitation being written, nil when none is open.
	Form *VisitorForm
	// sending maps the visitor.invite commands in flight to their visitor.
	sending map[string]string
}

// VisitorForm is the invitation card of one visitor online: the first message and why it could
// not be sent.
type VisitorForm struct {
	Visitor string
	Text    string
	Error   string
}

// DefaultInviteText is the first message proposed for an invitation, in the agent's language.
func DefaultInviteText(t catalog.Printer) string { return t.T("Hello! Can I help you?") }

// onlineVisitors takes the server's new list.
func (d *Desk) onlineVisitors(b *protocol.VisitorsOnline) {
	d.Proactive.Visitors = b.Visitors
}

// OnlineVisitor returns the visitor online with id, or nil.
func (d *Desk) OnlineVisitor(id string) *protocol.OnlineVisitor {
	for i := range d.Proactive.Visitors {
		if d.Proactive.Visitors[i].ID == id {
			return &d.Proactive.Visitors[i]
		}
	}
	return nil
}

// OpenVisitorForm opens the invitation card for a visitor online, with the proposed text.
func (d *Desk) OpenVisitorForm(id string) {
	if d.OnlineVisitor(id) == nil {
		return
	}
	d.Proactive.Form = &VisitorForm{Visitor: id, Text: DefaultInviteText(d.Msg)}
}

// CloseVisitorForm closes the invitation card.
func (d *Desk) CloseVisitorForm() { d.Proactive.Form = nil }

// EditVisitorForm keeps what the agent typed.
func (d *Desk) EditVisitorForm(text string) {
	if f := d.Proactive.Form; f != nil {
		f.Text, f.Error = text, ""
	}
}

// InviteVisitor sends the invitation of the open card: the server starts the chat with the
// first message, which opens here. An empty message, a visitor gone or invited already keep the
// card open with the reason.
func (d *Desk) InviteVisitor() (protocol.Command, bool) {
	f := d.Proactive.Form
	if f == nil {
		return protocol.Command{}, false
	}
	v := d.OnlineVisitor(f.Visitor)
	switch {
	case strings.TrimSpace(f.Text) == "":
		f.Error = d.Msg.T("Write the first message.")
		return protocol.Command{}, false
	case v == nil:
		f.Error = d.Msg.T("The visitor has left the site.")
		return protocol.Command{}, false
	case v.InChat != "":
		f.Error = d.Msg.T("The visitor is in a chat already.")
		return protocol.Command{}, false
	case v.Chat != "":
		f.Error = d.Msg.T("The visitor has been invited already.")
		return protocol.Command{}, false
	}
	cmd := d.command("", &protocol.VisitorInvite{Visitor: f.Visitor, Text: strings.TrimSpace(f.Text)})
	if d.Proactive.sending == nil {
		d.Proactive.sending = map[string]string{}
	}
	d.Proactive.sending[cmd.ID] = f.Visitor
	d.Proactive.Form = nil
	return cmd, true
}

// Sending reports whether an invitation of the visitor is on its way.
func (d *Desk) Sending(visitor string) bool {
	for _, v := range d.Proactive.sending {
		if v == visitor {
			return true
		}
	}
	return false
}

// proactiveAcked shows the chat the invitation started.
func (d *Desk) proactiveAcked(cmd protocol.Command, a *protocol.Ack) {
	delete(d.Proactive.sending, cmd.ID)
	if a != nil && a.Chat != "" {
		d.Select(a.Chat)
	}
}

// proactiveRefused forgets a refused invitation; the server's reason becomes the notice.
func (d *Desk) proactiveRefused(cmd protocol.Command) {
	delete(d.Proactive.sending, cmd.ID)
}

// TimeOnSite says how long a visitor has been on the site, for the list ("on site for 4 min").
func TimeOnSite(t catalog.Printer, since, now time.Time) string {
	d := now.Sub(since)
	switch {
	case since.IsZero() || d < time.Minute:
		return t.T("on site since just now")
	case d < time.Hour:
		return t.T("on site for {0} min", strconv.Itoa(int(d/time.Minute)))
	}
	return t.T("on site for {0} h {1} min", strconv.Itoa(int(d/time.Hour)), strconv.Itoa(int(d%time.Hour/time.Minute)))
}

// proactiveClosedText says why a proactive chat ended before the visitor answered; "" for
// other causes.
func (d *Desk) proactiveClosedText(c protocol.Cause) string {
	switch c {
	case protocol.CauseDismissed:
		return d.Msg.T("The visitor dismissed the invitation")
	case protocol.CauseVisitorLeft:
		return d.Msg.T("The visitor left the site without answering")
	}
	return ""
}
