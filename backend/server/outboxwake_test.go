package server

import (
	"testing"

	"github.com/parleychat/parley/backend/changes"
)

// An outbox worker wakes for the chat events its node committed, not for those another node
// committed and NATS brought (the bus delivers on the publisher's goroutine).
func TestOutboxWakesOnOwnCommits(t *testing.T) {
	bus := changes.NewLocal()
	defer bus.Close()
	wakes := 0
	cancel := wakeOnOwnCommits(bus, func() { wakes++ })
	defer cancel()
	bus.PublishChat(changes.ChatEvent{ChatID: "c1", Seq: 1, Type: "message", Remote: true})
	if wakes != 0 {
		t.Fatalf("another node's event woke the worker")
	}
	bus.PublishChat(changes.ChatEvent{ChatID: "c1", Seq: 2, Type: "message"})
	if wakes != 1 {
		t.Fatalf("%d wakes for this node's event, want 1", wakes)
	}
}
