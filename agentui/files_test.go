package agentui

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/browser"
	"github.com/parleychat/parley/shared/protocol"
)

func TestAttachUploadShareAndFileLines(t *testing.T) {
	e, a, p, s := signedIn(t)
	push(t, s, protocol.Event{Chat: "c1", Body: &protocol.ChatOpened{Chat: protocol.ChatSummary{ID: "c1", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}}}})
	e.ConsumeAll()
	html := app.HTMLString(a)
	for _, want := range []string{`id="file-input"`, `data-attach="c1"`, `data-drop="c1"`, `for="file-input"`} {
		if !strings.Contains(html, want) {
			t.Fatalf("the desk lacks %s", want)
		}
	}
	if p.chosen == nil {
		t.Fatal("the app does not watch for files")
	}

	// Two files: the server refuses the first with its reason, takes the second.
	p.upload = []fakeResponse{
		{415, `{"error":{"code":"unsupported","message":"Files of type .exe are not allowed. Allowed: pdf, png, jpg."}}`},
		{201, `{"name":"report.pdf","url":"/files/f1/report.pdf","size":48213,"content_type":"application/pdf"}`},
	}
	p.chosen("c1", []browser.File{{Name: "setup.exe", Size: 900000, Type: "application/x-msdownload"}, {Name: "report.pdf", Size: 48213, Type: "application/pdf"}})
	e.ConsumeAll()
	if len(p.uploads) != 2 || p.uploads[0] != "/api/files c1|setup.exe" || p.uploads[1] != "/api/files c1|report.pdf" {
		t.Fatalf("uploads = %v", p.uploads)
	}
	cmds := commands(t, s)
	fs, ok := cmds[len(cmds)-1].Body.(*protocol.FileSend)
	if !ok || cmds[len(cmds)-1].Chat != "c1" || fs.URL != "/files/f1/report.pdf" || fs.Name != "report.pdf" || fs.Size != 48213 {
		t.Fatalf("last command = %s", s.sent[len(s.sent)-1])
	}
	send := cmds[len(cmds)-1]
	html = app.HTMLString(a)
	for _, want := range []string{"setup.exe was not sent.", "Files of type .exe are not allowed. Allowed: pdf, png, jpg.", ">Remove<",
		"Sending…", `href="/files/f1/report.pdf"`, `download="report.pdf"`, `rel="noopener"`, `target="_blank"`, "47 KB"} {
		if !strings.Contains(html, want) {
			t.Errorf("after the uploads the desk lacks %q", want)
		}
	}
	if strings.Contains(html, ">Retry<") {
		t.Error("a refused type cannot be retried")
	}
	c := a.desk.Chat("c1")
	a.ctx.NewActionWithValue(ActDismissUpload, FileRef{Chat: "c1", ID: c.Uploads[0].ID})
	e.ConsumeAll()
	if len(c.Uploads) != 0 || strings.Contains(app.HTMLString(a), "setup.exe") || len(a.files) != 0 {
		t.Fatal("the failed upload must go when removed")
	}

	// The echo and the ack: the file is in the chat.
	push(t, s, protocol.Event{Chat: "c1", Seq: 1, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Anna", ClientID: send.ID, At: p.now, File: &protocol.File{Name: "report.pdf", URL: "/files/f1/report.pdf", Size: 48213, ContentType: "application/pdf"}}})
	push(t, s, protocol.Event{ID: send.ID, Body: &protocol.Ack{Seq: 1}})
	e.ConsumeAll()
	if html := app.HTMLString(a); strings.Contains(html, "Sending…") || strings.Count(html, `href="/files/f1/report.pdf"`) != 1 {
		t.Fatalf("the echo must replace the pending file once: %s", html)
	}

	// A network failure may be retried.
	p.chosen("c1", []browser.File{{Name: "notes.txt", Size: 12, Type: "text/plain"}})
	e.ConsumeAll()
	if html := app.HTMLString(a); !strings.Contains(html, "notes.txt was not sent.") || !strings.Contains(html, ">Retry<") {
		t.Fatalf("no retry after a network failure: %s", html)
	}
	p.upload = []fakeResponse{{201, `{"name":"notes.txt","url":"/files/f2/notes.txt","size":12,"content_type":"text/plain"}`}}
	a.ctx.NewActionWithValue(ActRetryUpload, FileRef{Chat: "c1", ID: c.Uploads[0].ID})
	e.ConsumeAll()
	if fs, ok := commands(t, s)[len(s.sent)-1].Body.(*protocol.FileSend); !ok || fs.URL != "/files/f2/notes.txt" || len(c.Uploads) != 0 {
		t.Fatalf("retry did not share the file: %s", s.sent[len(s.sent)-1])
	}

	// The visitor's files: a picture with a thumbnail, and a URL that is not the server's,
	// which shows without a link. They count as unread like text.
	push(t, s, protocol.Event{Chat: "c2", Body: &protocol.ChatOpened{Chat: protocol.ChatSummary{ID: "c2", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Otto"}}}})
	push(t, s, protocol.Event{Chat: "c2", Seq: 1, Body: &protocol.Message{Role: protocol.RoleVisitor, Name: "Otto", At: p.now, File: &protocol.File{Name: "photo.png", URL: "/files/f3/photo.png", Size: 2048, ContentType: "image/png"}}})
	push(t, s, protocol.Event{Chat: "c2", Seq: 2, Body: &protocol.Message{Role: protocol.RoleVisitor, Name: "Otto", At: p.now, File: &protocol.File{Name: "evil.html", URL: "javascript:alert(1)", ContentType: "text/html"}}})
	e.ConsumeAll()
	if a.desk.Chat("c2").Unread != 2 || p.title != "* (2) Parley Agent" {
		t.Fatalf("unread %d title %q", a.desk.Chat("c2").Unread, p.title)
	}
	a.ctx.NewActionWithValue(ActSelect, "c2")
	e.ConsumeAll()
	html = app.HTMLString(a)
	// go-app writes attributes in no fixed order.
	img, _, _ := strings.Cut(html[max(strings.Index(html, "<img "), 0):], ">")
	if !strings.Contains(img, `class="thumb"`) || !strings.Contains(img, `src="/files/f3/photo.png"`) || !strings.Contains(html, "2 KB") || !strings.Contains(html, "evil.html") {
		t.Fatalf("visitor files: %s", html)
	}
	if strings.Contains(html, "javascript:") {
		t.Fatal("a file URL that is not the server's became a link")
	}

	// Files for an ended chat are refused at once.
	push(t, s, protocol.Event{Chat: "c2", Seq: 3, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor}})
	e.ConsumeAll()
	if html := app.HTMLString(a); strings.Contains(html, `data-drop="c2"`) {
		t.Fatal("an ended chat takes no drops")
	}
	n := len(p.uploads)
	p.chosen("c2", []browser.File{{Name: "late.pdf"}})
	e.ConsumeAll()
	if len(p.uploads) != n || a.desk.Notice != "this chat has ended" {
		t.Fatalf("upload for an ended chat: %d uploads, notice %q", len(p.uploads)-n, a.desk.Notice)
	}
}
