package admin_test

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
	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/server"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// chromium finds the browser; without it the test is skipped locally and fails in CI.
func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is required in CI: apt-get install -y chromium")
	}
	t.Skip("chromium not installed; skipping the browser test")
	return ""
}

// widgetBuilt skips (or fails in CI) when `make widget` has not run.
func widgetBuilt(t *testing.T) {
	dir := servertest.WebDir()
	if _, err := os.Stat(filepath.Join(dir, "widget", "manifest.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the widget is not built in %s: run make widget first", dir)
		}
		t.Skipf("the widget is not built in %s: run make widget first", dir)
	}
}

// tab is one headless Chromium tab with the console messages it logged.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	console []string
}

func newTab(t *testing.T, exe string) *tab {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("lang", "en-US"), chromedp.Flag("accept-lang", "en-US,en"),
		chromedp.WindowSize(1360, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &tab{t: t, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1360, 900)); err != nil {
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

// logs returns a copy of the console messages so far.
func (b *tab) logs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v\nconsole: %q", err, b.logs())
	}
}

func js[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

func (b *tab) waitFor(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(25 * time.Second)
	for {
		// Evaluate again and again rather than one long poll, so that a page navigating away
		// (a form submit) does not end the wait.
		ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.shot("failure")
			b.t.Fatalf("waiting for %s: %v\nconsole: %q", what, err, b.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shot saves the page to build/screenshots/admin-NAME.png (full page).
func (b *tab) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join(servertest.WebDir(), "screenshots")
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "admin-"+name+".png"), png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}

// click clicks, with a real mouse event, the element a JavaScript expression returns
// (inside one level of iframe too).
func (b *tab) click(elemJS string) {
	b.t.Helper()
	type point struct{ X, Y float64 }
	p := js[point](b, `(() => { const e = `+elemJS+`; e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();
		let x = r.left + r.width/2, y = r.top + r.height/2;
		const fe = e.ownerDocument.defaultView.frameElement;
		if (fe) { const fr = fe.getBoundingClientRect(); x += fr.left; y += fr.top; }
		return {X: x, Y: y}; })()`)
	b.do(chromedp.MouseClickXY(p.X, p.Y))
}

// open loads an admin page and waits for it.
func (b *tab) open(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url))
	b.waitFor("the page "+url, `document.readyState === 'complete'`)
}

// fill sets form fields by id (plain HTML forms; no script listens).
func (b *tab) fill(values map[string]string) {
	b.t.Helper()
	for id, v := range values {
		js[any](b, fmt.Sprintf(`(() => { const e = document.getElementById(%q); if (e.type === 'checkbox') e.checked = %q === 'on'; else e.value = %q; return true; })()`, id, v, v))
	}
}

// inWidget evaluates expr over the chat frame's document d, false until it exists.
func inWidget(expr string) string {
	return `(() => { const h = document.querySelector('parley-chat'); if (!h) return false;
		const f = h.shadowRoot.querySelector('iframe'); if (!f || !f.contentDocument) return false;
		const d = f.contentDocument; try { return ` + expr + `; } catch (e) { return false; } })()`
}

