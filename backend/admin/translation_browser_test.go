package admin_test

import (
	"testing"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/translate/libretest"
)

// TestTranslationInChromium: the admin sets up a LibreTranslate service on the Translation
// page, sends a test and sees the translation and the call in the log; the service goes down,
// the next test shows its error, and the log filtered to failed calls shows that one alone.
// The page passes axe-core.
func TestTranslationInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	lt := libretest.New()
	defer lt.Close()
	lt.Phrase("fr", "Hello! How can I help you today?", "Bonjour ! Comment puis-je vous aider aujourd'hui ?")
	env := servertest.Start(t, servertest.Options{})
	admin := env.DemoUser(t, "admin", 0)
	b := browsertest.New(t, browsertest.Options{Name: "translation", Width: 1360, Height: 900, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})
	b.ReduceMotion()
	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("signed in", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)

	b.Click(`document.querySelector('nav a[href="/admin/translation"]')`)
	b.WaitFor("the translation page", `location.pathname === '/admin/translation' && document.querySelector('main').textContent.includes('Applies to every chat')`)
	fill(t, b, map[string]string{"f-translate_enabled": "on", "f-translate_url": lt.URL, "f-translate_languages": "fr, de"})
	b.Click(`document.querySelector('form[action="/admin/translation"] button[type=submit]')`)
	b.WaitFor("saved", `location.search.includes('saved=1') && document.readyState === 'complete'`)

	fill(t, b, map[string]string{"f-test_to": "fr"})
	b.Click(`document.querySelector('form[action="/admin/translation/test"] button[type=submit]')`)
	b.WaitFor("the translation", `document.querySelector('.notice[role=status]')?.textContent.includes('Bonjour ! Comment puis-je vous aider')`)
	b.WaitFor("the call in the log", `document.querySelectorAll('table.list tbody tr').length === 1 && document.querySelector('table.list tbody').textContent.includes('en → fr')`)
	b.AssertAccessible("the translation page")
	b.Screenshot("1-test-ok")

	lt.Down(true)
	fill(t, b, map[string]string{"f-test_to": "de"})
	b.Click(`document.querySelector('form[action="/admin/translation/test"] button[type=submit]')`)
	b.WaitFor("the error", `document.querySelector('.notice[role=alert]')?.textContent.includes('service answered 500')`)
	b.WaitFor("both calls", `document.querySelectorAll('table.list tbody tr').length === 2`)
	b.Screenshot("2-test-failed")

	fill(t, b, map[string]string{"f-outcome": "failed"})
	b.Click(`document.querySelector('form.filters button[type=submit]')`)
	b.WaitFor("the failed call alone", `location.search.includes('outcome=failed') && document.querySelectorAll('table.list tbody tr').length === 1 && document.querySelector('table.list tbody').textContent.includes('Failed')`)
	b.AssertAccessible("the filtered log")
	b.Screenshot("3-filtered")
	b.AssertNoConsoleErrors()
}
