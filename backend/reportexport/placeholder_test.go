package reportexport

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
)

func sampleValues() *Values {
	return &Values{
		Connector: Connector{ID: 42, Name: "Support", Title: "Help"},
		Chat: Chat{ID: "c1", Name: `Zoë "Z" <z> & co`, Email: "zoe@example.com", Language: "de", Agent: "Anna",
			Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)), Closed: time.Date(2026, 1, 2, 3, 14, 5, 0, time.UTC),
			PData: map[string]string{"sender": "John Doe", "receiver": "My Chat Connector", "userdata": "123456", "userdata2": "u2", "userdata3": "u3"},
			UData: map[string]string{"anyfield1": "Any Field 1"}},
		Report:        []byte("%PDF-1.4\x00report"),
		TokenResponse: []byte(`{"access_token":"tok-123","expires_in":3600,"nested":{"list":[{"v":"deep"}]},"empty":null}`),
	}
}

// Every placeholder of the document and of the chat's fields stands for its value.
func TestExpandEveryPlaceholder(t *testing.T) {
	v := sampleValues()
	v.XML = "<x/>"
	for in, want := range map[string]string{
		"$chatConnector.id":                        "42",
		"$chatConnector.name/$chatConnector.title": "Support/Help",
		"$chat.id $chat.language $chat.agent":      "c1 de Anna",
		"$chat.email":                              "zoe@example.com",
		"$chat.started|$chat.closed":               "2026-01-02T02:04:05Z|2026-01-02T03:14:05Z",
		"$chat.sender,$chat.receiver,$chat.userdata,$chat.userdata2,$chat.userdata3": "John Doe,My Chat Connector,123456,u2,u3",
		"$chat.udata.anyfield1 $chat.pdata.sender $chat.udata.missing.":              "Any Field 1 John Doe .",
		"$report.bytes":                                "15",
		"$report.encoded.base64":                       "JVBERi0xLjQAcmVwb3J0",
		"$xmlTemplate.encoded.base64":                  "PHgvPg==",
		"Bearer $tokenResponse.body.JSON.access_token": "Bearer tok-123",
		"$tokenResponse.body.JSON.expires_in":          "3600",
		"$tokenResponse.body.JSON.nested.list.0.v":     "deep",
		"$tokenResponse.body.JSON.nested":              `{"list":[{"v":"deep"}]}`,
		"costs $5 or $$10, $":                          "costs $5 or $10, $",
	} {
		got, err := Expand(in, StageExport, v, Raw)
		if err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
		}
	}
}