// TestAdminInChromium signs in as the demo admin, creates a connector that requires German
// at level 3, copies its embed code into a page on another site, and checks that a visitor
// there reaches Anna (German 3) and not Ben (English only). On the way it saves screenshots
// of the main pages.
func TestAdminInChromium(t *testing.T) {
	exe := chromium(t)
	widgetBuilt(t)
	// The test page the snippet is pasted into; it is served by the test server itself so that
	// the test can look into the chat frame (a cross-origin frame's document is closed to it).
	var (
		pageMu  sync.Mutex
		snippet string
	)
	env := servertest.Start(t, servertest.Options{Mount: func(s *server.Server) error {
		s.App().Get("/test-shop", func(c *fiber.Ctx) error {
			pageMu.Lock()
			defer pageMu.Unlock()
			c.Type("html", "utf-8")
			return c.SendString("<!doctype html><html lang=de><head><meta charset=utf-8><title>Bohnen-Shop</title></head><body><h1>Bohnen-Shop</h1><p>Fragen? Unten rechts.</p>\n" + snippet + "\n</body></html>")
		})
		return nil
	}})
	anna, _ := env.Agent(t, 0)
	ben, _ := env.Agent(t, 1)
	admin := env.DemoUser(t, "admin", 0)
	b := newTab(t, exe)

	// Sign in with the form.
	b.open(env.URL + "/admin/")
	b.waitFor("the sign-in form", `!!document.getElementById('f-login')`)
	b.shot("login")
	b.fill(map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.click(`document.querySelector('button[type=submit]')`)
	b.waitFor("the connectors page", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)
	b.shot("connectors")

	// A new connector: first with mistakes, which come back next to their fields.
	b.open(env.URL + "/admin/connectors/new")
	b.fill(map[string]string{"f-title": "Sprechen Sie mit uns", "f-skill1": "German!", "f-skill1_min": "3",
		"f-hours_enabled": "on", "f-hours_mon": "9-17", "f-whatsapp_number": "0301234"})
	b.click(`document.querySelector('form.grid-form button[type=submit]')`)
	b.waitFor("the errors", `document.querySelectorAll('.field.invalid').length >= 3`)
	if v := js[string](b, `document.getElementById('f-title').value`); v != "Sprechen Sie mit uns" {
		t.Errorf("typed title lost: %q", v)
	}
	b.shot("connector-errors")
	b.fill(map[string]string{"f-name": "German shop", "f-skill1": "german", "f-hours_enabled": "", "f-hours_mon": "", "f-whatsapp_number": ""})
	b.click(`document.querySelector('form.grid-form button[type=submit]')`)
	b.waitFor("the saved connector", `location.search.includes('saved=1')`)
	b.shot("connector")
	connPath := js[string](b, `location.pathname`)

	// Its embed code, with the live preview of the widget.
	b.open(env.URL + connPath + "/embed")
	b.waitFor("the copy button", `!document.querySelector('button[data-copy]').hidden`)
	b.waitFor("the widget in the preview", `(() => { const f = document.querySelector('.preview iframe');
		const h = f && f.contentDocument && f.contentDocument.querySelector('parley-chat'); return !!(h && h.shadowRoot.querySelector('button')); })()`)
	b.shot("embed")
	pageMu.Lock()
	snippet = js[string](b, `document.getElementById('snippet').textContent`)
	pageMu.Unlock()
	if !strings.Contains(snippet, `data-connector="`) || !strings.Contains(snippet, env.URL+"/widget.js") {
		t.Fatalf("snippet %q", snippet)
	}

	// The snippet pasted into a test page.
	b.do(chromedp.Navigate(env.URL + "/test-shop"))
	b.waitFor("the launcher on the shop", `(() => { const h = document.querySelector('parley-chat'); return !!(h && h.shadowRoot.querySelector('button')); })()`)
	b.click(`document.querySelector('parley-chat').shadowRoot.querySelector('button')`)
	b.waitFor("the pre-chat form with focus on the name", inWidget(`d.activeElement && d.activeElement.id === 'f-name'`))
	b.do(chromedp.KeyEvent("Vera Visitor"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Haben Sie entkoffeinierte Bohnen?"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))

	// Anna has German 3 and gets the chat; Ben does not.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ev, err := anna.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Offer); return ok })
	if err != nil {
		t.Fatalf("Anna got no offer: %v\nconsole: %q", err, b.logs())
	}
	if offer := ev.Body.(*protocol.Offer); offer.Connector != "German shop" || offer.Visitor != "Vera Visitor" {
		t.Errorf("offer %+v", offer)
	}
	if _, err := anna.Call(ctx, ev.Chat, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	if _, err := anna.Call(ctx, ev.Chat, &protocol.Send{Text: "Ja, natürlich!"}); err != nil {
		t.Fatal(err)
	}
	b.waitFor("Anna's answer in the widget", inWidget(`d.querySelector('#log').textContent.includes('Ja, natürlich!')`))
	b.shot("visitor-reaches-agent")
	if got := offersWithin(ben, 300*time.Millisecond); got != 0 {
		t.Errorf("Ben (no German) got %d offers", got)
	}

	// The remaining pages, for the screenshots (and a smoke test of each).
	for _, p := range []struct{ name, path, ready string }{
		{"overview", "/admin/overview", "Waiting chats"},
		{"users", "/admin/users", "Anna Example"},
		{"user", "/admin/users/" + fmt.Sprint(userID(t, env, "anna@demo.parley")), "Skills with levels"},
		{"texts", connPath + "/texts", "Parley's defaults"},
		{"survey-field", connPath + "/surveys/new", "Choices"},
		{"statuses", "/admin/statuses", "Available"},
		{"canned", "/admin/canned", "New folder"},
		{"attachments", "/admin/attachments", "5120"},
		{"security", "/admin/security", "IP blacklist"},
	} {
		b.open(env.URL + p.path)
		b.waitFor(p.name, `document.body.innerHTML.includes(`+fmt.Sprintf("%q", p.ready)+`)`)
		b.shot(p.name)
	}
	// Keyboard: the first Tab reaches the skip link, which moves the focus to the page.
	b.do(chromedp.KeyEvent("\t"))
	if got := js[string](b, `document.activeElement.className`); got != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}
	for _, m := range b.logs() {
		if strings.HasPrefix(m, "error") || strings.HasPrefix(m, "exception") {
			if !strings.Contains(m, "favicon") && !strings.Contains(m, "status of 422") {
				t.Errorf("console: %s", m)
			}
		}
	}
}

func userID(t *testing.T, env *servertest.Env, login string) int64 {
	u, err := env.Server.Store().UserByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// offersWithin counts the offers a client receives within d.
func offersWithin(c *protoclient.Client, d time.Duration) int {
	n := 0
	timeout := time.After(d)
	for {
		select {
		case ev := <-c.Events():
			if _, ok := ev.Body.(*protocol.Offer); ok {
				n++
			}
		case <-timeout:
			return n
		}
	}
}
