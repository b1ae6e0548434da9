package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
	"github.com/parleychat/parley/backend/tyntec/tyntectest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestWhatsAppThroughTynTec runs WhatsApp end to end against a local TynTec: a customer's
// message opens a chat that routing offers to a real WebSocket agent; a retried webhook is
// applied once; an image with a caption arrives as an image line (fetched from TynTec and
// stored as a Parley file) and a text line; the agent's text and file go to TynTec with the
// API key, and TynTec's delivered and seen reports mark the line; a wrong secret is refused.
// On SQLite and PostgreSQL.
func TestWhatsAppThroughTynTec(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		fake := tyntectest.New("key-123")
		defer fake.Close()
		opts.Configure = func(c *config.Config) { c.TynTecURL, c.PublicURL = fake.URL, "https://chat.example.com" }
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		st := env.Server.Store()
		agent, ready := env.Agent(t, 0)
		conn := env.ChangeConnector(t, func(c *store.Connector) {
			c.WhatsAppEnabled, c.WhatsAppAPIKey, c.WhatsAppNumber, c.WhatsAppTemplates = true, "key-123", "+4930123456", "order_update de"
		})
		hook := tyntec.WebhookURL(env.URL, conn)
		now := time.Now().UTC()

		if code, _, _ := tyntectest.Post(env.URL+"/tyntec/"+conn.Hash+"/wrong-secret", tyntectest.Text("x", "491701234567", "4930123456", "hi", now)); code != http.StatusNotFound {
			t.Fatalf("wrong secret answered %d", code)
		}
		if code, _, _ := tyntectest.Post(hook, tyntec.Event{Event: "Bogus", MessageID: "b"}); code != http.StatusBadRequest {
			t.Fatalf("unknown event answered %d", code)
		}
		first := tyntectest.Text("in-1", "491701234567", "4930123456", "Hello from WhatsApp", now)
		for range 2 { // TynTec retries; the message is applied once
			if code, body, err := tyntectest.Post(hook, first); err != nil || code != http.StatusOK {
				t.Fatalf("webhook: %d %s %v", code, body, err)
			}
		}
		offerEv, offer := await[*protocol.Offer](t, ctx, agent)
		if offer.Visitor != "Erika" {
			t.Fatalf("offer %+v", offer)
		}
		chatID := offerEv.Chat
		if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		_, opened := await[*protocol.ChatOpened](t, ctx, agent)
		if opened.Chat.Visitor.Phone != "+491701234567" || opened.Chat.Visitor.UData["Channel"] != "WhatsApp" {
			t.Fatalf("chat.opened visitor %+v", opened.Chat.Visitor)
		}
		awaitMessage(t, ctx, agent, "Hello from WhatsApp")

		png := []byte("\x89PNG\r\n\x1a\n-not-really-an-image")
		url := fake.AddMedia("img-1", "image/png", png)
		if code, body, _ := tyntectest.Post(hook, tyntectest.Image("in-2", "491701234567", "4930123456", url, "Look at this", now)); code != http.StatusOK {
			t.Fatalf("image webhook: %d %s", code, body)
		}
		imgEv, err := agent.Await(ctx, func(ev protocol.Event) bool { m, ok := ev.Body.(*protocol.Message); return ok && m.File != nil })
		if err != nil {
			t.Fatal(err)
		}
		img := imgEv.Body.(*protocol.Message)
		if img.File.ContentType != "image/png" || img.File.Size != int64(len(png)) || img.Role != protocol.RoleVisitor {
			t.Fatalf("image line %+v", img.File)
		}
		captionEv, caption := awaitMessage(t, ctx, agent, "Look at this")
		if captionEv.Seq <= imgEv.Seq || caption.File != nil {
			t.Fatalf("the caption is not a text line after the image: %+v", caption)
		}
		f, err := st.File(ctx, attach.IDFromURL(img.File.URL))
		if err != nil || string(f.Data) != string(png) {
			t.Fatalf("stored image %v: %q", err, f.Data)
		}

		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "Hi Erika, how can I help?"}); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "only for colleagues", Internal: true}); err != nil {
			t.Fatal(err)
		}
		doc, err := st.CreateFile(ctx, store.File{TenantID: conn.TenantID, ChatID: chatID, Name: "invoice.pdf", ContentType: "application/pdf",
			Size: 9, Role: string(protocol.RoleAgent), UserID: ready.User.ID, Data: []byte("%PDF-1.4\n")})
		if err != nil {
			t.Fatal(err)
		}
		w := attach.Wire(doc)
		if _, err := agent.Call(ctx, chatID, &protocol.FileSend{Name: w.Name, URL: w.URL, Size: w.Size, ContentType: w.ContentType}); err != nil {
			t.Fatal(err)
		}
		msgs := fake.WaitMessages(2, 15*time.Second)
		if len(msgs) != 2 {
			t.Fatalf("TynTec got %d messages, want 2: %+v", len(msgs), msgs)
		}
		if m := msgs[0]; m.To != "491701234567" || m.From != "4930123456" || m.Content.ContentType != tyntec.ContentText || m.Content.Text != "Hi Erika, how can I help?" {
			t.Fatalf("text message %+v", m)
		}
		if m := msgs[1]; m.Content.ContentType != tyntec.ContentDocument || m.Content.Document.URL != "https://chat.example.com"+w.URL || m.Content.Document.Filename != "invoice.pdf" {
			t.Fatalf("file message %+v %+v", m, m.Content.Document)
		}
		_, ids := fake.Messages()
		for _, s := range []string{"delivered", "seen"} {
			if code, _, _ := tyntectest.Post(hook, tyntectest.Status(ids[0], s, time.Now())); code != http.StatusOK {
				t.Fatalf("status %s answered %d", s, code)
			}
		}
		// TynTec has the second message once the send is on its way; the server records the
		// answer's message id a moment later.
		var lines []store.WhatsAppOut
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			lines, err = st.WhatsAppLines(ctx, chatID)
			if err == nil && len(lines) == 2 && lines[0].Status == store.WhatsAppRead && lines[0].MessageID == ids[0] && lines[1].Status == store.WhatsAppAccepted {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("lines %+v %v", lines, err)
			}
		}
		// The retried first message was not applied twice.
		if n := countText(t, ctx, st, chatID, "Hello from WhatsApp"); n != 1 {
			t.Fatalf("the first message is in the chat %d times", n)
		}
	})
}

