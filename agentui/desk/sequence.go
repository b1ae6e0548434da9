package desk

import (
	"fmt"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// This file keeps each chat's durable events in sequence without ever stalling, and finds out
// how chats ended while the app was away.
//
// An event after a gap is held, and one resume per chat (resume with after) asks the server
// for what is missing; events that arrive meanwhile are held too, and the replay's events are
// applied as they fill the gap. The resume's ack says the last event the server has sent:
// whatever is still missing then is not coming (the server's sequence had a hole), so the desk
// notes it for the console, applies what it holds and goes on. A hole is asked for once.
//
// A chat the app shows as open but agent.ready no longer lists ended or went to another agent
// meanwhile. It is resumed too: the server replays a closed chat to the agent who handled it,
// so its close arrives like any event; a refusal (forbidden: another agent has it now) or a
// replay without a close ends it here with a line that says so.

// resumeRetry is how long to wait before asking again when the server failed a resume.
const resumeRetry = 3 * time.Second

// maxHeld bounds the events held behind a gap per chat. Held events are durable, so the
// replay brings the ones dropped beyond the bound again.
const maxHeld = 500

// resume makes the resume of chat c after its last applied event and marks it in flight.
func (d *Desk) resume(c *Chat) protocol.Command {
	id := d.nextID()
	c.Resuming, c.retryAt = id, time.Time{}
	return protocol.Command{ID: id, Chat: c.ID, Body: &protocol.Resume{After: c.LastSeq}}
}

// resuming returns the chat whose resume has command id, or nil.
func (d *Desk) resuming(id string) *Chat {
	if id == "" {
		return nil
	}
	for _, c := range d.Chats {
		if c.Resuming == id {
			return c
		}
	}
	return nil
}

// sequenced applies a durable event of a known chat once and in order: an event already
// applied is dropped, one after a gap is held and the gap asked for.
func (d *Desk) sequenced(c *Chat, ev protocol.Event, now time.Time) ([]Alert, []protocol.Command) {
	switch {
	case ev.Seq <= c.LastSeq:
		return nil, nil
	case ev.Seq > c.LastSeq+1:
		c.hold(ev)
		if c.Resuming != "" || !c.retryAt.IsZero() || d.Link != LinkOnline {
			return nil, nil // a resume is on its way, or comes with the next agent.ready
		}
		return nil, []protocol.Command{d.resume(c)}
	}
	alerts := d.applyDurable(c, ev, now)
	return append(alerts, d.applyHeld(c, now)...), nil
}

// hold keeps ev among the chat's held events, in sequence order, once.
func (c *Chat) hold(ev protocol.Event) {
	i := len(c.held)
	for i > 0 && c.held[i-1].Seq >= ev.Seq {
		if c.held[i-1].Seq == ev.Seq {
			return
		}
		i--
	}
	if len(c.held) >= maxHeld {
		if i == len(c.held) {
			return
		}
		c.held = c.held[:len(c.held)-1]
	}
	c.held = append(c.held, protocol.Event{})
	copy(c.held[i+1:], c.held[i:])
	c.held[i] = ev
}

// applyHeld applies the chat's held events that now follow without a gap.
func (d *Desk) applyHeld(c *Chat, now time.Time) []Alert {
	var alerts []Alert
	for len(c.held) > 0 && c.held[0].Seq <= c.LastSeq+1 {
		ev := c.held[0]
		c.held = c.held[1:]
		if ev.Seq == c.LastSeq+1 {
			alerts = append(alerts, d.applyDurable(c, ev, now)...)
		}
	}
	if len(c.held) == 0 {
		c.held = nil
	}
	return alerts
}

// acceptHoles applies every held event in order, over any hole still open, and moves the
// chat's sequence on to last, the last event the server says it sent.
func (d *Desk) acceptHoles(c *Chat, last uint64, now time.Time) []Alert {
	alerts := d.applyHeld(c, now)
	for len(c.held) > 0 {
		ev := c.held[0]
		c.held = c.held[1:]
		if ev.Seq <= c.LastSeq {
			continue
		}
		d.logf("chat %s: events %d to %d were not replayed; going on", c.ID, c.LastSeq+1, ev.Seq-1)
		alerts = append(alerts, d.applyDurable(c, ev, now)...)
		alerts = append(alerts, d.applyHeld(c, now)...)
	}
	c.held = nil
	if last > c.LastSeq {
		d.logf("chat %s: events %d to %d were not replayed; going on", c.ID, c.LastSeq+1, last)
		c.LastSeq = last
	}
	return alerts
}

// resumed settles chat c after its resume's ack: last is the last event the server has sent.
func (d *Desk) resumed(c *Chat, last uint64, now time.Time) []Alert {
	c.Resuming = ""
	alerts := d.acceptHoles(c, last, now)
	if c.unlisted && !c.Closed {
		// The history came without a close, yet the server no longer counts the chat among the
		// agent's.
		d.endAway(c, d.Msg.T("This chat ended while you were disconnected."), now)
	}
	c.unlisted = false
	return alerts
}

// resumeRefused settles chat c after the server refused its resume. Forbidden (another agent
// handles it now), not found or unauthorized: the chat is no longer the agent's, and ends here
// with a line that says so. Anything else (the server failed, too many commands) is asked again
// after resumeRetry, holding what came meanwhile.
func (d *Desk) resumeRefused(c *Chat, e *protocol.Error, now time.Time) []Alert {
	c.Resuming = ""
	switch e.Code {
	case protocol.CodeForbidden, protocol.CodeNotFound, protocol.CodeUnauthorized:
		alerts := d.acceptHoles(c, 0, now)
		if !c.Closed {
			// The server refused the resume: the chat is someone else's or gone.
			d.endAway(c, d.Msg.T("This chat was handed over or ended while you were disconnected; it is no longer yours."), now)
		}
		c.unlisted = false
		return alerts
	}
	c.retryAt = now.Add(resumeRetry)
	d.logf("chat %s: resume failed (%s), trying again", c.ID, e.Code)
	return nil
}

// endAway ends chat c in the app, with a line saying why.
func (d *Desk) endAway(c *Chat, text string, now time.Time) {
	c.Closed, c.EndedAt = true, now
	c.Form = nil
	c.VisitorTyping, c.Preview, c.WarningUntil = false, "", time.Time{}
	c.Lines = append(c.Lines, Line{Kind: LineEvent, Text: text, At: now})
}

// Retries returns the resumes to send again now, after the server failed them (see
// resumeRefused); the app calls it on its clock tick.
func (d *Desk) Retries(now time.Time) []protocol.Command {
	if d.Link != LinkOnline {
		return nil
	}
	var cmds []protocol.Command
	for _, c := range d.Chats {
		if !c.retryAt.IsZero() && !now.Before(c.retryAt) && c.Resuming == "" {
			cmds = append(cmds, d.resume(c))
		}
	}
	return cmds
}

// logf notes a line for the browser's console.
func (d *Desk) logf(format string, args ...any) {
	if len(d.logs) < 100 {
		d.logs = append(d.logs, fmt.Sprintf(format, args...))
	}
}

// Logs returns what the desk noted for the browser's console (holes in a chat's sequence it
// accepted, resumes it retries), and forgets it.
func (d *Desk) Logs() []string {
	l := d.logs
	d.logs = nil
	return l
}
