package desk

import (
	"slices"
	"testing"

	"github.com/parleychat/parley/shared/protocol"
)

// TestTagsAndOutcome: the lists come with agent.ready; a tag toggles and each change is one
// chat.tags command with the whole set; a tag or outcome not on the tenant's list is ignored;
// where an outcome is required, the chat cannot be closed without one, and the close carries
// the outcome picked.
func TestTagsAndOutcome(t *testing.T) {
	d := newDesk()
	ev := ready(protocol.ChatSummary{ID: "ch1", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}})
	r := ev.Body.(*protocol.AgentReady)
	r.Tags = []protocol.Label{{ID: 3, Name: "Billing"}, {ID: 7, Name: "Bug"}}
	r.Outcomes = []protocol.Label{{ID: 5, Name: "Sold"}}
	r.OutcomeRequired = true
	d.Apply(ev, t0)
	if len(d.Labels.Tags) != 2 || !d.Labels.OutcomeRequired {
		t.Fatalf("labels = %+v", d.Labels)
	}
	tags := func(c protocol.Command) []int64 { return c.Body.(*protocol.ChatTags).Tags }
	c, ok := d.ToggleTag("ch1", 7)
	if !ok || !slices.Equal(tags(c), []int64{7}) {
		t.Fatalf("first tag: %v %+v", ok, c)
	}
	c, _ = d.ToggleTag("ch1", 3)
	if !slices.Equal(tags(c), []int64{3, 7}) || !d.Labels.HasTag("ch1", 3) {
		t.Fatalf("second tag: %+v", c)
	}
	c, _ = d.ToggleTag("ch1", 7)
	if !slices.Equal(tags(c), []int64{3}) || d.Labels.HasTag("ch1", 7) {
		t.Fatalf("untag: %+v", c)
	}
	if _, ok := d.ToggleTag("ch1", 99); ok {
		t.Error("a tag not on the list was sent")
	}
	if _, ok := d.ToggleTag("nochat", 3); ok {
		t.Error("a tag for an unknown chat was sent")
	}
	if _, ok := d.Close("ch1"); ok {
		t.Fatal("closed without the required outcome")
	}
	d.SetOutcome("ch1", 42)
	if d.Labels.Outcome("ch1") != 0 {
		t.Fatal("an outcome not on the list was kept")
	}
	d.SetOutcome("ch1", 5)
	c, ok = d.Close("ch1")
	if !ok || c.Body.(*protocol.Close).Outcome != 5 {
		t.Fatalf("close = %v %+v", ok, c)
	}
}

// TestLabelsChangeLive: an admin's new lists replace the old ones at once; the tags picked
// stay, an outcome taken off the list is dropped, and the outcome rule follows.
func TestLabelsChangeLive(t *testing.T) {
	d := newDesk()
	ev := ready(protocol.ChatSummary{ID: "ch1", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}})
	r := ev.Body.(*protocol.AgentReady)
	r.Tags = []protocol.Label{{ID: 3, Name: "Billing"}}
	r.Outcomes = []protocol.Label{{ID: 5, Name: "Sold"}, {ID: 6, Name: "Lost"}}
	d.Apply(ev, t0)
	d.ToggleTag("ch1", 3)
	d.SetOutcome("ch1", 5)
	d.Apply(protocol.Event{Body: &protocol.SettingsChanged{Kind: "labels", Tags: []protocol.Label{{ID: 3, Name: "Invoices"}, {ID: 8, Name: "Bug"}},
		Outcomes: []protocol.Label{{ID: 6, Name: "Lost"}}, OutcomeRequired: true}}, t0)
	if len(d.Labels.Tags) != 2 || d.Labels.Tags[0].Name != "Invoices" || len(d.Labels.Outcomes) != 1 || !d.Labels.OutcomeRequired {
		t.Fatalf("labels = %+v", d.Labels)
	}
	if !d.Labels.HasTag("ch1", 3) || d.Labels.Outcome("ch1") != 0 || d.Labels.CanClose("ch1") {
		t.Fatalf("choices after the change: tag %v outcome %d", d.Labels.HasTag("ch1", 3), d.Labels.Outcome("ch1"))
	}
	if _, ok := d.ToggleTag("ch1", 8); !ok {
		t.Fatal("a tag added by the admin cannot be picked")
	}
	// Another settings change leaves the lists alone.
	d.Apply(protocol.Event{Body: &protocol.SettingsChanged{Kind: "canned"}}, t0)
	if len(d.Labels.Tags) != 2 {
		t.Fatalf("canned change touched the lists: %+v", d.Labels)
	}
}
