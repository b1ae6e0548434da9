package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/transcript"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translate/deepltest"
	"github.com/parleychat/parley/backend/translate/libretest"
	"github.com/parleychat/parley/shared/protocol"
)

// germanVisitor connects a visitor whose widget speaks German.
func germanVisitor(t *testing.T, ctx context.Context, env *servertest.Env, prefix string) (*protoclient.Client, *protocol.Connected) {
	t.Helper()
	c, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{IDPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Drop() })
	ev, err := c.Call(ctx, "", &protocol.VisitorConnect{Connector: env.Demo.ConnectorHash, Lang: "de-DE", Page: "https://shop.example/hilfe"})
	if err != nil {
		t.Fatalf("visitor.connect: %v", err)
	}
	return c, ev.Body.(*protocol.Connected)
}

// germanChat has a German visitor ask for a chat and the agent accept it.
func germanChat(t *testing.T, ctx context.Context, env *servertest.Env, agent *protoclient.Client, prefix string) (*protoclient.Client, string, protocol.ChatSummary) {
	t.Helper()
	visitor, _ := germanVisitor(t, ctx, env, prefix)
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Greta", Lang: "de", Question: "Guten Tag"})
	if err != nil {
		t.Fatalf("chat.request: %v", err)
	}
	chatID := ack.Body.(*protocol.Ack).Chat
	if _, err := agent.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Offer); return ok && ev.Chat == chatID }); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatalf("offer.accept: %v", err)
	}
	ev, err := agent.Await(ctx, func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.ChatOpened)
		return ok && o.Chat.ID == chatID
	})
	if err != nil {
		t.Fatal(err)
	}
	return visitor, chatID, ev.Body.(*protocol.ChatOpened).Chat
}

// line waits for the message with text on c and returns it.
func line(t *testing.T, ctx context.Context, c *protoclient.Client, text string) (protocol.Event, *protocol.Message) {
	t.Helper()
	return awaitMessage(t, ctx, c, text)
}

// wantTranslation checks a line's translation.
func wantTranslation(t *testing.T, m *protocol.Message, from, to, text string, failed bool) {
	t.Helper()
	tr := m.Translation
	if tr == nil || tr.From != from || tr.To != to || tr.Text != text || tr.Failed != failed {
		t.Fatalf("line %q: translation %+v, want %s→%s %q failed=%v", m.Text, tr, from, to, text, failed)
	}
}

