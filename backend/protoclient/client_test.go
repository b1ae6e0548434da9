package protoclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/shared/protocol"
)

// A command sent after the server went (its process killed: the connection cut without a
// close handshake) fails as a lost connection instead of waiting for an answer that cannot
// come, so that a client can come back on another node.
func TestCallAfterTheConnectionEnded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		_ = c.CloseNow()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, "ws"+srv.URL[len("http"):], Options{})
	if err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	_, err = c.Call(ctx, "", &protocol.Ping{})
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call on an ended connection: %v; want it to fail at once as closed", err)
	}
}
