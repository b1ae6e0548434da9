package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
	"github.com/parleychat/parley/backend/tyntec/tyntectest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestKillNineKeepsWhatsApp: a WhatsApp customer's chat is open and accepted, TynTec is
// unavailable, and the agent answers twice; the server is killed with SIGKILL with both lines
// pending (the first refused once, the second waiting behind it). Started again with TynTec
// back, both lines reach TynTec exactly once and in order, and the customer's next message
// lands in the same chat, still open after longer than the connector's reconnect window. On
// SQLite and PostgreSQL.
func TestKillNineKeepsWhatsApp(t *testing.T) {
	crashEach(t, func(t *testing.T, srv *crashServer) {
		fake := tyntectest.New("key-k9")
		defer fake.Close()
		srv.env = []string{"PARLEY_TYNTEC_URL=" + fake.URL, "PARLEY_PUBLIC_URL=https://chat.example.com"}
		srv.start()
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		_, tokens := srv.prepare(ctx)
		st := srv.store(ctx)
		defer func() { _ = st.Close() }()
		tenants, err := st.Tenants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns, err := st.Connectors(ctx, tenants[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		conn := conns[0]
		conn.WhatsAppEnabled, conn.WhatsAppAPIKey, conn.WhatsAppNumber = true, "key-k9", "+4930123456"
		// A short reconnect window: a chat nobody re-joins after the start ends soon.
		conn.ReconnectWindow = 5 * time.Second
		if conn, err = st.UpdateConnector(ctx, conn); err != nil {
			t.Fatal(err)
		}
		hook := tyntec.WebhookURL("http://"+srv.addr, conn)
		post := func(e tyntec.Event) {
			t.Helper()
			if code, body, err := tyntectest.Post(hook, e); err != nil || code != http.StatusOK {
				t.Fatalf("webhook: %d %s %v\n%s", code, body, err, srv.logs.String())
			}
		}

		agent := srv.agent(ctx, tokens[0])
		post(tyntectest.Text("in-1", "491701234567", "4930123456", "Hallo?", time.Now().UTC()))
		var chatID string
		for chatID == "" {
			ev, err := agent.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if o, ok := ev.Body.(*protocol.Offer); ok {
				chatID = o.Chat
			}
		}
		if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		fake.Refuse(true)
		for _, text := range []string{"Eins", "Zwei"} {
			if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		// The first line was tried and waits for its retry; the second waits behind it.
		for {
			lines, err := st.WhatsAppLines(ctx, chatID)
			if err != nil {
				t.Fatal(err)
			}
			if fake.Refused() >= 1 && len(lines) == 2 && lines[0].State == store.WhatsAppPending && lines[0].Attempts >= 1 &&
				lines[1].State == store.WhatsAppPending {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("TynTec refused %d sends; outbox %+v", fake.Refused(), lines)
			case <-time.After(20 * time.Millisecond):
			}
		}
		srv.kill()
		fake.Refuse(false)
		restarted := time.Now()
		srv.start()

		got := fake.WaitMessages(2, 90*time.Second)
		t.Logf("the pending lines reached TynTec %v after the restart began (their retry was due)", time.Since(restarted).Round(100*time.Millisecond))
		time.Sleep(2 * time.Second) // room for a duplicate to show
		got, _ = fake.Messages()
		if len(got) != 2 || got[0].Content.Text != "Eins" || got[1].Content.Text != "Zwei" || got[0].To != "491701234567" {
			t.Fatalf("TynTec got %+v, want Eins and Zwei once each", got)
		}

		// Longer than the reconnect window: the server re-joined the chat at its start, so it
		// did not end as a visitor who went away.
		time.Sleep(8 * time.Second)
		post(tyntectest.Text("in-2", "491701234567", "4930123456", "Noch da?", time.Now().UTC()))
		open, err := st.OpenWhatsAppChats(ctx, conn.ID, "+491701234567")
		if err != nil || len(open) != 1 || open[0].ChatID != chatID {
			t.Fatalf("open WhatsApp chats %+v %v, want only %s", open, err, chatID)
		}
		for {
			msgs, err := st.Messages(ctx, chatID, 100)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(msgs); n > 0 && msgs[n-1].Text == "Noch da?" && msgs[n-1].Role == string(protocol.RoleVisitor) {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("the customer's message is not in chat %s: %+v\n%s", chatID, msgs, srv.logs.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
		ch, err := st.Chat(ctx, chatID)
		if err != nil || ch.State == "closed" {
			t.Fatalf("chat after the restart: %+v %v", ch, err)
		}
		lines, err := st.WhatsAppLines(ctx, chatID)
		if err != nil || len(lines) != 2 || lines[0].State != store.WhatsAppSent || lines[1].State != store.WhatsAppSent {
			t.Fatalf("outbox %+v %v", lines, err)
		}
	})
}
