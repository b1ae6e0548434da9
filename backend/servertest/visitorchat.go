package servertest

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// visitorChats numbers VisitorChat's connections, for unique command ids.
var visitorChats atomic.Int64

// VisitorChat opens a chat on the demo connector as the widget does from the browser that
// keeps visitorID, with req as the request; closeIt ends it at once (a past chat). It returns
// the visitor's connection (dropped when the test ends) and the chat's id. The command ids
// are unique per call, as the widget makes them per page load.
func (e *Env) VisitorChat(t testing.TB, visitorID string, req protocol.ChatRequest, closeIt bool) (*protoclient.Client, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := protoclient.Dial(ctx, e.WS+"/ws/visitor", protoclient.Options{IDPrefix: "vc" + strconv.FormatInt(visitorChats.Add(1), 10) + "-"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Drop() })
	if _, err := c.Call(ctx, "", &protocol.VisitorConnect{Connector: e.Demo.ConnectorHash, VisitorID: visitorID, Lang: "en"}); err != nil {
		t.Fatalf("visitor.connect: %v", err)
	}
	ack, err := c.Call(ctx, "", &req)
	if err != nil {
		t.Fatalf("chat.request: %v", err)
	}
	id := ack.Body.(*protocol.Ack).Chat
	if closeIt {
		if _, err := c.Call(ctx, id, &protocol.Close{}); err != nil {
			t.Fatalf("close: %v", err)
		}
	}
	return c, id
}

// ChatContact waits until the store linked the demo tenant's chat to its contact (it does so
// right after the chat's commit) and returns the link.
func (e *Env) ChatContact(t testing.TB, chatID string) store.ChatContact {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		l, err := e.Server.Store().ChatContact(ctx, e.Demo.TenantID, chatID)
		if err == nil {
			return l
		}
		select {
		case <-ctx.Done():
			t.Fatalf("chat %s was never linked to a contact: %v", chatID, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
