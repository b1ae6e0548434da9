package admin_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/server"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// open loads an admin page and waits for it.
func open(t *testing.T, b *browsertest.Browser, url string) {
	t.Helper()
	b.Do(chromedp.Navigate(url))
	b.WaitFor("the page "+url, `document.readyState === 'complete'`)
}

// fill sets form fields by id (plain HTML forms; no script listens).
func fill(t *testing.T, b *browsertest.Browser, values map[string]string) {
	t.Helper()
	for id, v := range values {
		browsertest.Eval[any](b, fmt.Sprintf(`(() => { const e = document.getElementById(%q); if (e.type === 'checkbox') e.checked = %q === 'on'; else e.value = %q; return true; })()`, id, v, v))
	}
}

// TestAdminInChromium signs in as the demo admin, creates a connector that requires German
// at level 3, copies its embed code into a page on another site, and checks that a visitor
// there reaches Anna (German 3) and not Ben (English only). On the way it saves screenshots
// of the main pages.
func TestAdminInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
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
	// The admin pages are longer than the window and navigate on every form: full-page
	// screenshots, clicks on centred elements, and waits that survive a page load.
	b := browsertest.New(t, browsertest.Options{Name: "admin", Width: 1360, Height: 900, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})

	// Sign in with the form.
	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	b.Screenshot("login")
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("the connectors page", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)
	b.Screenshot("connectors")

	// A new connector: first with mistakes, which come back next to their fields.
	open(t, b, env.URL+"/admin/connectors/new")
	fill(t, b, map[string]string{"f-title": "Sprechen Sie mit uns", "f-skill1": "German!", "f-skill1_min": "3",
		"f-hours_enabled": "on", "f-hours_mon": "9-17", "f-whatsapp_number": "0301234"})
	b.Click(`document.querySelector('form.grid-form button[type=submit]')`)
	b.WaitFor("the errors", `document.querySelectorAll('.field.invalid').length >= 3`)
	if v := browsertest.Eval[string](b, `document.getElementById('f-title').value`); v != "Sprechen Sie mit uns" {
		t.Errorf("typed title lost: %q", v)
	}
	b.Screenshot("connector-errors")
	fill(t, b, map[string]string{"f-name": "German shop", "f-skill1": "german", "f-hours_enabled": "", "f-hours_mon": "", "f-whatsapp_number": ""})
	b.Click(`document.querySelector('form.grid-form button[type=submit]')`)
	b.WaitFor("the saved connector", `location.search.includes('saved=1')`)
	b.Screenshot("connector")
	connPath := browsertest.Eval[string](b, `location.pathname`)

	// Its embed code, with the live preview of the widget.
	open(t, b, env.URL+connPath+"/embed")
	b.WaitFor("the copy button", `!document.querySelector('button[data-copy]').hidden`)
	b.WaitFor("the widget in the preview", `(() => { const f = document.querySelector('.preview iframe');
		const h = f && f.contentDocument && f.contentDocument.querySelector('parley-chat'); return !!(h && h.shadowRoot.querySelector('button')); })()`)
	b.Screenshot("embed")
	pageMu.Lock()
	snippet = browsertest.Eval[string](b, `document.getElementById('snippet').textContent`)
	pageMu.Unlock()
	if !strings.Contains(snippet, `data-connector="`) || !strings.Contains(snippet, env.URL+"/widget.js") {
		t.Fatalf("snippet %q", snippet)
	}

	// The snippet pasted into a test page.
	b.Do(chromedp.Navigate(env.URL + "/test-shop"))
	b.WaitFor("the launcher on the shop", browsertest.WidgetLauncherShown)
	b.Click(browsertest.WidgetLauncher)
	b.WaitFor("the pre-chat form with focus on the name", browsertest.InWidget(`d.activeElement && d.activeElement.id === 'f-name'`))
	b.Do(chromedp.KeyEvent("Vera Visitor"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Haben Sie entkoffeinierte Bohnen?"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))

	// Anna has German 3 and gets the chat; Ben does not.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ev, err := anna.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Offer); return ok })
	if err != nil {
		t.Fatalf("Anna got no offer: %v\nconsole: %q", err, b.Console())
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
	b.WaitFor("Anna's answer in the widget", browsertest.InWidget(`d.querySelector('#log').textContent.includes('Ja, natürlich!')`))
	b.Screenshot("visitor-reaches-agent")
	if got := offersWithin(ben, 300*time.Millisecond); got != 0 {
		t.Errorf("Ben (no German) got %d offers", got)
	}

	// The remaining pages, for the screenshots (and a smoke test of each).
	for _, p := range []struct{ name, path, ready string }{
		{"overview", "/admin/overview", "Waiting chats"},
		{"users", "/admin/users", "Anna Example"},
		{"user", "/admin/users/" + fmt.Sprint(userID(t, env, "anna@demo.parley")), "Skills with levels"},
		{"texts", connPath + "/texts", "Any language"},
		{"survey-field", connPath + "/surveys/new", "Choices"},
		{"statuses", "/admin/statuses", "Available"},
		{"canned", "/admin/canned", "New folder"},
		{"attachments", "/admin/attachments", "5120"},
		{"security", "/admin/security", "IP blacklist"},
	} {
		open(t, b, env.URL+p.path)
		b.WaitFor(p.name, `document.body.innerHTML.includes(`+fmt.Sprintf("%q", p.ready)+`)`)
		b.Screenshot(p.name)
	}
	// Keyboard: the first Tab reaches the skip link, which moves the focus to the page.
	b.Do(chromedp.KeyEvent("\t"))
	if got := browsertest.Eval[string](b, `document.activeElement.className`); got != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}
	// The connector form with mistakes answers 422 on purpose; a missing favicon is no fault.
	b.AssertNoConsoleErrors("favicon", "status of 422")
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
