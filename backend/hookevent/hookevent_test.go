package hookevent

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

func event(t *testing.T, body protocol.EventBody, agentsOnly bool) Event {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return Event{TenantID: 7, ChatID: "c1", Seq: 3, Type: string(body.EventType()), Data: data, AgentsOnly: agentsOnly,
		At: time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)}
}

// Each durable chat event is reported as the kinds a receiver expects, and what only agents
// see is never reported.
func TestClassify(t *testing.T) {
	at := time.Now()
	for name, c := range map[string]struct {
		body       protocol.EventBody
		agentsOnly bool
		want       []string
	}{
		"request":         {&protocol.ChatState{State: protocol.StateQueued, At: at}, false, []string{ChatRequested}},
		"requeue":         {&protocol.ChatState{State: protocol.StateQueued, Cause: "agent_gone", At: at}, false, nil},
		"accepted":        {&protocol.ChatState{State: protocol.StateActive, At: at}, false, []string{ChatAssigned}},
		"closed":          {&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor, At: at}, false, []string{ChatClosed}},
		"left message":    {&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseLeftMessage, At: at}, false, []string{MessageLeft}},
		"visitor line":    {&protocol.Message{Role: protocol.RoleVisitor, Text: "hi", At: at}, false, []string{ChatMessage}},
		"whisper":         {&protocol.Message{Role: protocol.RoleAgent, Text: "psst", Internal: true, At: at}, false, nil},
		"agents only":     {&protocol.Message{Role: protocol.RoleAgent, Text: "note", At: at}, true, nil},
		"direct chat":     {&protocol.ChatState{State: protocol.StateActive, At: at}, true, nil},
		"survey":          {&protocol.FieldSet{Survey: "post", Fields: map[string]string{"comment": "fine"}}, false, []string{SurveySubmitted}},
		"rating":          {&protocol.FieldSet{Survey: "post", Fields: map[string]string{"rating": "5"}}, false, []string{SurveySubmitted, ChatRated}},
		"pre-chat fields": {&protocol.FieldSet{Survey: "pre", Fields: map[string]string{"rating": "5"}}, false, nil},
		"joined":          {&protocol.Joined{Role: protocol.RoleAgent, Name: "Anna"}, false, nil},
	} {
		if got := Classify(event(t, c.body, c.agentsOnly)); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	if got := Classify(Event{Type: string(protocol.TypeChatState), Data: json.RawMessage(`{"state":`)}); got != nil {
		t.Errorf("broken data: %v", got)
	}
	for _, k := range Kinds {
		if !Known(k) {
			t.Errorf("%s is not known", k)
		}
	}
	if Known(Test) || Known("") || Known("chat.*") {
		t.Error("only the listed kinds may be subscribed to")
	}
}

// The body carries the event as the protocol writes it, and its id is the same however often
// it is made, and differs between the kinds of one event.
func TestBody(t *testing.T) {
	e := event(t, &protocol.FieldSet{Survey: "post", Fields: map[string]string{"rating": "5"}}, false)
	b1, err := Body(e, ChatRated)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := Body(e, ChatRated)
	if string(b1) != string(b2) {
		t.Fatal("the body of one report differs between calls")
	}
	var p Payload
	if err := json.Unmarshal(b1, &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != "evt_c1_3_chat.rated" || p.Type != ChatRated || p.TenantID != 7 || p.ChatID != "c1" || p.Seq != 3 || !p.Created.Equal(e.At) {
		t.Errorf("payload %+v", p)
	}
	var fs protocol.FieldSet
	if err := json.Unmarshal(p.Data, &fs); err != nil || fs.Fields["rating"] != "5" {
		t.Errorf("data %s: %v", p.Data, err)
	}
	if ID(e, ChatRated) == ID(e, SurveySubmitted) {
		t.Error("two kinds of one event share an id")
	}
	empty, err := Body(Event{ChatID: "c"}, Test)
	if err != nil || !json.Valid(empty) {
		t.Errorf("an event without data: %s %v", empty, err)
	}
}
