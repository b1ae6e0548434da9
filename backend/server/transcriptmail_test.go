package server_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Over real WebSockets: a visitor asks for the transcript (refused for a bad address and for
// a chat it does not follow), and a connector that sends transcripts automatically mails the
// next chat's transcript to the visitor's known address when the agent closes it. Both
// messages reach the real SMTP server with the connector's subject.
func TestTranscriptRequestAndAutoSend(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		st := env.Server.Store()
		smtp := smtptest.Start(t, smtptest.Options{})
		if _, err := st.SaveMailSettings(ctx, store.MailSettings{TenantID: env.Demo.TenantID, Host: smtp.Host(), Port: smtp.Port(),
			TLS: store.MailTLSNone, FromAddress: "chat@demo.test"}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SaveTranscriptMail(ctx, store.TranscriptMail{ConnectorID: env.Demo.ConnectorID, TenantID: env.Demo.TenantID,
			Subject: "Chat Conversation with $Agent.ChatName$", Template: "Hello $Customer$,\n\n$Transcript$"}); err != nil {
			t.Fatal(err)
		}
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		chatID, _ := startChat(t, ctx, visitor, agent, "Thomas")
		awaitMessage(t, ctx, visitor, "Hello, I need help")

		// Asked for at once: the transcript reads what was committed, the accept included, so
		// it names the chat's agent.
		var pe *protocol.Error
		if _, err := visitor.Call(ctx, chatID, &protocol.TranscriptRequest{Email: "not an address"}); !errors.As(err, &pe) || pe.Code != protocol.CodeInvalid || pe.Field != "email" {
			t.Fatalf("bad address: %v", err)
		}
		if _, err := visitor.Call(ctx, "ch_other", &protocol.TranscriptRequest{Email: "x@example.com"}); !errors.As(err, &pe) || pe.Code != protocol.CodeForbidden {
			t.Fatalf("foreign chat: %v", err)
		}
		if _, err := visitor.Call(ctx, chatID, &protocol.TranscriptRequest{Email: "copy@example.com"}); err != nil {
			t.Fatal(err)
		}
		got := smtp.Wait(1, time.Minute)[0]
		p, err := smtptest.Parse(got.Data)
		if err != nil {
			t.Fatal(err)
		}
		if got.To[0] != "copy@example.com" || p.Subject() != "Chat Conversation with Anna" || !strings.Contains(p.Text, "Hello Thomas,") ||
			!strings.Contains(p.Text, "Thomas: Hello, I need help") {
			t.Fatalf("requested transcript to %v, subject %q:\n%s", got.To, p.Subject(), p.Text)
		}

		// Automatic: the next chat's visitor gets it at close, at the address the chat knows.
		if _, err := st.SaveTranscriptMail(ctx, store.TranscriptMail{ConnectorID: env.Demo.ConnectorID, TenantID: env.Demo.TenantID, AutoSend: true}); err != nil {
			t.Fatal(err)
		}
		v2, _ := env.Visitor(t)
		chat2, _ := startChat(t, ctx, v2, agent, "Maria")
		if _, err := agent.Call(ctx, chat2, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}
		all := smtp.Wait(2, time.Minute)
		if all[1].To[0] != "maria@example.com" {
			t.Fatalf("automatic transcript went to %v", all[1].To)
		}
		p, err = smtptest.Parse(all[1].Data)
		if err != nil || !strings.Contains(p.Subject(), "Transcript of your chat") {
			t.Fatalf("automatic transcript subject %q, %v", p.Subject(), err)
		}
		if n, err := st.ChatMailCount(ctx, chat2, "transcript"); err != nil || n != 1 {
			t.Fatalf("chat 2 has %d transcripts, %v", n, err)
		}
	})
}
