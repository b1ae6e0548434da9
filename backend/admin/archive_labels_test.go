package admin_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// TestChangeLabelsAfterClose: an admin changes a closed chat's tags and outcome from its
// transcript, recorded in the audit log; another tenant's tag or outcome, a chat of another
// tenant, and an outcome for a chat still open are refused and change nothing.
func TestChangeLabelsAfterClose(t *testing.T) {
	fx := newFixture(t, false)
	ctx := context.Background()
	tenant, other := id(fx, "{tenant}"), id(fx, "{otherTenant}")
	admin := fx.clients["admin"]
	label := func(kind store.LabelKind, tn int64, name string) int64 {
		return must(fx.st.SaveLabel(ctx, kind, store.Label{TenantID: tn, Name: name}))
	}
	billing, bug := label(store.LabelTag, tenant, "billing"), label(store.LabelTag, tenant, "bug")
	solved, lost := label(store.LabelOutcome, tenant, "solved"), label(store.LabelOutcome, tenant, "lost")
	theirTag, theirOutcome := label(store.LabelTag, other, "billing"), label(store.LabelOutcome, other, "solved")
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	conn := id(fx, "{conn}")
	oconn := id(fx, "{otherConn}")
	if err := fx.st.ImportHistory(ctx, store.History{Chats: []store.Chat{
		{ID: "closed-one", TenantID: tenant, ConnectorID: conn, State: "closed", VisitorName: "Vera", CreatedAt: at, ClosedAt: &at, OutcomeID: lost},
		{ID: "open-one", TenantID: tenant, ConnectorID: conn, State: "active", VisitorName: "Olga", CreatedAt: at},
		{ID: "their-one", TenantID: other, ConnectorID: oconn, State: "closed", VisitorName: "Tim", CreatedAt: at, ClosedAt: &at},
	}}); err != nil {
		t.Fatal(err)
	}
	ids := func(v ...int64) []string {
		out := make([]string, len(v))
		for i, n := range v {
			out[i] = strconv.FormatInt(n, 10)
		}
		return out
	}
	state := func(chat string) (int64, []int64) {
		t.Helper()
		ch := must(fx.st.Chat(ctx, chat))
		return ch.OutcomeID, must(fx.st.ChatTags(ctx, ch.TenantID, chat))
	}

	page := admin.do(t, "GET", "/admin/chats/closed-one", nil, "")
	if page.status != 200 || !strings.Contains(page.body, `action="/admin/chats/closed-one/labels"`) || !strings.Contains(page.body, ">lost</option>") {
		t.Fatalf("transcript page %d: %s", page.status, excerpt(page.body))
	}
	r := admin.do(t, "POST", "/admin/chats/closed-one/labels", url.Values{"tag": ids(billing, bug), "outcome": ids(solved)}, "")
	if r.status != 303 {
		t.Fatalf("relabel: %d %s", r.status, excerpt(r.body))
	}
	if o, tags := state("closed-one"); o != solved || !slices.Equal(tags, []int64{billing, bug}) {
		t.Fatalf("after relabel: outcome %d tags %v", o, tags)
	}
	refused := []struct {
		name, chat string
		form       url.Values
		status     int
	}{
		{"their tag", "closed-one", url.Values{"tag": ids(billing, theirTag), "outcome": ids(lost)}, 422},
		{"their outcome", "closed-one", url.Values{"tag": ids(bug), "outcome": ids(theirOutcome)}, 422},
		{"huge id", "closed-one", url.Values{"tag": {"99999999999999999999"}, "outcome": ids(lost)}, 422},
		{"NUL", "closed-one", url.Values{"tag": {"1\x00"}, "outcome": ids(lost)}, 422},
		{"their chat", "their-one", url.Values{"tag": ids(theirTag)}, 404},
		{"no chat", "nobody", url.Values{"tag": ids(bug)}, 404},
		{"outcome while open", "open-one", url.Values{"tag": ids(bug), "outcome": ids(solved)}, 422},
	}
	for _, c := range refused {
		r := admin.do(t, "POST", "/admin/chats/"+c.chat+"/labels", c.form, "")
		if r.status != c.status {
			t.Errorf("%s: %d, want %d: %s", c.name, r.status, c.status, excerpt(r.body))
		}
	}
	if o, tags := state("closed-one"); o != solved || !slices.Equal(tags, []int64{billing, bug}) {
		t.Fatalf("a refused change wrote: outcome %d tags %v", o, tags)
	}
	if o, tags := state("their-one"); o != 0 || len(tags) != 0 {
		t.Fatalf("another tenant's chat changed: outcome %d tags %v", o, tags)
	}
	// An open chat's tags may change; the form then has no outcome field.
	if r := admin.do(t, "POST", "/admin/chats/open-one/labels", url.Values{"tag": ids(bug)}, ""); r.status != 303 {
		t.Fatalf("tag an open chat: %d %s", r.status, excerpt(r.body))
	}
	if o, tags := state("open-one"); o != 0 || !slices.Equal(tags, []int64{bug}) {
		t.Fatalf("open chat: outcome %d tags %v", o, tags)
	}
	// Clearing: no tags, no outcome.
	if r := admin.do(t, "POST", "/admin/chats/closed-one/labels", url.Values{"outcome": {"0"}}, ""); r.status != 303 {
		t.Fatalf("clear: %d", r.status)
	}
	if o, tags := state("closed-one"); o != 0 || len(tags) != 0 {
		t.Fatalf("after clearing: outcome %d tags %v", o, tags)
	}
	var recorded int
	for _, e := range must(fx.st.AuditLog(ctx, store.AuditQuery{TenantID: tenant, Limit: 500})) {
		if strings.HasSuffix(e.Action, "chats/:id/labels") && e.Target == "id=closed-one" && e.Outcome == 303 {
			recorded++
			if !strings.Contains(e.Summary, "tag=") && !strings.Contains(e.Summary, "outcome=0") {
				t.Errorf("summary %q", e.Summary)
			}
		}
	}
	if recorded != 2 {
		for _, e := range must(fx.st.AuditLog(ctx, store.AuditQuery{TenantID: tenant, Limit: 20})) {
			t.Logf("%+v", e)
		}
		t.Fatalf("%d audited relabellings of closed-one, want 2", recorded)
	}
}
