package server_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// visitorIn connects a visitor to the demo connector in a language.
func visitorIn(t *testing.T, env *servertest.Env, lang string) (*protoclient.Client, *protocol.Connected) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{IDPrefix: "v" + lang})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Drop() })
	ev, err := c.Call(ctx, "", &protocol.VisitorConnect{Connector: env.Demo.ConnectorHash, Lang: lang, Page: "https://shop.example/help"})
	if err != nil {
		t.Fatalf("visitor.connect: %v", err)
	}
	return c, ev.Body.(*protocol.Connected)
}

// The connector's title and texts follow the visitor's language ("title#lang"), and the demo's
// German welcome has no stray full stop.
func TestConnectorTitlePerLanguage(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		for lang, want := range map[string]string{"en": "Chat with us", "de-AT": "Chatten Sie mit uns", "fr": "Discutez avec nous", "it": "Chat with us"} {
			_, c := visitorIn(t, env, lang)
			if c.Title != want {
				t.Errorf("%s: title %q, want %q", lang, c.Title, want)
			}
		}
		_, de := visitorIn(t, env, "de")
		if w := de.Texts["welcomeMessage"]; w != "Herzlich willkommen!" {
			t.Errorf("German welcome %q", w)
		}
		// An admin's own title per language wins over the master data's; without one, the
		// master data's title stays.
		env.ChangeConnector(t, func(c *store.Connector) {
			c.Title = "Support"
			c.Texts = map[string]string{"title#fr": "Assistance", "title#de": "  "}
		})
		for lang, want := range map[string]string{"fr-BE": "Assistance", "de": "Support", "en": "Support"} {
			if _, c := visitorIn(t, env, lang); c.Title != want {
				t.Errorf("after the change, %s: title %q, want %q", lang, c.Title, want)
			}
		}
	})
}

