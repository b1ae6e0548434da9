package chat

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// withSurveys is a connector with a pre-chat survey (a required choice, a ticked box, a
// number with a range, a field with a mask, a disabled field) and a post-chat rating.
func withSurveys() protocol.Connected {
	c := open()
	c.PreChat = []protocol.SurveyField{
		{Name: "FindMethod", Type: "select", Enabled: true, Prompt: "How did you find us?", Required: true,
			Options: []string{"Google", "Friend"}, ValidateLow: -1, ValidateHigh: -1},
		{Name: "Mailing", Type: "boolean", Enabled: true, Prompt: "Join our mailing list?", Default: "Y", ValidateLow: -1, ValidateHigh: -1},
		{Name: "Age", Type: "numeric", Enabled: true, Prompt: "Age", ValidateLow: 18, ValidateHigh: 120},
		{Name: "Order", Type: "text", Enabled: true, Prompt: "Order number", Mask: `[A-Z]{2}\d+`, ChangeCase: survey.CaseUpper, ValidateLow: -1, ValidateHigh: -1},
		{Name: "Off", Type: "text", Enabled: false, Prompt: "Not asked", Required: true},
	}
	c.PostChat = []protocol.SurveyField{
		{Name: "Rating", Type: "rating", Enabled: true, Prompt: "Please rate your chat", Required: true, ValidateLow: -1, ValidateHigh: 5},
		{Name: "Comment", Type: "text", Enabled: true, Prompt: "Anything else?", MultiLine: true, Lines: 3, ValidateLow: -1, ValidateHigh: -1},
	}
	return c
}

func TestPreChatSurvey(t *testing.T) {
	h := newHarness(t, Config{Mask: survey.MatchMask})
	h.connect(withSurveys())
	fields := h.m.PreChat()
	if len(fields) != 4 || fields[3].Name != "Order" || !h.m.AsksName() {
		t.Fatalf("pre-chat fields %+v", fields)
	}

	// Nothing chosen, a number out of range, a bad order number: all marked at once, with the
	// name's problem, and nothing sent.
	if h.m.StartChat("", "hi", "", map[string]string{"Age": "12", "Order": "x1"}) {
		t.Fatal("invalid answers accepted")
	}
	if h.m.FieldError != "nameRequired" || len(h.m.Invalid) != 3 || len(h.sent()) != 0 {
		t.Fatalf("errors: %q %v", h.m.FieldError, h.m.Invalid)
	}
	for _, want := range []struct {
		i    int
		text string
	}{{0, "Please choose an answer."}, {1, ""}, {2, "Please enter a number from 18 to 120."}, {3, "Please check the format of your answer."}} {
		if got := h.m.FieldMessage(fields[want.i]); got != want.text {
			t.Errorf("%s: message %q, want %q", fields[want.i].Name, got, want.text)
		}
	}
	if got := h.m.FormError(); got != "Please enter your name." {
		t.Errorf("form error %q", got)
	}
	h.m.StartChat("Ann", "hi", "", map[string]string{"Age": "12"})
	if got := h.m.FormError(); got != "Please check the marked fields." {
		t.Errorf("form error %q", got)
	}

	// Filled in: the normalized answers go with the request.
	if !h.m.StartChat("Ann", "hi", "", map[string]string{"FindMethod": "Friend", "Mailing": "true", "Age": " 42 ", "Order": "ab12", "Extra": "x"}) {
		t.Fatalf("valid answers refused: %v", h.m.Invalid)
	}
	if h.m.Invalid != nil || h.m.FormError() != "" {
		t.Errorf("errors left: %v", h.m.Invalid)
	}
	out := h.sent()
	reqID, req := out[0].ID, out[0].Body.(*protocol.ChatRequest)
	want := map[string]string{"FindMethod": "Friend", "Mailing": "Y", "Age": "42", "Order": "AB12", "Extra": "x"}
	if len(req.Fields) != len(want) {
		t.Errorf("fields %v", req.Fields)
	}
	for k, v := range want {
		if req.Fields[k] != v {
			t.Errorf("fields[%s] = %q, want %q", k, req.Fields[k], v)
		}
	}
	// A reload before the ack keeps the answers in the request that is sent again.
	m2 := Restore(Config{Connector: "HASH", IDPrefix: "q"}, h.m.Snapshot(h.now), h.now, time.Hour)
	h2 := &harness{t: t, m: m2, now: h.now}
	h2.connect(withSurveys())
	if out := h2.sent(); len(out) != 1 || out[0].ID != reqID || out[0].Body.(*protocol.ChatRequest).Fields["Order"] != "AB12" {
		t.Fatalf("request after reload %+v", out)
	}
}

