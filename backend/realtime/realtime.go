// Package realtime carries protocol frames between WebSocket clients and the chat service.
//
// It owns the transport and nothing else: one reader (the upgraded handler's goroutine) and one
// writer goroutine per connection, heartbeats, close codes that tell the client whether to
// reconnect, and flow control:
//
//   - a bounded send queue. [Conn.Send] never waits: a client whose queue is full is not
//     reading and is cut off (it reconnects and resumes, so it loses nothing).
//     [Conn.TrySend] reports a full queue instead, for fan-out that can fall back to reading
//     history; [Conn.SendWait] waits for room, for replays, which thus go at the client's pace
//     and stop when the connection ends.
//   - transient frames (typing, previews, queue positions) are coalesced by key: only the
//     latest of each waits, beside the queue, so a flood of them never fills it.
//   - frames over the hard limit close the connection with [protocol.CloseTooLarge] after a
//     [protocol.Disconnect] event; every cut-off is logged with its reason.
//
// The chat service sees a connection only through [Handler], [Session] and [*Conn]'s small
// API, never Fiber.
//
// Server side it uses Fiber's WebSocket middleware (fasthttp), because coder/websocket's Accept
// needs net/http hijacking, which a Fiber handler cannot give; both speak RFC 6455, so the Go
// clients and tests use coder/websocket against it. The README's architecture section has the
// measurement behind the choice.
package realtime

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
)

// Session is what a service keeps for one connection: it receives the connection's frames,
// one at a time in arrival order on the connection's reader goroutine, and hears once, after
// the last frame, that the connection closed.
type Session interface {
	Frame(frame []byte)
	Closed()
}

// Handler opens the service's session of a new connection, before its first frame.
type Handler func(c *Conn) Session

// Options tune an endpoint. Zero values take the defaults.
type Options struct {
	// Role is the protocol role of clients on the endpoint.
	Role protocol.Role
	// SendQueue is how many frames may wait for a client (256).
	SendQueue int
	// PingInterval is how often the server pings (25 s); a connection that sends nothing,
	// pongs included, for StaleAfter (60 s) is closed with [protocol.CloseStale].
	PingInterval time.Duration
	StaleAfter   time.Duration
	// WriteTimeout bounds one frame's write (10 s): a client that takes longer is gone.
	WriteTimeout time.Duration
	// HardFrameLimit is the frame size at which the connection is closed with
	// [protocol.CloseTooLarge] (1 MiB); frames between [limits.FrameBytes] and it are answered
	// with a too_large error and the connection stays up.
	HardFrameLimit int64
	// CheckOrigin decides whether a browser's Origin header may open a connection; nil allows all.
	CheckOrigin func(origin, host string) bool
	Logger      *slog.Logger
	// Farewell and Refusal serve endpoints that speak another system's protocol (the
	// compatibility adapters): Farewell gives the last frame before the close frame instead of
	// the [protocol.Disconnect] event (nil: none), Refusal the answer to a frame the transport
	// refuses (binary, over the size limit) instead of a protocol error event.
	Farewell func(code protocol.CloseCode, reason string) []byte
	Refusal  func(message string) []byte
}

