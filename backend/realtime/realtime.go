// Package realtime carries protocol frames between WebSocket clients and the chat service.
//
// It owns the transport and nothing else: the upgrade, RFC 6455 framing, heartbeats, close
// codes that tell the client whether to reconnect, and flow control:
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
// Idle sockets are cheap, since every page view of a site may hold one: the server side of the
// protocol is framed here (frame.go) on the socket fasthttp hands over after the upgrade, and
// a socket between frames holds no buffer and no goroutine. One epoll loop waits for all of
// them (poll_linux.go) and a reader goroutine reads a socket that has bytes, then waits a
// while for the next; a frame is written at once when nothing waits before it, and a writer
// goroutine lives only while frames wait behind a full socket; one sweeper per [Hub] pings and
// ends stale connections. Where the socket cannot be polled (TLS served by Fiber itself,
// another OS, an app not [Prepare]d) a goroutine per connection reads instead. Clients and
// tests use coder/websocket, an independent implementation of RFC 6455.
package realtime

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

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

// closeGrace is how long a connection whose close frame is sent waits for the client's, reading
// and dropping what the client still sends: closing a socket with unread bytes resets it and
// could lose the disconnect event and close frame on their way.
const closeGrace = 2 * time.Second

// Prepare makes app keep the sockets its WebSocket endpoints take over, so that their
// connections can be polled instead of holding a goroutine each. Call it before the app serves.
func Prepare(app *fiber.App) { app.Server().KeepHijackedConns = true }

// Hub knows every open connection, so that shutdown can tell each one to reconnect, and pings
// them all from one sweeper goroutine that runs while there are connections.
type Hub struct {
	mu       sync.Mutex
	conns    map[*Conn]struct{}
	closing  bool // set by CloseAll: connections that arrive later are refused
	wg       sync.WaitGroup
	count    atomic.Int64
	tick     time.Duration // the sweeper's period: the finest any endpoint needs
	sweeping bool
	empty    chan struct{} // wakes the sweeper when the last connection ends

	// Gathering (Hold): while holds is above zero, frames for a connection with nothing being
	// written wait in its queue, and the connection in gathered, until a release writes each
	// one's frames at once. Both are guarded by gmu; a connection's wmu is taken before gmu.
	gmu      sync.Mutex
	holds    atomic.Int32 // changed under gmu; read without it by a sender's first look
	gathered []*Conn
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{conns: make(map[*Conn]struct{}), tick: time.Second, empty: make(chan struct{}, 1)}
}

// directWrites counts the writes tried at once on sockets (writeNow), for the tests of
// Hub.Hold.
var directWrites atomic.Uint64

// gatherLimit is how many frames a connection gathers during a hold before they are written
// anyway (at most half its Options.SendQueue): a hold delays frames, it must not fill a
// connection's queue.
const gatherLimit = 32

// Hold makes the hub gather the frames sent to each connection until release is called, which
// writes each connection's frames in one system call. A writer that sends many frames at
// once to the same connections (the store's finisher, delivering a committed batch: an agent
// gets a frame per message of each of their chats, a visitor an acknowledgement and the
// message) so costs the sockets a write per connection instead of one per frame; at the
// message rate's ceiling, writes were nearly a third of the server's CPU. Frames other
// goroutines send meanwhile wait for the release too, which comes as soon as the holder has
// sent its own: release must be called, and soon. Holds may overlap; each release writes what
// was gathered until then.
func (h *Hub) Hold() (release func()) {
	h.gmu.Lock()
	h.holds.Add(1)
	h.gmu.Unlock()
	return h.release
}

func (h *Hub) release() {
	h.gmu.Lock()
	h.holds.Add(-1)
	conns := h.gathered
	h.gathered = nil
	h.gmu.Unlock()
	for _, c := range conns {
		c.wmu.Lock()
		c.gathering = false
		if !c.writing && len(c.queue) > 0 {
			c.flushGathered()
		}
		c.wmu.Unlock()
	}
}

// gather registers c, which has a frame to write and nothing being written, with the hold
// under way, and reports whether there is one; the caller holds c.wmu.
func (h *Hub) gather(c *Conn) bool {
	if c.gathering {
		return true
	}
	h.gmu.Lock()
	defer h.gmu.Unlock()
	if h.holds.Load() == 0 {
		return false
	}
	c.gathering = true
	h.gathered = append(h.gathered, c)
	return true
}

