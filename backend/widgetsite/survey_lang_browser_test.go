package widgetsite_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestSurveyInTheVisitorsLanguageInChromium opens the German demo connector's widget on the
// German demo page and, with the French snippet, on a French shop's page: each visitor reads the pre-chat
// survey's prompts and the topic's options in their language, while the options' values stay
// the German ones; the French visitor's choice reaches the agent as that value.
func TestSurveyInTheVisitorsLanguageInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.DemoBaseOnly = false }})
	values := []string{"", "Bestellung und Versand", "Rechnung und Zahlung", "Kaffeemaschine und Zubereitung", "Etwas anderes"}
	for _, c := range []struct {
		lang, locale, page string
		name, email, more  string
		topic              string
		options            []string
	}{
		{"de", "de-DE", env.URL + "/demo/de", "Ihr Name *", "Ihre E-Mail-Adresse (für das Protokoll)", "Worum geht es? *", "Worum geht es?",
			[]string{"Bitte wählen", "Bestellung und Versand", "Rechnung und Zahlung", "Kaffeemaschine und Zubereitung", "Etwas anderes"}},
		{"fr", "fr-FR", "", "Votre nom *", "Votre adresse e-mail (pour la transcription)", "De quoi s'agit-il ? *", "De quoi s'agit-il ?",
			[]string{"", "Commande et livraison", "Facture et paiement", "Machine à café et préparation", "Autre chose"}},
	} {
		b := browsertest.New(t, browsertest.Options{Name: "survey-lang-" + c.lang, Width: 1200, Height: 860, Lang: c.locale, AcceptLanguage: c.locale + "," + c.lang})
		if c.page != "" {
			b.Do(chromedp.Navigate(c.page))
		} else {
			// A French shop page of the server's own origin (so that the test can look into the
			// widget's frame), embedding the German connector with the French snippet.
			b.Do(chromedp.Navigate(env.URL + "/demo/boutique"))
			browsertest.Eval[bool](b, `(() => { document.documentElement.lang = 'fr'; document.title = 'Boutique';
				document.body.innerHTML = '<main><h1>Boutique</h1></main>';
				const s = document.createElement('script'); s.src = '/widget.js';
				s.setAttribute('data-connector', `+jsQuote(env.Demo.Showcase.GermanConnectorHash)+`); s.setAttribute('data-lang', 'fr');
				document.body.appendChild(s); return true; })()`)
		}
		b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
		b.Click(jsLauncher)
		b.WaitFor("the pre-chat survey in "+c.lang, inFrame(`d.documentElement.lang === `+jsQuote(c.lang)+` && d.querySelector('select#pre-2') !== null`))
		got := browsertest.Eval[[]string](b, `(() => { const d = `+jsFrameDoc+`; return ['pre-0', 'pre-1', 'pre-2'].map(id => d.querySelector('label[for='+id+']').textContent); })()`)
		if want := []string{c.name, c.email, c.more}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: prompts %q, want %q", c.lang, got, want)
		}
		var opts [][2]string
		raw := browsertest.Eval[string](b, `JSON.stringify([...`+jsFrameDoc+`.querySelectorAll('#pre-2 option')].map(o => [o.value, o.textContent]))`)
		if err := json.Unmarshal([]byte(raw), &opts); err != nil {
			t.Fatal(err)
		}
		if len(opts) != len(values) {
			t.Fatalf("%s: options %q", c.lang, opts)
		}
		for i, o := range opts {
			// The first entry is the widget's own "choose" line, in the widget's words.
			if o[0] != values[i] || i > 0 && o[1] != c.options[i] {
				t.Errorf("%s: option %d is %q reading %q, want %q reading %q", c.lang, i, o[0], o[1], values[i], c.options[i])
			}
		}
		b.Screenshot("survey-lang-" + c.lang)
		b.AssertAccessible("survey-lang-" + c.lang)
		if c.lang != "fr" {
			continue
		}

		// The French visitor chooses "Facture et paiement"; the agent gets its value.
		browsertest.Eval[bool](b, `(() => { const d = `+jsFrameDoc+`;
			const set = (el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); };
			set(d.querySelector('#pre-0'), 'Camille Exemple');
			set(d.querySelector('#pre-2'), d.querySelector('#pre-2').options[2].value);
			set(d.querySelector('form textarea'), 'Ma facture est-elle partie ?');
			d.querySelector('#btn-start').click(); return true; })()`)
		agent, _ := env.Agent(t, 2)
		_, offer := await[*protocol.Offer](t, agent, "the offer", nil)
		call(t, agent, offer.Chat, &protocol.OfferAccept{})
		_, opened := await(t, agent, "the chat opened", func(o *protocol.ChatOpened) bool { return o.Chat.ID == offer.Chat })
		if got := opened.Chat.Visitor.Fields["Thema"]; got != "Rechnung und Zahlung" {
			t.Errorf("the agent sees Thema %q (fields %v)", got, opened.Chat.Visitor.Fields)
		}
	}
}
