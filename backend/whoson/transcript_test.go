package whoson_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
)

// Transcript e-mails the chat's transcript to the address given, during the chat and after
// it ended, records the address with the chat, and answers a bad address, an unknown chat
// and another session's command with error events; the mail server receives the text and
// the PDF.
func TestWhosOnTranscript(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		st := env.Server.Store()
		srv := smtptest.Start(t, smtptest.Options{})
		if _, err := st.SaveMailSettings(ctx, store.MailSettings{TenantID: env.Demo.TenantID, Host: srv.Host(), Port: srv.Port(),
			TLS: store.MailTLSNone, FromAddress: "chat@example.com", FromName: "Example Chat"}); err != nil {
			t.Fatal(err)
		}
		w := env.Demo.WhosOn
		c := dialWhosOn(t, env.WS+"/whoson", nil)
		d := connect(t, ctx, env, c)
		c.send("Hello", "Thomas", w.Domain, "", "", d.SessionID, "195.62.193.194", "287-3882882", "en", "false", "")
		uid := c.await(ctx, "accepted").uid()
		c.send("Message", d.SessionID, w.Domain, "Where is my order 4711?")

		for _, bad := range []struct {
			params []string
			want   string
		}{
			{[]string{uid, d.SessionID, w.Domain, "195.62.193.194", "thomas@"}, "Invalid email address"},
			{[]string{uid, d.SessionID, w.Domain, "195.62.193.194", "thomas@test.com\r\nBcc: all@test.com"}, "Invalid email address"},
			{[]string{"nosuchchat", d.SessionID, w.Domain, "195.62.193.194", "thomas@test.com"}, "Unknown chat"},
			{[]string{uid, "another-session", w.Domain, "195.62.193.194", "thomas@test.com"}, "Invalid session"},
			{[]string{uid}, "Invalid session"},
		} {
			c.send("Transcript", bad.params...)
			if e := c.await(ctx, "error"); e.text(t) != bad.want {
				t.Fatalf("Transcript %q answered %q, want %q", bad.params, e.text(t), bad.want)
			}
		}

		// During the chat.
		c.send("Transcript", uid, d.SessionID, w.Domain, "195.62.193.194", "thomas@test.com")
		first := srv.Wait(1, 30*time.Second)[0]
		if first.To[0] != "thomas@test.com" || first.From != "chat@example.com" {
			t.Fatalf("envelope %q → %v", first.From, first.To)
		}
		if rec, err := st.Chat(ctx, uid); err != nil || rec.VisitorEmail != "thomas@test.com" {
			t.Fatalf("visitor e-mail %q %v", rec.VisitorEmail, err)
		}

		// After it ended, to another address: the chat keeps the newest.
		c.send("Quit", d.SessionID, w.Domain)
		waitClosed(t, ctx, env, uid)
		if rec, _ := st.Chat(ctx, uid); rec.VisitorEmail != "thomas@test.com" {
			t.Fatalf("closing the chat lost the address: %q", rec.VisitorEmail)
		}
		c.send("Transcript", uid, d.SessionID, w.Domain, "195.62.193.194", "thomas.b@test.com")
		got := srv.Wait(2, 30*time.Second)[1]
		p, err := smtptest.Parse(got.Data)
		if err != nil {
			t.Fatal(err)
		}
		if got.To[0] != "thomas.b@test.com" || !strings.Contains(p.Subject(), "Transcript of your chat") ||
			!strings.Contains(p.Text, "Thomas: Where is my order 4711?") || !strings.Contains(p.Text, "Ended:") {
			t.Fatalf("second transcript to %v: %q\n%s", got.To, p.Subject(), p.Text)
		}
		if pdf, ok := p.Attachment("transcript-" + uid + ".pdf"); !ok || !bytes.HasPrefix(pdf.Data, []byte("%PDF-")) {
			t.Fatalf("no PDF: %+v", p.Parts)
		}
		if rec, _ := st.Chat(ctx, uid); rec.VisitorEmail != "thomas.b@test.com" {
			t.Fatalf("visitor e-mail after the chat %q", rec.VisitorEmail)
		}
		// The worker records each outcome just after the server accepted the message.
		for {
			log, err := st.OutboxLog(ctx, env.Demo.TenantID, 10)
			if err == nil && len(log) == 2 && log[0].State == store.MailSent && log[1].State == store.MailSent {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("delivery log %+v %v", log, err)
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
}
