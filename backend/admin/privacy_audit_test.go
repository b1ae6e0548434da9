package admin_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/admin/adminmsg"
	"github.com/parleychat/parley/backend/privacy"
	"github.com/parleychat/parley/backend/store"
)

// TestAuditAndPrivacy runs on both databases: representative admin changes are recorded
// with who, what and how it ended and never a secret; each tenant sees only its own entries;
// a visitor's export holds exactly their data and erasing it leaves no trace.
func TestAuditAndPrivacy(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t, pg)
			testAuditRecords(t, fx)
			testPrivacyRequests(t, fx)
			testRetentionForm(t, fx)
		})
	}
}

const secretPW = "S3cret-Passw0rd!"

func testAuditRecords(t *testing.T, fx *fixture) {
	ctx := context.Background()
	admin, other := fx.clients["admin"], fx.clients["other"]
	tenant := id(fx, "{tenant}")
	steps := []struct {
		path string
		form url.Values
	}{
		{fx.expand("/admin/users/{anna}/password"), url.Values{"new_password": {secretPW}, "confirm_password": {secretPW}}},
		{"/admin/mail", url.Values{"host": {"smtp.example.com"}, "port": {"587"}, "tls": {"starttls"}, "username": {"bot"}, "password": {secretPW},
			"from_address": {"help@example.com"}, "from_name": {"Help\x00Desk"}}},
		{"/admin/whoson", url.Values{"whos_on_auth": {secretPW}, "whos_on_api_key": {secretPW}}},
		{"/admin/attachments", url.Values{"max_attachment_kb": {"2048"}, "allowed_types": {"image/*"}}},
		{"/admin/profile/password", url.Values{"current_password": {"wrong"}, "new_password": {secretPW}, "confirm_password": {secretPW}}},
	}
	for _, s := range steps {
		r := admin.do(t, "POST", s.path, s.form, "")
		if r.status >= 500 {
			t.Fatalf("POST %s: %d %s", s.path, r.status, excerpt(r.body))
		}
	}
	// A form refused for its CSRF token changes nothing and is not an admin action.
	admin.do(t, "POST", "/admin/attachments", url.Values{"max_attachment_kb": {"1"}}, "-")
	// The other tenant's admin acts too.
	other.do(t, "POST", "/admin/attachments", url.Values{"max_attachment_kb": {"1000"}}, "")

	entries := must(fx.st.AuditLog(ctx, store.AuditQuery{TenantID: tenant, Limit: 500}))
	byAction := map[string]store.AuditEntry{}
	for _, e := range entries {
		if strings.Contains(e.Summary, secretPW) || strings.Contains(e.Target, secretPW) {
			t.Fatalf("a password was recorded: %+v", e)
		}
		byAction[e.Action] = e
	}
	for _, want := range []struct{ action, target, summary string }{
		{"users/:id/password", "id=" + fx.expand("{anna}"), "new_password=(hidden)"},
		{"mail", "", "from_name=HelpDesk"},
		{"whoson", "", "whos_on_api_key=(hidden); whos_on_auth=(hidden)"},
		{"attachments", "", "max_attachment_kb=2048"},
		{"profile/password", "", "current_password=(hidden)"},
	} {
		e, ok := byAction[want.action]
		if !ok {
			t.Fatalf("no entry for %s among %v", want.action, entries)
		}
		if e.Target != want.target || !strings.Contains(e.Summary, want.summary) || e.UserRole != store.RoleAdmin || e.UserLogin == "" || e.Outcome == 0 {
			t.Errorf("%s: %+v", want.action, e)
		}
	}
	if n := len(entries); n != len(steps) {
		t.Errorf("%d entries for %d admin actions: %+v", n, len(steps), entries)
	}

	// The page: the tenant's own entries only, filters, and a SQL injection is just a value.
	page := admin.do(t, "GET", "/admin/audit", nil, "")
	if page.status != 200 || !strings.Contains(page.body, "users/:id/password") || strings.Contains(page.body, "max_attachment_kb=1000") {
		t.Fatalf("audit page: %d %s", page.status, excerpt(page.body))
	}
	theirs := other.do(t, "GET", "/admin/audit", nil, "")
	if !strings.Contains(theirs.body, "max_attachment_kb=1000") || strings.Contains(theirs.body, "users/:id/password") {
		t.Fatalf("other tenant's audit page shows foreign entries: %s", excerpt(theirs.body))
	}
	r := admin.do(t, "GET", "/admin/audit?action="+url.QueryEscape("mail' OR '1'='1"), nil, "")
	if r.status != 200 || strings.Contains(r.body, "smtp.example.com") {
		t.Fatalf("injected filter: %d", r.status)
	}
	r = admin.do(t, "GET", "/admin/audit?action=mail&from="+time.Now().UTC().Format(time.DateOnly), nil, "")
	if !strings.Contains(r.body, "smtp.example.com") || strings.Contains(r.body, "2048") {
		t.Fatalf("filtered page: %s", excerpt(r.body))
	}
	for _, bad := range []string{"from=yesterday", "to=2026-13-45", "from=2026-02-01&to=2026-01-01", "user=-1", "before=99999999999999999999"} {
		if r := admin.do(t, "GET", "/admin/audit?"+bad, nil, ""); r.status != 422 {
			t.Errorf("%s: status %d, want 422", bad, r.status)
		}
	}
	if r := fx.clients["supervisor"].do(t, "GET", "/admin/audit", nil, ""); r.status != 403 {
		t.Errorf("supervisor opened the audit log: %d", r.status)
	}
}

