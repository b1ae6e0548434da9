package natsbus_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/natsbus"
)

// transients records what a node's TransientReceiver was asked and given.
type transients struct {
	sync.Mutex
	asked     []string
	delivered []natsbus.Transient
}

func (r *transients) receiver(followed string) natsbus.TransientReceiver {
	return natsbus.TransientReceiver{
		Wants: func(chatID string) bool {
			r.Lock()
			defer r.Unlock()
			r.asked = append(r.asked, chatID)
			return chatID == followed
		},
		Deliver: func(t natsbus.Transient) {
			r.Lock()
			defer r.Unlock()
			r.delivered = append(r.delivered, t)
		},
	}
}

// wait waits until n transients were delivered and returns them.
func (r *transients) wait(t *testing.T, n int) []natsbus.Transient {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.Lock()
		got := append([]natsbus.Transient(nil), r.delivered...)
		r.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d transient events delivered, want %d", len(got), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTransientReachesTheOtherNodes: a transient event one node publishes is delivered, as it
// was published, on the other node when a connection follows its chat there; a chat nobody
// follows there is not delivered, and the publishing node does not look at its own events.
func TestTransientReachesTheOtherNodes(t *testing.T) {
	prefix := fmt.Sprintf("parleytest%d", time.Now().UnixNano())
	a, b := node(t, prefix, "a"), node(t, prefix, "b")
	var onA, onB transients
	if err := a.ReceiveTransient(onA.receiver("c1")); err != nil {
		t.Fatal(err)
	}
	if err := b.ReceiveTransient(onB.receiver("c1")); err != nil {
		t.Fatal(err)
	}
	frame := json.RawMessage(`{"chat":"c1","type":"typing","body":{"role":"agent","on":true}}`)
	a.PublishTransient(natsbus.Transient{Chat: "c2", Key: "typing/visitor", Role: "agent", Frame: json.RawMessage(`{}`)})
	a.PublishTransient(natsbus.Transient{Chat: "c1", Key: "typing/agent/7", Role: "agent", Except: 7, Frame: frame})
	got := onB.wait(t, 1)
	if len(got) != 1 || got[0].Chat != "c1" || got[0].Key != "typing/agent/7" || got[0].Role != "agent" || got[0].Except != 7 || string(got[0].Frame) != string(frame) {
		t.Fatalf("B got %+v", got)
	}
	// B's event reaches A after A's own two came back to it.
	b.PublishTransient(natsbus.Transient{Chat: "c1", Key: "typing/visitor", Role: "agent", Frame: frame})
	if got := onA.wait(t, 1); len(got) != 1 || got[0].Key != "typing/visitor" {
		t.Fatalf("A got %+v", got)
	}
	onA.Lock()
	defer onA.Unlock()
	if len(onA.asked) != 1 {
		t.Errorf("A looked at its own events: asked about %v", onA.asked)
	}
}
