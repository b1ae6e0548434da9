package protocol

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// helloFrames are visitor.connect frames and near misses: what encoding/json and the quick
// decoder must agree on.
var helloFrames = []string{
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","lang":"de","page":"https://shop.example/a?b=1","referrer":"https://x.example/","user_agent":"Mozilla/5.0 (X11)","visitor_id":"v-1","tz_offset":-60}}`,
	` { "data" : { "connector" : "abc" } , "id" : "c1" , "type" : "visitor.connect" , "v" : 1 } `,
	"{\"v\":1,\n\t\"type\":\"visitor.connect\",\r\n\"id\":\"c1\",\"chat\":\"\",\"data\":{}}",
	`{"v":1,"type":"visitor.connect","id":"c1"}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"ünïcødé ✓","page":"€"}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","tz_offset":0}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","tz_offset":-0}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","tz_offset":999999999999999}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","tz_offset":9999999999999999999999}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","tz_offset":01}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","tz_offset":1.5}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","tz_offset":1e2}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","tz_offset":"1"}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","tz_offset":-}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"Connector":"abc"}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","connector":"def"}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","extra":1}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"a\"bc"}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"a\u0000bc"}}`,
	"{\"v\":1,\"type\":\"visitor.connect\",\"id\":\"c1\",\"data\":{\"connector\":\"a\x00bc\"}}",
	"{\"v\":1,\"type\":\"visitor.connect\",\"id\":\"c1\",\"data\":{\"connector\":\"a\tbc\"}}",
	"{\"v\":1,\"type\":\"visitor.connect\",\"id\":\"c1\",\"data\":{\"connector\":\"a\xffbc\"}}",
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":null}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":5}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":["abc"]}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":null}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":"x"}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc"},"seq":3}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc"}} x`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc"}}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc"},}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc",}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc"}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector" "abc"}}`,
	`{"v":2,"type":"visitor.connect","id":"c1","data":{"connector":"abc"}}`,
	`{"v":1.0,"type":"visitor.connect","id":"c1","data":{"connector":"abc"}}`,
	`{"v":"1","type":"visitor.connect","id":"c1","data":{"connector":"abc"}}`,
	`{"type":"visitor.connect","id":"c1","data":{"connector":"abc"}}`,
	`{"v":1,"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc"}}`,
	`{"v":1,"Type":"visitor.connect","id":"c1","data":{"connector":"abc"}}`,
	`{"v":1,"type":"visitor.connect","data":{"connector":"abc"}}`,
	`{"v":1,"type":"visitor.connect","id":"","data":{"connector":"abc"}}`,
	`{"v":1,"type":"visitor.connect","id":5,"data":{"connector":"abc"}}`,
	`{"v":1,"type":"visitor.connect","id":null,"data":{"connector":"abc"}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","chat":"ch","data":{"connector":"abc"}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{}}`,
	`{"v":1,"type":"visitor.connect","id":"` + strings.Repeat("i", 200) + `","data":{"connector":"abc"}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","lang":"` + strings.Repeat("l", 36) + `"}}`,
	`{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc","page":"` + strings.Repeat("p", 5000) + `"}}`,
	`{"v":1,"type":"agent.connect","id":"c1","data":{"token":"visitor.connect"}}`,
	`{"v":1,"type":"visitor.connect ","id":"c1","data":{"connector":"abc"}}`,
	`[{"v":1,"type":"visitor.connect","id":"c1","data":{"connector":"abc"}}]`,
	`"visitor.connect"`,
	`null`,
	``,
}

// sendFrames are message.send frames and near misses, as helloFrames.
var sendFrames = []string{
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"Hello, I have a question about my order"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"psst","internal":true,"hide_local":false}}`,
	` { "data" : { "text" : "hi" , "hide_local" : true } , "chat" : "ch1" , "id" : "m1" , "type" : "message.send" , "v" : 1 } `,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"ünïcødé ✓ €"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":""}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"   "}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{}}`,
	`{"v":1,"type":"message.send","id":"m1","data":{"text":"no chat"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"","data":{"text":"empty chat"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1"}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":null}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":null}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a","internal":null}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a","internal":1}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a","internal":"true"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a","internal":tru}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a","internal":truex}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a","internal":True}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"Text":"a"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a","text":"b"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a","extra":1}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"line\nbreak"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a\u0000b"}}`,
	"{\"v\":1,\"type\":\"message.send\",\"id\":\"m1\",\"chat\":\"ch1\",\"data\":{\"text\":\"a\x00b\"}}",
	"{\"v\":1,\"type\":\"message.send\",\"id\":\"m1\",\"chat\":\"ch1\",\"data\":{\"text\":\"a\nb\"}}",
	"{\"v\":1,\"type\":\"message.send\",\"id\":\"m1\",\"chat\":\"ch1\",\"data\":{\"text\":\"a\xffb\"}}",
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"` + strings.Repeat("x", 5000) + `"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"` + strings.Repeat("€", 2001) + `"}}`,
	`{"v":1,"type":"message.send","id":"message.send","chat":"ch1","data":{"text":"a"}}`,
	`{"v":1,"type":"message.send","id":"visitor.connect","chat":"ch1","data":{"text":"a"}}`,
	`{"v":1,"type":"visitor.connect","id":"m1","data":{"connector":"message.send"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"connector":"abc"}}`,
	`{"v":1,"type":"visitor.connect","id":"m1","data":{"text":"a"}}`,
	`{"v":1,"type":"message.sent","id":"m1","chat":"ch1","data":{"text":"a"}}`,
	`{"v":2,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a"},"seq":1}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a"}} `,
	`{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"a"}}x`,
	`{"v":1,"type":"message.send","id":"m1","chat":5,"data":{"text":"a"}}`,
	`{"v":1,"type":"message.send","id":"m1","chat":"` + strings.Repeat("c", 200) + `","data":{"text":"a"}}`,
}

// TestQuickCommand: the widget's hello and everyone's lines take the quick way, and on every
// frame the quick way and encoding/json's give the same command or the same error, for both
// roles.
func TestQuickCommand(t *testing.T) {
	for _, f := range []string{helloFrames[0], sendFrames[0], sendFrames[1]} {
		if _, _, ok := quickCommand([]byte(f)); !ok {
			t.Fatalf("not decoded the quick way: %s", f)
		}
	}
	for _, f := range append(slices.Clone(helloFrames), sendFrames...) {
		sameDecoding(t, []byte(f))
	}
}

// FuzzQuickCommand looks for a frame the two ways decode differently.
func FuzzQuickCommand(f *testing.F) {
	for _, s := range append(slices.Clone(helloFrames), sendFrames...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) { sameDecoding(t, frame) })
}

func sameDecoding(t *testing.T, frame []byte) {
	t.Helper()
	for _, role := range []Role{RoleVisitor, RoleAgent} {
		quick, qerr := decodeCommand(frame, role, true)
		full, ferr := decodeCommand(frame, role, false)
		if !reflect.DeepEqual(quick, full) || !reflect.DeepEqual(qerr, ferr) {
			t.Fatalf("%s frame %q:\nquick %+v, %v\n full %+v, %v", role, frame, quick, qerr, full, ferr)
		}
	}
}
