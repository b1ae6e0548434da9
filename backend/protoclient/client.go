// Package protoclient is a Go client of the Parley protocol over coder/websocket, for programs
// that are not browsers: the load tool and the integration tests. It pairs every command with
// its ack or error by id and hands all other events out in order.
package protoclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
)

// Client is one protocol connection.
type Client struct {
	ws     *websocket.Conn
	prefix string
	next   atomic.Uint64

	mu      sync.Mutex
	pending map[string]chan protocol.Event
	// ended is set, under mu, when the reader has stopped: no answer comes any more.
	ended bool

	events chan protocol.Event
	done   chan struct{}
	err    error
	// CloseStatus is the close code the server ended the connection with, once Done is closed.
	closeStatus websocket.StatusCode
}

// Options tune Dial.
type Options struct {
	// Header is sent with the handshake (Origin, Cookie).
	Header http.Header
	// Buffer is how many unread events are held before the reader waits (4096).
	Buffer int
	// IDPrefix starts every command id, to tell clients apart in logs.
	IDPrefix string
}

// Dial opens a connection to a Parley WebSocket endpoint (ws://host/ws/visitor or /ws/agent).
func Dial(ctx context.Context, url string, opts Options) (*Client, error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: opts.Header})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	ws.SetReadLimit(2 * limits.FrameBytes)
	if opts.Buffer <= 0 {
		opts.Buffer = 4096
	}
	c := &Client{ws: ws, prefix: opts.IDPrefix, pending: map[string]chan protocol.Event{}, events: make(chan protocol.Event, opts.Buffer), done: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

func (c *Client) readLoop() {
	defer close(c.done)
	defer close(c.events)
	for {
		_, frame, err := c.ws.Read(context.Background())
		if err != nil {
			c.err = err
			c.closeStatus = websocket.CloseStatus(err)
			c.mu.Lock()
			c.ended = true
			for id, ch := range c.pending {
				close(ch)
				delete(c.pending, id)
			}
			c.mu.Unlock()
			return
		}
		ev, err := protocol.DecodeEvent(frame)
		if err != nil {
			c.err = fmt.Errorf("undecodable frame %q: %w", frame, err)
			_ = c.ws.Close(websocket.StatusProtocolError, "bad frame")
			return
		}
		if ev.ID != "" {
			c.mu.Lock()
			ch, ok := c.pending[ev.ID]
			delete(c.pending, ev.ID)
			c.mu.Unlock()
			if ok {
				ch <- ev
				continue
			}
		}
		c.events <- ev
	}
}

// NewID returns a fresh command id.
func (c *Client) NewID() string { return c.prefix + strconv.FormatUint(c.next.Add(1), 10) }

// Write sends a raw frame, for tests of bad input.
func (c *Client) Write(ctx context.Context, frame []byte) error {
	return c.ws.Write(ctx, websocket.MessageText, frame)
}

// Send sends a command with the given id without waiting for its answer; the answer arrives on
// Events.
func (c *Client) Send(ctx context.Context, id, chat string, body protocol.CommandBody) error {
	frame, err := protocol.EncodeCommand(protocol.Command{ID: id, Chat: chat, Body: body})
	if err != nil {
		return err
	}
	return c.Write(ctx, frame)
}

// Call sends a command with a fresh id and waits for its answer: the ack, an answering event
// (connected, queue.info, ...), or an error returned as *protocol.Error.
func (c *Client) Call(ctx context.Context, chat string, body protocol.CommandBody) (protocol.Event, error) {
	return c.CallID(ctx, c.NewID(), chat, body)
}

// CallID is Call with a chosen id, to retry a command.
func (c *Client) CallID(ctx context.Context, id, chat string, body protocol.CommandBody) (protocol.Event, error) {
	ch := make(chan protocol.Event, 1)
	c.mu.Lock()
	if c.ended {
		// A write may still succeed on a connection the server cut (a killed process):
		// its answer would never come.
		c.mu.Unlock()
		return protocol.Event{}, fmt.Errorf("connection closed before %s was sent: %w", id, c.err)
	}
	c.pending[id] = ch
	c.mu.Unlock()
	if err := c.Send(ctx, id, chat, body); err != nil {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return protocol.Event{}, err
	}
	select {
	case ev, ok := <-ch:
		if !ok {
			return protocol.Event{}, fmt.Errorf("connection closed before the answer to %s: %w", id, c.Err())
		}
		if e, isErr := ev.Body.(*protocol.Error); isErr {
			e.ID = ev.ID
			return ev, e
		}
		return ev, nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return protocol.Event{}, ctx.Err()
	}
}

// Events delivers every event that is not the answer to a Call, in order. It is closed when
// the connection ends.
func (c *Client) Events() <-chan protocol.Event { return c.events }

// Next returns the next event, or an error when ctx ends or the connection closes.
func (c *Client) Next(ctx context.Context) (protocol.Event, error) {
	select {
	case ev, ok := <-c.events:
		if !ok {
			return protocol.Event{}, fmt.Errorf("connection closed: %w", c.Err())
		}
		return ev, nil
	case <-ctx.Done():
		return protocol.Event{}, ctx.Err()
	}
}

// Await returns the next event for which match is true, dropping others.
func (c *Client) Await(ctx context.Context, match func(protocol.Event) bool) (protocol.Event, error) {
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			return ev, err
		}
		if match(ev) {
			return ev, nil
		}
	}
}

// Done is closed when the connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the connection ended, once Done is closed.
func (c *Client) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// CloseStatus is the WebSocket close code the server sent, once Done is closed; -1 if none.
func (c *Client) CloseStatus() websocket.StatusCode {
	<-c.done
	return c.closeStatus
}

// Close ends the connection normally.
func (c *Client) Close() error {
	err := c.ws.Close(websocket.StatusNormalClosure, "bye")
	<-c.done
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return nil
	}
	return err
}

// Drop ends the connection abruptly, as a lost network would.
func (c *Client) Drop() {
	_ = c.ws.CloseNow()
	<-c.done
}
