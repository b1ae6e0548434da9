package widgetsite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// startSite runs the real server, which serves the built widget; without Chromium or the
// built widget the test is skipped (or fails in CI).
func startSite(t *testing.T) *servertest.Env {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	return servertest.Start(t, servertest.Options{})
}

// Short names for the JavaScript paths into the widget, which most steps use.
const (
	jsLauncher = browsertest.WidgetLauncher
	jsFrameDoc = browsertest.WidgetFrameDoc
)

var (
	inFrame = browsertest.InWidget
	jsQuote = browsertest.JSQuote
)

// agent connects the demo agent Anna and returns her client.
func agent(t *testing.T, env *servertest.Env) *protoclient.Client {
	c, _ := env.Agent(t, 0)
	return c
}

func await[T protocol.EventBody](t *testing.T, c *protoclient.Client, what string, match func(T) bool) (protocol.Event, T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool {
		b, ok := ev.Body.(T)
		return ok && (match == nil || match(b))
	})
	if err != nil {
		t.Fatalf("agent waiting for %s: %v", what, err)
	}
	return ev, ev.Body.(T)
}

func call(t *testing.T, c *protoclient.Client, chat string, body protocol.CommandBody) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Call(ctx, chat, body); err != nil {
		t.Fatalf("agent %s: %v", body.CommandType(), err)
	}
}

