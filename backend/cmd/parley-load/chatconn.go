package main

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
)

// chatConn is the chat load's protocol client: protoclient's pairing of every command with its
// answer by id and its ordered stream of the other events, on the raw sockets of dial.go. One
// reader goroutine per connection answers pings, decodes frames with codec.go and hands them
// out; commands are written as masked frames from a reused buffer, one at a time. It takes
// little over half the CPU per message coder/websocket with reflection-based JSON took, which
// on a machine shared with the server is throughput the server gets.
type chatConn struct {
	socket
	prefix string
	next   atomic.Uint64

	wbuf []byte // under wmu
	mask *rand.ChaCha8

	mu      sync.Mutex
	pending map[string]chan protocol.Event
	// ended is set, under mu, when the reader has stopped: no answer comes any more.
	ended bool
	// handler, once set (handle), takes the events that are not answers in the reader's own
	// goroutine instead of Events.
	handler func(protocol.Event)

	events chan protocol.Event
}

// chatBuffer is how many unread events a connection holds before its reader waits.
const chatBuffer = 4096

// answers recycles the channels that carry a command's answer.
var answers = sync.Pool{New: func() any { return make(chan protocol.Event, 1) }}

// dialChat opens a protocol connection to wsURL (ws://host/ws/visitor or /ws/agent), its
// command ids starting with prefix.
func dialChat(ctx context.Context, wsURL, prefix string) (*chatConn, error) {
	c := &chatConn{prefix: prefix, pending: map[string]chan protocol.Event{}, events: make(chan protocol.Event, chatBuffer), socket: socket{done: make(chan struct{})}}
	var err error
	if c.nc, err = openSocket(ctx, wsURL, &c.in); err != nil {
		return nil, err
	}
	_ = c.nc.SetDeadline(time.Time{})
	var seed [32]byte
	_, _ = crand.Read(seed[:])
	c.mask = rand.NewChaCha8(seed)
	go c.readLoop()
	return c, nil
}

func (c *chatConn) readLoop() {
	var err error
	handed := false // the events queued before handle have been handed to the handler
	for {
		var op byte
		var payload []byte
		if op, payload, err = c.in.frame(2 * limits.FrameBytes); err != nil {
			break
		}
		switch op {
		case opcodePing:
			if err = c.write(opcodePong, payload); err != nil {
				break
			}
			continue
		case opcodeClose:
			err = fmt.Errorf("closed by the server: %s", closeText(payload))
			_ = c.write(opcodeClose, payload[:min(len(payload), 2)])
		case opcodeText:
			if payload == nil {
				err = fmt.Errorf("frame over %d bytes", 2*limits.FrameBytes)
				break
			}
			var ev protocol.Event
			if ev, err = decodeEvent(payload); err != nil {
				err = fmt.Errorf("undecodable frame %q: %w", payload, err)
				break
			}
			c.mu.Lock()
			ch, ok := c.pending[ev.ID]
			if ok {
				delete(c.pending, ev.ID)
			}
			h := c.handler
			c.mu.Unlock()
			switch {
			case ok:
				ch <- ev
			case h != nil:
				if !handed { // what was queued before the handler came goes first
					handed = true
					for queued := true; queued; {
						select {
						case q := <-c.events:
							h(q)
						default:
							queued = false
						}
					}
				}
				h(ev)
			default:
				c.events <- ev
			}
			continue
		default:
			continue
		}
		break
	}
	_ = c.nc.Close()
	c.mu.Lock()
	c.err, c.ended = err, true
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	c.mu.Unlock()
	close(c.events)
	close(c.done)
}

// write sends one final frame, masked as a client's must be (RFC 6455 section 5.3).
func (c *chatConn) write(op byte, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = appendFrameHead(c.wbuf[:0], op, len(payload))
	return c.flush(payload)
}

