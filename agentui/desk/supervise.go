package desk

import (
	"sort"
	"strings"
	"time"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
)

// This file is monitoring and supervision on the agent's desk.
//
// Monitoring is Znuny's personal three-way switch of a chat: no monitoring, the visitor's
// activity only, or all actions. It is each agent's own, per chat, as in Znuny: a supervisor
// may follow every action of a chat whose owner only wants to hear of the visitor. It lives in
// the app (the server knows nothing of it) and survives reloads: the app keeps it in the
// browser's local storage with what the agent has read ([Desk.Monitors],
// [Desk.RestoreMonitors]). A monitored chat raises a browser notification ([AlertNotify]) for
// every matching action the agent is not looking at.
//
// Supervision is the live list of every open chat of the tenant that supervisors and
// administrators watch ([Desk.Watch]): from it they open a chat as an observer, whisper to its
// agent with internal notes, or take it over. An agent whose chat is taken over is told, and the
// chat moves to the recently ended ones.

// Monitor is a chat's monitoring setting.
type Monitor int

// The monitoring settings, in the order the switch goes through them.
const (
	// MonitorOff: no notifications beyond the usual ones (Znuny's empty circle).
	MonitorOff Monitor = iota
	// MonitorVisitor: the visitor's activity: their messages, joining and leaving, the chat
	// ending (the empty circle with a tick).
	MonitorVisitor
	// MonitorAll: every action: also the agents' messages and notes, agents joining, leaving
	// and taking over (the filled circle with a tick).
	MonitorAll
)

// Next is the setting the switch goes to from m.
func (m Monitor) Next() Monitor { return (m + 1) % 3 }

// Label says what the setting does, for the switch's label.
func (m Monitor) Label(t catalog.Printer) string {
	switch m {
	case MonitorVisitor:
		return t.T("Monitoring the visitor's activity")
	case MonitorAll:
		return t.T("Monitoring all actions")
	}
	return t.T("Not monitored")
}

// Switch is the switch's accessible name: the setting and that activating it changes it.
func (m Monitor) Switch(t catalog.Printer) string {
	switch m {
	case MonitorVisitor:
		return t.T("Monitoring the visitor's activity. Change monitoring")
	case MonitorAll:
		return t.T("Monitoring all actions. Change monitoring")
	}
	return t.T("Not monitored. Change monitoring")
}

// Hint is the switch's tooltip: the setting, then the one activating it goes to.
func (m Monitor) Hint(t catalog.Printer) string {
	switch m {
	case MonitorVisitor:
		return t.T("Monitoring the visitor's activity; next: monitoring all actions")
	case MonitorAll:
		return t.T("Monitoring all actions; next: not monitored")
	}
	return t.T("Not monitored; next: monitoring the visitor's activity")
}

// String names the setting for CSS classes.
func (m Monitor) String() string {
	switch m {
	case MonitorVisitor:
		return "visitor"
	case MonitorAll:
		return "all"
	}
	return "off"
}

// supervision is the desk's state of this file.
type supervision struct {
	monitors map[string]Monitor
	// watching: the agent asked for the live list; it is asked again after a reconnect.
	watching bool
	loaded   bool
	rows     map[string]protocol.SupervisedChat
	// taking are the chats whose takeover awaits its ack.
	taking map[string]bool
}

// Monitoring returns chat id's monitoring setting.
func (d *Desk) Monitoring(id string) Monitor { return d.sup.monitors[id] }

// SetMonitoring changes chat id's monitoring setting.
func (d *Desk) SetMonitoring(id string, m Monitor) {
	if d.sup.monitors == nil {
		d.sup.monitors = map[string]Monitor{}
	}
	if m == MonitorOff {
		delete(d.sup.monitors, id)
		return
	}
	d.sup.monitors[id] = m
}

// Monitors returns the monitored chats, for the app to keep across reloads: once the server
// has listed the agent's chats, those of chats no longer on the desk are forgotten.
func (d *Desk) Monitors() map[string]Monitor {
	out := map[string]Monitor{}
	for id, m := range d.sup.monitors {
		if !d.SignedIn || d.Chat(id) != nil {
			out[id] = m
		}
	}
	return out
}

// RestoreMonitors takes the monitored chats kept before a reload.
func (d *Desk) RestoreMonitors(ms map[string]Monitor) {
	for id, m := range ms {
		if m > MonitorOff && m <= MonitorAll {
			d.SetMonitoring(id, m)
		}
	}
}

