package realtime_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/shared/protocol"
)

// readFrames reads n text frames from c and returns them.
func readFrames(t *testing.T, c *websocket.Conn, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := make([]string, 0, n)
	for len(got) < n {
		_, f, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %d of %d frames: %v", len(got), n, err)
		}
		got = append(got, string(f))
	}
	return got
}

// expectFrames reads len(want) frames from c and fails unless they are want, in order.
func expectFrames(t *testing.T, c *websocket.Conn, want ...string) {
	t.Helper()
	if got := readFrames(t, c, len(want)); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func numbered(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, prefix+strconv.Itoa(i))
	}
	return out
}

func sendAll(conn *realtime.Conn, frames []string) {
	for _, f := range frames {
		conn.Send([]byte(f))
	}
}

// During a hold the frames for each connection wait, whoever sends them, and the release
// writes each connection's frames in one system call, in the order they were sent.
func TestHoldGathersFrames(t *testing.T) {
	h := newHandler()
	url, hub := serve(t, h, realtime.Options{})
	ca := dial(t, url)
	a := <-h.open
	cb := dial(t, url)
	b := <-h.open

	before := realtime.DirectWrites()
	release := hub.Hold()
	sendAll(a, numbered("a", 0, 5))
	sendAll(b, numbered("b", 0, 3))
	var wg sync.WaitGroup
	wg.Go(func() { sendAll(a, numbered("a", 5, 7)) }) // another goroutine's frames wait too
	wg.Wait()
	if n := realtime.DirectWrites() - before; n != 0 {
		t.Fatalf("%d socket writes during the hold", n)
	}
	release()
	if n := realtime.DirectWrites() - before; n != 2 {
		t.Fatalf("%d socket writes for two connections' frames", n)
	}
	expectFrames(t, ca, numbered("a", 0, 7)...)
	expectFrames(t, cb, numbered("b", 0, 3)...)

	// Without a hold every frame is written at once.
	before = realtime.DirectWrites()
	sendAll(a, numbered("c", 0, 3))
	if n := realtime.DirectWrites() - before; n != 3 {
		t.Fatalf("%d socket writes for three frames without a hold", n)
	}
	readFrames(t, ca, 3)
}

// A connection gathers at most 32 frames (half its queue when that is shorter) before they
// are written anyway, so that a long hold never fills its queue; a connection that could
// hold only a few frames still gets all of them.
func TestHoldGatherLimit(t *testing.T) {
	h := newHandler()
	url, hub := serve(t, h, realtime.Options{SendQueue: 8})
	ca := dial(t, url)
	small := <-h.open
	url2, hub2 := serve(t, h, realtime.Options{})
	cb := dial(t, url2)
	big := <-h.open

	release, release2 := hub.Hold(), hub2.Hold()
	before := realtime.DirectWrites()
	for i := range 20 {
		if !small.TrySend([]byte("s" + strconv.Itoa(i))) {
			t.Fatalf("frame %d of a hold found the queue of 8 full", i)
		}
	}
	sendAll(big, numbered("b", 0, 40))
	if n := realtime.DirectWrites() - before; n != 5+1 {
		t.Fatalf("%d socket writes during the hold; want 5 of four frames and 1 of 32", n)
	}
	release()
	release2()
	if n := realtime.DirectWrites() - before; n != 7 {
		t.Fatalf("%d socket writes in all; want 7 (the big one's last 8 frames at the release)", n)
	}
	expectFrames(t, ca, numbered("s", 0, 20)...)
	expectFrames(t, cb, numbered("b", 0, 40)...)
}

// Holds may overlap: each release writes what was gathered until then, so a frame waits for
// the first release after it, never for every hold to end.
func TestHoldsOverlap(t *testing.T) {
	h := newHandler()
	url, hub := serve(t, h, realtime.Options{})
	c := dial(t, url)
	conn := <-h.open

	first, second := hub.Hold(), hub.Hold()
	sendAll(conn, []string{"1", "2"})
	first()
	expectFrames(t, c, "1", "2")
	before := realtime.DirectWrites()
	sendAll(conn, []string{"3"})
	if n := realtime.DirectWrites() - before; n != 0 {
		t.Fatalf("a frame was written during the second hold (%d writes)", n)
	}
	second()
	expectFrames(t, c, "3")
}

// A connection closed during a hold sends what it gathered, then its goodbye; the release
// that follows writes nothing more to it.
func TestHoldThenClose(t *testing.T) {
	h := newHandler()
	url, hub := serve(t, h, realtime.Options{})
	c := dial(t, url)
	conn := <-h.open

	release := hub.Hold()
	sendAll(conn, []string{"x", "y"})
	conn.Close(protocol.CloseShutdown, "restarting")
	got := readFrames(t, c, 3)
	if got[0] != "x" || got[1] != "y" || !strings.Contains(got[2], `"type":"disconnect"`) {
		t.Fatalf("got %v", got)
	}
	release()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusCode(protocol.CloseShutdown) {
		t.Fatalf("after the goodbye: %v", err)
	}
	<-h.closed
}

// Senders on several goroutines and holds that come and go all the while: every frame
// arrives, each sender's in order, and none is left waiting once the last hold is released.
func TestHoldUnderConcurrentSenders(t *testing.T) {
	h := newHandler()
	url, hub := serve(t, h, realtime.Options{})
	c := dial(t, url)
	conn := <-h.open

	const senders, each = 4, 500
	stop := make(chan struct{})
	var holders sync.WaitGroup
	for range 2 {
		holders.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				release := hub.Hold()
				time.Sleep(50 * time.Microsecond)
				release()
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				if err := conn.SendWait(ctx, []byte(strconv.Itoa(s)+":"+strconv.Itoa(i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	next := make([]int, senders)
	got := 0
	done := make(chan struct{})
	go func() { wg.Wait(); close(stop); holders.Wait(); close(done) }()
	for got < senders*each {
		_, f, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %d frames: %v", got, err)
		}
		s, i, _ := strings.Cut(string(f), ":")
		sn, _ := strconv.Atoi(s)
		in, _ := strconv.Atoi(i)
		if in != next[sn] {
			t.Fatalf("sender %d: frame %d came after %d", sn, in, next[sn]-1)
		}
		next[sn]++
		got++
	}
	<-done
}

// A client that stops reading is cut off as slow during a hold as without one: the gathered
// frames go to the socket at the limit, the rest wait in the queue until it is full, and the
// release does not wait for the client.
func TestHoldSlowClientIsCutOff(t *testing.T) {
	h := newHandler()
	url, hub := serve(t, h, realtime.Options{Role: protocol.RoleAgent, SendQueue: 8})
	c := dial(t, url)
	conn := <-h.open
	release := hub.Hold()
	fillUntilRefused(t, conn)
	released := make(chan struct{})
	go func() { release(); close(released) }()
	select {
	case <-released:
	case <-time.After(10 * time.Second):
		t.Fatal("the release waited for a client that does not read")
	}
	expectCutOff(t, h, c, conn)
}
