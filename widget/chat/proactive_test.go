package chat

import (
	"testing"

	"github.com/parleychat/parley/shared/protocol"
)

// An invitation replaces a stored chat that is not it, and the model resumes the invited chat
// when it connects; the same chat on the next page is kept with its transcript.
func TestInvitedResumesTheAgentsChat(t *testing.T) {
	m := New(Config{Connector: "h", IDPrefix: "x"})
	m.Chat, m.Token, m.LastSeq = "old", "t-old", 7
	m.Items = []Item{{Text: "earlier"}}
	m.Invited("ch1", "tok1")
	if m.Chat != "ch1" || m.Token != "tok1" || m.LastSeq != 0 || len(m.Items) != 0 || m.Phase != PhaseActive {
		t.Fatalf("model %+v", m)
	}
	m.Items = []Item{{Text: "Hello from the agent"}}
	m.LastSeq = 3
	m.Invited("ch1", "tok1")
	if m.LastSeq != 3 || len(m.Items) != 1 {
		t.Fatal("the same chat was reset")
	}
	m.Invited("", "")
	if m.Chat != "ch1" {
		t.Fatal("an empty invitation changed the chat")
	}
	m.Conn = ConnUp
	m.connected(&protocol.Connected{Open: true})
	var resumed *protocol.Resume
	for _, c := range m.out {
		if r, ok := c.Body.(*protocol.Resume); ok && c.Chat == "ch1" {
			resumed = r
		}
	}
	if resumed == nil || resumed.Token != "tok1" || resumed.After != 3 {
		t.Fatalf("no resume of the invited chat: %+v", m.out)
	}
}
