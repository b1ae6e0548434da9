package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/hookevent"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/webhook"
	"github.com/parleychat/parley/shared/protocol"
)

// hookReceiver is a webhook receiver as a customer writes one: it verifies each delivery's
// signature with the secret the admin copied from the page and keeps what verified.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	got    []hookevent.Payload
	bad    int
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	var p hookevent.Payload
	if webhook.Verify(r.secret, req.Header.Get(webhook.SignatureHeader), body, time.Now(), 5*time.Minute) != nil || json.Unmarshal(body, &p) != nil {
		r.bad++
		http.Error(w, "signature", http.StatusUnauthorized)
		return
	}
	r.got = append(r.got, p)
}

// types lists the kinds received so far, and how many did not verify.
func (r *hookReceiver) types() (string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ks []string
	for _, p := range r.got {
		ks = append(ks, p.Type)
	}
	return strings.Join(ks, " "), r.bad
}

// TestWebhooksInChromium: the admin adds an endpoint aimed at a receiver the test runs, copies
// the secret shown once, and a visitor's chat reaches the receiver signed; the admin sends a
// test event, sees both in the delivery log, filters it, and replays a delivery, which the
// receiver gets again with the same id. A private address is refused on a server that does not
// allow them. Each page passes axe-core.
func TestWebhooksInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	rcv := &hookReceiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.WebhookAllowPrivate = true }})
	admin := env.DemoUser(t, "admin", 0)
	b := browsertest.New(t, browsertest.Options{Name: "webhooks", Width: 1360, Height: 900, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})
	b.ReduceMotion()
	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("signed in", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)

	open(t, b, env.URL+"/admin/webhooks")
	b.WaitFor("no endpoints", `document.querySelector('main').textContent.includes('No endpoints yet')`)
	// No event chosen: refused next to the field, the URL kept.
	fill(t, b, map[string]string{"f-url": srv.URL + "/hook"})
	browsertest.Eval[any](b, `document.querySelectorAll('input[name=events]').forEach(e => e.checked = false)`)
	b.Click(`document.querySelector('main form button[type=submit]')`)
	b.WaitFor("the events error", `document.querySelectorAll('.field.invalid').length === 1 && document.getElementById('f-url').value.endsWith('/hook')`)
	b.AssertAccessible("webhooks-error")
	browsertest.Eval[any](b, `document.querySelectorAll('input[name=events]').forEach(e => e.checked = true)`)
	b.Click(`document.querySelector('main form button[type=submit]')`)
	b.WaitFor("the secret", `(document.getElementById('webhook-secret') || {}).textContent?.startsWith('whsec_')`)
	b.AssertAccessible("webhooks-secret")
	b.Screenshot("1-secret")
	secret := browsertest.Eval[string](b, `document.getElementById('webhook-secret').textContent`)
	rcv.mu.Lock()
	rcv.secret = secret
	rcv.mu.Unlock()
	open(t, b, env.URL+"/admin/webhooks")
	if browsertest.Eval[bool](b, `document.body.innerHTML.includes(`+browsertest.JSQuote(secret)+`)`) {
		t.Fatal("the secret is shown again")
	}

	// A visitor's chat reaches the receiver.
	env.VisitorChat(t, "hook-visitor", protocol.ChatRequest{Name: "Zoë", Question: "Is the cake ready?"}, true)
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, bad := rcv.types()
		if bad != 0 {
			t.Fatalf("%d deliveries did not verify", bad)
		}
		if strings.Contains(got, hookevent.ChatRequested) && strings.Contains(got, hookevent.ChatClosed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver got %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Send a test from the endpoint's page; the log shows it delivered with its status.
	b.Click(`document.querySelector('table.list a')`)
	b.WaitFor("the endpoint page", `location.pathname.startsWith('/admin/webhooks/') && document.readyState === 'complete'`)
	b.AssertAccessible("webhook-endpoint")
	b.Click(`document.querySelector('form[action$="/test"] button')`)
	b.WaitFor("the log", `location.pathname === '/admin/webhooks/log' && document.readyState === 'complete'`)
	for range 100 {
		open(t, b, env.URL+"/admin/webhooks/log?kind=test")
		if browsertest.Eval[bool](b, `[...document.querySelectorAll('table.list tbody tr')].some(r => r.textContent.includes('Delivered') && r.textContent.includes('200'))`) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.WaitFor("the test delivered", `document.querySelectorAll('table.list tbody tr').length === 1 && document.querySelector('table.list tbody').textContent.includes('Delivered')`)
	open(t, b, env.URL+"/admin/webhooks/log")
	b.WaitFor("every delivery", `document.querySelectorAll('table.list tbody tr').length >= 3`)
	b.AssertAccessible("webhook-log")
	b.Screenshot("2-log")

	// Replay the oldest delivery: the receiver gets its id a second time.
	first := browsertest.Eval[string](b, `[...document.querySelectorAll('table.list tbody tr')].at(-1).querySelector('code').textContent`)
	b.Click(`[...document.querySelectorAll('table.list tbody tr')].at(-1).querySelector('form button')`)
	b.WaitFor("back on the log", `location.pathname === '/admin/webhooks/log' && document.readyState === 'complete'`)
	deadline = time.Now().Add(30 * time.Second)
	for {
		rcv.mu.Lock()
		n := 0
		for _, p := range rcv.got {
			if p.ID == first {
				n++
			}
		}
		rcv.mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replay of %s did not arrive (%d)", first, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.AssertNoConsoleErrors("status of 422") // the refused form

	// A server that does not allow private addresses refuses the same receiver.
	strict := servertest.Start(t, servertest.Options{})
	sadmin := strict.DemoUser(t, "admin", 0)
	open(t, b, strict.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": sadmin.Login, "f-password": sadmin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("signed in", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)
	open(t, b, strict.URL+"/admin/webhooks")
	fill(t, b, map[string]string{"f-url": srv.URL + "/hook"})
	b.Click(`document.querySelector('main form button[type=submit]')`)
	b.WaitFor("the address refused", `document.querySelector('#f-url-err')?.textContent.includes('private or local network')`)
	b.Screenshot("3-private-refused")
	if eps, err := strict.Server.Store().WebhookEndpoints(context.Background(), strict.Demo.TenantID); err != nil || len(eps) != 0 {
		t.Fatalf("endpoints %v %v", eps, err)
	}
}
