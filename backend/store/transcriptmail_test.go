package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mailtemplate"
	"github.com/parleychat/parley/shared/protocol"
)

// A connector's transcript e-mail is saved and read back on both databases; a typo in a
// placeholder is refused with its name; HTML loses its scripts; another tenant's connector
// is not found.
func TestTranscriptMail(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "T")
			other := newTenant(t, s, "Other")
			k := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))

			def := must[TranscriptMail](t)(s.TranscriptMail(ctx, k.ID))
			if def.TenantID != ten.ID || def.Subject != "" || def.AutoSend || def.OpenOnClose {
				t.Fatalf("defaults = %+v", def)
			}
			want := TranscriptMail{ConnectorID: k.ID, TenantID: ten.ID, Subject: " Chat Conversation with $Agent$ ", HTML: true,
				Template:    `<p onclick="x()">Dear $Customer.Name$,</p><script>alert(1)</script>$Transcript$`,
				FromAddress: "chat@company.example", FromName: "Company chat", AutoSend: true, OpenOnClose: true}
			got := must[TranscriptMail](t)(s.SaveTranscriptMail(ctx, want))
			if got.Subject != "Chat Conversation with $Agent$" || !got.HTML || !got.AutoSend || !got.OpenOnClose ||
				got.FromAddress != want.FromAddress || got.FromName != want.FromName || got.UpdatedAt.IsZero() {
				t.Fatalf("saved = %+v", got)
			}
			if strings.Contains(got.Template, "<script") || strings.Contains(got.Template, "onclick") || !strings.Contains(got.Template, "$Transcript$") {
				t.Fatalf("template not sanitised: %q", got.Template)
			}
			again := must[TranscriptMail](t)(s.TranscriptMail(ctx, k.ID))
			if again != got {
				t.Fatalf("read back %+v, saved %+v", again, got)
			}

			bad := want
			bad.Subject = "Chat with $Agnet$"
			var fe *FieldError
			var ue *mailtemplate.UnknownError
			if _, err := s.SaveTranscriptMail(ctx, bad); !errors.As(err, &fe) || fe.Field != "Subject" || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "$Agnet$") {
				t.Fatalf("typo: %v", err)
			} else if errors.As(err, &ue) {
				t.Log("unknown placeholder named:", ue.Name)
			}
			bad = want
			bad.Template = "a\x00b"
			if _, err := s.SaveTranscriptMail(ctx, bad); !errors.As(err, &fe) || fe.Field != "Template" {
				t.Fatalf("NUL: %v", err)
			}
			bad = want
			bad.FromAddress = "not an address"
			if _, err := s.SaveTranscriptMail(ctx, bad); !errors.As(err, &fe) || fe.Field != "FromAddress" {
				t.Fatalf("sender: %v", err)
			}
			foreign := want
			foreign.TenantID = other.ID
			if _, err := s.SaveTranscriptMail(ctx, foreign); !errors.Is(err, ErrNotFound) {
				t.Fatalf("another tenant's connector: %v", err)
			}
			if _, err := s.TranscriptMail(ctx, k.ID+1000); !errors.Is(err, ErrNotFound) {
				t.Fatalf("no connector: %v", err)
			}
		})
	}
}

// An outbox message keeps its HTML body and its own sender; a bad sender is refused.
func TestOutboxHTMLAndSender(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "T")
			m := OutboxMail{TenantID: ten.ID, Kind: "transcript", MessageID: "x@example.com", To: "v@example.com", Subject: "S",
				Body: "text", HTMLBody: "<p>html</p>", FromAddress: "chat@example.com", FromName: "Chat"}
			w := must[OutboxMail](t)(s.EnqueueMail(ctx, m))
			c, ok, err := s.ClaimMail(ctx, w, now())
			if err != nil || !ok {
				t.Fatal(ok, err)
			}
			if c.HTMLBody != m.HTMLBody || c.FromAddress != m.FromAddress || c.FromName != m.FromName {
				t.Fatalf("claimed %+v", c)
			}
			m.FromAddress = "a@b@c"
			if _, err := s.EnqueueMail(ctx, m); !errors.Is(err, ErrInvalid) {
				t.Fatalf("bad sender: %v", err)
			}
			m.FromAddress, m.HTMLBody = "", "a\x00"
			if _, err := s.EnqueueMail(ctx, m); !errors.Is(err, ErrInvalid) {
				t.Fatalf("NUL in HTML: %v", err)
			}
		})
	}
}

// A close of a chat whose connector sends transcripts automatically writes, in the close's
// transaction, one transcript message waiting to be composed, addressed to the visitor;
// closing it again, a chat without an address, a chat closed because its visitor left a
// message, and a connector that does not send automatically write none. The composed message
// is pending with its content, and composing it twice does nothing.
func TestAutoTranscriptInCloseTransaction(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "T")
			auto := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Auto"}))
			manual := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Manual"}))
			if _, err := s.SaveTranscriptMail(ctx, TranscriptMail{ConnectorID: auto.ID, TenantID: ten.ID, AutoSend: true}); err != nil {
				t.Fatal(err)
			}
			closeChat := func(conn int64, email string, cause protocol.Cause) Chat {
				c := newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID, c.VisitorEmail = conn, email })
				c.State, c.CloseCause = "closed", string(cause)
				data, _ := json.Marshal(protocol.ChatState{State: protocol.StateClosed, Cause: cause})
				if err := s.Commit(ctx, Write{Chat: &c, Event: &Event{ChatID: c.ID, Type: string(protocol.TypeChatState), Data: data}}); err != nil {
					t.Fatal(err)
				}
				return c
			}
			sent := closeChat(auto.ID, "ann@example.com", protocol.CauseAgent)
			closeChat(auto.ID, "", protocol.CauseAgent)
			closeChat(auto.ID, "left@example.com", protocol.CauseLeftMessage)
			closeChat(manual.ID, "bob@example.com", protocol.CauseAgent)
			// The same chat's close event once more (a retried close) writes no second message.
			data, _ := json.Marshal(protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent})
			if err := s.Commit(ctx, Write{Event: &Event{ChatID: sent.ID, Type: string(protocol.TypeChatState), Data: data}}); err != nil {
				t.Fatal(err)
			}
			due := must[[]OutboxMail](t)(s.DueMail(ctx, time.Now().Add(time.Minute), 10))
			if len(due) != 1 || due[0].ChatID != sent.ID || due[0].To != "ann@example.com" || due[0].State != MailComposing || due[0].Kind != KindTranscriptMail {
				t.Fatalf("due = %+v", due)
			}
			claimed, ok, err := s.ClaimMail(ctx, due[0], time.Now().Add(time.Minute))
			if err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			full := OutboxMail{ID: claimed.ID, MessageID: "x1@demo.test", To: "someone@else.example", Subject: "Your chat", Body: "Hello",
				Attachments: []MailAttachment{{Name: "t.pdf", ContentType: "application/pdf", Data: []byte("%PDF")}}}
			got, ok, err := s.ComposedMail(ctx, full)
			if err != nil || !ok || got.State != MailPending || got.To != "ann@example.com" || got.Subject != "Your chat" || got.Attempts != 1 {
				t.Fatalf("composed %+v %v %v", got, ok, err)
			}
			if _, ok, err := s.ComposedMail(ctx, full); err != nil || ok {
				t.Fatalf("composed twice: %v %v", ok, err)
			}
			again, ok, err := s.ClaimMail(ctx, got, time.Now())
			if err != nil || !ok || len(again.Attachments) != 1 || again.Body != "Hello" {
				t.Fatalf("claim composed: %+v %v %v", again, ok, err)
			}
		})
	}
}
