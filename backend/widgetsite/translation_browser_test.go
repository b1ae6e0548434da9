package widgetsite_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translate/libretest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestTranslationInChromium opens the widget in a German browser on a tenant that translates
// chats through a LibreTranslate service (a real local one): the pre-chat form offers the
// languages to chat in, the visitor picks French; the agent (English) reads the visitor's line
// translated, and the visitor reads the agent's line in French, marked as translated, with
// the original one click away.
func TestTranslationInChromium(t *testing.T) {
	env := startSite(t)
	lt := libretest.New()
	t.Cleanup(lt.Close)
	lt.Phrase("fr", "How can I help you?", "Comment puis-je vous aider ?")
	lt.Phrase("en", "Je cherche un livre", "I am looking for a book")
	env.Translate(t, translate.LibreTranslate, lt.URL, "", "en", "fr")
	anna := agent(t, env)

	b := browserIn(t, "translation-widget", "de")
	openWidget(b, env)
	b.WaitFor("the choice of language", inFrame(`!d.querySelector('#f-lang').hidden && d.querySelector('label[for=f-lang]').textContent === 'Chatten auf' &&
		[...d.querySelectorAll('#f-lang option')].map(o => o.value + ':' + o.textContent).join(',') === 'de:Deutsch,en:English,fr:Français'`))
	fill(b, "f-name", "Lena")
	browsertest.Eval[any](b, `(() => { const s = `+jsFrameDoc+`.getElementById('f-lang'); s.value = 'fr'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
	b.Screenshot("1-form")
	b.Click(jsFrameDoc + `.querySelector('#btn-start')`)

	_, offer := await[*protocol.Offer](t, anna, "the offer", nil)
	chatID := offer.Chat
	call(t, anna, chatID, &protocol.OfferAccept{})
	b.WaitFor("the agent joined", inFrame(`d.querySelector('#status').textContent.includes('Anna')`))
	call(t, anna, chatID, &protocol.Send{Text: "How can I help you?"})
	b.WaitFor("the agent's line in French", inFrame(`[...d.querySelectorAll('#log .them .bubble')].some(e => e.textContent === 'Comment puis-je vous aider ?')`))
	if browsertest.Eval[bool](b, inFrame(`[...d.querySelectorAll('#log .them .bubble')].some(e => e.textContent.includes('How can I help'))`)) {
		t.Fatal("the original shows in the balloon")
	}
	b.WaitFor("the mark", inFrame(`[...d.querySelectorAll('#log details.orig summary')].some(e => e.textContent === 'Automatisch übersetzt · Original anzeigen')`))
	b.Click(jsFrameDoc + `.querySelector('#log details.orig summary')`)
	b.WaitFor("the original", inFrame(`d.querySelector('#log details.orig').open && d.querySelector('#log details.orig .orig-text').textContent === 'How can I help you?'`))

	b.Click(jsFrameDoc + `.querySelector('#msg')`)
	b.Do(chromedp.KeyEvent("Je cherche un livre"), chromedp.KeyEvent("\r"))
	_, m := await[*protocol.Message](t, anna, "the visitor's line", func(m *protocol.Message) bool { return m.Text == "Je cherche un livre" })
	if tr := m.Translation; tr == nil || tr.From != "fr" || tr.To != "en" || tr.Text != "I am looking for a book" {
		t.Fatalf("the agent got %+v", tr)
	}
	b.Screenshot("2-chat")
	b.AssertAccessible("translated chat")
	b.AssertNoConsoleErrors()
}
