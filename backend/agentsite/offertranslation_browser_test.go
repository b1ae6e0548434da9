//go:build !wasm

package agentsite_test

import (
	"testing"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestOfferTranslationInChromium runs the agent app of a French agent against the real server
// and a LibreTranslate service (a real local one) that hangs at first, with a German visitor on
// the protocol: the offer card shows the question as written at once, and when the service
// answers, the same card shows it in French, marked "translated from German", with the
// original behind the mark.
func TestOfferTranslationInChromium(t *testing.T) {
	ctx, env, lt := translatingSite(t)
	lt.Phrase("fr", "Wo ist meine Bestellung?", "Où est ma commande ?")
	u, err := env.Server.Store().UserByLogin(ctx, env.DemoUser(t, "agent", 1).Login)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Server.Store().SetUserLang(ctx, u.ID, "fr"); err != nil {
		t.Fatal(err)
	}

	ben := newBrowser(t, "offer-translation-ben", 1280, 820)
	signInReading(t, env, ben, 1, "Connecté")
	visitor := germanVisitor(t, ctx, env)
	// The service hangs: the request's own translation (into the tenant's English) gives up,
	// and the offer goes out with the question as written while its French one waits.
	release := lt.Hold()
	t.Cleanup(release)
	if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Greta Gast", Lang: "de", Question: "Wo ist meine Bestellung?"}); err != nil {
		t.Fatal(err)
	}
	card := `(document.querySelector('.offer') || {textContent: ''})`
	ben.WaitFor("the offer, as written", card+`.textContent.includes('Wo ist meine Bestellung?')`)
	if browsertest.Eval[bool](ben, `!!document.querySelector('.offer .translated-mark')`) {
		t.Fatal("the card is marked translated before the service answered")
	}
	ben.Screenshot("1-offer-as-written")
	release()
	ben.WaitFor("the offer, in French", `document.querySelector('.offer .offer-question').textContent === 'Où est ma commande ?' && `+
		`document.querySelector('.offer .translated-mark').textContent.includes('allemand')`)
	if n := browsertest.Eval[int](ben, `document.querySelectorAll('.offer').length`); n != 1 {
		t.Fatalf("%d offer cards, want the one replaced", n)
	}
	ben.Click(`document.querySelector('.offer details.original summary')`)
	ben.WaitFor("the original", `document.querySelector('.offer details.original').open && document.querySelector('.offer details.original').textContent.includes('Wo ist meine Bestellung?')`)
	ben.Screenshot("2-offer-translated")
	ben.AssertAccessible("translated offer")
	ben.AssertNoConsoleErrors("/api/me")
}
