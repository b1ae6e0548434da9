package server

import (
	"testing"

	"github.com/parleychat/parley/backend/changes"
)

// An outbox worker wakes for the chat events its node committed with new rows for it, not for
// those another node committed and NATS brought, nor for this node's commits that wrote it
// nothing (the bus delivers on the publisher's goroutine).
func TestOutboxWakesOnOwnWrites(t *testing.T) {
	bus := changes.NewLocal()
	defer bus.Close()
	var writes uint64
	wakes := 0
	cancel := wakeOnOwnWrites(bus, func() uint64 { return writes }, func() { wakes++ })
	defer cancel()
	writes++
	bus.PublishChat(changes.ChatEvent{ChatID: "c1", Seq: 1, Type: "message", Remote: true})
	if wakes != 0 {
		t.Fatalf("another node's event woke the worker")
	}
	bus.PublishChat(changes.ChatEvent{ChatID: "c1", Seq: 2, Type: "message"})
	if wakes != 1 {
		t.Fatalf("%d wakes for this node's event with a new row, want 1", wakes)
	}
	bus.PublishChat(changes.ChatEvent{ChatID: "c1", Seq: 3, Type: "message"})
	if wakes != 1 {
		t.Fatalf("a commit without new rows woke the worker (%d wakes)", wakes)
	}
	writes += 2
	bus.PublishChat(changes.ChatEvent{ChatID: "c1", Seq: 4, Type: "message"})
	if wakes != 2 {
		t.Fatalf("%d wakes after two more rows, want 2", wakes)
	}
}
