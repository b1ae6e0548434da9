package desk

import (
	"slices"
	"testing"

	"github.com/parleychat/parley/shared/protocol"
)

// The agent asks for a file from the "Ask for…" card: bad types stay in the card with the
// reason, the server's refusal shows there too, an ack closes the card, and the recorded
// request is a line of the conversation.
func TestAskForAFile(t *testing.T) {
	if got := FileTypes(" pdf, .PNG;doc  txt,"); !slices.Equal(got, []string{"pdf", ".PNG", "doc", "txt"}) {
		t.Fatalf("FileTypes %q", got)
	}
	d := newDesk()
	d.Apply(ready(summary("a", 0)), t0)
	d.OpenAsk("a")
	d.EditAsk("a", AskFileTypes, "pdf, ../x")
	if _, ok := d.AskFile("a"); ok || d.Chat("a").Form.Errors[AskFileTypes] == "" || len(d.Unacked()) != 0 {
		t.Fatalf("a bad type was sent: %+v", d.Chat("a").Form)
	}
	d.EditAsk("a", AskFileTypes, "pdf, exe")
	cmd, ok := d.AskFile("a")
	if b, isAsk := cmd.Body.(*protocol.FileAsk); !ok || !isAsk || !slices.Equal(b.Types, []string{"pdf", "exe"}) || cmd.Chat != "a" {
		t.Fatalf("sent %+v", cmd)
	}
	if _, again := d.AskFile("a"); again {
		t.Fatal("asked twice while the first waits")
	}
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeForbidden, Field: "types", Message: "this site does not take files of type exe"}}, t0)
	c := d.Chat("a")
	if c.Form == nil || c.Form.Sending != "" || c.Form.Errors[AskFileTypes] != "This site does not take files of type exe" {
		t.Fatalf("after the refusal %+v", c.Form)
	}
	d.EditAsk("a", AskFileTypes, "")
	cmd, ok = d.AskFile("a")
	if b := cmd.Body.(*protocol.FileAsk); !ok || len(b.Types) != 0 {
		t.Fatalf("sent %+v", cmd)
	}
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Ack{Seq: 1}}, t0)
	if c.Form != nil {
		t.Fatal("the card stays open after the ack")
	}
	d.Apply(protocol.Event{Chat: "a", Seq: 1, Body: &protocol.FileRequest{Types: []string{"pdf", "png"}, Name: "Anna"}}, t0)
	last := c.Lines[len(c.Lines)-1]
	if last.Kind != LineEvent || last.Seq != 1 || last.Text != "Anna asked the visitor for a file: pdf, png" {
		t.Fatalf("line %+v", last)
	}
	d.Apply(protocol.Event{Chat: "a", Seq: 2, Body: &protocol.FileRequest{Name: "Anna"}}, t0)
	if last := c.Lines[len(c.Lines)-1]; last.Text != "Anna asked the visitor for a file (any type the site takes)" {
		t.Fatalf("line %+v", last)
	}
}
