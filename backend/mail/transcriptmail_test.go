package mail

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/mailtemplate"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/transcript"
	"github.com/parleychat/parley/shared/protocol"
)

// A connector's HTML template, subject and sender reach the real SMTP server: every
// identifier is filled in, values are HTML-escaped, the text part is the template's text,
// the sender is the connector's, and the PDF is still attached.
func TestTranscriptWithConnectorTemplate(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{})
		ten := tenantWith(t, st, srv, store.MailSettings{})
		chatID := storeChat(t, st, ten.ID)
		ch, err := st.Chat(ctx, chatID)
		if err != nil {
			t.Fatal(err)
		}
		u, err := st.CreateUser(ctx, store.User{TenantID: ten.ID, Login: "anna", Name: "Anna Maria Berg", Nickname: "Anna", Role: store.RoleAgent, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ch.AgentID = u.ID
		ch.VisitorName = `Zoë <b>&</b>`
		if err := st.Commit(ctx, store.Write{Chat: &ch}); err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, id := range mailtemplate.Identifiers {
			if id != mailtemplate.Transcript {
				all.WriteString(id + "=[$" + id + "$]<br>")
			}
		}
		if _, err := st.SaveTranscriptMail(ctx, store.TranscriptMail{ConnectorID: ch.ConnectorID, TenantID: ten.ID, HTML: true,
			Subject:     "Chat Conversation with $Agent$ ($ServiceGroup$)",
			Template:    `<p>Dear $Customer.Name$,</p><script>alert(1)</script><p>` + all.String() + `</p>$Transcript$`,
			FromAddress: "webshop@acme.test", FromName: "Webshop team"}); err != nil {
			t.Fatal(err)
		}
		clk := newClock()
		ob := worker(st, clk, SMTP{})
		tr := &Transcripts{Store: st, Outbox: ob, Now: clk.Now}
		if _, err := tr.Send(ctx, chatID, "zoe@example.test"); err != nil {
			t.Fatal(err)
		}
		if n, err := ob.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("DeliverDue = %d, %v", n, err)
		}
		got := srv.Wait(1, 10*time.Second)[0]
		if got.From != "webshop@acme.test" {
			t.Fatalf("envelope sender %q, want the connector's", got.From)
		}
		p, err := smtptest.Parse(got.Data)
		if err != nil {
			t.Fatal(err)
		}
		if from := p.Header.Get("From"); !strings.Contains(from, "Webshop team") {
			t.Errorf("From: %q", from)
		}
		if s := p.Subject(); s != "Chat Conversation with Anna Maria Berg (Webshop)" {
			t.Errorf("subject %q", s)
		}
		var html string
		for _, part := range p.Parts {
			if strings.HasPrefix(part.ContentType, "text/html") {
				html = string(part.Data)
			}
		}
		for _, want := range []string{"Dear Zoë &lt;b&gt;&amp;&lt;/b&gt;,", "Agent.FirstName=[Anna Maria]", "Agent.LastName=[Berg]",
			"Agent.ChatName=[Anna]", "ServiceGroup.Email=[webshop@acme.test]", "Customer.Email=[zoe@example.test]", "Sie ist unterwegs.", "<table"} {
			if !strings.Contains(html, want) {
				t.Errorf("HTML part lacks %q:\n%s", want, html)
			}
		}
		if strings.Contains(html, "<script") || strings.Contains(html, "$") || strings.Contains(html, "Flüster") {
			t.Errorf("HTML part carries a script, a placeholder or a whisper:\n%s", html)
		}
		for _, want := range []string{"Dear Zoë <b>&</b>,", "Agent.Name=[Anna Maria Berg]", "Anna: Sie ist unterwegs."} {
			if !strings.Contains(p.Text, want) {
				t.Errorf("text part lacks %q:\n%s", want, p.Text)
			}
		}
		if _, ok := p.Attachment("transcript-" + chatID + ".pdf"); !ok {
			t.Error("no PDF")
		}
	})
}

