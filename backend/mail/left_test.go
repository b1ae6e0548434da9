package mail

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// leftFixture is a tenant whose connector's group has two members with addresses (and one
// without), and a message left on that connector.
type leftFixture struct {
	ten    store.Tenant
	conn   store.Connector
	chatID string
	agent  store.User
}

// leaveMessage stores a left message the way the chat service does, with the group's notices
// written in the same transaction.
func leaveMessage(t *testing.T, st *store.Store, l *Left, conn store.Connector, email, text string) string {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	rec := store.Chat{ID: store.NewChatID(), TenantID: conn.TenantID, ConnectorID: conn.ID, State: "closed", VisitorName: "Zoë",
		VisitorEmail: email, VisitorPhone: "+49 30 1234", CreatedAt: now, ClosedAt: &now, CloseCause: store.CloseCauseLeftMessage}
	data, err := json.Marshal(&protocol.Message{Role: protocol.RoleVisitor, Name: "Zoë", Text: text, At: now})
	if err != nil {
		t.Fatal(err)
	}
	notices, err := l.Notices(ctx, conn, rec, text, "https://chat.acme.test")
	if err != nil {
		t.Fatal(err)
	}
	ws := []store.Write{{Chat: &rec, Event: &store.Event{ChatID: rec.ID, Type: string(protocol.TypeMessage), Data: data, At: now},
		Message: &store.Message{ChatID: rec.ID, Role: string(protocol.RoleVisitor), Name: "Zoë", Text: text, At: now}}}
	for i := range notices {
		ws = append(ws, store.Write{Mail: &notices[i]})
	}
	if err := st.Commit(ctx, ws...); err != nil {
		t.Fatal(err)
	}
	return rec.ID
}

func newLeftFixture(t *testing.T, st *store.Store, srv *smtptest.Server, l *Left) leftFixture {
	t.Helper()
	ctx := context.Background()
	ten := tenantWith(t, st, srv, store.MailSettings{})
	g, err := st.CreateGroup(ctx, store.ACDGroup{TenantID: ten.ID, Name: "Bakery"})
	if err != nil {
		t.Fatal(err)
	}
	var agent store.User
	for _, u := range []store.User{
		{Login: "anna", Name: "Anna Berg", Email: "anna@acme.test"},
		{Login: "sven", Name: "Sven", Email: "sven@acme.test"},
		{Login: "nomail", Name: "No Mail"},
	} {
		u.TenantID, u.Role, u.Active, u.Groups, u.PasswordHash, u.MaxChats = ten.ID, store.RoleAgent, true, []int64{g.ID}, "x", 3
		created, err := st.CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if agent.ID == 0 {
			agent = created
		}
	}
	conn, err := st.CreateConnector(ctx, store.Connector{TenantID: ten.ID, Name: "Webshop", GroupID: g.ID})
	if err != nil {
		t.Fatal(err)
	}
	return leftFixture{ten: ten, conn: conn, agent: agent,
		chatID: leaveMessage(t, st, l, conn, "zoe@example.test", "Wo bleibt meine Torte?\nBitte rufen Sie an.")}
}

