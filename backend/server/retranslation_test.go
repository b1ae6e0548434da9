package server_test

import (
	"testing"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/translate/libretest"
	"github.com/parleychat/parley/shared/protocol"
)

// A chat handed from an English agent to a French one: the French agent gets the visitor's
// earlier lines translated into French as one agents-only chat.retranslation naming the lines
// by number, over real WebSockets with a real LibreTranslate peer; the stored lines keep their
// originals and English translations, the visitor gets nothing of it.
func TestChatRetranslationAfterTransfer(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		ctx, env, lt := translating(t, opts)
		lt.Phrase("fr", "Ich suche ein Buch", "Je cherche un livre")
		anna, _ := env.Agent(t, 0)
		visitor, chatID, _ := germanChat(t, ctx, env, anna, "rt1-")
		if _, err := anna.Call(ctx, chatID, &protocol.Send{Text: "How can I help?"}); err != nil {
			t.Fatal(err)
		}
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Ich suche ein Buch"}); err != nil {
			t.Fatal(err)
		}
		first, _ := line(t, ctx, anna, "Guten Tag")
		book, m := line(t, ctx, anna, "Ich suche ein Buch")
		wantTranslation(t, m, "de", "en", libretest.Tagged("en", "Ich suche ein Buch"), false)

		ben, ready := env.Agent(t, 1)
		if _, err := anna.Call(ctx, chatID, &protocol.ChatTransfer{UserID: ready.User.ID}); err != nil {
			t.Fatal(err)
		}
		nextOffer(t, ctx, ben, chatID)
		if _, err := ben.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		ev, err := ben.Await(ctx, func(ev protocol.Event) bool {
			_, ok := ev.Body.(*protocol.ChatRetranslation)
			return ok && ev.Chat == chatID
		})
		if err != nil {
			t.Fatal(err)
		}
		rt := ev.Body.(*protocol.ChatRetranslation)
		want := []protocol.RetranslatedLine{
			{Seq: first.Seq, Translation: protocol.Translation{From: "de", To: "fr", Text: libretest.Tagged("fr", "Guten Tag")}},
			{Seq: book.Seq, Translation: protocol.Translation{From: "de", To: "fr", Text: "Je cherche un livre"}},
		}
		if ev.Seq == 0 || rt.Lang != "fr" || len(rt.Lines) != len(want) || rt.Lines[0] != want[0] || rt.Lines[1] != want[1] {
			t.Fatalf("chat.retranslation (seq %d) %+v, want fr %+v", ev.Seq, rt, want)
		}
		// The visitor never gets it.
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Danke"}); err != nil {
			t.Fatal(err)
		}
		for {
			ev, err := visitor.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := ev.Body.(*protocol.ChatRetranslation); ok {
				t.Fatalf("the visitor got %+v", ev.Body)
			}
			if m, ok := ev.Body.(*protocol.Message); ok && m.Text == "Danke" {
				break
			}
		}
		// The stored lines are as they were.
		msgs, err := env.Server.Store().Messages(ctx, chatID, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.Text == "Ich suche ein Buch" && (m.TranslationLang != "en" || m.Translation != libretest.Tagged("en", "Ich suche ein Buch")) {
				t.Fatalf("stored line changed: %+v", m)
			}
		}
		// Lines after the transfer reach the French agent in French as they come.
		_, m = line(t, ctx, ben, "Danke")
		wantTranslation(t, m, "de", "fr", libretest.Tagged("fr", "Danke"), false)
	})
}