func TestPreChatSurveyRefusedByServer(t *testing.T) {
	h := newHarness(t, Config{}) // no mask engine: the server checks masks
	h.connect(withSurveys())
	if !h.m.StartChat("Ann", "", "", map[string]string{"FindMethod": "Google", "Order": "nope"}) {
		t.Fatalf("refused: %v", h.m.Invalid)
	}
	req := h.sent()[0]
	h.event("", 0, req.ID, &protocol.Error{Code: protocol.CodeInvalid, Field: "fields.Order", Message: "Order: does not have the required format"})
	if h.m.Phase != PhaseForm || h.m.Invalid["Order"] != codeServer || h.m.Notice != "" {
		t.Fatalf("after refusal: %v %v %q", h.m.Phase, h.m.Invalid, h.m.Notice)
	}
	if got := h.m.FieldMessage(h.m.PreChat()[3]); got != "Please check this answer." {
		t.Errorf("message %q", got)
	}
	// An error about something else is a general notice.
	h.m.StartChat("Ann", "", "", map[string]string{"FindMethod": "Google"})
	req = h.sent()[0]
	h.event("", 0, req.ID, &protocol.Error{Code: protocol.CodeInvalid, Field: "fields", Message: "too many"})
	if h.m.Notice != "errorRequestingChat" || len(h.m.Invalid) != 0 {
		t.Errorf("general refusal: %q %v", h.m.Notice, h.m.Invalid)
	}
}

func TestNameFromTheSurvey(t *testing.T) {
	h := newHarness(t, Config{Lang: "de"})
	c := open()
	c.PreChat = []protocol.SurveyField{
		{Name: "VisitorName", Type: "name", Enabled: true, Prompt: "Ihr Name", ChangeCase: survey.CaseCapitalize, Length: 100},
		{Name: "Mail", Type: "email", Enabled: true, Prompt: "E-Mail"},
	}
	h.connect(c)
	if h.m.AsksName() || !h.m.PreChat()[0].Required {
		t.Fatal("the survey's name field should replace the form's, and be required")
	}
	if h.m.StartChat("", "", "", map[string]string{"Mail": "ann@"}) {
		t.Fatal("started without a name")
	}
	if h.m.FieldError != "" || h.m.Invalid["VisitorName"] != survey.CodeRequired || h.m.Invalid["Mail"] != survey.CodeBadEmail {
		t.Fatalf("errors %q %v", h.m.FieldError, h.m.Invalid)
	}
	if got := h.m.FieldMessage(h.m.PreChat()[1]); got != "Bitte geben Sie eine gültige E-Mail-Adresse ein." {
		t.Errorf("German message %q", got)
	}
	if !h.m.StartChat("", "", "", map[string]string{"VisitorName": "ann smith", "Mail": "ann@example.com"}) {
		t.Fatalf("refused: %v", h.m.Invalid)
	}
	req := h.sent()[0].Body.(*protocol.ChatRequest)
	if req.Name != "Ann Smith" || req.Email != "ann@example.com" || req.Fields["VisitorName"] != "Ann Smith" || h.m.Name != "Ann Smith" {
		t.Errorf("request %+v", req)
	}
}

