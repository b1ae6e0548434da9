package admin_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/admin/adminmsg"
	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// englishLeft is a script that lists the English messages the page shows in its text,
// titles, labels and placeholders where the language has a translation of its own: each is a
// text that missed the catalogue. Messages with placeholders are matched by their fixed part
// before the first one; short words ("Name", "Port") are the same or part of other words in
// German and French, and are left out. Code, text areas and what visitors wrote are data.
func englishLeft(t *testing.T, lang string) string {
	t.Helper()
	var english []string
	for en, tr := range adminmsg.Translations(lang) {
		fixed := en
		if i := strings.IndexByte(fixed, '{'); i >= 0 {
			fixed = fixed[:i]
		}
		fixed = strings.TrimSpace(fixed)
		if en == tr || len(fixed) < 12 || strings.Contains(tr, fixed) {
			continue
		}
		english = append(english, fixed)
	}
	list, err := json.Marshal(english)
	if err != nil {
		t.Fatal(err)
	}
	return `(() => { const english = ` + string(list) + `;
		const seen = [document.title];
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			if (n.parentElement && n.parentElement.closest('pre, code, textarea, td.message')) continue;
			seen.push(n.textContent);
		}
		for (const el of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
			seen.push(el.getAttribute('title') || '', el.getAttribute('aria-label') || '', el.getAttribute('placeholder') || '', el.getAttribute('alt') || '');
		}
		return english.filter(e => seen.some(s => s.includes(e)));
	})()`
}

// checkPage fails when the page shows English its language translates, is not marked as
// being in that language, lets a word overflow its box or has a serious accessibility fault;
// and saves a screenshot.
func checkPage(t *testing.T, b *browsertest.Browser, lang, name string) {
	t.Helper()
	if got := browsertest.Eval[string](b, `document.documentElement.lang`); got != lang {
		t.Errorf("%s: <html lang=%q>, want %q", name, got, lang)
	}
	if left := browsertest.Eval[[]string](b, englishLeft(t, lang)); len(left) > 0 {
		t.Errorf("%s in %s still shows English: %q", name, lang, left)
	}
	// Nothing sticks out of its box sideways: a long German word in a button or a heading.
	if wide := browsertest.Eval[[]string](b, `[...document.querySelectorAll('button, .button, h1, h2, th, label, .side a')]
		.filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')
		.map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 40))`); len(wide) > 0 {
		t.Errorf("%s in %s: text overflows its box: %q", name, lang, wide)
	}
	b.AssertAccessible(name) // which saves the screenshot, build/screenshots/admin-LANG-a11y-NAME.png
}

