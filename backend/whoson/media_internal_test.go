package whoson

import (
	"encoding/json"
	"testing"

	"github.com/parleychat/parley/shared/protocol"
)

// Only links the file endpoint returned (absolute or as a path) name a file to share.
func TestFileLinkPath(t *testing.T) {
	for in, want := range map[string]string{
		"https://chat.example/files/abc123/invoice.pdf":          "/files/abc123/invoice.pdf",
		"/files/abc123/my%20file.pdf":                            "/files/abc123/my%20file.pdf",
		" http://h:8009/files/abc123/a.pdf ":                     "/files/abc123/a.pdf",
		"http://chat.example/whosoncharts/document.aspx?f=1.pdf": "",
		"javascript:alert(1)//files/abc/a.pdf":                   "",
		"ftp://h/files/abc/a.pdf":                                "",
		"/files/abc":                                             "",
		"":                                                       "",
		"%zz":                                                    "",
	} {
		if got := fileLinkPath(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// requestfile carries the types the agent asked for, else the site's AllowedFileTypes; a
// shared file's name and link are escaped into the line.
func TestFileEvents(t *testing.T) {
	c := &client{e: New(Options{}), pending: map[string]kind{}, chat: "ch1", conn: connState{fileTypes: "pdf, png"}}
	event := func(body protocol.EventBody) (string, string) {
		t.Helper()
		frame, err := protocol.EncodeEvent(protocol.Event{Chat: "ch1", Seq: 1, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		out := c.translate(frame)
		if len(out) == 0 {
			t.Fatalf("%T: no event", body)
		}
		var e struct {
			EventName string
			Data      json.RawMessage
		}
		_ = json.Unmarshal(out[len(out)-1], &e)
		return e.EventName, string(e.Data)
	}
	if name, data := event(&protocol.FileRequest{}); name != "requestfile" || data != `"pdf, png"` {
		t.Errorf("requestfile without types: %s %s", name, data)
	}
	if name, data := event(&protocol.FileRequest{Types: []string{"pdf"}}); name != "requestfile" || data != `"pdf"` {
		t.Errorf("requestfile for pdf: %s %s", name, data)
	}
	got := fileLine("https://chat.example", &protocol.File{Name: `"><script>x()</script>.txt`, URL: `/files/abc/%22%3E.txt?a=1&b="2"`})
	want := `<a href="https://chat.example/files/abc/%22%3E.txt?a=1&amp;b=&#34;2&#34;" target="_blank" rel="noopener noreferrer">&#34;&gt;&lt;script&gt;x()&lt;/script&gt;.txt</a>`
	if got != want {
		t.Errorf("file line:\n got %s\nwant %s", got, want)
	}
}
