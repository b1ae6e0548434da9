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

// demoWalk is one language's walk through a demo page: what the visitor types, which agent
// answers, and what each step must show; the steps themselves are the same in every language.
type demoWalk struct {
	lang, locale  string // the visitor's language ("fr") and the browser's ("fr-FR")
	path, heading string // the demo page and a word of its heading
	formReady     string // frame condition: the start form in the visitor's language
	fill          string // frame statements filling the start form with set(el, value)
	question      string // a word of the visitor's question, seen in the transcript
	agent         int    // the demo agent who answers, by index among the agents
	connector     string // the connector the offer names
	visitor       string // the visitor's name as the agent sees it
	checkChat     func(t *testing.T, v protocol.VisitorInfo)
	answer        string // the agent's answer
	agentName     string // the agent's nickname in the widget's status line
	rated         bool   // the connector asks for a rating after the chat
	bye           string // a word of the closing line when there is no rating
}

// runDemoWalk walks w: open, the start form, the place in the queue while no agent is free, the
// agent's answer, and the end with the rating or the goodbye; each step a screenshot, without
// English the language translates, and accessible.
func runDemoWalk(t *testing.T, w demoWalk) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.DemoBaseOnly = false }})
	b := browsertest.New(t, browsertest.Options{Name: "demo-" + w.lang, Width: 1200, Height: 860, Lang: w.locale, AcceptLanguage: w.locale + "," + w.lang})
	b.Do(chromedp.Navigate(env.URL + w.path))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	if got := browsertest.Eval[string](b, `document.querySelector('h1').textContent`); !strings.Contains(got, w.heading) {
		t.Errorf("page heading %q, want %q in it", got, w.heading)
	}
	b.Click(jsLauncher)
	b.WaitFor("the start form in "+w.lang, inFrame(`d.documentElement.lang === `+jsQuote(w.lang)+` && (`+w.formReady+`)`))
	walkStep(t, b, w.lang, w.lang+"-1-form")

	browsertest.Eval[bool](b, `(() => { const d = `+jsFrameDoc+`;
		const set = (el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); };
		`+w.fill+`
		d.querySelector('#btn-start').scrollIntoView({block: 'nearest'}); return true; })()`)
	browsertest.Eval[bool](b, `(() => { `+jsFrameDoc+`.querySelector('#btn-start').click(); return true; })()`)

	// No agent is free yet: the queue line says where the visitor stands.
	b.WaitFor("the place in the queue", inFrame(`!d.querySelector('#queue').hidden && d.querySelector('#queue').textContent.trim() !== '' &&
		d.querySelector('#log').textContent.includes(`+jsQuote(w.question)+`)`))
	walkStep(t, b, w.lang, w.lang+"-3-queue")

	agent, _ := env.Agent(t, w.agent)
	_, offer := await[*protocol.Offer](t, agent, "the offer", nil)
	if offer.Visitor != w.visitor || offer.Connector != w.connector {
		t.Errorf("offer %+v", offer)
	}
	call(t, agent, offer.Chat, &protocol.OfferAccept{})
	_, opened := await(t, agent, "the chat opened", func(o *protocol.ChatOpened) bool { return o.Chat.ID == offer.Chat })
	if w.checkChat != nil {
		w.checkChat(t, opened.Chat.Visitor)
	}
	call(t, agent, offer.Chat, &protocol.Send{Text: w.answer})
	b.WaitFor("the agent's answer", inFrame(`d.querySelector('#log').textContent.includes(`+jsQuote(w.answer)+`) && d.querySelector('#status').textContent.includes(`+jsQuote(w.agentName)+`)`))
	walkStep(t, b, w.lang, w.lang+"-4-chat")

	// The agent ends the chat.
	call(t, agent, offer.Chat, &protocol.Close{})
	if !w.rated {
		b.WaitFor("the goodbye", inFrame(`!d.querySelector('#restart').hidden && d.querySelector('#log').textContent.includes(`+jsQuote(w.bye)+`)`))
		walkStep(t, b, w.lang, w.lang+"-6-bye")
		return
	}
	b.WaitFor("the rating", inFrame(`!d.querySelector('#v-post').hidden && d.querySelectorAll('#post-0 input[type=radio]').length === 5`))
	walkStep(t, b, w.lang, w.lang+"-5-rating")
	browsertest.Eval[bool](b, `(() => { const d = `+jsFrameDoc+`; d.querySelector('#post-0-4').click(); d.querySelector('#btn-survey').click(); return true; })()`)
	b.WaitFor("the thanks", inFrame(`d.querySelector('#v-post').hidden && !d.querySelector('#restart').hidden`))
	walkStep(t, b, w.lang, w.lang+"-6-thanks")
}

// TestGermanDemoWalkInChromium walks the German demo page as a newcomer does: the German
// connector's widget opens in German, asks name, e-mail and topic before the chat, shows the
// place in the queue while no agent is free, chats with Clara, and asks for a rating at the
// end; every step in German, without English left, and accessible.
func TestGermanDemoWalkInChromium(t *testing.T) {
	runDemoWalk(t, demoWalk{
		lang: "de", locale: "de-DE", path: "/demo/de", heading: "Kaffee",
		formReady: `d.querySelector('select#pre-2') !== null && d.querySelector('label[for=pre-0]').textContent.startsWith('Ihr Name')`,
		fill: `set(d.querySelector('#pre-0'), 'Vera Beispiel');
			set(d.querySelector('#pre-1'), 'vera@example.com');
			const s = d.querySelector('#pre-2'); set(s, s.options[2].value);
			set(d.querySelector('form textarea'), 'Welcher Mahlgrad passt zu meiner Filtermaschine?');`,
		question: "Mahlgrad", agent: 2, connector: "Webchat Deutsch", visitor: "Vera Beispiel",
		checkChat: func(t *testing.T, v protocol.VisitorInfo) {
			if v.Email != "vera@example.com" && v.Fields["Email"] != "vera@example.com" || v.Fields["Thema"] == "" {
				t.Errorf("Clara sees %+v", v)
			}
		},
		answer: "Für die Filtermaschine empfehlen wir einen mittleren Mahlgrad.", agentName: "Clara", rated: true,
	})
}

// TestFrenchDemoWalkInChromium walks the English demo page with a French browser: the
// connector "Website chat" has no pre-chat survey and no rating, so its widget asks name and
// question in French, shows the place in the queue, chats with David (French and English),
// and says goodbye in the connector's French text; every step without English the widget
// translates, and accessible.
func TestFrenchDemoWalkInChromium(t *testing.T) {
	runDemoWalk(t, demoWalk{
		lang: "fr", locale: "fr-FR", path: "/demo", heading: "coffee",
		formReady: `!d.querySelector('#v-form').hidden && d.activeElement && d.activeElement.id === 'f-name' && d.querySelector('#btn-start').textContent.trim() !== 'Start chat'`,
		fill: `set(d.querySelector('#f-name'), 'Camille Exemple');
			set(d.querySelector('#f-q'), 'Quelle mouture pour ma cafetière filtre ?');`,
		question: "mouture", agent: 3, connector: "Website chat", visitor: "Camille Exemple",
		answer: "Pour une cafetière filtre, nous conseillons une mouture moyenne.", agentName: "David",
		bye: "Merci d'avoir utilisé notre service",
	})
}
