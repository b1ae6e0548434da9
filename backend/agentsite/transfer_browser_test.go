//go:build !wasm

package agentsite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestTransferInChromium runs two agents' apps against the real server with a visitor on the
// protocol: Anna hands her chat to Ben through the Transfer card with a note; while it is under
// way she still writes; Ben's offer shows who transfers it and the note, and once he accepts
// he has the whole history; Anna's chat ends, the visitor reads the neutral line and Ben's
// join and never the note. Then Ben hands it back to Anna, who lets the offer lapse: after the
// connect wait Ben is told, and the chat stays his.
func TestTransferInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	env.ChangeConnector(t, func(c *store.Connector) { c.ConnectWait = 12 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	anna := newBrowser(t, "transfer-anna", 1280, 820)
	signIn(t, env, anna, 0)
	visitor, _ := env.Visitor(t)
	var seen visitorLog
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Vera Visitor", Question: "My invoice is wrong."})
	if err != nil {
		t.Fatal(err)
	}
	chatID := ack.Body.(*protocol.Ack).Chat
	anna.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	anna.Click(`document.querySelector('.offer .btn-accept')`)
	anna.WaitFor("the conversation", agentHas("My invoice is wrong."))
	ben := newBrowser(t, "transfer-ben", 1280, 820)
	signIn(t, env, ben, 1)

	// Anna opens the card: Ben is listed with his status and free capacity.
	anna.Click(`document.querySelector('#transfer-button')`)
	anna.WaitFor("the colleagues", `[...document.querySelectorAll('#transfer-target option')].some(o => o.textContent.startsWith('Ben — ') && !o.disabled)`)
	anna.WaitFor("the focus on the kind", `document.activeElement && document.activeElement.id === 'transfer-kind-agent'`)
	options := browsertest.Eval[string](anna, `[...document.querySelectorAll('#transfer-target option')].map(o => o.textContent + (o.disabled ? ' (x)' : '')).join(' | ')`)
	if !strings.Contains(options, "free") || strings.Contains(options, "Anna") {
		t.Fatalf("the picker offers %q", options)
	}
	browsertest.Eval[bool](anna, `(() => { const s = document.querySelector('#transfer-target');
		s.value = [...s.options].find(o => o.textContent.startsWith('Ben')).value; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	anna.Click(`document.querySelector('#transfer-note')`)
	anna.Do(chromedp.KeyEvent("Billing question, invoice 4711; she prefers e-mail."))
	anna.Screenshot("1-transfer-card")
	anna.Click(`document.querySelector('#transfer-send')`)
	anna.WaitFor("the transfer under way", `!document.querySelector('#transfer-card') && (document.querySelector('#transfer-status') || {textContent: ''}).textContent.includes('Transferring to Ben')`)
	anna.WaitFor("the note as an internal line", `[...document.querySelectorAll('#messages .line.internal')].some(l => l.textContent.includes('invoice 4711'))`)

	// The owner still writes while it is under way.
	anna.Click(`document.querySelector('#composer-text')`)
	anna.Do(chromedp.KeyEvent("A colleague from billing will take over in a moment."))
	pressEnter(t, anna)
	seen.await(t, ctx, visitor, "Anna's message during the transfer", message("take over in a moment"))
	anna.Screenshot("2-transferring")

	// Ben's offer says who transfers it, with the note.
	ben.WaitFor("the transfer offer", `!!document.querySelector('#offer-`+chatID+` .offer-note')`)
	card := browsertest.Eval[string](ben, `document.querySelector('#offer-`+chatID+`').textContent`)
	for _, want := range []string{"Vera Visitor", "Transferred by Anna", "invoice 4711"} {
		if !strings.Contains(card, want) {
			t.Errorf("the offer lacks %q: %s", want, card)
		}
	}
	ben.Screenshot("1-transfer-offer")
	ben.Click(`document.querySelector('#offer-` + chatID + ` .btn-accept')`)
	ben.WaitFor("the whole history", agentHas("My invoice is wrong.")+` && `+agentHas("take over in a moment")+` && `+agentHas("You are being connected to another agent."))
	ben.WaitFor("the note in the history", `[...document.querySelectorAll('#messages .line.internal')].some(l => l.textContent.includes('invoice 4711'))`)
	ben.Screenshot("2-after-accept")
	anna.WaitFor("the chat ended for Anna", agentHas("The chat was transferred to Ben")+` && !document.querySelector('#transfer-status')`)
	anna.Screenshot("3-handed-over")

	seen.await(t, ctx, visitor, "the neutral line", message("You are being connected to another agent."))
	seen.await(t, ctx, visitor, "Ben's join", func(ev protocol.Event) bool {
		j, ok := ev.Body.(*protocol.Joined)
		return ok && j.Name == "Ben"
	})
	ben.Click(`document.querySelector('#composer-text')`)
	ben.Do(chromedp.KeyEvent("Hello Vera, Ben from billing here."))
	pressEnter(t, ben)
	seen.await(t, ctx, visitor, "Ben's reply", message("Ben from billing"))
	seen.mu.Lock()
	for _, ev := range seen.events {
		if m, ok := ev.Body.(*protocol.Message); ok && strings.Contains(m.Text, "4711") {
			t.Errorf("the visitor saw the note: %+v", m)
		}
		if _, ok := ev.Body.(*protocol.Transfer); ok {
			t.Errorf("the visitor got a transfer event")
		}
	}
	seen.mu.Unlock()

	// Ben hands it back to Anna, who does not answer: after the connect wait it stays his.
	ben.Click(`document.querySelector('#transfer-button')`)
	ben.WaitFor("Anna in the picker", `[...document.querySelectorAll('#transfer-target option')].some(o => o.textContent.startsWith('Anna — ') && !o.disabled)`)
	browsertest.Eval[bool](ben, `(() => { const s = document.querySelector('#transfer-target');
		s.value = [...s.options].find(o => o.textContent.startsWith('Anna')).value; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	ben.Click(`document.querySelector('#transfer-send')`)
	ben.WaitFor("the transfer under way", `(document.querySelector('#transfer-status') || {textContent: ''}).textContent.includes('Transferring to Anna')`)
	anna.WaitFor("the offer back", `!!document.querySelector('#offer-`+chatID+`')`)
	ben.WaitFor("the failure notice", `(document.querySelector('#transfer-notice') || {textContent: ''}).textContent.includes('Nobody accepted the transfer in time; the chat stays with you.')`)
	anna.WaitFor("the offer gone", `!document.querySelector('#offer-`+chatID+`')`)
	ben.Screenshot("3-transfer-timed-out")
	ben.Click(`document.querySelector('#composer-text')`)
	ben.Do(chromedp.KeyEvent("I am still here."))
	pressEnter(t, ben)
	seen.await(t, ctx, visitor, "Ben's message after the failed transfer", message("still here"))
}