// visitorChat stores a closed chat of a visitor with a message and a file.
func visitorChat(t *testing.T, st *store.Store, tenant int64, email, visitorID, text string) store.Chat {
	t.Helper()
	ctx := context.Background()
	closed := time.Now().Add(-time.Hour)
	c := store.Chat{ID: store.NewChatID(), TenantID: tenant, ConnectorID: 1, State: "closed", ClosedAt: &closed, VisitorEmail: email,
		VisitorID: visitorID, VisitorName: "Jo", Fields: map[string]string{"rating": "4"}}
	if err := st.Commit(ctx, store.Write{Chat: &c}); err != nil {
		t.Fatal(err)
	}
	ev := store.Event{ChatID: c.ID, Type: "message", Data: []byte(`{}`)}
	if err := st.Commit(ctx, store.Write{Event: &ev, Message: &store.Message{ChatID: c.ID, Role: "visitor", Name: "Jo", Text: text}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateFile(ctx, store.File{TenantID: tenant, ChatID: c.ID, Name: "scan.pdf", ContentType: "application/pdf", Size: 5, Role: "visitor", Data: []byte(text[:5])}); err != nil {
		t.Fatal(err)
	}
	return c
}

func testPrivacyRequests(t *testing.T, fx *fixture) {
	ctx := context.Background()
	admin := fx.clients["admin"]
	tenant, otherTenant := id(fx, "{tenant}"), id(fx, "{otherTenant}")
	jo1 := visitorChat(t, fx.st, tenant, "Jo@Example.com", "v-1", "first chat of Jo")
	jo2 := visitorChat(t, fx.st, tenant, "", "v-1", "second chat of Jo")
	visitorChat(t, fx.st, tenant, "sam@example.com", "v-2", "Sam's own chat")
	foreign := visitorChat(t, fx.st, otherTenant, "jo@example.com", "v-1", "Jo at another company")

	// JSON by e-mail: Jo's chats, also the second, which has no address but is Jo's contact's.
	for _, c := range []store.Chat{jo1, jo2} {
		if err := fx.st.LinkChat(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	r := admin.do(t, "POST", "/admin/privacy/export", url.Values{"kind": {"email"}, "value": {"jo@example.com"}, "format": {"json"}}, "")
	if r.status != 200 {
		t.Fatalf("export: %d %s", r.status, excerpt(r.body))
	}
	var exp privacy.Export
	if err := json.Unmarshal([]byte(r.body), &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.Chats) != 2 || exp.Chats[0].ID != jo1.ID || exp.Chats[1].ID != jo2.ID || exp.Chats[0].Messages[0].Text != "first chat of Jo" ||
		exp.Chats[0].SurveyAnswers["rating"] != "4" || len(exp.Chats[0].Files) != 1 {
		t.Fatalf("export = %+v", exp)
	}
	// ZIP by visitor id: both of Jo's chats with their files, nothing of Sam or the other tenant.
	r = admin.do(t, "POST", "/admin/privacy/export", url.Values{"kind": {"visitor"}, "value": {"v-1"}, "format": {"zip"}}, "")
	zr, err := zip.NewReader(bytes.NewReader([]byte(r.body)), int64(len(r.body)))
	if err != nil {
		t.Fatalf("zip: %v (%d)", err, r.status)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if len(names) != 3 || names[0] != "export.json" || !strings.Contains(strings.Join(names, " "), jo2.ID) {
		t.Fatalf("zip holds %v", names)
	}
	all := strings.Join(names, " ") + r.body
	if strings.Contains(all, "Sam") || strings.Contains(all, foreign.ID) || strings.Contains(all, "another company") {
		t.Fatal("the export holds another visitor's or tenant's data")
	}
	// Nothing found, bad input.
	for _, bad := range []url.Values{
		{"kind": {"email"}, "value": {"nobody@example.com"}},
		{"kind": {"email"}, "value": {""}},
		{"kind": {"ssn"}, "value": {"x"}},
		{"kind": {"email"}, "value": {strings.Repeat("a", 5000)}},
		{"kind": {"customer"}, "value": {"' OR 1=1 --"}},
		{"kind": {"visitor"}, "value": {"%"}},
	} {
		if r := admin.do(t, "POST", "/admin/privacy/export", bad, ""); r.status != 422 {
			t.Errorf("export %v: %d", bad, r.status)
		}
	}

	// Erase asks first, then deletes Jo's chats in this tenant only.
	r = admin.do(t, "POST", "/admin/privacy/erase", url.Values{"kind": {"visitor"}, "value": {"v-1"}}, "")
	if r.status != 200 || !strings.Contains(r.body, "Erase permanently") || !strings.Contains(r.body, "2 closed chats") {
		t.Fatalf("erase confirmation: %d %s", r.status, excerpt(r.body))
	}
	if _, err := fx.st.Chat(ctx, jo1.ID); err != nil {
		t.Fatal("erased before confirmation")
	}
	r = admin.do(t, "POST", "/admin/privacy/erase", url.Values{"kind": {"visitor"}, "value": {"v-1"}, "confirm": {"yes"}}, "")
	if r.status != 303 || !strings.Contains(r.location, "erased=2") {
		t.Fatalf("erase: %d %s", r.status, r.location)
	}
	for _, c := range []store.Chat{jo1, jo2} {
		if _, err := fx.st.Chat(ctx, c.ID); err == nil {
			t.Fatalf("chat %s survived erasure", c.ID)
		}
		if ev := must(fx.st.EventsAfter(ctx, c.ID, 0, 0)); len(ev) != 0 {
			t.Fatalf("events of an erased chat: %v", ev)
		}
	}
	if _, err := fx.st.Chat(ctx, foreign.ID); err != nil {
		t.Fatal("another tenant's chat was erased")
	}
	// Both requests are in the audit log.
	got := map[string]int{}
	for _, e := range must(fx.st.AuditLog(ctx, store.AuditQuery{TenantID: tenant, Limit: 500})) {
		got[e.Action]++
	}
	if got["privacy/export"] < 2 || got["privacy/erase"] != 2 {
		t.Fatalf("privacy actions in the audit log: %v", got)
	}
}

func testRetentionForm(t *testing.T, fx *fixture) {
	ctx := context.Background()
	admin := fx.clients["admin"]
	for _, bad := range []string{"-1", "36501", "abc", "1e3", "99999999999999999999", "1\x00"} {
		r := admin.do(t, "POST", "/admin/privacy/retention", url.Values{"chat_days": {bad}, "left_message_days": {"0"}, "audit_days": {"365"}}, "")
		if r.status != 422 {
			t.Errorf("chat_days %q: %d", bad, r.status)
		}
	}
	r := admin.do(t, "POST", "/admin/privacy/retention", url.Values{"chat_days": {"90"}, "left_message_days": {"30"}, "audit_days": {"0"}}, "")
	if r.status != 303 {
		t.Fatalf("save: %d %s", r.status, excerpt(r.body))
	}
	p := must(fx.st.RetentionPolicy(ctx, id(fx, "{tenant}")))
	if p.ChatDays != 90 || p.LeftMessageDays != 30 || p.AuditDays != 0 {
		t.Fatalf("policy = %+v", p)
	}
	if o := must(fx.st.RetentionPolicy(ctx, id(fx, "{otherTenant}"))); o != store.DefaultRetentionPolicy(o.TenantID) {
		t.Fatalf("other tenant's policy changed: %+v", o)
	}
}

// TestAuditLogInTheTenantsZone: the audit log shows its times in the tenant's time zone and
// reads its filter's days there too. Of the two zones, one is on another calendar day than
// UTC at any hour, so reading the days as UTC days fails the test whenever it runs.
func TestAuditLogInTheTenantsZone(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, false)
	admin := fx.clients["admin"]
	tenant := must(fx.st.Tenant(ctx, id(fx, "{tenant}")))
	if r := admin.do(t, "POST", "/admin/attachments", url.Values{"max_attachment_kb": {"2048"}, "allowed_types": {"pdf"}}, ""); r.status >= 400 {
		t.Fatalf("attachments: %d %s", r.status, excerpt(r.body))
	}
	entries := must(fx.st.AuditLog(ctx, store.AuditQuery{TenantID: tenant.ID, Limit: 10}))
	if len(entries) != 1 {
		t.Fatalf("entries: %+v", entries)
	}
	at := entries[0].At
	for _, zone := range []string{"Pacific/Kiritimati", "Pacific/Pago_Pago"} {
		loc := must(time.LoadLocation(zone))
		tenant.TimeZone = zone
		tenant = must(fx.st.UpdateTenant(ctx, tenant))
		local := at.In(loc)
		day := local.Format(time.DateOnly)
		page := admin.do(t, "GET", "/admin/audit?from="+day+"&to="+day, nil, "")
		if page.status != 200 || !strings.Contains(page.body, "max_attachment_kb=2048") {
			t.Fatalf("%s: the entry is not on its local day %s: %d %s", zone, day, page.status, excerpt(page.body))
		}
		p := adminmsg.For("en")
		if when := p.Date(local) + " " + p.Time(local, true); !strings.Contains(page.body, when) {
			t.Errorf("%s: the page does not show the local time %q: %s", zone, when, excerpt(page.body))
		}
		for _, other := range []time.Time{local.AddDate(0, 0, -1), local.AddDate(0, 0, 1)} {
			d := other.Format(time.DateOnly)
			if r := admin.do(t, "GET", "/admin/audit?from="+d+"&to="+d, nil, ""); strings.Contains(r.body, "max_attachment_kb=2048") {
				t.Errorf("%s: the entry of %s is listed on %s", zone, day, d)
			}
		}
	}
}
