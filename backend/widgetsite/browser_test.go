package widgetsite_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// chromiumPath finds Chromium; without it the test is skipped locally and fails in CI.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is required in CI: apt-get install -y chromium")
	}
	t.Skip("chromium not installed (apt-get install -y chromium); skipping the browser test")
	return ""
}

// builtDir returns the build directory with the widget, skipping (or failing in CI) when
// `make widget` has not run.
func builtDir(t *testing.T) string {
	dir := servertest.WebDir()
	if _, err := os.Stat(filepath.Join(dir, "widget", "manifest.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the widget is not built in %s: run make widget first", dir)
		}
		t.Skipf("the widget is not built in %s: run make widget first", dir)
	}
	return dir
}

// startSite runs the real server, which serves the built widget.
func startSite(t *testing.T) *servertest.Env {
	builtDir(t)
	return servertest.Start(t, servertest.Options{})
}

// browser is one Chromium with one tab, and the console messages it logged.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	console []string
}

func newBrowser(t *testing.T, exe string, width, height int, flags ...chromedp.ExecAllocatorOption) *browser {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(width, height),
	)
	opts = append(opts, flags...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m.String()+" @ "+m.URL)
			b.mu.Unlock()
		}
	}()
	return b
}

// errors returns the console errors and exceptions logged so far.
func (b *browser) errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.console {
		if strings.HasPrefix(m, "error") || strings.HasPrefix(m, "exception") {
			out = append(out, m)
		}
	}
	return out
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v\nconsole: %q", err, b.console)
	}
}

// eval runs JavaScript in the page and returns its value.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("eval %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it is truthy.
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[any](js, chromedp.WithPollingTimeout(25*time.Second))); err != nil {
		b.screenshot("failure")
		b.t.Fatalf("waiting for %s: %v\nconsole: %q", what, err, b.console)
	}
}

// screenshot saves the viewport to build/screenshots/widget-NAME.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join(servertest.WebDir(), "screenshots")
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "widget-"+name+".png"), png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}

// clickJS clicks, with a real mouse event, the element a JavaScript expression returns; the
// expression may reach into the launcher's shadow root and the chat frame (offsets added).
func (b *browser) clickJS(what, elemJS string) {
	b.t.Helper()
	type point struct{ X, Y float64 }
	p := eval[point](b, `(() => { const e = `+elemJS+`; const r = e.getBoundingClientRect();
		let x = r.left + r.width/2, y = r.top + r.height/2;
		const fe = e.ownerDocument.defaultView.frameElement;
		if (fe) { const fr = fe.getBoundingClientRect(); x += fr.left; y += fr.top; }
		return {X: x, Y: y}; })()`)
	b.do(chromedp.MouseClickXY(p.X, p.Y))
}

// JavaScript paths into the widget.
const (
	jsLauncher = `document.querySelector('parley-chat').shadowRoot.querySelector('button')`
	jsFrameDoc = `document.querySelector('parley-chat').shadowRoot.querySelector('iframe').contentDocument`
)

