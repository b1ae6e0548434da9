package protocol

import (
	"reflect"
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

// TestQuickVisitorConnect: the widget's hello takes the quick way, and on every frame the
// quick way and encoding/json's give the same command or the same error, for both roles.
func TestQuickVisitorConnect(t *testing.T) {
	if _, _, ok := quickVisitorConnect([]byte(helloFrames[0])); !ok {
		t.Fatal("the widget's visitor.connect is not decoded the quick way")
	}
	for _, f := range helloFrames {
		sameDecoding(t, []byte(f))
	}
}

// FuzzQuickVisitorConnect looks for a frame the two ways decode differently.
func FuzzQuickVisitorConnect(f *testing.F) {
	for _, s := range helloFrames {
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
