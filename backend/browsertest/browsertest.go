// Package browsertest runs Parley's web apps in a real headless Chromium for tests, so that the
// widget, the agent app and the admin pages are checked the way a person meets them. It holds
// what every browser test needs and would otherwise repeat: finding Chromium (a test is skipped
// without it, and fails in CI), checking that the web apps are built, starting a browser with
// one tab and the same flags everywhere, keeping its console messages to fail on errors, and
// saving screenshots to build/screenshots for people to look at.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/servertest"
)

// ChromiumPath returns the Chromium executable: the one named by $CHROMIUM, a usual install
// path, or chromium on $PATH. Without one the test is skipped, so that a developer without a
// browser can still run the other tests, and fails when $CI is set, so that CI never passes
// by skipping.
func ChromiumPath(t testing.TB) string {
	t.Helper()
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
	skipOrFail(t, "chromium is not installed (apt-get install -y chromium)")
	return ""
}

// RequireBuilt checks that the build directory holds the files (paths relative to it, such
// as "widget/manifest.json"). When one is missing the test is skipped, or fails in CI: the
// server would serve no app, and every step in the browser would fail with a confusing
// timeout instead.
func RequireBuilt(t testing.TB, files ...string) {
	t.Helper()
	dir := servertest.WebDir()
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			skipOrFail(t, fmt.Sprintf("%s is missing in %s: build the web apps first (make widget agentui)", f, dir))
		}
	}
}

// skipOrFail skips the browser test for a missing prerequisite, or fails it when $CI is set.
func skipOrFail(t testing.TB, missing string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(missing + " (required in CI)")
	}
	t.Skip(missing + "; skipping the browser test")
}

// Options describe the browser a test wants. The zero value is a 1280×800 window with
// Chromium's default language, whose waits last up to 25 s.
type Options struct {
	// Name tells the browsers of one test apart in failure messages, and prefixes the
	// screenshot files (NAME-shot.png), so that the apps' screenshots do not overwrite each
	// other in build/screenshots.
	Name string
	// Width and Height are the window and viewport size in CSS pixels (default 1280×800), so
	// that a test can check a phone's layout as well as a desktop's.
	Width, Height int
	// Lang sets Chromium's --lang (the UI language and navigator.language), and
	// AcceptLanguage its --accept-lang (the Accept-Language header): the apps pick their
	// texts from these. Empty leaves Chromium's default.
	Lang, AcceptLanguage string
	// WaitTimeout is how long WaitFor waits for its condition (default 25 s).
	WaitTimeout time.Duration
	// WaitAcrossNavigation makes WaitFor evaluate its condition again and again from Go
	// instead of polling inside the page, so that a wait spanning a navigation (a submitted
	// form) does not end with an error when the old page goes away.
	WaitAcrossNavigation bool
	// ClickScroll, when set, is the scrollIntoView block ("nearest", "center") that Click
	// applies before it measures the element, for pages longer than the window; empty leaves
	// the page where it is.
	ClickScroll string
	// FullPage makes Screenshot capture the whole page rather than the viewport, for pages
	// longer than the window.
	FullPage bool
	// Flags are further Chromium options (chromedp.Flag, chromedp.Env), for what only one
	// test needs.
	Flags []chromedp.ExecAllocatorOption
}

// Browser is one headless Chromium with one tab, and the console messages the tab logged. Its
// methods fail the test when the browser fails, with the console in the message, so that a
// test reads as a list of steps.
type Browser struct {
	t    testing.TB
	opts Options
	ctx  context.Context

	mu      sync.Mutex
	console []string
}

// disabledFeatures are the Chromium features a test browser goes without: chromedp's
// defaults (Translate, BlinkGenPropertyTrees), and the omnibox's WebUI popups, which Chromium
// loads even headless, in a renderer of their own that keeps busy for seconds after the start
// (about 1.3 CPU-seconds of an idle browser's first 5 s), although a test never opens the
// address bar.
const disabledFeatures = "Translate,BlinkGenPropertyTrees,WebUIOmniboxPopup,WebUIOmniboxAimPopup"

// New starts Chromium (skipping or failing as ChromiumPath does) with a fresh profile in a
// temporary directory, so that no state leaks between tests, and with the flags that keep a
// headless browser quiet and sandbox-free in containers. It stops when the test ends.
func New(t testing.TB, opts Options) *Browser {
	t.Helper()
	if opts.Width == 0 || opts.Height == 0 {
		opts.Width, opts.Height = 1280, 800
	}
	if opts.WaitTimeout == 0 {
		opts.WaitTimeout = 25 * time.Second
	}
	exe := ChromiumPath(t)
	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", disabledFeatures),
		chromedp.WindowSize(opts.Width, opts.Height),
	)
	if opts.Lang != "" {
		flags = append(flags, chromedp.Flag("lang", opts.Lang))
	}
	if opts.AcceptLanguage != "" {
		flags = append(flags, chromedp.Flag("accept-lang", opts.AcceptLanguage))
	}
	flags = append(flags, opts.Flags...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &Browser{t: t, opts: opts, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(opts.Width), int64(opts.Height))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b.keepConsole()
	return b
}

// keepConsole records the tab's console messages until the tab goes.
func (b *Browser) keepConsole() {
	messages := chromedp.Console(b.ctx)
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
}

// Ctx is the tab's context, for chromedp actions the methods do not cover.
func (b *Browser) Ctx() context.Context { return b.ctx }

