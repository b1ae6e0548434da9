package server_test

import (
	"testing"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// The connector's survey fields reach the visitor, pre-chat answers are checked and stored with
// the chat, and the post-chat survey is accepted after the chat has ended.
func TestSurveys(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	st := env.Server.Store()
	for _, f := range []store.SurveyField{
		{TenantID: env.Demo.TenantID, ConnectorID: env.Demo.ConnectorID, Kind: store.SurveyPreChat, Field: survey.Field{Name: "Topic", Type: "select",
			Prompt: "What is it about?", Required: true, SelectType: "select", Options: []string{"Order", "Invoice"}, ValidateLow: -1, ValidateHigh: -1}},
		{TenantID: env.Demo.TenantID, ConnectorID: env.Demo.ConnectorID, Kind: store.SurveyPreChat, Field: survey.Field{Name: "Company", Type: "company",
			Prompt: "Company", ChangeCase: 1, ValidateLow: -1, ValidateHigh: -1}},
		{TenantID: env.Demo.TenantID, ConnectorID: env.Demo.ConnectorID, Kind: store.SurveyPostChat, Field: survey.Field{Name: "Rating", Type: "rating",
			Prompt: "How did we do?", ValidateLow: -1, ValidateHigh: 5}},
	} {
		if _, err := st.CreateSurveyField(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	env.Settled(t)
	agent, _ := env.Agent(t, 0)
	visitor, connected := env.Visitor(t)
	if len(connected.PreChat) != 2 || connected.PreChat[0].Name != "Topic" || len(connected.PostChat) != 1 {
		t.Fatalf("surveys in connected: %+v / %+v", connected.PreChat, connected.PostChat)
	}
	// A required field left out, then a value that is not an option, are refused.
	_, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Sue"})
	if pe, ok := err.(*protocol.Error); !ok || pe.Code != protocol.CodeInvalid || pe.Field != "fields.Topic" {
		t.Fatalf("missing required field: %v", err)
	}
	if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Sue", Fields: map[string]string{"Topic": "Weather"}}); !isCode(err, protocol.CodeInvalid) {
		t.Fatalf("not an option: %v", err)
	}
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Sue", Fields: map[string]string{"Topic": "Order", "Company": "acme"}})
	if err != nil {
		t.Fatal(err)
	}
	chatID := ack.Body.(*protocol.Ack).Chat
	ev, _ := await[*protocol.Offer](t, ctx, agent)
	if _, err := agent.Call(ctx, ev.Chat, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	_, opened := await[*protocol.ChatOpened](t, ctx, agent)
	if f := opened.Chat.Visitor.Fields; f["Topic"] != "Order" || f["Company"] != "ACME" {
		t.Fatalf("fields the agent sees: %v", f)
	}
	if _, err := agent.Call(ctx, chatID, &protocol.Close{}); err != nil {
		t.Fatal(err)
	}
	// After the end: the post-chat survey.
	if _, err := visitor.Call(ctx, chatID, &protocol.SurveySubmit{Fields: map[string]string{"Rating": "9"}}); !isCode(err, protocol.CodeInvalid) {
		t.Fatalf("rating out of range: %v", err)
	}
	if _, err := visitor.Call(ctx, chatID, &protocol.SurveySubmit{Fields: map[string]string{"Rating": "5"}}); err != nil {
		t.Fatalf("post-chat survey: %v", err)
	}
	rec, err := st.Chat(ctx, chatID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Fields["Rating"] != "5" || rec.Fields["Topic"] != "Order" || rec.State != "closed" {
		t.Fatalf("stored chat %+v", rec)
	}
}

// An agent asks the visitor for a field during the chat (WhosOn requestfield): the answer is
// checked against the field and reaches the agent; an open request survives a reconnect.
func TestAgentAsksForField(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	agent, _ := env.Agent(t, 0)
	visitor, _ := env.Visitor(t)
	chatID, token := startChat(t, ctx, visitor, agent, "Olga")
	field := protocol.SurveyField{Name: "OrderNumber", Type: "numeric", Prompt: "Your order number?", Required: true, ValidateLow: 1000, ValidateHigh: 9999}
	if _, err := visitor.Call(ctx, chatID, &protocol.FieldAsk{Field: field}); !isCode(err, protocol.CodeForbidden) {
		t.Fatalf("a visitor asking: %v", err)
	}
	if _, err := agent.Call(ctx, chatID, &protocol.FieldAsk{Field: field}); err != nil {
		t.Fatal(err)
	}
	if _, req := await[*protocol.FieldRequest](t, ctx, visitor); req.Field.Name != "OrderNumber" || !req.Field.Enabled {
		t.Fatalf("request %+v", req.Field)
	}
	// The request is still open after a reconnect.
	visitor.Drop()
	back, _ := env.Visitor(t)
	if _, err := back.Call(ctx, chatID, &protocol.Resume{Token: token}); err != nil {
		t.Fatal(err)
	}
	_, _ = await[*protocol.FieldRequest](t, ctx, back)
	if _, err := back.Call(ctx, chatID, &protocol.FieldSubmit{Name: "OrderNumber", Value: "12"}); !isCode(err, protocol.CodeInvalid) {
		t.Fatalf("out of range: %v", err)
	}
	if _, err := back.Call(ctx, chatID, &protocol.FieldSubmit{Name: "OrderNumber", Value: "4711"}); err != nil {
		t.Fatal(err)
	}
	if _, set := await[*protocol.FieldSet](t, ctx, agent); set.Fields["OrderNumber"] != "4711" {
		t.Fatalf("field set %+v", set)
	}
}
