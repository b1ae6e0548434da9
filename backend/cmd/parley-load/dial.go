package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
)

// The load tool's own client: a plain TCP connection, the client's side of the RFC 6455
// handshake written by hand and masked frames. An idle socket has one goroutine that answers the
// server's pings while it idles: an idle visitor needs no pairing of commands with answers nor
// events handed out, and protoclient's weight (an HTTP client per dial, a reader and a writer
// per socket, every event decoded) was most of the CPU an idle run spent on the tool's side of
// the machine, not on the server's. The chatting visitors and agents use the same connection and
// frames (chatconn.go). The socket still does what the widget's does: the handshake,
// visitor.connect answered by connected, and pongs to the pings for as long as it is open.

// idleSocket is an idle visitor's connection, as runIdle holds it.
type idleSocket interface {
	// Done is closed when the connection has ended.
	Done() <-chan struct{}
	// Err says why it ended.
	Err() error
	// Drop closes the socket without a close handshake, as a tab that goes away does.
	Drop()
}

// wsConn is a visitor socket of dialVisitor.
type wsConn struct {
	socket
	// pongs counts the pings answered, for tests.
	pongs int
}

// socket is what the tool's own WebSocket connections (wsConn, chatConn) share: the upgraded
// connection, its reader's frames, the write lock, and how the reader ended.
type socket struct {
	nc   net.Conn
	in   frameIn
	wmu  sync.Mutex // one frame written at a time
	done chan struct{}
	err  error // set before done is closed
}

// Done is closed when the connection has ended.
func (c *socket) Done() <-chan struct{} { return c.done }

// Err says why the connection ended, once Done is closed.
func (c *socket) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Drop closes the socket, as a lost network would, and waits for its reader to end.
func (c *socket) Drop() {
	_ = c.nc.Close()
	<-c.done
}

// wsGUID is the key suffix of RFC 6455 section 1.3.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// handshakeTimeout bounds the handshake and the hello's answer when ctx has no sooner deadline.
const handshakeTimeout = 30 * time.Second

