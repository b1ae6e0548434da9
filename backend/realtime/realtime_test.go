package realtime_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gofiber/fiber/v2"
	"go.uber.org/goleak"

	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/shared/protocol"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
	)
}

// handler records the connection's life and lets the test act on it.
type handler struct {
	mu     sync.Mutex
	frames []string
	open   chan *realtime.Conn
	closed chan *realtime.Conn
}

func newHandler() *handler {
	return &handler{open: make(chan *realtime.Conn, 4), closed: make(chan *realtime.Conn, 4)}
}

// open is the realtime.Handler: it echoes every frame.
func (h *handler) openSession(c *realtime.Conn) realtime.Session {
	h.open <- c
	return echo{h, c}
}

type echo struct {
	h *handler
	c *realtime.Conn
}

func (e echo) Frame(f []byte) {
	e.h.mu.Lock()
	e.h.frames = append(e.h.frames, string(f))
	e.h.mu.Unlock()
	e.c.Send(f)
}
func (e echo) Closed() { e.h.closed <- e.c }

func serve(t *testing.T, h *handler, opts realtime.Options) (string, *realtime.Hub) {
	t.Helper()
	return serveSessions(t, h.openSession, opts)
}

// serveSessions serves open's sessions at the returned WebSocket address until the test ends.
func serveSessions(t *testing.T, open func(*realtime.Conn) realtime.Session, opts realtime.Options) (string, *realtime.Hub) {
	t.Helper()
	hub := realtime.NewHub()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	realtime.Prepare(app)
	app.Get("/ws", hub.Handle(open, opts))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() {
		hub.CloseAll(protocol.CloseShutdown, "test over", 5*time.Second)
		_ = app.Shutdown()
	})
	return "ws://" + ln.Addr().String() + "/ws", hub
}

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(4 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func TestEchoAndGoodbye(t *testing.T) {
	h := newHandler()
	url, hub := serve(t, h, realtime.Options{Role: protocol.RoleVisitor})
	c := dial(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn := <-h.open
	if conn.Role() != protocol.RoleVisitor || conn.IP() == "" || hub.Count() != 1 {
		t.Fatalf("conn %v ip %q count %d", conn.Role(), conn.IP(), hub.Count())
	}
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"hello":1}`)); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || string(got) != `{"hello":1}` {
		t.Fatalf("echo %q %v", got, err)
	}
	// A binary frame is answered with an error event, and the connection stays.
	if err := c.Write(ctx, websocket.MessageBinary, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if _, got, _ := c.Read(ctx); !strings.Contains(string(got), `"bad_json"`) {
		t.Fatalf("binary frame answered with %s", got)
	}
	// A frame over the protocol limit but under the socket limit: error event, connection stays.
	if err := c.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 100<<10))); err != nil {
		t.Fatal(err)
	}
	if _, got, _ := c.Read(ctx); !strings.Contains(string(got), `"too_large"`) {
		t.Fatalf("big frame answered with %.80s", got)
	}
	// Closing sends the disconnect event, then the close code.
	conn.Close(protocol.CloseShutdown, "restarting")
	_, got, err := c.Read(ctx)
	if err != nil || !strings.Contains(string(got), `"type":"disconnect"`) || !strings.Contains(string(got), `"reconnect":true`) {
		t.Fatalf("goodbye %s %v", got, err)
	}
	_, _, err = c.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusCode(protocol.CloseShutdown) {
		t.Fatalf("close status %v", err)
	}
	<-h.closed
}

// A client that does not read is cut off with CloseSlow instead of growing the server's memory.
func TestSlowClientIsCutOff(t *testing.T) {
	h := newHandler()
	url, _ := serve(t, h, realtime.Options{Role: protocol.RoleAgent, SendQueue: 8})
	c := dial(t, url)
	conn := <-h.open
	fillUntilRefused(t, conn)
	expectCutOff(t, h, c, conn)
}

// fillUntilRefused sends big frames to a client that does not read until Send refuses one
// (a full queue closes the connection as slow).
func fillUntilRefused(t *testing.T, conn *realtime.Conn) {
	t.Helper()
	frame := []byte(`{"v":1,"type":"typing","data":{"role":"visitor","on":true,"pad":"` + strings.Repeat("x", 64<<10) + `"}}`)
	sent := 0
	for conn.Send(frame) {
		sent++
		if sent > 100000 {
			t.Fatal("the send queue never filled")
		}
	}
}

// expectCutOff waits for conn to close as too slow, then reads c: queued frames were dropped,
// and the close code says reconnect.
func expectCutOff(t *testing.T, h *handler, c *websocket.Conn, conn *realtime.Conn) {
	t.Helper()
	select {
	case <-conn.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("slow client not closed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	for err == nil {
		_, _, err = c.Read(ctx)
	}
	if websocket.CloseStatus(err) != websocket.StatusCode(protocol.CloseSlow) {
		t.Fatalf("close: %v", err)
	}
	<-h.closed
}

// A frame over the hard limit closes the socket with the documented code after a disconnect
// event; the server stays up for others.
func TestHugeFrameClosesConnection(t *testing.T) {
	h := newHandler()
	url, _ := serve(t, h, realtime.Options{Role: protocol.RoleVisitor, HardFrameLimit: 200 << 10})
	c := dial(t, url)
	<-h.open
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = c.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 300<<10)))
	var (
		err  error
		got  []byte
		last string
	)
	for err == nil {
		_, got, err = c.Read(ctx)
		if err == nil {
			last = string(got)
		}
	}
	if !strings.Contains(last, `"type":"disconnect"`) || !strings.Contains(last, `"code":1009`) || !strings.Contains(last, `"reconnect":false`) {
		t.Fatalf("last frame before the close: %s", last)
	}
	if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("close: %v", err)
	}
	<-h.closed
	other := dial(t, url)
	<-h.open
	if err := other.Write(ctx, websocket.MessageText, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, got, err := other.Read(ctx); err != nil || string(got) != `{}` {
		t.Fatalf("second client: %q %v", got, err)
	}
}

// TrySend reports a full queue without closing; SendWait waits for the client to read and
// stops when the connection closes.
func TestTrySendAndSendWait(t *testing.T) {
	h := newHandler()
	url, _ := serve(t, h, realtime.Options{Role: protocol.RoleAgent, SendQueue: 4})
	c := dial(t, url)
	conn := <-h.open
	frame := []byte(`{"v":1,"type":"typing","data":{"pad":"` + strings.Repeat("x", 64<<10) + `"}}`)
	for conn.TrySend(frame) {
	}
	select {
	case <-conn.Done():
		t.Fatal("a full queue closed the connection on TrySend")
	default:
	}
	// A replay of 200 frames at the client's pace: the client reads them all.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sent := make(chan error, 1)
	go func() {
		for i := range 200 {
			if err := conn.SendWait(ctx, []byte(`{"n":`+strconv.Itoa(i)+`}`)); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	for n := 0; n < 200; {
		_, got, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(got), `{"n":`) {
			if want := `{"n":` + strconv.Itoa(n) + `}`; string(got) != want {
				t.Fatalf("got %s, want %s", got, want)
			}
			n++
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	// A replay to a client that never reads stops when the connection closes: a SendWait
	// waiting for room returns (its frame may have slipped in while the writer still drained
	// into the socket's buffers), and none after the close queues anything.
	for conn.TrySend(frame) {
	}
	go func() { sent <- conn.SendWait(ctx, frame) }()
	start := time.Now()
	conn.Close(protocol.CloseShutdown, "bye")
	if err := <-sent; err != nil && !errors.Is(err, realtime.ErrClosed) {
		t.Fatalf("SendWait on a closing connection: %v", err)
	}
	if err := conn.SendWait(ctx, frame); !errors.Is(err, realtime.ErrClosed) {
		t.Fatalf("SendWait on a closed connection: %v", err)
	}
	// The reader must not wait for its stale timeout (60 s) once the server closed.
	select {
	case <-h.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the connection lingered after the server closed it")
	}
	t.Logf("closed in %v", time.Since(start))
}

// A connection closed while its writer is stuck on a client that stopped reading ends within
// the close's grace, not after the whole write timeout: the goodbye waits behind that writer.
func TestCloseEndsStuckWriter(t *testing.T) {
	h := newHandler()
	url, _ := serve(t, h, realtime.Options{Role: protocol.RoleAgent, SendQueue: 4, WriteTimeout: time.Minute})
	dial(t, url) // never reads
	conn := <-h.open
	frame := []byte(`{"v":1,"type":"typing","data":{"pad":"` + strings.Repeat("x", 64<<10) + `"}}`)
	// Fill the socket's buffers and the queue, so that the writer waits on the client.
	for full := 0; full < 50; {
		if conn.TrySend(frame) {
			full = 0
			continue
		}
		full++
		time.Sleep(10 * time.Millisecond)
	}
	conn.Close(protocol.CloseShutdown, "bye")
	select {
	case <-h.closed:
	case <-time.After(30 * time.Second):
		t.Fatal("the connection waited for its write timeout after the server closed it")
	}
}

// Transient frames are coalesced by key: a flood leaves the latest of each key, never fills
// the queue and never cuts the client off.
func TestTransientFramesCoalesce(t *testing.T) {
	h := newHandler()
	url, _ := serve(t, h, realtime.Options{Role: protocol.RoleAgent, SendQueue: 2})
	c := dial(t, url)
	conn := <-h.open
	for i := range 100000 {
		conn.SendTransient("typing/a", []byte(`{"a":`+strconv.Itoa(i)+`}`))
		conn.SendTransient("typing/b", []byte(`{"b":`+strconv.Itoa(i)+`}`))
	}
	if !conn.Send([]byte(`{"end":1}`)) {
		t.Fatal("the queue filled up")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var lastA, lastB string
	frames := 0
	for {
		_, got, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		frames++
		switch {
		case strings.HasPrefix(string(got), `{"a":`):
			lastA = string(got)
		case strings.HasPrefix(string(got), `{"b":`):
			lastB = string(got)
		}
		if lastA == `{"a":99999}` && lastB == `{"b":99999}` {
			break
		}
	}
	if frames > 100000 {
		t.Fatalf("%d frames for 200000 transient sends: not coalesced", frames)
	}
	select {
	case <-conn.Done():
		t.Fatal("the flood cut the client off")
	default:
	}
}

// Connections that arrive while the hub closes everything are refused with the shutdown code,
// and the hub's waiting does not race with their arrival.
func TestConnectDuringShutdown(t *testing.T) {
	h := newHandler()
	h.open = make(chan *realtime.Conn, 64)
	h.closed = make(chan *realtime.Conn, 64)
	url, hub := serve(t, h, realtime.Options{Role: protocol.RoleVisitor})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, _, err := websocket.Dial(ctx, url, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			for {
				if _, _, err := c.Read(ctx); err != nil {
					if s := websocket.CloseStatus(err); s != -1 && s != websocket.StatusCode(protocol.CloseShutdown) {
						t.Errorf("closed with %v", s)
					}
					return
				}
			}
		}()
	}
	hub.CloseAll(protocol.CloseShutdown, "server restarting", 5*time.Second)
	wg.Wait()
}
