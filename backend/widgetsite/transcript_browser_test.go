package widgetsite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestTranscriptRequestInChromium asks for the transcript from the widget, from the keyboard,
// on a tenant that can send e-mail: the button under the conversation opens an e-mail field
// with the focus, a mistyped address is refused at the field, the corrected one is sent, the
// widget says to whom, and the test SMTP server receives the transcript. After the agent
// closes the chat the button is still there, and Escape closes the field again. A tenant
// without e-mail shows no button (TestVisitorJourneyInChromium runs without one).
func TestTranscriptRequestInChromium(t *testing.T) {
	env := startSite(t)
	smtp := smtptest.Start(t, smtptest.Options{})
	if _, err := env.Server.Store().SaveMailSettings(context.Background(), store.MailSettings{TenantID: env.Demo.TenantID, Host: smtp.Host(),
		Port: smtp.Port(), TLS: store.MailTLSNone, FromAddress: "chat@demo.test"}); err != nil {
		t.Fatal(err)
	}
	anna := agent(t, env)
	b := browsertest.New(t, browsertest.Options{Name: "widget", Lang: "en-US", AcceptLanguage: "en-US,en"})
	b.Do(chromedp.Navigate(env.URL + "/demo"))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Click(jsLauncher)
	b.WaitFor("the pre-chat form", inFrame(`d.activeElement && d.activeElement.id === 'f-name'`))
	if browsertest.Eval[bool](b, inFrame(`!d.querySelector('#transcript').hidden`)) {
		t.Error("the transcript is offered before there is a chat")
	}
	b.Do(chromedp.KeyEvent("Ann Visitor"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Please mail me this chat."), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	_, offer := await[*protocol.Offer](t, anna, "the offer", nil)
	call(t, anna, offer.Chat, &protocol.OfferAccept{})
	call(t, anna, offer.Chat, &protocol.Send{Text: "Hello Ann, here is your answer."})
	b.WaitFor("the agent's reply and the button", inFrame(`d.querySelector('#log').textContent.includes('here is your answer') &&
		!d.querySelector('#transcript').hidden && !d.querySelector('#btn-transcript').hidden &&
		d.querySelector('#btn-transcript').textContent === 'Send me the transcript'`))

	// The button takes the focus and Enter presses it.
	browsertest.Eval[bool](b, inFrame(`(d.querySelector('#btn-transcript').focus(), true)`))
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the e-mail field with the focus", inFrame(`!d.querySelector('#transcript-form').hidden && d.activeElement.id === 't-email' &&
		d.querySelector('#btn-transcript').hidden && d.querySelector('label[for=t-email]').textContent === 'Your e-mail address'`))
	b.Do(chromedp.KeyEvent("ann@example"), chromedp.KeyEvent("\r"))
	b.WaitFor("the address refused", inFrame(`d.querySelector('#t-email-err').textContent === 'Please enter a valid e-mail address.' &&
		d.querySelector('#t-email').getAttribute('aria-invalid') === 'true' && d.activeElement.id === 't-email'`))
	b.Screenshot("transcript-1-bad-address")
	b.Do(chromedp.KeyEvent(kb.End), chromedp.KeyEvent(".com"), chromedp.KeyEvent("\r"))
	b.WaitFor("sent", inFrame(`d.querySelector('#transcript-sent').textContent === 'The transcript was sent to ann@example.com.' &&
		d.querySelector('#transcript-form').hidden && d.activeElement.id === 'btn-transcript'`))
	b.Screenshot("transcript-2-sent")
	got := smtp.Wait(1, time.Minute)[0]
	p, err := smtptest.Parse(got.Data)
	if err != nil || got.To[0] != "ann@example.com" || !strings.Contains(p.Text, "Please mail me this chat.") || !strings.Contains(p.Text, "here is your answer") {
		t.Fatalf("received to %v, %v:\n%s", got.To, err, p.Text)
	}

	// After the end: still offered, prefilled with the address given; Escape closes the field.
	call(t, anna, offer.Chat, &protocol.Close{})
	b.WaitFor("the chat ended, the button still there", inFrame(`!d.querySelector('#restart').hidden && !d.querySelector('#btn-transcript').hidden`))
	b.Click(inFrame(`d.querySelector('#btn-transcript')`))
	b.WaitFor("the field prefilled", inFrame(`d.activeElement.id === 't-email' && d.activeElement.value === 'ann@example.com'`))
	b.Screenshot("transcript-3-after-end")
	b.AssertAccessible("transcript request")
	b.Do(chromedp.KeyEvent(kb.Escape))
	b.WaitFor("the field closed", inFrame(`d.querySelector('#transcript-form').hidden && d.activeElement.id === 'btn-transcript'`))
	if n := len(smtp.Messages()); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
}
