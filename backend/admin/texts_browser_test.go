package admin_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/server"
	"github.com/parleychat/parley/backend/servertest"
)

// typeInto empties a text box and types text into it as a person does, so that the page's
// script sees every keystroke.
func typeInto(b *browsertest.Browser, id, text string) {
	browsertest.Eval[bool](b, `(() => { const e = document.getElementById(`+browsertest.JSQuote(id)+`); e.value = ''; e.focus(); return true; })()`)
	b.Do(chromedp.KeyEvent(text))
}

// TestTextsInChromium edits the demo connector's texts in the form as an admin does: the
// preview follows the typing, a dropped placeholder is marked at once and blocks the save, a
// text is reset with the keyboard, and the saved German title heads the widget of a German
// visitor. The page passes axe-core in each state.
func TestTextsInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	var hash string
	env := servertest.Start(t, servertest.Options{Mount: func(s *server.Server) error {
		s.App().Get("/german-shop", func(c *fiber.Ctx) error {
			c.Type("html", "utf-8")
			return c.SendString(`<!doctype html><html lang=de><head><meta charset=utf-8><title>Laden</title></head><body><h1>Laden</h1>
<script src="/widget.js" data-connector="` + hash + `" data-lang="de" async></script></body></html>`)
		})
		return nil
	}})
	st := env.Server.Store()
	conn, err := st.Connector(context.Background(), env.Demo.ConnectorID)
	if err != nil {
		t.Fatal(err)
	}
	hash = conn.Hash
	admin := env.DemoUser(t, "admin", 0)
	b := browsertest.New(t, browsertest.Options{Name: "texts", Width: 1440, Height: 1000, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, ClickScroll: "center"})

	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("the connectors page", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)

	page := env.URL + "/admin/connectors/" + fmt.Sprint(conn.ID) + "/texts"
	open(t, b, page)
	b.WaitFor("the texts form with its preview", `!!document.getElementById('t-title-de') && document.querySelector('.mock-title').textContent !== ''`)
	b.Screenshot("form")
	b.AssertAccessible("form")

	// The preview in German follows the typing.
	browsertest.Eval[bool](b, `(() => { const s = document.getElementById('preview-lang'); s.value = 'de'; s.dispatchEvent(new Event('change')); return true; })()`)
	b.WaitFor("the German preview", `document.querySelector('.mock-title').textContent === 'Chatten Sie mit uns'`)
	typeInto(b, "t-title-de", "Sprich mit uns")
	b.WaitFor("the typed title in the preview", `document.querySelector('.mock-title').textContent === 'Sprich mit uns'`)
	typeInto(b, "t-queueMessage-de", "Sie sind Nummer $position von $of.")
	b.WaitFor("the queue text with sample values", `document.querySelector('[data-preview=queueMessage]').textContent === 'Sie sind Nummer 2 von 5.'`)

	// A dropped placeholder is marked at once, next to its cell.
	typeInto(b, "t-agentTyping-de", "Jemand schreibt")
	b.WaitFor("the live error", `(() => { const e = document.getElementById('t-agentTyping-de-err');
		return !e.hidden && e.textContent.includes('Keep the placeholder $agent') && document.getElementById('t-agentTyping-de').getAttribute('aria-invalid') === 'true'; })()`)
	typeInto(b, "t-bye-de", "Tschüss, {0}!")
	b.WaitFor("the unknown placeholder", `document.getElementById('t-bye-de-err').textContent.includes('{0} is not filled in here')`)
	b.Screenshot("live-errors")
	b.AssertAccessible("live-errors")

	// Saving is held back, the focus goes to the first problem.
	b.Click(`document.querySelector('.texts-actions button[type=submit]')`)
	b.WaitFor("the held-back save", `document.getElementById('texts-status').textContent.includes('2 texts have problems') && document.activeElement.id === 't-agentTyping-de'`)
	if got := must(st.Connector(context.Background(), conn.ID)).Texts["title#de"]; got != "Chatten Sie mit uns" {
		t.Fatalf("saved despite problems: title#de = %q", got)
	}

	// Reset with the keyboard: Tab from the text to its reset button, Enter.
	b.Do(chromedp.KeyEvent("\t"))
	if got := browsertest.Eval[string](b, `document.activeElement.getAttribute('data-reset') || ''`); got != "t-agentTyping-de" {
		t.Fatalf("Tab from the text reaches %q, want its reset button", got)
	}
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the reset text", `(() => { const c = document.getElementById('t-agentTyping-de');
		return c.value === '' && document.activeElement === c && document.getElementById('t-agentTyping-de-err').hidden; })()`)
	b.WaitFor("the fallback in the preview", `document.querySelector('[data-preview=agentTyping]').textContent === 'Agent Anna is typing...'`)
	typeInto(b, "t-bye-de", "Tschüss!")
	b.WaitFor("no problem left", `document.querySelectorAll('td.invalid').length === 0`)

	// Enter in the language code adds a column, keeping what was typed.
	typeInto(b, "f-new_lang", "it")
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the Italian column", `!!document.getElementById('t-welcomeMessage-it') && document.readyState === 'complete'`)
	if got := browsertest.Eval[string](b, `document.getElementById('t-title-de').value`); got != "Sprich mit uns" {
		t.Fatalf("adding a column lost the typed title: %q", got)
	}
	typeInto(b, "t-welcomeMessage-it", "Benvenuto!")
	b.Screenshot("italian-column")

	b.Click(`document.querySelector('.texts-actions button[type=submit]')`)
	b.WaitFor("the saved texts", `location.search.includes('saved=1') && document.readyState === 'complete'`)
	b.Screenshot("saved")
	saved := must(st.Connector(context.Background(), conn.ID)).Texts
	if saved["title#de"] != "Sprich mit uns" || saved["bye#de"] != "Tschüss!" || saved["agentTyping#de"] != "" || saved["queueMessage#de"] != "Sie sind Nummer $position von $of." || saved["welcomeMessage#it"] != "Benvenuto!" ||
		saved["title#fr"] != "Discutez avec nous" {
		t.Fatalf("saved %v", saved)
	}

	// A German visitor's widget carries the saved title.
	b.Do(chromedp.Navigate(env.URL + "/german-shop"))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Click(browsertest.WidgetLauncher)
	b.WaitFor("the German title in the widget", browsertest.InWidget(`d.getElementById('title').textContent === 'Sprich mit uns'`))
	b.Screenshot("widget-german-title")
	b.AssertNoConsoleErrors("favicon")
}
