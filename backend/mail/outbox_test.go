package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/pdftext"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/backoff"
	"github.com/parleychat/parley/shared/protocol"
)

// backend is a database the tests run on: a function making a fresh store config.
type backend struct {
	name string
	cfg  func(t *testing.T) store.Config
}

var backends = []backend{
	{"sqlite", func(t *testing.T) store.Config { return store.Config{DataDir: t.TempDir()} }},
	{"postgres", func(t *testing.T) store.Config { return store.Config{DatabaseURL: pgtest.URL(t)} }},
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func open(t *testing.T, cfg store.Config) *store.Store {
	t.Helper()
	cfg.Logger = quiet
	st, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// each runs f on a fresh store on SQLite and on PostgreSQL.
func each(t *testing.T, f func(t *testing.T, st *store.Store)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, open(t, b.cfg(t))) })
	}
}

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts a minute ahead, so that what the test writes meanwhile is due.
func newClock() *clock { return &clock{t: time.Now().Add(time.Minute)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a tenant with SMTP settings pointing at a test server.
func tenantWith(t *testing.T, st *store.Store, srv *smtptest.Server, set store.MailSettings) store.Tenant {
	t.Helper()
	ctx := context.Background()
	ten, err := st.CreateTenant(ctx, store.Tenant{Name: "Acme Bakery", TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	set.TenantID, set.Host, set.Port = ten.ID, srv.Host(), srv.Port()
	if set.TLS == "" {
		set.TLS = store.MailTLSNone
	}
	if set.FromAddress == "" {
		set.FromAddress, set.FromName = "chat@acme.test", "Acme Chat"
	}
	if _, err := st.SaveMailSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	return ten
}

var testRetry = Retry{Backoff: backoff.Policy{Initial: time.Minute, Max: time.Hour}, MaxAttempts: 3, Claim: 5 * time.Minute}

func worker(st Store, clk *clock, sender Sender) *Outbox {
	return NewOutbox(Options{Store: st, Sender: sender, Retry: testRetry, Now: clk.Now, Rand: func() float64 { return 0 }, Logger: quiet})
}

func enqueue(t *testing.T, st *store.Store, tenantID int64, to string) store.OutboxMail {
	t.Helper()
	m, err := st.EnqueueMail(context.Background(), store.OutboxMail{TenantID: tenantID, Kind: "test", MessageID: NewMessageID(store.MailSettings{FromAddress: "chat@acme.test"}),
		To: to, Subject: "Grüße aus der Backstube", Body: "Hallo,\nIhre Torte ist fertig.\n"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func logOf(t *testing.T, st *store.Store, tenantID int64) []store.OutboxMail {
	t.Helper()
	l, err := st.OutboxLog(context.Background(), tenantID, 100)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// A transcript goes over STARTTLS with a password: the server sees the sender, the
// recipient, the subject, the text with the visitor's lines but not the whisper, and the PDF
// attached; the chat records the address; the delivery log shows it sent.
func TestTranscriptOverSTARTTLS(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srvTLS, roots := smtptest.Certificate(t)
		srv := smtptest.Start(t, smtptest.Options{Username: "acme", Password: "s3cret", TLS: srvTLS})
		ten := tenantWith(t, st, srv, store.MailSettings{TLS: store.MailTLSStartTLS, Username: "acme", Password: "s3cret"})
		chatID := storeChat(t, st, ten.ID)
		clk := newClock()
		ob := worker(st, clk, SMTP{TLSConfig: &tls.Config{RootCAs: roots}})
		tr := &Transcripts{Store: st, Outbox: ob, Now: clk.Now}
		m, err := tr.Send(ctx, chatID, "  zoe@example.test ")
		if err != nil {
			t.Fatal(err)
		}
		if m.State != store.MailPending || m.To != "zoe@example.test" {
			t.Fatalf("enqueued %+v", m)
		}
		if rec, err := st.Chat(ctx, chatID); err != nil || rec.VisitorEmail != "zoe@example.test" {
			t.Fatalf("the chat's visitor e-mail = %q, %v", rec.VisitorEmail, err)
		}
		if n, err := ob.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("DeliverDue = %d, %v", n, err)
		}
		got := srv.Wait(1, 10*time.Second)[0]
		if !got.TLS || got.Auth != "acme" || got.From != "chat@acme.test" || len(got.To) != 1 || got.To[0] != "zoe@example.test" {
			t.Fatalf("envelope: tls=%v auth=%q from=%q to=%v", got.TLS, got.Auth, got.From, got.To)
		}
		p, err := smtptest.Parse(got.Data)
		if err != nil {
			t.Fatal(err)
		}
		if from := p.Header.Get("From"); !strings.Contains(from, "Acme Chat") || !strings.Contains(from, "<chat@acme.test>") {
			t.Errorf("From: %q", from)
		}
		if p.Header.Get("Message-Id") != "<"+m.MessageID+">" {
			t.Errorf("Message-ID %q, want <%s>", p.Header.Get("Message-Id"), m.MessageID)
		}
		if s := p.Subject(); !strings.Contains(s, "Transcript of your chat with Webshop") {
			t.Errorf("subject %q", s)
		}
		for _, want := range []string{"Zoë: Wo bleibt meine Torte?", "Anna: Sie ist unterwegs.", "Chat:    " + chatID} {
			if !strings.Contains(p.Text, want) {
				t.Errorf("body lacks %q:\n%s", want, p.Text)
			}
		}
		if strings.Contains(p.Text, "Flüster") || strings.Contains(string(got.Data), "Flüster") {
			t.Error("the whisper reached the visitor")
		}
		pdf, ok := p.Attachment("transcript-" + chatID + ".pdf")
		if !ok || pdf.ContentType != "application/pdf" || !bytes.HasPrefix(pdf.Data, []byte("%PDF-")) {
			t.Fatalf("PDF attachment: %v %q %.8q", ok, pdf.ContentType, pdf.Data)
		}
		l := logOf(t, st, ten.ID)
		if len(l) != 1 || l[0].State != store.MailSent || l[0].Attempts != 1 || l[0].SentAt.IsZero() || l[0].LastError != "" || l[0].Kind != KindTranscript {
			t.Fatalf("log %+v", l)
		}
	})
}

// storeChat writes a closed chat of tenant tenantID with a visitor line, an agent line and a
// whisper, and returns its id.
func storeChat(t *testing.T, st *store.Store, tenantID int64) string {
	t.Helper()
	return storeChatIn(t, st, tenantID, "")
}

// storeChatIn is storeChat with the visitor's language lang.
func storeChatIn(t *testing.T, st *store.Store, tenantID int64, lang string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := st.CreateConnector(ctx, store.Connector{TenantID: tenantID, Name: "Webshop"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	closed := start.Add(10 * time.Minute)
	c := store.Chat{ID: store.NewChatID(), TenantID: tenantID, ConnectorID: conn.ID, State: "closed", VisitorName: "Zoë", Lang: lang,
		CreatedAt: start, ClosedAt: &closed, CloseCause: string(protocol.CauseVisitor)}
	ev := func(body protocol.EventBody, agentsOnly bool) store.Write {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		return store.Write{Event: &store.Event{ChatID: c.ID, Type: string(body.EventType()), Data: data, AgentsOnly: agentsOnly}}
	}
	err = st.Commit(ctx, store.Write{Chat: &c},
		ev(&protocol.Message{Role: protocol.RoleVisitor, Name: "Zoë", Text: "Wo bleibt meine Torte?", At: start.Add(time.Second)}, false),
		ev(&protocol.Message{Role: protocol.RoleAgent, Name: "Sven", Text: "Flüstern: sie ist verbrannt", At: start.Add(2 * time.Second)}, true),
		ev(&protocol.Message{Role: protocol.RoleAgent, Name: "Anna", Text: "Sie ist unterwegs.", At: start.Add(3 * time.Second)}, false),
		ev(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor, At: closed}, false))
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// A transcript mailed to a German or French visitor speaks their language: the subject, the
// body's headings and system lines, and the PDF's headings; what people wrote stays as written.
func TestTranscriptInTheVisitorsLanguage(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{})
		ten := tenantWith(t, st, srv, store.MailSettings{})
		clk := newClock()
		ob := worker(st, clk, SMTP{Timeout: 5 * time.Second})
		tr := &Transcripts{Store: st, Outbox: ob, Now: clk.Now}
		for i, c := range []struct {
			lang, subject string
			body, pdf     []string
		}{
			{"de-AT", "Protokoll Ihres Chats mit Webshop am ", []string{"Beginn: ", "Ende: ", "Der Besucher hat den Chat beendet", "Zoë: Wo bleibt meine Torte?", "Das Protokoll ist als PDF angehängt."},
				[]string{"Chatprotokoll", "Gesprächsverlauf", "Der Besucher hat den Chat beendet", "Wo bleibt meine Torte?"}},
			{"fr", "Transcription de votre chat avec Webshop du ", []string{"Début : ", "Fin : ", "Le visiteur a fermé le chat", "Zoë: Wo bleibt meine Torte?", "La transcription est jointe en PDF."},
				[]string{"Transcription du chat", "Le visiteur a fermé le chat", "Wo bleibt meine Torte?"}},
		} {
			chatID := storeChatIn(t, st, ten.ID, c.lang)
			if _, err := tr.Send(ctx, chatID, "zoe@example.test"); err != nil {
				t.Fatal(err)
			}
			if n, err := ob.DeliverDue(ctx); err != nil || n != 1 {
				t.Fatalf("DeliverDue = %d, %v", n, err)
			}
			p, err := smtptest.Parse(srv.Wait(i+1, 10*time.Second)[i].Data)
			if err != nil {
				t.Fatal(err)
			}
			if s := p.Subject(); !strings.HasPrefix(s, c.subject) {
				t.Errorf("%s: subject %q, want %q…", c.lang, s, c.subject)
			}
			for _, want := range c.body {
				if !strings.Contains(p.Text, want) {
					t.Errorf("%s: body lacks %q:\n%s", c.lang, want, p.Text)
				}
			}
			if strings.Contains(p.Text, "Started:") || strings.Contains(p.Text, "The visitor closed") {
				t.Errorf("%s: the body is still English:\n%s", c.lang, p.Text)
			}
			pdf, ok := p.Attachment("transcript-" + chatID + ".pdf")
			if !ok {
				t.Fatalf("%s: no PDF", c.lang)
			}
			doc, err := pdftext.Read(pdf.Data)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range c.pdf {
				if !strings.Contains(doc.Text(), want) {
					t.Errorf("%s: the PDF lacks %q", c.lang, want)
				}
			}
		}
	})
}

// A server that is down fails the attempt, which is kept with its error and retried after
// the backoff; once the server is back, the retry delivers.
func TestServerDownThenUp(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{})
		ten := tenantWith(t, st, srv, store.MailSettings{})
		srv.Stop()
		clk := newClock()
		ob := worker(st, clk, SMTP{Timeout: 5 * time.Second})
		m := enqueue(t, st, ten.ID, "zoe@example.test")
		if n, err := ob.DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("DeliverDue with the server down = %d, %v", n, err)
		}
		l := logOf(t, st, ten.ID)
		if l[0].State != store.MailPending || l[0].Attempts != 1 || l[0].LastError == "" || !l[0].NextAttemptAt.Equal(clk.Now().Truncate(time.Microsecond).Add(time.Minute)) {
			t.Fatalf("after a failed attempt: %+v", l[0])
		}
		// Not due before the backoff has passed, even with the server back.
		srv.Restart()
		clk.Add(59 * time.Second)
		if n, _ := ob.DeliverDue(ctx); n != 0 {
			t.Fatal("retried before its time")
		}
		clk.Add(time.Second)
		if n, err := ob.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("retry = %d, %v", n, err)
		}
		got := srv.Wait(1, 10*time.Second)
		p, err := smtptest.Parse(got[0].Data)
		if err != nil || p.Header.Get("Message-Id") != "<"+m.MessageID+">" || p.Subject() != "Grüße aus der Backstube" || !strings.Contains(p.Text, "Ihre Torte ist fertig.") {
			t.Fatalf("message %+v %v", p, err)
		}
		l = logOf(t, st, ten.ID)
		if l[0].State != store.MailSent || l[0].Attempts != 2 || l[0].LastError != "" {
			t.Fatalf("after the retry: %+v", l[0])
		}
	})
}

