package desk

import (
	"github.com/parleychat/parley/agentui/catalog"

	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/protocol"
)

func TestUploadQueueSharesFilesInOrder(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0)), t0)
	if _, err := d.Attach("nope", "x.pdf", 1, ""); err == nil {
		t.Fatal("a file for an unknown chat must be refused")
	}
	if _, err := d.Attach("a", "\u202e . .", 1, ""); err == nil {
		t.Fatal("a file whose name cleans to nothing must be refused")
	}
	u1, err := d.Attach("a", "report.pdf. ", 48213, "application/pdf")
	if err != nil || u1.Name != "report.pdf" {
		t.Fatalf("attach: %+v %v", u1, err)
	}
	u2, _ := d.Attach("a", "photo.png", 2048, "image/png")
	if next := d.NextUpload(); next != u1 || !u1.Busy {
		t.Fatalf("first upload = %+v", next)
	}
	if d.NextUpload() != nil {
		t.Fatal("one upload at a time")
	}
	cmd, err := d.Uploaded("a", u1.ID, protocol.File{Name: "report.pdf", URL: "/files/f1/report.pdf", Size: 48213, ContentType: "application/pdf"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	fs, ok := cmd.Body.(*protocol.FileSend)
	if !ok || cmd.Chat != "a" || fs.URL != "/files/f1/report.pdf" || fs.Size != 48213 {
		t.Fatalf("file.send = %+v", cmd)
	}
	c := d.Chat("a")
	if len(c.Uploads) != 1 || len(c.Lines) != 1 || !c.Lines[0].Pending || c.Lines[0].File.Name != "report.pdf" {
		t.Fatalf("after upload: uploads %d lines %+v", len(c.Uploads), c.Lines)
	}
	if len(d.Unacked()) != 1 {
		t.Fatal("file.send waits for its ack in the outbox")
	}

	// The second fails: the server's reason shows; retry puts it back in the queue.
	if d.NextUpload() != u2 {
		t.Fatal("the second upload is next")
	}
	f, reason, retry := UploadAnswer(catalog.Printer{}, 415, []byte(`{"error":{"code":"unsupported","message":"Files of type .png are not allowed. Allowed: pdf."}}`), nil)
	if f.URL != "" || retry || !strings.Contains(reason, "Allowed: pdf") {
		t.Fatalf("415 answer = %q %v", reason, retry)
	}
	d.UploadFailed("a", u2.ID, reason, retry)
	if !u2.Failed || u2.Busy || u2.Error != reason || d.NextUpload() != nil {
		t.Fatalf("failed upload = %+v", u2)
	}
	if !d.RetryUpload("a", u2.ID) || d.NextUpload() != u2 {
		t.Fatal("retry must queue the upload again")
	}
	if d.DismissUpload("a", u2.ID) {
		t.Fatal("a busy upload cannot be dismissed")
	}
	d.UploadFailed("a", u2.ID, "x", true)
	if !d.DismissUpload("a", u2.ID) || len(c.Uploads) != 0 {
		t.Fatal("dismiss")
	}
	if _, err := d.Uploaded("a", u2.ID, protocol.File{Name: "p", URL: "/files/x/p"}, t0); err == nil {
		t.Fatal("a dismissed upload must not be shared")
	}

	// The echo replaces the pending line; the ack settles the command.
	d.Apply(protocol.Event{Chat: "a", Seq: 1, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Anna", ClientID: cmd.ID, At: t0,
		File: &protocol.File{Name: "report.pdf", URL: "/files/f1/report.pdf", Size: 48213, ContentType: "application/pdf"}}}, t0)
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Ack{Seq: 1}}, t0)
	if len(c.Lines) != 1 || c.Lines[0].Pending || c.Lines[0].Seq != 1 || c.Lines[0].File == nil || len(d.Unacked()) != 0 {
		t.Fatalf("after echo: %+v unacked %d", c.Lines, len(d.Unacked()))
	}
}