// Placeholders are checked by stage: unknown names and names not known yet are refused
// with the name.
func TestCheck(t *testing.T) {
	for _, c := range []struct {
		text  string
		stage Stage
		later bool
		name  string
	}{
		{"$chat.nmae", StageExport, false, "chat.nmae"},
		{"$report.size", StageExport, false, "report.size"},
		{"$tokenResponse.body.JSON.access_token", StageToken, true, "tokenResponse.body.JSON.access_token"},
		{"$tokenResponse.body.JSON.access_token", StageXML, true, "tokenResponse.body.JSON.access_token"},
		{"$xmlTemplate.encoded.base64", StageXML, true, "xmlTemplate.encoded.base64"},
		{"$report.bytes", StageToken, true, "report.bytes"},
		{"$tokenResponse.body.JSON", StageExport, false, "tokenResponse.body.JSON"},
	} {
		var pe *PlaceholderError
		if err := Check(c.text, c.stage); !errors.As(err, &pe) || pe.Later != c.later || pe.Name != c.name {
			t.Errorf("%q at %d: %v", c.text, c.stage, err)
		}
	}
	for _, ok := range []string{"", "no placeholders", "$chat.name and $chatConnector.id.", "$ 5", "$$chat.name"} {
		if err := Check(ok, StageToken); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

// Chat text is XML-escaped in the XML template and JSON-escaped in JSON bodies, so that
// quotes, angle brackets, NUL and line breaks neither break nor inject into the document.
func TestEscaping(t *testing.T) {
	v := sampleValues()
	v.Chat.Name = "a\"b</Name><Evil/>&\x00\n\u2028é"
	x, err := Expand("<r><Name>$chat.name</Name><A v=\"$chat.name\"/></r>", StageXML, v, XMLText)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name string
		A    struct {
			V string `xml:"v,attr"`
		}
		Evil *struct{}
	}
	if err := xml.Unmarshal([]byte(x), &doc); err != nil {
		t.Fatalf("%s: %v", x, err)
	}
	if doc.Evil != nil || doc.Name != "a\"b</Name><Evil/>&\uFFFD\n\u2028é" || doc.A.V != doc.Name {
		t.Errorf("%s: %+v", x, doc)
	}
	j, err := Expand(`{"n":"$chat.name","c":"$chatConnector.id"}`, StageToken, v, BodyEscape("application/json; charset=utf-8"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(j), &m); err != nil || m["n"] != "a\"b</Name><Evil/>&\x00\n\u2028é" || m["c"] != "42" || len(m) != 2 {
		t.Errorf("%s: %v %q", j, err, m)
	}
	f, _ := Expand("name=$chat.name&x=1", StageToken, v, BodyEscape(DefaultTokenType))
	if !strings.HasPrefix(f, "name=a%22b%3C%2FName%3E%3CEvil%2F%3E%26%00%0A") || !strings.HasSuffix(f, "&x=1") {
		t.Errorf("form: %q", f)
	}
	if _, err := Expand("Bearer $chat.name", StageToken, v, HeaderValue); err == nil {
		t.Error("a line break reached a header")
	}
	u, _ := Expand("https://h.example/c/$chat.name?x=1", StageToken, v, URLPart)
	if strings.ContainsAny(u[len("https://h.example/c/"):len(u)-4], "/<>\" \n") {
		t.Errorf("url: %q", u)
	}
}

// A token response without the value asked for is an error naming it, not an empty token.
func TestJSONPathErrors(t *testing.T) {
	v := sampleValues()
	for _, p := range []string{"missing", "nested.list.1.v", "nested.list.x", "access_token.more", "empty"} {
		if _, err := Expand("$tokenResponse.body.JSON."+p, StageExport, v, Raw); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v", p, err)
		}
	}
	v.TokenResponse = []byte("<html>not json</html>")
	if _, err := Expand("$tokenResponse.body.JSON.access_token", StageExport, v, Raw); err == nil {
		t.Error("HTML read as JSON")
	}
}

// jtel's headers are written on one line; they are read as the headers they are.
func TestParseHeaders(t *testing.T) {
	hs, err := ParseHeaders("Cache-Control: no-cache Content-Type: application/x-www-form-urlencoded;charset=UTF-8 Authorization: Basic XX")
	if err != nil {
		t.Fatal(err)
	}
	want := []Header{{"Cache-Control", "no-cache"}, {"Content-Type", "application/x-www-form-urlencoded;charset=UTF-8"}, {"Authorization", "Basic XX"}}
	if len(hs) != len(want) {
		t.Fatalf("%q", hs)
	}
	for i := range want {
		if hs[i] != want[i] {
			t.Errorf("%d: %q", i, hs[i])
		}
	}
	hs, err = ParseHeaders("X-Url: https://a.example/x\r\nAuthorization: Bearer $tokenResponse.body.JSON.access_token\n")
	if err != nil || len(hs) != 2 || hs[0].Value != "https://a.example/x" || hs[1].Value != "Bearer $tokenResponse.body.JSON.access_token" {
		t.Errorf("%q %v", hs, err)
	}
	for _, bad := range []string{"no colon here", "value first X-A: b", ": empty"} {
		if _, err := ParseHeaders(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The document's example settings are valid, and what is wrong with a field is told for it.
func TestValidate(t *testing.T) {
	good := Defaults()
	good.Enabled = true
	good.TokenURL = "https://myrestservice.example.com/service/GetToken"
	good.ExportURL = "https://myrestservice.example.com/service/api/v1/Customers/Contacts"
	// The document's header, on one line.
	good.ExportHeader = "Cache-Control: no-cache Content-Type: application/json Authorization: Bearer $tokenResponse.body.JSON.access_token"
	if err := Validate(&good); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		field  string
		change func(*store.ReportExport)
	}{
		{"ExportBody", func(s *store.ReportExport) { s.ExportBody = `{"a":"$chat.nmae"}` }},
		{"XMLTemplate", func(s *store.ReportExport) { s.XMLTemplate = "<r>$tokenResponse.body.JSON.x</r>" }},
		{"XMLTemplate", func(s *store.ReportExport) { s.XMLTemplate = "<r><Size>$report.bytes</r>" }},
		{"ExportBody", func(s *store.ReportExport) { s.ExportBody = `{"a": $chat.name}` }},
		{"ExportHeader", func(s *store.ReportExport) { s.TokenURL = "" }},
		{"ExportURL", func(s *store.ReportExport) { s.ExportURL = "" }},
		{"ExportURL", func(s *store.ReportExport) { s.ExportURL = "ftp://x.example/" }},
		{"TokenURL", func(s *store.ReportExport) { s.TokenURL = "https://user:pw@x.example/" }},
		{"TokenHeader", func(s *store.ReportExport) { s.TokenHeader = "just text" }},
		{"TokenBody", func(s *store.ReportExport) { s.TokenBody = "a=\x00" }},
		{"XMLTemplate", func(s *store.ReportExport) { s.XMLTemplate = strings.Repeat("x", MaxFieldBytes+1) }},
		{"TokenBody", func(s *store.ReportExport) { s.TokenBody = "$xmlTemplate.encoded.base64" }},
	} {
		s := good
		c.change(&s)
		var se *SettingError
		if err := Validate(&s); !errors.As(err, &se) || se.Field != c.field {
			t.Errorf("want an error for %s: %v", c.field, err)
		}
	}
}
