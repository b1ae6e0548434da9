package desk

import (
	"sort"
	"strings"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// Apply takes one event from the server, received at now, into the desk. It returns the
// alerts to raise and the commands to send in answer (the resumes after agent.ready and the
// commands to re-send after a reconnect).
func (d *Desk) Apply(ev protocol.Event, now time.Time) ([]Alert, []protocol.Command) {
	monitored := d.monitorAlerts(ev) // before: it tells new actions from history
	if c := d.Chat(ev.Chat); c != nil && ev.Seq > 0 {
		alerts, cmds := d.sequenced(c, ev, now)
		return append(alerts, monitored...), cmds
	}
	alerts, cmds := d.apply(ev, now)
	return append(alerts, monitored...), cmds
}

// applyDurable applies a durable event of a known chat that follows the last one applied.
func (d *Desk) applyDurable(c *Chat, ev protocol.Event, now time.Time) []Alert {
	alerts, _ := d.apply(ev, now)
	c.placeAskLines()
	return alerts
}

// apply is [Desk.Apply] without the bookkeeping common to durable events.
func (d *Desk) apply(ev protocol.Event, now time.Time) ([]Alert, []protocol.Command) {
	switch b := ev.Body.(type) {
	case *protocol.AgentReady:
		return nil, d.ready(b, now)
	case *protocol.Ack:
		return d.ack(ev.ID, b, now), nil
	case *protocol.Error:
		return d.refused(ev.ID, b, now), nil
	case *protocol.AgentStatus:
		d.Status, d.confirmed = b.Status, b.Status
		d.StatusReason = b.Reason
	case *protocol.SettingsChanged:
		if b.Kind == "statuses" && len(b.Statuses) > 0 {
			d.Statuses = b.Statuses
		}
		if b.Kind == "labels" {
			d.Labels.setLists(b.Tags, b.Outcomes, b.OutcomeRequired)
		}
		if b.Kind == "surveys" {
			d.Surveys.set(b.Surveys, b.SurveyLang)
		}
	case *protocol.Offer:
		return d.offer(b, now), nil
	case *protocol.OfferRevoked:
		d.removeOffer(ev.Chat)
	case *protocol.ChatOpened:
		d.opened(b.Chat, now)
	case *protocol.Message:
		return d.message(ev, b, now), nil
	case *protocol.Joined:
		d.joined(ev, b, now)
	case *protocol.Left:
		d.left(ev, b, now)
	case *protocol.Invitation:
		return d.invitation(b, now), nil
	case *protocol.InviteEnded:
		d.inviteEnded(ev.Chat, b)
	case *protocol.SuperviseList, *protocol.SuperviseUpdate, *protocol.TakenOver:
		return d.superviseEvent(ev, now), nil
	case *protocol.Transfer:
		d.transferEvent(ev, b, now)
	case *protocol.ChatTranslation:
		d.translationEvent(ev, b, now)
	case *protocol.ChatRetranslation:
		d.retranslationEvent(ev, b)
	case *protocol.ColleaguesChanged:
		d.colleaguesStale = true
	case *protocol.FieldSet:
		d.fieldSet(ev, b, now)
	case *protocol.FileRequest:
		d.line(ev, Line{Kind: LineEvent, Role: protocol.RoleAgent, Name: b.Name, Text: d.fileAskedText(b)}, now)
	case *protocol.VisitorsOnline:
		d.onlineVisitors(b)
	case *protocol.VisitorPage:
		if c := d.Chat(ev.Chat); c != nil {
			c.Visitor.Page, c.Visitor.Referrer = b.Page, b.Referrer
		}
	case *protocol.LineStatus:
		if c := d.Chat(ev.Chat); c != nil {
			c.lineStatus(b)
		}
	case *protocol.ChatState:
		d.chatState(ev, b, now)
	case *protocol.TypingEvent:
		if c := d.Chat(ev.Chat); c != nil && b.Role == protocol.RoleVisitor {
			c.VisitorTyping = b.On
			if !b.On {
				c.Preview = ""
			}
		} else if c != nil && b.Role == protocol.RoleAgent {
			d.agentTyping(c, b, now)
		}
	case *protocol.PreviewEvent:
		// A preview of the text just sent can arrive after the message itself: it is stale.
		if c := d.Chat(ev.Chat); c != nil && (b.Text == "" || strings.TrimSpace(b.Text) != c.lastVisitorText) {
			c.Preview = b.Text
			c.VisitorTyping = strings.TrimSpace(b.Text) != ""
		}
	case *protocol.Presence:
		if c := d.Chat(ev.Chat); c != nil && b.Role == protocol.RoleVisitor {
			c.VisitorOnline = b.Online
			if b.Online {
				c.WarningUntil = time.Time{}
			} else {
				c.VisitorTyping, c.Preview = false, ""
			}
		}
	case *protocol.Warning:
		if c := d.Chat(ev.Chat); c != nil {
			c.WarningUntil = now.Add(time.Duration(b.Seconds) * time.Second)
		}
	case *protocol.Disconnect:
		if b.Reason != "" {
			d.Notice = b.Reason
		}
	}
	return nil, nil
}

// ready takes the agent's state after (re)connecting: it keeps what the app already shows,
// adds what it does not know, and returns the resumes, of the chats listed and of the open
// chats no longer listed (to learn how they ended), followed by every command still waiting
// for its ack.
func (d *Desk) ready(r *protocol.AgentReady, now time.Time) []protocol.Command {
	d.SignedIn = true
	d.Link = LinkOnline
	d.User = r.User
	d.Statuses = r.Statuses
	d.Labels.setLists(r.Tags, r.Outcomes, r.OutcomeRequired)
	d.Surveys.set(r.Surveys, r.SurveyLang)
	d.confirmed = r.Status
	if !d.outbox.has(protocol.TypeStatusSet) { // a choice on its way stays shown: it is re-sent below
		d.Status = r.Status
	}

	// Offers: the server's list is the truth; keep local receive times for known ones.
	old := map[string]*Offer{}
	for _, o := range d.Offers {
		old[o.Chat] = o
	}
	d.Offers = d.Offers[:0]
	for _, o := range r.Offers {
		no := &Offer{Offer: o, Received: now}
		if prev, ok := old[o.Chat]; ok {
			no.Received, no.Answered = prev.Received, prev.Answered
		}
		d.Offers = append(d.Offers, no)
	}
	d.readyInvites(r.Invitations, now)

	open := map[string]bool{}
	var cmds []protocol.Command
	for _, s := range r.Chats {
		open[s.ID] = true
		c := d.Chat(s.ID)
		if c == nil {
			c = d.addChat(s, now)
		} else {
			c.ChatSummary.State = s.State
			c.Visitor = s.Visitor
			c.As, c.Agents = s.As, s.Agents
		}
		if s.Seq > c.HistoryUntil {
			c.HistoryUntil = s.Seq
		}
		c.unlisted = false
		cmds = append(cmds, d.resume(c))
		if d.accepted[s.ID] {
			// Accepted before the connection dropped, and opened meanwhile.
			delete(d.accepted, s.ID)
			d.Select(s.ID)
		}
	}
	for _, c := range d.Chats {
		if !open[c.ID] && !c.Closed {
			// The chat ended, or went to another agent, while the app was away. Its history
			// after what the app has shows how (the server replays a closed chat to the agent
			// who handled it); a refusal says it is someone else's now (see resumeRefused).
			c.unlisted = true
			c.VisitorTyping, c.Preview = false, ""
			cmds = append(cmds, d.resume(c))
		}
	}
	if d.Selected == "" && len(d.Chats) > 0 {
		d.Select(d.Chats[0].ID)
	}
	return append(cmds, d.outbox.all()...)
}

// addChat puts a chat on the agent's list.
func (d *Desk) addChat(s protocol.ChatSummary, now time.Time) *Chat {
	c := &Chat{msg: &d.Msg, surveys: &d.Surveys, ChatSummary: s, Opened: now, VisitorOnline: true, HistoryUntil: s.Seq, SeenSeq: d.seen[s.ID]}
	c.ChatSummary.Seq = 0
	if !s.CreatedAt.IsZero() && s.CreatedAt.Before(now) {
		c.Opened = s.CreatedAt
	}
	d.Chats = append(d.Chats, c)
	d.pendingLinesFor(c, now)
	d.takeRestored(c)
	return c
}

// opened takes a chat the agent accepted, and shows it when the agent accepted it here or no
// open chat is shown: the agent who just pressed Accept writes to that visitor next.
func (d *Desk) opened(s protocol.ChatSummary, now time.Time) {
	d.removeOffer(s.ID)
	d.removeInvite(s.ID)
	c := d.Chat(s.ID)
	if c == nil {
		c = d.addChat(s, now)
		c.Opened = now
	} else {
		c.ChatSummary.State = s.State
		c.Visitor = s.Visitor
		c.As, c.Agents = s.As, s.Agents
		c.Leaving, c.Switching = false, ""
		c.Closed, c.unlisted = false, false
		c.EndedAt, c.lastShown = time.Time{}, time.Time{}
	}
	// The agent just accepted this chat: what it already holds is read.
	if s.Seq > c.SeenSeq {
		c.SeenSeq = s.Seq
		d.seen[c.ID] = s.Seq
	}
	if d.accepted[c.ID] || d.Selected == "" || d.Current() == nil || d.Current().Closed {
		delete(d.accepted, c.ID)
		d.Select(c.ID)
	}
}

// offer takes a new offer and rings.
func (d *Desk) offer(o *protocol.Offer, now time.Time) []Alert {
	for _, x := range d.Offers {
		if x.Chat == o.Chat {
			x.Offer = *o
			return nil
		}
	}
	d.Offers = append(d.Offers, &Offer{Offer: *o, Received: now})
	d.lastRing = now
	alerts := []Alert{{Kind: AlertOfferSound, Chat: o.Chat}}
	if !d.Focused {
		body := o.Connector
		if q, _ := QuestionShown(*o, d.readLang()); strings.TrimSpace(q) != "" {
			body = truncate(q, previewRunes)
		}
		alerts = append(alerts, Alert{Kind: AlertNotify, Chat: o.Chat, Tag: "offer-" + o.Chat,
			Title: d.Msg.T("Chat request from {0}", d.nameOr(o.Visitor)), Body: body})
	}
	return alerts
}

// nameOr returns name, or "a visitor" when it is blank.
func (d *Desk) nameOr(name string) string {
	if strings.TrimSpace(name) == "" {
		return d.Msg.T("a visitor")
	}
	return name
}

// durable applies the sequence bookkeeping of a durable event and reports whether it is new.
func (d *Desk) durable(c *Chat, seq uint64) bool {
	if seq == 0 {
		return true
	}
	if seq <= c.LastSeq {
		return false
	}
	c.LastSeq = seq
	if d.Selected == c.ID && d.Focused {
		c.SeenSeq = seq
		d.seen[c.ID] = seq
	}
	return true
}

// line appends a notice line to a chat.
func (d *Desk) line(ev protocol.Event, l Line, now time.Time) {
	c := d.Chat(ev.Chat)
	if c == nil || !d.durable(c, ev.Seq) {
		return
	}
	l.Seq = ev.Seq
	if l.At.IsZero() {
		l.At = now
	}
	c.Lines = append(c.Lines, l)
}

// message appends a chat message and decides the alerts.
func (d *Desk) message(ev protocol.Event, m *protocol.Message, now time.Time) []Alert {
	c := d.Chat(ev.Chat)
	if c == nil || !d.durable(c, ev.Seq) {
		return nil
	}
	if m.File != nil {
		m = shownFile(m)
	}
	at := m.At
	if at.IsZero() {
		at = now
	}
	l := Line{Kind: LineMessage, Seq: ev.Seq, Role: m.Role, Name: m.Name, Text: m.Text, At: at, ClientID: m.ClientID, File: m.File, Internal: m.Internal,
		Translation: m.Translation}
	// The agent's own message replaces its pending line; a shared file is also known by its
	// URL, should the server not name the command.
	if m.ClientID != "" || (m.File != nil && m.Role == protocol.RoleAgent) {
		for i, p := range c.Lines {
			if p.Pending && (m.ClientID != "" && p.ClientID == m.ClientID ||
				m.ClientID == "" && m.File != nil && p.File != nil && p.File.URL == m.File.URL) {
				c.Lines = append(c.Lines[:i], c.Lines[i+1:]...)
				break
			}
		}
		if m.ClientID != "" {
			d.outbox.done(m.ClientID)
		}
	}
	c.Lines = insertLine(c.Lines, l)
	switch m.Role {
	case protocol.RoleAgent:
		c.typistSent(m.Name)
		if !m.Internal && at.After(c.LastReply) {
			c.LastReply = at // a note is no reply to the visitor
		}
		if !c.Direct() || m.Name == d.agentName() {
			break
		}
		fallthrough // a colleague writing in a chat with them is read like a visitor
	case protocol.RoleVisitor:
		c.VisitorTyping, c.Preview = false, ""
		c.lastVisitorText = strings.TrimSpace(m.Text)
		if ev.Seq > c.SeenSeq {
			c.Unread++
		}
		if ev.Seq > c.HistoryUntil && !(d.Focused && d.Selected == c.ID) {
			alerts := []Alert{{Kind: AlertMessageSound, Chat: c.ID}}
			if !d.Focused {
				alerts = append(alerts, Alert{Kind: AlertNotify, Chat: c.ID, Tag: "chat-" + c.ID,
					Title: c.Title(), Body: truncate(FileLabel(m.File, d.readText(l)), previewRunes)})
			}
			return alerts
		}
	}
	return nil
}

// insertLine keeps durable lines in sequence order with pending lines at the end.
func insertLine(lines []Line, l Line) []Line {
	i := len(lines)
	for i > 0 && (lines[i-1].Pending || lines[i-1].Failed || (lines[i-1].Seq > l.Seq && l.Seq != 0)) {
		i--
	}
	lines = append(lines, Line{})
	copy(lines[i+1:], lines[i:])
	lines[i] = l
	return lines
}

// fieldSet records fields the visitor filled in: answers to the agent's requests and
// post-chat survey answers (feedback). Each field gets a line in the conversation.
func (d *Desk) fieldSet(ev protocol.Event, f *protocol.FieldSet, now time.Time) {
	c := d.Chat(ev.Chat)
	if c == nil || !d.durable(c, ev.Seq) {
		return
	}
	c.visitorDetails(d.Msg, ev.Seq, f, now)
	if c.Visitor.Fields == nil {
		c.Visitor.Fields = map[string]string{}
	}
	if c.origin == nil {
		c.origin = map[string]FieldOrigin{}
	}
	keys := make([]string, 0, len(f.Fields))
	for k := range f.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := f.Fields[k]
		c.Visitor.Fields[k] = v
		var text string
		switch f.Survey {
		case "post":
			c.origin[k] = FieldFeedback
			label, shown := d.Surveys.Answer(d.Msg, c.ConnectorID, k, v, true)
			text = d.Msg.T("Visitor feedback, {0}: {1}", label, shown)
		case "pre":
			c.origin[k] = FieldPreChat
			label, shown := d.Surveys.Answer(d.Msg, c.ConnectorID, k, v, false)
			text = d.Msg.T("Visitor answered {0}: {1}", label, shown)
		default:
			c.origin[k] = FieldAsked
			label, shown := k, v
			if a := c.answered(k, v, ev.Seq); a != nil {
				label, shown = a.Label(), ShowValue(d.Msg, a.Field, v)
			} else if a := c.asked(k); a != nil {
				label, shown = a.Label(), ShowValue(d.Msg, a.Field, v)
			}
			text = d.Msg.T("Visitor answered {0}: {1}", label, shown)
		}
		c.Lines = append(c.Lines, Line{Kind: LineEvent, Seq: ev.Seq, Text: text, At: now})
	}
}

