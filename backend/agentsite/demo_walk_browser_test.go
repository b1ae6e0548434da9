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

// agentWalk is one demo agent's day in the app in their language: the agent, the visitor who
// writes, the canned response they pick and the app's words each step must show; the steps
// are the same in every language.
type agentWalk struct {
	lang      string                           // the agent's language setting, which the app follows
	agent     int                              // the demo agent, by index among the agents
	connector func(env *servertest.Env) string // the hash of the connector the visitor writes on
	request   protocol.ChatRequest
	seen      string // what the chat pane shows besides the question (a pre-chat answer)
	connected string // the app's word for a live connection
	offer     string // the offer's label
	canned    string // the canned response's title, typed into its search
	cannedTxt string // the canned response's first words
	closed    string // the app's line for a chat the agent closed
}

// runAgentWalk walks w through the app as seeded, without setting anything up: sign in, a
// status that takes chats, the offer, the chat with the visitor's question, a canned response
// from the demo's folders, the transfer dialog, and closing the chat; each step a screenshot,
// without English the catalogue translates, and accessible.
func runAgentWalk(t *testing.T, w agentWalk) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json", "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.DemoBaseOnly = false }})
	hash := w.connector(env)
	if hash == "" {
		t.Fatal("the demo has no connector for this walk")
	}
	user := env.DemoUser(t, "agent", w.agent)
	b := newBrowser(t, "demo-agent-"+w.lang, 1440, 900)
	step := func(name string) {
		t.Helper()
		b.Screenshot(name)
		checkNoEnglish(t, b, w.lang)
		b.AssertAccessible(name)
	}

	b.Do(chromedp.Navigate(env.URL + "/agent/"))
	b.WaitFor("the sign-in form", `!!document.querySelector('#signin-login')`)
	b.Click(`document.querySelector('#signin-login')`)
	b.Do(chromedp.KeyEvent(user.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(user.Password), chromedp.KeyEvent("\r"))
	b.WaitFor("the desk in "+w.lang, `document.querySelector('.link') && document.querySelector('.link').textContent === `+
		browsertest.JSQuote(w.connected)+` && document.documentElement.lang === `+browsertest.JSQuote(w.lang))
	b.TakeChats()
	step(w.lang + "-1-desk")

	visitor, _ := env.VisitorOn(t, hash, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req := w.request
	if _, err := visitor.Call(ctx, "", &req); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept') && document.querySelector('.offer').getAttribute('aria-label') === `+browsertest.JSQuote(w.offer))
	step(w.lang + "-2-offer")
	b.Click(`document.querySelector('.offer .btn-accept')`)
	b.WaitFor("the conversation", agentHas(w.request.Question)+` && document.body.textContent.includes(`+browsertest.JSQuote(w.seen)+`)`)
	step(w.lang + "-3-chat")

	// A canned response in the agent's language from the demo's folders.
	b.Click(`document.querySelector('#canned-button')`)
	b.WaitFor("the canned responses", `document.querySelectorAll('.canned').length >= 18`)
	b.Do(chromedp.KeyEvent(w.canned))
	b.WaitFor("the search", `document.querySelectorAll('.canned').length === 1`)
	step(w.lang + "-4-canned")
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the canned text in the composer", `document.querySelector('#composer-text').value.startsWith(`+browsertest.JSQuote(w.cannedTxt)+`)`)
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the reply confirmed", agentHas(w.cannedTxt)+` && !document.querySelector('.line.pending')`)

	// The transfer dialog, then cancelled.
	b.Click(`document.querySelector('#transfer-button')`)
	b.WaitFor("the transfer dialog", `!!document.querySelector('#transfer-card') && document.querySelector('#transfer-target') !== null &&
		document.querySelector('#transfer-target').options.length > 1`)
	step(w.lang + "-5-transfer")
	b.Do(chromedp.KeyEvent("\u001b"))
	b.WaitFor("the dialog closed", `!document.querySelector('#transfer-card')`)

	// Closing the chat.
	b.Click(`document.querySelector('.pane-head .btn-danger')`)
	b.WaitFor("the closing line in "+w.lang, agentHas(w.closed))
	step(w.lang + "-6-closed")
}

// TestGermanDemoAgentWalkInChromium walks the demo's German agent, Clara, through her day in
// German, with a visitor of the German connector and its pre-chat answers.
func TestGermanDemoAgentWalkInChromium(t *testing.T) {
	runAgentWalk(t, agentWalk{
		lang: "de", agent: 2, connector: func(env *servertest.Env) string { return env.Demo.Showcase.GermanConnectorHash },
		request: protocol.ChatRequest{Name: "Vera Beispiel", Lang: "de", Question: "Wann kommt meine Bestellung?",
			Fields: map[string]string{"Name": "Vera Beispiel", "Email": "vera@example.com", "Thema": "Bestellung und Versand"}},
		seen: "Bestellung und Versand", connected: "Verbunden", offer: "Chat-Anfrage von Vera Beispiel",
		canned: "Begrüßung", cannedTxt: "Guten Tag und danke", closed: "Der Chat wurde vom Agenten beendet",
	})
}

// TestFrenchDemoAgentWalkInChromium walks the demo's French agent, David, through his day in
// French (his language setting, in an English browser), with a French visitor of the English
// connector "Website chat" and a French canned response.
func TestFrenchDemoAgentWalkInChromium(t *testing.T) {
	runAgentWalk(t, agentWalk{
		lang: "fr", agent: 3, connector: func(env *servertest.Env) string { return env.Demo.ConnectorHash },
		request: protocol.ChatRequest{Name: "Camille Exemple", Lang: "fr", Question: "Quand ma commande arrivera-t-elle ?",
			Fields: map[string]string{"Email": "camille@example.com"}},
		seen: "camille@example.com", connected: "Connecté", offer: "Demande de chat de Camille Exemple",
		canned: "Bienvenue", cannedTxt: "Bonjour et merci", closed: "Le chat a été fermé par l’agent",
	})
}