// The identifiers' values: dates in the chat's language and the tenant's zone, names split.
func TestTranscriptValues(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tr := transcript.Transcript{Connector: "Shop", Lang: "de-DE", Location: berlin, Started: time.Date(2026, 3, 4, 22, 30, 0, 0, time.UTC),
		Visitor: transcript.Visitor{Name: "Zoë", Email: "z@example.test", Phone: "+49 30 1"}}
	v := TranscriptValues(tr, store.User{Name: "Berg"}, "s@example.test", time.Date(2026, 3, 5, 9, 5, 0, 0, time.UTC))
	want := map[string]string{mailtemplate.Date: "05.03.2026", mailtemplate.Time: "10:05", mailtemplate.Received: "04.03.2026 23:30",
		mailtemplate.AgentFirstName: "Berg", mailtemplate.AgentLastName: "", mailtemplate.AgentChatName: "Berg",
		mailtemplate.CustomerNumber: "+49 30 1", mailtemplate.ServiceGroupName: "Shop"}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("$%s$ = %q, want %q", k, v[k], w)
		}
	}
	for _, id := range mailtemplate.Identifiers {
		if _, ok := v[id]; !ok {
			t.Errorf("no value for $%s$", id)
		}
	}
	tr.Lang = "fr"
	if v := TranscriptValues(tr, store.User{}, "", tr.Started); v[mailtemplate.Date] != "04/03/2026" {
		t.Errorf("French date %q", v[mailtemplate.Date])
	}
}

// A chat closed on a connector that sends transcripts automatically leaves, from its close's
// transaction, a message to compose. A worker that cannot compose fails the attempt (and
// retries; it does not spin); one with the transcripts composes it at its next attempt and
// delivers it with the PDF, to the address the chat knows, once.
func TestAutoTranscriptComposedByTheOutbox(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{})
		ten := tenantWith(t, st, srv, store.MailSettings{})
		conn, err := st.CreateConnector(ctx, store.Connector{TenantID: ten.ID, Name: "Webshop"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SaveTranscriptMail(ctx, store.TranscriptMail{ConnectorID: conn.ID, TenantID: ten.ID, AutoSend: true,
			Subject: "Ihr Chat, $Customer$"}); err != nil {
			t.Fatal(err)
		}
		c := store.Chat{ID: store.NewChatID(), TenantID: ten.ID, ConnectorID: conn.ID, State: "closed", VisitorName: "Zoë", VisitorEmail: "zoe@example.com",
			CloseCause: string(protocol.CauseVisitor)}
		data, _ := json.Marshal(protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor})
		if err := st.Commit(ctx, store.Write{Chat: &c, Event: &store.Event{ChatID: c.ID, Type: string(protocol.TypeChatState), Data: data}}); err != nil {
			t.Fatal(err)
		}
		clk := newClock()
		if n, err := worker(st, clk, SMTP{}).DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("without a composer: %d sent, %v", n, err)
		}
		if l := logOf(t, st, ten.ID); len(l) != 1 || l[0].State != store.MailComposing || l[0].Attempts != 1 || l[0].LastError == "" {
			t.Fatalf("log %+v", l)
		}
		clk.Add(time.Hour)
		w := NewOutbox(Options{Store: st, Composer: &Transcripts{Store: st}, Retry: testRetry, Now: clk.Now, Rand: func() float64 { return 0 }, Logger: quiet})
		if n, err := w.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("with a composer: %d sent, %v %+v", n, err, logOf(t, st, ten.ID))
		}
		got := srv.Messages()
		if len(got) != 1 || got[0].To[0] != "zoe@example.com" {
			t.Fatalf("received %+v", got)
		}
		p, err := smtptest.Parse(got[0].Data)
		if _, ok := p.Attachment("transcript-" + c.ID + ".pdf"); err != nil || p.Subject() != "Ihr Chat, Zoë" || !ok {
			t.Fatalf("subject %q, pdf %v, %v", p.Subject(), ok, err)
		}
		if n, err := w.DeliverDue(ctx); err != nil || n != 0 || len(srv.Messages()) != 1 {
			t.Fatalf("sent again: %d %v", n, err)
		}
	})
}
