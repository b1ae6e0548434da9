package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// Through the agent API: the agent who closed a chat reads the transcript e-mail's draft (the
// visitor's address, the connector's subject filled in, the form to open on close), sends it
// with an edited subject to another address, which the SMTP server receives and which does
// not replace the visitor's address; an agent who took no part gets a 404, a bad address a
// 400 naming the field, and the sixth transcript of the chat a 429.
func TestAgentSendsTranscript(t *testing.T) {
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
			Subject: "Chat Conversation with $Agent.ChatName$", OpenOnClose: true}); err != nil {
			t.Fatal(err)
		}
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		chatID, _ := startChat(t, ctx, visitor, agent, "Thomas")
		if _, err := agent.Call(ctx, chatID, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}
		anna, ben := env.DemoUser(t, "agent", 0), env.DemoUser(t, "agent", 1)
		annaToken, benToken := env.Login(t, anna.Login, anna.Password), env.Login(t, ben.Login, ben.Password)
		call := func(method, token string, body any) (int, []byte) {
			t.Helper()
			var r io.Reader
			if body != nil {
				b, _ := json.Marshal(body)
				r = bytes.NewReader(b)
			}
			req, _ := http.NewRequestWithContext(ctx, method, env.URL+api.TranscriptMailPath(chatID), r)
			req.Header.Set("Content-Type", "application/json")
			req.AddCookie(&http.Cookie{Name: session.Cookie, Value: token})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, raw
		}
		code, raw := call("GET", annaToken, nil)
		var d api.TranscriptDraft
		if code != 200 || json.Unmarshal(raw, &d) != nil || d.To != "thomas@example.com" || !d.OpenOnClose || !d.Available ||
			!strings.HasPrefix(d.Subject, "Chat Conversation with ") || d.Subject == "Chat Conversation with " {
			t.Fatalf("draft %d %s", code, raw)
		}
		if code, raw := call("GET", benToken, nil); code != 404 {
			t.Fatalf("an agent who took no part: %d %s", code, raw)
		}
		if code, raw := call("POST", benToken, api.TranscriptMailRequest{To: "x@example.com"}); code != 404 {
			t.Fatalf("an agent who took no part sends: %d %s", code, raw)
		}
		var eb api.ErrorBody
		if code, raw := call("POST", annaToken, api.TranscriptMailRequest{To: "not an address"}); code != 400 || json.Unmarshal(raw, &eb) != nil || eb.Error.Field != "to" {
			t.Fatalf("bad address: %d %s", code, raw)
		}
		if code, raw := call("POST", annaToken, api.TranscriptMailRequest{To: "boss@example.com", Subject: "Bitte lesen: Ihr Chat"}); code != 202 {
			t.Fatalf("send: %d %s", code, raw)
		}
		got := smtp.Wait(1, time.Minute)[0]
		p, err := smtptest.Parse(got.Data)
		if err != nil || got.To[0] != "boss@example.com" || p.Subject() != "Bitte lesen: Ihr Chat" || !strings.Contains(p.Text, "Thomas: Hello, I need help") {
			t.Fatalf("sent to %v, subject %q, %v:\n%s", got.To, p.Subject(), err, p.Text)
		}
		if ch, err := st.Chat(ctx, chatID); err != nil || ch.VisitorEmail != "thomas@example.com" {
			t.Fatalf("the visitor's address became %q, %v", ch.VisitorEmail, err)
		}
		for i := 1; i < 5; i++ {
			if code, raw := call("POST", annaToken, api.TranscriptMailRequest{To: "boss@example.com"}); code != 202 {
				t.Fatalf("send %d: %d %s", i, code, raw)
			}
		}
		if code, raw := call("POST", annaToken, api.TranscriptMailRequest{To: "boss@example.com"}); code != 429 {
			t.Fatalf("the sixth transcript: %d %s", code, raw)
		}
	})
}

// TestAgentTranscriptRetriedInFlight: the agent app sends a key with each send and keeps it
// when it tries again. Four identical requests at once (the first one's answer lost, the app
// trying again while it is still being written) e-mail exactly once, all answer 202, and a
// new key sends again; a bad key is refused.
func TestAgentTranscriptRetriedInFlight(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // four PDFs at once
		t.Cleanup(cancel)
		st := env.Server.Store()
		smtp := smtptest.Start(t, smtptest.Options{})
		if _, err := st.SaveMailSettings(ctx, store.MailSettings{TenantID: env.Demo.TenantID, Host: smtp.Host(), Port: smtp.Port(),
			TLS: store.MailTLSNone, FromAddress: "chat@demo.test"}); err != nil {
			t.Fatal(err)
		}
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		chatID, _ := startChat(t, ctx, visitor, agent, "Thomas")
		if _, err := agent.Call(ctx, chatID, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}
		anna := env.DemoUser(t, "agent", 0)
		token := env.Login(t, anna.Login, anna.Password)
		post := func(body api.TranscriptMailRequest) (int, []byte, error) {
			b, _ := json.Marshal(body)
			req, _ := http.NewRequestWithContext(ctx, "POST", env.URL+api.TranscriptMailPath(chatID), bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.AddCookie(&http.Cookie{Name: session.Cookie, Value: token})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return 0, nil, err
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, raw, nil
		}
		same := api.TranscriptMailRequest{To: "boss@example.com", Subject: "Once", Key: "a0123456789abcdef0"}
		type answer struct {
			code int
			raw  []byte
			err  error
		}
		answers := make(chan answer, 4)
		for range 4 {
			go func() {
				code, raw, err := post(same)
				answers <- answer{code, raw, err}
			}()
		}
		for range 4 {
			a := <-answers
			if a.err != nil || a.code != 202 {
				t.Fatalf("a send of the same key: %d %s %v", a.code, a.raw, a.err)
			}
		}
		if n, err := st.ChatMailCount(ctx, chatID, "transcript"); err != nil || n != 1 {
			t.Fatalf("%d transcripts written for one key, %v", n, err)
		}
		got := smtp.Wait(1, time.Minute)
		if p, err := smtptest.Parse(got[0].Data); err != nil || p.Subject() != "Once" {
			t.Fatalf("subject %q, %v", p.Subject(), err)
		}
		// Later, the same key again: still the one mail.
		if code, raw, err := post(same); err != nil || code != 202 {
			t.Fatalf("the key once more: %d %s %v", code, raw, err)
		}
		if code, raw, err := post(api.TranscriptMailRequest{To: "boss@example.com", Key: "not a key!"}); err != nil || code != 400 {
			t.Fatalf("a bad key: %d %s %v", code, raw, err)
		}
		// A new key is a new send.
		if code, raw, err := post(api.TranscriptMailRequest{To: "boss@example.com", Subject: "Twice", Key: "b0123456789abcdef0"}); err != nil || code != 202 {
			t.Fatalf("a new key: %d %s %v", code, raw, err)
		}
		got = smtp.Wait(2, time.Minute)
		if len(got) != 2 {
			t.Fatalf("%d mails at the SMTP server", len(got))
		}
		if n, err := st.ChatMailCount(ctx, chatID, "transcript"); err != nil || n != 2 {
			t.Fatalf("%d transcripts after a new key, %v", n, err)
		}
	})
}
