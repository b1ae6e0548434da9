package realtime_test

import (
	"context"
	"net"
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
func (h *handler) Open(c *realtime.Conn) { h.open <- c }
func (h *handler) Frame(c *realtime.Conn, f []byte) {
	h.mu.Lock()
	h.frames = append(h.frames, string(f))
	h.mu.Unlock()
	c.Send(f)
}
func (h *handler) Closed(c *realtime.Conn) { h.closed <- c }

func serve(t *testing.T, h realtime.Handler, opts realtime.Options) (string, *realtime.Hub) {
	t.Helper()
	hub := realtime.NewHub()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/ws", hub.Handle(h, opts))
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
	frame := []byte(`{"v":1,"type":"typing","data":{"role":"visitor","on":true,"pad":"` + strings.Repeat("x", 64<<10) + `"}}`)
	sent := 0
	for conn.Send(frame) {
		sent++
		if sent > 100000 {
			t.Fatal("the send queue never filled")
		}
	}
	select {
	case <-conn.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("slow client not closed")
	}
	// Reading now: queued frames were dropped, the close code says reconnect.
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

// A frame over the hard limit closes the socket; the server stays up for others.
func TestHugeFrameClosesConnection(t *testing.T) {
	h := newHandler()
	url, _ := serve(t, h, realtime.Options{Role: protocol.RoleVisitor, HardFrameLimit: 200 << 10})
	c := dial(t, url)
	<-h.open
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = c.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 300<<10)))
	var err error
	for err == nil {
		_, _, err = c.Read(ctx)
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
