package widgetsite_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// TestSurveysInChromium runs a connector's pre-chat and post-chat surveys in a real browser
// against the real server, from the keyboard: a required choice before the chat (refused when
// left empty, then sent with the request and shown to the agent), and a star rating after
// the agent ended the chat (refused when left empty, then acknowledged with thanks and stored
// with the chat).
func TestSurveysInChromium(t *testing.T) {
	env := startSite(t)
	ctx := context.Background()
	st := env.Server.Store()
	for _, f := range []store.SurveyField{
		{Kind: store.SurveyPreChat, Field: survey.Field{Name: "FindMethod", Type: "select", Prompt: "How did you find us?", Required: true,
			SelectType: "select", Options: []string{"Search engine", "A friend", "Advertising"}, ValidateLow: -1, ValidateHigh: -1}},
		{Kind: store.SurveyPostChat, Field: survey.Field{Name: "Rating", Type: "rating", Prompt: "Please rate your chat experience", Required: true,
			ValidateLow: -1, ValidateHigh: 5}},
		{Kind: store.SurveyPostChat, Field: survey.Field{Name: "Comment", Type: "text", Prompt: "Anything we could do better?", MultiLine: true, Lines: 3,
			Length: 500, ValidateLow: -1, ValidateHigh: -1}},
	} {
		f.TenantID, f.ConnectorID = env.Demo.TenantID, env.Demo.ConnectorID
		if _, err := st.CreateSurveyField(ctx, f); err != nil {
			t.Fatalf("create survey field %s: %v", f.Name, err)
		}
	}
	env.Settled(t)
	anna := agent(t, env)
	b := browsertest.New(t, browsertest.Options{Name: "widget", Lang: "en-US", AcceptLanguage: "en-US,en"})
	b.Do(chromedp.Navigate(env.URL + "/demo"))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Click(jsLauncher)

	// The form asks for the name, the question, then the connector's question as a
	// drop-down with nothing chosen.
	b.WaitFor("the pre-chat survey on the form", inFrame(`d.activeElement && d.activeElement.id === 'f-name' && d.querySelector('select#pre-0') !== null`))
	if got := browsertest.Eval[string](b, jsFrameDoc+`.querySelector('label[for=pre-0]').textContent`); got != "How did you find us? *" {
		t.Errorf("survey label %q", got)
	}
	if got := browsertest.Eval[string](b, jsFrameDoc+`.querySelector('#pre-0').value`); got != "" {
		t.Errorf("the choice starts as %q", got)
	}
	// Name, question, past the empty choice to the button: refused, with the message tied to
	// the field and the focus on it.
	b.Do(chromedp.KeyEvent("Ann Visitor"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Do you ship to Norway?"),
		chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	b.WaitFor("the choice is required", inFrame(`d.querySelector('#pre-0-err').textContent === 'Please choose an answer.' &&
		d.querySelector('#pre-0').getAttribute('aria-invalid') === 'true' &&
		d.querySelector('#pre-0').getAttribute('aria-describedby') === 'pre-0-err' && d.activeElement.id === 'pre-0'`))
	if got := browsertest.Eval[string](b, jsFrameDoc+`.querySelector('#f-err').textContent`); got != "Please check the marked fields." {
		t.Errorf("form error %q", got)
	}
	b.Screenshot("survey-1-prechat-error")

	// Choose by typing (the focus is on the drop-down), then send from the keyboard.
	b.Do(chromedp.KeyEvent("A"))
	b.WaitFor("the choice made", inFrame(`d.querySelector('#pre-0').value === 'A friend'`))
	b.Screenshot("survey-2-prechat-filled")
	b.Do(chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	b.WaitFor("the chat requested", inFrame(`d.querySelector('#log').textContent.includes('Do you ship to Norway?')`))

	// The agent sees the answer with the visitor.
	_, offer := await[*protocol.Offer](t, anna, "the offer", nil)
	chatID := offer.Chat
	call(t, anna, chatID, &protocol.OfferAccept{})
	_, opened := await(t, anna, "the chat opened", func(o *protocol.ChatOpened) bool { return o.Chat.ID == chatID })
	if got := opened.Chat.Visitor.Fields["FindMethod"]; got != "A friend" {
		t.Errorf("the agent sees FindMethod %q (fields %v)", got, opened.Chat.Visitor.Fields)
	}
	b.WaitFor("the agent joined", inFrame(`d.querySelector('#status').textContent.includes('Anna')`))

	// The agent ends the chat: the post-chat survey takes the transcript's place, the focus
	// on its first star.
	call(t, anna, chatID, &protocol.Close{})
	b.WaitFor("the post-chat survey", inFrame(`!d.querySelector('#v-post').hidden && d.querySelector('#v-chat').hidden &&
		d.querySelectorAll('#post-0 input[type=radio]').length === 5 && d.activeElement && d.activeElement.id === 'post-0-0'`))
	if got := browsertest.Eval[string](b, jsFrameDoc+`.querySelector('#post-0-2').getAttribute('aria-label')`); got != "3 of 5 stars" {
		t.Errorf("star label %q", got)
	}
	b.Screenshot("survey-3-postchat")
	// Sending without a rating is refused; then four stars from the keyboard, and send.
	b.Click(jsFrameDoc + `.querySelector('#btn-survey')`)
	b.WaitFor("the rating is required", inFrame(`d.querySelector('#post-0-err').textContent === 'Please choose an answer.' &&
		d.querySelector('#post-0').getAttribute('aria-invalid') === 'true' && d.activeElement.id === 'post-0-0'`))
	b.Screenshot("survey-4-postchat-error")
	b.Do(chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight))
	b.WaitFor("four stars", inFrame(`d.querySelector('#post-0-3').checked`))
	b.Do(chromedp.KeyEvent("\t"), chromedp.KeyEvent("Quick and kind."), chromedp.KeyEvent("\t"))
	b.WaitFor("the focus on the send button", inFrame(`d.activeElement.id === 'btn-survey'`))
	b.Screenshot("survey-5-postchat-filled")
	b.Do(chromedp.KeyEvent("\r"))

	// Acknowledged: thanks in the transcript, and the answers are stored with the chat.
	b.WaitFor("the thank-you line", inFrame(`!d.querySelector('#v-chat').hidden && d.querySelector('#v-post').hidden &&
		d.querySelector('#log').textContent.includes('Thank you for your feedback!') && !d.querySelector('#restart').hidden`))
	b.Screenshot("survey-6-thanks")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := st.Chat(ctx, chatID)
		if err == nil && c.Fields["Rating"] == "4" && c.Fields["Comment"] == "Quick and kind." && c.Fields["FindMethod"] == "A friend" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the chat's stored fields: %v (err %v)", c.Fields, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.AssertNoConsoleErrors()
}
