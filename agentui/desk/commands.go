package desk

import (
	"strings"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// outbox keeps the commands sent and not yet acknowledged, in the order they were made, so
// that after a reconnect they are sent again with the same ids and the server applies each
// once.
type outbox struct {
	cmds []protocol.Command
}

// add records a command.
func (o *outbox) add(c protocol.Command) { o.cmds = append(o.cmds, c) }

// done forgets the command with id and returns it.
func (o *outbox) done(id string) (protocol.Command, bool) {
	for i, c := range o.cmds {
		if c.ID == id {
			o.cmds = append(o.cmds[:i], o.cmds[i+1:]...)
			return c, true
		}
	}
	return protocol.Command{}, false
}

// has reports whether a command of type t waits for its ack.
func (o *outbox) has(t protocol.Type) bool {
	for _, c := range o.cmds {
		if c.Body.CommandType() == t {
			return true
		}
	}
	return false
}

// all returns the waiting commands, oldest first.
func (o *outbox) all() []protocol.Command {
	return append([]protocol.Command(nil), o.cmds...)
}

// Unacked returns the commands still waiting for their ack, oldest first, for the app to keep
// across a reload.
func (d *Desk) Unacked() []protocol.Command { return d.outbox.all() }

// RestoreUnacked puts back commands kept across a reload; they are re-sent after agent.ready.
// Messages among them show again as pending lines once their chat is known.
func (d *Desk) RestoreUnacked(cmds []protocol.Command) {
	for _, c := range cmds {
		d.outbox.done(c.ID) // keep one copy of a command restored twice
		d.outbox.add(c)
		if _, ok := c.Body.(*protocol.OfferAccept); ok {
			d.accepted[c.Chat] = true
		}
	}
}

// pendingLinesFor adds the pending lines of restored messages to a chat that just appeared.
func (d *Desk) pendingLinesFor(c *Chat, now time.Time) {
	for _, cmd := range d.outbox.cmds {
		var text string
		var file *protocol.File
		internal := false
		switch b := cmd.Body.(type) {
		case *protocol.Send:
			text, internal = b.Text, b.Internal
		case *protocol.FileSend:
			file = &protocol.File{Name: b.Name, URL: b.URL, Size: b.Size, ContentType: b.ContentType}
		default:
			continue
		}
		if cmd.Chat != c.ID {
			continue
		}
		exists := false
		for _, l := range c.Lines {
			if l.ClientID == cmd.ID {
				exists = true
				break
			}
		}
		if !exists {
			c.Lines = append(c.Lines, Line{Kind: LineMessage, Role: protocol.RoleAgent, Name: d.agentName(), Text: text, File: file, At: now, ClientID: cmd.ID, Pending: true, Internal: internal})
		}
	}
}

// agentName is the name the agent's own lines show.
func (d *Desk) agentName() string {
	if d.User.Nickname != "" {
		return d.User.Nickname
	}
	return d.User.Name
}

// command makes a command with a fresh id and records it until its ack.
func (d *Desk) command(chat string, body protocol.CommandBody) protocol.Command {
	c := protocol.Command{ID: d.nextID(), Chat: chat, Body: body}
	d.outbox.add(c)
	return c
}

// Connect is the first command of every connection. It is not kept in the outbox: each
// connection sends its own.
func (d *Desk) Connect(token string) protocol.Command {
	return protocol.Command{ID: d.nextID(), Body: &protocol.AgentConnect{Token: token}}
}

// Ping keeps the connection alive; it is not kept in the outbox either.
func (d *Desk) Ping() protocol.Command {
	return protocol.Command{ID: d.nextID(), Body: &protocol.Ping{}}
}

// Send sends text in chat id: the line shows at once as pending, the command waits for its
// ack. While the chat's composer writes notes (see [Chat.Noting]) it is an internal note,
// which only agents see. It returns an error with the reason when the text may not be sent.
func (d *Desk) Send(id, text string, now time.Time) (protocol.Command, error) {
	c := d.Chat(id)
	if c == nil {
		return protocol.Command{}, protocol.Errorf(protocol.CodeNotFound, "this chat is not open")
	}
	if c.Closed {
		return protocol.Command{}, protocol.Errorf(protocol.CodeConflict, "this chat has ended")
	}
	text = strings.TrimRight(text, " \t\r\n")
	if err := protocol.CheckMessage(text, 0); err != nil {
		return protocol.Command{}, err
	}
	note := c.Noting()
	cmd := d.command(id, &protocol.Send{Text: text, Internal: note})
	c.Lines = append(c.Lines, Line{Kind: LineMessage, Role: protocol.RoleAgent, Name: d.agentName(), Text: text, At: now, ClientID: cmd.ID, Pending: true, Internal: note})
	c.Draft = ""
	if !note {
		c.LastReply = now
	}
	d.sentMessage(id)
	return cmd, nil
}

// SetStatus asks for a status change; the desk shows it at once.
func (d *Desk) SetStatus(status int64) protocol.Command {
	d.Status = status
	d.StatusReason = ""
	return d.command("", &protocol.StatusSet{Status: status})
}

// Accept accepts the offer for chat id; once the chat opens, it is the one shown.
func (d *Desk) Accept(id string) (protocol.Command, bool) {
	cmd, ok := d.answer(id, &protocol.OfferAccept{})
	if ok {
		d.accepted[id] = true
	}
	return cmd, ok
}

// Decline declines the offer for chat id.
func (d *Desk) Decline(id string) (protocol.Command, bool) {
	return d.answer(id, &protocol.OfferDecline{})
}

// answer marks an offer answered and makes the command, unless it was answered already.
func (d *Desk) answer(id string, body protocol.CommandBody) (protocol.Command, bool) {
	for _, o := range d.Offers {
		if o.Chat == id && !o.Answered {
			o.Answered = true
			return d.command(id, body), true
		}
	}
	return protocol.Command{}, false
}

// Close ends chat id; the server sends the connector's bye text to the visitor.
func (d *Desk) Close(id string) (protocol.Command, bool) {
	c := d.Chat(id)
	if c == nil || c.Closed || !d.Labels.CanClose(id) {
		return protocol.Command{}, false
	}
	return d.command(id, &protocol.Close{Outcome: d.Labels.Outcome(id)}), true
}

// ack settles the command id, and returns the alerts of events a resume's ack releases.
func (d *Desk) ack(id string, a *protocol.Ack, now time.Time) []Alert {
	cmd, ok := d.outbox.done(id)
	if !ok {
		if c := d.resuming(id); c != nil {
			return d.resumed(c, a.Seq, now)
		}
		return nil
	}
	// A sent message stays pending until its message event, which carries its sequence
	// number and time; a declined offer goes now.
	switch b := cmd.Body.(type) {
	case *protocol.OfferDecline:
		d.removeOffer(cmd.Chat)
	case *protocol.FieldAsk:
		d.askAcked(cmd, b, now)
	case *protocol.FileAsk:
		d.fileAskAcked(cmd)
	case *protocol.InviteAccept, *protocol.InviteDecline, *protocol.ChatInvite, *protocol.ChatJoin, *protocol.ChatLeave:
		d.teamAcked(cmd)
	case *protocol.ChatTakeover, *protocol.SuperviseWatch:
		d.superviseAnswered(cmd, nil)
	case *protocol.ChatTransfer, *protocol.TransferCancel:
		d.transferAcked(cmd)
	case *protocol.DirectStart:
		d.directAcked(id, a)
	case *protocol.VisitorInvite:
		d.proactiveAcked(cmd, a)
	case *protocol.FileSend:
		// The ack says the file is in the chat. Its message event came first (events keep their
		// order); should it have matched nothing, the pending line must not wait forever.
		if c := d.Chat(cmd.Chat); c != nil {
			for i := range c.Lines {
				if c.Lines[i].ClientID == id && c.Lines[i].Pending {
					if a.Seq > 0 && a.Seq <= c.LastSeq {
						c.Lines = append(c.Lines[:i], c.Lines[i+1:]...)
					}
					break
				}
			}
		}
	}
	return nil
}

// refused settles a command the server answered with an error, and returns the alerts of
// events a refused resume releases.
func (d *Desk) refused(id string, e *protocol.Error, now time.Time) []Alert {
	cmd, ok := d.outbox.done(id)
	if !ok {
		if c := d.resuming(id); c != nil {
			return d.resumeRefused(c, e, now)
		}
		if e.Message != "" {
			d.Notice = e.Message
		}
		return nil
	}
	switch cmd.Body.(type) {
	case *protocol.Send, *protocol.FileSend:
		reason := e.Message
		if e.Code == protocol.CodeWindowClosed {
			reason = d.Msg.T("The customer last wrote on WhatsApp more than 24 hours ago, so free text cannot reach them. Send an approved template instead: /template name parameter | parameter")
		}
		if c := d.Chat(cmd.Chat); c != nil {
			if e.Code == protocol.CodeWindowClosed {
				c.TemplateNeeded = true
			}
			for i := range c.Lines {
				if c.Lines[i].ClientID == id {
					c.Lines[i].Pending, c.Lines[i].Failed, c.Lines[i].Error = false, true, reason
				}
			}
		}
		return nil
	case *protocol.OfferAccept, *protocol.OfferDecline:
		// The offer is gone (taken, expired): drop it.
		d.removeOffer(cmd.Chat)
		delete(d.accepted, cmd.Chat)
	case *protocol.StatusSet:
		// The status stays what the server has, unless another change is on its way.
		if !d.outbox.has(protocol.TypeStatusSet) {
			d.Status = d.confirmed
		}
	case *protocol.FieldAsk:
		if d.askRefused(cmd, e) {
			return nil // the reason shows in the form
		}
	case *protocol.FileAsk:
		if d.fileAskRefused(cmd, e) {
			return nil // the reason shows in the form
		}
	case *protocol.ChatTakeover, *protocol.SuperviseWatch:
		d.superviseAnswered(cmd, e)
	case *protocol.ChatTransfer:
		d.transferRefused(cmd, e)
		return nil // the reason shows in the card
	case *protocol.DirectStart:
		if d.directRefused(id, e) {
			return nil // the reason shows in the card
		}
	case *protocol.VisitorInvite:
		d.proactiveRefused(cmd)
	default:
		d.teamRefused(cmd)
	}
	d.Notice = e.Message
	return nil
}

// ReplaceText fills the placeholders of a canned response for chat id (see [Fill]).
func (d *Desk) ReplaceText(id, text string) string {
	visitor := ""
	if c := d.Chat(id); c != nil {
		visitor = c.Visitor.Name
	}
	return Fill(text, visitor, d.agentName())
}

// Fill fills the placeholders of a canned response: "$visitor" with the visitor's name (or
// "there" when unknown) and "$agent" with the agent's nickname (jtel's placeholder), so one
// text fits every chat.
func Fill(text, visitor, agent string) string {
	if strings.TrimSpace(visitor) == "" {
		visitor = "there"
	}
	text = strings.ReplaceAll(text, "$visitor", visitor)
	return strings.ReplaceAll(text, "$agent", agent)
}
