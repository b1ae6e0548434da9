package widgetsite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// browserIn opens a Chromium that speaks lang ("de" or "fr").
func browserIn(t *testing.T, name, lang string) *browsertest.Browser {
	region := map[string]string{"de": "de-DE", "fr": "fr-FR"}[lang]
	return browsertest.New(t, browsertest.Options{Name: name, Lang: region, AcceptLanguage: region + "," + lang, ClickScroll: "center",
		Flags: []chromedp.ExecAllocatorOption{chromedp.Env("LANGUAGE="+lang, "LANG="+strings.ReplaceAll(region, "-", "_")+".UTF-8")}})
}

// openWidget loads the demo page and opens the chat.
func openWidget(b *browsertest.Browser, env *servertest.Env) {
	b.Do(chromedp.Navigate(env.URL + "/demo"))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Click(jsLauncher)
}

// fill sets a frame field's value as typing does (an input event follows).
func fill(b *browsertest.Browser, id, value string) {
	browsertest.Eval[any](b, `(() => { const e = `+jsFrameDoc+`.getElementById(`+jsQuote(id)+`); e.value = `+jsQuote(value)+`;
		e.dispatchEvent(new Event('input', {bubbles: true})); })()`)
}

// The first wait in German and French: the title and the texts in the visitor's language, the
// place in the queue and the estimated wait; then, in the chat, the sneak peek the visitor is
// told of and turns off: nothing typed while it is off reaches the agent.
func TestFirstWaitAndSneakPeekInGermanAndFrench(t *testing.T) {
	env := startSite(t)
	anna := agent(t, env)

	de := browserIn(t, "wait-de", "de")
	openWidget(de, env)
	de.WaitFor("the German title", inFrame(`d.querySelector('#title').textContent === 'Chatten Sie mit uns'`))
	de.WaitFor("the form", inFrame(`d.activeElement && d.activeElement.id === 'f-name'`))
	de.Do(chromedp.KeyEvent("Lena"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Wo ist meine Bestellung?"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	de.WaitFor("the place in the queue and the wait", inFrame(`!d.querySelector('#queue').hidden &&
		d.querySelector('#queue').textContent === 'Sie sind an Position 1 in der Warteschlange. Geschätzte Wartezeit: weniger als eine Minute'`))
	de.WaitFor("the welcome without a stray full stop", inFrame(`[...d.querySelectorAll('#log .sys')].some(li => li.textContent === 'Herzlich willkommen!')`))
	if got := browsertest.Eval[string](de, jsFrameDoc+`.querySelector('#status').textContent`); got != "Warten auf einen Mitarbeiter …" {
		t.Errorf("German status %q", got)
	}
	de.WaitFor("the sneak peek told", inFrame(`!d.querySelector('#peek').hidden &&
		d.querySelector('#peek-text').textContent === 'Der Mitarbeiter sieht, was Sie schreiben, bevor Sie es senden.' &&
		d.querySelector('#btn-peek').textContent === 'Ausschalten'`))
	de.Screenshot("wait-de-1-queue")

	_, offer := await[*protocol.Offer](t, anna, "the German offer", nil)
	chatID := offer.Chat
	call(t, anna, chatID, &protocol.OfferAccept{})
	de.WaitFor("the agent joined", inFrame(`d.querySelector('#status').textContent.includes('Anna') && d.querySelector('#queue').hidden`))

	// Off: typing stays here.
	de.Click(jsFrameDoc + `.querySelector('#btn-peek')`)
	de.WaitFor("the peek off", inFrame(`d.querySelector('#peek-text').textContent === 'Der Mitarbeiter sieht Ihre Nachrichten erst, wenn Sie sie senden.' &&
		d.querySelector('#btn-peek').textContent === 'Einschalten' && d.querySelector('#btn-peek').getAttribute('aria-pressed') === 'false'`))
	de.Click(jsFrameDoc + `.querySelector('#msg')`)
	de.Do(chromedp.KeyEvent("geheim"))
	de.Screenshot("wait-de-2-peek-off")
	fill(de, "msg", "")
	// On again: what is typed now is shown, and it is the first preview the agent sees.
	de.Click(jsFrameDoc + `.querySelector('#btn-peek')`)
	de.WaitFor("the peek on", inFrame(`d.querySelector('#btn-peek').textContent === 'Ausschalten'`))
	de.Click(jsFrameDoc + `.querySelector('#msg')`)
	de.Do(chromedp.KeyEvent("sichtbar"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		ev, err := anna.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.PreviewEvent); return ok })
		if err != nil {
			t.Fatalf("no preview reached the agent: %v", err)
		}
		p := ev.Body.(*protocol.PreviewEvent).Text
		if strings.Contains(p, "geheim") {
			t.Fatalf("a preview typed while off reached the agent: %q", p)
		}
		if p == "sichtbar" {
			break
		}
	}
	de.AssertNoConsoleErrors()

	fr := browserIn(t, "wait-fr", "fr")
	openWidget(fr, env)
	fr.WaitFor("the French title", inFrame(`d.querySelector('#title').textContent === 'Discutez avec nous'`))
	fr.WaitFor("the form", inFrame(`d.activeElement && d.activeElement.id === 'f-name'`))
	fr.Do(chromedp.KeyEvent("Léa"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Où est ma commande ?"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	fr.WaitFor("the place in the queue and the wait", inFrame(`!d.querySelector('#queue').hidden &&
		/^Vous êtes en position \d+ dans la file d'attente\. Attente estimée : /.test(d.querySelector('#queue').textContent)`))
	fr.WaitFor("the French welcome and peek", inFrame(`[...d.querySelectorAll('#log .sys')].some(li => li.textContent === 'Bienvenue !') &&
		d.querySelector('#peek-text').textContent === "Le conseiller voit ce que vous écrivez avant l'envoi."`))
	fr.Screenshot("wait-fr-1-queue")
	fr.AssertNoConsoleErrors()
}

// Write first, details later, in French: the message box opens the chat, the details are
// asked while waiting (the name and the required field still required), and the message
// written before them is not lost.
func TestWriteFirstInChromium(t *testing.T) {
	env := startSite(t)
	ctx := context.Background()
	if _, err := env.Server.Store().CreateSurveyField(ctx, store.SurveyField{TenantID: env.Demo.TenantID, ConnectorID: env.Demo.ConnectorID,
		Kind: store.SurveyPreChat, Field: survey.Field{Name: "Commande", Type: "numeric", Prompt: "Numéro de commande", Required: true, Enabled: true,
			ValidateLow: 1, ValidateHigh: 99999}}); err != nil {
		t.Fatal(err)
	}
	env.ChangeWidgetOptions(t, func(tb *store.Toolbox) { tb.WriteFirst = true })
	anna := agent(t, env)

	b := browserIn(t, "writefirst-fr", "fr")
	openWidget(b, env)
	b.WaitFor("the message box first", inFrame(`!d.querySelector('#wf-intro').hidden && d.querySelector('#v-form').hidden &&
		!d.querySelector('#composer').hidden && d.activeElement && d.activeElement.id === 'msg'`))
	b.Screenshot("writefirst-fr-1-start")
	b.Do(chromedp.KeyEvent("Où est mon colis ?"), chromedp.KeyEvent("\r"))
	b.WaitFor("the chat requested and the details asked", inFrame(`d.querySelector('#log').textContent.includes('Où est mon colis ?') &&
		!d.querySelector('#details').hidden && d.querySelector('#details-h').textContent === "Pendant l'attente, dites-nous qui vous êtes :" &&
		d.querySelector('label[for=det-0]').textContent.startsWith('Numéro de commande') && d.activeElement && d.activeElement.id === 'd-name'`))
	// A second message before the details.
	b.Click(jsFrameDoc + `.querySelector('#msg')`)
	b.Do(chromedp.KeyEvent("Il devait arriver lundi."), chromedp.KeyEvent("\r"))
	b.WaitFor("the second message confirmed", inFrame(`[...d.querySelectorAll('#log .me')].some(li => li.textContent.includes('Il devait arriver lundi.') && !li.classList.contains('pending'))`))
	// Without a name and the required answer: refused, with the focus on the name.
	b.Click(jsFrameDoc + `.querySelector('#btn-details')`)
	b.WaitFor("the name required", inFrame(`d.querySelector('#d-err').textContent === 'Veuillez saisir votre nom.' &&
		d.querySelector('#d-name').getAttribute('aria-invalid') === 'true' && d.activeElement.id === 'd-name'`))
	b.Screenshot("writefirst-fr-2-details-refused")
	b.Do(chromedp.KeyEvent("Léa Martin"))
	b.Click(jsFrameDoc + `.querySelector('#btn-details')`)
	b.WaitFor("the order number required", inFrame(`d.querySelector('#det-0-err').textContent === 'Veuillez remplir ce champ.' && d.activeElement.id === 'det-0'`))
	b.Do(chromedp.KeyEvent("4711"))
	b.Click(jsFrameDoc + `.querySelector('#btn-details')`)
	b.WaitFor("the details taken", inFrame(`d.querySelector('#details').hidden`))
	b.Screenshot("writefirst-fr-3-details-given")

	_, offer := await[*protocol.Offer](t, anna, "the offer", nil)
	call(t, anna, offer.Chat, &protocol.OfferAccept{})
	_, opened := await(t, anna, "the chat opened", func(o *protocol.ChatOpened) bool { return o.Chat.ID == offer.Chat })
	if v := opened.Chat.Visitor; v.Name != "Léa Martin" || v.Fields["Commande"] != "4711" {
		t.Errorf("the agent sees %q with %v", v.Name, v.Fields)
	}
	await(t, anna, "the first message", func(m *protocol.Message) bool { return m.Text == "Où est mon colis ?" })
	await(t, anna, "the message before the details", func(m *protocol.Message) bool { return m.Text == "Il devait arriver lundi." })
	b.WaitFor("the agent joined", inFrame(`d.querySelector('#status').textContent.includes('Anna')`))
	b.AssertNoConsoleErrors()
}

// Offline when the wait is too long, in German: above the connector's limit the start screen
// offers to leave a message; the visitor leaves one, or chooses to wait.
func TestLongWaitOffersAMessageInChromium(t *testing.T) {
	env := startSite(t)
	ctx := context.Background()
	st := env.Server.Store()
	// Anna takes one chat at a time, so that with one chat she is full and a new visitor waits.
	u, err := st.UserByLogin(ctx, env.DemoUser(t, "agent", 0).Login)
	if err != nil {
		t.Fatal(err)
	}
	u.MaxChats = 1
	if _, err := st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	env.ChangeWidgetOptions(t, func(tb *store.Toolbox) { tb.MaxWait = 1; tb.LeaveMessage = true })
	anna := agent(t, env)
	// A first chat waits a few seconds before Anna takes it: the queue's predicted wait is
	// learned from it, and is longer than the one-second limit.
	v, _ := env.Visitor(t)
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := v.Call(rctx, "", &protocol.ChatRequest{Name: "Erik", Question: "Hallo"}); err != nil {
		t.Fatal(err)
	}
	_, offer := await[*protocol.Offer](t, anna, "the first offer", nil)
	time.Sleep(3 * time.Second) // the wait the estimate learns, not a wait for an event
	call(t, anna, offer.Chat, &protocol.OfferAccept{})
	await(t, anna, "the first chat opened", func(o *protocol.ChatOpened) bool { return o.Chat.ID == offer.Chat })

	b := browserIn(t, "longwait-de", "de")
	openWidget(b, env)
	b.WaitFor("the offer to leave a message", inFrame(`!d.querySelector('#long-wait').hidden &&
		d.querySelector('#long-text').textContent.startsWith('Die Wartezeit ist gerade lang:') &&
		d.querySelector('#btn-leave-instead').textContent === 'Nachricht hinterlassen' && d.querySelector('#btn-wait').textContent === 'Auf einen Mitarbeiter warten'`))
	b.Screenshot("longwait-de-1-offer")
	b.Click(jsFrameDoc + `.querySelector('#btn-leave-instead')`)
	b.WaitFor("the leave form", inFrame(`!d.querySelector('#v-leave').hidden && d.querySelector('#v-form').hidden && d.querySelector('#long-wait').hidden`))
	fill(b, "l-name", "Jonas")
	fill(b, "l-email", "jonas@example.com")
	fill(b, "l-text", "Bitte rufen Sie mich zurück.")
	b.Screenshot("longwait-de-2-leave")
	b.Click(jsFrameDoc + `.querySelector('#btn-leave-send')`)
	b.WaitFor("the thanks", inFrame(`d.querySelector('#v-leave').hidden && !d.querySelector('#long-wait').hidden &&
		d.querySelector('#long-text').textContent === 'Vielen Dank – wir melden uns bei Ihnen.' && d.querySelector('#btn-wait').hidden`))
	b.Screenshot("longwait-de-3-thanks")

	// Another time the visitor chooses to wait: the start form, and the chat queues.
	b.Do(chromedp.Reload())
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Click(jsLauncher)
	b.WaitFor("the offer again", inFrame(`!d.querySelector('#long-wait').hidden && d.querySelector('#v-form').hidden === false`))
	b.Click(jsFrameDoc + `.querySelector('#btn-wait')`)
	b.WaitFor("the form without the offer", inFrame(`d.querySelector('#long-wait').hidden && !d.querySelector('#v-form').hidden && d.activeElement && d.activeElement.id === 'f-name'`))
	b.Do(chromedp.KeyEvent("Jonas"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Ich warte."), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	b.WaitFor("queued", inFrame(`d.querySelector('#queue').textContent.startsWith('Sie sind an Position 1')`))
	b.Screenshot("longwait-de-4-waiting")
	b.AssertNoConsoleErrors()
}
