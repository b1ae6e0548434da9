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
