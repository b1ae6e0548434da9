//go:build !wasm

package agentsite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/push/pushtest"
)

// fakePushManager stands in for the browser's push service, which headless Chromium reaches
// only through Google's (Firebase Cloud Messaging), out of reach here (its subscribe never
// settles): PushManager.subscribe
// answers with the subscription of the test's local push service (%s) and records the
// application server key it was given.
const fakePushManager = `(() => {
	const sub = %s;
	let current = null;
	const make = () => ({ endpoint: sub.endpoint, expirationTime: null, options: {},
		toJSON() { return sub; }, unsubscribe() { current = null; window.parleyPushUnsubscribed = true; return Promise.resolve(true); } });
	PushManager.prototype.subscribe = function (opts) {
		const k = new Uint8Array(opts.applicationServerKey);
		window.parleyPushKey = btoa(String.fromCharCode(...k)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
		current = make();
		return Promise.resolve(current);
	};
	PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
})()`

// TestAgentAppSubscribesToPush: in Chromium, an agent who allowed notifications has the app
// subscribe with the server's VAPID key and send the subscription, which the server keeps
// for them, and the service worker is Parley's (tags, renewal, click to open the chat).
func TestAgentAppSubscribesToPush(t *testing.T) {
	env := startSite(t)
	svc := pushtest.New()
	defer svc.Close()
	anna := env.DemoUser(t, "agent", 0)
	agent := browsertest.New(t, browsertest.Options{Name: "push", Width: 1280, Height: 800, Lang: "en-US", WaitTimeout: 120 * time.Second, ClickScroll: "nearest"})
	if _, err := chromedp.Call(agent.Ctx(), browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: browser.PermissionSettingGranted, Origin: env.URL,
	}); err != nil {
		t.Fatal(err)
	}

	// Chromium's own PushManager.subscribe never settles here: it waits for its registration
	// with Firebase Cloud Messaging, which cannot be reached, so the app gets the local
	// service's subscription instead (fakePushManager).
	fake := strings.Replace(fakePushManager, "%s", string(svc.JSON()), 1)
	agent.Do(func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fake})
		return chromedp.Void{}, err
	})
	signInAvailable(t, agent, env, anna.Login, anna.Password)

	me, err := env.Server.Store().UserByLogin(context.Background(), anna.Login)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		subs, err := env.Server.Store().PushSubscriptions(context.Background(), me.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) == 1 && subs[0].Endpoint == svc.Endpoint() && subs[0].P256dh == svc.P256dh() && subs[0].Auth == svc.Auth() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the app did not send its subscription: %+v; console: %v", subs, agent.Console())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := browsertest.Eval[string](agent, `window.parleyPushKey || ''`); got != env.Server.PushPublicKey() {
		t.Fatalf("subscribed with key %q, the server's is %q", got, env.Server.PushPublicKey())
	}

	// The worker is Parley's: it shows a tag and opens the chat.
	browsertest.Eval[bool](agent, `fetch('/agent/app-worker.js').then(r => r.text()).then(t => { window.parleyWorker = t; }), true`)
	agent.WaitFor("the worker's source", `typeof window.parleyWorker === 'string'`)
	worker := browsertest.Eval[string](agent, `window.parleyWorker`)
	for _, want := range []string{`"pushsubscriptionchange"`, `tag: p.tag`, `parley: { open: d.chat }`, `const cacheName`} {
		if !strings.Contains(worker, want) {
			t.Errorf("app-worker.js lacks %s", want)
		}
	}
}
