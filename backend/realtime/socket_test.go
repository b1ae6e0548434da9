package realtime_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/shared/protocol"
)

// rawClient speaks WebSocket byte by byte, to send what a library would not.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

// rawDial opens the socket and sends the handshake followed by early (bytes a client may send
// before it has read the answer).
func rawDial(t *testing.T, url string, early []byte) *rawClient {
	t.Helper()
	addr := strings.TrimPrefix(strings.TrimSuffix(url, "/ws"), "ws://")
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write(append([]byte(req), early...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("handshake answer: %s %v", resp.Status, resp.Header)
	}
	return &rawClient{t: t, nc: nc, br: br}
}

// frame is a masked client frame.
func frame(fin bool, op byte, payload []byte) []byte {
	b := []byte{op, 0x80}
	if fin {
		b[0] |= 0x80
	}
	switch n := len(payload); {
	case n <= 125:
		b[1] |= byte(n)
	case n <= 0xffff:
		b[1] |= 126
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b[1] |= 127
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	mask := []byte{0x37, 0xfa, 0x21, 0x3d}
	b = append(b, mask...)
	for i, c := range payload {
		b = append(b, c^mask[i%4])
	}
	return b
}

func (c *rawClient) send(frames ...[]byte) {
	c.t.Helper()
	if _, err := c.nc.Write(bytes.Join(frames, nil)); err != nil {
		c.t.Fatal(err)
	}
}

// read returns the next server frame's opcode and payload; server frames are never masked.
func (c *rawClient) read() (byte, []byte) {
	c.t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		c.t.Fatal(err)
	}
	if h[0]&0x80 == 0 || h[1]&0x80 != 0 {
		c.t.Fatalf("server frame header %x: fragmented or masked", h)
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		_, _ = io.ReadFull(c.br, l[:])
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		_, _ = io.ReadFull(c.br, l[:])
		n = int(binary.BigEndian.Uint64(l[:]))
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(c.br, p); err != nil {
		c.t.Fatal(err)
	}
	return h[0] & 0x0f, p
}

// closeCode reads frames until the close frame and returns its code.
func (c *rawClient) closeCode() int {
	c.t.Helper()
	for {
		op, p := c.read()
		if op == 0x8 {
			if len(p) < 2 {
				return 1005
			}
			return int(binary.BigEndian.Uint16(p))
		}
	}
}

// A message in fragments with a ping between them arrives whole, the ping is answered, and a
// frame sent right behind the handshake (still in the HTTP server's buffer) is not lost.
func TestFragmentsAndControlFrames(t *testing.T) {
	h := newHandler()
	url, _ := serve(t, h, realtime.Options{Role: protocol.RoleVisitor})
	c := rawDial(t, url, frame(true, 0x1, []byte(`{"early":1}`)))
	<-h.open
	if op, p := c.read(); op != 0x1 || string(p) != `{"early":1}` {
		t.Fatalf("early frame: %d %q", op, p)
	}
	c.send(frame(false, 0x1, []byte(`{"a":`)), frame(true, 0x9, []byte("hi")), frame(false, 0x0, []byte(`"b`)), frame(true, 0x0, []byte(`c"}`)))
	if op, p := c.read(); op != 0xa || string(p) != "hi" {
		t.Fatalf("pong: %d %q", op, p)
	}
	if op, p := c.read(); op != 0x1 || string(p) != `{"a":"bc"}` {
		t.Fatalf("reassembled: %d %q", op, p)
	}
	// The close handshake: the server answers the client's close frame and closes the socket.
	c.send(frame(true, 0x8, []byte{0x03, 0xe8}))
	if code := c.closeCode(); code != int(protocol.CloseStale) {
		t.Fatalf("close answer %d", code)
	}
	if _, err := c.br.ReadByte(); err != io.EOF {
		t.Fatalf("after the close frames: %v, want EOF", err)
	}
	<-h.closed
}

// A client frame without a mask breaks the protocol: the connection is closed with
// CloseBadRequest and the session hears of it.
func TestUnmaskedFrameClosesConnection(t *testing.T) {
	h := newHandler()
	url, _ := serve(t, h, realtime.Options{Role: protocol.RoleVisitor})
	c := rawDial(t, url, nil)
	<-h.open
	c.send([]byte{0x81, 0x02, '{', '}'})
	if code := c.closeCode(); code != int(protocol.CloseBadRequest) {
		t.Fatalf("close code %d", code)
	}
	<-h.closed
}

// A frame announcing more than the hard limit is refused from its header, before its payload
// is sent; the client's close frame behind the payload it then sends is still read.
func TestOversizedHeaderRefused(t *testing.T) {
	h := newHandler()
	url, _ := serve(t, h, realtime.Options{Role: protocol.RoleVisitor, HardFrameLimit: 1000})
	c := rawDial(t, url, nil)
	<-h.open
	big := frame(true, 0x1, make([]byte, 5000))
	c.send(big[:20])
	if code := c.closeCode(); code != int(protocol.CloseTooLarge) {
		t.Fatalf("close code %d", code)
	}
	c.send(big[20:], frame(true, 0x8, []byte{0x03, 0xe8}))
	if _, err := c.br.ReadByte(); err != io.EOF {
		t.Fatalf("after the close: %v, want EOF", err)
	}
	<-h.closed
}

// The server pings; a client that answers stays, one that sends nothing is closed as stale.
func TestHeartbeats(t *testing.T) {
	h := newHandler()
	// The write timeout is shorter than the ping interval: the deadline of one write must not
	// fail the pings after it.
	url, _ := serve(t, h, realtime.Options{Role: protocol.RoleVisitor, PingInterval: 30 * time.Millisecond, StaleAfter: 300 * time.Millisecond,
		WriteTimeout: 10 * time.Millisecond})
	silent := rawDial(t, url, nil)
	<-h.open
	if code := silent.closeCode(); code != int(protocol.CloseStale) {
		t.Fatalf("silent client closed with %d", code)
	}
	<-h.closed
	alive := rawDial(t, url, frame(true, 0x1, []byte(`{}`)))
	<-h.open
	if op, p := alive.read(); op != 0x1 || string(p) != `{}` {
		t.Fatalf("echo: %d %q", op, p)
	}
	for range 20 { // 600 ms: twice the stale time
		op, _ := alive.read()
		if op != 0x9 {
			t.Fatalf("opcode %d, want a ping", op)
		}
		alive.send(frame(true, 0xa, nil))
	}
	alive.send(frame(true, 0x1, []byte(`{}`)))
	for {
		if op, p := alive.read(); op == 0x1 {
			if string(p) != `{}` {
				t.Fatalf("echo %q", p)
			}
			break
		}
	}
}

// Many sockets at once each get their own echo, and all end when the hub closes them.
func TestManySockets(t *testing.T) {
	h := newHandler()
	const n = 300
	h.open = make(chan *realtime.Conn, n)
	h.closed = make(chan *realtime.Conn, n)
	url, hub := serve(t, h, realtime.Options{Role: protocol.RoleVisitor})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			c, _, err := websocket.Dial(ctx, url, nil)
			if err != nil {
				t.Error(err)
				return
			}
			conns[i] = c
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	echoEach(ctx, t, conns)
	if got := hub.Count(); got != n {
		t.Fatalf("hub counts %d connections, want %d", got, n)
	}
	for _, c := range conns {
		wg.Go(func() {
			for {
				if _, _, err := c.Read(ctx); err != nil {
					if websocket.CloseStatus(err) != websocket.StatusCode(protocol.CloseShutdown) {
						t.Errorf("closed with %v", err)
					}
					return
				}
			}
		})
	}
	hub.CloseAll(protocol.CloseShutdown, "test", 10*time.Second)
	wg.Wait()
	if got := hub.Count(); got != 0 {
		t.Fatalf("%d connections left", got)
	}
}

// A frame or a fragmented message left incomplete for the stale time closes the connection,
// however its bytes trickle in (each would keep the connection's last read fresh), while a
// client that keeps completing messages stays whatever its reads end in.
func TestIncompleteFrameIsClosed(t *testing.T) {
	h := newHandler()
	url, _ := serve(t, h, realtime.Options{Role: protocol.RoleVisitor, PingInterval: 30 * time.Millisecond, StaleAfter: 300 * time.Millisecond})
	for _, c := range []struct {
		name  string
		start []byte // sent at once
		drip  func(i int) []byte
	}{
		{"a frame announced long, sent a byte at a time", frame(true, 0x1, bytes.Repeat([]byte("x"), 60<<10))[:40],
			func(int) []byte { return []byte{'x'} }},
		{"a fragmented message kept open with pongs", frame(false, 0x1, []byte(`{"a":`)),
			func(i int) []byte {
				if i%2 == 0 {
					return frame(true, 0xa, nil)
				}
				return frame(false, 0x0, []byte(" "))
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl := rawDial(t, url, c.start)
			<-h.open
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
					if _, err := cl.nc.Write(c.drip(i)); err != nil {
						return
					}
				}
			}()
			start := time.Now()
			if code := cl.closeCode(); code != int(protocol.CloseStale) {
				t.Fatalf("closed with %d", code)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Fatalf("closed after %v", took)
			}
			<-h.closed
		})
	}
	// A client whose every write ends inside its next message completes one message after
	// another: it is not closed.
	busy := rawDial(t, url, nil)
	<-h.open
	msg := frame(true, 0x1, []byte(`{"n":1}`))
	deadline := time.Now().Add(900 * time.Millisecond) // three stale times
	_, _ = busy.nc.Write(msg[:5])
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		busy.send(msg[5:], msg[:5]) // the end of one, the start of the next
		readEcho(t, busy)
	}
	busy.send(msg[5:])
	readEcho(t, busy)
}

// readEcho reads past the server's pings to the echo of {"n":1}; a close frame fails the test.
func readEcho(t *testing.T, c *rawClient) {
	t.Helper()
	for {
		op, p := c.read()
		if op == 0x9 {
			continue
		}
		if op != 0x1 || string(p) != `{"n":1}` {
			t.Fatalf("frame %d %q, want the echo", op, p)
		}
		return
	}
}

// echoEach sends a frame of its own on every socket at once and waits for each to be echoed.
func echoEach(ctx context.Context, t *testing.T, conns []*websocket.Conn) {
	t.Helper()
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			msg := `{"n":` + strconv.Itoa(i) + `}`
			if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
				t.Error(err)
				return
			}
			if _, got, err := c.Read(ctx); err != nil || string(got) != msg {
				t.Errorf("socket %d: echo %q, %v; want %q", i, got, err, msg)
			}
		})
	}
	wg.Wait()
}
