package admin_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
)

// TestAdminAccessibleInChromium signs in, opens a connector and saves it with the keyboard
// only (Tab, Enter and typing), with the focus visible at each step, and runs axe-core on the
// sign-in page, the dashboard, the users, the connectors, a connector's page and its texts: no
// serious or critical WCAG 2.1 AA violation may show. With reduced motion asked for, nothing
// on the pages moves, and the dashboard updates itself without taking the focus away.
func TestAdminAccessibleInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	admin := env.DemoUser(t, "admin", 0)
	b := browsertest.New(t, browsertest.Options{Name: "admin-a11y", Width: 1360, Height: 900, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, FullPage: true})
	b.ReduceMotion()

	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	b.AssertAccessible("signin")
	b.TabTo("#f-login", 10)
	b.AssertFocusVisible("the login field")
	b.Do(chromedp.KeyEvent(admin.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(admin.Password))
	b.TabTo("button[type=submit]", 5)
	b.AssertFocusVisible("the sign-in button")
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the connectors page", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)
	b.AssertAccessible("connectors")
	b.AssertStill("the connectors page")

	// The skip link comes first and shows when focused.
	b.TabTo("a.skip", 3)
	b.AssertFocusVisible("the skip link")

	// Open the first connector from the keyboard and save it unchanged.
	const link = `main a[href^="/admin/connectors/"]:not([href$="/new"])`
	b.TabTo(link, 80)
	b.AssertFocusVisible("the connector's link")
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the connector's page", `/^\/admin\/connectors\/[^/]+$/.test(location.pathname) && location.pathname !== '/admin/connectors/new' && document.readyState === 'complete' && !!document.querySelector('form.grid-form')`)
	connector := browsertest.Eval[string](b, `location.pathname`)
	b.AssertAccessible("connector")
	b.TabTo(`form.grid-form button[type=submit]`, 200)
	b.AssertFocusVisible("the save button")
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the saved notice", `document.readyState === 'complete' && !!document.querySelector('.flash') && document.querySelector('.flash').textContent.includes('Saved')`)
	b.AssertAccessible("connector-saved")

	for _, p := range []struct{ name, path string }{
		{"texts", connector + "/texts"},
		{"users", "/admin/users"},
		{"dashboard", "/admin/overview"},
	} {
		open(t, b, env.URL+p.path)
		b.WaitFor("the page "+p.path, `location.pathname === `+browsertest.JSQuote(p.path)+` && !!document.querySelector('main')`)
		b.AssertAccessible(p.name)
		b.AssertStill(p.name)
	}

	// The dashboard updates itself in place: the focus stays on its pause button across an
	// update, and Enter on it stops the updates.
	b.TabTo("#refresh-toggle", 80)
	b.AssertFocusVisible("the pause button")
	before := browsertest.Eval[string](b, `document.querySelector('main .hint').textContent`)
	b.WaitFor("an update", `document.querySelector('main .hint').textContent !== `+browsertest.JSQuote(before))
	b.WaitFor("the focus kept on the pause button", browsertest.FocusedIs("#refresh-toggle"))
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the updates paused", `document.querySelector('#refresh-toggle').getAttribute('aria-pressed') === 'true'`)
	b.AssertNoConsoleErrors()
}
