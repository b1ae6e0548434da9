package desk

import (
	"github.com/parleychat/parley/agentui/catalog"

	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

func TestFieldNameFromPrompt(t *testing.T) {
	for in, want := range map[string]string{
		"Order number":                    "OrderNumber",
		"  your order number? ":           "YourOrderNumber",
		"2nd address line":                "NdAddressLine",
		"E-mail address":                  "EMailAddress",
		"Größe der Bestellung":            "GroesseDerBestellung",
		"Numéro de commande":              "NumeroDeCommande",
		"What is the serial_no (on box)?": "WhatIsTheSerialNoOnBox",
		"???":                             "",
		"Привет":                          "",
		strings.Repeat("very long ", 20):  "VeryLongVeryLongVeryLongVeryLongVeryLong",
	} {
		got := FieldName(in)
		if got != want {
			t.Errorf("FieldName(%q) = %q, want %q", in, got, want)
		}
		if got != "" && !survey.ValidName(got) {
			t.Errorf("FieldName(%q) = %q is no valid name", in, got)
		}
	}
}

// The agent offers only types of the survey model, each once.
func TestAnswerTypesAreModelTypes(t *testing.T) {
	seen := map[string]bool{}
	for _, at := range AnswerTypes {
		if !survey.KnownType(at.Type) || seen[at.Type] || at.Label == "" {
			t.Errorf("answer type %+v is not a labelled type of the survey model, once", at)
		}
		seen[at.Type] = true
		f := (&AskForm{Prompt: "Question", Name: "Q", Type: at.Type, Options: "a\nb"}).Field()
		if errs := CheckField(catalog.Printer{}, f); errs != nil {
			t.Errorf("type %s: %v", at.Type, errs)
		}
	}
}

func TestCheckFieldFollowsTheProtocol(t *testing.T) {
	ok := askField("OrderNumber", "text", "Order number")
	if errs := CheckField(catalog.Printer{}, ok); errs != nil {
		t.Fatalf("a good field refused: %v", errs)
	}
	for _, p := range Presets {
		if errs := CheckField(catalog.Printer{}, p); errs != nil {
			t.Errorf("preset %s refused: %v", p.Name, errs)
		}
	}
	bad := ok
	bad.Prompt, bad.Name, bad.Type = " ", "1st", "colour"
	errs := CheckField(catalog.Printer{}, bad)
	if errs[AskPrompt] == "" || errs[AskName] == "" || errs[AskType] == "" || len(errs) != 3 {
		t.Fatalf("every wrong part must have its message: %v", errs)
	}
	choice := ok
	choice.Type = "select"
	if errs := CheckField(catalog.Printer{}, choice); errs[AskOptions] == "" {
		t.Fatalf("a choice without options: %v", errs)
	}
	long := ok
	long.Prompt = strings.Repeat("x", 201)
	if errs := CheckField(catalog.Printer{}, long); errs[AskPrompt] == "" {
		t.Fatalf("a long prompt: %v", errs)
	}
	// Whatever CheckField takes, the protocol takes too.
	for _, f := range []protocol.SurveyField{ok, choice, long, bad} {
		if CheckField(catalog.Printer{}, f) == nil {
			if err := (&protocol.FieldAsk{Field: f}).Validate(); err != nil {
				t.Errorf("%+v passed the form but not the protocol: %v", f, err)
			}
		}
	}
}

func TestAskFormBuildsTheField(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0)), t0)
	if !d.OpenAsk("a") || d.Chat("a").Form == nil {
		t.Fatal("the form does not open")
	}
	d.ChooseCustom("a")
	d.EditAsk("a", AskPrompt, "How did you hear of us?")
	f := d.Chat("a").Form
	if !f.Custom || f.Name != "HowDidYouHearOfUs" {
		t.Fatalf("form = %+v", f)
	}
	d.EditAsk("a", AskName, "Source")
	d.EditAsk("a", AskPrompt, "Where did you hear of us?")
	if f.Name != "Source" {
		t.Fatalf("an edited name must stay: %q", f.Name)
	}
	d.EditAsk("a", AskName, "")
	if f.Name != "WhereDidYouHearOfUs" || f.NameEdited {
		t.Fatalf("a cleared name follows the prompt again: %q", f.Name)
	}
	d.EditAsk("a", AskType, "select")
	d.EditAsk("a", AskRequired, "false")
	// No options: refused in the form, nothing sent.
	if _, ok := d.AskCustom("a", t0); ok || f.Errors[AskOptions] == "" || len(d.Unacked()) != 0 {
		t.Fatalf("a choice without options was sent: %v", f.Errors)
	}
	d.EditAsk("a", AskOptions, "Search engine\n\n Friend \nSearch engine\nAdvert")
	if f.Errors[AskOptions] != "" {
		t.Fatal("editing a part clears its message")
	}
	cmd, ok := d.AskCustom("a", t0)
	if !ok {
		t.Fatalf("refused: %v", f.Errors)
	}
	b := cmd.Body.(*protocol.FieldAsk)
	want := protocol.SurveyField{Name: "WhereDidYouHearOfUs", Type: "select", Enabled: true, Prompt: "Where did you hear of us?",
		Options: []string{"Search engine", "Friend", "Advert"}, SelectType: "radio", ValidateLow: -1, ValidateHigh: -1}
	if cmd.Chat != "a" || b.Field.Name != want.Name || b.Field.Required || strings.Join(b.Field.Options, "|") != "Search engine|Friend|Advert" ||
		b.Field.SelectType != "radio" || b.Field.ValidateLow != -1 || !b.Field.Enabled {
		t.Fatalf("field.ask = %+v, want %+v", b.Field, want)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	// While it is on its way the form neither changes nor closes.
	d.EditAsk("a", AskPrompt, "x")
	d.CloseAsk("a")
	if d.OpenAsk("a"); d.Chat("a").Form == nil || f.Prompt != "Where did you hear of us?" {
		t.Fatal("the form changed while sending")
	}
	rating := &AskForm{Prompt: "Rate us", Name: "Rating", Type: "rating"}
	if rf := rating.Field(); rf.ValidateHigh != RatingStars || CheckField(catalog.Printer{}, rf) != nil {
		t.Fatalf("rating %+v", rf)
	}
}