// A visitor in German and an agent in English chat through the real server over WebSockets,
// with the tenant's LibreTranslate service and then its DeepL service (real local peers): each
// side gets the other's lines translated with the original kept, the store keeps both texts and
// a search in either language finds the line, the agent turns translation off and on, and a
// failing service (500, garbage, no answer in time) loses no line.
func TestChatTranslation(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		lt := libretest.New()
		t.Cleanup(lt.Close)
		lt.APIKey = "k1"
		lt.Phrase("de", "How can I help?", "Wie kann ich helfen?")
		lt.Phrase("en", "Ich suche ein Buch", "I am looking for a book")

		agent, _ := env.Agent(t, 0)
		// Off: the widget is offered no languages and no line is translated.
		if _, conn := germanVisitor(t, ctx, env, "v0-"); len(conn.TranslateLanguages) != 0 {
			t.Fatalf("translation off, languages %v", conn.TranslateLanguages)
		}
		env.Translate(t, translate.LibreTranslate, lt.URL, "k1", "de", "fr")
		if _, conn := germanVisitor(t, ctx, env, "v1-"); !slices.Equal(conn.TranslateLanguages, []string{"de", "fr"}) {
			t.Fatalf("languages %v", conn.TranslateLanguages)
		}
		visitor, chatID, sum := germanChat(t, ctx, env, agent, "v2-")
		if sum.Translation != "on" {
			t.Fatalf("chat.opened translation %q", sum.Translation)
		}
		// The first question too, into the tenant's default language (nobody had the chat).
		_, m := line(t, ctx, agent, "Guten Tag")
		wantTranslation(t, m, "de", "en", libretest.Tagged("en", "Guten Tag"), false)

		// Agent → visitor: the visitor reads German, the original is with it; the agent's own
		// line is the same event.
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "How can I help?"}); err != nil {
			t.Fatal(err)
		}
		_, m = line(t, ctx, visitor, "How can I help?")
		wantTranslation(t, m, "en", "de", "Wie kann ich helfen?", false)
		_, m = line(t, ctx, agent, "How can I help?")
		wantTranslation(t, m, "en", "de", "Wie kann ich helfen?", false)

		// Visitor → agent: the agent reads English.
		sent := time.Now()
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Ich suche ein Buch"}); err != nil {
			t.Fatal(err)
		}
		t.Logf("a translated line was acknowledged %v after it was sent", time.Since(sent).Round(100*time.Microsecond))
		_, m = line(t, ctx, agent, "Ich suche ein Buch")
		wantTranslation(t, m, "de", "en", "I am looking for a book", false)
		_, m = line(t, ctx, visitor, "Ich suche ein Buch")
		wantTranslation(t, m, "de", "en", "I am looking for a book", false)
		for _, r := range lt.Calls() {
			if r.APIKey != "k1" || r.Format != "text" {
				t.Fatalf("request %+v", r)
			}
		}

		// Stored with both texts, found by a word of either.
		st := env.Server.Store()
		msgs, err := st.Messages(ctx, chatID, 50)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range msgs {
			if m.Text == "Ich suche ein Buch" {
				found = m.Lang == "de" && m.Translation == "I am looking for a book" && m.TranslationLang == "en"
			}
		}
		if !found {
			t.Fatalf("stored messages %+v", msgs)
		}
		for _, word := range []string{"Buch", "book"} {
			hits, err := st.SearchMessages(ctx, store.ArchiveFilter{TenantID: env.Demo.TenantID}, []string{word}, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 1 || hits[0].Message.Text != "Ich suche ein Buch" || hits[0].Message.Translation != "I am looking for a book" {
				t.Fatalf("search %q: %+v", word, hits)
			}
		}

		// The transcript (PDF, e-mail, archive, REST API) shows both.
		rec, err := st.Chat(ctx, chatID)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := transcript.Load(ctx, st, rec, time.Now(), "en")
		if err != nil {
			t.Fatal(err)
		}
		if text := mail.TranscriptLines(ts); !strings.Contains(text, "Greta: Ich suche ein Buch\n        Translation (en): I am looking for a book\n") ||
			!strings.Contains(text, "How can I help?\n        Translation (de): Wie kann ich helfen?\n") {
			t.Fatalf("transcript:\n%s", text)
		}

		// The agent turns translation off: agents learn it, lines go as written; on again.
		if _, err := agent.Call(ctx, chatID, &protocol.TranslateSet{On: false}); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Await(ctx, func(ev protocol.Event) bool {
			c, ok := ev.Body.(*protocol.ChatTranslation)
			return ok && !c.On && ev.Seq > 0
		}); err != nil {
			t.Fatal(err)
		}
		calls := len(lt.Calls())
		sent = time.Now()
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Ohne Übersetzung"}); err != nil {
			t.Fatal(err)
		}
		t.Logf("an untranslated line was acknowledged %v after it was sent", time.Since(sent).Round(100*time.Microsecond))
		if _, m := line(t, ctx, agent, "Ohne Übersetzung"); m.Translation != nil || len(lt.Calls()) != calls {
			t.Fatalf("translation off, line %+v, %d calls", m.Translation, len(lt.Calls())-calls)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.TranslateSet{On: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Wieder an"}); err != nil {
			t.Fatal(err)
		}
		_, m = line(t, ctx, agent, "Wieder an")
		wantTranslation(t, m, "de", "en", libretest.Tagged("en", "Wieder an"), false)

		// The service down (500): the line goes untranslated, marked so.
		lt.Down(true)
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Danke"}); err != nil {
			t.Fatal(err)
		}
		_, m = line(t, ctx, agent, "Danke")
		wantTranslation(t, m, "de", "en", "", true)
		lt.Down(false)

		// No answer in time: the line waits at most translate.DefaultTimeout, then goes
		// untranslated; the lines sent after it follow it in order.
		release := lt.Hold()
		t.Cleanup(release)
		start := time.Now()
		if err := visitor.Send(ctx, "slow-1", chatID, &protocol.Send{Text: "Langsam"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // the line reaches the server before the note
		if err := agent.Send(ctx, "fast-1", chatID, &protocol.Send{Text: "Internal note", Internal: true}); err != nil {
			t.Fatal(err)
		}
		ev1, m := line(t, ctx, agent, "Langsam")
		waited := time.Since(start)
		wantTranslation(t, m, "de", "en", "", true)
		if waited > translate.DefaultTimeout+2*time.Second {
			t.Fatalf("the line waited %v for the service", waited)
		}
		t.Logf("a line waited %v for a service that did not answer", waited.Round(10*time.Millisecond))
		release()
		// The internal note, sent while the visitor's line waited, follows it.
		ev2, _ := line(t, ctx, agent, "Internal note")
		if ev1.Seq == 0 || ev2.Seq != ev1.Seq+1 {
			t.Fatalf("seqs %d then %d", ev1.Seq, ev2.Seq)
		}

		// Garbage from the service: the line goes untranslated.
		junk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"translatedText": "\u0000broken"}`))
		}))
		t.Cleanup(junk.Close)
		env.Translate(t, translate.LibreTranslate, junk.URL, "", "de", "fr")
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Kaputt"}); err != nil {
			t.Fatal(err)
		}
		_, m = line(t, ctx, agent, "Kaputt")
		wantTranslation(t, m, "de", "en", "", true)

		// DeepL: the same, through its API.
		dl := deepltest.New("dk:fx")
		t.Cleanup(dl.Close)
		dl.Phrase("DE", "Here is the book.", "Hier ist das Buch.")
		env.Translate(t, translate.DeepL, dl.URL, "dk:fx", "de", "fr")
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "Here is the book."}); err != nil {
			t.Fatal(err)
		}
		_, m = line(t, ctx, visitor, "Here is the book.")
		wantTranslation(t, m, "en", "de", "Hier ist das Buch.", false)
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Super"}); err != nil {
			t.Fatal(err)
		}
		_, m = line(t, ctx, agent, "Super")
		wantTranslation(t, m, "de", "en", deepltest.Tagged("EN-GB", "Super"), false)
	})
}

// A send retried while its line waits for the translation is answered once, with the same
// number, and neither translated nor stored twice; lines sent meanwhile keep their order.
func TestChatTranslationRetryInFlight(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lt := libretest.New()
	t.Cleanup(lt.Close)
	agent, _ := env.Agent(t, 0)
	env.Translate(t, translate.LibreTranslate, lt.URL, "", "de", "fr")
	visitor, chatID, _ := germanChat(t, ctx, env, agent, "r1-")

	release := lt.Hold()
	t.Cleanup(release)
	// The same command three times (a client that lost its connection and sent it again),
	// then the next line, all while the first waits for its translation.
	for range 3 {
		if err := visitor.Send(ctx, "dup-1", chatID, &protocol.Send{Text: "Nur einmal"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := visitor.Send(ctx, "next-1", chatID, &protocol.Send{Text: "Danach"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	release()
	var acks []uint64
	for len(acks) < 3 {
		ev, err := visitor.Await(ctx, func(ev protocol.Event) bool { return ev.ID == "dup-1" })
		if err != nil {
			t.Fatalf("acks %v: %v", acks, err)
		}
		a, ok := ev.Body.(*protocol.Ack)
		if !ok {
			t.Fatalf("answer %+v", ev.Body)
		}
		acks = append(acks, a.Seq)
	}
	if acks[0] == 0 || acks[0] != acks[1] || acks[1] != acks[2] {
		t.Fatalf("acks %v", acks)
	}
	first, _ := line(t, ctx, agent, "Nur einmal")
	second, _ := line(t, ctx, agent, "Danach")
	if second.Seq != first.Seq+1 {
		t.Fatalf("seqs %d then %d", first.Seq, second.Seq)
	}
	// A retry after the answer too.
	ev, err := visitor.CallID(ctx, "dup-1", chatID, &protocol.Send{Text: "Nur einmal"})
	if err != nil || ev.Body.(*protocol.Ack).Seq != acks[0] {
		t.Fatalf("late retry %+v %v", ev, err)
	}
	n := 0
	for _, r := range lt.Calls() {
		if r.Q == "Nur einmal" {
			n++
		}
	}
	msgs, err := env.Server.Store().Messages(ctx, chatID, 50)
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, m := range msgs {
		if m.Text == "Nur einmal" {
			stored++
		}
	}
	if n != 1 || stored != 1 {
		t.Fatalf("translated %d times, stored %d times", n, stored)
	}
}

// A chat handed to an agent of another language translates into the new agent's language.
func TestChatTranslationTransfer(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lt := libretest.New()
	t.Cleanup(lt.Close)
	ben, err := env.Server.Store().UserByLogin(ctx, env.DemoUser(t, "agent", 1).Login)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Server.Store().SetUserLang(ctx, ben.ID, "fr"); err != nil {
		t.Fatal(err)
	}
	anna, _ := env.Agent(t, 0)
	env.Translate(t, translate.LibreTranslate, lt.URL, "", "de", "fr")
	visitor, chatID, _ := germanChat(t, ctx, env, anna, "t1-")
	benc, ready := env.Agent(t, 1)
	if _, err := anna.Call(ctx, chatID, &protocol.ChatTransfer{UserID: ready.User.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := benc.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Offer); return ok && ev.Chat == chatID }); err != nil {
		t.Fatal(err)
	}
	if _, err := benc.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Hallo"}); err != nil {
		t.Fatal(err)
	}
	_, m := line(t, ctx, benc, "Hallo")
	wantTranslation(t, m, "de", "fr", libretest.Tagged("fr", "Hallo"), false)
	if _, err := benc.Call(ctx, chatID, &protocol.Send{Text: "Bonjour"}); err != nil {
		t.Fatal(err)
	}
	_, m = line(t, ctx, visitor, "Bonjour")
	wantTranslation(t, m, "fr", "de", libretest.Tagged("de", "Bonjour"), false)
}

// A chat closed while a line waits for its translation: the line is written before the close,
// untranslated, and answered; nothing is lost.
func TestChatTranslationCloseWhileWaiting(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lt := libretest.New()
	t.Cleanup(lt.Close)
	agent, _ := env.Agent(t, 0)
	env.Translate(t, translate.LibreTranslate, lt.URL, "", "de", "fr")
	visitor, chatID, _ := germanChat(t, ctx, env, agent, "c1-")
	release := lt.Hold()
	t.Cleanup(release)
	if err := visitor.Send(ctx, "last-1", chatID, &protocol.Send{Text: "Tschüss und danke"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the line waits for the service
	start := time.Now()
	if _, err := visitor.Call(ctx, chatID, &protocol.Close{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the close waited %v for the service", d)
	}
	ev, err := visitor.Await(ctx, func(ev protocol.Event) bool { return ev.ID == "last-1" })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ev.Body.(*protocol.Ack); !ok {
		t.Fatalf("the line was answered %+v", ev.Body)
	}
	lineEv, m := line(t, ctx, agent, "Tschüss und danke")
	wantTranslation(t, m, "de", "en", "", true)
	closed, err := agent.Await(ctx, func(ev protocol.Event) bool {
		s, ok := ev.Body.(*protocol.ChatState)
		return ok && s.State == protocol.StateClosed
	})
	if err != nil {
		t.Fatal(err)
	}
	if closed.Seq <= lineEv.Seq {
		t.Fatalf("the close (seq %d) came before the line (seq %d)", closed.Seq, lineEv.Seq)
	}
	release()
	time.Sleep(100 * time.Millisecond) // the translation that came too late writes nothing
	msgs, err := env.Server.Store().Messages(ctx, chatID, 50)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Text == "Tschüss und danke" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("stored %d times", n)
	}
}
