package admin_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/history"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// archiveChat is a finished chat for the archive tests, written as the chat service would
// have: its events and, for each message, the message row the search indexes.
type archiveChat struct {
	chat  store.Chat
	lines []archiveLine
}

type archiveLine struct {
	role     protocol.Role
	name     string
	text     string
	internal bool
	file     string
}

func importChats(t *testing.T, st *store.Store, chats ...archiveChat) {
	t.Helper()
	var h store.History
	for _, ac := range chats {
		c := ac.chat
		conv := history.NewConversation(&h, c.ID)
		at := c.CreatedAt
		conv.Event(&protocol.ChatState{State: protocol.StateQueued, At: at}, at, false)
		at = at.Add(20 * time.Second)
		conv.Event(&protocol.ChatState{State: protocol.StateActive, At: at}, at, false)
		for _, l := range ac.lines {
			at = at.Add(30 * time.Second)
			m := protocol.Message{Role: l.role, Name: l.name, Text: l.text, Internal: l.internal, At: at}
			if l.file != "" {
				m.File = &protocol.File{Name: l.file, URL: "/files/x"}
			}
			conv.Message(m, 0)
		}
		if c.State == "closed" {
			at = at.Add(time.Minute)
			conv.Event(&protocol.FieldSet{Survey: "post", Fields: map[string]string{"rating": "5"}}, at, false)
			conv.Event(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent, At: at}, at, false)
			c.ClosedAt, c.CloseCause = &at, string(protocol.CauseAgent)
		}
		c.LastSeq, c.LastVisitorSeq = conv.Numbers()
		h.Chats = append(h.Chats, c)
	}
	if err := st.ImportHistory(context.Background(), h); err != nil {
		t.Fatal(err)
	}
}

