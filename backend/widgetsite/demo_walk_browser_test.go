//go:build !wasm

package widgetsite_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
)

// widgetEnglish is a script that lists the widget's default English texts still shown in its
// frame where the language has its own: each is a text that missed the translation.
func widgetEnglish(t *testing.T, lang string) string {
	t.Helper()
	var english []string
	for key, en := range texts.Defaults() {
		if strings.Contains(key, "#") {
			continue
		}
		tr, ok := texts.Defaults()[key+"#"+lang]
		fixed, _, _ := strings.Cut(en, "$")
		fixed = strings.TrimSpace(fixed)
		if !ok || tr == en || len(fixed) < 12 || strings.Contains(tr, fixed) {
			continue
		}
		english = append(english, fixed)
	}
	list, err := json.Marshal(english)
	if err != nil {
		t.Fatal(err)
	}
	return `(() => { const english = ` + string(list) + `; const d = ` + jsFrameDoc + `;
		const seen = [d.body.innerText];
		for (const el of d.querySelectorAll('[title], [aria-label], [placeholder]')) {
			seen.push(el.getAttribute('title') || '', el.getAttribute('aria-label') || '', el.getAttribute('placeholder') || '');
		}
		return english.filter(e => seen.some(s => s.includes(e))); })()`
}

// walkStep checks a step of a walk: a screenshot, no English the language translates, and no
// serious accessibility violation on the page.
func walkStep(t *testing.T, b *browsertest.Browser, lang, name string) {
	t.Helper()
	b.Screenshot(name)
	if left := browsertest.Eval[[]string](b, widgetEnglish(t, lang)); len(left) > 0 {
		t.Errorf("%s: the %s widget still shows English: %q", name, lang, left)
	}
	b.AssertAccessible(name)
}

// TestGermanDemoWalkInChromium walks the German demo page as a newcomer does: the German
// connector's widget opens in German, asks name, e-mail and topic before the chat, shows the
// place in the queue while no agent is free, chats with Clara, and asks for a rating at the
// end; every step in German, without English left, and accessible.
func TestGermanDemoWalkInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.DemoBaseOnly = false }})
	if env.Demo.Showcase.GermanConnectorHash == "" {
		t.Fatal("the demo has no German connector")
	}
	b := browsertest.New(t, browsertest.Options{Name: "demo-de", Width: 1200, Height: 860, Lang: "de-DE", AcceptLanguage: "de-DE,de"})
	b.Do(chromedp.Navigate(env.URL + "/demo/de"))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	if got := browsertest.Eval[string](b, `document.querySelector('h1').textContent`); !strings.Contains(got, "Kaffee") {
		t.Errorf("German page heading %q", got)
	}
	b.Click(jsLauncher)
	b.WaitFor("the German pre-chat survey", inFrame(`d.documentElement.lang === 'de' && d.querySelector('select#pre-2') !== null &&
		d.querySelector('label[for=pre-0]').textContent.startsWith('Ihr Name')`))
	walkStep(t, b, "de", "de-1-prechat")

	// Name, e-mail, topic and question.
	browsertest.Eval[bool](b, `(() => { const d = `+jsFrameDoc+`;
		const set = (el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); };
		set(d.querySelector('#pre-0'), 'Vera Beispiel');
		set(d.querySelector('#pre-1'), 'vera@example.com');
		const s = d.querySelector('#pre-2'); set(s, s.options[2].value);
		set(d.querySelector('form textarea'), 'Welcher Mahlgrad passt zu meiner Filtermaschine?');
		d.querySelector('#btn-start').scrollIntoView({block: 'nearest'}); return true; })()`)
	browsertest.Eval[bool](b, `(() => { `+jsFrameDoc+`.querySelector('#btn-start').click(); return true; })()`)

	// No agent is free yet: the queue line says where the visitor stands.
	b.WaitFor("the place in the queue", inFrame(`!d.querySelector('#queue').hidden && d.querySelector('#queue').textContent.trim() !== '' &&
		d.querySelector('#log').textContent.includes('Mahlgrad')`))
	walkStep(t, b, "de", "de-3-queue")

	// Clara (German, in the German group) takes it.
	clara, _ := env.Agent(t, 2)
	_, offer := await[*protocol.Offer](t, clara, "the offer", nil)
	if offer.Visitor != "Vera Beispiel" || offer.Connector != "Webchat Deutsch" {
		t.Errorf("offer %+v", offer)
	}
	call(t, clara, offer.Chat, &protocol.OfferAccept{})
	_, opened := await(t, clara, "the chat opened", func(o *protocol.ChatOpened) bool { return o.Chat.ID == offer.Chat })
	if v := opened.Chat.Visitor; v.Email != "vera@example.com" && v.Fields["Email"] != "vera@example.com" || v.Fields["Thema"] == "" {
		t.Errorf("Clara sees %+v", v)
	}
	call(t, clara, offer.Chat, &protocol.Send{Text: "Für die Filtermaschine empfehlen wir einen mittleren Mahlgrad."})
	b.WaitFor("Clara's answer", inFrame(`d.querySelector('#log').textContent.includes('mittleren Mahlgrad') && d.querySelector('#status').textContent.includes('Clara')`))
	walkStep(t, b, "de", "de-4-chat")

	// Clara ends the chat: the rating in German.
	call(t, clara, offer.Chat, &protocol.Close{})
	b.WaitFor("the rating", inFrame(`!d.querySelector('#v-post').hidden && d.querySelectorAll('#post-0 input[type=radio]').length === 5`))
	walkStep(t, b, "de", "de-5-rating")
	browsertest.Eval[bool](b, `(() => { const d = `+jsFrameDoc+`; d.querySelector('#post-0-4').click(); d.querySelector('#btn-survey').click(); return true; })()`)
	b.WaitFor("the thanks", inFrame(`d.querySelector('#v-post').hidden && !d.querySelector('#restart').hidden`))
	walkStep(t, b, "de", "de-6-thanks")
}
