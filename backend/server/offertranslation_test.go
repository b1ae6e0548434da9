package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translate/libretest"
	"github.com/parleychat/parley/shared/protocol"
)

// translating starts a server whose demo tenant translates through a LibreTranslate service
// (a real local one) offering German and French, with the second demo agent speaking French.
func translating(t *testing.T, opts servertest.Options) (context.Context, *servertest.Env, *libretest.Server) {
	t.Helper()
	env := servertest.Start(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	lt := libretest.New()
	t.Cleanup(lt.Close)
	env.Translate(t, translate.LibreTranslate, lt.URL, "", "de", "fr")
	frenchAgent(t, ctx, env, 1)
	return ctx, env, lt
}

// frenchAgent makes the n-th demo agent speak French, before they connect.
func frenchAgent(t *testing.T, ctx context.Context, env *servertest.Env, n int) {
	t.Helper()
	u, err := env.Server.Store().UserByLogin(ctx, env.DemoUser(t, "agent", n).Login)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Server.Store().SetUserLang(ctx, u.ID, "fr"); err != nil {
		t.Fatal(err)
	}
}

// germanQuestion has a German visitor ask for a chat with a first question and returns the chat.
func germanQuestion(t *testing.T, ctx context.Context, env *servertest.Env, prefix, question string) string {
	t.Helper()
	visitor, _ := germanVisitor(t, ctx, env, prefix)
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Greta", Lang: "de", Question: question})
	if err != nil {
		t.Fatalf("chat.request: %v", err)
	}
	return ack.Body.(*protocol.Ack).Chat
}

// nextOffer waits for the next offer of chatID on c.
func nextOffer(t *testing.T, ctx context.Context, c *protoclient.Client, chatID string) *protocol.Offer {
	t.Helper()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Offer); return ok && ev.Chat == chatID })
	if err != nil {
		t.Fatalf("waiting for the offer of %s: %v", chatID, err)
	}
	return ev.Body.(*protocol.Offer)
}

// wantOfferTranslation checks an offer's question translation.
func wantOfferTranslation(t *testing.T, o *protocol.Offer, from, to, text string) {
	t.Helper()
	tr := o.Translation
	if tr == nil || tr.From != from || tr.To != to || tr.Text != text || tr.Failed {
		t.Fatalf("offer of %q: translation %+v, want %s→%s %q", o.Question, tr, from, to, text)
	}
}

// An offered agent reads the visitor's first question in their own language, over real
// WebSockets with a real LibreTranslate peer: an English agent at once (the translation made
// with the request, not made again), a French agent in the offer sent again when the service
// answered; a reconnecting agent's agent.ready carries it.
func TestOfferTranslation(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		ctx, env, lt := translating(t, opts)
		lt.Phrase("fr", "Wo ist meine Bestellung?", "Où est ma commande ?")

		anna, _ := env.Agent(t, 0)
		chatID := germanQuestion(t, ctx, env, "o1-", "Guten Tag")
		o := nextOffer(t, ctx, anna, chatID)
		wantOfferTranslation(t, o, "de", "en", libretest.Tagged("en", "Guten Tag"))
		if n := len(lt.Calls()); n != 1 {
			t.Fatalf("%d calls to the service for one question into one language", n)
		}
		if _, err := anna.Call(ctx, "", &protocol.StatusSet{Status: 0}); err != nil {
			t.Logf("status: %v", err)
		}
		anna.Drop()

		ben, _ := env.Agent(t, 1)
		chatID = germanQuestion(t, ctx, env, "o2-", "Wo ist meine Bestellung?")
		first := nextOffer(t, ctx, ben, chatID)
		if first.Question != "Wo ist meine Bestellung?" {
			t.Fatalf("offer question %q", first.Question)
		}
		o = first
		if o.Translation == nil {
			o = nextOffer(t, ctx, ben, chatID)
		}
		wantOfferTranslation(t, o, "de", "fr", "Où est ma commande ?")
		if o.Question != first.Question || !o.Expires.Equal(first.Expires) {
			t.Fatalf("the offer sent again %+v differs from the first %+v", o, first)
		}

		// Another connection of the same agent finds the offer translated.
		_, ready := env.AgentWithToken(t, env.Login(t, env.DemoUser(t, "agent", 1).Login, env.DemoUser(t, "agent", 1).Password))
		found := false
		for _, o := range ready.Offers {
			if o.Chat == chatID {
				found = true
				wantOfferTranslation(t, &o, "de", "fr", "Où est ma commande ?")
			}
		}
		if !found {
			t.Fatalf("agent.ready offers %+v", ready.Offers)
		}
	})
}

// A slow service holds no offer up: the offer goes out at once with the question as written,
// and again, to replace it, when the translation arrives.
func TestOfferTranslationReplacesTheCard(t *testing.T) {
	ctx, env, lt := translating(t, servertest.Options{})
	// Asked while nobody takes chats: the question is translated into English with the
	// request; the French agent comes after, while the service hangs.
	chatID := germanQuestion(t, ctx, env, "r1-", "Ich brauche Hilfe")
	release := lt.Hold()
	t.Cleanup(release)
	ben, _ := env.Agent(t, 1)
	first := nextOffer(t, ctx, ben, chatID)
	if first.Translation != nil || first.Question != "Ich brauche Hilfe" {
		t.Fatalf("first offer %+v, want the question as written", first)
	}
	release()
	o := nextOffer(t, ctx, ben, chatID)
	wantOfferTranslation(t, o, "de", "fr", libretest.Tagged("fr", "Ich brauche Hilfe"))
	if !o.Expires.Equal(first.Expires) {
		t.Fatalf("the offer sent again expires %v, the first %v", o.Expires, first.Expires)
	}
}

// A service that fails leaves the offer as it went out: the question as written, not sent
// again, and the chat is taken as ever.
func TestOfferTranslationServiceDown(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	failed := make(chan string, 4)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":"service unavailable"}`))
		failed <- r.URL.Path
	}))
	t.Cleanup(down.Close)
	env.Translate(t, translate.LibreTranslate, down.URL, "", "de", "fr")
	frenchAgent(t, ctx, env, 1)
	chatID := germanQuestion(t, ctx, env, "d1-", "Ich brauche Hilfe")
	<-failed // the request's own try, into English
	ben, _ := env.Agent(t, 1)
	o := nextOffer(t, ctx, ben, chatID)
	if o.Translation != nil || o.Question != "Ich brauche Hilfe" {
		t.Fatalf("offer %+v, want the question as written", o)
	}
	select {
	case <-failed: // the offer's try, into French
	case <-ctx.Done():
		t.Fatal("the offer's question was not sent to the service")
	}
	if _, err := ben.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := ben.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if o, ok := ev.Body.(*protocol.Offer); ok && ev.Chat == chatID {
			t.Fatalf("the offer was sent again: %+v", o)
		}
		if c, ok := ev.Body.(*protocol.ChatOpened); ok && c.Chat.ID == chatID {
			break
		}
	}
}