// countText counts a chat's stored lines with text.
func countText(t *testing.T, ctx context.Context, st *store.Store, chatID, text string) int {
	t.Helper()
	msgs, err := st.Messages(ctx, chatID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Text == text {
			n++
		}
	}
	return n
}

// TestWhatsAppDayOldCustomerGetsOnlyTemplates: a customer whose message TynTec delivers more
// than 24 hours late is outside WhatsApp's window: the agent's free text and files are
// refused with window_closed and never reach TynTec, an unknown template is refused, and a
// configured template goes out as a template message with its parameters.
func TestWhatsAppDayOldCustomerGetsOnlyTemplates(t *testing.T) {
	fake := tyntectest.New("key-9")
	defer fake.Close()
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.TynTecURL = fake.URL }})
	ctx := ctxT(t)
	agent, _ := env.Agent(t, 0)
	conn := env.ChangeConnector(t, func(c *store.Connector) {
		c.WhatsAppEnabled, c.WhatsAppAPIKey, c.WhatsAppNumber, c.WhatsAppTemplates = true, "key-9", "+4930123456", "order_update de\nwelcome_back en"
	})
	old := tyntectest.Text("late-1", "+33612345678", "4930123456", "Are you there?", time.Now().Add(-25*time.Hour))
	if code, body, _ := tyntectest.Post(tyntec.WebhookURL(env.URL, conn), old); code != http.StatusOK {
		t.Fatalf("webhook: %d %s", code, body)
	}
	offerEv, _ := await[*protocol.Offer](t, ctx, agent)
	chatID := offerEv.Chat
	if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	awaitMessage(t, ctx, agent, "Are you there?")
	if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "Sorry for the wait!"}); !isCode(err, protocol.CodeWindowClosed) {
		t.Fatalf("free text after 24 hours: %v", err)
	}
	if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "/template no_such_one"}); !isCode(err, protocol.CodeInvalid) {
		t.Fatalf("unknown template: %v", err)
	}
	if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "a note for colleagues", Internal: true}); err != nil {
		t.Fatalf("an internal note is not WhatsApp's business: %v", err)
	}
	if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "/template order_update Erika | 4711"}); err != nil {
		t.Fatal(err)
	}
	msgs := fake.WaitMessages(1, 15*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("TynTec got %d messages", len(msgs))
	}
	tpl := msgs[0].Content.Template
	if msgs[0].To != "33612345678" || msgs[0].Content.ContentType != tyntec.ContentTemplate || tpl == nil || tpl.TemplateID != "order_update" ||
		tpl.TemplateLanguage != "de" || tpl.Components == nil || len(tpl.Components.Body) != 2 || tpl.Components.Body[1].Text != "4711" {
		t.Fatalf("template message %+v %+v", msgs[0], tpl)
	}
	// Nothing else went: the refused lines were never written.
	time.Sleep(300 * time.Millisecond)
	if all, _ := fake.Messages(); len(all) != 1 {
		t.Fatalf("TynTec got %d messages, want only the template", len(all))
	}
}

