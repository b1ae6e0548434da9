package main

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// serverFrames are events as the server writes them (protocol.EncodeEvent), the hot ones first.
func serverFrames(t testing.TB) [][]byte {
	at := time.Date(2026, 12, 6, 11, 30, 0, 123456789, time.UTC)
	events := []protocol.Event{
		{ID: "v3-m7", Chat: "c1", Body: &protocol.Ack{Seq: 42}},
		{ID: "v3.1-2", Body: &protocol.Ack{Chat: "chatABC", Token: "tok_-123"}},
		{ID: "a1-1", Chat: "c1", Body: &protocol.Ack{}},
		{Chat: "c1", Seq: 43, Body: &protocol.Message{Role: protocol.RoleVisitor, Name: "Load visitor 3", Text: "load 3 7 1765020600123456789", ClientID: "v3-m7", At: at}},
		{Chat: "c1", Seq: 44, Body: &protocol.Message{Role: protocol.RoleAgent, Text: "agentload c1 0", At: at.In(time.FixedZone("", 2*3600))}},
		{Chat: "c1", Seq: 45, Body: &protocol.Message{Role: protocol.RoleSystem, Key: "welcomeMessage", Class: "sys", Text: "Wïllkommen \"hier\" <b>&</b>\n\t\\ \u2028 😀", HideLocal: true, Internal: true}},
		{Chat: "c1", Seq: 46, Body: &protocol.Message{Role: protocol.RoleVisitor, Text: "with a file", File: &protocol.File{Name: "a.txt", URL: "/f/1", Size: 3}}},
		{Chat: "c1", Seq: 47, Body: &protocol.Message{Role: protocol.RoleVisitor, Text: "hallo", Translation: &protocol.Translation{From: "de", To: "en", Text: "hello"}}},
		{Chat: "c1", Seq: 48, Body: &protocol.Message{Role: protocol.RoleVisitor, Text: "bad \xff utf-8"}},
		{ID: "v1-close", Body: &protocol.Error{Code: protocol.CodeBusy, Message: "try again"}},
		{Chat: "c1", Seq: 3, Body: &protocol.Joined{Role: protocol.RoleAgent, Name: "Load1"}},
		{Chat: "c1", Body: &protocol.Offer{}},
	}
	var out [][]byte
	for _, ev := range events {
		f, err := protocol.EncodeEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// oddFrames are frames the server does not write but a decoder must not get wrong.
var oddFrames = []string{
	` { "v" : 1 , "type" : "ack" , "id" : "x" , "data" : { "seq" : 7 } } `,
	`{"v":1,"type":"ack","id":"x","data":null}`,
	`{"v":1,"type":"ack","id":"x"}`,
	`{"v":1,"type":"ack","id":"x","data":{}}`,
	`{"v":2,"type":"ack","id":"x","data":{"seq":7}}`,
	`{"v":1,"type":"ack","id":"x","data":{"seq":-7}}`,
	`{"v":1,"type":"ack","id":"x","data":{"seq":07}}`,
	`{"v":1,"type":"ack","id":"x","data":{"seq":7.5}}`,
	`{"v":1,"type":"ack","id":"x","data":{"seq":"7"}}`,
	`{"v":1,"type":"ack","id":"x","data":{"seq":1e3}}`,
	`{"v":1,"type":"ack","id":"x","id":"y","data":{"seq":7}}`,
	`{"v":1,"type":"ack","ID":"x","data":{"seq":7}}`,
	`{"v":1,"type":"ack","i\u0064":"x","data":{"seq":7}}`,
	`{"v":1,"type":"ack","id":"x\"y","data":{"seq":7}}`,
	`{"v":1,"type":"ack","id":"x","data":{"seq":7},"extra":[1,{"a":"}"}]}`,
	`{"v":1,"type":"message","chat":"c","seq":5,"data":{"role":"visitor","Text":"load 1 2 3"}}`,
	`{"v":1,"type":"message","chat":"c","seq":5,"data":{"role":"visitor","text":"load 1 2 3","text":"load 1 2 4"}}`,
	`{"v":1,"type":"message","chat":"c","seq":5,"data":{"role":"visitor","text":"load 1 2 3","at":"not a time"}}`,
	`{"v":1,"type":"message","chat":"c","seq":5,"data":{"role":"visitor","text":"load 1 2 3","internal":1}}`,
	`{"v":1,"type":"message","chat":"c","seq":5,"data":{"role":"visitor","text":"load 1 2 3"`,
	`{"v":1,"type":"message","chat":"c","seq":5,"data":{"role":"visitor","text":"load 1 2 3"}}x`,
	`{"v":1,"type":"message","chat":"c","seq":5,"data":{"role":"visitor","text":"load 1 2 3",}}`,
	`{"v":1,"type":"message","chat":"c","seq":5,"data":["role"]}`,
	`{"v":1,"type":"message","chat":"c","seq":18446744073709551616,"data":{}}`,
	`{"v":1,"type":"nope","data":{}}`,
	`[]`,
	`null`,
	``,
}

// checkSame fails unless decodeEvent answers frame as protocol.DecodeEvent does.
func checkSame(t testing.TB, frame []byte) {
	want, wantErr := protocol.DecodeEvent(frame)
	got, err := decodeEvent(frame)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, encoding/json's %v", frame, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %#v %#v\nwant %#v %#v", frame, got, got.Body, want, want.Body)
	}
}

// TestDecodeEventMatchesEncodingJSON checks the hand-rolled decoder against protocol.DecodeEvent
// on the server's frames and on odd ones, and that the frames of the load's hot path (the acks
// and the messages without file or translation) take the fast way.
func TestDecodeEventMatchesEncodingJSON(t *testing.T) {
	frames := serverFrames(t)
	for _, f := range frames {
		checkSame(t, f)
	}
	for _, f := range oddFrames {
		checkSame(t, []byte(f))
	}
	for i, f := range frames[:6] {
		if _, err := decodeFast(f); err != nil {
			t.Errorf("frame %d %s goes the slow way", i, f)
		}
	}
}

// FuzzDecodeEvent: whatever the frame, the fast decoder agrees with encoding/json.
func FuzzDecodeEvent(f *testing.F) {
	for _, fr := range serverFrames(f) {
		f.Add(fr)
	}
	for _, fr := range oddFrames {
		f.Add([]byte(fr))
	}
	f.Fuzz(func(t *testing.T, frame []byte) { checkSame(t, frame) })
}

// TestAppendCommandMatchesEncodeCommand: the commands the load writes are the bytes
// protocol.EncodeCommand writes.
func TestAppendCommandMatchesEncodeCommand(t *testing.T) {
	cases := []protocol.Command{
		{ID: "v12-m34", Chat: "chatABC_-", Body: &protocol.Send{Text: "load 12 34 1765020600123456789"}},
		{ID: "a7.1-3", Chat: "c", Body: &protocol.Send{Text: "agentload c 1"}},
		{ID: "x", Chat: "c", Body: &protocol.Send{Text: ""}},
		{ID: "x", Body: &protocol.Send{Text: "no chat"}},
		{Chat: "c", Body: &protocol.Send{Text: "no id"}},
		{ID: "x", Chat: "c", Body: &protocol.Send{Text: `quote " backslash \ <b>&</b> ünï 😀 ` + "\n\t\x01\x7f\u2028"}},
		{ID: "x<", Chat: "c&", Body: &protocol.Send{Text: "escaped id and chat"}},
		{ID: "x", Chat: "c", Body: &protocol.Send{Text: "hidden", HideLocal: true}},
		{ID: "x", Chat: "c", Body: &protocol.Send{Text: "whisper", Internal: true}},
		{ID: "v1-close", Chat: "c", Body: &protocol.Close{}},
		{ID: "v1.2-1", Chat: "c", Body: &protocol.Resume{Token: "t", After: 17}},
	}
	for _, c := range cases {
		want, err := protocol.EncodeCommand(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendCommand([]byte("prefix"), c.ID, c.Chat, c.Body)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "prefix"+string(want) {
			t.Errorf("got  %s\nwant prefix%s", got, want)
		}
	}
}

// TestDeliveredCountsLossesAndDuplicates runs the agents' copies of the visitors' lines, as the
// server frames them, through decodeEvent and the tally: one line never delivered is lost, one
// delivered twice is a duplicate, and lines that are not a load visitor's do not count.
func TestDeliveredCountsLossesAndDuplicates(t *testing.T) {
	tl := &tally{sent: map[lineKey]bool{}, received: map[lineKey]int{}, requestedAt: map[string]time.Time{}, offeredAt: map[string]time.Time{}}
	sentAt := time.Date(2026, 12, 6, 11, 30, 0, 0, time.UTC)
	for _, k := range []lineKey{{1, 0}, {1, 1}, {1, 2}, {2, 0}, {2, 1}} {
		tl.sent[k] = true
	}
	line := func(seq uint64, role protocol.Role, text string, tr *protocol.Translation) []byte {
		f, err := protocol.EncodeEvent(protocol.Event{Chat: "c", Seq: seq, Body: &protocol.Message{Role: role, Text: text, Translation: tr, At: sentAt}})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	nanos := strconv.FormatInt(sentAt.UnixNano(), 10)
	frames := [][]byte{
		line(1, protocol.RoleVisitor, "load 1 0 "+nanos, nil),
		line(2, protocol.RoleVisitor, "load 1 1 "+nanos, nil),
		line(3, protocol.RoleVisitor, "load 1 1 "+nanos, nil), // again: a duplicate
		line(4, protocol.RoleVisitor, "load 2 0 "+nanos, nil),
		line(5, protocol.RoleVisitor, "load 2 1 "+nanos, &protocol.Translation{From: "de", To: "en", Text: "x"}), // the slow way
		line(6, protocol.RoleAgent, "load 1 2 "+nanos, nil),                                                      // not a visitor's
		line(7, protocol.RoleVisitor, "hello", nil),
		// 1/2 never comes: lost
	}
	for i, f := range frames {
		if _, err := decodeFast(f); (err == nil) != (i != 4) {
			t.Fatalf("line %d: fast decoder %v; want it for every line but the translated one", i, err)
		}
		ev, err := decodeEvent(f)
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := ev.Body.(*protocol.Message); ok {
			tl.delivered(m, sentAt.Add(5*time.Millisecond))
		}
	}
	r := summarize(tl, time.Second)
	if r.Sent != 5 || r.Delivered != 4 || r.Lost != 1 || r.Duplicated != 1 {
		t.Fatalf("sent %d delivered %d lost %d duplicated %d; want 5, 4, 1, 1", r.Sent, r.Delivered, r.Lost, r.Duplicated)
	}
	if r.P99ms != 5 {
		t.Errorf("latency %v ms; want 5", r.P99ms)
	}
}
