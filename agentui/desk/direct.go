package desk

import (
	"sort"
	"strings"
	"time"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
)

// This file is the agent's side of chatting with colleagues (Znuny "agent to agent"): the
// colleagues panel lists the tenant's agents with their availability colour and a chat
// button; the first message goes out as a request the colleague accepts (an invitation card),
// after which the chat is one of the agent's chats like any other. It also reports the agent's
// activity, by which colleagues tell active from away.

// ActivityEvery is how often, at most, the app tells the server the agent is at it. It is
// well under the shortest idle threshold a tenant may set (10 s), so that an agent at work
// never shows as away.
const ActivityEvery = 5 * time.Second

// ColleaguesEvery is how often a colleagues panel that is shown is read again: going away
// after the idle threshold is not announced by the server.
const ColleaguesEvery = 10 * time.Second

// Direct reports whether the chat is with a colleague rather than a visitor.
func (c *Chat) Direct() bool { return c.Kind == protocol.KindDirect }

// AvailabilityLabel names an availability for people, so that the colour is never the only
// sign of it.
func AvailabilityLabel(t catalog.Printer, a protocol.Availability) string {
	switch a {
	case protocol.AvailActive:
		return t.T("Active")
	case protocol.AvailAway:
		return t.T("Away")
	case protocol.AvailInactive:
		return t.T("Inactive")
	case protocol.AvailUnavailable:
		return t.T("Unavailable")
	}
	return t.T("Signed out")
}

// availabilityRank orders the panel: the reachable first.
func availabilityRank(a protocol.Availability) int {
	switch a {
	case protocol.AvailActive:
		return 0
	case protocol.AvailAway:
		return 1
	case protocol.AvailUnavailable:
		return 2
	case protocol.AvailInactive:
		return 3
	}
	return 4
}

// DirectContact is a colleague as the colleagues panel lists them.
type DirectContact struct {
	Colleague
	// Availability is never empty (an old server's list reads as online or signed out).
	Availability protocol.Availability
	// CanChat says the chat button works: the colleague's app is connected.
	CanChat bool
	// Chat is the open chat with them, if any: the button goes there.
	Chat string
}

// DirectContacts lists the colleagues for the panel, the reachable first, then by name.
func (d *Desk) DirectContacts() []DirectContact {
	out := make([]DirectContact, 0, len(d.Colleagues))
	for _, c := range d.Colleagues {
		av := c.Availability
		if av == "" {
			av = protocol.AvailSignedOut
			if c.Online {
				av = protocol.AvailActive
			}
		}
		dc := DirectContact{Colleague: c, Availability: av,
			CanChat: av == protocol.AvailActive || av == protocol.AvailAway || av == protocol.AvailUnavailable}
		if ch := d.directChatWith(c); ch != nil {
			dc.Chat = ch.ID
		}
		out = append(out, dc)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := availabilityRank(out[i].Availability), availabilityRank(out[j].Availability)
		if ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// directChatWith is the open chat with colleague c, if any.
func (d *Desk) directChatWith(c Colleague) *Chat {
	for _, ch := range d.Chats {
		if ch.Direct() && !ch.Closed && (ch.has(c.ID) || ch.Visitor.Name == c.Name) {
			return ch
		}
	}
	return nil
}

// DirectForm is the open "Message to a colleague" card.
type DirectForm struct {
	UserID int64
	Name   string
	Text   string
	// Sending is the id of the request in flight; Error why the last one was refused.
	Sending string
	Error   string
}

// OpenDirect opens the card for a first message to colleague uid, or shows the open chat
// with them; it returns the chat to show ("" when the card opened).
func (d *Desk) OpenDirect(uid int64) string {
	for _, c := range d.DirectContacts() {
		if c.ID != uid {
			continue
		}
		if c.Chat != "" {
			d.DirectForm = nil
			d.Select(c.Chat)
			return c.Chat
		}
		if d.DirectForm == nil || d.DirectForm.UserID != uid {
			d.DirectForm = &DirectForm{UserID: uid, Name: c.Name}
		}
		return ""
	}
	return ""
}

// CloseDirect closes the card.
func (d *Desk) CloseDirect() { d.DirectForm = nil }

// StartDirect sends the card's first message as the request for a chat; an empty text is
// refused in the card.
func (d *Desk) StartDirect(text string) (protocol.Command, bool) {
	f := d.DirectForm
	if f == nil {
		return protocol.Command{}, false
	}
	f.Text = text
	if strings.TrimSpace(text) == "" {
		f.Error = d.Msg.T("Write a first message.")
		return protocol.Command{}, false
	}
	body := &protocol.DirectStart{UserID: f.UserID, Text: text}
	if err := body.Validate(); err != nil {
		if pe, ok := err.(*protocol.Error); ok {
			f.Error = pe.Message
		}
		return protocol.Command{}, false
	}
	if f.Sending != "" {
		return protocol.Command{}, false // sent already; the answer comes
	}
	cmd := d.command("", body)
	f.Sending, f.Error = cmd.ID, ""
	return cmd, true
}

// directAcked shows the chat the request opened (or the one the two already had).
func (d *Desk) directAcked(id string, a *protocol.Ack) {
	if f := d.DirectForm; f != nil && f.Sending == id {
		d.DirectForm = nil
	}
	if a != nil && a.Chat != "" {
		if d.Chat(a.Chat) != nil {
			d.Select(a.Chat)
		} else {
			d.accepted[a.Chat] = true // shown once chat.opened comes
		}
	}
}

// directRefused puts the reason a request was refused into the card; it reports whether the
// card took it.
func (d *Desk) directRefused(id string, e *protocol.Error) bool {
	f := d.DirectForm
	if f == nil || f.Sending != id {
		return false
	}
	f.Sending, f.Error = "", e.Message
	return true
}

// Activity returns the activity report for an input of the agent at now, unless one went out
// less than [ActivityEvery] ago or the app is offline.
func (d *Desk) Activity(now time.Time) (protocol.Command, bool) {
	if d.Link != LinkOnline || (!d.lastActivity.IsZero() && now.Sub(d.lastActivity) < ActivityEvery && !now.Before(d.lastActivity)) {
		return protocol.Command{}, false
	}
	d.lastActivity = now
	return protocol.Command{ID: d.nextID(), Body: &protocol.Activity{}}, true
}

// ColleaguesDue reports whether a shown colleagues panel should be read again at now: a
// colleague's presence changed, or the list is older than [ColleaguesEvery].
func (d *Desk) ColleaguesDue(now time.Time) bool {
	if d.ColleaguesState == "loading" || d.Link != LinkOnline {
		return false
	}
	return d.colleaguesStale || d.colleaguesAt.IsZero() || now.Sub(d.colleaguesAt) >= ColleaguesEvery || now.Before(d.colleaguesAt)
}

// ColleaguesRequested notes that the list is being read again at now.
func (d *Desk) ColleaguesRequested(now time.Time) {
	d.colleaguesStale, d.colleaguesAt = false, now
}
