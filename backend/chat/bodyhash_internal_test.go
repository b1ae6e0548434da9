package chat

import (
	"testing"

	"github.com/parleychat/parley/shared/protocol"
)

// TestBodyHash: a retry's body hashes as the first one did, and a body that differs in any
// field a client sends (the text, a flag, the command) hashes otherwise, message.send (hashed
// from its fields) as every other command (hashed from its frame).
func TestBodyHash(t *testing.T) {
	bodies := []protocol.CommandBody{
		&protocol.Send{Text: "hello"},
		&protocol.Send{Text: "hello", Internal: true},
		&protocol.Send{Text: "hello", HideLocal: true},
		&protocol.Send{Text: "hello", HideLocal: true, Internal: true},
		&protocol.Send{Text: "hello!"},
		&protocol.Send{Text: ""},
		&protocol.Send{Text: "\x00\x01"},
		&protocol.Typing{On: true},
		&protocol.Typing{On: false},
	}
	seen := map[uint64]int{}
	for i, b := range bodies {
		h := bodyHash(b)
		if j, dup := seen[h]; dup {
			t.Fatalf("bodies %d and %d hash alike: %#v, %#v", j, i, bodies[j], b)
		}
		seen[h] = i
	}
	if bodyHash(&protocol.Send{Text: "hello", Internal: true}) != bodyHash(&protocol.Send{Text: "hello", Internal: true}) {
		t.Fatal("the same message hashes otherwise the second time")
	}
}
