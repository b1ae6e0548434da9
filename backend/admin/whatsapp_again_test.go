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

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
	"github.com/parleychat/parley/backend/tyntec/tyntectest"
)

// TestWhatsAppSendAgainAndTest runs the WhatsApp log's actions on the real server with a
// local TynTec. A line TynTec refused is sent again: of three clicks — one while the send is
// held in flight at TynTec, one after it was sent — exactly one reaches TynTec; another
// tenant's admin gets "not found", a click without the CSRF token is refused, and each click
// is in the audit log. A test message to a typed number goes through the outbox and shows as
// a test; a bad number, a connector with WhatsApp off, one without an API key and one whose
// key TynTec answers with 401 get a clear error on the form. Inbound messages show as
// received, duplicate and refused (a message to another number, answered 200), with a link
// to the chat; numbers show by their last four digits only (the audit log's too).
func TestWhatsAppSendAgainAndTest(t *testing.T) {
	fake := tyntectest.New("key-wa")
	defer fake.Close()
	fx := newFixtureWith(t, servertest.Options{Configure: func(c *config.Config) { c.TynTecURL = fake.URL }})
	ctx := context.Background()
	conn := fx.env.ChangeConnector(t, func(c *store.Connector) {
		c.WhatsAppEnabled, c.WhatsAppAPIKey, c.WhatsAppNumber = true, "key-wa", "+4930123456"
	})
	hook := tyntec.WebhookURL(fx.env.URL, conn)
	in := tyntectest.Text("in-1", "491701234567", "4930123456", "Hallo?", time.Now().UTC())
	for range 2 { // the second is TynTec's retry
		if code, body, err := tyntectest.Post(hook, in); err != nil || code != http.StatusOK {
			t.Fatalf("webhook: %d %s %v", code, body, err)
		}
	}
	if code, body, err := tyntectest.Post(hook, tyntectest.Text("in-2", "491709876543", "4930999999", "Wrong number", time.Now().UTC())); err != nil || code != http.StatusOK {
		t.Fatalf("a message to another number answered %d %s %v, want 200 (no retry)", code, body, err)
	}
	chat := eventually(t, "a WhatsApp chat", func() (store.WhatsAppChat, bool, error) {
		c, err := fx.st.LatestWhatsAppChat(ctx, conn.ID, "+491701234567")
		return c, err == nil, nil
	})
	if _, err := fx.st.LatestWhatsAppChat(ctx, conn.ID, "+491709876543"); err == nil {
		t.Fatal("a message to another number opened a chat")
	}

	// A line TynTec refuses fails.
	fake.FailNext(http.StatusBadRequest)
	data, _ := json.Marshal(map[string]any{"role": "agent", "text": "Guten Tag"})
	if err := fx.st.Commit(ctx, store.Write{Event: &store.Event{ChatID: chat.ChatID, Type: "message", Data: data}}); err != nil {
		t.Fatal(err)
	}
	failed := waitWhatsApp(t, fx, conn.TenantID, store.WhatsAppFailed)
	admin := fx.clients["admin"]
	again := "/admin/whatsapp/log/" + fmt.Sprint(failed.ID) + "/again"
	if page := admin.do(t, "GET", "/admin/whatsapp/log", nil, ""); !strings.Contains(page.body, `action="`+again+`"`) {
		t.Fatalf("no Send again on the failed line:\n%s", excerpt(page.body))
	}
	if r := admin.do(t, "POST", again, url.Values{}, "-"); r.status != http.StatusForbidden {
		t.Fatalf("a click without the CSRF token answered %d", r.status)
	}
	if r := fx.clients["other"].do(t, "POST", again, url.Values{}, ""); r.status != http.StatusNotFound || !strings.Contains(r.body, "does not exist") {
		t.Fatalf("another tenant's click answered %d", r.status)
	}
	base := fake.Requests()
	held, release := fake.Hold()
	defer release()
	if r := admin.do(t, "POST", again, url.Values{}, ""); r.status != http.StatusSeeOther {
		t.Fatalf("send again answered %d %s", r.status, excerpt(r.body))
	}
	select {
	case <-held:
	case <-time.After(20 * time.Second):
		t.Fatal("the line sent again never reached TynTec")
	}
	if r := admin.do(t, "POST", again, url.Values{}, ""); r.status != http.StatusSeeOther { // in flight
		t.Fatalf("send again in flight answered %d", r.status)
	}
	release()
	sent := waitWhatsApp(t, fx, conn.TenantID, store.WhatsAppSent)
	if sent.ID != failed.ID {
		t.Fatalf("sent %+v, want line %d", sent, failed.ID)
	}
	if r := admin.do(t, "POST", again, url.Values{}, ""); r.status != http.StatusSeeOther { // after it was sent
		t.Fatalf("send again after sending answered %d", r.status)
	}
	if n := fake.Requests() - base; n != 1 {
		t.Fatalf("three clicks made %d requests to TynTec, want 1", n)
	}
	if line, err := fx.st.WhatsAppLine(ctx, conn.TenantID, failed.ID); err != nil || line.Attempts != 1 || line.LogState() != store.WhatsAppSent {
		t.Fatalf("line after three clicks %+v %v", line, err)
	}
	entries, err := fx.st.AuditLog(ctx, store.AuditQuery{TenantID: conn.TenantID, Action: "whatsapp/log/:id/again"})
	if err != nil || len(entries) != 3 { // the other tenant's click is in its own log
		t.Fatalf("audit entries %+v %v, want 3", entries, err)
	}

	// Send a test.
	off, err := fx.st.CreateConnector(ctx, store.Connector{TenantID: conn.TenantID, Name: "Web only"})
	if err != nil {
		t.Fatal(err)
	}
	nokey, err := fx.st.CreateConnector(ctx, store.Connector{TenantID: conn.TenantID, Name: "No key", WhatsAppEnabled: true, WhatsAppNumber: "+4930111111"})
	if err != nil {
		t.Fatal(err)
	}
	badkey, err := fx.st.CreateConnector(ctx, store.Connector{TenantID: conn.TenantID, Name: "Bad key", WhatsAppEnabled: true, WhatsAppNumber: "+4930222222", WhatsAppAPIKey: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		conn  int64
		phone string
		want  string
	}{
		{conn.ID, "0170 1234", "Enter the number in international form"},
		{conn.ID, "+49 abc", "Enter the number in international form"},
		{off.ID, "+49 151 12345678", "WhatsApp is switched off on this connector."},
		{nokey.ID, "+49 151 12345678", "This connector has no TynTec API key."},
		{badkey.ID, "+49 151 12345678", "API key (HTTP 401). Check the key"},
	} {
		r := admin.do(t, "POST", "/admin/whatsapp/test", url.Values{"connector": {fmt.Sprint(tc.conn)}, "customer_phone": {tc.phone}}, "")
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tc.want) || !strings.Contains(r.body, `aria-invalid="true"`) {
			t.Fatalf("test %+v answered %d:\n%s", tc, r.status, excerpt(r.body))
		}
	}
	if r := fx.clients["other"].do(t, "POST", "/admin/whatsapp/test", url.Values{"connector": {fmt.Sprint(conn.ID)}, "customer_phone": {"+4915112345678"}}, ""); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "Choose a connector.") {
		t.Fatalf("a test from another tenant's connector answered %d", r.status)
	}
	before, _ := fake.Messages()
	if r := admin.do(t, "POST", "/admin/whatsapp/test", url.Values{"connector": {fmt.Sprint(conn.ID)}, "customer_phone": {"+49 151 1234-5678"}}, ""); r.status != http.StatusSeeOther {
		t.Fatalf("a good test answered %d:\n%s", r.status, excerpt(r.body))
	}
	msgs := fake.WaitMessages(len(before)+1, 20*time.Second)
	if len(msgs) != len(before)+1 {
		t.Fatalf("the test never reached TynTec")
	}
	if m := msgs[len(msgs)-1]; m.To != "4915112345678" || m.From != "4930123456" || !strings.Contains(m.Content.Text, "test message") {
		t.Fatalf("test message %+v", m)
	}
	tests, err := fx.st.AuditLog(ctx, store.AuditQuery{TenantID: conn.TenantID, Action: "whatsapp/test"})
	if err != nil || len(tests) == 0 || strings.Contains(tests[0].Summary, "12345678") || !strings.Contains(tests[0].Summary, "customer_phone=…5678") {
		t.Fatalf("audit of the test %+v %v", tests, err)
	}

	page := admin.do(t, "GET", "/admin/whatsapp/log", nil, "")
	for _, want := range []string{"<td>Test message <", `<span class="badge on">Received</span>`, `<span class="badge warn">Duplicate</span>`,
		`<span class="badge off">Refused: not the connector&#39;s number</span>`,
		`href="/admin/chats/` + chat.ChatID + `"`, "Sent to …9999, which is not this connector&#39;s number.", "…6543", "…5678", "invalid apikey"} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("the log lacks %q:\n%s", want, excerpt(page.body))
		}
	}
	for _, full := range []string{"491701234567", "4915112345678", "491709876543"} {
		if strings.Contains(page.body, full) {
			t.Fatalf("the log shows the whole number %s", full)
		}
	}
	page = admin.do(t, "GET", "/admin/whatsapp/log?state=refused", nil, "")
	if strings.Contains(page.body, `badge on">Received<`) || !strings.Contains(page.body, "…6543") || strings.Contains(page.body, "Guten Tag") {
		t.Fatalf("refused filter:\n%s", excerpt(page.body))
	}
	if page = fx.clients["other"].do(t, "GET", "/admin/whatsapp/log", nil, ""); strings.Contains(page.body, "…4567") || strings.Contains(page.body, "…6543") ||
		!strings.Contains(page.body, "No WhatsApp lines match.") {
		t.Fatalf("another tenant's log shows this tenant's messages:\n%s", excerpt(page.body))
	}
}
