package widgetsite_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestWidgetAccessibleInChromium walks the visitor's chat with the keyboard only (Tab, Enter
// and Escape, and typing), checks that the focus is visible at each step, and runs axe-core on
// the start form, on a chat with messages and on the ended chat: no serious or critical WCAG
// 2.1 AA violation may show in the widget or the demo page around it. The visitor's system asks
// for reduced motion, so nothing in the widget may animate.
func TestWidgetAccessibleInChromium(t *testing.T) {
	env := startSite(t)
	anna := agent(t, env)
	b := browsertest.New(t, browsertest.Options{Name: "widget-a11y", Lang: "en-US", AcceptLanguage: "en-US,en"})
	b.ReduceMotion()

	b.Do(chromedp.Navigate(env.URL + "/demo"))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.AssertAccessible("launcher")

	// Tab to the launcher, open it with Enter: the focus is in the name field.
	b.TabTo(`button[aria-controls="parley-panel"]`, 40)
	b.AssertFocusVisible("the launcher")
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the pre-chat form with focus on the name", browsertest.FocusedIs("#f-name"))
	b.AssertFocusVisible("the name field")
	b.AssertAccessible("start-form")
	b.AssertStill("the open panel")

	// Escape closes the panel; Enter on the launcher opens it again.
	b.Do(chromedp.KeyEvent("\x1b"))
	b.WaitFor("the panel closed", `!document.querySelector('parley-chat').shadowRoot.querySelector('.p').classList.contains('on')`)
	b.TabTo(`button[aria-controls="parley-panel"]`, 40)
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the name field again", browsertest.FocusedIs("#f-name"))

	b.Do(chromedp.KeyEvent("Kim Keyboard"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Do you ship to Norway?"), chromedp.KeyEvent("\t"))
	b.WaitFor("the start button", browsertest.FocusedIs("#btn-start"))
	b.AssertFocusVisible("the start button")
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the question in the transcript", inFrame(`d.querySelector('#log').textContent.includes('Norway')`))

	_, offer := await[*protocol.Offer](t, anna, "the offer", nil)
	call(t, anna, offer.Chat, &protocol.OfferAccept{})
	call(t, anna, offer.Chat, &protocol.Typing{On: true})
	b.WaitFor("the typing indicator", inFrame(`!d.querySelector('#typing').hidden`))
	b.AssertStill("the typing indicator")
	call(t, anna, offer.Chat, &protocol.Send{Text: "Yes, in three to five days."})
	b.WaitFor("the agent's reply", inFrame(`d.querySelector('#log').textContent.includes('three to five')`))
	// New lines go into a polite live region, which screen readers announce.
	if !browsertest.Eval[bool](b, jsFrameDoc+`.querySelector('#log').getAttribute('aria-live') === 'polite' && `+
		jsFrameDoc+`.querySelector('#log').getAttribute('aria-relevant').includes('additions')`) {
		t.Error("the transcript does not announce new lines")
	}
	b.WaitFor("the focus in the message box", browsertest.FocusedIs("#msg"))
	b.AssertFocusVisible("the message box")
	b.Do(chromedp.KeyEvent("Great, thanks!"), chromedp.KeyEvent("\r"))
	await(t, anna, "the visitor's answer", func(m *protocol.Message) bool { return m.Text == "Great, thanks!" })
	b.WaitFor("the answer confirmed", inFrame(`[...d.querySelectorAll('#log .me')].some(li => li.textContent.includes('Great, thanks!') && !li.classList.contains('pending'))`))
	b.AssertAccessible("chat")

	call(t, anna, offer.Chat, &protocol.Close{})
	b.WaitFor("the ended chat", inFrame(`!d.querySelector('#btn-restart').hidden || !d.querySelector('#btn-leave').hidden || !!d.querySelector('#v-post:not([hidden])')`))
	b.AssertAccessible("ended")
	b.AssertNoConsoleErrors()
}