// activeWithSurveys runs a chat with an agent up to its close by the agent.
func activeWithSurveys(t *testing.T, cfg Config) *harness {
	h := newHarness(t, cfg)
	h.connect(withSurveys())
	if !h.m.StartChat("Ann", "Hi", "", map[string]string{"FindMethod": "Google"}) {
		t.Fatal(h.m.Invalid)
	}
	req := h.sent()[0]
	h.event("", 0, req.ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	h.durable(&protocol.Joined{Role: protocol.RoleAgent, Name: "Bea"})
	h.durable(&protocol.ChatState{State: protocol.StateActive})
	return h
}

func TestPostChatSurvey(t *testing.T) {
	h := activeWithSurveys(t, Config{})
	if h.m.Post != PostNone || h.m.SubmitSurvey(map[string]string{"Rating": "5"}) {
		t.Fatal("survey before the end")
	}
	h.durable(&protocol.Message{Role: protocol.RoleSystem, Key: "bye", Text: "Goodbye!"})
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent})
	if h.m.Post != PostOpen || len(h.m.PostChat()) != 2 {
		t.Fatalf("post %v", h.m.Post)
	}
	if h.m.SubmitSurvey(map[string]string{"Rating": "9", "Comment": "ok"}) || h.m.Invalid["Rating"] != survey.CodeOutOfRange {
		t.Fatalf("bad rating taken: %v", h.m.Invalid)
	}
	if got := h.m.FieldMessage(h.m.PostChat()[0]); got != "Please choose an answer." {
		t.Errorf("rating message %q", got)
	}
	if !h.m.SubmitSurvey(map[string]string{"Rating": "4", "Comment": "  Quick\r\nand kind "}) || h.m.Post != PostSending {
		t.Fatalf("survey refused: %v", h.m.Invalid)
	}
	out := h.sent()
	if len(out) != 1 || out[0].Chat != "chat1" {
		t.Fatalf("sent %+v", out)
	}
	b := out[0].Body.(*protocol.SurveySubmit)
	if b.Fields["Rating"] != "4" || b.Fields["Comment"] != "Quick\nand kind" {
		t.Errorf("answers %v", b.Fields)
	}
	h.event("", 0, out[0].ID, &protocol.Ack{})
	last := h.m.Items[len(h.m.Items)-1]
	if h.m.Post != PostDone || last.Kind != ItemSystem || last.Text != "Thank you for your feedback!" {
		t.Fatalf("after ack: %v %+v", h.m.Post, last)
	}
	// The server records the answers as a durable event: it only moves the sequence on.
	h.durable(&protocol.FieldSet{Fields: b.Fields, Survey: "post"})
	if h.m.LastSeq != h.seq || len(h.sent()) != 0 {
		t.Errorf("field.set: seq %d of %d", h.m.LastSeq, h.seq)
	}
	h.m.NewChat()
	if h.m.Post != PostNone || h.m.Phase != PhaseForm {
		t.Errorf("new chat: %v %v", h.m.Post, h.m.Phase)
	}
}

func TestPostChatSurveySkippedOrNotOffered(t *testing.T) {
	h := activeWithSurveys(t, Config{})
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent})
	h.m.SkipSurvey()
	if h.m.Post != PostSkipped || h.m.SubmitSurvey(map[string]string{"Rating": "4"}) || len(h.sent()) != 0 {
		t.Fatalf("skip: %v", h.m.Post)
	}

	// No agent took part: nothing to rate.
	h = newHarness(t, Config{})
	h.connect(withSurveys())
	h.m.StartChat("Ann", "", "", map[string]string{"FindMethod": "Google"})
	h.event("", 0, h.sent()[0].ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseNoAgent})
	if h.m.Post != PostNone {
		t.Errorf("survey after a chat without an agent: %v", h.m.Post)
	}
}

func TestPostChatSurveyAcrossAReload(t *testing.T) {
	h := activeWithSurveys(t, Config{})
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent})
	h.m.SocketClosed(1006, h.now)
	if !h.m.SubmitSurvey(map[string]string{"Rating": "5"}) {
		t.Fatal(h.m.Invalid)
	}
	id := h.m.outbox[0].cmd.ID
	m2 := Restore(Config{Connector: "HASH", IDPrefix: "q"}, h.m.Snapshot(h.now), h.now, time.Hour)
	if m2.Phase != PhaseClosed || m2.Post != PostSending || m2.Pending() != 1 {
		t.Fatalf("restored %v %v %d", m2.Phase, m2.Post, m2.Pending())
	}
	// The ended chat is resumed only to deliver the answers, with the same id.
	h2 := &harness{t: t, m: m2, now: h.now, seq: h.seq}
	h2.connect(withSurveys())
	res := h2.sent()
	if len(res) != 1 || res[0].Body.CommandType() != protocol.TypeResume {
		t.Fatalf("after reload %+v", res)
	}
	h2.event("", 0, res[0].ID, &protocol.Ack{Chat: "chat1", Seq: h.seq})
	out := h2.sent()
	if len(out) != 1 || out[0].ID != id || out[0].Chat != "chat1" || out[0].Body.(*protocol.SurveySubmit).Fields["Rating"] != "5" {
		t.Fatalf("survey after reload %+v", out)
	}
	h2.event("", 0, id, &protocol.Ack{})
	if m2.Post != PostDone {
		t.Errorf("post %v", m2.Post)
	}
	// Without anything waiting, an ended chat is not resumed.
	h2.m.SocketClosed(1006, h.now)
	h2.connect(withSurveys())
	if out := h2.sent(); len(out) != 0 {
		t.Errorf("sent %+v", out)
	}
}