// A wrong password is retried, up to the bound, and then the message fails with the server's
// answer kept; nothing is delivered.
func TestAuthFailureIsBounded(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srvTLS, roots := smtptest.Certificate(t)
		srv := smtptest.Start(t, smtptest.Options{Username: "acme", Password: "right", TLS: srvTLS})
		ten := tenantWith(t, st, srv, store.MailSettings{TLS: store.MailTLSStartTLS, Username: "acme", Password: "wrong"})
		clk := newClock()
		ob := worker(st, clk, SMTP{TLSConfig: &tls.Config{RootCAs: roots}})
		enqueue(t, st, ten.ID, "zoe@example.test")
		for i := 1; i <= testRetry.MaxAttempts+2; i++ {
			if _, err := ob.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			clk.Add(2 * time.Hour)
		}
		l := logOf(t, st, ten.ID)
		if l[0].State != store.MailFailed || l[0].Attempts != testRetry.MaxAttempts || !strings.Contains(l[0].LastError, "535") {
			t.Fatalf("after a wrong password: %+v", l[0])
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("%d messages delivered", n)
		}
	})
}

// A recipient the server refuses for good is given up after one attempt.
func TestRejectedRecipientGivesUp(t *testing.T) {
	st := open(t, backends[0].cfg(t))
	srv := smtptest.Start(t, smtptest.Options{RejectRcpt: "nobody@example.test"})
	ten := tenantWith(t, st, srv, store.MailSettings{})
	clk := newClock()
	enqueue(t, st, ten.ID, "nobody@example.test")
	if _, err := worker(st, clk, SMTP{}).DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	l := logOf(t, st, ten.ID)
	if l[0].State != store.MailFailed || l[0].Attempts != 1 || !strings.Contains(l[0].LastError, "550") {
		t.Fatalf("%+v", l[0])
	}
}

