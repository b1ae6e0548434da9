//go:build !wasm

package agentsite_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
	"github.com/parleychat/parley/backend/tyntec/tyntectest"
)

// startWhatsApp runs the server against a local TynTec and switches WhatsApp on for the demo
// connector, with one approved template.
func startWhatsApp(t *testing.T) (*servertest.Env, *tyntectest.Server, store.Connector) {
	t.Helper()
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json")
	fake := tyntectest.New("key-wa")
	t.Cleanup(fake.Close)
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) {
		c.TynTecURL, c.PublicURL = fake.URL, "https://chat.example.com"
	}})
	conn := env.ChangeConnector(t, func(c *store.Connector) {
		c.WhatsAppEnabled, c.WhatsAppAPIKey, c.WhatsAppNumber, c.WhatsAppTemplates = true, "key-wa", "+4930123456", "order_update de"
	})
	return env, fake, conn
}

// postEvent calls the connector's webhook as TynTec does.
func postEvent(t *testing.T, env *servertest.Env, conn store.Connector, e tyntec.Event) {
	t.Helper()
	if code, body, err := tyntectest.Post(tyntec.WebhookURL(env.URL, conn), e); err != nil || code != http.StatusOK {
		t.Fatalf("webhook %s: %d %s %v", e.Event, code, body, err)
	}
}

// agentLine is the JavaScript for the agent's own line whose text is text.
func agentLine(text string) string {
	return `[...document.querySelectorAll('.line.from-agent')].find(l => l.querySelector('.text') && l.querySelector('.text').textContent === ` +
		browsertest.JSQuote(text) + `)`
}

// deliveryOf is the JavaScript for the accessible name of a line's delivery mark ("" when none).
func deliveryOf(text string) string {
	return `((l) => l && l.querySelector('.delivery') ? l.querySelector('.delivery').getAttribute('aria-label') : '')(` + agentLine(text) + `)`
}

// TestWhatsAppDeliveryInChromium: an agent answers a WhatsApp customer three times in the
// agent app; the local TynTec reports the first read, the second delivered and the third
// failed (WhatsApp's 24-hour error), with one report repeated and one out of order. Each line
// shows its ticks with an accessible name, the failed one says so under its text, and after a
// reload the resumed app shows the same.
func TestWhatsAppDeliveryInChromium(t *testing.T) {
	env, fake, conn := startWhatsApp(t)
	b := newBrowser(t, "whatsapp-delivery", 1280, 820)
	signIn(t, env, b, 0)
	now := time.Now().UTC()
	postEvent(t, env, conn, tyntectest.Text("in-1", "491701234567", "4930123456", "Hallo, wo bleibt meine Bestellung?", now))
	b.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	b.Click(`document.querySelector('.offer .btn-accept')`)
	b.WaitFor("the conversation", agentHas("wo bleibt meine Bestellung?"))
	replies := []string{"Guten Tag! Ich sehe nach.", "Sie ist unterwegs.", "Morgen kommt sie an."}
	for i, r := range replies {
		b.Click(`document.querySelector('#composer-text')`)
		b.Do(chromedp.KeyEvent(r))
		b.Click(`document.querySelector('#send-button')`)
		if got := fake.WaitMessages(i+1, 30*time.Second); len(got) != i+1 {
			t.Fatalf("TynTec has %d messages, want %d", len(got), i+1)
		}
	}
	msgs, ids := fake.Messages()
	for i, r := range replies {
		if msgs[i].Content.Text != r {
			t.Fatalf("message %d is %q, want %q", i, msgs[i].Content.Text, r)
		}
		b.WaitFor("sent ticks on "+r, deliveryOf(r)+` !== ''`)
	}
	b.WaitFor("one tick each", deliveryOf(replies[0])+` === 'Sent to WhatsApp'`)

	postEvent(t, env, conn, tyntectest.Status(ids[0], "delivered", now))
	postEvent(t, env, conn, tyntectest.Status(ids[0], "seen", now))
	postEvent(t, env, conn, tyntectest.Status(ids[0], "delivered", now)) // late and out of order: changes nothing
	postEvent(t, env, conn, tyntectest.Status(ids[1], "delivered", now))
	postEvent(t, env, conn, tyntectest.Status(ids[1], "delivered", now)) // TynTec's retry
	failed := tyntectest.Status(ids[2], "failed", now)
	failed.Details = &tyntec.StatusDetails{Code: "whatsapp::external::131047", Message: "Re-engagement message: more than 24 hours have passed"}
	postEvent(t, env, conn, failed)

	check := func(when string) {
		b.WaitFor("read "+when, deliveryOf(replies[0])+` === 'Read on WhatsApp'`)
		b.WaitFor("delivered "+when, deliveryOf(replies[1])+` === 'Delivered on WhatsApp'`)
		b.WaitFor("failed "+when, deliveryOf(replies[2])+` === 'Not delivered on WhatsApp'`)
		b.WaitFor("the failure's reason "+when, agentLine(replies[2])+`.querySelector('.state.delivery-failed').textContent === `+
			browsertest.JSQuote("Not delivered on WhatsApp: Re-engagement message: more than 24 hours have passed (whatsapp::external::131047)"))
		if n := browsertest.Eval[int](b, `document.querySelectorAll('.line .delivery').length`); n != 3 {
			t.Fatalf("%s: %d lines carry a delivery mark, want 3", when, n)
		}
		if n := browsertest.Eval[int](b, `document.querySelectorAll('.line.from-visitor .delivery').length`); n != 0 {
			t.Fatalf("%s: the customer's line carries a delivery mark", when)
		}
	}
	check("live")
	b.Screenshot("1-ticks")

	// A resumed app reads the states from the chat's history.
	b.Do(chromedp.Reload())
	b.WaitFor("the desk again", `!!document.querySelector('.topbar') && document.querySelector('.link').textContent === 'Connected'`)
	b.WaitFor("the chat again", `!!`+tab("491701234567")+` || !!`+tab("Erika"))
	b.Click(`(` + tab("Erika") + ` || ` + tab("491701234567") + `)`)
	check("after a reload")
	b.Screenshot("2-resumed")
	b.AssertAccessible("WhatsApp lines with their delivery marks")
	b.AssertNoConsoleErrors("/api/me") // the sign-in page asks before signing in
}