func TestAskAckWaitAndAnswer(t *testing.T) {
	d := newDesk()
	s := summary("a", 2)
	s.Visitor.Fields = map[string]string{"Company": "Acme"}
	d.Apply(ready(s), t0)
	d.Apply(msg("a", 1, protocol.RoleSystem, "Welcome"), t0)
	d.Apply(msg("a", 2, protocol.RoleVisitor, "Hi"), t0)
	d.OpenAsk("a")
	cmd, ok := d.Ask("a", Presets[0], t0)
	if !ok {
		t.Fatal(d.Chat("a").Form.Errors)
	}
	c := d.Chat("a")
	if w := c.Waiting(); len(w) != 1 || w[0].Acked || w[0].After != 2 {
		t.Fatalf("waiting = %+v", w)
	}
	if _, again := d.Ask("a", Presets[1], t0); again {
		t.Fatal("a second request while the first is on its way")
	}
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Ack{}}, t0.Add(time.Second))
	if c.Form != nil {
		t.Fatal("the form must close on the ack")
	}
	last := c.Lines[len(c.Lines)-1]
	if last.Kind != LineEvent || last.Text != "Asked the visitor: Order number" || len(d.Unacked()) != 0 {
		t.Fatalf("line %+v", last)
	}
	if w := c.Waiting(); len(w) != 1 || !w[0].Acked {
		t.Fatalf("waiting = %+v", w)
	}
	if got := c.Fields(FieldAsked); len(got) != 1 || !got[0].Waiting || got[0].Label != "Order number" {
		t.Fatalf("asked fields = %+v", got)
	}
	// Another field set (not this one) leaves the request waiting; the answer ends it.
	d.Apply(protocol.Event{Chat: "a", Seq: 3, Body: &protocol.FieldSet{Fields: map[string]string{"Other": "x"}}}, t0)
	if len(c.Waiting()) != 1 {
		t.Fatal("another field answered the request")
	}
	d.Apply(protocol.Event{Chat: "a", Seq: 4, Body: &protocol.FieldSet{Fields: map[string]string{"OrderNumber": "4711"}}}, t0)
	if len(c.Waiting()) != 0 || c.Lines[len(c.Lines)-1].Text != "Visitor answered Order number: 4711" {
		t.Fatalf("after the answer: waiting %d, line %q", len(c.Waiting()), c.Lines[len(c.Lines)-1].Text)
	}
	// Post-chat answers are feedback; the pre-chat field stays one.
	d.Apply(protocol.Event{Chat: "a", Seq: 5, Body: &protocol.FieldSet{Survey: "post", Fields: map[string]string{"Rating": "5", "Comment": "Quick help"}}}, t0)
	if got := c.Lines[len(c.Lines)-2].Text + " | " + c.Lines[len(c.Lines)-1].Text; got != "Visitor feedback, Comment: Quick help | Visitor feedback, Rating: 5" {
		t.Fatalf("feedback lines %q", got)
	}
	pre, asked, post := c.Fields(FieldPreChat), c.Fields(FieldAsked), c.Fields(FieldFeedback)
	if len(pre) != 1 || pre[0].Name != "Company" || len(asked) != 2 || asked[1].Name != "Other" ||
		asked[0].Label != "Order number" || asked[0].Value != "4711" || len(post) != 2 || post[0].Name != "Comment" {
		t.Fatalf("pre %+v asked %+v post %+v", pre, asked, post)
	}
	// A replayed answer changes nothing.
	n := len(c.Lines)
	d.Apply(protocol.Event{Chat: "a", Seq: 4, Body: &protocol.FieldSet{Fields: map[string]string{"OrderNumber": "4711"}}}, t0)
	if len(c.Lines) != n {
		t.Fatal("a replayed field.set added a line")
	}
	// A yes/no answer reads as such.
	d.OpenAsk("a")
	yes := askField("Newsletter", "boolean", "Send you our newsletter?")
	cmd, _ = d.Ask("a", yes, t0)
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Ack{}}, t0)
	d.Apply(protocol.Event{Chat: "a", Seq: 6, Body: &protocol.FieldSet{Fields: map[string]string{"Newsletter": "Y"}}}, t0)
	if got := c.Lines[len(c.Lines)-1].Text; got != "Visitor answered Send you our newsletter: Yes" {
		t.Fatalf("boolean line %q", got)
	}
}

