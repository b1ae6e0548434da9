package chat

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

func TestFileType(t *testing.T) {
	for name, want := range map[string]string{
		"photo.PNG": "png", "archive.tar.gz": "gz", "README": "", ".bashrc": "bashrc", "dot.": "", `C:\fakepath\report.Pdf`: "pdf",
		"dir.d/file": "", "": "",
		// Read as the server reads it: Windows' trailing dots and spaces, bidi and control
		// characters do not hide the type.
		"renamed.exe ": "exe", "renamed.exe.": "exe", "renamed.EXE. . ": "exe", "invoice\u202efdp.exe": "exe", "a.png\x00.exe": "exe",
	} {
		if got := FileType(name); got != want {
			t.Errorf("FileType(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestCheckFile(t *testing.T) {
	const kb = 1024
	restricted := &protocol.Connected{MaxAttachmentKB: 5 * 1024, RestrictedFileTypes: []string{"exe", ".BAT", " *.js "}}
	allowed := &protocol.Connected{MaxAttachmentKB: 100, AllowedFileTypes: []string{".PNG", "pdf", ""}, RestrictedFileTypes: []string{"png"}}
	for _, c := range []struct {
		conn *protocol.Connected
		name string
		size int64
		want FileProblem
	}{
		{nil, "a.png", 1, FileOff},
		{&protocol.Connected{AllowedFileTypes: []string{"png"}}, "a.png", 1, FileOff},
		{restricted, "photo.png", 5 * 1024 * kb, FileOK},
		{restricted, "photo.png", 5*1024*kb + 1, FileTooLarge},
		{restricted, "setup.EXE", 10, FileTypeRefused},
		{restricted, "run.bat", 10, FileTypeRefused},
		{restricted, "x.js", 10, FileTypeRefused},
		{restricted, "README", 10, FileOK},
		{restricted, "exe", 10, FileOK}, // a name, not a type
		{restricted, "renamed.exe ", 10, FileTypeRefused},
		{restricted, "renamed.exe.", 10, FileTypeRefused},
		{restricted, "renamed.exe.   ", 10, FileTypeRefused},
		{restricted, "run.bat . .", 10, FileTypeRefused},
		{restricted, "invoice\u202efdp.exe", 10, FileTypeRefused},
		{restricted, "\u202e . .", 10, FileBadName},
		{allowed, "shot.png. ", 1, FileOK},
		{allowed, "report\u202efdp.txt", 1, FileTypeRefused},
		// The allowed list wins over the restricted one.
		{allowed, "shot.png", 100 * kb, FileOK},
		{allowed, "Report.PDF", 1, FileOK},
		{allowed, "notes.txt", 1, FileTypeRefused},
		{allowed, "README", 1, FileTypeRefused},
		{allowed, "shot.png", 100*kb + 1, FileTooLarge},
	} {
		if got := CheckFile(c.conn, c.name, c.size); got != c.want {
			t.Errorf("CheckFile(%+v, %q, %d) = %d, want %d", c.conn, c.name, c.size, got, c.want)
		}
	}
}

func TestFilePathAndImages(t *testing.T) {
	for url, ok := range map[string]bool{
		"/files/ab12/photo.png": true, "/files/ab12/Zo%C3%AB%20x.pdf": true,
		"https://evil.example/files/x": false, "//evil.example/files/x": false, "javascript:alert(1)": false,
		"/files/../admin": false, "/files/a b": false, `/files/\evil`: false, "/filesx/a": false, "files/a": false,
		"/files/a\n": false, `/files/"onload=x`: false, "": false,
	} {
		if got := FilePath(url); (got != "") != ok || (ok && got != url) {
			t.Errorf("FilePath(%q) = %q", url, got)
		}
	}
	for f, want := range map[protocol.File]bool{
		{Name: "a.PNG"}: true, {Name: "b.jpeg"}: true, {Name: "c.webp"}: true, {Name: "x", ContentType: "image/gif"}: true,
		{Name: "d.svg", ContentType: "image/svg+xml"}: false, {Name: "e.pdf"}: false,
	} {
		if got := IsImage(&f); got != want {
			t.Errorf("IsImage(%+v) = %v", f, got)
		}
	}
}

// withAgent runs the journey to an active chat on a connector that takes uploads.
func withAgent(t *testing.T, cfg Config, c protocol.Connected) *harness {
	h := newHarness(t, cfg)
	h.connect(c)
	h.m.StartChat("Ann", "", "", nil)
	req := h.sent()[0]
	h.event("", 0, req.ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	if h.m.CanAttach() {
		t.Fatal("attach offered before an agent joined")
	}
	h.durable(&protocol.Joined{Role: protocol.RoleAgent, Name: "Bea"})
	h.durable(&protocol.ChatState{State: protocol.StateActive, At: h.now})
	return h
}

func uploadsOn() protocol.Connected {
	c := open()
	c.MaxAttachmentKB = 5 * 1024
	c.RestrictedFileTypes = []string{"exe"}
	return c
}

func TestAttachUploadAndShare(t *testing.T) {
	h := withAgent(t, Config{}, uploadsOn())
	if !h.m.CanAttach() || h.m.AcceptTypes() != "" {
		t.Fatalf("attach %v accept %q", h.m.CanAttach(), h.m.AcceptTypes())
	}
	// Refused on the client, with the reason, and nothing in the transcript.
	n := len(h.m.Items)
	if id := h.m.Attach("setup.EXE", 10, "", h.now); id != "" || h.m.FileNotice != "Files of type .exe can't be sent here." {
		t.Fatalf("exe: id %q notice %q", id, h.m.FileNotice)
	}
	if id := h.m.Attach("big.zip", 6*1024*1024, "", h.now); id != "" || h.m.FileNotice != "This file is larger than 5 MB." {
		t.Fatalf("big: id %q notice %q", id, h.m.FileNotice)
	}
	if id := h.m.Attach("renamed.exe. ", 10, "", h.now); id != "" || h.m.FileNotice != "Files of type .exe can't be sent here." {
		t.Fatalf("exe with a trailing dot: id %q notice %q", id, h.m.FileNotice)
	}
	if id := h.m.Attach("\u202e.", 10, "", h.now); id != "" || h.m.FileNotice != "This file's name can't be used. Please rename the file and try again." {
		t.Fatalf("empty name: id %q notice %q", id, h.m.FileNotice)
	}
	if len(h.m.Items) != n || len(h.m.Uploads()) != 0 {
		t.Fatal("a refused file reached the transcript")
	}

	// Accepted: a pending line, uploading, and an upload to start.
	id := h.m.Attach("photo.png", 2048, "image/png", h.now)
	if id == "" || h.m.FileNotice != "" {
		t.Fatalf("photo refused: %q", h.m.FileNotice)
	}
	it := h.m.Items[len(h.m.Items)-1]
	if it.ID != id || it.Upload != Uploading || !it.Pending || it.File.Name != "photo.png" || h.m.UploadText(it) != "Sending photo.png…" {
		t.Fatalf("uploading line %+v (%q)", it, h.m.UploadText(it))
	}
	if up := h.m.Uploads(); len(up) != 1 || up[0] != id || len(h.m.Uploads()) != 0 {
		t.Fatalf("uploads %v", up)
	}
	if len(h.sent()) != 0 {
		t.Fatal("a command before the upload finished")
	}

	// Uploaded: file.send with the server's file, under the line's id.
	f := protocol.File{Name: "photo.png", URL: "/files/f1/photo.png", Size: 2048, ContentType: "image/png"}
	h.m.Uploaded(id, f, h.now)
	out := h.sent()
	if len(out) != 1 || out[0].ID != id || out[0].Chat != "chat1" || *out[0].Body.(*protocol.FileSend) != (protocol.FileSend{Name: f.Name, URL: f.URL, Size: f.Size, ContentType: f.ContentType}) {
		t.Fatalf("file.send %+v", out)
	}
	if it := h.m.Items[len(h.m.Items)-1]; it.Upload != UploadNone || !it.Pending || it.File.URL != f.URL {
		t.Fatalf("line after upload %+v", it)
	}
	// The message event confirms the line; the ack empties the outbox.
	h.durable(&protocol.Message{Role: protocol.RoleVisitor, Name: "Ann", Text: "photo.png", ClientID: id, File: &f, At: h.now})
	h.event("", 0, id, &protocol.Ack{Seq: h.seq})
	if it := h.m.Items[len(h.m.Items)-1]; it.Pending || it.Failed || it.Seq != h.seq || *it.File != f || len(h.m.Items) != n+1 || h.m.Pending() != 0 {
		t.Fatalf("confirmed line %+v, %d lines, outbox %d", it, len(h.m.Items), h.m.Pending())
	}

	// The agent shares a file too.
	h.m.SetVisible(false)
	doc := protocol.File{Name: "invoice.pdf", URL: "/files/f2/invoice.pdf", Size: 3 * 1024 * 1024, ContentType: "application/pdf"}
	h.durable(&protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: "invoice.pdf", File: &doc, At: h.now})
	if it := h.m.Items[len(h.m.Items)-1]; it.Kind != ItemAgent || it.File == nil || *it.File != doc || h.m.Unread != 1 {
		t.Fatalf("agent file %+v unread %d", it, h.m.Unread)
	}
	// A name with a bidi override shows cleaned, so it cannot pass for another type.
	odd := protocol.File{Name: "invoice\u202efdp.exe", URL: "/files/f3/x", Size: 10}
	h.durable(&protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: odd.Name, File: &odd, At: h.now})
	if it := h.m.Items[len(h.m.Items)-1]; it.File.Name != "invoicefdp.exe" || it.Text != "invoicefdp.exe" || odd.Name != "invoice\u202efdp.exe" {
		t.Fatalf("shown as %q (%q)", it.File.Name, it.Text)
	}
	// The visitor's own file line shows its name cleaned while it uploads.
	id = h.m.Attach("photo\u202egnp.png ", 10, "image/png", h.now)
	if it := h.m.Items[len(h.m.Items)-1]; it.ID != id || it.File.Name != "photognp.png" {
		t.Fatalf("uploading %+v", it)
	}
}

func TestFileMessageMatchedByURLWithoutClientID(t *testing.T) {
	h := withAgent(t, Config{}, uploadsOn())
	id := h.m.Attach("a.pdf", 10, "application/pdf", h.now)
	h.m.Uploads()
	f := protocol.File{Name: "a.pdf", URL: "/files/f9/a.pdf", Size: 10}
	h.m.Uploaded(id, f, h.now)
	h.sent()
	n := len(h.m.Items)
	h.durable(&protocol.Message{Role: protocol.RoleVisitor, Text: "a.pdf", File: &f, At: h.now})
	if len(h.m.Items) != n || h.m.Items[n-1].Pending || h.m.Pending() != 0 {
		t.Fatalf("lines %d (want %d), last %+v, outbox %d", len(h.m.Items), n, h.m.Items[n-1], h.m.Pending())
	}
}

func TestFailedUploads(t *testing.T) {
	c := uploadsOn()
	c.AllowedFileTypes = []string{"png", "PDF"}
	h := withAgent(t, Config{Lang: "de"}, c)
	if got := h.m.AcceptTypes(); got != ".png,.pdf" {
		t.Errorf("accept %q", got)
	}
	if h.m.Attach("notes.txt", 1, "", h.now); h.m.FileNotice != "Dateien vom Typ .txt können hier nicht gesendet werden. Erlaubt sind: .png, .pdf." {
		t.Errorf("German refusal %q", h.m.FileNotice)
	}
	// The server refuses a file the client let through: the line goes, the reason stays.
	n := len(h.m.Items)
	id := h.m.Attach("a.png", 1, "image/png", h.now)
	h.m.UploadFailed(id, 413, "too_large")
	if len(h.m.Items) != n || h.m.FileNotice != "Diese Datei ist größer als 5 MB." {
		t.Fatalf("too large: %d lines, notice %q", len(h.m.Items), h.m.FileNotice)
	}
	// A network failure keeps the line for a retry, which starts the same upload again.
	id = h.m.Attach("b.png", 1, "image/png", h.now)
	h.m.Uploads()
	h.m.UploadFailed(id, 0, "")
	it := h.m.Items[len(h.m.Items)-1]
	if it.Upload != UploadFailed || !it.Failed || it.Pending {
		t.Fatalf("failed line %+v", it)
	}
	h.m.Uploaded(id, protocol.File{Name: "b.png", URL: "/files/x/b.png"}, h.now) // a late answer is ignored
	if len(h.sent()) != 0 {
		t.Fatal("file.send after a failed upload")
	}
	if !h.m.Retry(id, h.now) {
		t.Fatal("retry refused")
	}
	if up := h.m.Uploads(); len(up) != 1 || up[0] != id || h.m.Items[len(h.m.Items)-1].Upload != Uploading {
		t.Fatalf("retry uploads %v", up)
	}
	// file.send refused: failed, and Retry sends file.send again as a new command.
	h.m.Uploaded(id, protocol.File{Name: "b.png", URL: "/files/x/b.png", Size: 1}, h.now)
	h.sent()
	h.event("", 0, id, &protocol.Error{Code: protocol.CodeForbidden})
	if it := h.m.Items[len(h.m.Items)-1]; !it.Failed || it.Upload != UploadNone {
		t.Fatalf("refused file.send %+v", it)
	}
	h.m.Retry(id, h.now)
	out := h.sent()
	if len(out) != 1 || out[0].ID == id || out[0].Body.(*protocol.FileSend).URL != "/files/x/b.png" || len(h.m.Uploads()) != 0 {
		t.Fatalf("retried file.send %+v", out)
	}
	if it := h.m.Items[len(h.m.Items)-1]; it.ID != out[0].ID || !it.Pending || it.File.URL != "/files/x/b.png" {
		t.Fatalf("retried line %+v", it)
	}
}

func TestUploadWhenTheChatEnds(t *testing.T) {
	h := withAgent(t, Config{}, uploadsOn())
	id := h.m.Attach("a.png", 1, "image/png", h.now)
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent, At: h.now})
	if h.m.CanAttach() || len(h.m.Uploads()) != 0 || !h.m.item(id).Failed {
		t.Fatalf("after close: attach %v line %+v", h.m.CanAttach(), h.m.item(id))
	}
	h.m.Uploaded(id, protocol.File{Name: "a.png", URL: "/files/x/a.png"}, h.now)
	if len(h.sent()) != 0 || h.m.Retry(id, h.now) {
		t.Fatal("file.send into an ended chat")
	}
}

