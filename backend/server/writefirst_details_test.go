package server_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// A visitor who writes first and gives name and pre-chat answers while waiting: the agent who
// is being offered the chat sees the offer again with the name, and an agent who took the
// chat before the details sees the name, e-mail address and answers in the chat list and
// header. The agent's events go through the agent app's own desk, as in the browser.
func TestWriteFirstDetailsReachTheAgentApp(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		if _, err := env.Server.Store().CreateSurveyField(ctx, store.SurveyField{TenantID: env.Demo.TenantID, ConnectorID: env.Demo.ConnectorID,
			Kind: store.SurveyPreChat, Field: survey.Field{Name: "Topic", Type: survey.TypeSelect, Prompt: "Topic", Enabled: true,
				Options: []string{"Billing", "Shipping"}, ValidateLow: -1, ValidateHigh: -1}}); err != nil {
			t.Fatal(err)
		}
		env.ChangeWidgetOptions(t, func(tb *store.Toolbox) { tb.WriteFirst = true })
		agent, _ := env.Agent(t, 0)
		d := desk.New(func() string { return "x" })
		// next applies every event the agent receives to the desk, as the app does, until
		// one of type T for chat arrives.
		next := func(chat string, want protocol.Type) (protocol.Event, []desk.Alert) {
			t.Helper()
			for {
				ev, err := agent.Next(ctx)
				if err != nil {
					t.Fatalf("waiting for %s: %v", want, err)
				}
				alerts, _ := d.Apply(ev, time.Now())
				if ev.Chat == chat && ev.Body.EventType() == want {
					return ev, alerts
				}
			}
		}
		request := func() (*protoclient.Client, string) {
			visitor, _ := env.Visitor(t)
			ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Question: "Is my order on its way?", Later: true, Lang: "en"})
			if err != nil {
				t.Fatal(err)
			}
			return visitor, ack.Body.(*protocol.Ack).Chat
		}

		// Details while the chat is offered: the offer comes again, with the name, and the
		// app shows the name without ringing twice.
		nina, first := request()
		if ev, _ := next(first, protocol.TypeOffer); ev.Body.(*protocol.Offer).Visitor != "" {
			t.Fatalf("first offer %+v", ev.Body)
		}
		if _, err := nina.Call(ctx, first, &protocol.DetailsSubmit{Name: "Nina", Email: "nina@example.com", Fields: map[string]string{"Topic": "Shipping"}}); err != nil {
			t.Fatal(err)
		}
		ev, alerts := next(first, protocol.TypeOffer)
		if ev.Body.(*protocol.Offer).Visitor != "Nina" || len(d.Offers) != 1 || d.Offers[0].Visitor != "Nina" || len(alerts) != 0 {
			t.Fatalf("offer after the details %+v; the app's offers %+v, alerts %+v", ev.Body, d.Offers, alerts)
		}
		if _, err := agent.Call(ctx, first, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		next(first, protocol.TypeChatOpened)
		if c := d.Chat(first); c == nil || c.Title() != "Nina" || c.Visitor.Email != "nina@example.com" {
			t.Fatalf("accepted after the details: %+v", c)
		}

		// Details after the agent took the chat: list, header and details follow.
		otto, second := request()
		next(second, protocol.TypeOffer)
		if _, err := agent.Call(ctx, second, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		next(second, protocol.TypeChatOpened)
		c := d.Chat(second)
		if c == nil || c.Title() != "Visitor" {
			t.Fatalf("before the details: %+v", c)
		}
		if _, err := otto.Call(ctx, second, &protocol.DetailsSubmit{Name: "Otto", Email: "otto@example.com", Fields: map[string]string{"Topic": "Billing"}}); err != nil {
			t.Fatal(err)
		}
		ev, _ = next(second, protocol.TypeFieldSet)
		if fs := ev.Body.(*protocol.FieldSet); fs.Name != "Otto" || fs.Email != "otto@example.com" || fs.Survey != "pre" {
			t.Fatalf("field.set %+v", fs)
		}
		if c.Title() != "Otto" || c.Visitor.Email != "otto@example.com" || c.Visitor.Fields["Topic"] != "Billing" {
			t.Fatalf("after the details: title %q, visitor %+v", c.Title(), c.Visitor)
		}
		said := false
		for _, l := range c.Lines {
			said = said || l.Text == "The visitor gave their name: Otto"
		}
		if !said {
			t.Errorf("no line says the name: %+v", c.Lines)
		}
	})
}