func TestAskRefusedShowsInTheForm(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0)), t0)
	d.OpenAsk("a")
	d.ChooseCustom("a")
	d.EditAsk("a", AskPrompt, "Order")
	cmd, ok := d.AskCustom("a", t0)
	if !ok {
		t.Fatal("not sent")
	}
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeInvalid, Field: "field.name", Message: "a field name starts with a letter"}}, t0)
	c := d.Chat("a")
	if c.Form == nil || c.Form.Sending != "" || c.Form.Errors[AskName] != "A field name starts with a letter" || d.Notice != "" || len(c.Asks) != 0 {
		t.Fatalf("form %+v notice %q", c.Form, d.Notice)
	}
	// Refused without a field: the message shows at the top of the form.
	cmd, _ = d.AskCustom("a", t0)
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeForbidden, Message: "only the agent handling the chat may ask the visitor"}}, t0)
	if c.Form.Errors[AskGeneral] != "Only the agent handling the chat may ask the visitor" {
		t.Fatalf("errors %v", c.Form.Errors)
	}
	// A closed chat asks nothing, and its form closes.
	d.Apply(protocol.Event{Chat: "a", Seq: 1, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor}}, t0)
	if c.Form != nil || d.OpenAsk("a") {
		t.Fatal("a closed chat's form must close")
	}
	if _, ok := d.Ask("a", Presets[0], t0); ok || len(d.Unacked()) != 0 {
		t.Fatal("asked in a closed chat")
	}
}

