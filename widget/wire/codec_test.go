package wire

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// at is a fixed time with sub-second precision, to check time round trips.
var at = time.Date(2025, 3, 14, 15, 9, 26, 535000000, time.UTC)

// visitorEvents are samples of every event type the widget handles, with every field set.
func visitorEvents() []protocol.Event {
	return []protocol.Event{
		{ID: "c1", Body: &protocol.Ack{Chat: "ch1", Token: "tok", Seq: 7}},
		{ID: "c2", Body: &protocol.Error{Code: protocol.CodeInvalid, Message: "name is required", Field: "name"}},
		{Body: &protocol.Connected{Session: "s1", Name: "Acme", Title: "Acme help", Lang: "de", Open: true,
			Texts: map[string]string{"bye": "Tschüss <b>", "agentTyping": "Agent $agent schreibt ..."}, MaxMessage: 1000,
			Preview: true, EstimatedWait: 90, AllowedFileTypes: []string{"png", "pdf"}, RestrictedFileTypes: []string{"exe", ".BAT"}, MaxAttachmentKB: 512, LeaveMessage: true,
			Widget: json.RawMessage(`{"position":"bottom-left","hide_agent_name":true}`)}},
		{Chat: "ch1", Seq: 1, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseNoAgent, At: at}},
		{Chat: "ch1", Body: &protocol.Queue{Position: 2, Of: 5, EstimatedWait: -1}},
		{Chat: "ch1", Seq: 2, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Anna", Text: "Hallo \"du\" <script>alert(1)</script>\n😀 \u2028",
			Key: "welcomeMessage", Class: "lineo", ClientID: "x-1", HideLocal: true, At: at,
			File: &protocol.File{Name: "a.pdf", URL: "https://x/a.pdf", Size: 12, ContentType: "application/pdf"}}},
		{Chat: "ch1", Seq: 3, Body: &protocol.Joined{Role: protocol.RoleAgent, Name: "Anna", UserID: 4, Lang: "de"}},
		{Chat: "ch1", Seq: 4, Body: &protocol.Left{Role: protocol.RoleAgent, Name: "Anna", UserID: 4}},
		{Chat: "ch1", Body: &protocol.TypingEvent{Role: protocol.RoleAgent, Name: "Anna", On: true}},
		{Chat: "ch1", Body: &protocol.Presence{Role: protocol.RoleAgent, Online: true}},
		{Body: &protocol.QueueInfo{Open: true, Waiting: 3, EstimatedWait: 30}},
		{Chat: "ch1", Body: &protocol.ChatInfo{State: protocol.StateQueued, Position: 1, EstimatedWait: 10}},
		{Body: &protocol.Disconnect{Code: protocol.CloseShutdown, Reason: "restart", Reconnect: true}},
		{Body: &protocol.Connected{Session: "s2", Name: "Acme", Lang: "en", Texts: map[string]string{},
			PreChat:  []protocol.SurveyField{surveyField(), {Name: "Min", Type: "text", Enabled: true, Prompt: "?"}},
			PostChat: []protocol.SurveyField{{Name: "Rating", Type: "rating", Enabled: true, Prompt: "Rate us", ValidateLow: -1, ValidateHigh: 5}}}},
		{Chat: "ch1", Seq: 5, Body: &protocol.FieldSet{Fields: map[string]string{"Order": "A1", "x": "<b>"}, Survey: "post"}},
		{Chat: "ch1", Seq: 6, Body: &protocol.FieldSet{Fields: map[string]string{"Order": "4711"}, Survey: "pre", Name: "Zoë"}},
		{Chat: "ch1", Body: &protocol.FieldRequest{Field: surveyField()}},
	}
}

// surveyField is a field of the survey model with every member set (TestSurveyFieldSampleIsFull
// keeps it so, so that a member added to the model is checked by the codec tests).
func surveyField() survey.Field {
	return survey.Field{Name: "FindMethod", Type: "select", Enabled: true, Prompt: "How did you find us? <b>", Length: 20,
		MultiLine: true, Lines: 3, Password: true, ChangeCase: 2, Mask: `^\d+$`, Default: "Google", DefaultDateToday: true,
		DefaultTimeToday: true, SelectType: "radio", ValidateLow: -1, ValidateHigh: 7, Required: true,
		Options: []string{"Google", "LinkedIn \"Ad\"", "Zoë"}, HTML5Type: "text", Labels: []string{"Google", "LinkedIn-Anzeige", "Zoë"},
		Texts: map[string]survey.Text{"de": {Prompt: "Wie haben Sie uns gefunden?", Options: map[string]string{"LinkedIn \"Ad\"": "LinkedIn-Anzeige"}}, "fr-BE": {Prompt: "\"Comment\" ?"}}}
}

