//go:build !wasm

package agentsite_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/store"
)

// widgetFrame is true while the host page has no chat frame: the chat's WebAssembly is not
// loaded.
const noWidgetFrame = `(() => { const h = document.querySelector('parley-chat'); return !!h && !h.shadowRoot.querySelector('iframe'); })()`

// TestProactiveChatInChromium runs a proactive chat in two browsers against the real server:
// a visitor on the demo shop page, whose loader reports the page without loading the chat; Anna
// sees the visitor online, invites them with a first message; the widget opens on the visitor's
// page with that message, the visitor answers and Anna reads the answer.
func TestProactiveChatInChromium(t *testing.T) {
	env := startSite(t)
	env.ChangeConnector(t, func(c *store.Connector) { c.VisitorPresence = true })
	anna := newBrowser(t, "proactive-agent", 1280, 820)
	signIn(t, env, anna, 0)
	anna.WaitFor("the empty visitors list", `(document.querySelector('#visitors-online') || {textContent: ''}).textContent.includes('Nobody on the site')`)

	visitor := newBrowser(t, "proactive-visitor", 1100, 800)
	visitor.Do(chromedp.Navigate(env.URL + "/demo/shop"))
	visitor.WaitFor("the launcher", browsertest.WidgetLauncherShown)

	// Anna sees the visitor: page, time on site, new; the chat is not loaded on the page.
	anna.WaitFor("the visitor online", `document.querySelectorAll('#visitors-online .visitor').length === 1`)
	item := browsertest.Eval[string](anna, `document.querySelector('#visitors-online .visitor').textContent`)
	for _, want := range []string{"on site", "New"} {
		if !strings.Contains(item, want) {
			t.Errorf("the visitor's entry lacks %q: %s", want, item)
		}
	}
	if !browsertest.Eval[bool](visitor, noWidgetFrame) {
		t.Fatal("the chat frame loaded before any invitation")
	}
	if n := browsertest.Eval[int](visitor, `performance.getEntriesByType('resource').filter(e => e.name.includes('.wasm')).length`); n != 0 {
		t.Fatalf("the page loaded %d WebAssembly files before any invitation", n)
	}
	anna.Screenshot("1-visitor-online")

	// Anna invites them with a first message of her own.
	anna.Click(`document.querySelector('#visitors-online .visitor button')`)
	anna.WaitFor("the invitation card", `document.activeElement && document.activeElement.id === 'visitor-invite-text'`)
	const first = "Hi! Looking for a gift? I can help you choose."
	browsertest.Eval[bool](anna, `(() => { const t = document.querySelector('#visitor-invite-text'); t.value = `+browsertest.JSQuote(first)+`;
		t.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	anna.Screenshot("2-invitation-card")
	anna.Click(`document.querySelector('#visitor-invite-send')`)
	anna.WaitFor("the chat with the first message", agentHas(first)+` && !document.querySelector('#visitor-invite-card')`)
	anna.WaitFor("the visitor marked invited", `(document.querySelector('#visitors-online') || {textContent: ''}).textContent.includes('Invited')`)

	// The widget opens on the visitor's page with Anna's message.
	visitor.WaitFor("the agent's first message in the widget", browsertest.InWidget(`d.querySelector('#log').textContent.includes(`+browsertest.JSQuote(first)+`)`))
	visitor.Screenshot("1-invited")

	// The visitor answers; Anna reads it.
	visitor.WaitFor("the message box", browsertest.InWidget(`!!d.querySelector('#msg') && !d.querySelector('#msg').disabled`))
	browsertest.Eval[bool](visitor, `(() => { document.querySelector('parley-chat').shadowRoot.querySelector('iframe').contentDocument.querySelector('#msg').focus(); return true; })()`)
	visitor.Do(chromedp.KeyEvent("Yes please, something for my sister."), chromedp.KeyEvent("\r"))
	anna.WaitFor("the visitor's answer", agentHas("something for my sister"))
	anna.WaitFor("the invitation over", `(document.querySelector('#visitors-online') || {textContent: ''}).textContent.includes('In a chat') && !document.querySelector('#visitors-online .visitor button')`)
	visitor.WaitFor("the answer in the widget", browsertest.InWidget(`d.querySelector('#log').textContent.includes('something for my sister')`))
	anna.Screenshot("3-answered")
	visitor.Screenshot("2-answered")
	anna.AssertNoConsoleErrors("/api/me")
	visitor.AssertNoConsoleErrors()
}

// TestProactiveInvitationDismissedInChromium: the visitor closes the chat the invitation opened
// without answering; Anna's chat ends saying the visitor dismissed the invitation.
func TestProactiveInvitationDismissedInChromium(t *testing.T) {
	env := startSite(t)
	env.ChangeConnector(t, func(c *store.Connector) { c.VisitorPresence = true })
	anna := newBrowser(t, "proactive-dismiss-agent", 1280, 820)
	signIn(t, env, anna, 0)
	visitor := newBrowser(t, "proactive-dismiss-visitor", 1100, 800)
	visitor.Do(chromedp.Navigate(env.URL + "/demo"))
	visitor.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	anna.WaitFor("the visitor online", `!!document.querySelector('#visitors-online .visitor button')`)
	anna.Click(`document.querySelector('#visitors-online .visitor button')`)
	anna.WaitFor("the invitation card", `document.activeElement && document.activeElement.id === 'visitor-invite-text'`)
	anna.Click(`document.querySelector('#visitor-invite-send')`)
	anna.WaitFor("the chat", agentHas(desk.DefaultInviteText(catalog.Printer{})))
	visitor.WaitFor("the invitation in the widget", browsertest.InWidget(`d.querySelector('#log').textContent.includes(`+browsertest.JSQuote(desk.DefaultInviteText(catalog.Printer{}))+`)`))
	visitor.Click(browsertest.WidgetLauncher)
	anna.WaitFor("the dismissal", agentHas("The visitor dismissed the invitation"))
	anna.WaitFor("the visitor invitable again", `!!document.querySelector('#visitors-online .visitor button') && !document.querySelector('.visitor-invited')`)
	anna.Screenshot("1-dismissed")
}