// flush masks payload onto the frame head in wbuf and writes the frame; wmu is held.
func (c *chatConn) flush(payload []byte) error {
	var mask [4]byte
	binary.LittleEndian.PutUint32(mask[:], uint32(c.mask.Uint64()))
	c.wbuf = append(c.wbuf, mask[:]...)
	start := len(c.wbuf)
	c.wbuf = append(c.wbuf, payload...)
	maskBytes(c.wbuf[start:], mask)
	_, err := c.nc.Write(c.wbuf)
	return err
}

// appendFrameHead appends a masked final frame's first bytes, up to its mask.
func appendFrameHead(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op)
	switch {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xFFFF:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return b
}

func maskBytes(b []byte, mask [4]byte) {
	for i := range b {
		b[i] ^= mask[i&3]
	}
}

// NewID returns a fresh command id.
func (c *chatConn) NewID() string { return c.prefix + strconv.FormatUint(c.next.Add(1), 10) }

// Send sends a command with the given id without waiting for its answer; the answer arrives on
// Events.
func (c *chatConn) Send(ctx context.Context, id, chat string, body protocol.CommandBody) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	// The command is encoded after a gap as long as the longest frame head, then moved up to
	// follow the head its length calls for.
	const gap = 14
	b, err := appendCommand(append(c.wbuf[:0], make([]byte, gap)...), id, chat, body)
	c.wbuf = b
	if err != nil {
		return err
	}
	n := len(b) - gap
	if n > 2*limits.FrameBytes {
		return fmt.Errorf("command %s of %d bytes is over the frame limit", id, n)
	}
	head := appendFrameHead(make([]byte, 0, gap), opcodeText, n)
	var mask [4]byte
	binary.LittleEndian.PutUint32(mask[:], uint32(c.mask.Uint64()))
	head = append(head, mask[:]...)
	// The head and mask take len(head) bytes: the payload starts there, in place.
	copy(b[len(head):], b[gap:])
	copy(b, head)
	frame := b[:len(head)+n]
	maskBytes(frame[len(head):], mask)
	_, err = c.nc.Write(frame)
	return err
}

// Call sends a command with a fresh id and waits for its answer: the ack, an answering event
// (connected, queue.info, ...), or an error returned as *protocol.Error.
func (c *chatConn) Call(ctx context.Context, chat string, body protocol.CommandBody) (protocol.Event, error) {
	return c.CallID(ctx, c.NewID(), chat, body)
}

// CallID is Call with a chosen id, to retry a command.
func (c *chatConn) CallID(ctx context.Context, id, chat string, body protocol.CommandBody) (protocol.Event, error) {
	ch := answers.Get().(chan protocol.Event)
	c.mu.Lock()
	if c.ended {
		// A write may still succeed on a connection the server cut (a killed process): its
		// answer would never come.
		err := c.err
		c.mu.Unlock()
		answers.Put(ch)
		return protocol.Event{}, fmt.Errorf("connection closed before %s was sent: %w", id, err)
	}
	c.pending[id] = ch
	c.mu.Unlock()
	if err := c.Send(ctx, id, chat, body); err != nil {
		c.mu.Lock()
		_, mine := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if mine {
			answers.Put(ch)
		}
		return protocol.Event{}, err
	}
	select {
	case ev, ok := <-ch:
		if !ok {
			return protocol.Event{}, fmt.Errorf("connection closed before the answer to %s: %w", id, c.Err())
		}
		answers.Put(ch)
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

// handle hands every event that is not an answer to f, called by the connection's reader, from
// now on: the events still queued first, in order, before the next one. It is for a client that
// only watches the events (a visitor keeping its chat's last sequence number), saving a
// goroutine's wake-up per event; nobody reads Events afterwards.
func (c *chatConn) handle(f func(protocol.Event)) {
	c.mu.Lock()
	c.handler = f
	c.mu.Unlock()
}

// Events delivers every event that is not the answer to a Call, in order. It is closed when
// the connection ends.
func (c *chatConn) Events() <-chan protocol.Event { return c.events }

// Next returns the next event, or an error when ctx ends or the connection closes.
func (c *chatConn) Next(ctx context.Context) (protocol.Event, error) {
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
func (c *chatConn) Await(ctx context.Context, match func(protocol.Event) bool) (protocol.Event, error) {
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
