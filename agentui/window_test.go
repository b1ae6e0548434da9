package agentui

import (
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/browser"
	"github.com/parleychat/parley/shared/protocol"
)

// A chat's own window shows that chat only, with its composer and the transcript link; it
// rings for nothing else (offers, other chats) and names the visitor in its title, and what
// the agent sends there goes to that chat.
func TestChatWindow(t *testing.T) {
	p := newFake()
	p.http["GET /api/me"] = fakeResponse{200, `{"id":1,"name":"Anna Agent","login":"anna","role":"agent","max_chats":4}`}
	a := NewChatWindowWith(p, "c2")
	e := app.NewTestEngine()
	if err := e.Load(a); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()
	if html := app.HTMLString(a); !strings.Contains(html, "Loading the chat…") {
		t.Fatalf("before the connection: %s", html)
	}
	s := p.socket(t)
	s.ev.Open()
	e.ConsumeAll()
	ready := *testReady
	ready.Status = 1
	ready.Chats = []protocol.ChatSummary{
		{ID: "c1", ConnectorID: 1, Connector: "Shop", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}},
		{ID: "c2", ConnectorID: 1, Connector: "Shop", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Otto"}},
	}
	push(t, s, protocol.Event{ID: commands(t, s)[0].ID, Body: &ready})
	e.ConsumeAll()
	if a.desk.Selected != "c2" {
		t.Fatalf("selected %q, want the window's chat", a.desk.Selected)
	}
	html := app.HTMLString(a)
	for _, want := range []string{`Chat with Otto`, `id="composer-text"`, `href="/api/chats/c2/transcript.pdf"`, `download="chat-c2.pdf"`, `Download transcript (PDF)`} {
		if !strings.Contains(html, want) {
			t.Errorf("the chat window lacks %s", want)
		}
	}
	for _, unwanted := range []string{"Requests", "My chats", "Vera", "Own window", `class="details"`} {
		if strings.Contains(html, unwanted) {
			t.Errorf("the chat window shows %q", unwanted)
		}
	}

	// An offer and another chat's message ring in the main window, not here.
	p.focused = false
	push(t, s, protocol.Event{Chat: "c3", Body: &protocol.Offer{Chat: "c3", ConnectorID: 1, Connector: "Shop", Visitor: "Nina", Expires: p.now.Add(30 * time.Second)}})
	push(t, s, protocol.Event{Chat: "c1", Seq: 1, Body: &protocol.Message{Role: protocol.RoleVisitor, Name: "Vera", Text: "Hello?", At: p.now}})
	e.ConsumeAll()
	if len(p.sounds) != 0 || len(p.notes) != 0 || strings.Contains(app.HTMLString(a), "Nina") {
		t.Fatalf("the chat window rang for others: sounds %v notes %v", p.sounds, p.notes)
	}
	// Its own chat's message rings, and the title counts it.
	a.desk.SetFocused(false)
	push(t, s, protocol.Event{Chat: "c2", Seq: 1, Body: &protocol.Message{Role: protocol.RoleVisitor, Name: "Otto", Text: "Are you there?", At: p.now}})
	e.ConsumeAll()
	if len(p.sounds) != 1 || p.sounds[0] != browser.SoundMessage || p.title != "* (1) Otto · Parley Agent" {
		t.Fatalf("own chat's message: sounds %v title %q", p.sounds, p.title)
	}
	if a.desk.Selected != "c2" {
		t.Fatalf("selected %q after other chats' events", a.desk.Selected)
	}

	a.ctx.NewActionWithValue(ActSend, Draft{Chat: "c2", Text: "Yes, here."})
	e.ConsumeAll()
	last := commands(t, s)[len(s.sent)-1]
	if b, ok := last.Body.(*protocol.Send); !ok || last.Chat != "c2" || b.Text != "Yes, here." {
		t.Fatalf("sent %s", s.sent[len(s.sent)-1])
	}

	// A chat that is not (or no longer) the agent's says so.
	other := NewChatWindowWith(newFake(), "gone")
	other.desk.Link, other.mounted, other.phase = 2, true, phaseDesk
	if html := app.HTMLString(other); !strings.Contains(html, "This chat is not open for you") {
		t.Fatalf("unknown chat: %s", html)
	}
}

// The main window offers the transcript and the chat's own window in the chat's header; a
// closed chat keeps the transcript only.
func TestChatActionsInMainWindow(t *testing.T) {
	e, a, _, s := signedIn(t)
	push(t, s, protocol.Event{Chat: "c/1", Body: &protocol.ChatOpened{Chat: protocol.ChatSummary{ID: "c/1", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}}}})
	e.ConsumeAll()
	html := app.HTMLString(a)
	for _, want := range []string{`href="/api/chats/c%2F1/transcript.pdf"`, `id="chat-window-button"`, "Own window"} {
		if !strings.Contains(html, want) {
			t.Errorf("the chat header lacks %s", want)
		}
	}
	push(t, s, protocol.Event{Chat: "c/1", Seq: 1, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor, At: time.Now()}})
	e.ConsumeAll()
	html = app.HTMLString(a)
	if !strings.Contains(html, "transcript.pdf") || strings.Contains(html, "Own window") {
		t.Fatalf("closed chat's header: %s", html)
	}
}

func TestChatOfPath(t *testing.T) {
	for path, want := range map[string]string{
		"/agent/chat/abc_-1": "abc_-1",
		"/chat/x%2Fy":        "x/y",
		"/chat/a/b":          "",
		"/agent/":            "",
		"/agent/chat/":       "",
	} {
		if got := chatOfPath(path); got != want {
			t.Errorf("chatOfPath(%q) = %q, want %q", path, got, want)
		}
	}
	if got := ChatWindowPath("a b"); got != "/chat/a%20b" {
		t.Errorf("ChatWindowPath outside a browser = %q", got)
	}
}