func TestFileEchoWithoutClientIDAndRefusal(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0)), t0)
	u, _ := d.Attach("a", "a.txt", 3, "text/plain")
	d.NextUpload()
	cmd, _ := d.Uploaded("a", u.ID, protocol.File{Name: "a.txt", URL: "/files/1/a.txt", Size: 3}, t0)
	// An echo that does not name the command is matched by the file's URL.
	d.Apply(protocol.Event{Chat: "a", Seq: 1, Body: &protocol.Message{Role: protocol.RoleAgent, File: &protocol.File{Name: "a.txt", URL: "/files/1/a.txt"}, At: t0}}, t0)
	c := d.Chat("a")
	if len(c.Lines) != 1 || c.Lines[0].Pending {
		t.Fatalf("lines = %+v", c.Lines)
	}
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Ack{Seq: 1}}, t0)

	// A refused file.send fails its line; resending makes a new command for the same file.
	u, _ = d.Attach("a", "b.txt", 3, "text/plain")
	d.NextUpload()
	cmd, _ = d.Uploaded("a", u.ID, protocol.File{Name: "b.txt", URL: "/files/2/b.txt", Size: 3}, t0)
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeConflict, Message: "chat busy"}}, t0)
	l := c.Lines[len(c.Lines)-1]
	if !l.Failed || l.Error != "chat busy" || l.File == nil {
		t.Fatalf("refused line = %+v", l)
	}
	again, ok := d.ResendFile("a", cmd.ID, t0)
	if !ok || again.ID == cmd.ID || again.Body.(*protocol.FileSend).URL != "/files/2/b.txt" {
		t.Fatalf("resend = %+v %v", again, ok)
	}
	if l := c.Lines[len(c.Lines)-1]; !l.Pending || l.Failed || len(c.Lines) != 2 {
		t.Fatalf("after resend: %+v", c.Lines)
	}
	// An ack whose event matched nothing still ends the pending state once the event is in.
	d.Apply(protocol.Event{Chat: "a", Seq: 2, Body: &protocol.Message{Role: protocol.RoleAgent, File: &protocol.File{Name: "b.txt", URL: "/files/2/renamed.txt"}, At: t0}}, t0)
	d.Apply(protocol.Event{ID: again.ID, Body: &protocol.Ack{Seq: 2}}, t0)
	for _, l := range c.Lines {
		if l.Pending {
			t.Fatalf("a pending line stayed after the ack: %+v", c.Lines)
		}
	}

	// A name with a bidi override shows cleaned, so it cannot pass for another type.
	d.Apply(protocol.Event{Chat: "a", Seq: 3, Body: &protocol.Message{Role: protocol.RoleVisitor, Text: "invoice\u202efdp.exe",
		File: &protocol.File{Name: "invoice\u202efdp.exe", URL: "/files/4/x"}, At: t0}}, t0)
	if l := c.Lines[len(c.Lines)-1]; l.File.Name != "invoicefdp.exe" || l.Text != "invoicefdp.exe" || FileLabel(l.File, l.Text) != "📎 invoicefdp.exe" {
		t.Fatalf("shown as %+v", l)
	}

	// Files kept across a reload show as pending lines again.
	d2 := newDesk()
	d2.RestoreUnacked([]protocol.Command{{ID: "k1", Chat: "a", Body: &protocol.FileSend{Name: "c.pdf", URL: "/files/3/c.pdf"}}})
	d2.Apply(ready(summary("a", 0)), t0)
	if ls := d2.Chat("a").Lines; len(ls) != 1 || ls[0].File == nil || ls[0].File.Name != "c.pdf" || !ls[0].Pending {
		t.Fatalf("restored = %+v", ls)
	}

	// A chat that ends fails what still waits.
	u, _ = d.Attach("a", "late.txt", 1, "")
	d.Apply(protocol.Event{Chat: "a", Seq: 4, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor}}, t0)
	if d.NextUpload() != nil || !u.Failed || u.Retry {
		t.Fatalf("upload in an ended chat = %+v", u)
	}
	if _, err := d.Attach("a", "x", 1, ""); err == nil {
		t.Fatal("no file for an ended chat")
	}
}

func TestVisitorFileCountsAndNotifies(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0), summary("b", 0)), t0)
	d.Select("a")
	d.SetFocused(false)
	alerts, _ := d.Apply(protocol.Event{Chat: "b", Seq: 1, Body: &protocol.Message{Role: protocol.RoleVisitor, Name: "Vera", At: t0,
		File: &protocol.File{Name: "photo.png", URL: "/files/9/photo.png", Size: 2048, ContentType: "image/png"}}}, t0)
	if d.Chat("b").Unread != 1 || d.Title("P") != "* (1) P" {
		t.Fatalf("unread = %d", d.Chat("b").Unread)
	}
	if len(alerts) != 2 || alerts[1].Body != "📎 photo.png" {
		t.Fatalf("alerts = %+v", alerts)
	}
}

func TestUploadAnswerAndFileHelpers(t *testing.T) {
	f, reason, _ := UploadAnswer(catalog.Printer{}, 201, []byte(`{"name":"a.pdf","url":"/files/1/a.pdf","size":10,"content_type":"application/pdf"}`), nil)
	if f.URL != "/files/1/a.pdf" || reason != "" {
		t.Fatalf("201 = %+v %q", f, reason)
	}
	for _, tc := range []struct {
		status int
		body   string
		err    error
		retry  bool
		want   string
	}{
		{413, `{"error":{"code":"too_large","message":"The file is larger than 5 MB."}}`, nil, false, "larger than 5 MB"},
		{409, ``, nil, false, "ended"},
		{415, `{"error":{"code":"unsupported","message":"files of type exe cannot be sent here; allowed: pdf, png"}}`, nil, false, "Files of type exe cannot be sent here; allowed: pdf, png."},
		{500, `oops`, nil, true, "failed"},
		{0, ``, errors.New("offline"), true, "cannot be reached"},
		{201, `{}`, nil, true, "could not be read"},
	} {
		_, reason, retry := UploadAnswer(catalog.Printer{}, tc.status, []byte(tc.body), tc.err)
		if retry != tc.retry || !strings.Contains(reason, tc.want) {
			t.Errorf("UploadAnswer(catalog.Printer{}, %d) = %q %v", tc.status, reason, retry)
		}
	}
	for u, want := range map[string]string{
		"/files/1/a.pdf": "/files/1/a.pdf", "https://evil.example/x": "", "javascript:alert(1)": "",
		"//evil.example/files/x": "", "/files/../api/logout": "", "/filesystem": "", "/files/a b": "",
	} {
		if got := FileHref(u); got != want {
			t.Errorf("FileHref(%q) = %q", u, got)
		}
	}
	if !IsImage("image/PNG") || !IsImage("image/jpeg; q=1") || IsImage("image/svg+xml") || IsImage("application/pdf") {
		t.Error("IsImage")
	}
	if FileLabel(&protocol.File{Name: "a.pdf"}, "a.pdf") != "📎 a.pdf" || FileLabel(&protocol.File{Name: "a.pdf"}, "see") != "📎 a.pdf see" || FileLabel(nil, " hi ") != "hi" {
		t.Error("FileLabel")
	}
}
