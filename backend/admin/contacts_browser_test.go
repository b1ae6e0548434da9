package admin_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestContactsInChromium: an anonymous visitor who later gives an e-mail address already known
// from another browser becomes one contact; the admin finds it, sees its timeline of three chats
// and the automatic merge, edits it, merges another contact by hand (recorded with the admin's
// name), and creates the connector's identity secret. Each page passes axe-core.
func TestContactsInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	st := env.Server.Store()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, first := env.VisitorChat(t, "browser-1", protocol.ChatRequest{Name: "Anonymous", Question: "Do you ship to Norway?"}, true)
	env.VisitorChat(t, "browser-2", protocol.ChatRequest{Name: "Ann Lee", Email: "ann@example.com", Question: "Where is my order?"}, true)
	_, third := env.VisitorChat(t, "browser-1", protocol.ChatRequest{Name: "Ann", Email: "ann@example.com", Question: "Back again"}, true)
	_, bobChat := env.VisitorChat(t, "browser-9", protocol.ChatRequest{Name: "Bob Ray", Email: "bob@example.com", Question: "Hello"}, true)
	waitLinked := func(chatID string) store.ChatContact { return env.ChatContact(t, chatID) }
	ann := waitLinked(third)
	waitLinked(first)
	bob := waitLinked(bobChat)
	if l, _ := st.ChatContact(ctx, env.Demo.TenantID, first); l.ContactID != ann.ContactID {
		t.Fatalf("the anonymous chat is on contact %d, Ann is %d", l.ContactID, ann.ContactID)
	}

	admin := env.DemoUser(t, "admin", 0)
	b := browsertest.New(t, browsertest.Options{Name: "contacts", Width: 1360, Height: 900, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})
	b.ReduceMotion()
	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("signed in", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)

	// The list, and a search that finds Ann by her address.
	open(t, b, env.URL+"/admin/contacts")
	b.WaitFor("two contacts", `document.querySelectorAll('table.list tbody tr').length === 2`)
	b.AssertAccessible("contacts")
	b.Screenshot("1-list")
	open(t, b, env.URL+"/admin/contacts?q="+"ANN%40example")
	b.WaitFor("Ann alone", `document.querySelectorAll('table.list tbody tr').length === 1 && document.querySelector('table.list tbody').textContent.includes('Ann Lee')`)
	open(t, b, env.URL+"/admin/contacts?q="+"%27%20OR%201%3D1%20--")
	b.WaitFor("nothing for an injection", `!document.querySelector('table.list') && document.querySelector('main').textContent.includes('No contact matches')`)

	// Ann's page: three chats, each linking to its transcript, and the automatic merge.
	open(t, b, env.URL+"/admin/contacts/"+strconv.FormatInt(ann.ContactID, 10))
	b.WaitFor("the timeline", `document.querySelectorAll('ol.timeline > li').length === 3`)
	b.WaitFor("transcript links", `[...document.querySelectorAll('ol.timeline a')].some(a => a.getAttribute('href') === '/admin/chats/`+first+`')`)
	b.WaitFor("the merge record", `document.querySelector('ul.merges').textContent.includes('merged automatically') && document.querySelector('ul.merges').textContent.includes('browser-1')`)
	b.AssertAccessible("contact")
	b.Screenshot("2-contact")

	// Edit: an address that is none comes back next to its field; then a good save.
	fill(t, b, map[string]string{"f-email": "not an address", "f-company": "Lee & Co"})
	b.Click(`document.querySelector('main form button[type=submit]')`)
	b.WaitFor("the e-mail error", `document.querySelectorAll('.field.invalid').length === 1`)
	b.AssertAccessible("contact-error")
	fill(t, b, map[string]string{"f-email": "ann@example.com", "f-notes": "Prefers e-mail."})
	b.Click(`document.querySelector('main form button[type=submit]')`)
	b.WaitFor("saved", `document.readyState === 'complete' && !!document.querySelector('.flash')`)
	if k, err := st.Contact(ctx, env.Demo.TenantID, ann.ContactID); err != nil || k.Company != "Lee & Co" || k.Notes != "Prefers e-mail." {
		t.Fatalf("saved contact %+v, %v", k, err)
	}

	// Merge Bob by hand: his chat joins the timeline, and the record names the admin.
	fill(t, b, map[string]string{"f-other": strconv.FormatInt(bob.ContactID, 10)})
	b.Click(`document.querySelector('form[action$="/merge"] button[type=submit]')`)
	b.WaitFor("four chats", `document.readyState === 'complete' && document.querySelectorAll('ol.timeline > li').length === 4`)
	b.WaitFor("the manual merge record", `document.querySelector('ul.merges').textContent.includes('was merged by')`)
	b.AssertAccessible("contact-merged")
	b.Screenshot("3-merged")

	// From the timeline to the chat list, filtered to the contact: its four chats only.
	b.Click(`document.querySelector('a[href^="/admin/chats?contact="]')`)
	b.WaitFor("the contact's chats listed", `document.readyState === 'complete' && location.pathname === '/admin/chats' &&
		document.querySelectorAll('table.list tbody tr').length === 4`)
	open(t, b, env.URL+"/admin/contacts/"+strconv.FormatInt(ann.ContactID, 10))

	// The connector's identity page: create the secret, shown with the embed example.
	open(t, b, env.URL+"/admin/connectors/"+strconv.FormatInt(env.Demo.ConnectorID, 10)+"/identity")
	b.WaitFor("no secret yet", `document.querySelector('main').textContent.includes('no identity secret yet')`)
	b.Click(`document.querySelector('main form button[type=submit]')`)
	b.WaitFor("the secret", `document.readyState === 'complete' && !!document.getElementById('identity-secret')`)
	secret, err := st.IdentitySecret(ctx, env.Demo.ConnectorID)
	if err != nil || secret == "" || browsertest.Eval[string](b, `document.getElementById('identity-secret').textContent`) != secret {
		t.Fatalf("secret %q, %v", secret, err)
	}
	b.AssertAccessible("identity")
	b.Screenshot("4-identity")
	b.Do(chromedp.Navigate("about:blank"))
}
