package jtel_test

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// The snippet's data, verbatim from jtel's document.
var (
	docPData = map[string]string{"name": "John Doe", "email": "john.doe@example.com", "sender": "John Doe",
		"receiver": "My Chat Connector", "userdata": "123456", "userdata2": "userdata2", "userdata3": "userdata3"}
	docUData = map[string]string{"anyfield1": "Any Field 1", "anyfield2": "Any Field 2"}
)

// The demo connector's texts are the document's example configuration.
const (
	docNoAgents   = "Sorry, currently there are no agents available. Please try again later."
	docNoAgentsDE = "Es tut uns leid, aber derzeit sind keine Agenten verfügbar. Bitte probieren Sie etwas später nochmal."
	docWelcome    = "Welcome!"
	docWelcomeDE  = "Herzlich willkommen!"
	docBye        = "Thank you for using our service. Goodbye."
	docOutOfSvc   = "Sorry, but the service is not available at the moment."
)

func each(t *testing.T, f func(t *testing.T, opts servertest.Options)) {
	t.Run("sqlite", func(t *testing.T) { f(t, servertest.Options{}) })
	t.Run("postgres", func(t *testing.T) { f(t, servertest.Options{Postgres: true}) })
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// visitor connects as the widget does after JTEL.initChat({Hash: hash}), in lang.
func visitor(t *testing.T, env *servertest.Env, hash, lang string) (*protoclient.Client, *protocol.Connected) {
	t.Helper()
	ctx := ctxT(t)
	c, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{IDPrefix: "v"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Drop() })
	ev, err := c.Call(ctx, "", &protocol.VisitorConnect{Connector: hash, Lang: lang, Page: "https://customer.example/contact"})
	if err != nil {
		t.Fatalf("visitor.connect: %v", err)
	}
	conn, ok := ev.Body.(*protocol.Connected)
	if !ok {
		t.Fatalf("visitor.connect answered with %T %+v", ev.Body, ev.Body)
	}
	return c, conn
}

// firstMessage opens the event as the widget does when the customer sends their first message:
// a chat request carrying pdata (its name and email as the visitor's), udata and the message.
func firstMessage(t *testing.T, ctx context.Context, c *protoclient.Client, text string) string {
	t.Helper()
	ev, err := c.Call(ctx, "", &protocol.ChatRequest{Name: docPData["name"], Email: docPData["email"], Question: text,
		PData: docPData, UData: docUData})
	if err != nil {
		t.Fatalf("chat.request: %v", err)
	}
	a, ok := ev.Body.(*protocol.Ack)
	if !ok || a.Chat == "" {
		t.Fatalf("chat.request answered %+v", ev.Body)
	}
	return a.Chat
}

// lines collects the visitor's system lines of the chat until one with key last arrives.
func lines(t *testing.T, ctx context.Context, c *protoclient.Client, chatID, last string) []*protocol.Message {
	t.Helper()
	var out []*protocol.Message
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v (so far %+v)", last, err, out)
		}
		m, ok := ev.Body.(*protocol.Message)
		if !ok || ev.Chat != chatID || m.Role != protocol.RoleSystem {
			continue
		}
		out = append(out, m)
		if m.Key == last {
			return out
		}
	}
}

func await[T protocol.EventBody](t *testing.T, ctx context.Context, c *protoclient.Client, chatID string) T {
	t.Helper()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(T); return ok && (chatID == "" || ev.Chat == chatID) })
	if err != nil {
		var zero T
		t.Fatalf("waiting for %T: %v", zero, err)
	}
	return ev.Body.(T)
}