func TestAsksSurviveReconnectAndReload(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 1)), t0)
	d.Apply(msg("a", 1, protocol.RoleVisitor, "Hi"), t0)
	cmd, _ := d.Ask("a", Presets[3], t0)
	// The link drops before the ack: after agent.ready the request goes again, same id.
	d.Dropped()
	_, cmds := d.Apply(ready(summary("a", 1)), t0)
	if last := cmds[len(cmds)-1]; last.ID != cmd.ID || last.Body.CommandType() != protocol.TypeFieldAsk {
		t.Fatalf("re-sent %+v", cmds)
	}
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Ack{}}, t0)

	// The tab reloads: a new desk takes the requests kept, then the history replays.
	kept := d.Asks()
	d2 := newDesk()
	d2.RestoreAsks(kept)
	d2.Apply(ready(summary("a", 2)), t0)
	c := d2.Chat("a")
	if w := c.Waiting(); len(w) != 1 || w[0].Field.Name != "CustomerNumber" || !w[0].Acked {
		t.Fatalf("after reload waiting %+v", w)
	}
	// An answer to an earlier request of the same field, replayed, is not this one's answer.
	d2.Apply(protocol.Event{Chat: "a", Seq: 1, Body: &protocol.FieldSet{Fields: map[string]string{"CustomerNumber": "old"}}}, t0)
	if len(c.Waiting()) != 1 {
		t.Fatal("an older answer settled the request")
	}
	d2.Apply(protocol.Event{Chat: "a", Seq: 2, Body: &protocol.FieldSet{Fields: map[string]string{"CustomerNumber": "K-7"}}}, t0)
	if len(c.Waiting()) != 0 || c.Lines[len(c.Lines)-1].Text != "Visitor answered Customer number: K-7" {
		t.Fatalf("waiting %d line %q", len(c.Waiting()), c.Lines[len(c.Lines)-1].Text)
	}
	// The request's own line came back in its place: after what the chat held when it was asked.
	var texts []string
	for _, l := range c.Lines {
		texts = append(texts, l.Text)
	}
	if got := strings.Join(texts, " | "); got != "Visitor answered Customer number: old | Asked the visitor: Customer number | Visitor answered Customer number: K-7" {
		t.Fatalf("lines after reload: %s", got)
	}
	// A request kept only in the outbox (no record) is rebuilt from the command on its ack.
	d3 := newDesk()
	d3.RestoreUnacked([]protocol.Command{{ID: "x1", Chat: "a", Body: &protocol.FieldAsk{Field: Presets[0]}}})
	d3.Apply(ready(summary("a", 0)), t0)
	d3.Apply(protocol.Event{ID: "x1", Body: &protocol.Ack{}}, t0)
	if w := d3.Chat("a").Waiting(); len(w) != 1 || w[0].Label() != "Order number" {
		t.Fatalf("rebuilt %+v", w)
	}
}

func TestShowValue(t *testing.T) {
	if ShowValue(catalog.Printer{}, protocol.SurveyField{Type: "boolean"}, "N") != "No" || ShowValue(catalog.Printer{}, protocol.SurveyField{Type: "rating"}, "4") != "4 of 5 stars" ||
		ShowValue(catalog.Printer{}, protocol.SurveyField{Type: "text"}, "Y") != "Y" {
		t.Fatal("ShowValue")
	}
	if (&Ask{Field: protocol.SurveyField{Name: "N", Prompt: "Your order number? "}}).Label() != "Your order number" {
		t.Fatal("Label")
	}
}