// TestWhatsAppStatusBeforeTheSendAnswer: TynTec's webhook may overtake its answer to a send.
// The local TynTec calls the status webhook with "delivered" and "seen" before it answers the
// send with the message id; the reports are kept and applied once the id is recorded, so the
// agent still sees the line read. On SQLite and PostgreSQL.
func TestWhatsAppStatusBeforeTheSendAnswer(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		fake := tyntectest.New("key-123")
		defer fake.Close()
		opts.Configure = func(c *config.Config) { c.TynTecURL = fake.URL }
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		conn := env.ChangeConnector(t, func(c *store.Connector) {
			c.WhatsAppEnabled, c.WhatsAppAPIKey, c.WhatsAppNumber = true, "key-123", "+4930123456"
		})
		hook := tyntec.WebhookURL(env.URL, conn)
		if code, body, err := tyntectest.Post(hook, tyntectest.Text("in-1", "491701234567", "4930123456", "Hallo", time.Now().UTC())); err != nil || code != http.StatusOK {
			t.Fatalf("webhook: %d %s %v", code, body, err)
		}
		offerEv, _ := await[*protocol.Offer](t, ctx, agent)
		if _, err := agent.Call(ctx, offerEv.Chat, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		awaitMessage(t, ctx, agent, "Hallo")
		fake.ReportBeforeAnswer(hook, "delivered", "seen")
		ackEv, err := agent.Call(ctx, offerEv.Chat, &protocol.Send{Text: "Guten Tag"})
		if err != nil {
			t.Fatal(err)
		}
		sent, _ := ackEv.Body.(*protocol.Ack)
		if sent == nil || sent.Seq == 0 {
			t.Fatalf("send acked %+v", ackEv)
		}
		if _, err := agent.Await(ctx, func(ev protocol.Event) bool {
			st, ok := ev.Body.(*protocol.LineStatus)
			return ok && st.Line == sent.Seq && st.Status == protocol.DeliveryRead
		}); err != nil {
			t.Fatalf("the agent never saw the line read: %v", err)
		}
		lines, err := env.Server.Store().WhatsAppLines(ctx, offerEv.Chat)
		if err != nil || len(lines) != 1 || lines[0].Status != store.WhatsAppRead {
			t.Fatalf("lines %+v %v", lines, err)
		}
	})
}
