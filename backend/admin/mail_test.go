package admin_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/store"
)

// The E-mail page saves the SMTP settings without ever showing the password back, refuses
// bad values next to their fields, sends a test message through a real SMTP server with clear
// feedback either way, and the delivery log shows the tenant's own messages only.
func TestMailPages(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			fx := newFixture(t, pg)
			ctx := context.Background()
			admin := fx.clients["admin"]
			srv := smtptest.Start(t, smtptest.Options{Username: "relay", Password: "pa55-wörd"})
			tenantID := fx.env.Demo.TenantID

			if r := admin.do(t, "GET", "/admin/mail", nil, ""); r.status != 200 || !strings.Contains(r.body, "SMTP server") || !strings.Contains(r.body, "Send a test") {
				t.Fatalf("page: %d", r.status)
			}
			form := url.Values{"host": {srv.Host()}, "port": {fmt.Sprint(srv.Port())}, "tls": {store.MailTLSNone}, "username": {"relay"},
				"password": {"pa55-wörd"}, "from_address": {"chat@demo.test"}, "from_name": {"Demo Chat"}}
			if r := admin.do(t, "POST", "/admin/mail", form, ""); r.status != 303 || r.location != "/admin/mail?saved=1" {
				t.Fatalf("save: %d %s %s", r.status, r.location, r.body)
			}
			r := admin.do(t, "GET", "/admin/mail?saved=1", nil, "")
			if strings.Contains(r.body, "pa55") || !strings.Contains(r.body, "A password is stored") || !strings.Contains(r.body, `value="chat@demo.test"`) {
				t.Fatalf("the page after saving:\n%s", r.body)
			}
			// An empty password keeps the stored one.
			form.Set("password", "")
			form.Set("from_name", "Demo Chat Team")
			if r := admin.do(t, "POST", "/admin/mail", form, ""); r.status != 303 {
				t.Fatalf("save without password: %d %s", r.status, r.body)
			}
			if m, _ := fx.st.MailSettings(ctx, tenantID); m.Password != "pa55-wörd" || m.FromName != "Demo Chat Team" {
				t.Fatalf("stored %+v", m)
			}
			// Bad values come back next to their fields, the password not echoed.
			for field, bad := range map[string]url.Values{
				"port":         {"port": {"70000"}},
				"from_address": {"from_address": {"chat@demo.test\r\nBcc: x@y"}},
				"host":         {"host": {"smtp.example.com:25"}},
				"tls":          {"tls": {"ssl3"}},
			} {
				b := cloneValues(form)
				b.Set("password", "new-secret")
				for k, v := range bad {
					b[k] = v
				}
				r := admin.do(t, "POST", "/admin/mail", b, "")
				if r.status != 422 || !strings.Contains(r.body, `id="f-`+field+`-err"`) || strings.Contains(r.body, "new-secret") {
					t.Errorf("%s: %d\n%s", field, r.status, r.body)
				}
			}

			// A test message arrives; the page says so.
			r = admin.do(t, "POST", "/admin/mail/test", url.Values{"test_to": {"boss@demo.test"}}, "")
			if r.status != 200 || !strings.Contains(r.body, "was accepted by the SMTP server") {
				t.Fatalf("test: %d\n%s", r.status, r.body)
			}
			got := srv.Wait(1, 20*time.Second)[0]
			p, err := smtptest.Parse(got.Data)
			if err != nil || got.Auth != "relay" || got.To[0] != "boss@demo.test" || p.Subject() != "Parley test message" || !strings.Contains(p.Header.Get("From"), "Demo Chat Team") {
				t.Fatalf("test message %+v %+v %v", got, p.Header, err)
			}
			// A bad address and a server that is away are reported, not hidden.
			r = admin.do(t, "POST", "/admin/mail/test", url.Values{"test_to": {"boss"}}, "")
			if !strings.Contains(r.body, "could not be sent") || !strings.Contains(r.body, "is not an e-mail address") {
				t.Fatalf("bad address:\n%s", r.body)
			}
			srv.Stop()
			r = admin.do(t, "POST", "/admin/mail/test", url.Values{"test_to": {"boss@demo.test"}}, "")
			if !strings.Contains(r.body, "could not be sent") || !strings.Contains(r.body, "connection refused") {
				t.Fatalf("server away:\n%s", r.body)
			}

			// The delivery log: this tenant's messages with their state and error.
			m, err := fx.st.EnqueueMail(ctx, store.OutboxMail{TenantID: tenantID, MessageID: "a@b", To: "zoe@demo.test", Subject: "Your <transcript>", Body: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if err := fx.st.MailAttemptFailed(ctx, m.ID, "dial tcp: connection refused", time.Now().Add(time.Minute), false); err != nil {
				t.Fatal(err)
			}
			r = admin.do(t, "GET", "/admin/mail/log", nil, "")
			for _, want := range []string{"zoe@demo.test", "Your &lt;transcript&gt;", "pending", "dial tcp: connection refused"} {
				if !strings.Contains(r.body, want) {
					t.Errorf("log lacks %q", want)
				}
			}
			if r := fx.clients["other"].do(t, "GET", "/admin/mail/log", nil, ""); strings.Contains(r.body, "zoe@demo.test") {
				t.Error("another tenant's admin sees the log")
			}
			for _, who := range []string{"agent", "supervisor"} {
				if r := fx.clients[who].do(t, "GET", "/admin/mail", nil, ""); r.status != 403 {
					t.Errorf("%s: %d", who, r.status)
				}
			}
			if r := admin.do(t, "POST", "/admin/mail/test", url.Values{"test_to": {"boss@demo.test"}}, "-"); r.status != 403 {
				t.Errorf("test without CSRF token: %d", r.status)
			}
		})
	}
}