// inFrame wraps a JavaScript expression over the frame's document d, false while the frame is
// not there yet.
func inFrame(expr string) string {
	return `(() => { const h = document.querySelector('parley-chat'); if (!h) return false;
		const f = h.shadowRoot.querySelector('iframe'); if (!f || !f.contentDocument) return false;
		const d = f.contentDocument; try { return ` + expr + `; } catch (e) { return false; } })()`
}

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
	exe := chromiumPath(t)
	env := startSite(t)
	anna := agent(t, env)
	b := newBrowser(t, exe, 1280, 800, chromedp.Flag("lang", "en-US"), chromedp.Flag("accept-lang", "en-US,en"))

	// The demo page loads and the launcher appears.
	b.do(chromedp.Navigate(env.URL + "/demo"))
	b.waitFor("the launcher", `(() => { const h = document.querySelector('parley-chat'); return !!(h && h.shadowRoot.querySelector('button')); })()`)
	b.screenshot("1-launcher")

	// Click: the chat opens with the focus in the name field; the rest is keyboard only.
	b.clickJS("launcher", jsLauncher)
	b.waitFor("the pre-chat form with focus on the name", inFrame(`d.activeElement && d.activeElement.id === 'f-name'`))
	if got := eval[string](b, jsFrameDoc+`.querySelector('#btn-start').textContent`); got != "Start chat" {
		t.Errorf("start button says %q", got)
	}
	b.screenshot("2-form")
	// Sending without a name is refused with a message, and the focus goes back to the name.
	b.do(chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	b.waitFor("the name is required", inFrame(`d.querySelector('#f-err').textContent.includes('name') &&
		d.querySelector('#f-name').getAttribute('aria-invalid') === 'true' && d.activeElement && d.activeElement.id === 'f-name'`))
	b.do(chromedp.KeyEvent("Ann Visitor"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Where is my order?"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))

	// Waiting for an agent.
	b.waitFor("the queued state", inFrame(`d.querySelector('#status').textContent.includes('queue') || d.querySelector('#status').textContent.includes('Waiting')`))
	b.waitFor("the question in the transcript", inFrame(`d.querySelector('#log').textContent.includes('Where is my order?')`))
	b.screenshot("3-waiting")

	// The agent gets the offer, accepts and sees the question.
	_, offer := await[*protocol.Offer](t, anna, "the offer", nil)
	chatID := offer.Chat
	call(t, anna, chatID, &protocol.OfferAccept{})
	await(t, anna, "the visitor's question", func(m *protocol.Message) bool { return m.Text == "Where is my order?" })
	b.waitFor("the agent joined", inFrame(`d.querySelector('#status').textContent.includes('Anna')`))

	// Typing, then the reply.
	call(t, anna, chatID, &protocol.Typing{On: true})
	b.waitFor("the typing indicator", inFrame(`!d.querySelector('#typing').hidden && d.querySelector('#typing').textContent.includes('Anna')`))
	b.screenshot("4-typing")
	call(t, anna, chatID, &protocol.Send{Text: "Hi Ann! Let me check that for you."})
	b.waitFor("the agent's reply", inFrame(`d.querySelector('#log').textContent.includes('Let me check that') && d.querySelector('#typing').hidden`))

	// The visitor answers from the keyboard (the focus is in the message box), with markup
	// that must stay text on both sides.
	b.waitFor("the focus in the message box", inFrame(`d.activeElement && d.activeElement.id === 'msg'`))
	const tricky = `<script>alert("x")</script> <b>not bold</b> & <img src=x onerror=alert(1)>`
	b.do(chromedp.KeyEvent(tricky), chromedp.KeyEvent("\r"))
	await(t, anna, "the visitor's markup as text", func(m *protocol.Message) bool { return m.Text == tricky })
	b.waitFor("the visitor's line confirmed", inFrame(`[...d.querySelectorAll('#log .me')].some(li => li.querySelector('.bubble').textContent === `+jsQuote(tricky)+` && !li.classList.contains('pending'))`))
	if n := eval[int](b, jsFrameDoc+`.querySelectorAll('#log script, #log b, #log img').length`); n != 0 {
		t.Fatalf("visitor text became %d HTML elements", n)
	}
	b.screenshot("5-conversation")

	// The host page posts a message the MiCC way; with hideLocal only the agent sees it.
	eval[any](b, `window.postMessage({apiType: 'ChatToolbox', apiVersion: '2.2.0', methodName: 'SendMessage', arguments: {message: 'Cart: 2 x House Espresso', hideLocal: true}}, location.origin)`)
	await(t, anna, "the page's hidden message", func(m *protocol.Message) bool { return m.Text == "Cart: 2 x House Espresso" && m.HideLocal })
	// Minimized, a new agent line shows as an unread badge on the launcher.
	b.clickJS("minimize", jsFrameDoc+`.querySelector('#btn-min')`)
	b.waitFor("the panel closed", `!document.querySelector('parley-chat').shadowRoot.querySelector('.p').classList.contains('on')`)
	call(t, anna, chatID, &protocol.Send{Text: "One more thing: it is the decaf, right?"})
	b.waitFor("the unread badge", `(() => { const b = document.querySelector('parley-chat').shadowRoot.querySelector('.b'); return !b.hidden && b.textContent === '1'; })()`)
	b.screenshot("5b-unread-badge")
	b.clickJS("launcher", jsLauncher)
	b.waitFor("the badge cleared", `document.querySelector('parley-chat').shadowRoot.querySelector('.b').hidden`)
	if txt := eval[string](b, jsFrameDoc+`.querySelector('#log').textContent`); strings.Contains(txt, "Cart: 2 x") {
		t.Error("a hideLocal message is shown to the visitor")
	}
	lines := eval[int](b, jsFrameDoc+`.querySelectorAll('#log .row:not(.note)').length`)

	// Reload mid-chat: the same chat with its whole history, open again.
	b.do(chromedp.Reload())
	b.waitFor("the chat after reload", inFrame(`d.querySelector('#log') && d.querySelector('#log').textContent.includes('Let me check that') && d.querySelector('#log').textContent.includes('not bold')`))
	if got := eval[int](b, jsFrameDoc+`.querySelectorAll('#log .row:not(.note)').length`); got != lines {
		t.Errorf("after reload %d lines, before %d", got, lines)
	}
	// A message sent while the page reloads is not lost.
	call(t, anna, chatID, &protocol.Send{Text: "Your order ships today."})
	b.waitFor("the message that came during the reload", inFrame(`d.querySelector('#log').textContent.includes('ships today')`))
	b.waitFor("the panel open after reload", `document.querySelector('parley-chat').shadowRoot.querySelector('.p').classList.contains('on')`)
	b.screenshot("6-after-reload")

	// Another page of the site picks the chat up too.
	b.do(chromedp.Navigate(env.URL + "/demo/shop"))
	b.waitFor("the chat on the next page", inFrame(`d.querySelector('#log') && d.querySelector('#log').textContent.includes('ships today') && d.querySelector('#log').textContent.includes('Where is my order?')`))

	// Ending the chat asks first, then shows the bye text and offers a new chat.
	b.clickJS("end chat", jsFrameDoc+`.querySelector('#btn-end')`)
	b.waitFor("the confirmation", inFrame(`!d.querySelector('.confirm').hidden && d.activeElement && d.activeElement.id === 'btn-no'`))
	b.screenshot("7-confirm-close")
	b.clickJS("yes", jsFrameDoc+`.querySelector('#btn-yes')`)
	b.waitFor("the closed chat", inFrame(`!d.querySelector('#restart').hidden && d.querySelector('#log').textContent.includes('Thank you')`))
	b.screenshot("8-closed")
	b.clickJS("new chat", jsFrameDoc+`.querySelector('#btn-restart')`)
	b.waitFor("a new form", inFrame(`!d.querySelector('#v-form').hidden && d.querySelector('#f-name').value === 'Ann Visitor'`))

	if errs := b.errors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}

// TestWidgetInGermanAndOnAPhone checks the German texts and the phone layout.
func TestWidgetInGermanAndOnAPhone(t *testing.T) {
	exe := chromiumPath(t)
	env := startSite(t)
	agent(t, env) // someone is available, so the form shows
	b := newBrowser(t, exe, 360, 740, chromedp.Flag("lang", "de-DE"), chromedp.Flag("accept-lang", "de-DE,de"), chromedp.Env("LANGUAGE=de", "LANG=de_DE.UTF-8"))
	b.do(chromedp.Navigate(env.URL + "/demo"))
	b.waitFor("the launcher", `(() => { const h = document.querySelector('parley-chat'); return !!(h && h.shadowRoot.querySelector('button')); })()`)
	b.screenshot("9-phone-launcher")
	b.clickJS("launcher", jsLauncher)
	b.waitFor("the German form", inFrame(`d.querySelector('#btn-start') && d.querySelector('#btn-start').textContent === 'Chat starten'`))
	if got := eval[string](b, jsFrameDoc+`.querySelector('label[for=f-name]').textContent`); got != "Ihr Name *" {
		t.Errorf("name label %q", got)
	}
	// The panel fills the phone's screen.
	if w := eval[float64](b, `document.querySelector('parley-chat').shadowRoot.querySelector('.p').getBoundingClientRect().width`); w < 359 {
		t.Errorf("panel is %vpx wide on a 360px screen", w)
	}
	b.screenshot("10-phone-german")
	if errs := b.errors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}

// jsQuote makes a JavaScript string literal.
func jsQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "$", `\$`)
	return "`" + r.Replace(s) + "`"
}