func (o *Options) defaults() {
	if o.SendQueue <= 0 {
		o.SendQueue = 256
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 25 * time.Second
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = 60 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.HardFrameLimit <= 0 {
		o.HardFrameLimit = 1 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Hub knows every open connection, so that shutdown can tell each one to reconnect.
type Hub struct {
	mu      sync.Mutex
	conns   map[*Conn]struct{}
	closing bool // set by CloseAll: connections that arrive later are refused
	wg      sync.WaitGroup
	count   atomic.Int64
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{conns: make(map[*Conn]struct{})} }

// Count is the number of open connections, for metrics.
func (h *Hub) Count() int64 { return h.count.Load() }

// CloseAll closes every connection with code and reason and waits until their goroutines have
// ended or wait has passed.
func (h *Hub) CloseAll(code protocol.CloseCode, reason string, wait time.Duration) {
	h.mu.Lock()
	h.closing = true // no wg.Add after this: Wait below must not race with one
	conns := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.Close(code, reason)
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// Handle returns the Fiber handler of a WebSocket endpoint: it upgrades the request and runs
// the connection until it ends. Requests that are not WebSocket upgrades get 426.
func (h *Hub) Handle(handler Handler, opts Options) fiber.Handler {
	opts.defaults()
	upgrade := websocket.New(func(ws *websocket.Conn) {
		c := newConn(ws, opts)
		h.mu.Lock()
		if h.closing {
			h.mu.Unlock()
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(int(protocol.CloseShutdown), "server restarting"), time.Now().Add(time.Second))
			return
		}
		h.conns[c] = struct{}{}
		h.wg.Add(1)
		h.mu.Unlock()
		h.count.Add(1)
		defer func() {
			h.mu.Lock()
			delete(h.conns, c)
			h.mu.Unlock()
			h.count.Add(-1)
			h.wg.Done()
		}()
		c.run(handler)
	}, websocket.Config{ReadBufferSize: 4096, WriteBufferSize: 4096, HandshakeTimeout: 10 * time.Second})
	return func(ctx *fiber.Ctx) error {
		if !websocket.IsWebSocketUpgrade(ctx) {
			return fiber.NewError(fiber.StatusUpgradeRequired, "this endpoint speaks WebSocket only")
		}
		if opts.CheckOrigin != nil {
			origin := ctx.Get(fiber.HeaderOrigin)
			if origin != "" && !opts.CheckOrigin(origin, ctx.Hostname()) {
				return fiber.NewError(fiber.StatusForbidden, "origin not allowed")
			}
		}
		return upgrade(ctx)
	}
}

// ErrClosed is returned by [Conn.SendWait] once the connection is closing.
var ErrClosed = errors.New("realtime: connection closed")

// Conn is one client connection. Its methods are safe for concurrent use.
type Conn struct {
	id        string
	role      protocol.Role
	ip        string
	origin    string
	host      string
	userAgent string
	cookies   map[string]string
	opts      Options
	ws        *websocket.Conn

	out       chan []byte
	closed    chan struct{}
	closeOnce sync.Once
	closeCode protocol.CloseCode
	reason    string

	// Transient frames wait here, the latest per key, until the writer takes them.
	tmu       sync.Mutex
	transient map[string][]byte
	order     []string
	kick      chan struct{}
}

func newConn(ws *websocket.Conn, opts Options) *Conn {
	cookies := map[string]string{}
	if v := ws.Cookies(session.Cookie); v != "" {
		cookies[session.Cookie] = v
	}
	return &Conn{
		id:        token.New(9),
		role:      opts.Role,
		ip:        ws.IP(),
		origin:    ws.Headers(fiber.HeaderOrigin),
		host:      ws.Headers(fiber.HeaderHost),
		userAgent: ws.Headers(fiber.HeaderUserAgent),
		cookies:   cookies,
		opts:      opts,
		ws:        ws,
		out:       make(chan []byte, opts.SendQueue),
		closed:    make(chan struct{}),
		kick:      make(chan struct{}, 1),
	}
}

// ID identifies the connection in logs.
func (c *Conn) ID() string { return c.id }

// Role is the protocol role of the endpoint the client connected to.
func (c *Conn) Role() protocol.Role { return c.role }

// IP is the client's address (as Fiber sees it, honouring its proxy settings).
func (c *Conn) IP() string { return c.ip }

// Origin is the browser's Origin header, empty for non-browser clients.
func (c *Conn) Origin() string { return c.origin }

// Host is the Host header the client connected to.
func (c *Conn) Host() string { return c.host }

// UserAgent is the client's User-Agent header.
func (c *Conn) UserAgent() string { return c.userAgent }

// Cookie returns a cookie of the handshake request; only the session cookie is kept.
func (c *Conn) Cookie(name string) string { return c.cookies[name] }

// Send queues a frame for the writer without waiting. A client whose queue is full is too slow
// to follow: it is closed with [protocol.CloseSlow] (it will reconnect and resume) and Send
// reports false, as it does once the connection is closing.
func (c *Conn) Send(frame []byte) bool {
	if c.TrySend(frame) {
		return true
	}
	c.Close(protocol.CloseSlow, "send queue full")
	return false
}

// TrySend queues a frame if there is room and reports whether it did; a full queue leaves the
// connection open, for callers that can deliver later another way (history).
func (c *Conn) TrySend(frame []byte) bool {
	select {
	case <-c.closed:
		return false
	default:
	}
	select {
	case c.out <- frame:
		return true
	default:
		return false
	}
}

// SendWait queues a frame, waiting for room while the client reads. It returns [ErrClosed]
// once the connection is closing and ctx's error when ctx ends first.
func (c *Conn) SendWait(ctx context.Context, frame []byte) error {
	select {
	case <-c.closed:
		return ErrClosed
	default:
	}
	select {
	case c.out <- frame:
		return nil
	case <-c.closed:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SendTransient hands the writer a frame that only its latest version matters of, under key:
// a newer frame with the same key replaces one not yet written. Transient frames wait beside
// the queue, so they never fill it.
func (c *Conn) SendTransient(key string, frame []byte) {
	select {
	case <-c.closed:
		return
	default:
	}
	c.tmu.Lock()
	if c.transient == nil {
		c.transient = make(map[string][]byte)
	}
	if _, ok := c.transient[key]; !ok {
		c.order = append(c.order, key)
	}
	c.transient[key] = frame
	c.tmu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// takeTransient returns the waiting transient frames in the order their keys first came.
func (c *Conn) takeTransient() [][]byte {
	c.tmu.Lock()
	defer c.tmu.Unlock()
	out := make([][]byte, 0, len(c.order))
	for _, k := range c.order {
		out = append(out, c.transient[k])
	}
	clear(c.transient)
	c.order = c.order[:0]
	return out
}

// SendEvent encodes and queues an event with [Conn.Send]; encoding failures are programming
// errors and logged.
func (c *Conn) SendEvent(e protocol.Event) bool {
	frame, err := protocol.EncodeEvent(e)
	if err != nil {
		c.opts.Logger.Error("encode event", "conn", c.id, "err", err)
		return false
	}
	return c.Send(frame)
}

// refuse answers a frame the transport will not pass on, in the endpoint's protocol.
func (c *Conn) refuse(e *protocol.Error) {
	if c.opts.Refusal != nil {
		c.Send(c.opts.Refusal(e.Message))
		return
	}
	c.SendEvent(protocol.Event{Body: e})
}

// Close ends the connection: the writer sends what is queued (unless the client was too slow
// for it), then a [protocol.Disconnect] event and a close frame with code. Only the first call
// counts; it is logged with its reason.
func (c *Conn) Close(code protocol.CloseCode, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.reason = code, reason
		close(c.closed)
		level := slog.LevelInfo
		switch code {
		case protocol.CloseSlow, protocol.CloseTooLarge, protocol.CloseRetry, protocol.CloseBadRequest:
			level = slog.LevelWarn
		case protocol.CloseShutdown:
			level = slog.LevelDebug
		}
		c.opts.Logger.Log(context.Background(), level, "connection closed", "conn", c.id, "role", c.role, "ip", c.ip, "code", int(code), "reason", reason)
	})
}

// Done is closed when the connection starts closing.
func (c *Conn) Done() <-chan struct{} { return c.closed }

// errTooLarge marks a frame over the hard limit.
var errTooLarge = errors.New("frame over the hard limit")

// readFrame reads one frame of at most the hard limit. The stale clock starts when reading
// starts, so the time a long command (a replay) takes is not counted against the client.
func (c *Conn) readFrame() (int, []byte, error) {
	_ = c.ws.SetReadDeadline(time.Now().Add(c.opts.StaleAfter))
	kind, r, err := c.ws.NextReader()
	if err != nil {
		return 0, nil, err
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, c.opts.HardFrameLimit+1))
	if err != nil {
		return 0, nil, err
	}
	if n > c.opts.HardFrameLimit {
		return 0, nil, errTooLarge
	}
	return kind, buf.Bytes(), nil
}

// run is the reader loop; it starts the writer and returns when both have ended.
func (c *Conn) run(handler Handler) {
	ws := c.ws
	ws.SetPongHandler(func(string) error {
		return ws.SetReadDeadline(time.Now().Add(c.opts.StaleAfter))
	})
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	session := handler(c)
	for {
		kind, frame, err := c.readFrame()
		if err != nil {
			if errors.Is(err, errTooLarge) {
				c.Close(protocol.CloseTooLarge, "frame over the limit")
				c.drain()
			}
			break
		}
		if kind != websocket.TextMessage {
			c.refuse(protocol.Errorf(protocol.CodeBadJSON, "frames must be JSON text"))
			continue
		}
		if len(frame) > limits.FrameBytes {
			c.refuse(protocol.Errorf(protocol.CodeTooLarge, "frame of %d bytes exceeds %d", len(frame), limits.FrameBytes))
			continue
		}
		session.Frame(frame)
		select {
		case <-c.closed:
		default:
			continue
		}
		break
	}
	// The reader stops here: a read error (client gone, stale) or a Close from elsewhere. Closing
	// with CloseStale is a no-op when someone closed first; it covers the plain read error.
	c.Close(protocol.CloseStale, "connection lost")
	<-writerDone
	session.Closed()
}

// writeLoop sends queued frames, transient frames and pings until the connection closes, then
// says goodbye.
func (c *Conn) writeLoop() {
	ws := c.ws
	ping := time.NewTicker(c.opts.PingInterval)
	defer ping.Stop()
	write := func(kind int, data []byte) error {
		if err := ws.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout)); err != nil {
			return err
		}
		return ws.WriteMessage(kind, data)
	}
	fail := func(reason string) {
		c.Close(protocol.CloseStale, reason)
		c.stopReader()
	}
	for {
		select {
		case frame := <-c.out:
			if err := write(websocket.TextMessage, frame); err != nil {
				fail("write failed")
				return
			}
		case <-c.kick:
			for _, frame := range c.takeTransient() {
				if err := write(websocket.TextMessage, frame); err != nil {
					fail("write failed")
					return
				}
			}
		case <-ping.C:
			if err := ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.opts.WriteTimeout)); err != nil {
				fail("ping failed")
				return
			}
		case <-c.closed:
			// Flush what is queued, unless the client was cut off for being slow.
			if c.closeCode != protocol.CloseSlow {
				for drained := false; !drained; {
					select {
					case frame := <-c.out:
						if write(websocket.TextMessage, frame) != nil {
							drained = true
						}
					default:
						drained = true
					}
				}
			}
			if c.opts.Farewell != nil {
				if frame := c.opts.Farewell(c.closeCode, c.reason); frame != nil {
					_ = write(websocket.TextMessage, frame)
				}
			} else if frame, err := protocol.EncodeEvent(protocol.Event{Body: &protocol.Disconnect{Code: c.closeCode, Reason: c.reason, Reconnect: c.closeCode.Reconnect()}}); err == nil {
				_ = write(websocket.TextMessage, frame)
			}
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(int(c.closeCode), c.reason), time.Now().Add(time.Second))
			if c.closeCode != protocol.CloseTooLarge {
				c.stopReader() // (a reader refusing a frame drains it and stops by itself)
			}
			return
		}
	}
}

// drain reads and drops what the client is still sending of a refused frame, for a moment and
// up to a bound, then closes the socket: closing with unread data would reset the connection
// and could lose the disconnect event and close frame on their way to the client.
func (c *Conn) drain() {
	nc := c.ws.UnderlyingConn()
	_ = nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, _ = io.Copy(io.Discard, io.LimitReader(nc, 4*c.opts.HardFrameLimit))
	_ = c.ws.Close()
}

// stopReader wakes the reader if it is waiting for a frame and closes the socket. A deadline in
// the past does the waking: closing a connection fasthttp hijacked does not close its socket
// until the handler returns, so a reader blocked in Read would otherwise wait for its stale
// timeout.
func (c *Conn) stopReader() {
	_ = c.ws.SetReadDeadline(time.Now())
	_ = c.ws.Close()
}
