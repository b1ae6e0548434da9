package agentui

import (
	"slices"
	"testing"
)

// A language chosen in the menu is saved as the agent's setting on the server; "Automatic"
// clears it, so that the browser's languages apply again; the language already set is not
// sent again.
func TestLanguageChoiceSavedOnServer(t *testing.T) {
	ready := *testReady
	ready.User.Lang = "de"
	e, a, p, _ := signedInWith(t, &ready)
	p.http["PUT /api/me/lang"] = fakeResponse{204, ""}
	count := func() int {
		p.mu.Lock()
		defer p.mu.Unlock()
		n := 0
		for _, r := range p.requests {
			if r == "PUT /api/me/lang" {
				n++
			}
		}
		return n
	}
	a.ctx.NewActionWithValue(ActLang, "de")
	e.ConsumeAll()
	if count() != 0 {
		t.Fatal("the language already set was sent again")
	}
	a.ctx.NewActionWithValue(ActLang, "fr-FR")
	e.ConsumeAll()
	a.ctx.Async(func() {}) // the save runs in the background; let it finish
	e.ConsumeAll()
	if count() != 1 {
		p.mu.Lock()
		t.Fatalf("the choice was not saved: %v", slices.Clone(p.requests))
	}
	if a.desk.User.Lang != "fr" {
		t.Errorf("the app's copy of the setting is %q", a.desk.User.Lang)
	}
	a.ctx.NewActionWithValue(ActLang, "")
	e.ConsumeAll()
	a.ctx.Async(func() {})
	e.ConsumeAll()
	if count() != 2 || a.desk.User.Lang != "" {
		t.Errorf("Automatic did not clear the setting: %d saves, setting %q", count(), a.desk.User.Lang)
	}
	a.ctx.NewActionWithValue(ActLang, "")
	e.ConsumeAll()
	if count() != 2 {
		t.Error("Automatic was sent again with no setting left to clear")
	}
}