// Count is the number of open connections, for metrics.
func (h *Hub) Count() int64 { return h.count.Load() }

// CloseAll closes every connection with code and reason and waits until they have ended or
// wait has passed.
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

// add registers a new connection, false once the hub is closing.
func (h *Hub) add(c *Conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false
	}
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	h.count.Add(1)
	if !h.sweeping {
		h.sweeping = true
		go h.sweep(h.tick)
	}
	return true
}

func (h *Hub) remove(c *Conn) {
	h.mu.Lock()
	delete(h.conns, c)
	if len(h.conns) == 0 {
		select {
		case h.empty <- struct{}{}:
		default:
		}
	}
	h.mu.Unlock()
	h.count.Add(-1)
	h.wg.Done()
}

// sweep pings the connections that are due, closes the stale ones and ends those whose close
// handshake took too long, until there are no connections.
func (h *Hub) sweep(tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	var conns []*Conn
	for {
		select {
		case <-t.C:
		case <-h.empty:
		}
		h.mu.Lock()
		if len(h.conns) == 0 {
			h.sweeping = false
			h.mu.Unlock()
			return
		}
		conns = conns[:0]
		for c := range h.conns {
			conns = append(conns, c)
		}
		h.mu.Unlock()
		now := time.Now().UnixNano()
		for _, c := range conns {
			c.heartbeat(now)
		}
		clear(conns)
	}
}

// Handle returns the Fiber handler of a WebSocket endpoint: it upgrades the request and hands
// the socket to the connection. Requests that are not WebSocket upgrades get 426.
func (h *Hub) Handle(handler Handler, opts Options) fiber.Handler {
	opts.defaults()
	o := &opts
	h.mu.Lock()
	h.tick = min(h.tick, max(min(opts.PingInterval, opts.StaleAfter)/4, 5*time.Millisecond))
	h.mu.Unlock()
	return func(ctx *fiber.Ctx) error {
		if !isUpgrade(ctx) {
			return fiber.NewError(fiber.StatusUpgradeRequired, "this endpoint speaks WebSocket only")
		}
		if opts.CheckOrigin != nil {
			origin := ctx.Get(fiber.HeaderOrigin)
			if origin != "" && !opts.CheckOrigin(origin, ctx.Hostname()) {
				return fiber.NewError(fiber.StatusForbidden, "origin not allowed")
			}
		}
		key := ctx.Get("Sec-WebSocket-Key")
		if ctx.Method() != fiber.MethodGet || key == "" || !hasToken(ctx.Get("Sec-WebSocket-Version"), "13") {
			return fiber.NewError(fiber.StatusBadRequest, "not a WebSocket version 13 handshake")
		}
		// Everything the connection needs of the request is copied now: fasthttp reuses the
		// request once the handler returns, before and while the socket is taken over.
		c := &Conn{
			id:        token.New(9),
			role:      opts.Role,
			ip:        strings.Clone(ctx.IP()),
			origin:    strings.Clone(ctx.Get(fiber.HeaderOrigin)),
			host:      strings.Clone(ctx.Get(fiber.HeaderHost)),
			userAgent: strings.Clone(ctx.Get(fiber.HeaderUserAgent)),
			session:   strings.Clone(ctx.Cookies(session.Cookie)),
			opts:      o,
			hub:       h,
			closed:    make(chan struct{}),
		}
		keep := ctx.App().Server().KeepHijackedConns
		ctx.Status(fiber.StatusSwitchingProtocols)
		ctx.Set(fiber.HeaderUpgrade, "websocket")
		ctx.Set(fiber.HeaderConnection, "Upgrade")
		ctx.Set("Sec-WebSocket-Accept", acceptKey(key))
		ctx.Context().Hijack(func(nc net.Conn) { c.serve(nc, keep, handler) })
		return nil
	}
}

// isUpgrade reports whether the request asks for a WebSocket.
func isUpgrade(ctx *fiber.Ctx) bool {
	return hasToken(ctx.Get(fiber.HeaderConnection), "upgrade") && hasToken(ctx.Get(fiber.HeaderUpgrade), "websocket")
}

