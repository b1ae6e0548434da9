package tyntec

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/shared/protocol"
)

// waConn is a WhatsApp customer's visitor connection to the chat service: it sends the
// customer's lines into the service's session as the widget's socket would, and takes the
// answers. The agents' lines do not go through it: the store writes them to the WhatsApp
// outbox when they commit. It ends when the chat ends.
type waConn struct {
	id, origin string
	session    *chat.Session
	onClosed   func()

	done      chan struct{}
	closeOnce sync.Once
	cmdMu     sync.Mutex // one command into the session at a time, as a socket's reader would
	next      uint64

	mu      sync.Mutex
	waiters map[string]chan protocol.Event
	chatID  string
}

func newConn(id, origin string, onClosed func()) *waConn {
	return &waConn{id: id, origin: origin, onClosed: onClosed, done: make(chan struct{}), waiters: map[string]chan protocol.Event{}}
}

// TrySend implements fanout.Conn.
func (p *waConn) TrySend(frame []byte) bool { return p.Send(frame) }

// SendWait implements fanout.Conn.
func (p *waConn) SendWait(_ context.Context, frame []byte) error {
	if !p.Send(frame) {
		return errors.New("connection closed")
	}
	return nil
}

// SendTransient implements fanout.Conn: typing and previews mean nothing on WhatsApp.
func (p *waConn) SendTransient(string, []byte) {}

// Close implements fanout.Conn.
func (p *waConn) Close(protocol.CloseCode, string) {
	p.closeOnce.Do(func() {
		close(p.done)
		if p.onClosed != nil {
			p.onClosed()
		}
		if p.session != nil {
			go p.session.Closed()
		}
	})
}

// Done implements fanout.Conn.
func (p *waConn) Done() <-chan struct{} { return p.done }

// ID implements chat.Conn.
func (p *waConn) ID() string { return p.id }

// IP implements chat.Conn: a WhatsApp customer's address is not known.
func (p *waConn) IP() string { return "" }

// Origin implements chat.Conn: the connector's first allowed origin, as for server-side
// clients (see package micc).
func (p *waConn) Origin() string { return p.origin }

// Host implements chat.Conn.
func (p *waConn) Host() string { return "" }

// UserAgent implements chat.Conn.
func (p *waConn) UserAgent() string { return "WhatsApp (TynTec)" }

// Cookie implements chat.Conn.
func (p *waConn) Cookie(string) string { return "" }

// TranslatesLines implements chat.SelfTranslating: WhatsApp customers read the agent's text
// as written and their language is not known, so their chats are not translated.
func (p *waConn) TranslatesLines() bool { return true }

// Send implements chat.Conn: answers go to the command waiting for them; the chat's end ends
// the connection.
func (p *waConn) Send(frame []byte) bool {
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
	if st, ok := ev.Body.(*protocol.ChatState); ok && st.State == protocol.StateClosed {
		go p.Close(protocol.CloseShutdown, "chat ended")
	}
	return true
}

// call sends one command and waits for its answer.
func (p *waConn) call(ctx context.Context, chatID string, body protocol.CommandBody) (protocol.Event, error) {
	p.cmdMu.Lock()
	p.next++
	// Unique beyond this connection: the chat remembers the ids of the customer's lines, and
	// a connection that continues the chat after a restart must not reuse them.
	id := p.id + "." + strconv.FormatUint(p.next, 10)
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
	answer := func(ev protocol.Event) (protocol.Event, error) {
		if e, ok := ev.Body.(*protocol.Error); ok {
			return ev, e
		}
		return ev, nil
	}
	select {
	case ev := <-w:
		return answer(ev)
	case <-p.done:
		select {
		case ev := <-w:
			return answer(ev)
		default:
		}
		return protocol.Event{}, protocol.Errorf(protocol.CodeConflict, "the chat has ended")
	case <-ctx.Done():
		p.mu.Lock()
		delete(p.waiters, id)
		p.mu.Unlock()
		return protocol.Event{}, protocol.Errorf(protocol.CodeBusy, "the chat service did not answer in time")
	}
}
