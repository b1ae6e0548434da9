package desk

import (
	"testing"

	"github.com/parleychat/parley/shared/protocol"
)

// labels lists a status menu as "label" with "*" for the selected and "-" for a disabled
// entry.
func labels(menu []StatusOption) []string {
	var out []string
	for _, o := range menu {
		l := o.Label
		if o.Selected {
			l = "*" + l
		}
		if o.Disabled {
			l = "-" + l
		}
		out = append(out, l)
	}
	return out
}

func TestStatusMenuShowsTheRealStatus(t *testing.T) {
	d := newDesk()
	r := ready()
	r.Body.(*protocol.AgentReady).Status = 0 // a new agent has no status yet
	d.Apply(r, t0)
	if got := labels(d.StatusMenu()); len(got) != 3 || got[0] != "-*No status" || got[1] != "Available" || got[2] != "Pause (no chats)" {
		t.Fatalf("menu without a status = %q, want No status shown and nothing else selected", got)
	}
	if d.ReceivesOffers() {
		t.Fatal("no status receives no chats")
	}

	// Choosing Available is a change: it is sent and shown at once.
	cmd := d.SetStatus(1)
	if b, ok := cmd.Body.(*protocol.StatusSet); !ok || b.Status != 1 {
		t.Fatalf("command = %+v", cmd)
	}
	if got := labels(d.StatusMenu()); len(got) != 2 || got[0] != "*Available" {
		t.Fatalf("menu after choosing = %q", got)
	}
	// The server refuses it: the menu goes back to what the server has.
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeForbidden, Message: "no"}}, t0)
	if got := labels(d.StatusMenu()); d.Status != 0 || got[0] != "-*No status" {
		t.Fatalf("after a refusal status=%d menu=%q", d.Status, got)
	}
	// Accepted: the server confirms on agent.status, and the ack keeps it.
	cmd = d.SetStatus(1)
	d.Apply(protocol.Event{Body: &protocol.AgentStatus{Status: 1}}, t0)
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Ack{}}, t0)
	if d.Status != 1 || !d.ReceivesOffers() {
		t.Fatalf("status = %d", d.Status)
	}
	// A later refusal goes back to that confirmed status, unless another change is on its way.
	first, second := d.SetStatus(2), d.SetStatus(1)
	d.Apply(protocol.Event{ID: first.ID, Body: &protocol.Error{Code: protocol.CodeBusy, Message: "busy"}}, t0)
	if d.Status != 1 {
		t.Fatalf("status = %d while the second change waits", d.Status)
	}
	_ = second

	// A status the app does not know (deleted meanwhile) is no status; a status the agent may
	// not set stays shown, and may not be chosen when it is not theirs.
	d.Statuses = append(d.Statuses, protocol.Status{ID: 3, Name: "Missed chats", Settable: false})
	if got := labels(d.StatusMenu()); got[len(got)-1] != "-Missed chats (no chats)" {
		t.Fatalf("menu = %q", got)
	}
	d.Apply(protocol.Event{Body: &protocol.AgentStatus{Status: 3, Reason: "missed chats"}}, t0)
	if got := labels(d.StatusMenu()); got[len(got)-1] != "*Missed chats (no chats)" {
		t.Fatalf("menu with a status set by the server = %q", got)
	}
	d.Apply(protocol.Event{Body: &protocol.AgentStatus{Status: 99}}, t0)
	if got := labels(d.StatusMenu()); got[0] != "-*No status" {
		t.Fatalf("menu with an unknown status = %q", got)
	}
}

func TestDotColorIsTheBackgroundAndVisible(t *testing.T) {
	for _, tc := range []struct {
		s     protocol.Status
		color string
		ring  bool
	}{
		// The demo's Available: white text on green. The dot is green.
		{protocol.Status{Color: "#ffffff", Background: "#2e7d32"}, "#2e7d32", false},
		{protocol.Status{Color: "#000000", Background: "#1565c0"}, "#1565c0", false},
		// Too light against the white bar: a ring shows it.
		{protocol.Status{Color: "#000000", Background: "#f9a825"}, "#f9a825", true},
		{protocol.Status{Background: "#ffffff"}, "#ffffff", true},
		{protocol.Status{Background: "#FFF"}, "#FFF", true},
		{protocol.Status{Background: "#767676"}, "#767676", false},
		// No usable background: the neutral dot, never the font colour or injected CSS.
		{protocol.Status{Color: "#ffffff"}, DotNeutral, false},
		{protocol.Status{Background: "red;background:url(x)"}, DotNeutral, false},
		{protocol.Status{Background: "#12345g"}, DotNeutral, false},
		{protocol.Status{}, DotNeutral, false},
	} {
		if c, ring := DotColor(tc.s); c != tc.color || ring != tc.ring {
			t.Errorf("DotColor(%+v) = %s, %v; want %s, %v", tc.s, c, ring, tc.color, tc.ring)
		}
	}
}

// A status chosen while the link drops stays shown across the reconnect's agent.ready, which
// was made before the choice reached the server, and is sent again after it.
func TestStatusChoiceSurvivesReconnect(t *testing.T) {
	d := newDesk()
	r := ready()
	r.Body.(*protocol.AgentReady).Status = 0
	d.Apply(r, t0)
	d.SetStatus(1)
	again := ready()
	again.Body.(*protocol.AgentReady).Status = 0
	_, cmds := d.Apply(again, t0)
	if d.Status != 1 || !d.ReceivesOffers() {
		t.Fatalf("the choice was lost on agent.ready: status %d", d.Status)
	}
	resent := false
	for _, c := range cmds {
		if b, ok := c.Body.(*protocol.StatusSet); ok && b.Status == 1 {
			resent = true
		}
	}
	if !resent {
		t.Fatalf("the choice was not sent again: %+v", cmds)
	}
}
