//go:build !wasm

package agentsite_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translate/libretest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestTranslationInChromium runs the agent app against the real server and a LibreTranslate
// service (a real local one), with a German visitor on the protocol: the visitor's line shows
// in English marked "Translated from German", the original opens under it; the agent's own
// line shows what the visitor read; the switch turns translation off, the conversation says
// so, and the next line shows as written.
func TestTranslationInChromium(t *testing.T) {
	ctx, env, lt := translatingSite(t)
	lt.Phrase("en", "Ich suche ein Buch über Segeln", "I am looking for a book about sailing")
	lt.Phrase("de", "We have three. Shall I send you the list?", "Wir haben drei. Soll ich Ihnen die Liste schicken?")

	anna := newBrowser(t, "translation-anna", 1280, 820)
	signIn(t, env, anna, 0)
	visitor := germanVisitor(t, ctx, env)
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Greta Gast", Lang: "de"})
	if err != nil {
		t.Fatal(err)
	}
	chatID := ack.Body.(*protocol.Ack).Chat
	anna.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	anna.Click(`document.querySelector('.offer .btn-accept')`)
	anna.WaitFor("the switch, on", `(document.querySelector('#translate-switch') || {}).getAttribute?.('aria-pressed') === 'true'`)

	if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Ich suche ein Buch über Segeln"}); err != nil {
		t.Fatal(err)
	}
	anna.WaitFor("the translation", agentHas("I am looking for a book about sailing")+` && `+agentHas("Translated from German"))
	if browsertest.Eval[bool](anna, `[...document.querySelectorAll('#messages details.original')].some(d => d.open)`) {
		t.Fatal("the original shows before it is asked for")
	}
	anna.Click(`document.querySelector('#messages details.original summary')`)
	anna.WaitFor("the original", `[...document.querySelectorAll('#messages details.original')].some(d => d.open && d.textContent.includes('Ich suche ein Buch über Segeln'))`)

	anna.Click(`document.querySelector('#composer-text')`)
	anna.Do(chromedp.KeyEvent("We have three. Shall I send you the list?"))
	pressEnter(t, anna)
	ev, err := visitor.Await(ctx, message("We have three"))
	if err != nil {
		t.Fatal(err)
	}
	if tr := ev.Body.(*protocol.Message).Translation; tr == nil || tr.Text != "Wir haben drei. Soll ich Ihnen die Liste schicken?" {
		t.Fatalf("the visitor read %+v", tr)
	}
	anna.WaitFor("what the visitor read", agentHas("The visitor read it in German:")+` && `+agentHas("Wir haben drei."))
	anna.Screenshot("1-translated")
	anna.AssertAccessible("translated chat")

	anna.Click(`document.querySelector('#translate-switch')`)
	anna.WaitFor("the switch, off", `document.querySelector('#translate-switch').getAttribute('aria-pressed') === 'false'`)
	anna.WaitFor("the notice", agentHas("Anna turned translation off"))
	if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Ja, bitte"}); err != nil {
		t.Fatal(err)
	}
	anna.WaitFor("the untranslated line", agentHas("Ja, bitte"))
	if n := browsertest.Eval[int](anna, `document.querySelectorAll('#messages .translated-mark').length`); n != 2 {
		t.Fatalf("%d translation marks after turning it off, want the 2 from before", n)
	}
	anna.Screenshot("2-translation-off")
	anna.AssertNoConsoleErrors("/api/me") // the sign-in page asks who is signed in: nobody yet
}

// translatingSite starts the server for a browser test of translation, its demo tenant
// translating through a LibreTranslate service (a real local one) offering German and French.
func translatingSite(t *testing.T) (context.Context, *servertest.Env, *libretest.Server) {
	t.Helper()
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	lt := libretest.New()
	t.Cleanup(lt.Close)
	env.Translate(t, translate.LibreTranslate, lt.URL, "", "de", "fr")
	return ctx, env, lt
}

// germanVisitor connects a visitor whose widget speaks German, on the protocol.
func germanVisitor(t *testing.T, ctx context.Context, env *servertest.Env) *protoclient.Client {
	t.Helper()
	visitor, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{IDPrefix: "v"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { visitor.Drop() })
	if _, err := visitor.Call(ctx, "", &protocol.VisitorConnect{Connector: env.Demo.ConnectorHash, Lang: "de-DE"}); err != nil {
		t.Fatal(err)
	}
	return visitor
}