// TestAdminInGermanAndFrenchInChromium signs in and walks every admin page in German and in
// French. German is chosen in the layout's language menu by an admin in an English browser,
// and stays chosen on the server; French comes from the browser of an admin with no setting,
// from the sign-in page on. No page may show an English message its language translates, each
// must pass axe-core, and each is saved as a screenshot.
func TestAdminInGermanAndFrenchInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	for _, c := range []struct{ lang, browserLang, accept string }{
		{"de", "en-US", "en-US,en"},
		{"fr", "fr-FR", "fr-FR,fr;q=0.9,en;q=0.5"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			env := servertest.Start(t, servertest.Options{})
			admin := env.DemoUser(t, "admin", 0)
			st := env.Server.Store()
			u, err := st.UserByLogin(context.Background(), admin.Login)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SetUserLang(context.Background(), u.ID, ""); err != nil {
				t.Fatal(err)
			}
			// A finished chat, for the archive's transcript and search and a contact's page.
			_, chatID := env.VisitorChat(t, "lang-browser", protocol.ChatRequest{Name: "Ann Lee", Email: "ann@example.com", Question: "Do you ship to Norway?"}, true)
			contactID := env.ChatContact(t, chatID).ContactID
			b := browsertest.New(t, browsertest.Options{Name: "admin-" + c.lang, Width: 1360, Height: 900, Lang: c.browserLang, AcceptLanguage: c.accept,
				WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})

			open(t, b, env.URL+"/admin/")
			b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
			if c.lang == "fr" {
				checkPage(t, b, "fr", "signin")
				// A refused sign-in says why in the browser's language.
				fill(t, b, map[string]string{"f-login": admin.Login, "f-password": "not the password"})
				b.Click(`document.querySelector('button[type=submit]')`)
				b.WaitFor("the refusal", `document.readyState === 'complete' && !!document.querySelector('.error-box')`)
				checkPage(t, b, "fr", "signin-refused")
			}
			fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
			b.Click(`document.querySelector('button[type=submit]')`)
			b.WaitFor("the connectors page", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)
			if c.lang == "de" {
				// The menu changes the language and stays on the page.
				fill(t, b, map[string]string{"lang-menu": "de"})
				b.Click(`document.querySelector('.lang-menu button')`)
				b.WaitFor("the German page", `document.readyState === 'complete' && document.documentElement.lang === 'de' && location.pathname === '/admin/connectors'`)
				if u, _ := st.User(context.Background(), u.ID); u.Lang != "de" {
					t.Fatalf("the menu's choice was not saved: %q", u.Lang)
				}
			}

			// Every page of the navigation, then the pages behind the lists.
			nav := browsertest.Eval[[]string](b, `[...document.querySelectorAll('nav.side ul a')].map(a => a.getAttribute('href'))`)
			if len(nav) < 12 {
				t.Fatalf("the navigation has %d entries: %q", len(nav), nav)
			}
			conn := browsertest.Eval[string](b, `document.querySelector('main table a[href^="/admin/connectors/"]').getAttribute('href')`)
			user := ""
			pages := append([]string{}, nav...)
			pages = append(pages, conn, conn+"/texts", conn+"/surveys", conn+"/surveys/new?kind=pre", conn+"/embed", conn+"/micc", conn+"/images",
				"/admin/connectors/new", "/admin/users/new", "/admin/statuses/new", "/admin/groups/new", "/admin/no-such-page",
				conn+"/identity", "/admin/chats/"+chatID, "/admin/chats?q=Norway", "/admin/chats?q=Norway+nowhere", "/admin/chats?from=someday",
				"/admin/contacts/"+strconv.FormatInt(contactID, 10), "/admin/contacts?q=nobody", "/admin/audit?from=someday",
				"/admin/reports?from=2026-03-02&to=2026-03-01")
			for _, path := range pages {
				open(t, b, env.URL+path)
				name := strings.Trim(strings.NewReplacer("/admin/", "", "/", "-", "?", "-", "=", "-").Replace(path), "-")
				checkPage(t, b, c.lang, name)
				if path == "/admin/users" {
					user = browsertest.Eval[string](b, `document.querySelector('main table a[href^="/admin/users/"]').getAttribute('href')`)
				}
			}
			open(t, b, env.URL+user)
			checkPage(t, b, c.lang, "user")

			// A refused form: its messages and the count of faults in the language.
			open(t, b, env.URL+"/admin/users/new")
			browsertest.Eval[bool](b, `(document.querySelector('form.grid-form button[type=submit]').click(), true)`)
			b.WaitFor("the refused form", `document.readyState === 'complete' && !!document.querySelector('.error-box')`)
			checkPage(t, b, c.lang, "user-refused")

			// A form the store refuses: its field error (a shared check's rule) in the language.
			open(t, b, env.URL+"/admin/mail")
			fill(t, b, map[string]string{"f-host": "smtp.example.com", "f-port": "587", "f-from_address": "nobody"})
			browsertest.Eval[bool](b, `(document.querySelector('form[action="/admin/mail"] button[type=submit]').click(), true)`)
			b.WaitFor("the refused mail settings", `document.readyState === 'complete' && !!document.getElementById('f-from_address-err')`)
			if got, want := browsertest.Eval[string](b, `document.getElementById('f-from_address-err').textContent`),
				adminmsg.For(c.lang).T("\"{0}\" is not an e-mail address.", "nobody"); got != want || got == "\"nobody\" is not an e-mail address." {
				t.Errorf("the refused sender address is marked %q, want %q", got, want)
			}
			checkPage(t, b, c.lang, "mail-refused")

			// The overview's pause button speaks the language too.
			open(t, b, env.URL+"/admin/overview")
			b.WaitFor("the pause button", `!document.querySelector('#refresh-toggle').hidden`)
			want := adminmsg.For(c.lang).T("Pause updates")
			if got := browsertest.Eval[string](b, `document.querySelector('#refresh-toggle').textContent`); got != want {
				t.Errorf("the pause button says %q, want %q", got, want)
			}
			// The texts editor's script marks a broken text, and refuses the save, in the
			// language.
			open(t, b, env.URL+conn+"/texts")
			browsertest.Eval[bool](b, `(() => { const e = document.getElementById('t-bye-de'); e.value = 'Tschüss $nobody';
				e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
			b.WaitFor("the marked text", `!document.getElementById('t-bye-de-err').hidden`)
			browsertest.Eval[bool](b, `(document.querySelector('#texts-form button.primary').click(), true)`)
			want = adminmsg.For(c.lang).T("One text has a problem; it is marked.")
			b.WaitFor("the refused save", `document.getElementById('texts-status').textContent === `+strconv.Quote(want))
			if got, want := browsertest.Eval[string](b, `document.getElementById('t-bye-de-err').textContent`),
				adminmsg.For(c.lang).T("{0} is not filled in here; this text takes no placeholders.", "$nobody"); got != want {
				t.Errorf("the broken text is marked %q, want %q", got, want)
			}
			checkPage(t, b, c.lang, "texts-marked")

			// The refused sign-in, the missing page and the refused form answer with their status.
			b.AssertNoConsoleErrors("status of 400", "status of 401", "status of 404", "status of 422")
		})
	}
}