// monitorAlerts are the notifications a monitored chat raises for event ev, which has not been
// applied yet (so that history and repeats are told from new actions).
func (d *Desk) monitorAlerts(ev protocol.Event) []Alert {
	m := d.sup.monitors[ev.Chat]
	c := d.Chat(ev.Chat)
	if m == MonitorOff || c == nil || (d.Focused && d.Selected == c.ID) {
		return nil
	}
	if ev.Seq > 0 && (ev.Seq <= c.LastSeq || ev.Seq <= c.HistoryUntil) {
		return nil // history, or a repeat
	}
	visitor, body := false, ""
	switch b := ev.Body.(type) {
	case *protocol.Message:
		switch {
		case b.Role == protocol.RoleVisitor:
			visitor, body = true, d.nameOr(b.Name)+": "+FileLabel(b.File, b.Text)
		case b.Role == protocol.RoleAgent && !d.mine(b):
			body = b.Name + ": " + FileLabel(b.File, b.Text)
			if b.Internal {
				body = d.Msg.T("{0} (note): {1}", b.Name, b.Text)
			}
		default:
			return nil
		}
	case *protocol.Joined:
		if b.Role == protocol.RoleAgent && b.UserID == d.User.ID {
			return nil
		}
		visitor, body = b.Role == protocol.RoleVisitor, d.Msg.T("{0} joined the chat", d.nameOr(b.Name))
	case *protocol.Left:
		if b.Role == protocol.RoleAgent && b.UserID == d.User.ID {
			return nil
		}
		visitor, body = b.Role == protocol.RoleVisitor, d.Msg.T("{0} left the chat", d.nameOr(b.Name))
	case *protocol.ChatState:
		if b.State != protocol.StateClosed {
			return nil
		}
		visitor, body = true, d.closedText(b.Cause)
	default:
		return nil
	}
	if !visitor && m != MonitorAll {
		return nil
	}
	return []Alert{{Kind: AlertNotify, Chat: c.ID, Tag: "monitor-" + c.ID, Title: d.Msg.T("{0} (monitored)", c.Title()), Body: truncate(body, previewRunes)}}
}

// mine reports whether an agent's message is the agent's own (sent here, or in another window
// under the same name).
func (d *Desk) mine(m *protocol.Message) bool {
	if m.ClientID != "" {
		for _, c := range d.outbox.cmds {
			if c.ID == m.ClientID {
				return true
			}
		}
	}
	return m.Name != "" && m.Name == d.agentName()
}

// MaySupervise reports whether the agent may watch every chat and take chats over: supervisors
// and administrators.
func (d *Desk) MaySupervise() bool {
	switch d.User.Role {
	case "supervisor", "admin", "superadmin":
		return true
	}
	return false
}

// Watch asks for the live list of every open chat; false when the agent may not.
func (d *Desk) Watch() (protocol.Command, bool) {
	if !d.MaySupervise() {
		return protocol.Command{}, false
	}
	d.sup.watching = true
	return d.command("", &protocol.SuperviseWatch{}), true
}

// Unwatch stops the live list.
func (d *Desk) Unwatch() (protocol.Command, bool) {
	if !d.sup.watching {
		return protocol.Command{}, false
	}
	d.sup.watching, d.sup.loaded, d.sup.rows = false, false, nil
	return d.command("", &protocol.SuperviseWatch{Off: true}), true
}

// Watching reports whether the live list is asked for.
func (d *Desk) Watching() bool { return d.sup.watching }

// WatchAgain is the watch to send after agent.ready when the list was open: a new connection
// has no list until it asks.
func (d *Desk) WatchAgain() (protocol.Command, bool) {
	if !d.sup.watching || d.outbox.has(protocol.TypeSuperviseWatch) {
		return protocol.Command{}, false
	}
	d.sup.loaded = false
	return d.command("", &protocol.SuperviseWatch{}), true
}

// StaleWatch stops a list nobody looks at: a watch kept across a reload (with the commands
// awaiting their ack) is sent again after agent.ready, but the view starts closed.
func (d *Desk) StaleWatch() (protocol.Command, bool) {
	if d.sup.watching {
		return protocol.Command{}, false
	}
	stale := false
	for _, c := range d.outbox.all() {
		if w, ok := c.Body.(*protocol.SuperviseWatch); ok && !w.Off {
			d.outbox.done(c.ID)
			stale = true
		}
	}
	if !stale {
		return protocol.Command{}, false
	}
	return d.command("", &protocol.SuperviseWatch{Off: true}), true
}

// SupervisedLoaded reports whether the list has come.
func (d *Desk) SupervisedLoaded() bool { return d.sup.loaded }