// TestWhatsAppTemplatePickerInChromium: a customer last wrote 25 hours ago; the agent's free
// text is refused with the 24-hour rule's message, the app then offers the connector's
// approved templates with their parameters, and the agent sends one: TynTec receives the
// template with the parameters in order, and no free text.
func TestWhatsAppTemplatePickerInChromium(t *testing.T) {
	env, fake, conn := startWhatsApp(t)
	conn = env.ChangeConnector(t, func(c *store.Connector) {
		c.WhatsAppTemplates = "welcome_back en_US\norder_update de: Name | Order number"
	})
	b := newBrowser(t, "whatsapp-template", 1280, 820)
	signIn(t, env, b, 0)
	postEvent(t, env, conn, tyntectest.Text("old-1", "491701234567", "4930123456", "Ist meine Bestellung unterwegs?", time.Now().UTC().Add(-25*time.Hour)))
	b.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	b.Click(`document.querySelector('.offer .btn-accept')`)
	b.WaitFor("the conversation", agentHas("Ist meine Bestellung unterwegs?"))
	if n := browsertest.Eval[int](b, `document.querySelectorAll('#template-card').length`); n != 0 {
		t.Fatal("the template card shows before free text was refused")
	}

	b.Click(`document.querySelector('#composer-text')`)
	b.Do(chromedp.KeyEvent("Ja, sie kommt morgen."))
	b.Click(`document.querySelector('#send-button')`)
	b.WaitFor("the refusal", `[...document.querySelectorAll('.line.failed .state')].some(s => s.textContent.includes('more than 24 hours ago'))`)
	b.WaitFor("the template card", `!!document.getElementById('template-select') && document.getElementById('template-select').options.length === 2`)
	browsertest.Eval[any](b, `(s => { s.value = '1'; s.dispatchEvent(new Event('change', {bubbles: true})); })(document.getElementById('template-select'))`)
	b.WaitFor("the parameters", `!!document.getElementById('template-param-1') && document.querySelector('label[for=template-param-1]').textContent === 'Order number'`)
	b.Click(`document.getElementById('template-param-0')`)
	b.Do(chromedp.KeyEvent("Erika"))
	b.Click(`document.getElementById('template-param-1')`)
	b.Do(chromedp.KeyEvent("4711 | 12"))
	b.Screenshot("1-picker")
	b.AssertAccessible("the template card")
	b.Click(`document.getElementById('template-send')`)

	got := fake.WaitMessages(1, 30*time.Second)
	if len(got) != 1 {
		t.Fatalf("TynTec got %d messages, want the template", len(got))
	}
	tpl := got[0].Content.Template
	if got[0].Content.ContentType != tyntec.ContentTemplate || tpl == nil || tpl.TemplateID != "order_update" || tpl.TemplateLanguage != "de" ||
		tpl.Components == nil || len(tpl.Components.Body) != 2 || tpl.Components.Body[0].Text != "Erika" || tpl.Components.Body[1].Text != "4711 / 12" {
		t.Fatalf("TynTec got %+v", got[0].Content)
	}
	b.WaitFor("the template line sent", deliveryOf("/template order_update Erika | 4711 / 12")+` === 'Sent to WhatsApp'`)
	b.Screenshot("2-sent")
	time.Sleep(time.Second)
	if got, _ := fake.Messages(); len(got) != 1 {
		t.Fatalf("TynTec got %d messages: the refused free text went out", len(got))
	}
	b.AssertNoConsoleErrors("/api/me")
}