func TestPostChatSurveyForAChatThatIsGone(t *testing.T) {
	h := activeWithSurveys(t, Config{})
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent})
	n := len(h.m.Items)
	h.m.SocketClosed(1006, h.now)
	h.m.SubmitSurvey(map[string]string{"Rating": "5"})
	h.connect(withSurveys())
	res := h.sent()[0]
	h.event("", 0, res.ID, &protocol.Error{Code: protocol.CodeNotFound, Message: "no chat"})
	if h.m.Phase != PhaseClosed || len(h.m.Items) != n || h.m.Post != PostSkipped || h.m.Pending() != 0 {
		t.Fatalf("after refused resume: %v %d %v %d", h.m.Phase, len(h.m.Items), h.m.Post, h.m.Pending())
	}
}

func TestPostChatSurveyRefusedByServer(t *testing.T) {
	h := activeWithSurveys(t, Config{})
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent})
	h.m.SubmitSurvey(map[string]string{"Rating": "5"})
	out := h.sent()[0]
	h.event("", 0, out.ID, &protocol.Error{Code: protocol.CodeInvalid, Field: "fields.Rating", Message: "Rating: must be from 1 to 3"})
	if h.m.Post != PostOpen || h.m.Invalid["Rating"] != codeServer {
		t.Fatalf("after refusal %v %v", h.m.Post, h.m.Invalid)
	}
	h.m.SubmitSurvey(map[string]string{"Rating": "2"})
	out = h.sent()[0]
	h.event("", 0, out.ID, &protocol.Error{Code: protocol.CodeConflict, Message: "no"})
	if h.m.Post != PostOpen || h.m.FormError() != "Something went wrong. Please try again." {
		t.Fatalf("after conflict %v %q", h.m.Post, h.m.FormError())
	}
}

func TestFieldRequestedByTheAgent(t *testing.T) {
	h := activeWithSurveys(t, Config{})
	order := protocol.SurveyField{Name: "OrderNumber", Type: "text", Enabled: true, Prompt: "Please enter the order number:",
		Length: 10, ChangeCase: survey.CaseUpper, ValidateLow: 0, ValidateHigh: 0}
	h.event("chat1", 0, "", &protocol.FieldRequest{Field: order})
	if f := h.m.Asked(); f == nil || f.Name != "OrderNumber" {
		t.Fatalf("asked %+v", f)
	}
	if h.m.SubmitAnswer("this is far too long") || h.m.Invalid["OrderNumber"] != survey.CodeTooLong {
		t.Fatalf("long answer: %v", h.m.Invalid)
	}
	if got := h.m.FieldMessage(order); got != "Please use at most 10 characters." {
		t.Errorf("message %q", got)
	}
	if !h.m.SubmitAnswer(" ab-123 ") || !h.m.AnswerSending() || h.m.SubmitAnswer("again") {
		t.Fatal("answer not sent once")
	}
	out := h.sent()
	if b := out[0].Body.(*protocol.FieldSubmit); len(out) != 1 || out[0].Chat != "chat1" || b.Name != "OrderNumber" || b.Value != "AB-123" {
		t.Fatalf("sent %+v", out)
	}
	h.event("", 0, out[0].ID, &protocol.Ack{})
	last := h.m.Items[len(h.m.Items)-1]
	if h.m.Asked() != nil || h.m.AnswerSending() || last.Kind != ItemNotice || last.Text != "You answered: Please enter the order number:" {
		t.Fatalf("after ack %+v %+v", h.m.Asked(), last)
	}

	// Two requests wait in turn; the visitor may put one away.
	h.event("chat1", 0, "", &protocol.FieldRequest{Field: order})
	h.event("chat1", 0, "", &protocol.FieldRequest{Field: protocol.SurveyField{Name: "Phone", Type: "numeric", Prompt: "Phone"}})
	h.event("other", 0, "", &protocol.FieldRequest{Field: protocol.SurveyField{Name: "Nope", Type: "text"}})
	if len(h.m.Asks) != 2 {
		t.Fatalf("asks %+v", h.m.Asks)
	}
	h.m.DismissAsk()
	if f := h.m.Asked(); f == nil || f.Name != "Phone" || !f.Enabled {
		t.Fatalf("next ask %+v", f)
	}
	// The server refuses the answer: it is marked.
	h.m.SubmitAnswer("12")
	out = h.sent()
	h.event("", 0, out[0].ID, &protocol.Error{Code: protocol.CodeInvalid, Field: "value", Message: "bad"})
	if h.m.AnswerSending() || h.m.Invalid["Phone"] != codeServer || h.m.Asked() == nil {
		t.Fatalf("after refusal %v %v", h.m.AnswerSending(), h.m.Invalid)
	}
	// A reload keeps the waiting request.
	m2 := Restore(Config{Connector: "HASH", IDPrefix: "q"}, h.m.Snapshot(h.now), h.now, time.Hour)
	if f := m2.Asked(); f == nil || f.Name != "Phone" || f.Prompt != "Phone" {
		t.Fatalf("restored ask %+v", f)
	}
	// The end of the chat puts requests away.
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent})
	if h.m.Asked() != nil || h.m.SubmitAnswer("1") {
		t.Error("request left after the end")
	}
	h.event("chat1", 0, "", &protocol.FieldRequest{Field: order})
	if h.m.Asked() != nil {
		t.Error("request taken after the end")
	}
}

