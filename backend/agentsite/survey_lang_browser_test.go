//go:build !wasm

package agentsite_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// preChatHas is true when the visitor details' pre-chat block holds the pair label: value.
func preChatHas(label, value string) string {
	return `[...document.querySelectorAll('.details .fields-prechat .fact')].some(f => f.querySelector('dt').textContent === ` +
		browsertest.JSQuote(label) + ` && f.querySelector('dd').textContent === ` + browsertest.JSQuote(value) + `)`
}

// TestSurveyAnswersInTheAgentsLanguageInChromium: a French visitor of the German demo
// connector chooses "Facture et paiement", stored as its German value; the agent, whose
// language setting is German, sees the topic's German prompt and label in the visitor
// details, and the same answer in English and French as soon as the app's language menu
// changes, without a reload.
func TestSurveyAnswersInTheAgentsLanguageInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json")
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.DemoBaseOnly = false }})
	u := env.DemoUser(t, "agent", 2)
	setLang(t, env, u.Login, "de")

	b := browsertest.New(t, browsertest.Options{Name: "agent-survey-de", Width: 1360, Height: 860, Lang: "fr-FR", AcceptLanguage: "fr-FR,fr",
		WaitTimeout: 35 * time.Second, ClickScroll: "nearest"})
	b.Do(chromedp.Navigate(env.URL + "/agent/"))
	b.WaitFor("the sign-in form", `!!document.querySelector('#signin-login')`)
	b.Click(`document.querySelector('#signin-login')`)
	b.Do(chromedp.KeyEvent(u.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(u.Password), chromedp.KeyEvent("\r"))
	b.WaitFor("the desk in German", `!!document.querySelector('.topbar') && document.documentElement.lang === 'de'`)
	b.TakeChats()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	visitor, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{IDPrefix: "v"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { visitor.Drop() })
	if _, err := visitor.Call(ctx, "", &protocol.VisitorConnect{Connector: env.Demo.Showcase.GermanConnectorHash, Lang: "fr", Page: "https://boutique.example/"}); err != nil {
		t.Fatal(err)
	}
	if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Camille Exemple", Question: "Ma facture est-elle partie ?",
		Fields: map[string]string{"Name": "Camille Exemple", "Thema": "Rechnung und Zahlung"}}); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	b.Click(`document.querySelector('.offer .btn-accept')`)
	b.WaitFor("the German prompt and label", preChatHas("Worum geht es", "Rechnung und Zahlung"))
	b.Screenshot("survey-answer-de")

	for _, c := range []struct{ lang, label, value string }{
		{"en", "What is it about", "Invoices and payment"},
		{"fr", "De quoi s'agit-il", "Facture et paiement"},
		{"de", "Worum geht es", "Rechnung und Zahlung"},
	} {
		browsertest.Eval[bool](b, `(() => { const s = document.querySelector('#lang-select'); s.value = `+browsertest.JSQuote(c.lang)+`;
			s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
		b.WaitFor("the answer in "+c.lang, `document.documentElement.lang === `+browsertest.JSQuote(c.lang)+` && `+preChatHas(c.label, c.value))
	}
}