// Write first, details later: a chat requested before the details queues and reaches an
// agent with the first message; messages written before the details are kept; the details
// are checked, the required ones included, and reach the agent and the store.
func TestWriteFirstDetailsLater(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		st := env.Server.Store()
		if _, err := st.CreateSurveyField(ctx, store.SurveyField{TenantID: env.Demo.TenantID, ConnectorID: env.Demo.ConnectorID, Kind: store.SurveyPreChat,
			Field: survey.Field{Name: "Order", Type: "numeric", Prompt: "Order number", Required: true, Enabled: true, ValidateLow: 1, ValidateHigh: 99999}}); err != nil {
			t.Fatal(err)
		}
		env.Settled(t)
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)

		// Off by default: a request without a name is refused.
		if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Question: "Where is my parcel?", Later: true}); !isField(err, protocol.CodeInvalid, "name") {
			t.Fatalf("write-first request on a connector without it: %v", err)
		}
		env.ChangeWidgetOptions(t, func(tb *store.Toolbox) { tb.WriteFirst = true })
		visitor, _ = env.Visitor(t)
		// A later request still needs a name unless it says later.
		if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Question: "Where is my parcel?"}); !isField(err, protocol.CodeInvalid, "name") {
			t.Fatalf("request without name or later: %v", err)
		}
		ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Question: "Where is my parcel?", Later: true, Lang: "en"})
		if err != nil {
			t.Fatalf("write-first request: %v", err)
		}
		chatID := ack.Body.(*protocol.Ack).Chat
		ev, _ := await[*protocol.Offer](t, ctx, agent)
		if ev.Chat != chatID {
			t.Fatalf("offer for %s, want %s", ev.Chat, chatID)
		}
		// A message before the details.
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "It was due on Monday."}); err != nil {
			t.Fatal(err)
		}
		// The details: the required field and the name are required, answers are checked.
		for _, bad := range []struct {
			d     protocol.DetailsSubmit
			field string
		}{
			{protocol.DetailsSubmit{Name: "Nina"}, "fields.Order"},
			{protocol.DetailsSubmit{Name: "Nina", Fields: map[string]string{"Order": "lots"}}, "fields.Order"},
			{protocol.DetailsSubmit{Name: "Nina", Fields: map[string]string{"Order": "123456"}}, "fields.Order"},
			{protocol.DetailsSubmit{Fields: map[string]string{"Order": "4711"}}, "name"},
			{protocol.DetailsSubmit{Name: "   ", Fields: map[string]string{"Order": "4711"}}, "name"},
		} {
			d := bad.d
			if _, err := visitor.Call(ctx, chatID, &d); !isField(err, protocol.CodeInvalid, bad.field) {
				t.Errorf("details %+v: %v, want invalid %s", bad.d, err, bad.field)
			}
		}
		// Another visitor's chat is not theirs.
		other, _ := env.Visitor(t)
		if _, err := other.Call(ctx, chatID, &protocol.DetailsSubmit{Name: "Mallory", Fields: map[string]string{"Order": "1"}}); !isCode(err, protocol.CodeForbidden) {
			t.Fatalf("details for someone else's chat: %v", err)
		}
		if _, err := visitor.Call(ctx, chatID, &protocol.DetailsSubmit{Name: " Nina ", Email: "nina@example.com", Fields: map[string]string{"Order": "4711"}}); err != nil {
			t.Fatalf("details: %v", err)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		_, opened := await[*protocol.ChatOpened](t, ctx, agent)
		if v := opened.Chat.Visitor; v.Name != "Nina" || v.Fields["Order"] != "4711" {
			t.Fatalf("the agent sees %+v", v)
		}
		awaitMessage(t, ctx, agent, "Where is my parcel?")
		awaitMessage(t, ctx, agent, "It was due on Monday.")
		if _, fs := await[*protocol.FieldSet](t, ctx, agent); fs.Survey != "pre" || fs.Name != "Nina" || fs.Fields["Order"] != "4711" {
			t.Fatalf("field.set %+v", fs)
		}
		rec, err := st.Chat(ctx, chatID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.VisitorName != "Nina" || rec.VisitorEmail != "nina@example.com" || rec.Fields["Order"] != "4711" {
			t.Fatalf("stored chat: name %q email %q fields %v", rec.VisitorName, rec.VisitorEmail, rec.Fields)
		}
		// Given once: the name does not change again, nor does an ordinary chat take any.
		if _, err := visitor.Call(ctx, chatID, &protocol.DetailsSubmit{Name: "Mallory", Fields: map[string]string{"Order": "1"}}); !isCode(err, protocol.CodeConflict) {
			t.Fatalf("details a second time: %v", err)
		}
		plain, _ := env.Visitor(t)
		pack, err := plain.Call(ctx, "", &protocol.ChatRequest{Name: "Olga", Fields: map[string]string{"Order": "7"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := plain.Call(ctx, pack.Body.(*protocol.Ack).Chat, &protocol.DetailsSubmit{Name: "Mallory", Fields: map[string]string{"Order": "1"}}); !isCode(err, protocol.CodeConflict) {
			t.Fatalf("details for an ordinary chat: %v", err)
		}
		// Ended, the chat takes no more details.
		if _, err := agent.Call(ctx, chatID, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}
		if _, err := visitor.Call(ctx, chatID, &protocol.DetailsSubmit{Name: "Nora", Fields: map[string]string{"Order": "1"}}); err == nil {
			t.Fatal("details accepted after the end")
		}
	})
}

// Sneak peek with consent: a preview reaches the agents only from a visitor who agreed, on a
// connector that shows previews; the others are dropped and the sender told so.
func TestPreviewNeedsConsent(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		visitor, connected := env.Visitor(t)
		if !connected.Preview {
			t.Fatal("the demo connector does not show previews")
		}
		ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Pia", Question: "Hello"})
		if err != nil {
			t.Fatal(err)
		}
		chatID := ack.Body.(*protocol.Ack).Chat
		ev, _ := await[*protocol.Offer](t, ctx, agent)
		if _, err := agent.Call(ctx, ev.Chat, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		awaitMessage(t, ctx, agent, "Hello")
		preview := func(text string) error {
			_, err := visitor.Call(ctx, chatID, &protocol.Preview{Text: text})
			return err
		}
		// Not agreed: dropped.
		if err := preview("secret one"); !isCode(err, protocol.CodeForbidden) {
			t.Fatalf("preview without consent: %v", err)
		}
		// Agreed: passed on; the first preview the agent sees is this one.
		if _, err := visitor.Call(ctx, chatID, &protocol.PreviewConsent{On: true}); err != nil {
			t.Fatal(err)
		}
		if err := preview("shown two"); err != nil {
			t.Fatal(err)
		}
		if _, p := await[*protocol.PreviewEvent](t, ctx, agent); p.Text != "shown two" {
			t.Fatalf("agent saw preview %q", p.Text)
		}
		// Turned off: dropped again.
		if _, err := visitor.Call(ctx, chatID, &protocol.PreviewConsent{On: false}); err != nil {
			t.Fatal(err)
		}
		if err := preview("secret three"); !isCode(err, protocol.CodeForbidden) {
			t.Fatalf("preview after turning it off: %v", err)
		}
		// Someone else cannot agree for the visitor.
		other, _ := env.Visitor(t)
		if _, err := other.Call(ctx, chatID, &protocol.PreviewConsent{On: true}); !isCode(err, protocol.CodeForbidden) {
			t.Fatalf("consent for someone else's chat: %v", err)
		}
		if err := preview("secret four"); !isCode(err, protocol.CodeForbidden) {
			t.Fatalf("preview after another's consent: %v", err)
		}
		// The connector switches previews off: connected says so, and a consent made with the
		// request does not bring them back.
		env.ChangeWidgetOptions(t, func(tb *store.Toolbox) { tb.Preview = false })
		visitor2, connected2 := env.Visitor(t)
		if connected2.Preview {
			t.Fatal("connected.preview on a connector without previews")
		}
		ack, err = visitor2.Call(ctx, "", &protocol.ChatRequest{Name: "Quinn", Question: "Hi", PreviewConsent: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := visitor2.Call(ctx, ack.Body.(*protocol.Ack).Chat, &protocol.Preview{Text: "secret five"}); !isCode(err, protocol.CodeForbidden) {
			t.Fatalf("preview on a connector without previews: %v", err)
		}
		// The only preview the agent ever saw is the consented one: a consented preview of
		// the first chat now is the next one the agent gets.
		env.ChangeWidgetOptions(t, func(tb *store.Toolbox) { tb.Preview = true })
		if _, err := visitor.Call(ctx, chatID, &protocol.PreviewConsent{On: true}); err != nil {
			t.Fatal(err)
		}
		_ = preview("shown six")
		if _, p := await[*protocol.PreviewEvent](t, ctx, agent); p.Text != "shown six" {
			t.Fatalf("agent saw preview %q", p.Text)
		}
	})
}

// isField reports whether err is a protocol error with the code, naming the field.
func isField(err error, code protocol.Code, field string) bool {
	pe, ok := err.(*protocol.Error)
	return ok && pe.Code == code && pe.Field == field
}

// The toolbox document keeps the new options, and refuses a negative or huge wait limit.
func TestToolboxWaitingOptions(t *testing.T) {
	tb, err := store.ParseToolbox(json.RawMessage(`{"write_first":true,"max_wait":300,"preview":false}`))
	if err != nil || !tb.WriteFirst || tb.MaxWait != 300 || tb.Preview {
		t.Fatalf("parsed %+v, %v", tb, err)
	}
	if tb, _ := store.ParseToolbox(nil); !tb.Preview || tb.WriteFirst || tb.MaxWait != 0 {
		t.Fatalf("defaults %+v", tb)
	}
	for _, raw := range []string{`{"max_wait":-1}`, `{"max_wait":86401}`, `{"max_wait":1e300}`, `{"write_first":"yes"}`} {
		if _, err := store.ParseToolbox(json.RawMessage(raw)); err == nil {
			t.Errorf("%s accepted", raw)
		}
	}
}
