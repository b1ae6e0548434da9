package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/store"
)

// TestKillNineKeepsMail writes messages to the outbox of a running server while its mail
// server is away, kills the server with SIGKILL before it could send them, and starts it
// again with the mail server back: every message is delivered, on SQLite and PostgreSQL.
func TestKillNineKeepsMail(t *testing.T) {
	crashEach(t, func(t *testing.T, srv *crashServer) {
		smtp := smtptest.Start(t, smtptest.Options{})
		smtp.Stop()
		srv.start()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		st := srv.store(ctx)
		tenants, err := st.Tenants(ctx)
		if err != nil || len(tenants) == 0 {
			t.Fatalf("tenants: %v", err)
		}
		set := store.MailSettings{TenantID: tenants[0].ID, Host: smtp.Host(), Port: smtp.Port(), TLS: store.MailTLSNone, FromAddress: "chat@demo.test"}
		if _, err := st.SaveMailSettings(ctx, set); err != nil {
			t.Fatal(err)
		}
		const n = 5
		for i := range n {
			if _, err := st.EnqueueMail(ctx, store.OutboxMail{TenantID: set.TenantID, MessageID: mail.NewMessageID(set),
				To: fmt.Sprintf("v%d@demo.test", i), Subject: fmt.Sprint("Message ", i), Body: "Hello"}); err != nil {
				t.Fatal(err)
			}
		}
		srv.kill()
		smtp.Restart()
		srv.start()
		got := smtp.Wait(n, 2*time.Minute)
		seen := map[string]bool{}
		for _, g := range got {
			seen[g.To[0]] = true
		}
		if len(seen) != n {
			t.Fatalf("delivered to %v, want %d recipients", seen, n)
		}
		for {
			log, err := st.OutboxLog(ctx, set.TenantID, 10)
			sent := 0
			for _, m := range log {
				if m.State == store.MailSent {
					sent++
				}
			}
			if err == nil && sent == n {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("delivery log %+v %v", log, err)
			case <-time.After(50 * time.Millisecond):
			}
		}
		_ = st.Close()
	})
}
