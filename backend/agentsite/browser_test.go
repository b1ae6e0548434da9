//go:build !wasm

package agentsite_test

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

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
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

// builtDir returns the build directory with the agent app and the widget, skipping (or
// failing in CI) when they are not built.
func builtDir(t *testing.T) string {
	dir := servertest.WebDir()
	for _, f := range []string{"agent/manifest.json", "widget/manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is missing in %s: run make build first", f, dir)
			}
			t.Skipf("%s is missing in %s: run make build first", f, dir)
		}
	}
	return dir
}

// startSite runs the real server, which serves the widget (for the visitor) and the agent app,
// with two canned responses in folders, as an admin would create them.
func startSite(t *testing.T) *servertest.Env {
	builtDir(t)
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	st := env.Server.Store()
	for _, r := range []struct{ folder, title, text string }{
		{"Greetings", "Welcome", "Hello $visitor, I am $agent. How can I help?"},
		{"Orders", "Shipping time", "Orders ship within two working days."},
	} {
		f, err := st.CreateCannedFolder(ctx, store.CannedFolder{TenantID: env.Demo.TenantID, Name: r.folder})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateCannedResponse(ctx, store.CannedResponse{TenantID: env.Demo.TenantID, FolderID: f.ID, Title: r.title, Text: r.text}); err != nil {
			t.Fatal(err)
		}
	}
	return env
}

// browser is one Chromium with one tab, and the console messages it logged.
type browser struct {
	t    *testing.T
	name string
	ctx  context.Context

	mu      sync.Mutex
	console []string
}

func newBrowser(t *testing.T, exe, name string, width, height int) *browser {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.WindowSize(width, height),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, name: name, ctx: ctx}
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
		// The first visit asks /api/me without a session: the 401 is expected, not a fault.
		if (strings.HasPrefix(m, "error") || strings.HasPrefix(m, "exception")) && !strings.Contains(m, "/api/me") {
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
		b.screenshot("failure")
		b.t.Fatalf("%s: %v\nconsole: %q", b.name, err, b.console)
	}
}

// eval runs JavaScript in the page and returns its value.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: eval %s: %v", b.name, js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it is truthy.
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 40*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[any](js, chromedp.WithPollingTimeout(35*time.Second))); err != nil {
		b.screenshot("failure")
		b.t.Fatalf("%s waiting for %s: %v\nconsole: %q", b.name, what, err, b.console)
	}
}

// screenshot saves the viewport to build/screenshots/NAME.png.
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
	if err := os.WriteFile(filepath.Join(dir, b.name+"-"+name+".png"), png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}

