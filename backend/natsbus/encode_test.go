package natsbus

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/changes"
)

// own is the envelope's beginning for node n, as New makes it.
func own(t testing.TB, n string) []byte {
	name, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return append(append([]byte(`{"node":`), name...), ',')
}

// A chat event's envelope written by hand decodes to what json.Marshal's does, whatever its
// strings hold, and begins with the node's own bytes.
func TestAppendChatAsJSON(t *testing.T) {
	at := time.Date(2026, 12, 6, 8, 30, 1, 123456789, time.UTC)
	for _, e := range []changes.ChatEvent{
		{ChatID: "c1", TenantID: 1, Seq: 1, Type: "message", At: at},
		{ChatID: "c2", TenantID: 42, Seq: 9007199254740991, VisitorSeq: 7, Type: "chat.state", Data: json.RawMessage(`{"state":"closed","cause":"visitor"}`), At: at.In(time.FixedZone("CET", 3600))},
		{ChatID: "quote\"back\\slash\nnewline\x01ü", TenantID: -3, Seq: 2, Type: "t<>&", Data: json.RawMessage(` { "text" : "a\u00e9" } `)},
	} {
		for _, node := range []string{"node-1", "n\"ode"} {
			data := appendChat(nil, own(t, node), &e)
			var got, want envelope
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatalf("%s: %v", data, err)
			}
			ref, err := json.Marshal(envelope{Node: node, Chat: &e})
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(ref, &want); err != nil {
				t.Fatal(err)
			}
			var gotData, wantData any
			_ = json.Unmarshal(got.Chat.Data, &gotData)
			_ = json.Unmarshal(want.Chat.Data, &wantData)
			got.Chat.Data, want.Chat.Data = nil, nil
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotData, wantData) || !got.Chat.At.Equal(e.At) {
				t.Errorf("%s\ndecodes to %+v %v\nwant %+v %v (%s)", data, *got.Chat, gotData, *want.Chat, wantData, ref)
			}
			if string(data[:len(own(t, node))]) != string(own(t, node)) {
				t.Errorf("%s does not begin with the node's bytes", data)
			}
		}
	}
}

// The envelope of a chat message, by hand and by json.Marshal.
func BenchmarkEncodeChat(b *testing.B) {
	e := changes.ChatEvent{ChatID: "01JEXAMPLECHAT0000000000", TenantID: 1, Seq: 1234, VisitorSeq: 1000, Type: "message",
		Data: json.RawMessage(`{"role":"visitor","name":"Load visitor 17","text":"load 17 3 1733473801123456789","client_id":"v17-m3"}`), At: time.Now()}
	prefix := own(b, "node-0123456789")
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = appendChat(make([]byte, 0, 256+len(e.Data)), prefix, &e)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ev := e
			_, _ = json.Marshal(envelope{Node: "node-0123456789", Chat: &ev})
		}
	})
}