// TestVisitorJourneyInChromium runs the whole visitor journey in a real browser against the
// real server, with a Go agent client on the other side.
func TestVisitorJourneyInChromium(t *testing.T) {
	env := startSite(t)
	anna := agent(t, env)
	b := browsertest.New(t, browsertest.Options{Name: "widget", Lang: "en-US", AcceptLanguage: "en-US,en"})

	// The demo page loads and the launcher appears.
	b.Do(chromedp.Navigate(env.URL + "/demo"))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Screenshot("1-launcher")

	// Click: the chat opens with the focus in the name field; the rest is keyboard only.
	b.Click(jsLauncher)
	b.WaitFor("the pre-chat form with focus on the name", inFrame(`d.activeElement && d.activeElement.id === 'f-name'`))
	if got := browsertest.Eval[string](b, jsFrameDoc+`.querySelector('#btn-start').textContent`); got != "Start chat" {
		t.Errorf("start button says %q", got)
	}
	b.Screenshot("2-form")
	// Sending without a name is refused with a message, and the focus goes back to the name.
	b.Do(chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	b.WaitFor("the name is required", inFrame(`d.querySelector('#f-err').textContent.includes('name') &&
		d.querySelector('#f-name').getAttribute('aria-invalid') === 'true' && d.activeElement && d.activeElement.id === 'f-name'`))
	b.Do(chromedp.KeyEvent("Ann Visitor"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Where is my order?"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))

	// Waiting for an agent.
	b.WaitFor("the queued state", inFrame(`d.querySelector('#status').textContent.includes('queue') || d.querySelector('#status').textContent.includes('Waiting')`))
	b.WaitFor("the question in the transcript", inFrame(`d.querySelector('#log').textContent.includes('Where is my order?')`))
	b.Screenshot("3-waiting")

	// The agent gets the offer, accepts and sees the question.
	_, offer := await[*protocol.Offer](t, anna, "the offer", nil)
	chatID := offer.Chat
	call(t, anna, chatID, &protocol.OfferAccept{})
	await(t, anna, "the visitor's question", func(m *protocol.Message) bool { return m.Text == "Where is my order?" })
	b.WaitFor("the agent joined", inFrame(`d.querySelector('#status').textContent.includes('Anna')`))

	// Typing, then the reply.
	call(t, anna, chatID, &protocol.Typing{On: true})
	b.WaitFor("the typing indicator", inFrame(`!d.querySelector('#typing').hidden && d.querySelector('#typing').textContent.includes('Anna')`))
	b.Screenshot("4-typing")
	call(t, anna, chatID, &protocol.Send{Text: "Hi Ann! Let me check that for you."})
	b.WaitFor("the agent's reply", inFrame(`d.querySelector('#log').textContent.includes('Let me check that') && d.querySelector('#typing').hidden`))

	// The visitor answers from the keyboard (the focus is in the message box), with markup
	// that must stay text on both sides.
	b.WaitFor("the focus in the message box", inFrame(`d.activeElement && d.activeElement.id === 'msg'`))
	const tricky = `<script>alert("x")</script> <b>not bold</b> & <img src=x onerror=alert(1)>`
	b.Do(chromedp.KeyEvent(tricky), chromedp.KeyEvent("\r"))
	await(t, anna, "the visitor's markup as text", func(m *protocol.Message) bool { return m.Text == tricky })
	b.WaitFor("the visitor's line confirmed", inFrame(`[...d.querySelectorAll('#log .me')].some(li => li.querySelector('.bubble').textContent === `+jsQuote(tricky)+` && !li.classList.contains('pending'))`))
	if n := browsertest.Eval[int](b, jsFrameDoc+`.querySelectorAll('#log script, #log b, #log img').length`); n != 0 {
		t.Fatalf("visitor text became %d HTML elements", n)
	}
	b.Screenshot("5-conversation")

	// The host page posts a message the MiCC way; with hideLocal only the agent sees it.
	browsertest.Eval[any](b, `window.postMessage({apiType: 'ChatToolbox', apiVersion: '2.2.0', methodName: 'SendMessage', arguments: {message: 'Cart: 2 x House Espresso', hideLocal: true}}, location.origin)`)
	await(t, anna, "the page's hidden message", func(m *protocol.Message) bool { return m.Text == "Cart: 2 x House Espresso" && m.HideLocal })
	// Minimized, a new agent line shows as an unread badge on the launcher.
	b.Click(jsFrameDoc + `.querySelector('#btn-min')`)
	b.WaitFor("the panel closed", `!document.querySelector('parley-chat').shadowRoot.querySelector('.p').classList.contains('on')`)
	call(t, anna, chatID, &protocol.Send{Text: "One more thing: it is the decaf, right?"})
	b.WaitFor("the unread badge", `(() => { const b = document.querySelector('parley-chat').shadowRoot.querySelector('.b'); return !b.hidden && b.textContent === '1'; })()`)
	b.Screenshot("5b-unread-badge")
	b.Click(jsLauncher)
	b.WaitFor("the badge cleared", `document.querySelector('parley-chat').shadowRoot.querySelector('.b').hidden`)
	if txt := browsertest.Eval[string](b, jsFrameDoc+`.querySelector('#log').textContent`); strings.Contains(txt, "Cart: 2 x") {
		t.Error("a hideLocal message is shown to the visitor")
	}
	lines := browsertest.Eval[int](b, jsFrameDoc+`.querySelectorAll('#log .row:not(.note)').length`)

	// Reload mid-chat: the same chat with its whole history, open again.
	b.Do(chromedp.Reload())
	b.WaitFor("the chat after reload", inFrame(`d.querySelector('#log') && d.querySelector('#log').textContent.includes('Let me check that') && d.querySelector('#log').textContent.includes('not bold')`))
	if got := browsertest.Eval[int](b, jsFrameDoc+`.querySelectorAll('#log .row:not(.note)').length`); got != lines {
		t.Errorf("after reload %d lines, before %d", got, lines)
	}
	// A message sent while the page reloads is not lost.
	call(t, anna, chatID, &protocol.Send{Text: "Your order ships today."})
	b.WaitFor("the message that came during the reload", inFrame(`d.querySelector('#log').textContent.includes('ships today')`))
	b.WaitFor("the panel open after reload", `document.querySelector('parley-chat').shadowRoot.querySelector('.p').classList.contains('on')`)
	b.Screenshot("6-after-reload")

	// Another page of the site picks the chat up too.
	b.Do(chromedp.Navigate(env.URL + "/demo/shop"))
	b.WaitFor("the chat on the next page", inFrame(`d.querySelector('#log') && d.querySelector('#log').textContent.includes('ships today') && d.querySelector('#log').textContent.includes('Where is my order?')`))

	// Ending the chat asks first, then shows the bye text and offers a new chat.
	b.Click(jsFrameDoc + `.querySelector('#btn-end')`)
	b.WaitFor("the confirmation", inFrame(`!d.querySelector('.confirm').hidden && d.activeElement && d.activeElement.id === 'btn-no'`))
	b.Screenshot("7-confirm-close")
	b.Click(jsFrameDoc + `.querySelector('#btn-yes')`)
	b.WaitFor("the closed chat", inFrame(`!d.querySelector('#restart').hidden && d.querySelector('#log').textContent.includes('Thank you')`))
	b.Screenshot("8-closed")
	b.Click(jsFrameDoc + `.querySelector('#btn-restart')`)
	b.WaitFor("a new form", inFrame(`!d.querySelector('#v-form').hidden && d.querySelector('#f-name').value === 'Ann Visitor'`))

	b.AssertNoConsoleErrors()
}

// TestWidgetInGermanAndOnAPhone checks the German texts and the phone layout.
func TestWidgetInGermanAndOnAPhone(t *testing.T) {
	env := startSite(t)
	agent(t, env) // someone is available, so the form shows
	b := browsertest.New(t, browsertest.Options{Name: "widget", Width: 360, Height: 740, Lang: "de-DE", AcceptLanguage: "de-DE,de",
		Flags: []chromedp.ExecAllocatorOption{chromedp.Env("LANGUAGE=de", "LANG=de_DE.UTF-8")}})
	b.Do(chromedp.Navigate(env.URL + "/demo"))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Screenshot("9-phone-launcher")
	b.Click(jsLauncher)
	b.WaitFor("the German form", inFrame(`d.querySelector('#btn-start') && d.querySelector('#btn-start').textContent === 'Chat starten'`))
	if got := browsertest.Eval[string](b, jsFrameDoc+`.querySelector('label[for=f-name]').textContent`); got != "Ihr Name *" {
		t.Errorf("name label %q", got)
	}
	// The panel fills the phone's screen.
	if w := browsertest.Eval[float64](b, `document.querySelector('parley-chat').shadowRoot.querySelector('.p').getBoundingClientRect().width`); w < 359 {
		t.Errorf("panel is %vpx wide on a 360px screen", w)
	}
	b.Screenshot("10-phone-german")
	b.AssertNoConsoleErrors()
}

// TestOutOfServiceAndRefusedOrigin checks the closed connector's launcher and text, and that a
// site not in the connector's allowed origins gets no launcher and a clear console error.
func TestOutOfServiceAndRefusedOrigin(t *testing.T) {
	env := startSite(t)
	ctx := context.Background()
	st := env.Server.Store()
	conn, err := st.ConnectorByHash(ctx, env.Demo.ConnectorHash)
	if err != nil {
		t.Fatal(err)
	}
	conn.OutOfService = true
	if _, err := st.UpdateConnector(ctx, conn); err != nil {
		t.Fatal(err)
	}
	env.Settled(t)
	b := browsertest.New(t, browsertest.Options{Name: "widget", Lang: "fr-FR", AcceptLanguage: "fr-FR,fr"})
	b.Do(chromedp.Navigate(env.URL + "/demo"))
	b.WaitFor("the offline launcher", `(() => { const h = document.querySelector('parley-chat'); return !!(h && h.shadowRoot.querySelector('.d.off')); })()`)
	b.Click(jsLauncher)
	// The connector takes left messages: the text heads the form to leave one.
	b.WaitFor("the out-of-service text", inFrame(`!d.querySelector('#v-leave').hidden && d.querySelector('#leave-oos').textContent.includes("le service n'est pas disponible") &&
		d.querySelector('#btn-leave-send').textContent === 'Envoyer le message'`))
	b.Screenshot("11-out-of-service-fr")
	b.AssertNoConsoleErrors()

	// Only https://shop.example may use the connector now: the demo page is refused.
	conn.OutOfService = false
	conn.AllowedOrigins = []string{"https://shop.example"}
	if _, err := st.UpdateConnector(ctx, conn); err != nil {
		t.Fatal(err)
	}
	env.Settled(t)
	b2 := browsertest.New(t, browsertest.Options{Name: "widget"})
	b2.Do(chromedp.Navigate(env.URL + "/demo"))
	b2.WaitFor("the refusal in the console", `true`)
	// The browser's own "403" line may come before the loader's; the loader's must come.
	deadline := time.Now().Add(15 * time.Second)
	var errs []string
	for time.Now().Before(deadline) {
		if errs = b2.Errors(); strings.Contains(strings.Join(errs, " "), "is not allowed to use chat connector") {
			if n := browsertest.Eval[int](b2, `document.querySelectorAll('parley-chat').length`); n != 0 {
				t.Error("a launcher was drawn on a refused site")
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no clear refusal in the console: %q", errs)
}