// Supervised is the live list: waiting and offered chats first, the longest waiting first, then
// the active ones, the oldest first.
func (d *Desk) Supervised() []protocol.SupervisedChat {
	out := make([]protocol.SupervisedChat, 0, len(d.sup.rows))
	for _, r := range d.sup.rows {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		wi, wj := out[i].Phase != protocol.PhaseActive, out[j].Phase != protocol.PhaseActive
		if wi != wj {
			return wi
		}
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.Before(out[j].Since)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Waited is how long a chat of the list waited for an agent: until it was accepted, or until now.
func Waited(r protocol.SupervisedChat, now time.Time) time.Duration {
	end := now
	if r.Accepted != nil {
		end = *r.Accepted
	}
	if end.Before(r.Since) {
		return 0
	}
	return end.Sub(r.Since)
}

// PhaseText names a chat's phase in the list.
func PhaseText(t catalog.Printer, r protocol.SupervisedChat) string {
	switch r.Phase {
	case protocol.PhaseOffered:
		if strings.TrimSpace(r.OfferedTo) == "" {
			return t.T("Offered to a visitor")
		}
		return t.T("Offered to {0}", r.OfferedTo)
	case protocol.PhaseActive:
		return t.T("Active")
	}
	return t.T("Waiting")
}

// Observe opens a chat of the list as an observer, unseen by the visitor; a chat the agent is
// in already is just shown.
func (d *Desk) Observe(id string) (protocol.Command, bool) {
	if c := d.Chat(id); c != nil && !c.Closed {
		d.Select(id)
		return protocol.Command{}, false
	}
	if _, ok := d.sup.rows[id]; !ok || !d.MaySupervise() {
		return protocol.Command{}, false
	}
	d.accepted[id] = true // shown when it opens
	return d.command(id, &protocol.ChatJoin{As: protocol.PartObserver}), true
}

// MayTakeOver reports whether the agent may take chat id over: a supervisor, in a chat they do
// not own, with no takeover of it on its way.
func (d *Desk) MayTakeOver(id string) bool {
	if !d.MaySupervise() || d.sup.taking[id] {
		return false
	}
	if c := d.Chat(id); c != nil {
		return !c.Closed && c.Part() != protocol.PartOwner
	}
	_, ok := d.sup.rows[id]
	return ok
}

// Taking reports whether a takeover of chat id awaits its answer.
func (d *Desk) Taking(id string) bool { return d.sup.taking[id] }

// TakeOver makes the agent the owner of chat id, from the owner the list or the chat shows
// (none for a waiting chat): if someone else took it meanwhile, the server refuses.
func (d *Desk) TakeOver(id string) (protocol.Command, bool) {
	if !d.MayTakeOver(id) {
		return protocol.Command{}, false
	}
	var owner int64
	if r, ok := d.sup.rows[id]; ok {
		owner = r.Owner
	} else if c := d.Chat(id); c != nil {
		for _, p := range c.Agents {
			if p.As == protocol.PartOwner {
				owner = p.UserID
			}
		}
	}
	if d.sup.taking == nil {
		d.sup.taking = map[string]bool{}
	}
	d.sup.taking[id] = true
	d.accepted[id] = true // shown when it opens
	return d.command(id, &protocol.ChatTakeover{Owner: owner}), true
}

// superviseEvent applies the events of this file.
func (d *Desk) superviseEvent(ev protocol.Event, now time.Time) []Alert {
	switch b := ev.Body.(type) {
	case *protocol.SuperviseList:
		if !d.sup.watching {
			return nil
		}
		d.sup.rows, d.sup.loaded = map[string]protocol.SupervisedChat{}, true
		for _, r := range b.Chats {
			d.sup.rows[r.ID] = r
		}
	case *protocol.SuperviseUpdate:
		if !d.sup.watching || d.sup.rows == nil {
			return nil
		}
		for _, r := range b.Chats {
			d.sup.rows[r.ID] = r
		}
		for _, id := range b.Gone {
			delete(d.sup.rows, id)
		}
	case *protocol.TakenOver:
		c := d.Chat(ev.Chat)
		d.removeOffer(ev.Chat)
		if c == nil || c.Closed {
			return nil
		}
		text := d.Msg.T("{0} took this chat over; it is no longer yours.", d.nameOr(b.By.Name))
		d.endAway(c, text, now)
		c.Agents = nil
		d.Notice = d.Msg.T("{0} took over your chat with {1}.", d.nameOr(b.By.Name), c.Title())
		return []Alert{{Kind: AlertNotify, Chat: c.ID, Tag: "chat-" + c.ID, Title: c.Title(), Body: text}}
	}
	return nil
}

// superviseAnswered settles the answer to a command of this file.
func (d *Desk) superviseAnswered(cmd protocol.Command, e *protocol.Error) {
	switch cmd.Body.(type) {
	case *protocol.ChatTakeover:
		delete(d.sup.taking, cmd.Chat)
		if e != nil {
			delete(d.accepted, cmd.Chat)
			return
		}
		if c := d.Chat(cmd.Chat); c != nil {
			c.As = protocol.PartOwner // the join event may come first; it says the same
			d.Select(cmd.Chat)
		}
	case *protocol.SuperviseWatch:
		if e != nil && strings.TrimSpace(e.Message) != "" {
			d.sup.watching = false
		}
	}
}
