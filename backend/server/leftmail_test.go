package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestKillNineKeepsLeftReplies answers a left message twice while the server runs and its
// mail server is away, kills the server with SIGKILL before it could send the replies, and
// starts it again with the mail server back: both replies reach the visitor, threaded, and
// the left message lists them sent, on SQLite and PostgreSQL.
func TestKillNineKeepsLeftReplies(t *testing.T) {
	crashEach(t, func(t *testing.T, srv *crashServer) {
		smtp := smtptest.Start(t, smtptest.Options{})
		smtp.Stop()
		srv.start()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		st := srv.store(ctx)
		defer func() { _ = st.Close() }()
		tenants, err := st.Tenants(ctx)
		if err != nil || len(tenants) == 0 {
			t.Fatalf("tenants: %v", err)
		}
		tid := tenants[0].ID
		set := store.MailSettings{TenantID: tid, Host: smtp.Host(), Port: smtp.Port(), TLS: store.MailTLSNone, FromAddress: "chat@demo.test"}
		if _, err := st.SaveMailSettings(ctx, set); err != nil {
			t.Fatal(err)
		}
		conns, err := st.Connectors(ctx, tid)
		if err != nil || len(conns) == 0 {
			t.Fatalf("connectors: %v", err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		rec := store.Chat{ID: store.NewChatID(), TenantID: tid, ConnectorID: conns[0].ID, State: "closed", VisitorName: "Zoë",
			VisitorEmail: "zoe@demo.test", CreatedAt: now, ClosedAt: &now, CloseCause: store.CloseCauseLeftMessage}
		data, _ := json.Marshal(&protocol.Message{Role: protocol.RoleVisitor, Name: "Zoë", Text: "Where is my cake?", At: now})
		if err := st.Commit(ctx, store.Write{Chat: &rec, Event: &store.Event{ChatID: rec.ID, Type: string(protocol.TypeMessage), Data: data, At: now},
			Message: &store.Message{ChatID: rec.ID, Role: string(protocol.RoleVisitor), Name: "Zoë", Text: "Where is my cake?", At: now}}); err != nil {
			t.Fatal(err)
		}
		l := &mail.Left{Store: st}
		me := store.User{ID: 1, Name: "Anna"}
		first, err := l.Reply(ctx, tid, rec.ID, me, "On its way.")
		if err != nil {
			t.Fatal(err)
		}
		second, err := l.Reply(ctx, tid, rec.ID, me, "Delivered?")
		if err != nil {
			t.Fatal(err)
		}
		srv.kill()
		smtp.Restart()
		srv.start()
		got := smtp.Wait(2, 2*time.Minute)
		byID := map[string]smtptest.Parsed{}
		for _, g := range got {
			p, err := smtptest.Parse(g.Data)
			if err != nil {
				t.Fatal(err)
			}
			byID[p.Header.Get("Message-Id")] = p
		}
		p1, ok1 := byID["<"+first.MessageID+">"]
		p2, ok2 := byID["<"+second.MessageID+">"]
		if !ok1 || !ok2 {
			t.Fatalf("delivered %v, want both replies", byID)
		}
		if p2.Header.Get("In-Reply-To") != "<"+first.MessageID+">" || !strings.Contains(p2.Header.Get("References"), "<"+first.MessageID+">") ||
			p1.Header.Get("In-Reply-To") != "<"+mail.LeftRootID(rec.ID, set)+">" {
			t.Errorf("thread headers: first In-Reply-To %q, second In-Reply-To %q References %q",
				p1.Header.Get("In-Reply-To"), p2.Header.Get("In-Reply-To"), p2.Header.Get("References"))
		}
		for {
			lm, err := st.LeftMessage(ctx, tid, rec.ID)
			if err == nil && len(lm.Replies) == 2 && lm.Replies[0].MailState == store.MailSent && lm.Replies[1].MailState == store.MailSent {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("left message %+v %v", lm, err)
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}
