package realtime_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	fiberws "github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/shared/protocol"
)

// BenchmarkEcho measures one request/response round trip over the two server-side WebSocket
// paths a Fiber application can take, both driven by a coder/websocket client: Fiber's own
// middleware (fasthttp) in the same app, and coder/websocket's Accept on a separate net/http
// listener (Accept cannot hijack a Fiber request). Its figures are in the README.
func BenchmarkEcho(b *testing.B) {
	msg := []byte(`{"v":1,"type":"message.send","id":"1","chat":"c","data":{"text":"hello, I need help with my order"}}`)
	b.Run("fiber-middleware", func(b *testing.B) {
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		app.Get("/ws", fiberws.New(func(c *fiberws.Conn) {
			for {
				kind, data, err := c.ReadMessage()
				if err != nil {
					return
				}
				if c.WriteMessage(kind, data) != nil {
					return
				}
			}
		}))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go func() { _ = app.Listener(ln) }()
		defer func() { _ = app.Shutdown() }()
		roundTrips(b, "ws://"+ln.Addr().String()+"/ws", msg)
	})
	// The path the server takes: its own framing on the socket Fiber hands over, polled.
	b.Run("realtime", func(b *testing.B) {
		hub := realtime.NewHub()
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		realtime.Prepare(app)
		app.Get("/ws", hub.Handle(func(c *realtime.Conn) realtime.Session { return benchEcho{c} }, realtime.Options{}))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go func() { _ = app.Listener(ln) }()
		defer func() {
			hub.CloseAll(protocol.CloseShutdown, "bench over", 5*time.Second)
			_ = app.Shutdown()
		}()
		roundTrips(b, "ws://"+ln.Addr().String()+"/ws", msg)
	})
	b.Run("nethttp-coder", func(b *testing.B) {
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			for {
				kind, data, err := c.Read(r.Context())
				if err != nil {
					return
				}
				if c.Write(r.Context(), kind, data) != nil {
					return
				}
			}
		})}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		roundTrips(b, "ws://"+ln.Addr().String()+"/ws", msg)
	})
}

// benchEcho sends every frame back.
type benchEcho struct{ c *realtime.Conn }

func (e benchEcho) Frame(f []byte) { e.c.Send(f) }
func (e benchEcho) Closed()        {}

func roundTrips(b *testing.B, url string, msg []byte) {
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for b.Loop() {
		if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
