package desk

import (
	"github.com/parleychat/parley/agentui/catalog"

	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

func onlineNow(vs ...protocol.OnlineVisitor) protocol.Event {
	return protocol.Event{Body: &protocol.VisitorsOnline{Visitors: vs}}
}

// The visitors online follow the server's pushes; an invitation goes out once with the first
// message, its ack opens the chat it started, and a refusal says why.
func TestInviteVisitorOnline(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	d.Apply(onlineNow(protocol.OnlineVisitor{ID: "pv1", Page: "https://shop.example/pricing", Since: t0}), t0)
	if len(d.Proactive.Visitors) != 1 || d.OnlineVisitor("pv1") == nil {
		t.Fatalf("visitors %+v", d.Proactive.Visitors)
	}
	d.OpenVisitorForm("nobody")
	if d.Proactive.Form != nil {
		t.Fatal("a form for nobody")
	}
	d.OpenVisitorForm("pv1")
	d.EditVisitorForm("   ")
	if _, ok := d.InviteVisitor(); ok || d.Proactive.Form.Error == "" {
		t.Fatal("an empty first message was sent")
	}
	d.EditVisitorForm("Hi, need help with the plans?")
	cmd, ok := d.InviteVisitor()
	if !ok || d.Proactive.Form != nil || !d.Sending("pv1") {
		t.Fatalf("not sent: %+v", cmd)
	}
	if b := cmd.Body.(*protocol.VisitorInvite); b.Visitor != "pv1" || b.Text != "Hi, need help with the plans?" {
		t.Fatalf("command %+v", b)
	}
	// Twice is nothing: the form is closed.
	if _, ok := d.InviteVisitor(); ok {
		t.Fatal("sent twice")
	}
	d.Apply(protocol.Event{Chat: "ch1", Body: &protocol.ChatOpened{Chat: summary("ch1", 2)}}, t0)
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Ack{Chat: "ch1"}}, t0)
	if d.Selected != "ch1" || d.Sending("pv1") {
		t.Fatalf("selected %q", d.Selected)
	}
	// Invited already (the list says so): the card refuses at once.
	d.Apply(onlineNow(protocol.OnlineVisitor{ID: "pv1", Chat: "ch1"}, protocol.OnlineVisitor{ID: "pv2"}), t0)
	d.OpenVisitorForm("pv1")
	if _, ok := d.InviteVisitor(); ok || !strings.Contains(d.Proactive.Form.Error, "invited already") {
		t.Fatal("an invited visitor invited again")
	}
	// A refusal by the server becomes the notice.
	d.OpenVisitorForm("pv2")
	cmd, _ = d.InviteVisitor()
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeNotFound, Message: "the visitor is no longer on the site"}}, t0)
	if d.Notice != "the visitor is no longer on the site" || d.Sending("pv2") {
		t.Fatalf("notice %q", d.Notice)
	}
}

// A proactive chat that ends unanswered says why.
func TestProactiveChatEndsUnanswered(t *testing.T) {
	for cause, want := range map[protocol.Cause]string{protocol.CauseDismissed: "dismissed the invitation", protocol.CauseVisitorLeft: "left the site"} {
		if got := New(nil).closedText(cause); !strings.Contains(got, want) {
			t.Fatalf("%s: %q", cause, got)
		}
	}
	if got := TimeOnSite(catalog.Printer{}, t0, t0.Add(75*time.Minute)); got != "on site for 1 h 15 min" {
		t.Fatal(got)
	}
	if got := TimeOnSite(catalog.Printer{}, t0, t0.Add(4*time.Minute)); got != "on site for 4 min" {
		t.Fatal(got)
	}
}
