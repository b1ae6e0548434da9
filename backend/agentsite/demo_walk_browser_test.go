//go:build !wasm

package agentsite_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestGermanDemoAgentWalkInChromium walks the demo's German agent, Clara, through her day in
// the app as seeded, without setting anything up: sign in, a status that takes chats, a chat
// from the German connector with the visitor's pre-chat answers, a German canned response
// from the demo's folders, the transfer dialog, and closing the chat; every step in German,
// without English the catalogue translates, and accessible.
func TestGermanDemoAgentWalkInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json", "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.DemoBaseOnly = false }})
	clara := env.DemoUser(t, "agent", 2)
	step := func(b *browsertest.Browser, name string) {
		t.Helper()
		b.Screenshot(name)
		checkNoEnglish(t, b, "de")
		b.AssertAccessible(name)
	}

	b := newBrowser(t, "demo-clara", 1440, 900)
	b.Do(chromedp.Navigate(env.URL + "/agent/"))
	b.WaitFor("the sign-in form", `!!document.querySelector('#signin-login')`)
	b.Click(`document.querySelector('#signin-login')`)
	b.Do(chromedp.KeyEvent(clara.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(clara.Password), chromedp.KeyEvent("\r"))
	b.WaitFor("the desk in German", `document.querySelector('.link') && document.querySelector('.link').textContent === 'Verbunden' && document.documentElement.lang === 'de'`)
	b.TakeChats()
	step(b, "clara-1-desk")

	// A visitor of the German connector with the pre-chat answers.
	visitor, _ := env.VisitorOn(t, env.Demo.Showcase.GermanConnectorHash, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Vera Beispiel", Lang: "de", Question: "Wann kommt meine Bestellung?",
		Fields: map[string]string{"Name": "Vera Beispiel", "Email": "vera@example.com", "Thema": "Bestellung und Versand"}}); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept') && document.querySelector('.offer').getAttribute('aria-label') === 'Chat-Anfrage von Vera Beispiel'`)
	step(b, "clara-2-offer")
	b.Click(`document.querySelector('.offer .btn-accept')`)
	b.WaitFor("the conversation with the answers", agentHas("Wann kommt meine Bestellung?")+` && document.body.textContent.includes('Bestellung und Versand')`)
	step(b, "clara-3-chat")

	// A German canned response from the demo's folders.
	b.Click(`document.querySelector('#canned-button')`)
	b.WaitFor("the canned responses", `document.querySelectorAll('.canned').length >= 18`)
	b.Do(chromedp.KeyEvent("Begrüßung"))
	b.WaitFor("the search", `document.querySelectorAll('.canned').length === 1`)
	step(b, "clara-4-canned")
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the canned text in the composer", `document.querySelector('#composer-text').value.startsWith('Guten Tag')`)
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the reply confirmed", agentHas("Guten Tag und danke")+` && !document.querySelector('.line.pending')`)

	// The transfer dialog, then cancelled.
	b.Click(`document.querySelector('#transfer-button')`)
	b.WaitFor("the transfer dialog", `!!document.querySelector('#transfer-card') && document.querySelector('#transfer-target') !== null &&
		document.querySelector('#transfer-target').options.length > 1`)
	step(b, "clara-5-transfer")
	b.Do(chromedp.KeyEvent("\u001b"))
	b.WaitFor("the dialog closed", `!document.querySelector('#transfer-card')`)

	// Closing the chat.
	b.Click(`document.querySelector('.pane-head .btn-danger')`)
	b.WaitFor("the closing line in German", agentHas("Der Chat wurde vom Agenten beendet"))
	step(b, "clara-6-closed")
}