// Console returns a copy of the console messages so far ("TYPE: TEXT @ URL"), to show in a
// failure message.
func (b *Browser) Console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// Errors returns the console errors and exceptions so far, except those containing one of the
// ignore strings (a request that is expected to fail), so that a test can wait for an error it
// expects.
func (b *Browser) Errors(ignore ...string) []string {
	var out []string
	for _, m := range b.Console() {
		if !strings.HasPrefix(m, "error") && !strings.HasPrefix(m, "exception") {
			continue
		}
		ignored := false
		for _, s := range ignore {
			ignored = ignored || strings.Contains(m, s)
		}
		if !ignored {
			out = append(out, m)
		}
	}
	return out
}

// AssertNoConsoleErrors fails the test (without stopping it) when the page logged errors or
// exceptions other than the ignored ones: a page that works but throws is still broken.
func (b *Browser) AssertNoConsoleErrors(ignore ...string) {
	b.t.Helper()
	if errs := b.Errors(ignore...); len(errs) > 0 {
		b.t.Errorf("%s console errors: %q", b.opts.Name, errs)
	}
}

// Do runs chromedp actions within 30 s, and on failure saves a "failure" screenshot and stops
// the test with the console.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.Screenshot("failure")
		b.t.Fatalf("%s: %v\nconsole: %q", b.opts.Name, err, b.Console())
	}
}

// Eval runs JavaScript in the page within 30 s and returns its value, stopping the test when
// it throws. It is a function because Go methods cannot have type parameters.
func Eval[T any](b *Browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: eval %s: %v", b.opts.Name, js, err)
	}
	return v
}

// WaitFor waits until the JavaScript condition is truthy (see Options.WaitTimeout and
// WaitAcrossNavigation), and otherwise saves a "failure" screenshot and stops the test, saying
// what it waited for.
func (b *Browser) WaitFor(what, js string) {
	b.t.Helper()
	if b.opts.WaitAcrossNavigation {
		b.waitByEvaluating(what, js)
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, b.opts.WaitTimeout+5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[any](js, chromedp.WithPollingTimeout(b.opts.WaitTimeout))); err != nil {
		b.Screenshot("failure")
		b.t.Fatalf("%s waiting for %s: %v\nconsole: %q", b.opts.Name, what, err, b.Console())
	}
}

// waitByEvaluating is WaitFor with a fresh evaluation every 100 ms, which survives navigations.
func (b *Browser) waitByEvaluating(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(b.opts.WaitTimeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+js+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.Screenshot("failure")
			b.t.Fatalf("%s waiting for %s: %v\nconsole: %q", b.opts.Name, what, err, b.Console())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Click clicks, with a real mouse event at its centre, the element a JavaScript expression
// returns, so that the page sees what a person's click does (focus, pointer events); the
// element may be inside one level of iframe, whose offset is added.
func (b *Browser) Click(elemJS string) {
	b.t.Helper()
	scroll := ""
	if b.opts.ClickScroll != "" {
		scroll = `e.scrollIntoView({block: ` + JSQuote(b.opts.ClickScroll) + `});`
	}
	type point struct{ X, Y float64 }
	p := Eval[point](b, `(() => { const e = `+elemJS+`; `+scroll+` const r = e.getBoundingClientRect();
		let x = r.left + r.width/2, y = r.top + r.height/2;
		const fe = e.ownerDocument.defaultView.frameElement;
		if (fe) { const fr = fe.getBoundingClientRect(); x += fr.left; y += fr.top; }
		return {X: x, Y: y}; })()`)
	b.Do(chromedp.MouseClickXY(p.X, p.Y))
}

// Screenshot saves the viewport (or the whole page with Options.FullPage) to
// build/screenshots/NAME-name.png, for people reviewing the apps' look; a failure to capture
// is only logged, since a screenshot is no assertion.
func (b *Browser) Screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	capture := chromedp.CaptureScreenshot()
	if b.opts.FullPage {
		capture = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(ctx, capture)
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	file := name
	if b.opts.Name != "" {
		file = b.opts.Name + "-" + name
	}
	dir := filepath.Join(servertest.WebDir(), "screenshots")
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, file+".png"), png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}

// JSQuote makes a JavaScript string literal of s, for putting Go strings into expressions.
func JSQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "$", `\$`)
	return "`" + r.Replace(s) + "`"
}

// JavaScript paths into the chat widget on a host page, which the widget, agent and admin
// tests all drive: the launcher button in the <parley-chat> element's shadow root, and the
// document of the chat frame beside it.
const (
	WidgetLauncher = `document.querySelector('parley-chat').shadowRoot.querySelector('button')`
	WidgetFrameDoc = `document.querySelector('parley-chat').shadowRoot.querySelector('iframe').contentDocument`
	// WidgetLauncherShown is true once the widget has drawn its launcher.
	WidgetLauncherShown = `(() => { const h = document.querySelector('parley-chat'); return !!(h && h.shadowRoot.querySelector('button')); })()`
)

// InWidget wraps a JavaScript expression over the chat frame's document d for WaitFor: false
// while the frame is not there yet or the expression throws (an element not drawn yet).
func InWidget(expr string) string {
	return `(() => { const h = document.querySelector('parley-chat'); if (!h) return false;
		const f = h.shadowRoot.querySelector('iframe'); if (!f || !f.contentDocument) return false;
		const d = f.contentDocument; try { return ` + expr + `; } catch (e) { return false; } })()`
}
