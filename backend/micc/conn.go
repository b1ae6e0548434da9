package micc

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/chat/clock"
	"github.com/parleychat/parley/shared/protocol"
)

// pollConn is one MiCC client's visitor connection to the chat service: it sends the
// translated commands into the service's session and keeps what the service sends, the
// answers for the command waiting on them and the chat's events, numbered, for GetEvents.
type pollConn struct {
	id                         string
	ip, origin, host, userAgen string
	clk                        clock.Clock
	session                    *chat.Session

	done      chan struct{}
	closeOnce sync.Once
	cmdMu     sync.Mutex // one command into the session at a time, as a socket's reader would
	next      uint64     // command ids

	mu          sync.Mutex
	waiters     map[string]chan protocol.Event
	chatID      string
	events      []ChatEvent // not yet acknowledged, in Seq order
	seq         uint64      // the last Seq given
	acked       uint64      // events up to here were received
	explicit    bool        // the client acknowledges with After
	connectorID int64
	notify      chan struct{}
	poll        chan struct{} // closed to answer the waiting poll early
	// the chat as the client was told it
	state    ChatState
	position int
	wait     int
	agents   map[int64]string
	lastCall time.Time
	goneAt   clock.Timer
}

func newPollConn(id, ip, origin, host, ua string, clk clock.Clock) *pollConn {
	return &pollConn{id: id, ip: ip, origin: origin, host: host, userAgen: ua, clk: clk, done: make(chan struct{}),
		waiters: map[string]chan protocol.Event{}, notify: make(chan struct{}), agents: map[int64]string{}, wait: -1}
}

// TrySend implements fanout.Conn: the frame is taken at once.
func (p *pollConn) TrySend(frame []byte) bool { return p.Send(frame) }

// SendWait implements fanout.Conn.
func (p *pollConn) SendWait(_ context.Context, frame []byte) error {
	if !p.Send(frame) {
		return errors.New("connection closed")
	}
	return nil
}

// SendTransient implements fanout.Conn.
func (p *pollConn) SendTransient(_ string, frame []byte) { p.Send(frame) }

// Close implements fanout.Conn: the session ends as when a socket closes.
func (p *pollConn) Close(protocol.CloseCode, string) {
	p.closeOnce.Do(func() {
		close(p.done)
		if p.session != nil {
			go p.session.Closed()
		}
	})
}

// Done implements fanout.Conn.
func (p *pollConn) Done() <-chan struct{} { return p.done }

// ID implements chat.Conn.
func (p *pollConn) ID() string { return p.id }

// IP implements chat.Conn.
func (p *pollConn) IP() string { return p.ip }

// Origin implements chat.Conn.
func (p *pollConn) Origin() string { return p.origin }

// Host implements chat.Conn.
func (p *pollConn) Host() string { return p.host }

// UserAgent implements chat.Conn.
func (p *pollConn) UserAgent() string { return p.userAgen }

// Cookie implements chat.Conn: a MiCC client has none.
func (p *pollConn) Cookie(string) string { return "" }

// TranslatesLines implements chat.SelfTranslating: MiCC's toolbox shows the agent's text as
// written, so its chats are not translated.
func (p *pollConn) TranslatesLines() bool { return true }

// Send implements chat.Conn: answers go to the command waiting for them, chat events into
// the buffer.
func (p *pollConn) Send(frame []byte) bool {
	select {
	case <-p.done:
		return false
	default:
	}
	ev, err := protocol.DecodeEvent(frame)
	if err != nil {
		return true
	}
	if ev.ID != "" {
		p.mu.Lock()
		w := p.waiters[ev.ID]
		delete(p.waiters, ev.ID)
		p.mu.Unlock()
		if w != nil {
			w <- ev
		}
		return true
	}
	p.translate(ev)
	return true
}

// call sends one command and waits for its answer: the ack, the error as a Go error, or the
// event that answers it.
func (p *pollConn) call(ctx context.Context, chatID string, body protocol.CommandBody) (protocol.Event, error) {
	p.cmdMu.Lock()
	p.next++
	id := "m" + strconv.FormatUint(p.next, 10)
	w := make(chan protocol.Event, 1)
	p.mu.Lock()
	p.waiters[id] = w
	p.mu.Unlock()
	frame, err := protocol.EncodeCommand(protocol.Command{ID: id, Chat: chatID, Body: body})
	if err != nil {
		p.cmdMu.Unlock()
		return protocol.Event{}, err
	}
	p.session.Frame(frame)
	p.cmdMu.Unlock()
	select {
	case ev := <-w:
		if e, ok := ev.Body.(*protocol.Error); ok {
			return ev, e
		}
		return ev, nil
	case <-p.done:
		select {
		case ev := <-w: // the answer came just before the close
			if e, ok := ev.Body.(*protocol.Error); ok {
				return ev, e
			}
			return ev, nil
		default:
		}
		return protocol.Event{}, protocol.Errorf(protocol.CodeConflict, "the chat session has ended")
	case <-ctx.Done():
		p.mu.Lock()
		delete(p.waiters, id)
		p.mu.Unlock()
		return protocol.Event{}, protocol.Errorf(protocol.CodeBusy, "the chat service did not answer in time; try again")
	}
}

