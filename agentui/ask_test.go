package agentui

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/protocol"
)

func TestAskVisitorForAPresetField(t *testing.T) {
	e, a, _, s := signedIn(t)
	sum := protocol.ChatSummary{ID: "c1", State: protocol.StateActive, Seq: 1, Visitor: protocol.VisitorInfo{Name: "Vera", Fields: map[string]string{"Company": "Acme"}}}
	push(t, s, protocol.Event{Chat: "c1", Body: &protocol.ChatOpened{Chat: sum}})
	push(t, s, protocol.Event{Chat: "c1", Seq: 1, Body: &protocol.Message{Role: protocol.RoleSystem, Text: "Welcome!"}})
	e.ConsumeAll()
	html := app.HTMLString(a)
	if !strings.Contains(html, `id="ask-button"`) || strings.Contains(html, `id="ask-card"`) || !strings.Contains(html, "Pre-chat form") {
		t.Fatalf("the composer lacks the Ask button or the card shows too early: %s", html)
	}

	a.ctx.NewActionWithValue(ActAskForm, "c1")
	e.ConsumeAll()
	html = app.HTMLString(a)
	// Attribute order in go-app's HTML is not fixed, so each attribute is looked for alone.
	for _, want := range []string{`id="ask-card"`, "Order number", "E-mail address", "Phone number", "Customer number", "Custom…", `aria-expanded`, `aria-controls="ask-card"`,
		`id="ask-file-types"`, `id="ask-file"`, "Ask for a file", `aria-describedby="ask-file-types-note"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the card lacks %q", want)
		}
	}
	order := desk.Presets[0]
	a.ctx.NewActionWithValue(ActAsk, AskRequest{Chat: "c1", Field: &order})
	e.ConsumeAll()
	cmds := commands(t, s)
	ask := cmds[len(cmds)-1]
	b, ok := ask.Body.(*protocol.FieldAsk)
	if !ok || ask.Chat != "c1" || b.Field.Name != "OrderNumber" || b.Field.Type != "text" || b.Field.Prompt != "Order number" {
		t.Fatalf("sent %s", s.sent[len(s.sent)-1])
	}
	if html := app.HTMLString(a); !strings.Contains(html, "Asking the visitor…") || !strings.Contains(html, "Asking the visitor: Order number…") {
		t.Fatalf("the request must show as on its way: %s", html)
	}

	push(t, s, protocol.Event{ID: ask.ID, Body: &protocol.Ack{}})
	e.ConsumeAll()
	html = app.HTMLString(a)
	for _, want := range []string{"Asked the visitor: Order number", "Waiting for the visitor&#39;s answer: Order number", "Asked in this chat", "waiting for the answer…"} {
		if !strings.Contains(html, want) {
			t.Errorf("after the ack the desk lacks %q", want)
		}
	}
	if strings.Contains(html, `id="ask-card"`) {
		t.Error("the card must close on the ack")
	}
	var kept map[string][]desk.Ask
	if err := a.ctx.SessionStorage().Get(keyAsks, &kept); err != nil || len(kept["c1"]) != 1 {
		t.Fatalf("requests kept for a reload = %v %v", kept, err)
	}

	push(t, s, protocol.Event{Chat: "c1", Seq: 2, Body: &protocol.FieldSet{Fields: map[string]string{"OrderNumber": "4711"}}})
	push(t, s, protocol.Event{Chat: "c1", Seq: 3, Body: &protocol.FieldSet{Survey: "post", Fields: map[string]string{"Rating": "5"}}})
	e.ConsumeAll()
	html = app.HTMLString(a)
	for _, want := range []string{"Visitor answered Order number: 4711", "<dd>4711</dd>", "Feedback (post-chat survey)", "Visitor feedback, Rating: 5", "<dd>Acme</dd>"} {
		if !strings.Contains(html, want) {
			t.Errorf("after the answer the desk lacks %q", want)
		}
	}
	if strings.Contains(html, "Waiting for the visitor") || strings.Contains(html, "waiting for the answer") {
		t.Error("an answered request still waits")
	}
}

func TestAskVisitorForACustomField(t *testing.T) {
	e, a, _, s := signedIn(t)
	push(t, s, protocol.Event{Chat: "c1", Body: &protocol.ChatOpened{Chat: protocol.ChatSummary{ID: "c1", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}}}})
	e.ConsumeAll()
	a.ctx.NewActionWithValue(ActAskForm, "c1")
	e.ConsumeAll()
	// What the agent types goes to the desk from the inputs' handlers, on the UI goroutine.
	edit := func(part desk.AskPart, v string) {
		a.ctx.Dispatch(func(app.Context) { a.desk.EditAsk("c1", part, v) })
		e.ConsumeAll()
	}
	a.ctx.Dispatch(func(app.Context) { a.desk.ChooseCustom("c1") })
	e.ConsumeAll()
	edit(desk.AskType, "select")
	sent := len(s.sent)
	a.ctx.NewActionWithValue(ActAsk, AskRequest{Chat: "c1"})
	e.ConsumeAll()
	html := app.HTMLString(a)
	if len(s.sent) != sent {
		t.Fatal("an incomplete field was sent")
	}
	for _, want := range []string{`id="ask-form"`, "Enter what the visitor is asked.", "Enter a field name.", "Enter at least one option, one per line.", `id="ask-options"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	for _, id := range []string{"ask-prompt", "ask-name", "ask-options"} {
		if !invalid(html, id) {
			t.Errorf("%s is not marked invalid", id)
		}
	}
	if invalid(html, "ask-type") {
		t.Error("the type is marked invalid")
	}
	edit(desk.AskPrompt, "Which colour do you prefer?")
	edit(desk.AskOptions, "Red\nGreen")
	if html := app.HTMLString(a); !strings.Contains(html, `value="WhichColourDoYouPrefer"`) || strings.Contains(html, "Enter a field name.") {
		t.Fatalf("the name must follow the question: %s", html)
	}
	a.ctx.NewActionWithValue(ActAsk, AskRequest{Chat: "c1"})
	e.ConsumeAll()
	ask := commands(t, s)[len(s.sent)-1]
	if b, ok := ask.Body.(*protocol.FieldAsk); !ok || b.Field.Name != "WhichColourDoYouPrefer" || len(b.Field.Options) != 2 {
		t.Fatalf("sent %s", s.sent[len(s.sent)-1])
	}
	// The server refuses: its reason shows next to the part it names.
	push(t, s, protocol.Event{ID: ask.ID, Body: &protocol.Error{Code: protocol.CodeInvalid, Field: "field.name", Message: "this name is taken"}})
	e.ConsumeAll()
	if html := app.HTMLString(a); !strings.Contains(html, ">This name is taken</span>") || !invalid(html, "ask-name") || invalid(html, "ask-prompt") {
		t.Fatalf("the refusal is not next to the name: %s", html)
	}
	a.ctx.NewActionWithValue(ActAskForm, "c1")
	e.ConsumeAll()
	if strings.Contains(app.HTMLString(a), `id="ask-card"`) {
		t.Fatal("the card does not close")
	}
}

// invalid reports whether the element with id is marked aria-invalid in html (go-app writes
// a true attribute bare).
func invalid(html, id string) bool {
	i := strings.Index(html, `id="`+id+`"`)
	if i < 0 {
		return false
	}
	start, end := strings.LastIndex(html[:i], "<"), i+strings.Index(html[i:], ">")
	tag := html[start:end] + " "
	return strings.Contains(tag, " aria-invalid ")
}