// A member added to the survey model must be added to the sample, and then to the codec,
// whose round trip and comparison with the protocol's codec use the sample.
func TestSurveyFieldSampleIsFull(t *testing.T) {
	v := reflect.ValueOf(surveyField())
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Errorf("the sample survey field leaves %s unset", v.Type().Field(i).Name)
		}
	}
	raw, err := json.Marshal(surveyField())
	if err != nil {
		t.Fatal(err)
	}
	var members map[string]any
	if err := json.Unmarshal(raw, &members); err != nil {
		t.Fatal(err)
	}
	stored, err := Parse(string(SurveyFieldJSON(surveyField())))
	if err != nil {
		t.Fatal(err)
	}
	for k := range members {
		if stored.Get(k).Kind() == KindNull {
			t.Errorf("SurveyFieldJSON leaves out %q", k)
		}
	}
}

func TestSurveyFieldStorageRoundTrip(t *testing.T) {
	for _, f := range []survey.Field{surveyField(), {}, {Name: "n", ValidateLow: 0, ValidateHigh: -1}} {
		v, err := Parse(string(SurveyFieldJSON(f)))
		if err != nil {
			t.Fatal(err)
		}
		if got := ReadSurveyField(v); !reflect.DeepEqual(got, f) {
			t.Errorf("round trip\n got %#v\nwant %#v", got, f)
		}
	}
}

func TestDecodeEventMatchesProtocolCodec(t *testing.T) {
	for _, want := range visitorEvents() {
		frame, err := protocol.EncodeEvent(want)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := protocol.DecodeEvent(frame)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeEvent(string(frame))
		if err != nil {
			t.Fatalf("%s: %v", frame, err)
		}
		if e, ok := ref.Body.(*protocol.Error); ok {
			e.ID = ref.ID // the protocol codec leaves the id in the envelope only
		}
		if !reflect.DeepEqual(got, ref) {
			t.Errorf("decode %s\n got %#v\nwant %#v", frame, got.Body, ref.Body)
		}
	}
}

func TestDecodeEventRefusesOtherVersionsAndIgnoresAgentEvents(t *testing.T) {
	if _, err := DecodeEvent(`{"v":2,"type":"ack"}`); err != ErrBadFrame {
		t.Errorf("version 2: %v", err)
	}
	if _, err := DecodeEvent(`not json`); err != ErrBadFrame {
		t.Errorf("garbage: %v", err)
	}
	if _, err := DecodeEvent(`{"v":1,"type":"offer","data":{}}`); err != ErrNotForVisitors {
		t.Errorf("offer: %v", err)
	}
	// Extra fields are tolerated, as the protocol promises.
	if ev, err := DecodeEvent(`{"v":1,"type":"queue","data":{"position":3,"new_field":[1,{"a":null}]}}`); err != nil || ev.Body.(*protocol.Queue).Position != 3 {
		t.Errorf("extra fields: %v %v", ev, err)
	}
}

