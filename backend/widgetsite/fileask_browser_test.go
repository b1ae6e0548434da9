package widgetsite_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// openChat opens the demo page's widget in an English Chromium and starts a chat as Ann
// Visitor from the keyboard with the question.
func openChat(t *testing.T, env *servertest.Env, question string) *browsertest.Browser {
	b := browsertest.New(t, browsertest.Options{Name: "widget", Lang: "en-US", AcceptLanguage: "en-US,en"})
	b.Do(chromedp.Navigate(env.URL + "/demo"))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Click(jsLauncher)
	b.WaitFor("the pre-chat form", inFrame(`d.activeElement && d.activeElement.id === 'f-name'`))
	b.Do(chromedp.KeyEvent("Ann Visitor"), chromedp.KeyEvent("\t"), chromedp.KeyEvent(question), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	return b
}

// An agent asks for a file: the widget shows the request with the types, an upload button
// that takes the focus and whose picker offers those types; the request survives a reload;
// the picked file answers it and reaches the agent; "Not now" puts a second request away from
// the keyboard.
func TestFileRequestInChromium(t *testing.T) {
	env := startSite(t)
	anna := agent(t, env)
	b := openChat(t, env, "My invoice is wrong.")
	_, offer := await[*protocol.Offer](t, anna, "the offer", nil)
	chatID := offer.Chat
	call(t, anna, chatID, &protocol.OfferAccept{})
	b.WaitFor("the attach button", inFrame(`!d.querySelector('#btn-attach').hidden`))
	if shown := browsertest.Eval[bool](b, jsFrameDoc+`.querySelector('#file-ask').hidden`); !shown {
		t.Error("a file request shows before the agent asked")
	}

	call(t, anna, chatID, &protocol.FileAsk{Types: []string{"png", "PDF"}})
	const asked = `!d.querySelector('#file-ask').hidden && d.querySelector('#file-ask-h').textContent === 'The agent asks you to send a file. You can send: .png, .pdf.' &&
		d.querySelector('#f-file').getAttribute('accept') === '.png,.pdf' && d.querySelector('#btn-file-ask').textContent === 'Attach a file'`
	b.WaitFor("the file request", inFrame(asked+` && d.activeElement && d.activeElement.id === 'btn-file-ask'`))
	b.Screenshot("file-ask-1-request")

	b.Do(chromedp.Reload())
	b.WaitFor("the file request after reload", inFrame(asked))

	pic, _ := testPNG(t, "invoice.png")
	chooseFiles(b, pic)
	b.WaitFor("the request answered", inFrame(`d.querySelector('#file-ask').hidden && d.querySelector('#f-file').getAttribute('accept') === ''`))
	_, msg := await(t, anna, "the visitor's file", func(m *protocol.Message) bool { return m.File != nil && m.Role == protocol.RoleVisitor })
	if msg.File.Name != "invoice.png" {
		t.Errorf("the agent got %+v", msg.File)
	}
	b.Screenshot("file-ask-2-answered")

	// A second request, put away from the keyboard: Shift+Tab from the upload button to "Not now".
	call(t, anna, chatID, &protocol.FileAsk{})
	b.WaitFor("the second request", inFrame(`!d.querySelector('#file-ask').hidden && d.querySelector('#file-ask-h').textContent === 'The agent asks you to send a file.' &&
		d.activeElement && d.activeElement.id === 'btn-file-ask'`))
	b.Do(chromedp.KeyEvent("\t", chromedp.KeyModifiers(chromedp.ModifierShift)))
	b.WaitFor("the focus on Not now", inFrame(`d.activeElement && d.activeElement.id === 'btn-file-ask-skip' && d.activeElement.textContent === 'Not now'`))
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the request put away", inFrame(`d.querySelector('#file-ask').hidden && d.activeElement && d.activeElement.id === 'msg'`))
	b.AssertNoConsoleErrors()
}