// The document's whole chat: the snippet's script loads, the editor's placeholder is the
// connector's editorPlaceholder, the first message opens the event and gets welcomeMessage,
// nobody is signed in so noAgents follows, an agent signs in, gets the chat with the snippet's
// pdata and udata, answers, and closes it with bye.
func TestDocumentChat(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		hash := env.Demo.ConnectorHash

		res, err := http.Get(env.URL + "/gui//chat.js")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "JTEL") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
			t.Fatalf("/gui//chat.js: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}

		v, connected := visitor(t, env, hash, "en")
		if connected.Texts["editorPlaceholder"] != "Enter your message here." {
			t.Fatalf("editorPlaceholder %q", connected.Texts["editorPlaceholder"])
		}
		chatID := firstMessage(t, ctx, v, "Where is my order?")
		got := lines(t, ctx, v, chatID, "noAgents")
		if len(got) != 2 || got[0].Key != "welcomeMessage" || got[0].Text != docWelcome || got[1].Text != docNoAgents {
			t.Fatalf("system lines after the first message: %+v", got)
		}

		agent, _ := env.Agent(t, 0)
		offer := await[*protocol.Offer](t, ctx, agent, chatID)
		if offer.Visitor != "John Doe" || offer.Question != "Where is my order?" {
			t.Fatalf("offer %+v", offer)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		opened := await[*protocol.ChatOpened](t, ctx, agent, "")
		vi := opened.Chat.Visitor
		if vi.Name != "John Doe" || vi.Email != "john.doe@example.com" || !maps.Equal(vi.PData, docPData) || !maps.Equal(vi.UData, docUData) {
			t.Fatalf("the agent sees the visitor as %+v", vi)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "It ships today."}); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Await(ctx, func(ev protocol.Event) bool {
			m, ok := ev.Body.(*protocol.Message)
			return ok && m.Text == "It ships today."
		}); err != nil {
			t.Fatalf("the agent's answer: %v", err)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}
		if bye := lines(t, ctx, v, chatID, "bye"); bye[len(bye)-1].Text != docBye {
			t.Fatalf("bye line %+v", bye[len(bye)-1])
		}

		// A chat asked for while the agent is signed in is told nothing of missing agents.
		v2, _ := visitor(t, env, hash, "en")
		second := firstMessage(t, ctx, v2, "Me again")
		await[*protocol.Offer](t, ctx, agent, second)
		stored, err := env.Server.Store().EventsAfter(ctx, second, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range stored {
			if strings.Contains(string(e.Data), `"noAgents"`) {
				t.Fatalf("noAgents sent with an agent signed in: %s", e.Data)
			}
		}
	})
}

// In German the texts are the document's "#de" ones.
func TestDocumentChatGerman(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		v, connected := visitor(t, env, env.Demo.ConnectorHash, "de")
		if connected.Texts["editorPlaceholder"] != "Geben Sie Ihre Nachricht hier ein." {
			t.Fatalf("editorPlaceholder#de %q", connected.Texts["editorPlaceholder"])
		}
		chatID := firstMessage(t, ctx, v, "Hallo")
		got := lines(t, ctx, v, chatID, "noAgents")
		if len(got) != 2 || got[0].Text != docWelcomeDE || got[1].Text != docNoAgentsDE {
			t.Fatalf("German lines %+v", got)
		}
	})
}

// The error cases the document's texts name: outOfService refuses the event, byeNoAgent ends
// it when the search for a free agent runs out, and an unknown Hash gets no chat at all.
func TestDocumentErrors(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)

		// Maximum free agent search time: the event is closed and the customer informed.
		env.ChangeConnector(t, func(c *store.Connector) { c.FreeAgentSearch = time.Second })
		v, _ := visitor(t, env, env.Demo.ConnectorHash, "en")
		chatID := firstMessage(t, ctx, v, "Anyone?")
		got := lines(t, ctx, v, chatID, "byeNoAgent")
		if n := len(got); n < 3 || got[0].Key != "welcomeMessage" || got[1].Key != "noAgents" || got[n-1].Text != docNoAgents {
			t.Fatalf("lines until the search ended: %+v", got)
		}
		if st := await[*protocol.ChatState](t, ctx, v, chatID); st.State != protocol.StateClosed || st.Cause != protocol.CauseNoAgent {
			t.Fatalf("chat state %+v", st)
		}

		// pdata the protocol cannot hold is refused, and no chat opens (the widget fits the
		// page's data to the limits before it asks; other clients learn why here).
		v3, _ := visitor(t, env, env.Demo.ConnectorHash, "en")
		for _, pd := range []map[string]string{{"userdata": strings.Repeat("x", 1001)}, {"userdata": "a\x00b"}} {
			_, err := v3.Call(ctx, "", &protocol.ChatRequest{Name: "John Doe", PData: pd})
			var perr *protocol.Error
			if !errors.As(err, &perr) || (perr.Code != protocol.CodeTooLarge && perr.Code != protocol.CodeInvalid) {
				t.Fatalf("pdata %.20q answered %v", pd["userdata"], err)
			}
		}

		// Out of service: the first message opens no event.
		env.ChangeConnector(t, func(c *store.Connector) { c.OutOfService = true })
		v2, _ := visitor(t, env, env.Demo.ConnectorHash, "en")
		_, err := v2.Call(ctx, "", &protocol.ChatRequest{Name: "John Doe", Question: "Hello?", PData: docPData})
		var perr *protocol.Error
		if !errors.As(err, &perr) || perr.Code != protocol.CodeOutOfService || perr.Message != docOutOfSvc {
			t.Fatalf("out of service answered %v", err)
		}

		// An unknown Hash: the connection is refused for good.
		c, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{IDPrefix: "x"})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Drop()
		if ev, err := c.Call(ctx, "", &protocol.VisitorConnect{Connector: "ZkGgUcDkLPEY", Lang: "en", Page: "https://customer.example/"}); err == nil {
			t.Fatalf("the document's example Hash, unknown here, answered %+v", ev.Body)
		}
	})
}