// hasToken reports whether a comma-separated header value holds token (any case).
func hasToken(value, token string) bool {
	for _, t := range strings.Split(value, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// acceptKey is the Sec-WebSocket-Accept answer to a Sec-WebSocket-Key (RFC 6455 section 4.2.2).
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(sum[:])
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
	session   string // the session cookie of the handshake
	opts      *Options
	hub       *Hub

	nc   net.Conn        // the socket itself
	rc   syscall.RawConn // set when the poller watches the socket
	fd   int
	poll *poller

	closed    chan struct{}
	closeOnce sync.Once
	closeCode protocol.CloseCode
	reason    string
	closedAt  time.Time // when Close was called; guarded by wmu

	lastRead  atomic.Int64 // unix nanoseconds of the last bytes read or frame handled
	busy      atomic.Bool  // a frame is being handled: the stale clock stands still
	lastPing  int64        // the sweeper's
	goodbyeAt atomic.Int64 // when the close frame went out; 0 before
	peerClose atomic.Bool  // the client sent its close frame or went away
	finished  sync.Once
	released  chan struct{} // closed when the connection has ended, for a reading goroutine

	// partialSince is when the client last left a frame or a fragmented message incomplete
	// after completing a message (unix nanoseconds), 0 while nothing is incomplete. One
	// incomplete for StaleAfter is closed however its bytes trickle in: each socket could
	// otherwise hold up to a mebibyte of a message that never ends, for a byte a minute.
	partialSince atomic.Int64

	// Reading: held while bytes are parsed and frames handed to the session.
	rmu  sync.Mutex
	fr   frameReader
	sess Session
	gone bool // the socket is closed; nothing more is read

	// Writing: frames waiting for the writer, which runs only while there are some.
	wmu       sync.Mutex
	queue     [][]byte
	control   [][]byte // encoded control frames, written first
	writing   bool
	shut      bool          // finish has begun closing the socket
	room      chan struct{} // closed when the writer takes the queue, for SendWait
	transient map[string][]byte
	order     []string
	// gathering: the queue's frames wait for a hold's release (Hub.Hold); while it is set,
	// nothing is being written and the hub lists the connection.
	gathering bool
}

// serve runs on the goroutine fasthttp gives the taken-over socket: it opens the session and
// then either hands the socket to the poller and returns, or reads it until it ends.
func (c *Conn) serve(nc net.Conn, keep bool, handler Handler) {
	c.nc = nc
	if u, ok := nc.(interface{ UnsafeConn() net.Conn }); ok {
		c.nc = u.UnsafeConn()
	}
	c.fr.limit = c.opts.HardFrameLimit
	var early []byte
	sc, pollable := c.nc.(syscall.Conn)
	p := sharedPoller()
	pollable = pollable && keep && p != nil
	if pollable {
		// Bytes the client sent right behind its request may sit in fasthttp's buffer, which
		// is released when this function returns: take them now, without waiting.
		_ = c.nc.SetReadDeadline(time.Now())
		buf := make([]byte, 4096)
		for {
			n, err := nc.Read(buf)
			early = append(early, buf[:n]...)
			if err != nil || n == 0 {
				break
			}
		}
		_ = c.nc.SetReadDeadline(time.Time{})
	}
	now := time.Now().UnixNano()
	c.lastRead.Store(now)
	c.lastPing = now
	c.released = make(chan struct{})
	if pollable {
		rc, err := sc.SyscallConn()
		if err == nil {
			err = rc.Control(func(fd uintptr) { c.fd = int(fd) })
		}
		if err == nil {
			c.rc, c.poll = rc, p
		}
	}
	if !c.hub.add(c) {
		_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.nc.Write(closeFrame(int(protocol.CloseShutdown), "server restarting"))
		_ = c.nc.Close()
		return
	}
	c.rmu.Lock()
	c.sess = handler(c)
	if len(early) > 0 {
		c.onData(early)
	}
	c.rmu.Unlock()
	if c.poll != nil {
		// Registering and finish's closing exclude each other: a socket closed first would
		// leave its number, perhaps already another client's, registered for this one.
		c.wmu.Lock()
		shut := c.shut
		added := !shut && c.poll.add(c, c.fd) == nil
		c.wmu.Unlock()
		if shut || added {
			return
		}
	}
	// A goroutine reads instead; without KeepHijackedConns fasthttp closes the socket when
	// this returns, so it returns only when the connection has ended.
	buf := make([]byte, 4096)
	for {
		n, err := nc.Read(buf)
		if n > 0 {
			c.rmu.Lock()
			if !c.gone {
				c.onData(buf[:n])
			}
			c.rmu.Unlock()
		}
		if err != nil {
			break
		}
	}
	c.lost()
	<-c.released
}

// readBufs are the buffers the short-lived readers read into.
var readBufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

// readable reads what a polled socket has and arms it again; the poller calls it on a fresh
// goroutine.
func (c *Conn) readable() {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.gone {
		return
	}
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	buf := *bp
	for range 16 {
		n, err := readRaw(c.rc, buf)
		if n > 0 {
			c.onData(buf[:n])
			if c.gone {
				return
			}
			if n < len(buf) {
				break
			}
			continue
		}
		if wouldBlock(err) {
			break
		}
		c.lost()
		return
	}
	if !c.poll.rearm(c, c.fd) {
		c.lost()
	}
}

// lost ends a connection whose socket failed or reached its end.
func (c *Conn) lost() {
	c.peerClose.Store(true)
	c.Close(protocol.CloseStale, "connection lost")
	c.finish()
}

// onData parses bytes from the client and handles the frames they complete. The caller holds
// rmu.
func (c *Conn) onData(b []byte) {
	now := time.Now().UnixNano()
	c.lastRead.Store(now)
	before := c.fr.messages
	err := c.fr.feed(b, c.handle)
	switch {
	case !c.fr.pending():
		c.partialSince.Store(0)
	case c.fr.messages != before || c.partialSince.Load() == 0:
		c.partialSince.Store(now)
	}
	switch {
	case err == nil:
	case errors.Is(err, errTooLarge):
		c.Close(protocol.CloseTooLarge, "frame over the limit")
	default:
		// The stream cannot be followed any further (the reader reads nothing more).
		c.Close(protocol.CloseBadRequest, err.Error())
	}
}

// handle acts on one message or control frame; false stops the parsing of what follows.
func (c *Conn) handle(m message) bool {
	switch m.op {
	case opPing:
		if !c.isClosed() {
			c.sendControl(appendFrame(nil, opPong, m.payload))
		}
	case opPong:
	case opClose:
		if _, err := parseClose(m.payload); err != nil {
			c.Close(protocol.CloseBadRequest, err.Error())
		}
		c.peerClose.Store(true)
		c.Close(protocol.CloseStale, "connection lost")
		if c.goodbyeAt.Load() != 0 {
			c.finish()
		}
		return false
	case opBinary:
		if !c.isClosed() {
			c.refuse(protocol.Errorf(protocol.CodeBadJSON, "frames must be JSON text"))
		}
	default:
		if c.isClosed() {
			break
		}
		if len(m.payload) > limits.FrameBytes {
			c.refuse(protocol.Errorf(protocol.CodeTooLarge, "frame of %d bytes exceeds %d", len(m.payload), limits.FrameBytes))
			break
		}
		// The stale clock starts again when the frame is handled, so the time a long command
		// (a replay) takes is not counted against the client.
		c.busy.Store(true)
		c.sess.Frame(append([]byte(nil), m.payload...))
		c.lastRead.Store(time.Now().UnixNano())
		c.busy.Store(false)
	}
	return true
}

// heartbeat is the sweeper's look at one connection at now (unix nanoseconds).
func (c *Conn) heartbeat(now int64) {
	if at := c.goodbyeAt.Load(); at != 0 {
		if now-at > int64(closeGrace) {
			c.finish()
		}
		return
	}
	if c.isClosed() {
		return
	}
	if !c.busy.Load() && now-c.lastRead.Load() > int64(c.opts.StaleAfter) {
		c.Close(protocol.CloseStale, "connection lost")
		return
	}
	if at := c.partialSince.Load(); at != 0 && !c.busy.Load() && now-at > int64(c.opts.StaleAfter) {
		c.Close(protocol.CloseStale, "a frame left incomplete")
		return
	}
	if now-c.lastPing >= int64(c.opts.PingInterval) {
		c.lastPing = now
		c.sendControl(pingFrame)
	}
}

var pingFrame = appendFrame(nil, opPing, nil)

// finish closes the socket once; the session hears of it after its last frame.
func (c *Conn) finish() {
	c.finished.Do(func() {
		c.Close(protocol.CloseStale, "connection lost")
		c.wmu.Lock()
		c.shut = true
		c.wmu.Unlock()
		if c.poll != nil {
			c.poll.remove(c, c.fd)
		}
		_ = c.nc.Close()
		go c.release()
	})
}

// release tells the session and the hub that the connection has ended, once no frame is being
// handled.
func (c *Conn) release() {
	c.rmu.Lock()
	c.gone = true
	c.fr = frameReader{}
	sess := c.sess
	c.rmu.Unlock()
	if sess != nil {
		sess.Closed()
	}
	c.hub.remove(c)
	close(c.released)
}

func (c *Conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
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
func (c *Conn) Cookie(name string) string {
	if name == session.Cookie {
		return c.session
	}
	return ""
}

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
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.isClosed() || len(c.queue) >= c.opts.SendQueue {
		return false
	}
	c.enqueue(frame)
	return true
}

// enqueue hands a text frame to the writer. When nothing is being written it tries the
// socket at once, without waiting, as sendControl does: a frame that fits in the socket's
// buffer, the usual case, then costs no goroutine and no wait for one to be scheduled, which
// on a busy machine took milliseconds. During a hold (Hub.Hold) the frame waits in the queue
// for the release instead, with the connection's other frames, up to gatherLimit. The caller
// holds wmu and has checked for room.
func (c *Conn) enqueue(frame []byte) {
	if c.writing || c.rc == nil {
		c.queue = append(c.queue, frame)
		c.startWriter()
		return
	}
	if len(c.queue) == 0 && (c.hub == nil || c.hub.holds.Load() == 0) {
		raw := appendHeader(make([]byte, 0, 10+len(frame)), opText, len(frame))
		c.writeNow(append(raw, frame...))
		return
	}
	c.queue = append(c.queue, frame)
	if len(c.queue) < min(gatherLimit, c.opts.SendQueue/2) && c.hub != nil && c.hub.gather(c) {
		return
	}
	c.flushGathered()
}

// flushGathered writes the queue's frames at once (see enqueue); nothing is being written and
// the caller holds wmu.
func (c *Conn) flushGathered() {
	n := 0
	for _, f := range c.queue {
		n += 10 + len(f)
	}
	raw := make([]byte, 0, n)
	for _, f := range c.queue {
		raw = appendHeader(raw, opText, len(f))
		raw = append(raw, f...)
	}
	c.queue = nil // an idle connection keeps no queue
	if c.room != nil {
		close(c.room)
		c.room = nil
	}
	c.writeNow(raw)
}

// SendWait queues a frame, waiting for room while the client reads. It returns [ErrClosed]
// once the connection is closing and ctx's error when ctx ends first.
func (c *Conn) SendWait(ctx context.Context, frame []byte) error {
	for {
		c.wmu.Lock()
		if c.isClosed() {
			c.wmu.Unlock()
			return ErrClosed
		}
		if len(c.queue) < c.opts.SendQueue {
			c.enqueue(frame)
			c.wmu.Unlock()
			return nil
		}
		if c.room == nil {
			c.room = make(chan struct{})
		}
		room := c.room
		c.wmu.Unlock()
		select {
		case <-room:
		case <-c.closed:
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// SendTransient hands the writer a frame that only its latest version matters of, under key:
// a newer frame with the same key replaces one not yet written. Transient frames wait beside
// the queue, so they never fill it.
func (c *Conn) SendTransient(key string, frame []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.isClosed() {
		return
	}
	if c.transient == nil {
		c.transient = make(map[string][]byte)
	}
	if _, ok := c.transient[key]; !ok {
		c.order = append(c.order, key)
	}
	c.transient[key] = frame
	c.startWriter()
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

// sendControl writes a control frame ahead of queued frames. When nothing else is being
// written it tries the socket at once, without waiting, so that a heartbeat costs no goroutine.
func (c *Conn) sendControl(frame []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.writeNow(frame)
}

// writeNow tries raw, an encoded frame, on the socket at once when nothing is being written,
// and hands the writer what the socket did not take (all of it while the writer runs), ahead of
// the queued frames. The caller holds wmu.
func (c *Conn) writeNow(raw []byte) {
	if !c.writing && c.rc != nil {
		directWrites.Add(1)
		n, err := writeRaw(c.rc, raw)
		if n == len(raw) {
			return
		}
		if err != nil && !wouldBlock(err) {
			go c.lost()
			return
		}
		raw = raw[n:]
	}
	c.control = append(c.control, raw)
	c.startWriter()
}

// startWriter starts the writer unless it runs. The caller holds wmu.
func (c *Conn) startWriter() {
	if !c.writing {
		c.writing = true
		go c.write()
	}
}

// Close ends the connection: the writer sends what is queued (unless the client was too slow
// for it), then a [protocol.Disconnect] event and a close frame with code. Only the first call
// counts; it is logged with its reason.
func (c *Conn) Close(code protocol.CloseCode, reason string) {
	c.closeOnce.Do(func() {
		c.wmu.Lock()
		c.closeCode, c.reason = code, reason
		close(c.closed)
		c.closedAt = time.Now()
		if c.writing {
			// A writer blocked on a client that stopped reading gives up with the close's
			// grace, not the full write timeout: the goodbye waits behind it.
			_ = c.nc.SetWriteDeadline(c.closedAt.Add(closeGrace))
		}
		c.startWriter()
		c.wmu.Unlock()
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

// write is the writer: it writes what waits until nothing does, and says goodbye once the
// connection is closing.
func (c *Conn) write() {
	for {
		c.wmu.Lock()
		closing := c.isClosed()
		control, queue := c.control, c.queue
		c.control, c.queue = nil, nil
		if closing && c.closeCode == protocol.CloseSlow {
			queue = nil // the client was cut off for not reading them
		}
		var transient [][]byte
		if !closing {
			for _, k := range c.order {
				transient = append(transient, c.transient[k])
			}
		}
		c.transient, c.order = nil, nil
		if c.room != nil {
			close(c.room)
			c.room = nil
		}
		if len(control)+len(queue)+len(transient) == 0 {
			if !closing {
				c.writing = false
				c.wmu.Unlock()
				return
			}
			// The writer stays marked as running: nothing is written after the goodbye.
			c.wmu.Unlock()
			c.goodbye()
			return
		}
		c.wmu.Unlock()
		if err := c.writeFrames(control, queue, transient); err != nil {
			c.lost()
			return
		}
	}
}

// writeFrames writes encoded control frames, then the queued and transient payloads as text
// frames, in one system call where it can.
func (c *Conn) writeFrames(control, queue, transient [][]byte) error {
	n := len(control) + 2*(len(queue)+len(transient))
	bufs := make(net.Buffers, 0, n)
	bufs = append(bufs, control...)
	headers := make([]byte, 0, 10*(len(queue)+len(transient)))
	for _, list := range [2][][]byte{queue, transient} {
		for _, p := range list {
			start := len(headers)
			headers = appendHeader(headers, opText, len(p))
			bufs = append(bufs, headers[start:len(headers):len(headers)], p)
		}
	}
	deadline := time.Now().Add(c.opts.WriteTimeout)
	c.wmu.Lock()
	if !c.closedAt.IsZero() {
		deadline = c.closedAt.Add(closeGrace)
	}
	c.wmu.Unlock()
	if err := c.nc.SetWriteDeadline(deadline); err != nil {
		return err
	}
	if _, err := bufs.WriteTo(c.nc); err != nil {
		return err
	}
	// A deadline left behind would fail the heartbeats sendControl writes past it.
	return c.nc.SetWriteDeadline(time.Time{})
}

// goodbye sends the farewell frame and the close frame, then waits (closeGrace) for the
// client's close frame unless it came already.
func (c *Conn) goodbye() {
	var farewell []byte
	if c.opts.Farewell != nil {
		farewell = c.opts.Farewell(c.closeCode, c.reason)
	} else if f, err := protocol.EncodeEvent(protocol.Event{Body: &protocol.Disconnect{Code: c.closeCode, Reason: c.reason, Reconnect: c.closeCode.Reconnect()}}); err == nil {
		farewell = f
	}
	var queue [][]byte
	if farewell != nil {
		queue = [][]byte{farewell}
	}
	err := c.writeFrames(nil, queue, nil)
	if err == nil {
		err = c.writeFrames([][]byte{closeFrame(int(c.closeCode), c.reason)}, nil, nil)
	}
	c.goodbyeAt.Store(time.Now().UnixNano())
	if err != nil || c.peerClose.Load() {
		c.finish()
	}
}