// chatState records a chat's state change; a closed chat moves to the recently ended ones (see
// [Desk.Expire]).
func (d *Desk) chatState(ev protocol.Event, s *protocol.ChatState, now time.Time) {
	c := d.Chat(ev.Chat)
	if c == nil {
		d.removeOffer(ev.Chat)
		return
	}
	if !d.durable(c, ev.Seq) {
		return
	}
	c.ChatSummary.State = s.State
	at := s.At
	if at.IsZero() {
		at = now
	}
	if s.State == protocol.StateClosed {
		d.removeOffer(c.ID)
		c.Closed, c.Cause, c.EndedAt = true, s.Cause, now
		c.Form = nil
		c.VisitorTyping, c.Preview, c.WarningUntil = false, "", time.Time{}
		c.Lines = append(c.Lines, Line{Kind: LineEvent, Seq: ev.Seq, Text: d.closedText(s.Cause), At: at})
	}
}

// closedText says why a chat ended, for the agent.
func (d *Desk) closedText(c protocol.Cause) string {
	t := d.Msg
	if t := d.proactiveClosedText(c); t != "" {
		return t
	}
	switch c {
	case protocol.CauseVisitor:
		return t.T("The visitor closed the chat")
	case protocol.CauseAgent:
		return t.T("The chat was closed by the agent")
	case protocol.CauseVisitorGone:
		return t.T("The chat ended: the visitor was away too long")
	case protocol.CauseIdle:
		return t.T("The chat ended: the visitor was idle")
	case protocol.CauseOutOfService:
		return t.T("The chat ended: out of service")
	case protocol.CauseNoAgent:
		return t.T("The chat ended: no agent was found")
	case protocol.CauseDeclined:
		return t.T("The colleague declined the chat")
	case protocol.CauseUnanswered:
		return t.T("The colleague did not answer in time")
	}
	return t.T("The chat ended")
}
