package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
	"github.com/parleychat/parley/backend/tyntec/tyntectest"
)

// TestWhatsAppLogInChromium: the admin opens the WhatsApp log with inbound messages and a line
// TynTec refused, sends the line again (it reaches TynTec and shows sent), types a bad number
// into the test form and is told so next to the field, then a good one, whose test shows in
// the log. The table stays within its panel at 1,360 px; each page passes axe-core.
func TestWhatsAppLogInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	fake := tyntectest.New("key-wa")
	defer fake.Close()
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.TynTecURL = fake.URL }})
	st := env.Server.Store()
	ctx := context.Background()
	conn := env.ChangeConnector(t, func(c *store.Connector) {
		c.WhatsAppEnabled, c.WhatsAppAPIKey, c.WhatsAppNumber = true, "key-wa", "+4930123456"
	})
	hook := tyntec.WebhookURL(env.URL, conn)
	for _, e := range []tyntec.Event{
		tyntectest.Text("in-1", "491701234567", "4930123456", "Hallo?", time.Now().UTC()),
		tyntectest.Text("in-1", "491701234567", "4930123456", "Hallo?", time.Now().UTC()),
		tyntectest.Text("in-2", "491709876543", "4930999999", "Wrong number", time.Now().UTC()),
	} {
		if code, body, err := tyntectest.Post(hook, e); err != nil || code != http.StatusOK {
			t.Fatalf("webhook: %d %s %v", code, body, err)
		}
	}
	chat := eventually(t, "a WhatsApp chat", func() (store.WhatsAppChat, bool, error) {
		c, err := st.LatestWhatsAppChat(ctx, conn.ID, "+491701234567")
		return c, err == nil, nil
	})
	fake.FailNext(http.StatusBadRequest)
	data, _ := json.Marshal(map[string]any{"role": "agent", "text": "Guten Tag"})
	if err := st.Commit(ctx, store.Write{Event: &store.Event{ChatID: chat.ChatID, Type: "message", Data: data}}); err != nil {
		t.Fatal(err)
	}
	failed := waitLine(t, st, conn.TenantID, store.WhatsAppFailed)

	b := signedInAdmin(t, env, "whatsapp-log")

	open(t, b, env.URL+"/admin/whatsapp/log")
	b.WaitFor("the log", `document.querySelectorAll('table.wa-log tbody tr').length === 4`)
	fits := func(what string) {
		t.Helper()
		if over := browsertest.Eval[string](b, `(() => { const t = document.querySelector('table.wa-log'), p = t.closest('.panel');
			const tr = t.getBoundingClientRect().right, pr = p.getBoundingClientRect().right;
			return tr <= pr + 0.5 && p.scrollWidth <= p.clientWidth + 0.5 && document.documentElement.scrollWidth <= window.innerWidth ? '' :
				'table right ' + tr + ', panel right ' + pr + ', panel scroll ' + p.scrollWidth + '/' + p.clientWidth + ', page ' + document.documentElement.scrollWidth + '/' + window.innerWidth; })()`); over != "" {
			t.Fatalf("%s: the table is wider than its panel: %s", what, over)
		}
	}
	b.Screenshot("1-failed")
	fits("the log")
	b.AssertAccessible("whatsapp-log")

	base := fake.Requests()
	b.Click(fmt.Sprintf(`document.querySelector('form[action="/admin/whatsapp/log/%d/again"] button')`, failed.ID))
	b.WaitFor("the log again", `location.search.includes('saved=1') && document.readyState === 'complete'`)
	waitLine(t, st, conn.TenantID, store.WhatsAppSent)
	if n := fake.Requests() - base; n != 1 {
		t.Fatalf("send again made %d requests to TynTec", n)
	}
	open(t, b, env.URL+"/admin/whatsapp/log")
	b.WaitFor("the line sent", `!document.querySelector('form[action$="/again"]') && document.querySelector('table.wa-log .badge.on') !== null`)

	// A bad number, then a good one.
	fill(t, b, map[string]string{"f-customer_phone": "0170 1234"})
	b.Click(`document.querySelector('form[action="/admin/whatsapp/test"] button[type=submit]')`)
	b.WaitFor("the number's error", `document.querySelector('#f-customer_phone-err')?.textContent.includes('international form') &&
		document.getElementById('f-customer_phone').getAttribute('aria-invalid') === 'true'`)
	fits("the refused test")
	b.AssertAccessible("whatsapp-test-error")
	b.Screenshot("2-bad-number")
	fill(t, b, map[string]string{"f-customer_phone": "+49 151 12345678"})
	b.Click(`document.querySelector('form[action="/admin/whatsapp/test"] button[type=submit]')`)
	b.WaitFor("the test in the log", `location.search.includes('saved=1') && document.querySelector('table.wa-log tr.test') !== null`)
	if m := fake.WaitMessages(2, 20*time.Second); len(m) != 2 || m[1].To != "4915112345678" {
		t.Fatalf("TynTec got %+v", m)
	}
	fits("the log with the test")
	b.AssertAccessible("whatsapp-log-test")
	b.Screenshot("3-test")
}

// signedInAdmin opens Chromium at 1,360 px and signs the demo admin in; screenshots are named
// after name.
func signedInAdmin(t *testing.T, env *servertest.Env, name string) *browsertest.Browser {
	t.Helper()
	admin := env.DemoUser(t, "admin", 0)
	b := browsertest.New(t, browsertest.Options{Name: name, Width: 1360, Height: 900, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})
	b.ReduceMotion()
	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("signed in", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)
	return b
}

// waitLine waits for the newest WhatsApp line of tenant in the log's state.
func waitLine(t *testing.T, st *store.Store, tenant int64, state string) store.WhatsAppOut {
	t.Helper()
	return eventually(t, "a WhatsApp line "+state, func() (store.WhatsAppOut, bool, error) {
		log, err := st.WhatsAppLog(context.Background(), tenant, state, 1)
		if len(log) == 0 {
			return store.WhatsAppOut{}, false, err
		}
		return log[0], true, err
	})
}
