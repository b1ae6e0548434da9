package admin

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/admin/adminmsg"
	"github.com/parleychat/parley/backend/store"
)

// A left message shows with its contact links, and what the visitor wrote stays text.
func TestLeftMessagesPageShowsMessagesAsText(t *testing.T) {
	at := time.Date(2026, 11, 20, 18, 5, 0, 0, time.UTC)
	left := []store.LeftMessage{{
		Chat: store.Chat{ID: "c1", ConnectorID: 7, VisitorName: "Nora <b>N</b>", VisitorEmail: "nora@example.com", VisitorPhone: "+49 30 1234",
			Fields: map[string]string{"department": "Sales"}, CreatedAt: at},
		Text: `<script>alert("x")</script> Please call me.`,
	}}
	var buf bytes.Buffer
	p := &Page{Title: "Left messages", Active: "left", Level: roleSupervisor}
	if err := leftMessagesPage(p, left, map[int64]string{7: "Website chat"}, nil).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{"20 Nov 2026, 18:05", "Nora &lt;b&gt;N&lt;/b&gt;", "Sales", `href="mailto:nora@example.com"`, `href="tel:+49 30 1234"`,
		"Website chat", "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Please call me."} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>alert") {
		t.Error("visitor text rendered as HTML")
	}

	// In German, the page and its date speak German, the time in the tenant's zone; the
	// visitor's words stay as written.
	buf.Reset()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	ctx := withZone(adminmsg.With(context.Background(), adminmsg.For("de")), berlin)
	if err := leftMessagesPage(p, left, map[int64]string{7: "Website chat"}, nil).Render(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	html = buf.String()
	for _, want := range []string{`<html lang="de">`, "20. Nov. 2026, 19:05", "Hinterlassene Nachrichten", "Eingegangen", "Please call me."} {
		if !strings.Contains(html, want) {
			t.Errorf("German page lacks %q", want)
		}
	}
}
