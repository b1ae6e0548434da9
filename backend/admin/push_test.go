package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/push"
	"github.com/parleychat/parley/backend/push/pushtest"
	"github.com/parleychat/parley/backend/store"
)

// TestPushLog: an admin whose browser is subscribed sends a test from the push delivery log;
// the local push service decrypts it. A test the push service refuses is failed and can be
// sent again, reaching the browser; a failed push past its TTL cannot, nor can another tenant's
// push or another person's subscription be used. The log filters by state, and the actions are
// in the audit log.
func TestPushLog(t *testing.T) {
	fx := newFixture(t, false)
	ctx := context.Background()
	admin := fx.clients["admin"]
	tenant := id(fx, "{tenant}")
	svc := pushtest.New()
	defer svc.Close()
	sub := must(fx.st.SavePushSubscription(ctx, store.PushSubscription{TenantID: tenant, UserID: id(fx, "{admin}"), Endpoint: svc.Endpoint(),
		P256dh: svc.P256dh(), Auth: svc.Auth()}))
	agentSub := must(fx.st.SavePushSubscription(ctx, store.PushSubscription{TenantID: tenant, UserID: id(fx, "{anna}"),
		Endpoint: "https://push.example/anna", P256dh: "k", Auth: "a"}))

	page := admin.do(t, "GET", "/admin/push/log", nil, "")
	if page.status != 200 || !strings.Contains(page.body, "Send a test") || !strings.Contains(page.body, "127.0.0.1") {
		t.Fatalf("log page %d:\n%s", page.status, excerpt(page.body))
	}
	if r := admin.do(t, "POST", "/admin/push/test", url.Values{"subscription": {fmt.Sprint(agentSub.ID)}}, ""); r.status != 404 {
		t.Fatalf("a test to another person's browser: %d", r.status)
	}
	svc.Answer(http.StatusForbidden)
	if r := admin.do(t, "POST", "/admin/push/test", url.Values{"subscription": {fmt.Sprint(sub.ID)}}, ""); r.status != 303 || r.location != "/admin/push/log?saved=1" {
		t.Fatalf("test: %d %s", r.status, r.location)
	}
	failed := waitPush(t, fx, tenant, store.PushFailed)
	if failed.ResponseCode != 403 || failed.Kind != push.KindTest {
		t.Fatalf("failed push %+v", failed)
	}
	page = admin.do(t, "GET", "/admin/push/log?state=failed", nil, "")
	if !strings.Contains(page.body, fmt.Sprintf("/admin/push/log/%d/replay", failed.ID)) || !strings.Contains(page.body, "refused it with 403") {
		t.Fatalf("failed log:\n%s", excerpt(page.body))
	}
	if r := fx.clients["other"].do(t, "POST", fmt.Sprintf("/admin/push/log/%d/replay", failed.ID), url.Values{}, ""); r.status != 404 {
		t.Fatalf("replay by another tenant's admin: %d", r.status)
	}
	if r := admin.do(t, "POST", fmt.Sprintf("/admin/push/log/%d/replay", failed.ID), url.Values{}, ""); r.status != 303 {
		t.Fatalf("replay: %d", r.status)
	}
	sent := waitPush(t, fx, tenant, store.PushSent)
	if sent.ReplayOf != failed.ID {
		t.Fatalf("sent %+v", sent)
	}
	got, errs := svc.Received()
	if len(errs) != 0 || len(got) != 2 || got[1].Status != http.StatusCreated {
		t.Fatalf("received %+v, %v", got, errs)
	}
	var p push.Payload
	if err := json.Unmarshal(got[1].Plain, &p); err != nil || p.Title != "Parley test notification" || p.Kind != push.KindTest {
		t.Fatalf("payload %+v %v", p, err)
	}
	// A failed push past its TTL is not sent again. (Claimed here, as a worker does, so that
	// it fails before its short TTL ends.)
	short := must(fx.st.EnqueuePushTest(ctx, tenant, id(fx, "{admin}"), sub.ID, time.Now().Add(time.Second)))
	if _, ok, err := fx.st.ClaimPush(ctx, short, time.Now().Add(time.Minute)); !ok || err != nil {
		t.Fatalf("claim: %v", err)
	}
	if err := fx.st.PushAttempted(ctx, short.ID, time.Now(), store.PushAttempt{State: store.PushFailed, ResponseCode: 400, Err: "refused"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(short.ExpiresAt))
	r := admin.do(t, "POST", fmt.Sprintf("/admin/push/log/%d/replay", short.ID), url.Values{}, "")
	if r.status != 422 || !strings.Contains(r.body, "past its time to live") {
		t.Fatalf("replay past the TTL: %d\n%s", r.status, excerpt(r.body))
	}
	actions := map[string]bool{}
	for _, e := range must(fx.st.AuditLog(ctx, store.AuditQuery{TenantID: tenant, Limit: 100})) {
		actions[e.Action] = true
	}
	if !actions["push/test"] || !actions["push/log/:id/replay"] {
		t.Fatalf("audit actions %v", actions)
	}
}

// waitPush waits for the newest push of tenant in state.
func waitPush(t *testing.T, fx *fixture, tenant int64, state string) store.PushDelivery {
	t.Helper()
	return eventually(t, "push "+state, func() (store.PushDelivery, bool, error) {
		log, err := fx.st.PushLog(context.Background(), tenant, store.PushLogFilter{State: state}, 1)
		if len(log) == 0 {
			return store.PushDelivery{}, false, err
		}
		return log[0], true, err
	})
}
