package widgetsite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
)

// leftMessage waits until the server has stored a left message with the text, and returns it.
func leftMessage(t *testing.T, env *servertest.Env, text string) store.LeftMessage {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, err := env.Server.Store().LeftMessages(ctx, env.Demo.TenantID, 10)
		for _, m := range msgs {
			if m.Text == text {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no left message %q stored: %+v (err %v)", text, msgs, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestLeaveMessageWhenClosedInChromium leaves a message on a connector that is out of service,
// from the keyboard: the out-of-service text and the form instead of the start form, an empty
// form refused field by field, a mistyped address refused, then the thank-you, and the message
// stored for the agents.
func TestLeaveMessageWhenClosedInChromium(t *testing.T) {
	env := startSite(t)
	env.ChangeConnector(t, func(c *store.Connector) { c.OutOfService = true })
	b := browsertest.New(t, browsertest.Options{Name: "widget", Lang: "en-US", AcceptLanguage: "en-US,en"})
	b.Do(chromedp.Navigate(env.URL + "/demo"))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Click(jsLauncher)

	b.WaitFor("the out-of-service text and the form, the focus on the name", inFrame(`!d.querySelector('#v-leave').hidden &&
		d.querySelector('#v-offline').hidden && d.querySelector('#v-form').hidden &&
		d.querySelector('#leave-oos').textContent === 'Sorry, but the service is not available at the moment.' &&
		d.activeElement && d.activeElement.id === 'l-name'`))
	for sel, want := range map[string]string{
		"#leave-h":           "Leave us a messageTell us how to reach you, by e-mail or phone, and we will get back to you.",
		"label[for=l-name]":  "Your name *",
		"label[for=l-email]": "E-mail",
		"label[for=l-phone]": "Phone",
		"label[for=l-text]":  "Your message *",
		"#btn-leave-send":    "Send message",
		"#status":            "We are offline",
	} {
		if got := browsertest.Eval[string](b, jsFrameDoc+`.querySelector(`+jsQuote(sel)+`).textContent`); got != want {
			t.Errorf("%s says %q, want %q", sel, got, want)
		}
	}
	if browsertest.Eval[bool](b, jsFrameDoc+`.querySelector('#btn-leave-cancel').offsetParent !== null`) {
		t.Error("a cancel button with nothing to go back to")
	}
	b.Screenshot("leave-1-closed")

	// Past every field to the button: all refused at once, each message tied to its field,
	// the focus on the first.
	b.Do(chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"))
	b.WaitFor("the focus on the send button", inFrame(`d.activeElement.id === 'btn-leave-send'`))
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the empty form refused", inFrame(`d.querySelector('#l-err').textContent === 'Please check the marked fields.' &&
		d.activeElement.id === 'l-name'`))
	for id, want := range map[string]string{
		"l-name":  "Please enter your name.",
		"l-email": "Please enter an e-mail address or a phone number, so that we can reply.",
		"l-phone": "",
		"l-text":  "Please enter your message.",
	} {
		got := browsertest.Eval[[]string](b, `(() => { const d = `+jsFrameDoc+`; const f = d.querySelector('#`+id+`');
			return [f.getAttribute('aria-invalid'), f.getAttribute('aria-describedby'), d.querySelector('#`+id+`-err').textContent]; })()`)
		if got[0] != "true" || !strings.HasPrefix(got[1], id+"-err") || got[2] != want {
			t.Errorf("%s: aria-invalid %s, described by %q, message %q (want %q)", id, got[0], got[1], got[2], want)
		}
	}
	if got := browsertest.Eval[string](b, jsFrameDoc+`.querySelector('#l-phone').getAttribute('aria-describedby')`); got != "l-phone-err l-email-err" {
		t.Errorf("the phone is described by %q", got)
	}
	b.Screenshot("leave-2-errors")

	// A name, a mistyped address, a message: the address is refused, the focus on it.
	b.Do(chromedp.KeyEvent("Ann Visitor"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("ann@example"), chromedp.KeyEvent("\t"),
		chromedp.KeyEvent("\t"), chromedp.KeyEvent("Please call me about order 1234."), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	b.WaitFor("the address refused", inFrame(`d.querySelector('#l-email-err').textContent === 'Please enter a valid e-mail address.' &&
		d.activeElement.id === 'l-email' && d.querySelector('#l-name').getAttribute('aria-invalid') === 'false' &&
		d.querySelector('#l-text').getAttribute('aria-invalid') === 'false' && d.querySelector('#l-phone').getAttribute('aria-invalid') === 'false'`))
	b.Screenshot("leave-3-bad-email")

	// Corrected, and sent with Enter from the address field.
	b.Do(chromedp.KeyEvent(kb.End), chromedp.KeyEvent(".com"))
	b.WaitFor("the address's message taken back", inFrame(`d.querySelector('#l-email-err').textContent === '' && d.querySelector('#l-err').textContent === ''`))
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the thank-you", inFrame(`d.querySelector('#v-leave').hidden && !d.querySelector('#v-offline').hidden &&
		d.querySelector('#leave-thanks').textContent === 'Thank you — we will get back to you.' && d.activeElement.id === 'leave-thanks'`))
	b.Screenshot("leave-4-thanks")

	m := leftMessage(t, env, "Please call me about order 1234.")
	if m.Chat.VisitorName != "Ann Visitor" || m.Chat.VisitorEmail != "ann@example.com" || m.Chat.VisitorPhone != "" || m.Chat.CloseCause != store.CloseCauseLeftMessage {
		t.Errorf("stored %+v", m.Chat)
	}
	b.AssertNoConsoleErrors()
}

// TestLeaveMessageAfterNoAgentInChromium asks for a chat no agent takes, in German: after the
// byeNoAgent text a button offers to leave a message, its form is prefilled with the name,
// and the message, stored with the chat it follows, is thanked for in the transcript.
func TestLeaveMessageAfterNoAgentInChromium(t *testing.T) {
	env := startSite(t)
	env.ChangeConnector(t, func(c *store.Connector) { c.FreeAgentSearch = time.Second })
	b := browsertest.New(t, browsertest.Options{Name: "widget", Lang: "de-DE", AcceptLanguage: "de-DE,de",
		Flags: []chromedp.ExecAllocatorOption{chromedp.Env("LANGUAGE=de", "LANG=de_DE.UTF-8")}})
	b.Do(chromedp.Navigate(env.URL + "/demo"))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Click(jsLauncher)
	b.WaitFor("the start form", inFrame(`d.activeElement && d.activeElement.id === 'f-name'`))
	b.Do(chromedp.KeyEvent("Anna Besucherin"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Haben Sie das Buch vorrätig?"),
		chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))

	// No agent in time: the byeNoAgent text, then the offer, with the focus on it.
	b.WaitFor("the offer to leave a message", inFrame(`!d.querySelector('#btn-leave').hidden &&
		d.querySelector('#log').textContent.includes('keine Agenten verfügbar') && d.activeElement.id === 'btn-leave'`))
	if got := browsertest.Eval[string](b, jsFrameDoc+`.querySelector('#btn-leave').textContent`); got != "Nachricht hinterlassen" {
		t.Errorf("the button says %q", got)
	}
	b.Screenshot("leave-5-no-agent-de")
	chatID := browsertest.Eval[string](b, `JSON.parse(`+jsFrameDoc+`.defaultView.localStorage.getItem('parley.chat.`+env.Demo.ConnectorHash+`')).chat`)

	// The form, prefilled with the name, the focus on the e-mail address; back and forth.
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the prefilled form", inFrame(`!d.querySelector('#v-leave').hidden && d.querySelector('#v-chat').hidden &&
		d.querySelector('#leave-oos').hidden && d.querySelector('#l-name').value === 'Anna Besucherin' && d.activeElement.id === 'l-email'`))
	b.Do(chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"))
	b.WaitFor("the focus on the way back", inFrame(`d.activeElement.id === 'btn-leave-cancel'`))
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the transcript again", inFrame(`d.querySelector('#v-leave').hidden && !d.querySelector('#v-chat').hidden && d.activeElement.id === 'btn-leave'`))
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the form again", inFrame(`!d.querySelector('#v-leave').hidden && d.activeElement.id === 'l-email'`))
	b.Do(chromedp.KeyEvent("\t"), chromedp.KeyEvent("+49 30 1234567"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Bitte rufen Sie mich zurück."))
	b.Screenshot("leave-6-form-de")
	b.Do(chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))

	b.WaitFor("the thank-you in the transcript", inFrame(`d.querySelector('#v-leave').hidden && !d.querySelector('#v-chat').hidden &&
		d.querySelector('#log').textContent.includes('Vielen Dank – wir melden uns bei Ihnen.') && d.querySelector('#btn-leave').hidden &&
		d.activeElement.id === 'btn-restart'`))
	b.Screenshot("leave-7-thanks-de")

	m := leftMessage(t, env, "Bitte rufen Sie mich zurück.")
	if m.Chat.VisitorName != "Anna Besucherin" || m.Chat.VisitorPhone != "+49 30 1234567" || m.Chat.Fields["not_accepted_chat"] != chatID || chatID == "" {
		t.Errorf("stored %+v (the chat was %q)", m.Chat, chatID)
	}
	b.AssertNoConsoleErrors()
}