// Implicit TLS (SMTPS) delivers over a connection that is encrypted from the start, and a
// certificate the client does not trust is refused (and retried, as an admin may fix it).
func TestImplicitTLS(t *testing.T) {
	st := open(t, backends[0].cfg(t))
	srvTLS, roots := smtptest.Certificate(t)
	srv := smtptest.Start(t, smtptest.Options{TLS: srvTLS, Implicit: true})
	ten := tenantWith(t, st, srv, store.MailSettings{TLS: store.MailTLSImplicit})
	clk := newClock()
	enqueue(t, st, ten.ID, "zoe@example.test")
	ctx := context.Background()
	if _, err := worker(st, clk, SMTP{Timeout: 5 * time.Second}).DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	if l := logOf(t, st, ten.ID); l[0].State != store.MailPending || !strings.Contains(l[0].LastError, "certificate") {
		t.Fatalf("an untrusted certificate: %+v", l[0])
	}
	clk.Add(time.Hour)
	if n, err := worker(st, clk, SMTP{TLSConfig: &tls.Config{RootCAs: roots}}).DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("DeliverDue = %d, %v", n, err)
	}
	if got := srv.Wait(1, 10*time.Second); !got[0].TLS {
		t.Fatal("not over TLS")
	}
}

// A worker killed between claiming a message and recording the outcome leaves it claimed:
// no other attempt takes it while the claim holds, and once it lapses the message is sent
// (again, if the dead worker had sent it: the same Message-ID).
func TestClaimLapses(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{})
		ten := tenantWith(t, st, srv, store.MailSettings{})
		clk := newClock()
		m := enqueue(t, st, ten.ID, "zoe@example.test")
		// The dead worker's claim.
		if _, ok, err := st.ClaimMail(ctx, m, clk.Now().Add(testRetry.Claim)); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		// A stale listing cannot claim it a second time.
		if _, ok, err := st.ClaimMail(ctx, m, clk.Now().Add(testRetry.Claim)); err != nil || ok {
			t.Fatalf("second claim of the same attempt: %v %v", ok, err)
		}
		ob := worker(st, clk, SMTP{})
		if n, _ := ob.DeliverDue(ctx); n != 0 {
			t.Fatal("sent while claimed")
		}
		clk.Add(testRetry.Claim)
		if n, err := ob.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("after the claim lapsed: %d, %v", n, err)
		}
		srv.Wait(1, 10*time.Second)
		if l := logOf(t, st, ten.ID); l[0].State != store.MailSent || l[0].Attempts != 2 {
			t.Fatalf("%+v", l[0])
		}
	})
}

