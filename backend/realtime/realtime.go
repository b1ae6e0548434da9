// Package realtime carries protocol frames between WebSocket clients and the chat service.
//
// It owns the transport and nothing else: one reader (the upgraded handler's goroutine) and one
// writer goroutine per connection, a bounded send queue whose overflow cuts the slow client off
// (it reconnects and resumes, so it loses nothing), heartbeats, and close codes that tell the
// client whether to reconnect. The chat service sees a connection only through [Handler] and
// [*Conn]'s small API, never Fiber.
//
// Server side it uses Fiber's WebSocket middleware (fasthttp), because coder/websocket's Accept
// needs net/http hijacking, which a Fiber handler cannot give; both speak RFC 6455, so the Go
// clients and tests use coder/websocket against it. The README's architecture section has the
// measurement behind the choice.
package realtime

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
)

// Handler receives the life of connections on one endpoint. Frame is called from the
// connection's reader goroutine, one frame at a time, in arrival order; Open before the first
// Frame and Closed exactly once after the last.
type Handler interface {
	Open(c *Conn)
	Frame(c *Conn, frame []byte)
	Closed(c *Conn)
}

// Options tune an endpoint. Zero values take the defaults.
type Options struct {
	// Role is the protocol role of clients on the endpoint.
	Role protocol.Role
	// SendQueue is how many frames may wait for a slow client before it is cut off (256).
	SendQueue int
	// PingInterval is how often the server pings (25 s); a connection that sends nothing,
	// pongs included, for StaleAfter (60 s) is closed with [protocol.CloseStale].
	PingInterval time.Duration
	StaleAfter   time.Duration
	// WriteTimeout bounds one frame's write (10 s).
	WriteTimeout time.Duration
	// HardFrameLimit is the frame size at which the socket itself is closed (1 MiB); frames
	// between [limits.FrameBytes] and it are answered with a too_large error and the
	// connection stays up.
	HardFrameLimit int64
	// CheckOrigin decides whether a browser's Origin header may open a connection; nil allows all.
	CheckOrigin func(origin, host string) bool
	Logger      *slog.Logger
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
	mu    sync.Mutex
	conns map[*Conn]struct{}
	wg    sync.WaitGroup
	count atomic.Int64
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{conns: make(map[*Conn]struct{})} }

// Count is the number of open connections, for metrics.
func (h *Hub) Count() int64 { return h.count.Load() }

// CloseAll closes every connection with code and reason and waits until their goroutines have
// ended or ctx-like deadline passes.
func (h *Hub) CloseAll(code protocol.CloseCode, reason string, wait time.Duration) {
	h.mu.Lock()
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
	select {
	case <-done:
	case <-time.After(wait):
	}
}

// Handle returns the Fiber handler of a WebSocket endpoint: it upgrades the request and runs
// the connection until it ends. Requests that are not WebSocket upgrades get 426.
func (h *Hub) Handle(handler Handler, opts Options) fiber.Handler {
	opts.defaults()
	upgrade := websocket.New(func(ws *websocket.Conn) {
		c := newConn(ws, opts)
		h.mu.Lock()
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

	// state is the chat service's per-connection data, set once in Open.
	state atomic.Value
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

// SetState stores the chat service's data for this connection.
func (c *Conn) SetState(v any) { c.state.Store(v) }

// State returns what SetState stored, or nil.
func (c *Conn) State() any { return c.state.Load() }

// Send queues a frame for the writer without blocking. A client whose queue is full is too slow
// to follow the chat: it is closed with [protocol.CloseSlow] (it will reconnect and resume) and
// Send reports false, as it does once the connection is closing.
func (c *Conn) Send(frame []byte) bool {
	select {
	case <-c.closed:
		return false
	default:
	}
	select {
	case c.out <- frame:
		return true
	default:
		c.Close(protocol.CloseSlow, "client too slow")
		return false
	}
}

// SendEvent encodes and queues an event; encoding failures are programming errors and logged.
func (c *Conn) SendEvent(e protocol.Event) bool {
	frame, err := protocol.EncodeEvent(e)
	if err != nil {
		c.opts.Logger.Error("encode event", "conn", c.id, "err", err)
		return false
	}
	return c.Send(frame)
}

// Close ends the connection: the writer sends what is queued, then a [protocol.Disconnect]
// event and a close frame with code. Only the first call counts.
func (c *Conn) Close(code protocol.CloseCode, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.reason = code, reason
		close(c.closed)
	})
}

// Done is closed when the connection starts closing.
func (c *Conn) Done() <-chan struct{} { return c.closed }

// run is the reader loop; it starts the writer and returns when both have ended.
func (c *Conn) run(handler Handler) {
	ws := c.ws
	ws.SetReadLimit(c.opts.HardFrameLimit)
	_ = ws.SetReadDeadline(time.Now().Add(c.opts.StaleAfter))
	ws.SetPongHandler(func(string) error {
		return ws.SetReadDeadline(time.Now().Add(c.opts.StaleAfter))
	})
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	handler.Open(c)
	for {
		kind, frame, err := ws.ReadMessage()
		if err != nil {
			if errors.Is(err, fws.ErrReadLimit) {
				c.Close(protocol.CloseBadRequest, "frame too large")
			}
			break
		}
		_ = ws.SetReadDeadline(time.Now().Add(c.opts.StaleAfter))
		if kind != websocket.TextMessage {
			c.SendEvent(protocol.Event{Body: protocol.Errorf(protocol.CodeBadJSON, "frames must be JSON text")})
			continue
		}
		if len(frame) > limits.FrameBytes {
			c.SendEvent(protocol.Event{Body: protocol.Errorf(protocol.CodeTooLarge, "frame of %d bytes exceeds %d", len(frame), limits.FrameBytes)})
			continue
		}
		handler.Frame(c, frame)
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
	handler.Closed(c)
}

// writeLoop sends queued frames and pings until the connection closes, then says goodbye.
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
	for {
		select {
		case frame := <-c.out:
			if err := write(websocket.TextMessage, frame); err != nil {
				c.Close(protocol.CloseStale, "write failed")
				_ = ws.Close()
				return
			}
		case <-ping.C:
			if err := ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.opts.WriteTimeout)); err != nil {
				c.Close(protocol.CloseStale, "ping failed")
				_ = ws.Close()
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
			if frame, err := protocol.EncodeEvent(protocol.Event{Body: &protocol.Disconnect{Code: c.closeCode, Reason: c.reason, Reconnect: c.closeCode.Reconnect()}}); err == nil {
				_ = write(websocket.TextMessage, frame)
			}
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(int(c.closeCode), c.reason), time.Now().Add(time.Second))
			// Closing the socket unblocks the reader if it is still waiting for a frame.
			_ = ws.Close()
			return
		}
	}
}
