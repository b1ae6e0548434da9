//go:build !wasm

package agentsite_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestAgentAppAccessibleInChromium signs in, accepts an offered chat and answers it with the
// keyboard only (Tab, Enter and typing; the status is picked by script, as a select needs the
// arrow keys), with the focus visible at each step, and runs axe-core on the sign-in page and
// on the desk with a chat open: no serious or critical WCAG 2.1 AA violation may show. New
// messages land in a polite live region, and with reduced motion asked for nothing moves.
func TestAgentAppAccessibleInChromium(t *testing.T) {
	env := startSite(t)
	anna := env.DemoUser(t, "agent", 0)
	b := newBrowser(t, "agent-a11y", 1280, 800)
	b.ReduceMotion()

	b.Do(chromedp.Navigate(env.URL + "/agent/"))
	b.WaitFor("the sign-in form", `!!document.querySelector('#signin-login')`)
	b.AssertAccessible("signin")
	b.TabTo("#signin-login", 10)
	b.AssertFocusVisible("the login field")
	b.Do(chromedp.KeyEvent(anna.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(anna.Password), chromedp.KeyEvent("\r"))
	b.WaitFor("the desk", `!!document.querySelector('.topbar') && document.querySelector('.link').textContent === 'Connected'`)
	b.TakeChats()
	b.AssertAccessible("desk")

	// A visitor asks; the agent tabs to Accept and presses Enter.
	visitor, _ := env.Visitor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Kim Keyboard", Question: "Can I pay by invoice?"})
	if err != nil {
		t.Fatal(err)
	}
	chatID := req.Body.(*protocol.Ack).Chat
	b.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	// The request is announced by a live region, once: the countdown is not in it.
	b.WaitFor("the request announced", `(() => { const r = document.querySelector('#offer-announce');
		return r && r.getAttribute('aria-live') === 'assertive' && r.textContent === 'Chat request from Kim Keyboard'; })()`)
	b.AssertStill("the ringing offer")
	b.TabTo(".offer .btn-accept", 60)
	b.AssertFocusVisible("the accept button")
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the conversation", agentHas("Can I pay by invoice?"))
	if !browsertest.Eval[bool](b, `document.querySelector('#messages').getAttribute('aria-live') === 'polite'`) {
		t.Error("new messages are not announced: the conversation is no polite live region")
	}

	// The answer, typed into the composer reached with Tab and sent with Enter.
	b.TabTo("#composer-text", 60)
	b.AssertFocusVisible("the composer")
	b.Do(chromedp.KeyEvent("Yes, invoices are fine."), chromedp.KeyEvent("\r"))
	if _, err := visitor.Await(ctx, func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && m.Text == "Yes, invoices are fine."
	}); err != nil {
		t.Fatalf("the visitor waiting for the answer: %v", err)
	}
	if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Thank you!"}); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("the visitor's thanks", agentHas("Thank you!")+` && !document.querySelector('.line.pending')`)
	b.AssertAccessible("desk-chat")
	b.AssertStill("the desk with a chat")
	b.AssertNoConsoleErrors("/api/me") // the sign-in page asks who is signed in: nobody yet
}
