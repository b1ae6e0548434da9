package server_test

import (
	"net/http"
	"testing"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translate/libretest"
	"github.com/parleychat/parley/shared/protocol"
)

// A proactive chat with a visitor whose loader reports German, started by an English agent,
// translates both ways from German, over real WebSockets with a real LibreTranslate peer: the
// agents see the visitor's language in the list, the invitation on the page shows the agent's
// first message in German, the chat frame reads it with its original, and the visitor's answer
// reaches the agent in English.
func TestProactiveChatTranslation(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		withPresence(env, t)
		lt := libretest.New()
		t.Cleanup(lt.Close)
		lt.Phrase("de", "Hello! Can I help?", "Hallo! Kann ich helfen?")
		lt.Phrase("en", "Ja, die Lieferung", "Yes, the delivery")
		env.Translate(t, translate.LibreTranslate, lt.URL, "", "de", "fr")
		anna, _ := env.Agent(t, 0)

		l, err := dialLoader(t, ctx, env, shop)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.send(ctx, protocol.PresenceView{T: "view", Connector: env.Demo.ConnectorHash, Page: shop + "/versand", VisitorID: "browser-de", Lang: "de-AT"}); err != nil {
			t.Fatal(err)
		}
		online := awaitOnline(t, ctx, anna, func(v []protocol.OnlineVisitor) bool { return len(v) == 1 })
		if online[0].Lang != "de" {
			t.Fatalf("visitor online %+v, want lang de", online[0])
		}
		ack, err := anna.Call(ctx, "", &protocol.VisitorInvite{Visitor: online[0].ID, Text: "Hello! Can I help?"})
		if err != nil {
			t.Fatalf("visitor.invite: %v", err)
		}
		chatID := ack.Body.(*protocol.Ack).Chat
		_, opened := await[*protocol.ChatOpened](t, ctx, anna)
		if opened.Chat.ID != chatID || opened.Chat.Translation != "on" {
			t.Fatalf("chat.opened %+v, want translation on", opened.Chat)
		}
		_, m := awaitMessage(t, ctx, anna, "Hello! Can I help?")
		wantTranslation(t, m, "en", "de", "Hallo! Kann ich helfen?", false)

		inv, err := l.next(ctx)
		if err != nil || inv.T != "invite" || inv.Chat != chatID || inv.Text != "Hallo! Kann ich helfen?" {
			t.Fatalf("invitation on the presence socket: %+v %v", inv, err)
		}
		h := http.Header{}
		h.Set("Origin", shop)
		visitor, _ := env.VisitorOn(t, env.Demo.ConnectorHash, h)
		if _, err := visitor.Call(ctx, chatID, &protocol.Resume{Token: inv.Token}); err != nil {
			t.Fatalf("resume: %v", err)
		}
		_, m = awaitMessage(t, ctx, visitor, "Hello! Can I help?")
		wantTranslation(t, m, "en", "de", "Hallo! Kann ich helfen?", false)
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Ja, die Lieferung"}); err != nil {
			t.Fatal(err)
		}
		_, m = awaitMessage(t, ctx, anna, "Ja, die Lieferung")
		wantTranslation(t, m, "de", "en", "Yes, the delivery", false)
		if _, err := anna.Call(ctx, chatID, &protocol.Send{Text: "It ships today."}); err != nil {
			t.Fatal(err)
		}
		_, m = awaitMessage(t, ctx, visitor, "It ships today.")
		wantTranslation(t, m, "en", "de", libretest.Tagged("de", "It ships today."), false)
	})
}
