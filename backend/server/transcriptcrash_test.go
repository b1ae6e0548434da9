package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestAutoTranscriptSurvivesKillNine runs the server binary with a connector that sends
// transcripts automatically, closes chats of visitors who gave their e-mail address, and
// kills the server with SIGKILL as soon as the last close is acknowledged. After a restart
// every visitor receives its transcript exactly once (one outbox message, one Message-ID),
// on SQLite and PostgreSQL.
func TestAutoTranscriptSurvivesKillNine(t *testing.T) {
	crashEach(t, func(t *testing.T, srv *crashServer) {
		smtp := smtptest.Start(t, smtptest.Options{})
		srv.start()
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		hash, _ := srv.prepare(ctx)
		st := srv.store(ctx)
		tenants, err := st.Tenants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns, err := st.Connectors(ctx, tenants[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SaveMailSettings(ctx, store.MailSettings{TenantID: tenants[0].ID, Host: smtp.Host(), Port: smtp.Port(),
			TLS: store.MailTLSNone, FromAddress: "chat@demo.test"}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SaveTranscriptMail(ctx, store.TranscriptMail{ConnectorID: conns[0].ID, TenantID: tenants[0].ID, AutoSend: true,
			Subject: "Transcript for $Customer.Email$"}); err != nil {
			t.Fatal(err)
		}
		const visitors = 6
		chats := map[string]string{} // address: chat
		for i := range visitors {
			v := srv.visitor(ctx, hash)
			email := fmt.Sprintf("w%d@example.com", i)
			ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: fmt.Sprint("W", i), Email: email, Question: "Kill me softly"})
			if err != nil {
				t.Fatal(err)
			}
			chatID := ack.Body.(*protocol.Ack).Chat
			chats[email] = chatID
			if _, err := v.Call(ctx, chatID, &protocol.Close{}); err != nil {
				t.Fatal(err)
			}
			if i == visitors-1 {
				srv.kill() // right after the last close is acknowledged
			}
			v.Drop()
		}
		st.Close()
		before := len(smtp.Messages())
		srv.start()
		st = srv.store(ctx)
		defer st.Close()
		got := smtp.Wait(visitors, 3*time.Minute)
		// A message the SMTP server accepted just before the kill may come again after the
		// claim lapses, with the same Message-ID; wait for the outbox to settle.
		for {
			log, err := st.OutboxLog(ctx, tenants[0].ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			sent := 0
			for _, m := range log {
				if m.State == store.MailSent {
					sent++
				}
			}
			if len(log) > visitors {
				t.Fatalf("%d outbox messages for %d closed chats", len(log), visitors)
			}
			if sent == visitors {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("%d of %d transcripts sent: %+v\n%s", sent, len(log), log, srv.logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
		got = smtp.Messages()
		ids := map[string]map[string]bool{}
		for _, g := range got {
			p, err := smtptest.Parse(g.Data)
			if err != nil {
				t.Fatal(err)
			}
			to := g.To[0]
			if p.Subject() != "Transcript for "+to {
				t.Fatalf("transcript to %s has subject %q", to, p.Subject())
			}
			if ids[to] == nil {
				ids[to] = map[string]bool{}
			}
			ids[to][p.Header.Get("Message-Id")] = true
		}
		for email, chatID := range chats {
			if len(ids[email]) != 1 {
				t.Errorf("%s (chat %s) received %d different transcripts", email, chatID, len(ids[email]))
			}
			if n, err := st.ChatMailCount(ctx, chatID, "transcript"); err != nil || n != 1 {
				t.Errorf("chat %s has %d transcripts, %v", chatID, n, err)
			}
		}
		t.Logf("%d transcripts delivered before the kill, %d deliveries in all", before, len(got))
	})
}
