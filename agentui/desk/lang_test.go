package desk

import (
	"testing"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
)

// The desk writes its lines, notices and menu entries in the language of its printer, and a
// chat names an anonymous visitor in it; changing the printer changes what comes next.
func TestDeskWritesInItsLanguage(t *testing.T) {
	d := New(func() string { return "id" })
	if got := d.closedText(protocol.CauseAgent); got != "The chat was closed by the agent" {
		t.Fatalf("English by default: %q", got)
	}
	d.Msg = catalog.For("de-AT")
	c := &Chat{msg: &d.Msg}
	if got := d.closedText(protocol.CauseAgent); got != "Der Chat wurde vom Agenten beendet" {
		t.Errorf("de closed = %q", got)
	}
	if c.Title() != "Besucher" {
		t.Errorf("de title = %q", c.Title())
	}
	if m := d.StatusMenu(); len(m) == 0 || m[0].Label != "Kein Status" {
		t.Errorf("de menu = %+v", m)
	}
	d.Msg = catalog.For("fr")
	if c.Title() != "Visiteur" || failNotice(d.Msg, "timeout", "Ben") != "Personne n’a accepté le transfert à temps ; le chat reste chez vous." {
		t.Errorf("fr: %q", c.Title())
	}
	if got := PartName(d.Msg, protocol.PartObserver); got != "observateur" {
		t.Errorf("fr part = %q", got)
	}
	if (&Chat{}).Title() != "Visitor" {
		t.Error("a chat outside a desk speaks English")
	}
}