// add buffers a MiCC event and wakes the waiting poll. Caller holds p.mu.
func (p *pollConn) add(t ChatEventType, data any) {
	p.seq++
	p.events = append(p.events, ChatEvent{EventType: t, Data: data, Seq: p.seq})
	close(p.notify)
	p.notify = make(chan struct{})
}

// translate turns a pushed chat event into MiCC's events.
func (p *pollConn) translate(ev protocol.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ev.Chat == "" {
		return
	}
	if p.chatID == "" {
		p.chatID = ev.Chat // the chat's first events may come before its request's ack
	}
	if ev.Chat != p.chatID {
		return
	}
	id := p.chatID
	switch b := ev.Body.(type) {
	case *protocol.Message:
		if b.Role == protocol.RoleVisitor || b.Internal {
			return // the client knows what it sent
		}
		m := &MessageReceivedEvent{ChatID: id, Name: b.Name, Message: b.Text, System: b.Role == protocol.RoleSystem, TimeStamp: DateTime(b.At)}
		if b.File != nil {
			m.Message = b.File.Name
			m.Attachment = fileRef(attach.IDFromURL(b.File.URL)) // read when answered
		}
		p.add(MessageReceived, m)
	case *protocol.FileRequest:
		// MiCC has no event for it: the client shows a system message, as it shows the
		// system's other lines, and the customer answers with SendMessage's Attachment.
		p.add(MessageReceived, &MessageReceivedEvent{ChatID: id, Name: b.Name, Message: fileRequestText(b.Types), System: true, TimeStamp: DateTime(b.At)})
	case *protocol.Joined:
		if b.Role == protocol.RoleAgent && b.As != "observer" && b.As != "supervisor" {
			p.agents[b.UserID] = b.Name
			p.add(AgentJoined, &AgentEvent{ChatID: id, Name: b.Name})
		}
	case *protocol.Left:
		if _, ok := p.agents[b.UserID]; ok && b.Role == protocol.RoleAgent {
			delete(p.agents, b.UserID)
			p.add(AgentLeft, &AgentEvent{ChatID: id, Name: b.Name})
		}
	case *protocol.TypingEvent:
		if b.Role == protocol.RoleAgent && b.On {
			p.add(AgentTyping, &AgentEvent{ChatID: id, Name: b.Name})
		}
	case *protocol.Queue:
		if p.state == Queued && (b.Position != p.position || b.EstimatedWait != p.wait) {
			p.position, p.wait = b.Position, b.EstimatedWait
			p.add(ChatStateEvent, &ChatStateEventData{ChatID: id, State: Queued, QueuePosition: p.position, EstimatedWaitTime: p.wait})
		}
	case *protocol.ChatState:
		d := &ChatStateEventData{ChatID: id, State: stateOf(b.State), EstimatedWaitTime: -1}
		switch d.State {
		case Queued:
			d.QueuePosition, d.EstimatedWaitTime = p.position, p.wait
		case Terminated:
			for uid, name := range p.agents {
				p.add(AgentLeft, &AgentEvent{ChatID: id, Name: name})
				delete(p.agents, uid)
			}
			if b.Cause == protocol.CauseOutOfService {
				d.TerminationCause = GroupClosed
			}
		}
		if p.state == Terminated {
			return
		}
		p.state = d.State
		p.add(ChatStateEvent, d)
	}
}

// fileRequestText is the system message of an agent's file request.
func fileRequestText(types []string) string {
	if len(types) == 0 {
		return "Please send a file."
	}
	return "Please send a file (" + strings.Join(types, ", ") + ")."
}

// fileRef marks an attachment still to be read from the store: its file id, as bytes.
func fileRef(id string) Bytes {
	if id == "" {
		return nil
	}
	return Bytes(filePrefix + id)
}

// filePrefix starts a fileRef; no real attachment is answered before it is replaced.
const filePrefix = "\x00parley-file:"

func stateOf(s protocol.ChatStatus) ChatState {
	switch s {
	case protocol.StateActive:
		return Handling
	case protocol.StateClosed:
		return Terminated
	}
	return Queued
}

// pending returns the events after the acknowledged ones, and a channel closed when more come.
func (p *pollConn) pending() ([]ChatEvent, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]ChatEvent(nil), p.events...), p.notify
}

// ack drops the events up to seq.
func (p *pollConn) ack(seq uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if seq > p.seq {
		seq = p.seq
	}
	if seq <= p.acked {
		return
	}
	p.acked = seq
	i := 0
	for i < len(p.events) && p.events[i].Seq <= seq {
		i++
	}
	p.events = append(p.events[:0:0], p.events[i:]...)
}

// takePoll makes the caller the chat's waiting poll, answering the one before it; the returned
// channel is closed when a newer poll comes.
func (p *pollConn) takePoll() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.poll != nil {
		close(p.poll)
	}
	p.poll = make(chan struct{})
	return p.poll
}

// endPoll forgets a poll that has answered.
func (p *pollConn) endPoll(c chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.poll == c {
		p.poll = nil
	}
}