// TestArchiveInChromium signs in as the demo admin, opens Chats, searches a word that chats of
// this tenant and of another one contain, sees only this tenant's messages with the word
// marked (and a visitor's markup shown as text), opens the transcript with its internal note
// marked, and checks the list's exports and that another tenant's chat is not found. axe-core
// runs on the list, the search and the transcript.
func TestArchiveInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	st := env.Server.Store()
	ctx := context.Background()
	admin := env.DemoUser(t, "admin", 0)
	other, err := st.CreateTenant(ctx, store.Tenant{Name: "Other shop"})
	if err != nil {
		t.Fatal(err)
	}
	otherConn, err := st.CreateConnector(ctx, store.Connector{TenantID: other.ID, Name: "Other site"})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	demo := env.Demo
	importChats(t, st,
		archiveChat{chat: store.Chat{ID: "archive-chat-anna", TenantID: demo.TenantID, ConnectorID: demo.ConnectorID, State: "closed",
			VisitorName: "Anna Weber", VisitorEmail: "anna@example.com", Lang: "en", CreatedAt: base},
			lines: []archiveLine{
				{role: protocol.RoleVisitor, name: "Anna Weber", text: "My parcel never arrived, the tracking says <b>delivered</b>."},
				{role: protocol.RoleAgent, name: "Ben", text: "I am sorry! Let me check the parcel with the carrier."},
				{role: protocol.RoleAgent, name: "Ben", text: "Carrier lost the parcel, refund approved.", internal: true},
				{role: protocol.RoleVisitor, name: "Anna Weber", text: "Here is the photo", file: "doorstep.jpg"},
			}},
		archiveChat{chat: store.Chat{ID: "archive-chat-carl", TenantID: demo.TenantID, ConnectorID: demo.ConnectorID, State: "closed",
			VisitorName: "Carl Jung", Lang: "en", CreatedAt: base.Add(time.Hour)},
			lines: []archiveLine{{role: protocol.RoleVisitor, name: "Carl Jung", text: "How do I change my password?"}}},
		archiveChat{chat: store.Chat{ID: "archive-chat-other", TenantID: other.ID, ConnectorID: otherConn.ID, State: "closed",
			VisitorName: "Secret Person", Lang: "en", CreatedAt: base.Add(2 * time.Hour)},
			lines: []archiveLine{{role: protocol.RoleVisitor, name: "Secret Person", text: "My parcel is secret."}}},
	)
	b := browsertest.New(t, browsertest.Options{Name: "archive", Width: 1360, Height: 900, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})
	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("signed in", `location.pathname !== '/admin/login' && document.readyState === 'complete'`)

	// The list: newest first, this tenant's chats only.
	b.Click(`document.querySelector('nav.side a[href="/admin/chats"]')`)
	b.WaitFor("the chat list", `location.pathname === '/admin/chats' && !!document.querySelector('table.list')`)
	names := browsertest.Eval[string](b, `[...document.querySelectorAll('table.list tbody tr td:nth-child(2) a')].map(a => a.textContent).join('|')`)
	if !strings.HasPrefix(names, "Carl Jung|Anna Weber") || strings.Contains(names, "Secret") {
		t.Fatalf("list shows %q", names)
	}
	b.Screenshot("list")
	b.AssertAccessible("archive-list")

	// A search, typed into the form.
	fill(t, b, map[string]string{"f-q": `parcel "NEAR"`})
	b.Click(`document.querySelector('form.filters button[type=submit]')`)
	b.WaitFor("the search result", `location.search.includes('q=') && document.readyState === 'complete' && !!document.getElementById('hits-title')`)
	marks := browsertest.Eval[int](b, `document.querySelectorAll('ol.hits mark').length`)
	hits := browsertest.Eval[string](b, `(document.querySelector('ol.hits') || {textContent: ''}).textContent`)
	if hits != "" && strings.Contains(hits, "Secret") {
		t.Fatalf("hits %q", hits)
	}
	// "NEAR" is a word here, not an operator: no message has both words.
	if marks != 0 {
		t.Fatalf("%d marks for a search no message matches", marks)
	}
	open(t, b, env.URL+"/admin/chats?q=parcel")
	b.WaitFor("the search hits", `!!document.querySelector('ol.hits mark')`)
	if n := browsertest.Eval[int](b, `document.querySelectorAll('ol.hits > li').length`); n != 3 {
		t.Fatalf("%d hits for parcel, want 3 (two lines and the internal note)", n)
	}
	if bold := browsertest.Eval[int](b, `document.querySelectorAll('ol.hits b').length`); bold != 0 {
		t.Fatal("a visitor's markup was rendered")
	}
	if !strings.Contains(browsertest.Eval[string](b, `document.querySelector('ol.hits').textContent`), "<b>delivered</b>") {
		t.Fatal("the visitor's markup is not shown as text")
	}
	b.Screenshot("search")
	b.AssertAccessible("archive-search")

	b.AssertNoConsoleErrors() // before the refused requests below, which the console reports
	// A search that cannot be run says why.
	open(t, b, env.URL+"/admin/chats?q=%22%22%22")
	b.WaitFor("the error", `!!document.getElementById('archive-error')`)
	if msg := browsertest.Eval[string](b, `document.getElementById('archive-error').textContent`); !strings.Contains(msg, "at least one word") {
		t.Fatalf("error %q", msg)
	}

	// The transcript.
	open(t, b, env.URL+"/admin/chats?q=parcel")
	b.Click(`document.querySelector('ol.hits a[href="/admin/chats/archive-chat-anna"]')`)
	b.WaitFor("the transcript", `location.pathname === '/admin/chats/archive-chat-anna' && !!document.querySelector('ol.transcript')`)
	text := browsertest.Eval[string](b, `document.querySelector('main').textContent`)
	for _, want := range []string{"Anna Weber", "anna@example.com", "My parcel never arrived", "internal, agents only", "File: doorstep.jpg", "An agent accepted the chat", "rating"} {
		if !strings.Contains(text, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if n := browsertest.Eval[int](b, `document.querySelectorAll('ol.transcript li.internal').length`); n != 1 {
		t.Errorf("%d internal lines, want 1", n)
	}
	b.Screenshot("transcript")
	b.AssertAccessible("archive-transcript")

	// Another tenant's chat is not found, its PDF neither; this tenant's PDF and exports come.
	// The requests run in the signed-in page, with its session.
	get := func(path string) (int, string, string) {
		t.Helper()
		r := browsertest.Eval[struct {
			Code int
			Type string
			Body string
		}](b, `(() => { const x = new XMLHttpRequest(); x.open('GET', `+browsertest.JSQuote(path)+`, false); x.send();
			return {Code: x.status, Type: x.getResponseHeader('Content-Type') || '', Body: x.responseText}; })()`)
		return r.Code, r.Type, r.Body
	}
	if code, _, _ := get("/admin/chats/archive-chat-other"); code != 404 {
		t.Errorf("another tenant's chat: %d", code)
	}
	if code, _, _ := get("/admin/chats/archive-chat-other/transcript.pdf"); code != 404 {
		t.Errorf("another tenant's PDF: %d", code)
	}
	if code, typ, body := get("/admin/chats/archive-chat-anna/transcript.pdf"); code != 200 || typ != "application/pdf" || !strings.HasPrefix(body, "%PDF") {
		t.Errorf("PDF: %d %s", code, typ)
	}
	// The exports name a chat's tags.
	tag, err := st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: demo.TenantID, Name: "parcel lost"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetChatTags(ctx, demo.TenantID, "archive-chat-anna", []int64{tag}, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	code, typ, body := get("/admin/chats/export.csv?visitor=anna")
	if code != 200 || !strings.HasPrefix(typ, "text/csv") || !strings.Contains(body, "archive-chat-anna") || strings.Contains(body, "archive-chat-carl") || strings.Contains(body, "other") ||
		!strings.Contains(body, ",outcome,tags,rating\n") || !strings.Contains(body, ",parcel lost,") {
		t.Errorf("CSV: %d %s\n%s", code, typ, body)
	}
	code, _, body = get("/admin/chats/export.json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(body), &rows); code != 200 || err != nil || len(rows) < 2 {
		t.Errorf("JSON: %d %v\n%s", code, err, body)
	}
	for _, r := range rows {
		if r["id"] == "archive-chat-other" {
			t.Error("the export holds another tenant's chat")
		}
	}
	// A 10 KB address is refused by the server's request limit before it reaches the page.
	if code, _, _ := get("/admin/chats?q=" + strings.Repeat("x", 10*1024)); code != 400 && code != 431 {
		t.Errorf("10 KB search: %d", code)
	}
	for _, q := range []string{"q=" + strings.Repeat("x", 600), "q=%00", "from=2026-13-45", "after=%25%25", "q=parcel&after=zzz", "connector=1%20OR%201=1", "state=gone"} {
		if code, _, _ := get("/admin/chats?" + q); code != 400 {
			t.Errorf("%.40s: %d, want 400", q, code)
		}
	}
}