func TestFilesAcrossAReload(t *testing.T) {
	cfg := Config{IDPrefix: "p"}
	h := withAgent(t, cfg, uploadsOn())
	f := protocol.File{Name: "Zoë.png", URL: "/files/f1/Zo%C3%AB.png", Size: 2048, ContentType: "image/png"}
	h.durable(&protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: "Zoë.png", File: &f, At: h.now})
	sent := h.m.Attach("b.pdf", 5, "application/pdf", h.now)
	h.m.Uploaded(sent, protocol.File{Name: "b.pdf", URL: "/files/f2/b.pdf", Size: 5}, h.now)
	h.sent()
	h.m.Attach("c.pdf", 5, "application/pdf", h.now) // still uploading when the page goes
	n := len(h.m.Items)

	// The file shared, and the file.send waiting for its answer, come back; the upload does not.
	r := Restore(Config{IDPrefix: "q"}, h.m.Snapshot(h.now), h.now.Add(time.Minute), time.Hour)
	if len(r.Items) != n-1 || r.Pending() != 1 {
		t.Fatalf("restored %d lines (want %d), outbox %d", len(r.Items), n-1, r.Pending())
	}
	if got := r.Items[n-3].File; got == nil || *got != f {
		t.Errorf("agent file %+v", got)
	}
	if got := r.Items[n-2]; got.ID != sent || !got.Pending || got.File.URL != "/files/f2/b.pdf" {
		t.Errorf("file line waiting for its ack %+v", got)
	}
	r.SocketOpened(h.now)
	r.Outgoing()
	r.Handle(protocol.Event{Body: ptr(uploadsOn())}, h.now)
	if out := r.Outgoing(); len(out) != 1 || out[0].Body.CommandType() != protocol.TypeResume {
		t.Fatalf("after connected %+v", out)
	}
	r.Handle(protocol.Event{ID: r.resumeID, Body: &protocol.Ack{}}, h.now)
	out := r.Outgoing()
	if len(out) != 1 || out[0].ID != sent || out[0].Body.(*protocol.FileSend).URL != "/files/f2/b.pdf" {
		t.Fatalf("resent after reload %+v", out)
	}
	for _, it := range r.Items {
		if it.File != nil && strings.HasPrefix(it.File.Name, "c.") {
			t.Error("an upload survived the reload")
		}
	}
}

func ptr[T any](v T) *T { return &v }
