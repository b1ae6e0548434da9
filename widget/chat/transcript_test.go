package chat

import (
	"testing"

	"github.com/parleychat/parley/shared/protocol"
)

// The transcript is offered only when the server says e-mail can be sent and there is a
// chat; its field is prefilled with the chat's address; a bad address is refused without a
// command; a good one sends transcript.request for the chat, and the answer says "sent to";
// the server's refusals (its limit) show in the form; after the chat ended it is still
// offered, and a new chat forgets it.
func TestTranscriptRequest(t *testing.T) {
	h := newHarness(t, Config{})
	c := open()
	c.Transcript = true
	h.connect(c)
	if h.m.TranscriptOffered() {
		t.Fatal("offered before a chat")
	}
	if !h.m.StartChat("Ann", "Hello", "ann@example.com", nil) {
		t.Fatal("StartChat refused")
	}
	h.event("", 0, h.sent()[0].ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	if !h.m.TranscriptOffered() || h.m.TranscriptAddress() != "ann@example.com" {
		t.Fatalf("offered %v, address %q", h.m.TranscriptOffered(), h.m.TranscriptAddress())
	}
	h.m.OpenTranscript()
	if h.m.SendTranscript("ann@") || h.m.TranscriptErr != "Please enter a valid e-mail address." || len(h.sent()) != 0 || h.m.Transcript != TranscriptOpen {
		t.Fatalf("bad address: err %q state %v", h.m.TranscriptErr, h.m.Transcript)
	}
	if !h.m.SendTranscript(" copy@example.com ") {
		t.Fatalf("refused: %q", h.m.TranscriptErr)
	}
	out := h.sent()
	if len(out) != 1 || out[0].Chat != "chat1" || out[0].Body.(*protocol.TranscriptRequest).Email != "copy@example.com" || h.m.Transcript != TranscriptSending {
		t.Fatalf("sent %+v, state %v", out, h.m.Transcript)
	}
	h.event("", 0, out[0].ID, &protocol.Ack{})
	if h.m.Transcript != TranscriptSent || h.m.TranscriptStatus() != "The transcript was sent to copy@example.com." {
		t.Fatalf("after the ack: %v %q", h.m.Transcript, h.m.TranscriptStatus())
	}

	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent})
	if h.m.Phase != PhaseClosed || !h.m.TranscriptOffered() || h.m.TranscriptAddress() != "copy@example.com" {
		t.Fatalf("after the close: phase %v offered %v", h.m.Phase, h.m.TranscriptOffered())
	}
	h.m.OpenTranscript()
	h.m.SendTranscript("copy@example.com")
	out = h.sent()
	h.event("", 0, out[0].ID, &protocol.Error{Code: protocol.CodeRateLimited, Message: "too many"})
	if h.m.Transcript != TranscriptOpen || h.m.TranscriptErr != "The transcript of this chat cannot be sent any more times." {
		t.Fatalf("limit: %v %q", h.m.Transcript, h.m.TranscriptErr)
	}
	h.m.CancelTranscript()
	h.m.NewChat()
	if h.m.TranscriptOffered() || h.m.Transcript != TranscriptNone || h.m.TranscriptTo != "" {
		t.Fatalf("a new chat kept %v %q", h.m.Transcript, h.m.TranscriptTo)
	}

	// A tenant that cannot send e-mail: never offered.
	h2 := newHarness(t, Config{})
	h2.startChat()
	if h2.m.TranscriptOffered() {
		t.Fatal("offered without e-mail")
	}
}
