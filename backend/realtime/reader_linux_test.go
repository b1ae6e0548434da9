package realtime_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/backend/realtime"
)

// TestReadersWaitForWork: frames that arrive one after another on a polled socket are read
// by a reader that waited for them, not each by a goroutine of its own.
func TestReadersWaitForWork(t *testing.T) {
	h := newHandler()
	url, _ := serve(t, h, realtime.Options{})
	c := dial(t, url)
	defer c.CloseNow()
	<-h.open
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before := realtime.ReadersStarted()
	const frames = 50
	for i := range frames {
		msg := `{"n":` + strconv.Itoa(i) + `}`
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.Read(ctx); err != nil || string(got) != msg {
			t.Fatalf("echo %q, %v; want %q", got, err, msg)
		}
	}
	// Each reader races the client's next frame to its wait, so some frames may still get a
	// fresh one; a reader that never waited would start one for every frame.
	if n := realtime.ReadersStarted() - before; n > frames-10 {
		t.Fatalf("%d readers started for %d frames", n, frames)
	}
}

// slowEcho answers each frame after a while, as a command that waits for the database does:
// frames that arrive together are then read by as many readers at once.
type slowEcho struct{ c *realtime.Conn }

func (e slowEcho) Frame(f []byte) {
	time.Sleep(5 * time.Millisecond)
	e.c.Send(f)
}
func (slowEcho) Closed() {}

// TestReadersStayBetweenBursts: sockets that become readable together, burst after burst (the
// acknowledgements of one commit answered at once), are read by the readers of the first
// burst: they wait for the next one instead of ending and being started again.
func TestReadersStayBetweenBursts(t *testing.T) {
	url, _ := serveSessions(t, func(c *realtime.Conn) realtime.Session { return slowEcho{c} }, realtime.Options{})
	const conns, bursts = 150, 10
	cs := make([]*websocket.Conn, conns)
	for i := range cs {
		cs[i] = dial(t, url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	burst := func() { echoEach(ctx, t, cs) }
	burst()
	before := realtime.ReadersStarted()
	for range bursts - 1 {
		burst()
		time.Sleep(20 * time.Millisecond)
	}
	// A burst may find a few more sockets readable at once than the first did; readers that
	// ended after each burst would be started again for most of the 150 sockets each time.
	if n := realtime.ReadersStarted() - before; n > conns {
		t.Fatalf("%d readers started for %d more bursts of %d sockets", n, bursts-1, conns)
	}
	// Once the bursts stop, the readers end: an idle server keeps no stacks for them.
	deadline := time.Now().Add(10 * time.Second)
	for realtime.ReadersWaiting() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d readers still wait, %s after the last burst", realtime.ReadersWaiting(), 10*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
