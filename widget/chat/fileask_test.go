package chat

import (
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// The agent's request for a file shows while a file may be sent, with the requested types;
// picking a file answers it, a replayed visitor file answers it, a reload keeps it, "Not now"
// puts it away.
func TestFileRequestedByTheAgent(t *testing.T) {
	h := newHarness(t, Config{})
	c := open()
	c.MaxAttachmentKB = 100
	h.connect(c)
	if !h.m.StartChat("Ann", "Hi", "", nil) {
		t.Fatal(h.m.Invalid)
	}
	h.event("", 0, h.sent()[0].ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	h.durable(&protocol.FileRequest{Types: []string{"pdf", "png"}, Name: "Bea"})
	if h.m.FileAsked() {
		t.Fatal("a request shows before an agent joined")
	}
	h.durable(&protocol.Joined{Role: protocol.RoleAgent, Name: "Bea"})
	h.durable(&protocol.ChatState{State: protocol.StateActive})
	if !h.m.FileAsked() || h.m.FileAskAccept() != ".pdf,.png" || h.m.FileAskText() != "The agent asks you to send a file. You can send: .pdf, .png." {
		t.Fatalf("asked %v accept %q text %q", h.m.FileAsked(), h.m.FileAskAccept(), h.m.FileAskText())
	}
	m2 := Restore(Config{Connector: "HASH", IDPrefix: "q"}, h.m.Snapshot(h.now), h.now, time.Hour)
	if m2.FileAsk == nil || len(m2.FileAsk.Types) != 2 || m2.FileAsk.Types[1] != "png" {
		t.Fatalf("restored %+v", m2.FileAsk)
	}
	if h.m.Attach("scan.pdf", 1000, "application/pdf", h.now) == "" || h.m.FileAsked() {
		t.Fatal("the picked file does not answer the request")
	}

	// Without types the picker offers the connector's; a visitor file after it answers it.
	h.durable(&protocol.FileRequest{})
	if !h.m.FileAsked() || h.m.FileAskAccept() != h.m.AcceptTypes() || h.m.FileAskText() != "The agent asks you to send a file." {
		t.Fatalf("request without types: %q %q", h.m.FileAskAccept(), h.m.FileAskText())
	}
	h.durable(&protocol.Message{Role: protocol.RoleVisitor, Name: "Ann", File: &protocol.File{Name: "a.pdf", URL: "/files/x/a.pdf", Size: 3}})
	if h.m.FileAsked() {
		t.Fatal("a visitor file does not answer the request")
	}
	h.durable(&protocol.FileRequest{Types: []string{"txt"}})
	h.m.DismissFileAsk()
	if h.m.FileAsked() {
		t.Fatal("Not now left the request")
	}
	if m3 := Restore(Config{Connector: "HASH", IDPrefix: "q"}, h.m.Snapshot(h.now), h.now, time.Hour); m3.FileAsk != nil {
		t.Fatalf("a dismissed request came back after a reload: %+v", m3.FileAsk)
	}
}
