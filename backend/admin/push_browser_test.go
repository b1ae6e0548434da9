package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/push"
	"github.com/parleychat/parley/backend/push/pushtest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
)

// TestPushLogInChromium: in Chromium the admin sends a test push from the push delivery log to
// their browser's subscription at a local push service, which decrypts it; the log shows it
// sent. A test the push service answers 400 shows as failed with "Send again", which sends it
// (decrypted again) and then goes away, the failed entry saying it was sent again. Each step
// passes axe-core.
func TestPushLogInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	svc := pushtest.New()
	defer svc.Close()
	env := servertest.Start(t, servertest.Options{})
	admin := env.DemoUser(t, "admin", 0)
	me, err := env.Server.Store().UserByLogin(ctx, admin.Login)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Server.Store().SavePushSubscription(ctx, store.PushSubscription{TenantID: me.TenantID, UserID: me.ID,
		Endpoint: svc.Endpoint(), P256dh: svc.P256dh(), Auth: svc.Auth()}); err != nil {
		t.Fatal(err)
	}
	b := signedInAdmin(t, env, "pushlog")

	open(t, b, env.URL+"/admin/push/log")
	b.WaitFor("the test form", `!!document.querySelector('form[action="/admin/push/test"] button')`)
	b.AssertAccessible("push-log-empty")
	b.Screenshot("1-empty")

	// press clicks a button that posts and comes back to the log, and checks that the push
	// service then decrypted its nth push, a test, which it answered with status.
	press := func(button string, n, status int) {
		t.Helper()
		// The page before the click is marked: only the log loaded after the post lacks the
		// mark (the old page matches the path too, and navigating away from it while the post
		// is still answered aborts one of the two loads).
		browsertest.Eval[bool](b, `(window.parleyBeforePost = true)`)
		b.Click(button)
		b.WaitFor("back on the log", `!window.parleyBeforePost && location.pathname === '/admin/push/log' && document.readyState === 'complete'`)
		if !svc.Wait(n, 30*time.Second) {
			t.Fatalf("push %d did not arrive", n)
		}
		got, errs := svc.Received()
		if len(errs) != 0 || len(got) != n {
			t.Fatalf("the push service has %d pushes (want %d), errors %v", len(got), n, errs)
		}
		var p push.Payload
		if err := json.Unmarshal(got[n-1].Plain, &p); err != nil || p.Kind != push.KindTest || p.Title != "Parley test notification" || got[n-1].Status != status {
			t.Fatalf("push %d: %+v, %v, answered %d", n, p, err, got[n-1].Status)
		}
	}
	const sendTest = `document.querySelector('form[action="/admin/push/test"] button')`

	// A test push reaches the push service, which decrypts it; the log shows it sent.
	press(sendTest, 1, http.StatusCreated)
	waitLog(t, b, env.URL, `rows.length === 1 && rows[0].textContent.includes('Sent')`)
	b.AssertAccessible("push-log-sent")
	b.Screenshot("2-sent")

	// Refused with 400: failed, with "Send again".
	svc.Answer(http.StatusBadRequest)
	press(sendTest, 2, http.StatusBadRequest)
	waitLog(t, b, env.URL, `rows.length === 2 && rows[0].textContent.includes('Failed') && rows[0].textContent.includes('refused it with 400') && !!rows[0].querySelector('form[action$="/replay"] button')`)
	b.AssertAccessible("push-log-failed")
	b.Screenshot("3-failed")

	// Send again: it goes out, and the button is gone.
	press(`document.querySelector('table.list tbody tr form[action$="/replay"] button')`, 3, http.StatusCreated)
	waitLog(t, b, env.URL, `rows.length === 3 && rows[0].textContent.includes('Sent') && rows[1].textContent.includes('Sent again') && !document.querySelector('form[action$="/replay"]')`)
	b.AssertAccessible("push-log-replayed")
	b.Screenshot("4-replayed")
	if got, _ := svc.Received(); len(got) != 3 {
		t.Fatalf("%d pushes, want 3", len(got))
	}
}

// waitLog reloads the push log until cond, an expression over its table rows (rows, newest
// first), holds.
func waitLog(t *testing.T, b *browsertest.Browser, base, cond string) {
	t.Helper()
	expr := `(() => { const rows = [...document.querySelectorAll('table.list tbody tr')]; return ` + cond + `; })()`
	for range 150 {
		open(t, b, base+"/admin/push/log")
		if browsertest.Eval[bool](b, expr) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.WaitFor("the push log: "+cond, expr)
}