func TestFieldMessages(t *testing.T) {
	m := New(Config{Lang: "fr"})
	f := func(typ string, low, high int) protocol.SurveyField {
		return protocol.SurveyField{Name: "F", Type: typ, ValidateLow: low, ValidateHigh: high, Length: 5}
	}
	for _, tc := range []struct {
		f    protocol.SurveyField
		code survey.Code
		want string
	}{
		{f("text", -1, -1), survey.CodeRequired, "Veuillez remplir ce champ."},
		{f("boolean", -1, -1), survey.CodeRequired, "Veuillez cocher cette case pour continuer."},
		{f("select", -1, -1), survey.CodeRequired, "Veuillez choisir une réponse."},
		{f("text", -1, -1), survey.CodeTooLong, "Veuillez utiliser au maximum 5 caractères."},
		{f("numeric", -1, -1), survey.CodeBadNumber, "Veuillez saisir un nombre."},
		{f("numeric", 1, -1), survey.CodeOutOfRange, "Veuillez saisir au moins 1."},
		{f("numeric", -1, 9), survey.CodeOutOfRange, "Veuillez saisir au plus 9."},
		{f("date", -1, -1), survey.CodeBadDate, "Veuillez saisir une date valide."},
		{f("time", -1, -1), survey.CodeBadTime, "Veuillez saisir une heure valide (HH:MM)."},
		{f("select", -1, -1), survey.CodeNotAnOption, "Veuillez choisir l'une des options."},
		{f("text", -1, -1), "future_code", "Veuillez vérifier cette réponse."},
	} {
		m.Invalid = map[string]survey.Code{"F": tc.code}
		if got := m.FieldMessage(tc.f); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.f.Type, tc.code, got, tc.want)
		}
	}
	m.Invalid = nil
	if m.FieldMessage(f("text", -1, -1)) != "" || strings.TrimSpace(m.FormError()) != "" {
		t.Error("message without a refusal")
	}
}

func TestEditingTakesTheRefusalBack(t *testing.T) {
	h := newHarness(t, Config{})
	h.connect(withSurveys())
	h.m.StartChat("Ann", "", "", map[string]string{"Age": "3"})
	if len(h.m.Invalid) != 2 {
		t.Fatalf("invalid %v", h.m.Invalid)
	}
	h.m.Edited("Age")
	h.m.Edited("Unknown")
	if len(h.m.Invalid) != 1 || h.m.Invalid["FindMethod"] != survey.CodeRequired {
		t.Fatalf("after editing Age: %v", h.m.Invalid)
	}
	h.m.Edited("FindMethod")
	if h.m.Invalid != nil || h.m.FormError() != "" {
		t.Errorf("after editing all: %v %q", h.m.Invalid, h.m.FormError())
	}
}