// TestOutOfServiceAndRefusedOrigin checks the closed connector's launcher and text, and that a
// site not in the connector's allowed origins gets no launcher and a clear console error.
func TestOutOfServiceAndRefusedOrigin(t *testing.T) {
	exe := chromiumPath(t)
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
	b := newBrowser(t, exe, 1280, 800, chromedp.Flag("lang", "fr-FR"), chromedp.Flag("accept-lang", "fr-FR,fr"))
	b.do(chromedp.Navigate(env.URL + "/demo"))
	b.waitFor("the offline launcher", `(() => { const h = document.querySelector('parley-chat'); return !!(h && h.shadowRoot.querySelector('.d.off')); })()`)
	b.clickJS("launcher", jsLauncher)
	b.waitFor("the out-of-service text", inFrame(`!d.querySelector('#v-offline').hidden && d.querySelector('#v-offline').textContent.includes("le service n'est pas disponible")`))
	b.screenshot("11-out-of-service-fr")
	if errs := b.errors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}

	// Only https://shop.example may use the connector now: the demo page is refused.
	conn.OutOfService = false
	conn.AllowedOrigins = []string{"https://shop.example"}
	if _, err := st.UpdateConnector(ctx, conn); err != nil {
		t.Fatal(err)
	}
	b2 := newBrowser(t, exe, 1280, 800)
	b2.do(chromedp.Navigate(env.URL + "/demo"))
	b2.waitFor("the refusal in the console", `true`)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if errs := b2.errors(); len(errs) > 0 {
			if !strings.Contains(strings.Join(errs, " "), "is not allowed to use chat connector") {
				t.Errorf("unclear refusal: %q", errs)
			}
			if n := eval[int](b2, `document.querySelectorAll('parley-chat').length`); n != 0 {
				t.Error("a launcher was drawn on a refused site")
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no refusal message in the console")
}
