//go:build !wasm

package agentsite_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/shared/protocol"
)

// awaitFieldRequest waits for the agent's request for the field name at the visitor.
func awaitFieldRequest(t *testing.T, ctx context.Context, c *protoclient.Client, name string) protocol.SurveyField {
	t.Helper()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool {
		r, ok := ev.Body.(*protocol.FieldRequest)
		return ok && r.Field.Name == name
	})
	if err != nil {
		t.Fatalf("no request for %s: %v", name, err)
	}
	return ev.Body.(*protocol.FieldRequest).Field
}

// detailsHas is true when the visitor details panel has a section titled title holding the
// pair label: value.
func detailsHas(title, label, value string) string {
	return `(() => { const b = [...document.querySelectorAll('.details .fact-block')].find(b => b.querySelector('h3') && b.querySelector('h3').textContent === ` + browsertest.JSQuote(title) + `);
		return !!b && [...b.querySelectorAll('.fact')].some(f => f.querySelector('dt').textContent === ` + browsertest.JSQuote(label) + ` && f.querySelector('dd').textContent === ` + browsertest.JSQuote(value) + `); })()`
}

// TestAgentAsksForFieldInChromium: the agent asks the visitor for the order number with the
// "Ask for…" card, reached by keyboard; the visitor (a protocol client, as the widget would)
// gets the request; the request still waits after a reload of the app; the visitor answers and
// the answer shows in the conversation and the details panel, next to the pre-chat fields. A custom field is checked before it is sent, its name made
// from the question; post-chat answers show as feedback.
func TestAgentAsksForFieldInChromium(t *testing.T) {
	env := startSite(t)
	agent := newBrowser(t, "agent-field", 1360, 860)
	signIn(t, env, agent, 0)

	visitor, _ := env.Visitor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Vera Fields", Question: "My parcel has not arrived.", Fields: map[string]string{"Company": "Acme Ltd"}})
	if err != nil {
		t.Fatal(err)
	}
	chat := ack.Body.(*protocol.Ack).Chat
	agent.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	agent.Click(`document.querySelector('.offer .btn-accept')`)
	agent.WaitFor("the conversation", agentHas("My parcel has not arrived."))
	agent.WaitFor("the pre-chat field", detailsHas("Pre-chat form", "Company", "Acme Ltd"))

	// "Ask for…" is reached with the keyboard after the paper clip; Enter opens the card with
	// the focus on the first preset.
	browsertest.Eval[bool](agent, `(() => { document.querySelector('#file-input').focus(); return true; })()`)
	agent.Do(chromedp.KeyEvent("\t"))
	if !browsertest.Eval[bool](agent, `document.activeElement.id === 'ask-button' && document.activeElement.textContent === 'Ask for…'`) {
		t.Fatal("the Ask button cannot be reached with Tab")
	}
	agent.Do(chromedp.KeyEvent("\r"))
	agent.WaitFor("the card", `!!document.querySelector('#ask-card') && document.activeElement && document.activeElement.id === 'ask-preset-0' &&
		document.querySelector('#ask-button').getAttribute('aria-expanded') === 'true'`)
	if got := browsertest.Eval[string](agent, `[...document.querySelectorAll('.ask-preset')].map(b => b.textContent).join('|')`); got != "Order number|E-mail address|Phone number|Customer number|Custom…" {
		t.Fatalf("presets %q", got)
	}
	agent.Screenshot("1-card")
	// Escape closes it and gives the focus back to the button.
	agent.Do(chromedp.KeyEvent("\x1b"))
	agent.WaitFor("the card closed", `!document.querySelector('#ask-card') && document.activeElement.id === 'ask-button'`)

	// The emoji panel would cover the card: opening it closes the card.
	agent.Do(chromedp.KeyEvent("\r"))
	agent.WaitFor("the card again", `!!document.querySelector('#ask-card')`)
	agent.Click(`document.querySelector('#emoji-button')`)
	agent.WaitFor("the emoji panel instead", `!document.querySelector('#ask-card') && !!document.querySelector('.emoji-panel')`)
	agent.Click(`document.querySelector('#emoji-button')`)
	agent.WaitFor("the emoji panel closed", `!document.querySelector('.emoji-panel')`)
	browsertest.Eval[bool](agent, `(() => { document.querySelector('#ask-button').focus(); return true; })()`)

	// Ask for the order number: the visitor gets the request, the agent sees it wait.
	agent.Do(chromedp.KeyEvent("\r"))
	agent.WaitFor("the card again", `document.activeElement && document.activeElement.id === 'ask-preset-0'`)
	agent.Do(chromedp.KeyEvent("\r"))
	field := awaitFieldRequest(t, ctx, visitor, "OrderNumber")
	if field.Prompt != "Order number" || field.Type != "text" || !field.Required {
		t.Fatalf("the visitor was asked %+v", field)
	}
	agent.WaitFor("the request in the conversation", agentHas("Asked the visitor: Order number")+` && !document.querySelector('#ask-card') &&
		document.querySelector('.asked-waiting').textContent.includes("Waiting for the visitor's answer: Order number") &&
		document.activeElement.id === 'composer-text'`)
	agent.WaitFor("the request in the details", detailsHas("Asked in this chat", "Order number", "waiting for the answer…"))
	agent.Screenshot("2-waiting")

	// A reload of the app keeps the open request and its line in the conversation.
	agent.Do(chromedp.Reload())
	agent.WaitFor("the request after the reload", agentHas("Asked the visitor: Order number")+` && !!document.querySelector('.asked-waiting') &&
		document.querySelector('.asked-waiting').textContent.includes("Waiting for the visitor's answer: Order number")`)

	// The visitor answers: the answer shows in the conversation and the details.
	if _, err := visitor.Call(ctx, chat, &protocol.FieldSubmit{Name: "OrderNumber", Value: "A-4711"}); err != nil {
		t.Fatal(err)
	}
	agent.WaitFor("the answer", agentHas("Visitor answered Order number: A-4711")+` && !document.querySelector('.asked-waiting')`)
	agent.WaitFor("the answer in the details", detailsHas("Asked in this chat", "Order number", "A-4711")+` && `+detailsHas("Pre-chat form", "Company", "Acme Ltd"))
	agent.Screenshot("3-answered")

	// A custom field: nothing is sent while the form is incomplete; each part says what is wrong.
	agent.Click(`document.querySelector('#ask-button')`)
	agent.WaitFor("the card", `!!document.querySelector('#ask-custom')`)
	agent.Click(`document.querySelector('#ask-custom')`)
	agent.WaitFor("the custom form", `!!document.querySelector('#ask-form') && document.activeElement.id === 'ask-prompt'`)
	browsertest.Eval[bool](agent, `(() => { const s = document.querySelector('#ask-type'); s.value = 'select'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	agent.WaitFor("the options", `!!document.querySelector('#ask-options')`)
	agent.Click(`document.querySelector('#ask-send')`)
	agent.WaitFor("the messages", `document.querySelector('#ask-prompt').getAttribute('aria-invalid') === 'true' &&
		document.querySelector('#ask-options').getAttribute('aria-invalid') === 'true' &&
		document.querySelector('#ask-name-note').textContent === 'Enter a field name.' && document.activeElement.id === 'ask-prompt'`)
	agent.Screenshot("4-invalid")
	agent.Do(chromedp.KeyEvent("Which delivery do you prefer?"))
	agent.WaitFor("the name made from the question", `document.querySelector('#ask-name').value === 'WhichDeliveryDoYouPrefer' && document.querySelector('#ask-name').getAttribute('aria-invalid') === 'false'`)
	agent.Click(`document.querySelector('#ask-name')`)
	browsertest.Eval[bool](agent, `(() => { document.querySelector('#ask-name').select(); return true; })()`)
	agent.Do(chromedp.KeyEvent("Delivery"))
	agent.Click(`document.querySelector('#ask-options')`)
	agent.Do(chromedp.KeyEvent("Standard\nExpress"))
	agent.WaitFor("the form filled in", `document.querySelector('#ask-name').value === 'Delivery' && !document.querySelector('.ask-invalid')`)
	agent.Click(`document.querySelector('#ask-send')`)
	delivery := awaitFieldRequest(t, ctx, visitor, "Delivery")
	if delivery.Type != "select" || len(delivery.Options) != 2 || delivery.Options[1] != "Express" || delivery.Prompt != "Which delivery do you prefer?" {
		t.Fatalf("the visitor was asked %+v", delivery)
	}
	agent.WaitFor("the second request", agentHas("Asked the visitor: Which delivery do you prefer?")+` && !document.querySelector('#ask-card')`)
	if _, err := visitor.Call(ctx, chat, &protocol.FieldSubmit{Name: "Delivery", Value: "Express"}); err != nil {
		t.Fatal(err)
	}
	agent.WaitFor("the second answer", agentHas("Visitor answered Which delivery do you prefer: Express"))

	// The visitor ends the chat and answers the post-chat survey: feedback.
	if _, err := visitor.Call(ctx, chat, &protocol.Close{}); err != nil {
		t.Fatal(err)
	}
	agent.WaitFor("the chat closed", agentHas("The visitor closed the chat")+` && !document.querySelector('#ask-button:not(:disabled)')`)
	if _, err := visitor.Call(ctx, chat, &protocol.SurveySubmit{Fields: map[string]string{"Comment": "Very helpful"}}); err != nil {
		t.Fatal(err)
	}
	agent.WaitFor("the feedback", agentHas("Visitor feedback, Comment: Very helpful")+` && `+detailsHas("Feedback (post-chat survey)", "Comment", "Very helpful"))
	browsertest.Eval[bool](agent, `(() => { document.querySelector('#messages').scrollTop = 1e6; return true; })()`)
	agent.Screenshot("5-feedback")

	agent.AssertNoConsoleErrors("/api/me")
}
