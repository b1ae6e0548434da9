package chat

import (
	"strconv"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// This file keeps the chat's durable events in sequence without ever stalling. An event after
// a gap is held, and one resume (resume with after) asks the server for what is missing; events
// that arrive meanwhile are held too, and the replay's events are applied as they fill the gap.
// The resume's ack says the last event the server has sent: whatever is still missing then is
// not coming (the server's sequence had a hole), so the widget notes it in the console, applies
// what it holds and goes on from there. A hole is asked for once and never again.

// maxHeld bounds the events held behind a gap. Held events are durable, so the replay brings
// the ones dropped beyond the bound again.
const maxHeld = 500

// gap holds an event that came after a gap and asks for what is missing, unless a resume is
// already on its way (or one will be sent when the connection is ready).
func (m *Model) gap(ev protocol.Event) {
	m.hold(ev)
	if m.resumeID != "" || !m.resumeAt.IsZero() || m.Conn != ConnUp || !m.ready {
		return
	}
	m.ready = false
	m.resume()
}

// hold keeps ev in held, in sequence order, once.
func (m *Model) hold(ev protocol.Event) {
	i := len(m.held)
	for i > 0 && m.held[i-1].Seq >= ev.Seq {
		if m.held[i-1].Seq == ev.Seq {
			return
		}
		i--
	}
	if len(m.held) >= maxHeld {
		if i == len(m.held) {
			return
		}
		m.held = m.held[:len(m.held)-1]
	}
	m.held = append(m.held, protocol.Event{})
	copy(m.held[i+1:], m.held[i:])
	m.held[i] = ev
}

// applyHeld applies the held events that now follow without a gap.
func (m *Model) applyHeld(now time.Time) {
	for len(m.held) > 0 && m.held[0].Seq <= m.LastSeq+1 {
		ev := m.held[0]
		m.held = m.held[1:]
		if ev.Seq == m.LastSeq+1 {
			m.apply(ev, now)
		}
	}
	if len(m.held) == 0 {
		m.held = nil
	}
}

// resumed settles the sequence after a resume's ack: last is the last event the server has
// sent. A hole still open is accepted, and every held event is applied in order.
func (m *Model) resumed(last uint64, now time.Time) {
	m.applyHeld(now)
	for len(m.held) > 0 {
		ev := m.held[0]
		m.held = m.held[1:]
		if ev.Seq <= m.LastSeq {
			continue
		}
		m.logHole(m.LastSeq+1, ev.Seq-1)
		m.apply(ev, now)
		m.applyHeld(now)
	}
	m.held = nil
	if last > m.LastSeq {
		m.logHole(m.LastSeq+1, last)
		m.LastSeq = last
	}
}

// logHole notes for the browser's console that events from to through were not received and
// the chat goes on without them. (fmt would add about 300 KB to the widget.)
func (m *Model) logHole(from, through uint64) {
	if len(m.logs) < 100 {
		m.logs = append(m.logs, "chat "+m.Chat+": events "+strconv.FormatUint(from, 10)+" to "+
			strconv.FormatUint(through, 10)+" never arrived; going on without them")
	}
}

// Logs returns what the model noted for the browser's console (holes in the chat's sequence
// that it accepted), and forgets it.
func (m *Model) Logs() []string {
	l := m.logs
	m.logs = nil
	return l
}