// Messages written before a restart, never attempted, are delivered by the worker of the
// next process: the outbox is the database, not memory.
func TestPendingSurviveRestart(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			cfg := b.cfg(t)
			srv := smtptest.Start(t, smtptest.Options{})
			cfg.Logger = quiet
			first, err := store.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			ten := tenantWith(t, first, srv, store.MailSettings{})
			for _, to := range []string{"a@example.test", "b@example.test", "c@example.test"} {
				enqueue(t, first, ten.ID, to)
			}
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			second := open(t, cfg)
			ctx, cancel := context.WithCancel(context.Background())
			ob := NewOutbox(Options{Store: second, Logger: quiet})
			done := make(chan struct{})
			go func() { defer close(done); ob.Run(ctx) }()
			got := srv.Wait(3, 30*time.Second)
			cancel()
			<-done
			seen := map[string]bool{}
			for _, g := range got {
				seen[g.To[0]] = true
			}
			if len(seen) != 3 {
				t.Fatalf("delivered to %v", seen)
			}
			for _, m := range logOf(t, second, ten.ID) {
				if m.State != store.MailSent {
					t.Errorf("%s: %s", m.To, m.State)
				}
			}
		})
	}
}

// The outbox refuses what would break a message or its headers: a header injected through
// the address or subject, NUL, huge parts, a missing tenant.
func TestEnqueueRefusesBadInput(t *testing.T) {
	st := open(t, backends[0].cfg(t))
	ctx := context.Background()
	ten, err := st.CreateTenant(ctx, store.Tenant{Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	ok := store.OutboxMail{TenantID: ten.ID, MessageID: "x@y", To: "a@example.test", Subject: "s", Body: "b"}
	for name, mod := range map[string]func(m *store.OutboxMail){
		"injected header": func(m *store.OutboxMail) { m.To = "a@example.test\r\nBcc: all@example.test" },
		"two addresses":   func(m *store.OutboxMail) { m.To = "a@example.test, b@example.test" },
		"display name":    func(m *store.OutboxMail) { m.To = "Eve <a@example.test>" },
		"no domain":       func(m *store.OutboxMail) { m.To = "a@" },
		"NUL in address":  func(m *store.OutboxMail) { m.To = "a\x00@example.test" },
		"NUL in body":     func(m *store.OutboxMail) { m.Body = "a\x00b" },
		"huge body":       func(m *store.OutboxMail) { m.Body = strings.Repeat("x", store.MailBodyBytes+1) },
		"huge subject":    func(m *store.OutboxMail) { m.Subject = strings.Repeat("ü", store.MailSubjectRunes+1) },
		"bad UTF-8":       func(m *store.OutboxMail) { m.Subject = "\xff" },
		"no tenant":       func(m *store.OutboxMail) { m.TenantID = 0 },
		"unknown tenant":  func(m *store.OutboxMail) { m.TenantID = 1 << 40 },
		"attachment path": func(m *store.OutboxMail) {
			m.Attachments = []store.MailAttachment{{Name: "../x", ContentType: "text/plain"}}
		},
		"huge attachments": func(m *store.OutboxMail) {
			m.Attachments = []store.MailAttachment{{Name: "a", ContentType: "a/b", Data: make([]byte, store.MailAttachmentBytes+1)}}
		},
	} {
		m := ok
		mod(&m)
		if _, err := st.EnqueueMail(ctx, m); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	m := ok
	m.Subject = "line\r\nBcc: all@example.test"
	got, err := st.EnqueueMail(ctx, m)
	if err != nil || strings.ContainsAny(got.Subject, "\r\n") {
		t.Fatalf("a subject with line breaks is flattened: %q %v", got.Subject, err)
	}
	if len(logOf(t, st, ten.ID)) != 1 {
		t.Fatal("refused messages were written")
	}
}

// Transcripts refuse a bad address and an unknown chat without writing anything, and a
// tenant without settings keeps the message pending with an error that says what to do.
func TestTranscriptErrors(t *testing.T) {
	st := open(t, backends[0].cfg(t))
	ctx := context.Background()
	ten, err := st.CreateTenant(ctx, store.Tenant{Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	chatID := storeChat(t, st, ten.ID)
	tr := &Transcripts{Store: st}
	for _, addr := range []string{"", "zoe", "zoe@example.test\nBcc: x@y", "a@b@c", strings.Repeat("a", 300) + "@example.test"} {
		if _, err := tr.Send(ctx, chatID, addr); !errors.Is(err, ErrBadAddress) {
			t.Errorf("%q: %v", addr, err)
		}
	}
	if _, err := tr.Send(ctx, "no-such-chat", "zoe@example.test"); !errors.Is(err, ErrUnknownChat) {
		t.Errorf("unknown chat: %v", err)
	}
	if _, err := tr.Send(ctx, chatID, "zoe@example.test"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < MaxTranscriptsPerChat; i++ {
		if _, err := tr.Send(ctx, chatID, fmt.Sprintf("zoe%d@example.test", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tr.Send(ctx, chatID, "one.more@example.test"); !errors.Is(err, ErrTooMany) {
		t.Fatalf("a transcript past the bound: %v", err)
	}
	clk := newClock()
	if _, err := worker(st, clk, SMTP{}).DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	l := logOf(t, st, ten.ID)
	if len(l) != MaxTranscriptsPerChat || l[0].State != store.MailPending || l[0].LastError != ErrNotConfigured.Error() {
		t.Fatalf("%+v", l)
	}
}