// click clicks, with a real mouse event, the element a JavaScript expression returns (inside
// the widget's frame too: the frame's offset is added).
func (b *browser) click(elemJS string) {
	b.t.Helper()
	type point struct{ X, Y float64 }
	p := eval[point](b, `(() => { const e = `+elemJS+`; e.scrollIntoView({block: "nearest"}); const r = e.getBoundingClientRect();
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

// inFrame wraps an expression over the widget frame's document d; false while it is not there.
func inFrame(expr string) string {
	return `(() => { const h = document.querySelector('parley-chat'); if (!h) return false;
		const f = h.shadowRoot.querySelector('iframe'); if (!f || !f.contentDocument) return false;
		const d = f.contentDocument; return ` + expr + `; })()`
}

// jsQuote makes a JavaScript string literal.
func jsQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "$", `\$`)
	return "`" + r.Replace(s) + "`"
}

// agentHas is true when the agent's conversation pane shows text.
func agentHas(text string) string {
	return `(() => { const m = document.querySelector('#messages'); return !!m && m.textContent.includes(` + jsQuote(text) + `); })()`
}

// TestAgentAppInChromium runs the agent's day in a real browser against the real server, with
// the visitor in another browser on the demo page: sign in, go available, get the offer,
// accept, chat both ways with typing and the live preview, a canned response and an emoji, a
// reload in the middle, a second chat whose unread count shows in its tab and the title, and
// closing the chat.
func TestAgentAppInChromium(t *testing.T) {
	exe := chromiumPath(t)
	env := startSite(t)
	anna := env.DemoUser(t, "agent", 0)
	agent := newBrowser(t, exe, "agent", 1440, 900)
	visitor := newBrowser(t, exe, "visitor", 1100, 800)

	// Sign in.
	agent.do(chromedp.Navigate(env.URL + "/agent/"))
	agent.waitFor("the sign-in form", `!!document.querySelector('#signin-login')`)
	agent.screenshot("1-signin")
	agent.click(`document.querySelector('#signin-login')`)
	agent.do(chromedp.KeyEvent(anna.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(anna.Password), chromedp.KeyEvent("\r"))
	if u := eval[string](agent, `location.href`); strings.Contains(u, "password") {
		t.Fatalf("the password went into the URL: %s", u)
	}
	agent.waitFor("the desk", `!!document.querySelector('.topbar') && document.querySelector('.link').textContent === 'Connected'`)

	// Go available: pick the first status that allows chats.
	status := eval[string](agent, `(() => { const o = [...document.querySelectorAll('#status-select option')].find(o => !o.textContent.includes('(no chats)') && !o.disabled); return o ? o.value : ''; })()`)
	if status == "" {
		t.Fatal("no status that allows chats is offered")
	}
	eval[bool](agent, `(() => { const s = document.querySelector('#status-select'); s.value = `+jsQuote(status)+`; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	agent.waitFor("the available status", `!document.querySelector('.hint') && document.querySelector('.offers .empty') !== null`)
	agent.screenshot("2-available")

	// The visitor asks for a chat on the demo page.
	visitor.do(chromedp.Navigate(env.URL + "/demo"))
	visitor.waitFor("the launcher", `(() => { const h = document.querySelector('parley-chat'); return !!(h && h.shadowRoot.querySelector('button')); })()`)
	visitor.click(jsLauncher)
	visitor.waitFor("the pre-chat form", inFrame(`d.activeElement && d.activeElement.id === 'f-name'`))
	visitor.do(chromedp.KeyEvent("Vera <b>Visitor</b>"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Where is my order?"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))

	// The offer rings with its countdown; accept it.
	agent.waitFor("the offer", `!!document.querySelector('.offer') && document.querySelector('.offer').textContent.includes('Vera <b>Visitor</b>')`)
	if title := eval[string](agent, `document.title`); !strings.HasPrefix(title, "* ") {
		t.Errorf("title with an offer = %q", title)
	}
	if n := eval[int](agent, `document.querySelectorAll('.offer b').length`); n != 0 {
		t.Fatal("the visitor's name became HTML")
	}
	agent.screenshot("3-offer")
	agent.click(`document.querySelector('.offer .btn-accept')`)
	agent.waitFor("the conversation", agentHas("Where is my order?"))
	visitor.waitFor("the agent joined", inFrame(`d.querySelector('#status').textContent.includes('Anna') || d.querySelector('#log').textContent.includes('Anna')`))

	// The agent types (the visitor sees it) and sends with Enter.
	agent.click(`document.querySelector('#composer-text')`)
	agent.do(chromedp.KeyEvent("Hello, I am looking into it."))
	visitor.waitFor("the agent typing", inFrame(`!d.querySelector('#typing').hidden`))
	visitor.screenshot("1-agent-typing")
	agent.do(chromedp.KeyEvent("\r"))
	visitor.waitFor("the agent's reply", inFrame(`d.querySelector('#log').textContent.includes('looking into it')`))
	agent.waitFor("the reply confirmed", `!document.querySelector('.line.pending')`)

	// The visitor types: the agent sees the live preview before it is sent, then the message.
	visitor.waitFor("the focus in the message box", inFrame(`d.activeElement && d.activeElement.id === 'msg'`))
	visitor.do(chromedp.KeyEvent("I ordered on Monday"))
	agent.waitFor("the live preview", `!!document.querySelector('.preview-text') && document.querySelector('.preview-text').textContent.includes('I ordered on Monday')`)
	agent.screenshot("4-preview")
	visitor.do(chromedp.KeyEvent("\r"))
	agent.waitFor("the visitor's message", agentHas("I ordered on Monday")+` && !document.querySelector('.preview')`)

	// A canned response, then an emoji, then Enter.
	agent.click(`document.querySelector('#canned-button')`)
	agent.waitFor("the canned responses", `document.querySelectorAll('.canned').length > 0`)
	agent.waitFor("the focus in the search", `document.activeElement && document.activeElement.id === 'canned-search'`)
	agent.do(chromedp.KeyEvent("welcome"))
	agent.waitFor("the search", `document.querySelectorAll('.canned').length >= 1`)
	agent.screenshot("5-canned")
	agent.do(chromedp.KeyEvent("\r"))
	agent.waitFor("the canned text in the composer", `document.querySelector('#composer-text').value.length > 10 && !document.querySelector('.canned-panel')`)
	agent.click(`document.querySelector('#emoji-button')`)
	agent.waitFor("the emoji panel", `!!document.querySelector('.emoji-panel')`)
	agent.screenshot("6-emoji")
	agent.click(`document.querySelector('.emoji-panel .emoji')`)
	agent.waitFor("the emoji in the composer", `document.querySelector('#composer-text').value.includes('🙂') && !document.querySelector('.emoji-panel')`)
	composed := eval[string](agent, `document.querySelector('#composer-text').value`)
	if !strings.Contains(composed, "🙂") || strings.Contains(composed, "$visitor") {
		t.Fatalf("composer holds %q", composed)
	}
	agent.click(`document.querySelector('#composer-text')`)
	agent.do(chromedp.KeyEvent("\r"))
	visitor.waitFor("the canned response with the emoji", inFrame(`d.querySelector('#log').textContent.includes('🙂')`))
	agent.waitFor("the canned reply confirmed", agentHas("🙂")+` && !document.querySelector('.line.pending')`)
	lines := eval[int](agent, `document.querySelectorAll('#messages .line.msg').length`)

	// Reload the agent app mid-chat; the visitor writes meanwhile; nothing is lost.
	agent.do(chromedp.Reload())
	visitor.click(jsFrameDoc + `.querySelector('#msg')`)
	visitor.do(chromedp.KeyEvent("Are you still there?"), chromedp.KeyEvent("\r"))
	agent.waitFor("the chat after the reload", agentHas("Are you still there?")+` && `+agentHas("looking into it"))
	if got := eval[int](agent, `document.querySelectorAll('#messages .line.msg').length`); got != lines+1 {
		t.Errorf("after the reload %d messages, want %d", got, lines+1)
	}
	agent.screenshot("7-after-reload")
	agent.click(`document.querySelector('#composer-text')`)
	agent.do(chromedp.KeyEvent("Yes, still here."), chromedp.KeyEvent("\r"))
	visitor.waitFor("the answer after the reload", inFrame(`d.querySelector('#log').textContent.includes('still here')`))

	// A second chat: the agent accepts it, goes back to Vera, and Otto's message shows as
	// unread in his tab and in the title.
	otto, _ := env.Visitor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ack, err := otto.Call(ctx, "", &protocol.ChatRequest{Name: "Otto Second", Question: "Do you ship to Austria?"})
	if err != nil {
		t.Fatalf("second chat: %v", err)
	}
	ottoChat := ack.Body.(*protocol.Ack).Chat
	agent.waitFor("the second offer", `!!document.querySelector('.offer') && document.querySelector('.offer').textContent.includes('Otto Second')`)
	agent.click(`document.querySelector('.offer .btn-accept')`)
	agent.waitFor("two chats", `document.querySelectorAll('.tabs .tab').length === 2`)
	agent.click(`[...document.querySelectorAll('.tabs .tab')].find(b => b.textContent.includes('Vera')) `)
	agent.waitFor("Vera's chat shown", agentHas("still here"))
	if _, err := otto.Call(ctx, ottoChat, &protocol.Send{Text: "Hello? Anyone?"}); err != nil {
		t.Fatal(err)
	}
	agent.waitFor("the unread badge on Otto's tab", `(() => { const b = [...document.querySelectorAll('.tabs .tab')].find(b => b.textContent.includes('Otto')); return !!b && b.classList.contains('blink') && b.querySelector('.badge') && b.querySelector('.badge').textContent === '1'; })()`)
	if title := eval[string](agent, `document.title`); !strings.HasPrefix(title, "* (1)") {
		t.Errorf("title with one unread message = %q", title)
	}
	agent.screenshot("8-two-chats")
	agent.click(`[...document.querySelectorAll('.tabs .tab')].find(b => b.textContent.includes('Otto'))`)
	agent.waitFor("Otto's chat read", agentHas("Anyone?")+` && !document.querySelector('.badge')`)
	if title := eval[string](agent, `document.title`); strings.HasPrefix(title, "*") {
		t.Errorf("title after reading = %q", title)
	}

	// Close Vera's chat: the visitor gets the bye text.
	agent.click(`[...document.querySelectorAll('.tabs .tab')].find(b => b.textContent.includes('Vera'))`)
	agent.waitFor("Vera's chat shown", agentHas("still here"))
	agent.click(`document.querySelector('.pane-head .btn-danger')`)
	agent.waitFor("the closed chat", `document.querySelector('#messages').textContent.includes('closed') && !!document.querySelector('.composer-text:disabled')`)
	visitor.waitFor("the bye text", inFrame(`!d.querySelector('#restart').hidden`))
	agent.screenshot("9-closed")
	visitor.screenshot("2-closed")

	for _, b := range []*browser{agent, visitor} {
		if errs := b.errors(); len(errs) > 0 {
			t.Errorf("%s console errors: %q", b.name, errs)
		}
	}
}