// dialVisitor opens a visitor socket at wsURL (ws://host:port/ws/visitor), sends hello as the
// visitor.connect command with id and waits for its connected answer; then the socket idles,
// its pings answered, until Drop or the server closes it.
func dialVisitor(ctx context.Context, wsURL, id string, hello *protocol.VisitorConnect) (*wsConn, error) {
	frame, err := protocol.EncodeCommand(protocol.Command{ID: id, Body: hello})
	if err != nil {
		return nil, err
	}
	c := &wsConn{socket: socket{done: make(chan struct{})}}
	if c.nc, err = openSocket(ctx, wsURL, &c.in); err != nil {
		return nil, err
	}
	if err := c.handshake(frame, id); err != nil {
		_ = c.nc.Close()
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	_ = c.nc.SetDeadline(time.Time{})
	c.in.shrink()
	go c.idle()
	return c, nil
}

// openSocket connects to wsURL and upgrades the connection to a WebSocket, in reads through in.
// The connection keeps a deadline (ctx's, or handshakeTimeout from now) for the exchange that
// follows; the caller lifts it.
func openSocket(ctx context.Context, wsURL string, in *frameIn) (net.Conn, error) {
	u, err := url.Parse(wsURL)
	if err != nil || u.Scheme != "ws" {
		return nil, fmt.Errorf("dial %s: not a ws:// URL", wsURL)
	}
	d := net.Dialer{KeepAlive: -1} // the protocol's heartbeats watch the socket
	nc, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	deadline := time.Now().Add(handshakeTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = nc.SetDeadline(deadline)
	in.r = nc
	if err := upgrade(nc, in, u); err != nil {
		_ = nc.Close()
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	return nc, nil
}

// upgrade sends the handshake request and checks its answer (RFC 6455 section 4.1).
func upgrade(nc net.Conn, in *frameIn, u *url.URL) error {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	path := u.RequestURI()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\nUser-Agent: parley-load\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		return err
	}
	in.buf = make([]byte, 0, 4096)
	head, err := in.until([]byte("\r\n\r\n"), 4096)
	if err != nil {
		return fmt.Errorf("handshake answer: %w", err)
	}
	return checkUpgrade(string(head), key)
}

// handshake sends the hello frame and reads up to its answer.
func (c *wsConn) handshake(hello []byte, id string) error {
	if err := c.writeFrame(opcodeText, hello); err != nil {
		return err
	}
	for {
		op, payload, err := c.in.frame(2 * limits.FrameBytes)
		if err != nil {
			return fmt.Errorf("waiting for the answer to visitor.connect: %w", err)
		}
		switch op {
		case opcodePing:
			if err := c.pong(payload); err != nil {
				return err
			}
			continue
		case opcodeClose:
			return fmt.Errorf("closed before the answer to visitor.connect: %s", closeText(payload))
		case opcodeText:
		default:
			continue
		}
		// The server writes the envelope's fields in their order: the answer's start says what
		// it is without decoding the rest (the connector's description, which the load ignores).
		if bytes.HasPrefix(payload, connectedPrefix(id)) && json.Valid(payload) {
			return nil
		}
		var env protocol.Envelope
		if err := json.Unmarshal(payload, &env); err != nil {
			return fmt.Errorf("undecodable frame %q: %w", payload, err)
		}
		if env.ID != id {
			continue // an event ahead of the answer
		}
		switch env.Type {
		case protocol.TypeConnected:
			return nil
		case protocol.TypeError:
			var e protocol.Error
			_ = json.Unmarshal(env.Data, &e)
			return fmt.Errorf("visitor.connect refused: %s: %s", e.Code, e.Message)
		default:
			return fmt.Errorf("visitor.connect answered with %q", env.Type)
		}
	}
}

// connectedPrefix is how the server's connected answer to the command id begins.
func connectedPrefix(id string) []byte {
	b, _ := json.Marshal(id) // a string always encodes
	return []byte(`{"v":` + strconv.Itoa(protocol.Version) + `,"type":"` + string(protocol.TypeConnected) + `","id":` + string(b) + `,`)
}

// checkUpgrade checks the server's answer to the handshake request (RFC 6455 section 4.1):
// 101, an upgrade to websocket and the accept value of the key.
func checkUpgrade(head, key string) error {
	lines := strings.Split(head, "\r\n")
	status := strings.Fields(lines[0])
	if len(status) < 2 || !strings.HasPrefix(status[0], "HTTP/1.") || status[1] != "101" {
		return fmt.Errorf("handshake refused: %q", lines[0])
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	want := base64.StdEncoding.EncodeToString(sum[:])
	var upgrade, connection, accept bool
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "upgrade":
			upgrade = strings.EqualFold(value, "websocket")
		case "connection":
			for _, t := range strings.Split(value, ",") {
				connection = connection || strings.EqualFold(strings.TrimSpace(t), "upgrade")
			}
		case "sec-websocket-accept":
			accept = value == want
		}
	}
	switch {
	case !upgrade || !connection:
		return errors.New("handshake answer does not upgrade to websocket")
	case !accept:
		return errors.New("handshake answer has the wrong Sec-WebSocket-Accept")
	}
	return nil
}

// idle reads until the connection ends, answering pings and dropping events.
func (c *wsConn) idle() {
	var err error
	for {
		var op byte
		var payload []byte
		op, payload, err = c.in.frame(0)
		if err != nil {
			break
		}
		if op == opcodePing {
			if err = c.pong(payload); err != nil {
				break
			}
		}
		if op == opcodeClose {
			err = fmt.Errorf("closed by the server: %s", closeText(payload))
			c.wmu.Lock()
			_ = c.writeLocked(opcodeClose, payload[:min(len(payload), 2)])
			c.wmu.Unlock()
			break
		}
	}
	_ = c.nc.Close()
	c.err = err
	close(c.done)
}

func (c *wsConn) pong(payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.pongs++
	return c.writeLocked(opcodePong, payload)
}

// The frame opcodes of RFC 6455 section 5.2.
const (
	opcodeText  = 0x1
	opcodeClose = 0x8
	opcodePing  = 0x9
	opcodePong  = 0xA
)

func (c *wsConn) writeFrame(op byte, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(op, payload)
}

// writeLocked writes one final frame, masked as a client's must be (RFC 6455 section 5.3).
func (c *wsConn) writeLocked(op byte, payload []byte) error {
	return writeMasked(c.nc, op, payload)
}

func writeMasked(w io.Writer, op byte, payload []byte) error {
	n := len(payload)
	b := make([]byte, 0, 14+n)
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
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	b = append(b, mask[:]...)
	for i, x := range payload {
		b = append(b, x^mask[i&3])
	}
	_, err := w.Write(b)
	return err
}

// closeText describes a close frame's payload: its code and reason.
func closeText(payload []byte) string {
	if len(payload) < 2 {
		return "no code"
	}
	return fmt.Sprintf("code %d %q", binary.BigEndian.Uint16(payload), payload[2:])
}

// frameIn reads the server's frames from r through a buffer of its own.
type frameIn struct {
	r   io.Reader
	buf []byte // unread bytes are buf[off:]
	off int
}

// shrink trades the handshake's buffer for a small one once the socket idles: an idle socket
// mostly sees pings.
func (f *frameIn) shrink() {
	rest := f.buf[f.off:]
	f.buf = append(make([]byte, 0, max(256, len(rest))), rest...)
	f.off = 0
}

// fill reads more bytes, at least until len(f.buf)-f.off >= n.
func (f *frameIn) fill(n int) error {
	for len(f.buf)-f.off < n {
		if f.off > 0 {
			f.buf = f.buf[:copy(f.buf, f.buf[f.off:])]
			f.off = 0
		}
		if cap(f.buf) < n {
			f.buf = append(make([]byte, 0, max(n, 2*cap(f.buf))), f.buf...)
		}
		m, err := f.r.Read(f.buf[len(f.buf):cap(f.buf)])
		f.buf = f.buf[:len(f.buf)+m]
		if err != nil && len(f.buf)-f.off < n {
			return err
		}
	}
	return nil
}

// until returns the bytes up to and including sep, at most max of them.
func (f *frameIn) until(sep []byte, limit int) ([]byte, error) {
	for {
		if i := bytes.Index(f.buf[f.off:], sep); i >= 0 {
			out := f.buf[f.off : f.off+i+len(sep)]
			f.off += i + len(sep)
			return out, nil
		}
		if len(f.buf)-f.off >= limit {
			return nil, fmt.Errorf("no %q in the first %d bytes", sep, limit)
		}
		if err := f.fill(len(f.buf) - f.off + 1); err != nil {
			return nil, err
		}
	}
}

// frame reads one whole message or control frame. keep bounds the payloads kept: a text
// frame longer than keep (0: every text frame) is read and dropped, and its payload is nil.
// The payload is valid until the next read.
func (f *frameIn) frame(keep int) (op byte, payload []byte, err error) {
	if err := f.fill(2); err != nil {
		return 0, nil, err
	}
	b0, b1 := f.buf[f.off], f.buf[f.off+1]
	if b0&0x70 != 0 || b1&0x80 != 0 {
		return 0, nil, errors.New("bad frame: reserved bits or a masked server frame")
	}
	op = b0 & 0x0F
	head, n := 2, uint64(b1&0x7F)
	switch n {
	case 126:
		head = 4
	case 127:
		head = 10
	}
	if err := f.fill(head); err != nil {
		return 0, nil, err
	}
	switch head {
	case 4:
		n = uint64(binary.BigEndian.Uint16(f.buf[f.off+2:]))
	case 10:
		n = binary.BigEndian.Uint64(f.buf[f.off+2:])
	}
	f.off += head
	if op >= 0x8 && n > 125 {
		return 0, nil, errors.New("bad frame: control frame over 125 bytes")
	}
	if op < 0x8 && (keep == 0 || n > uint64(keep)) {
		// Dropped: read through a buffer of the reader's size.
		for n > 0 {
			if len(f.buf) == f.off {
				f.buf, f.off = f.buf[:0], 0
				if err := f.fill(1); err != nil {
					return 0, nil, err
				}
			}
			m := min(n, uint64(len(f.buf)-f.off))
			f.off += int(m)
			n -= m
		}
		return op, nil, nil
	}
	if err := f.fill(int(n)); err != nil {
		return 0, nil, err
	}
	payload = f.buf[f.off : f.off+int(n)]
	f.off += int(n)
	return op, payload, nil
}