// A left message notifies the group's members who have an address, with the message, the
// contact data and the link; two replies reach the visitor threaded under the notice and
// each other ("Re:", In-Reply-To the previous message, References the whole thread), and the
// left message shows itself answered with both replies, on SQLite and PostgreSQL.
func TestLeftMessageThread(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{})
		clk := newClock()
		ob := worker(st, clk, SMTP{})
		l := &Left{Store: st, Outbox: ob}
		f := newLeftFixture(t, st, srv, l)
		if n, err := ob.DeliverDue(ctx); err != nil || n != 2 {
			t.Fatalf("notices delivered %d, %v; want 2 (the member without an address gets none)", n, err)
		}
		root := "<left." + f.chatID + "@acme.test>"
		to := map[string]bool{}
		for _, g := range srv.Wait(2, 10*time.Second) {
			to[g.To[0]] = true
			p, err := smtptest.Parse(g.Data)
			if err != nil {
				t.Fatal(err)
			}
			if p.Header.Get("Message-Id") != root || p.Subject() != "Message to Webshop: Wo bleibt meine Torte?" {
				t.Errorf("notice Message-ID %q subject %q", p.Header.Get("Message-Id"), p.Subject())
			}
			for _, want := range []string{"> Wo bleibt meine Torte?", "> Bitte rufen Sie an.", "zoe@example.test", "+49 30 1234",
				"https://chat.acme.test/admin/left#left-" + f.chatID} {
				if !strings.Contains(p.Text, want) {
					t.Errorf("notice lacks %q:\n%s", want, p.Text)
				}
			}
		}
		if !to["anna@acme.test"] || !to["sven@acme.test"] {
			t.Fatalf("notices went to %v", to)
		}

		lm, err := st.LeftMessage(ctx, f.ten.ID, f.chatID)
		if err != nil || lm.State() != store.LeftNew {
			t.Fatalf("before replying: %v %v", lm.State(), err)
		}
		first, err := l.Reply(ctx, f.ten.ID, f.chatID, f.agent, "  Sie ist unterwegs.  ")
		if err != nil {
			t.Fatal(err)
		}
		second, err := l.Reply(ctx, f.ten.ID, f.chatID, f.agent, "Sie ist angekommen?")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := ob.DeliverDue(ctx); err != nil || n != 2 {
			t.Fatalf("replies delivered %d, %v", n, err)
		}
		got := srv.Wait(4, 10*time.Second)[2:]
		want := []struct{ id, inReplyTo, refs, text string }{
			{"<" + first.MessageID + ">", root, root, "Sie ist unterwegs."},
			{"<" + second.MessageID + ">", "<" + first.MessageID + ">", root + " <" + first.MessageID + ">", "Sie ist angekommen?"},
		}
		for i, g := range got {
			p, err := smtptest.Parse(g.Data)
			if err != nil {
				t.Fatal(err)
			}
			h := p.Header
			refs := strings.Join(strings.Fields(h.Get("References")), " ")
			if g.To[0] != "zoe@example.test" || h.Get("Message-Id") != want[i].id || h.Get("In-Reply-To") != want[i].inReplyTo || refs != want[i].refs {
				t.Errorf("reply %d: to %v Message-ID %q In-Reply-To %q References %q, want %+v", i, g.To, h.Get("Message-Id"), h.Get("In-Reply-To"), refs, want[i])
			}
			if p.Subject() != "Re: Message to Webshop: Wo bleibt meine Torte?" {
				t.Errorf("reply %d subject %q", i, p.Subject())
			}
			if body := strings.ReplaceAll(p.Text, "\r\n", "\n"); !strings.HasPrefix(body, want[i].text+"\n\nOn ") || !strings.Contains(p.Text, "> Wo bleibt meine Torte?") {
				t.Errorf("reply %d body:\n%s", i, p.Text)
			}
		}
		lm, err = st.LeftMessage(ctx, f.ten.ID, f.chatID)
		if err != nil {
			t.Fatal(err)
		}
		if lm.State() != store.LeftAnswered || len(lm.Replies) != 2 {
			t.Fatalf("after replying: %s %+v", lm.State(), lm.Replies)
		}
		for i, r := range lm.Replies {
			if r.Author != "Anna Berg" || r.UserID != f.agent.ID || r.MailState != store.MailSent || r.CreatedAt.IsZero() {
				t.Errorf("reply %d: %+v", i, r)
			}
		}
		if lm.Replies[0].Text != "Sie ist unterwegs." || lm.Replies[1].Text != "Sie ist angekommen?" {
			t.Errorf("reply texts %q %q", lm.Replies[0].Text, lm.Replies[1].Text)
		}
		list, err := st.LeftMessages(ctx, f.ten.ID, 10)
		if err != nil || len(list) != 1 || len(list[0].Replies) != 2 {
			t.Fatalf("list %+v %v", list, err)
		}
	})
}

// Replies that cannot be right are refused with a rule a person reads, and nothing is
// written: no text, NUL, too long, a visitor without an address, another tenant's message,
// a chat that is not a left message, e-mail not set up.
func TestLeftReplyRefusals(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{})
		l := &Left{Store: st}
		f := newLeftFixture(t, st, srv, l)
		noMail := leaveMessage(t, st, l, f.conn, "", "Call me")
		other, err := st.CreateTenant(ctx, store.Tenant{Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		plain := storeChat(t, st, f.ten.ID)
		var re *store.RuleError
		for _, c := range []struct {
			name, chat, text string
			tenant           int64
			rule             bool
		}{
			{"empty", f.chatID, " \n ", f.ten.ID, true},
			{"NUL", f.chatID, "a\x00b", f.ten.ID, true},
			{"huge", f.chatID, strings.Repeat("x", store.LeftReplyRunes+1), f.ten.ID, true},
			{"no address", noMail, "Hello", f.ten.ID, true},
			{"other tenant", f.chatID, "Hello", other.ID, false},
			{"not left", plain, "Hello", f.ten.ID, false},
			{"unknown", "nope", "Hello", f.ten.ID, false},
		} {
			_, err := l.Reply(ctx, c.tenant, c.chat, f.agent, c.text)
			if c.rule && !errors.As(err, &re) {
				t.Errorf("%s: %v, want a rule", c.name, err)
			}
			if !c.rule && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: %v, want not found", c.name, err)
			}
		}
		if _, err := st.SaveMailSettings(ctx, store.MailSettings{TenantID: f.ten.ID, Port: 25, TLS: store.MailTLSNone}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Reply(ctx, f.ten.ID, f.chatID, f.agent, "Hello"); !errors.As(err, &re) {
			t.Errorf("e-mail not set up: %v", err)
		}
		for _, id := range []string{f.chatID, noMail} {
			if n, err := st.ChatMailCount(ctx, id, store.KindLeftReply); err != nil || n != 0 {
				t.Errorf("%s: %d replies written, %v", id, n, err)
			}
		}
	})
}