// visitorCommands are samples of every command the widget sends.
func visitorCommands() []protocol.Command {
	return []protocol.Command{
		{ID: "a1", Body: &protocol.Ping{}},
		{ID: "a2", Body: &protocol.VisitorConnect{Connector: "HASH", Lang: "fr-BE", Page: "https://shop.example/p?q=<1>&x", Referrer: "https://g.example/", UserAgent: "Mozilla/5.0", VisitorID: "v1", TZOffset: -60}},
		{ID: "a3", Body: &protocol.ChatRequest{Name: "Zoë \"Z\"", Email: "z@example.com", Phone: "+49 1", CustomerID: "c9", Lang: "de", Question: "Hi\nthere\t<b>",
			PData: map[string]string{"name": "Zoë", "b": "2", "a": "1"}, UData: map[string]string{"k": "v"}}},
		{ID: "a4", Chat: "ch1", Body: &protocol.Resume{Token: "tok", After: 0}},
		{ID: "a5", Chat: "ch1", Body: &protocol.Resume{Token: "tok", After: 42}},
		{ID: "a6", Chat: "ch1", Body: &protocol.Send{Text: "hello \u2028 \x01 😀 <script>", HideLocal: true}},
		{ID: "a7", Chat: "ch1", Body: &protocol.Typing{On: false}},
		{ID: "a8", Chat: "ch1", Body: &protocol.Preview{Text: ""}},
		{ID: "a9", Chat: "ch1", Body: &protocol.Close{}},
		{ID: "b1", Body: &protocol.QueueInfoGet{}},
		{ID: "b2", Chat: "ch1", Body: &protocol.ChatInfoGet{}},
		{ID: "b3", Chat: "ch1", Body: &protocol.SurveySubmit{Fields: map[string]string{"Rating": "4", "Comment": "Zoë \"Z\" <b>"}}},
		{ID: "b4", Chat: "ch1", Body: &protocol.SurveySubmit{Fields: map[string]string{}}},
		{ID: "b5", Chat: "ch1", Body: &protocol.SurveySubmit{}},
		{ID: "b6", Chat: "ch1", Body: &protocol.FieldSubmit{Name: "Order", Value: ""}},
		{ID: "b7", Chat: "ch1", Body: &protocol.FieldSubmit{Name: "Order", Value: "A-1\n2"}},
		{ID: "b8", Body: &protocol.ChatRequest{Name: "Ann", Fields: map[string]string{"FindMethod": "Google", "Mailing": "Y"}}},
		{ID: "b9", Chat: "ch1", Body: &protocol.FileSend{Name: "Zoë \"photo\".png", URL: "/files/f1/Zo%C3%AB.png", Size: 1234, ContentType: "image/png"}},
		{ID: "c1", Chat: "ch1", Body: &protocol.FileSend{Name: "a", URL: "/files/f2/a"}},
		{ID: "c2", Chat: "ch1", Body: &protocol.LeaveMessage{Name: "Zoë \"Z\"", Department: "Sales", Email: "z@example.com", Phone: "+49 30 1234", Text: "Call me\nback <b>😀"}},
		{ID: "c3", Body: &protocol.LeaveMessage{Name: "Ann", Phone: "+32 2 555", Text: "Hi"}},
		{ID: "c4", Body: &protocol.LeaveMessage{Name: "Ann", Email: "ann@example.com", Text: "Hi"}},
		{ID: "c5", Body: &protocol.ChatRequest{Question: "Où est mon colis ?", Later: true, PreviewConsent: true}},
		{ID: "c6", Chat: "ch1", Body: &protocol.DetailsSubmit{Name: "Zoë \"Z\"", Email: "z@example.com", Fields: map[string]string{"Order": "4711", "b": "<b>"}}},
		{ID: "c7", Chat: "ch1", Body: &protocol.DetailsSubmit{}},
		{ID: "c8", Chat: "ch1", Body: &protocol.PreviewConsent{On: false}},
		{ID: "c9", Chat: "ch1", Body: &protocol.PreviewConsent{On: true}},
	}
}

func TestEncodeCommandMatchesProtocolCodec(t *testing.T) {
	for _, c := range visitorCommands() {
		want, err := protocol.EncodeCommand(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := EncodeCommand(c)
		if err != nil {
			t.Fatal(err)
		}
		// The server decodes it as a valid visitor command equal to the original.
		dec, err := protocol.DecodeCommand([]byte(got), protocol.RoleVisitor)
		if err != nil {
			t.Errorf("server refuses %s: %v", got, err)
			continue
		}
		if !reflect.DeepEqual(dec, c) {
			t.Errorf("round trip of %s\n got %#v\nwant %#v", got, dec.Body, c.Body)
		}
		var a, b any
		if err := json.Unmarshal([]byte(got), &a); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		_ = json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("frames differ\n got %s\nwant %s", got, want)
		}
	}
}

func TestParseStrings(t *testing.T) {
	for _, s := range []string{`"a\u00e9\ud83d\ude00\n\"\\/"`, `"\ud800"`, `"\ud800\u0041"`, `"plain é"`, `[1,-2.5e3,true,false,null,{}]`, `{"a":{"b":[]}}`} {
		v, err := Parse(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		var want any
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatal(err)
		}
		if got := toAny(v); !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%s) = %#v, want %#v", s, got, want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `[1,]`, `"\x"`, "\"\x01\"", `tru`, `1 2`, `{"a":1,}`} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

// toAny converts a Value to what encoding/json would produce, for comparison.
func toAny(v *Value) any {
	switch v.Kind() {
	case KindBool:
		return v.Bool()
	case KindNumber:
		return v.Num()
	case KindString:
		return v.Str()
	case KindArray:
		out := []any{}
		for i := 0; i < v.Len(); i++ {
			out = append(out, toAny(v.Index(i)))
		}
		return out
	case KindObject:
		out := map[string]any{}
		for _, k := range v.Keys() {
			out[k] = toAny(v.Get(k))
		}
		return out
	}
	return nil
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"v":1,"type":"message","data":{"text":"hi"}}`, `[1,"\u00e9",null]`, `"\ud83d\ude00"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		var want any
		stdErr := json.Unmarshal([]byte(s), &want)
		if (err == nil) != (stdErr == nil) {
			// encoding/json accepts some inputs with invalid UTF-8 that we also accept; the
			// other way round is a bug either way.
			t.Fatalf("Parse(%q) err=%v, encoding/json err=%v", s, err, stdErr)
		}
		if err == nil && !reflect.DeepEqual(toAny(v), want) {
			t.Fatalf("Parse(%q) = %#v, want %#v", s, toAny(v), want)
		}
	})
}
