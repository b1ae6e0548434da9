package main

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestDialVisitorHello dials the idle sockets' client against a real server: visitor.connect
// on the demo connector is answered with connected, an unknown connector's refusal comes back
// as the dial's error, and a dropped socket leaves the server's count of connections.
func TestDialVisitorHello(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := dialVisitor(ctx, env.WS+"/ws/visitor", "t-1", &protocol.VisitorConnect{Connector: env.Demo.ConnectorHash, Lang: "en", Page: "http://load.test/dial"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
		t.Fatalf("socket ended after its hello: %v", c.Err())
	case <-time.After(200 * time.Millisecond):
	}
	_, err = dialVisitor(ctx, env.WS+"/ws/visitor", "t-2", &protocol.VisitorConnect{Connector: "no-such-connector", Lang: "en", Page: "http://load.test/dial"})
	if err == nil || !strings.Contains(err.Error(), string(protocol.CodeNotFound)) {
		t.Fatalf("unknown connector: %v; want the server's not_found", err)
	}
	c.Drop()
	if c.Err() == nil {
		t.Error("a dropped socket has no error")
	}
}

// pinger is a realtime session that answers every command with a connected event.
type pinger struct{ c *realtime.Conn }

func (p pinger) Frame(f []byte) {
	cmd, err := protocol.DecodeCommand(f, protocol.RoleVisitor)
	if err != nil {
		p.c.Close(protocol.CloseBadRequest, err.Error())
		return
	}
	p.c.SendEvent(protocol.Event{ID: cmd.ID, Body: &protocol.Connected{Name: "pinger"}})
}
func (pinger) Closed() {}

// TestDialVisitorAnswersPings holds a socket for three seconds on an endpoint that pings
// often and closes a client silent for a second: the socket stays open because it answers
// every ping, and its frames (the masked hello among them) pass the server's RFC 6455 checks.
func TestDialVisitorAnswersPings(t *testing.T) {
	hub := realtime.NewHub()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	realtime.Prepare(app)
	app.Get("/ws/visitor", hub.Handle(func(c *realtime.Conn) realtime.Session { return pinger{c} },
		realtime.Options{Role: protocol.RoleVisitor, PingInterval: 20 * time.Millisecond, StaleAfter: time.Second}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	defer func() {
		hub.CloseAll(protocol.CloseShutdown, "test over", 5*time.Second)
		_ = app.Shutdown()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := dialVisitor(ctx, "ws://"+ln.Addr().String()+"/ws/visitor", "p-1", &protocol.VisitorConnect{Connector: "x", Page: "http://load.test/ping"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
		t.Fatalf("socket closed while idle: %v", c.Err())
	case <-time.After(3 * time.Second):
	}
	c.wmu.Lock()
	pongs := c.pongs
	c.wmu.Unlock()
	if pongs < 5 || hub.Count() != 1 {
		t.Fatalf("%d pings answered, %d connections; want many, one", pongs, hub.Count())
	}
	c.Drop()
}

// TestDialVisitorChecksHandshake refuses an answer that is not the upgrade of this request:
// another status, a wrong Sec-WebSocket-Accept.
func TestDialVisitorChecksHandshake(t *testing.T) {
	for name, answer := range map[string]func(key string) string{
		"status": func(string) string { return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" },
		"accept": func(string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
		},
	} {
		t.Run(name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				nc, err := ln.Accept()
				if err != nil {
					return
				}
				defer nc.Close()
				req, err := http.ReadRequest(bufio.NewReader(nc))
				if err != nil {
					return
				}
				_, _ = nc.Write([]byte(answer(req.Header.Get("Sec-WebSocket-Key"))))
				time.Sleep(time.Second)
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := dialVisitor(ctx, "ws://"+ln.Addr().String()+"/ws/visitor", "h-1", &protocol.VisitorConnect{Connector: "x"}); err == nil {
				t.Fatal("dial succeeded")
			}
		})
	}
}
