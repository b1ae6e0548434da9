package agentui

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/browser"
	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/protocol"
)

// fakePlatform is a browser for component tests: a fake clock, canned HTTP answers, a
// socket whose frames the test reads and whose events the test injects.
type fakePlatform struct {
	mu       sync.Mutex
	now      time.Time
	http     map[string]fakeResponse
	requests []string
	sockets  []*fakeSocket
	uploads  []string // "chat|name" of each upload
	upload   []fakeResponse
	chosen   func(chat string, files []browser.File)
	sounds   []browser.Sound
	notes    []string
	title    string
	langs    []string
	focused  bool
	timers   []func()
	perm     string   // the notification permission ("default" when empty)
	pushKeys []string // the keys PushSubscribe was called with
	open     func(chat string)
}

type fakeResponse struct {
	status int
	body   string
}

type fakeSocket struct {
	ev     browser.SocketEvents
	sent   []string
	closed int
}

func (s *fakeSocket) Send(frame []byte) error { s.sent = append(s.sent, string(frame)); return nil }
func (s *fakeSocket) Close(code int, reason string) {
	s.closed = code
	if s.ev.Close != nil {
		s.ev.Close(code, reason)
	}
}

func newFake() *fakePlatform {
	// Under wasm the storages are the shared browser ones: start each test clean.
	for _, name := range []string{"localStorage", "sessionStorage"} {
		if st := app.Window().Get(name); st.Truthy() {
			st.Call("clear")
		}
	}
	return &fakePlatform{now: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), http: map[string]fakeResponse{}, focused: true}
}

func (p *fakePlatform) Dial(path string, ev browser.SocketEvents) (browser.Socket, error) {
	s := &fakeSocket{ev: ev}
	p.sockets = append(p.sockets, s)
	return s, nil
}

func (p *fakePlatform) Fetch(method, path string, body []byte) (int, []byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, method+" "+path)
	if r, ok := p.http[method+" "+path]; ok {
		return r.status, []byte(r.body), nil
	}
	return 404, []byte(`{"error":{"code":"not_found","message":"not found"}}`), nil
}

// Upload answers with the next queued response (a network failure when none is left).
func (p *fakePlatform) Upload(path string, fields map[string]string, f browser.File) (int, []byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.uploads = append(p.uploads, path+" "+fields["chat"]+"|"+f.Name)
	if len(p.upload) == 0 {
		return 0, nil, browser.ErrUnavailable
	}
	r := p.upload[0]
	p.upload = p.upload[1:]
	return r.status, []byte(r.body), nil
}

func (p *fakePlatform) WatchFiles(chosen func(string, []browser.File)) { p.chosen = chosen }
func (p *fakePlatform) Play(s browser.Sound)                           { p.sounds = append(p.sounds, s) }
func (p *fakePlatform) Notify(tag, title, body string, onClick func()) {
	p.notes = append(p.notes, tag+"|"+title+"|"+body)
}
func (p *fakePlatform) Permission() string {
	if p.perm == "" {
		return "default"
	}
	return p.perm
}
func (p *fakePlatform) AskPermission(done func(string)) { done("granted") }
func (p *fakePlatform) SetTitle(t string)               { p.title = t }
func (p *fakePlatform) PushSubscribe(key string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pushKeys = append(p.pushKeys, key)
	return []byte(`{"endpoint":"https://push.example/1","keys":{"p256dh":"BP","auth":"au"}}`), nil
}
func (p *fakePlatform) PushUnsubscribe() string         { return "https://push.example/1" }
func (p *fakePlatform) WatchOpen(open func(string))     { p.open = open }
func (p *fakePlatform) Languages() []string             { return p.langs }
func (p *fakePlatform) SetLang(string)                  {}
func (p *fakePlatform) Focused() bool                   { return p.focused }
func (p *fakePlatform) Now() time.Time                  { return p.now }
func (p *fakePlatform) After(d time.Duration, f func()) { p.timers = append(p.timers, f) }
func (p *fakePlatform) Every(time.Duration, func())     {}
func (p *fakePlatform) Watch(func(bool), func())        {}

// socket returns the newest socket.
func (p *fakePlatform) socket(t *testing.T) *fakeSocket {
	t.Helper()
	if len(p.sockets) == 0 {
		t.Fatal("no socket was opened")
	}
	return p.sockets[len(p.sockets)-1]
}

// push sends a server event to the app.
func push(t *testing.T, s *fakeSocket, e protocol.Event) {
	t.Helper()
	frame, err := protocol.EncodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	s.ev.Message(frame)
}

// commands decodes what the app sent on a socket.
func commands(t *testing.T, s *fakeSocket) []protocol.Command {
	t.Helper()
	var out []protocol.Command
	for _, f := range s.sent {
		c, err := protocol.DecodeCommand([]byte(f), protocol.RoleAgent)
		if err != nil {
			t.Fatalf("bad frame %s: %v", f, err)
		}
		out = append(out, c)
	}
	return out
}

var testReady = &protocol.AgentReady{
	User:     protocol.User{ID: 1, Name: "Anna Agent", Nickname: "Anna", Login: "anna", Role: "agent", MaxChats: 4},
	Statuses: []protocol.Status{{ID: 1, Name: "Available", Color: "#ffffff", Background: "#1a7f37", AllowsChat: true, Settable: true}, {ID: 2, Name: "Pause", Color: "#000000", Background: "#f9e27d", Settable: true}},
	Status:   2,
}

// signedIn loads the app with a valid session and a ready connection.
func signedIn(t *testing.T) (app.TestEngine, *App, *fakePlatform, *fakeSocket) {
	t.Helper()
	return signedInWith(t, testReady)
}

// signedInWith is signedIn with the given agent.ready.
func signedInWith(t *testing.T, ready *protocol.AgentReady) (app.TestEngine, *App, *fakePlatform, *fakeSocket) {
	t.Helper()
	p := newFake()
	p.http["GET /api/me"] = fakeResponse{200, `{"id":1,"name":"Anna Agent","login":"anna","role":"agent","max_chats":4}`}
	p.http["GET /api/canned"] = fakeResponse{200, `[{"id":1,"folder":"Greetings","title":"Hello","text":"Hello $visitor, I am $agent."},{"id":2,"title":"Bye","text":"Goodbye!"}]`}
	a := NewWith(p)
	e := app.NewTestEngine()
	if err := e.Load(a); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()
	s := p.socket(t)
	s.ev.Open()
	e.ConsumeAll()
	if cmds := commands(t, s); len(cmds) != 1 || cmds[0].Body.CommandType() != protocol.TypeAgentConnect {
		t.Fatalf("first command = %v", cmds)
	}
	push(t, s, protocol.Event{ID: commands(t, s)[0].ID, Body: ready})
	e.ConsumeAll()
	return e, a, p, s
}

func TestSignInFormWhenNoSession(t *testing.T) {
	p := newFake()
	p.http["GET /api/me"] = fakeResponse{401, `{"error":{"code":"unauthorized","message":"sign in"}}`}
	p.http["POST /api/login"] = fakeResponse{401, `{"error":{"code":"unauthorized","message":"The login or password is wrong."}}`}
	a := NewWith(p)
	e := app.NewTestEngine()
	if err := e.Load(a); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()
	html := app.HTMLString(a)
	if !strings.Contains(html, "Sign in to handle chats") || len(p.sockets) != 0 {
		t.Fatalf("expected the sign-in form, got %s", html)
	}
	a.ctx.NewActionWithValue(ActLogin, desk.LoginRequest{Login: "anna", Password: "wrong"})
	e.ConsumeAll()
	if html := app.HTMLString(a); !strings.Contains(html, "The login or password is wrong.") {
		t.Fatalf("no error shown: %s", html)
	}
	p.http["POST /api/login"] = fakeResponse{200, `{"token":"tok","user":{"id":1,"name":"Anna Agent","login":"anna","role":"agent","max_chats":4}}`}
	a.ctx.NewActionWithValue(ActLogin, desk.LoginRequest{Login: "anna", Password: "right"})
	e.ConsumeAll()
	s := p.socket(t)
	s.ev.Open()
	e.ConsumeAll()
	c := commands(t, s)[0].Body.(*protocol.AgentConnect)
	if c.Token != "tok" {
		t.Fatalf("connect token = %q", c.Token)
	}
}

func TestOfferAcceptChatAndUnreadInTitle(t *testing.T) {
	e, a, p, s := signedIn(t)
	if html := app.HTMLString(a); !strings.Contains(html, "Your status does not receive chats") {
		t.Fatal("pause must say that no chats come")
	}
	a.ctx.NewActionWithValue(ActStatus, int64(1))
	e.ConsumeAll()
	if a.desk.Status != 1 || !strings.Contains(s.sent[len(s.sent)-1], `"status.set"`) {
		t.Fatalf("status not set: %v", s.sent[len(s.sent)-1])
	}

	push(t, s, protocol.Event{Chat: "c1", Body: &protocol.Offer{Chat: "c1", ConnectorID: 1, Connector: "Shop", Visitor: "Vera <b>", Question: "Where is <i>my</i> order?", Expires: p.now.Add(30 * time.Second)}})
	e.ConsumeAll()
	html := app.HTMLString(a)
	if !strings.Contains(html, "Where is &lt;i&gt;my&lt;/i&gt; order?") || strings.Contains(html, "<i>my</i>") {
		t.Fatalf("visitor text must be escaped: %s", html)
	}
	if !strings.Contains(html, "0:30") || len(p.sounds) != 1 || p.title != "* 1 offer · Parley Agent" {
		t.Fatalf("countdown/sound/title: sounds=%v title=%q", p.sounds, p.title)
	}

	a.ctx.NewActionWithValue(ActAccept, "c1")
	e.ConsumeAll()
	last := commands(t, s)[len(s.sent)-1]
	if last.Body.CommandType() != protocol.TypeOfferAccept || last.Chat != "c1" {
		t.Fatalf("accept = %+v", last)
	}
	sum := protocol.ChatSummary{ID: "c1", ConnectorID: 1, Connector: "Shop", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera", Email: "vera@example.com", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0", PData: map[string]string{"customer": "42"}}, Seq: 1}
	p.http["GET /api/chats/c1/previous"] = fakeResponse{200, `{"chats":[{"id":"old","connector":"Shop","created_at":"2025-02-01T09:00:00Z","messages":[{"role":"visitor","name":"Vera","text":"My parcel is late","at":"2025-02-01T09:00:00Z"}]}]}`}
	push(t, s, protocol.Event{Chat: "c1", Body: &protocol.ChatOpened{Chat: sum}})
	push(t, s, protocol.Event{Chat: "c1", Seq: 1, Body: &protocol.Message{Role: protocol.RoleVisitor, Name: "Vera", Text: "Where is my order?", At: p.now}})
	push(t, s, protocol.Event{ID: last.ID, Body: &protocol.Ack{}})
	e.ConsumeAll()
	html = app.HTMLString(a)
	for _, want := range []string{"Where is my order?", "vera@example.com", "Chrome on Linux", "customer", "My parcel is late", "Close chat"} {
		if !strings.Contains(html, want) {
			t.Errorf("pane lacks %q", want)
		}
	}

	// A second chat: its message is unread, the title shows it, the tab blinks.
	push(t, s, protocol.Event{Chat: "c2", Body: &protocol.ChatOpened{Chat: protocol.ChatSummary{ID: "c2", ConnectorID: 1, Connector: "Shop", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Otto"}}}})
	push(t, s, protocol.Event{Chat: "c2", Seq: 1, Body: &protocol.Message{Role: protocol.RoleVisitor, Name: "Otto", Text: "Hello?", At: p.now}})
	e.ConsumeAll()
	if a.desk.Selected != "c1" || a.desk.Chat("c2").Unread != 1 || p.title != "* (1) Parley Agent" {
		t.Fatalf("selected=%s unread=%d title=%q", a.desk.Selected, a.desk.Chat("c2").Unread, p.title)
	}
	if html := app.HTMLString(a); !strings.Contains(html, `class="tab blink"`) {
		t.Fatal("the unread tab must blink")
	}
	if p.sounds[len(p.sounds)-1] != browser.SoundMessage {
		t.Fatal("no chime for the unread message")
	}
	a.ctx.NewActionWithValue(ActSelect, "c2")
	e.ConsumeAll()
	if a.desk.TotalUnread() != 0 || p.title != "Parley Agent" {
		t.Fatalf("after select: title %q", p.title)
	}
}

func TestSendTypingCannedAndReconnect(t *testing.T) {
	e, a, p, s := signedIn(t)
	push(t, s, protocol.Event{Chat: "c1", Body: &protocol.ChatOpened{Chat: protocol.ChatSummary{ID: "c1", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}}}})
	e.ConsumeAll()
	if a.cannedState != "ready" || len(a.canned) != 2 {
		t.Fatalf("canned = %q %d", a.cannedState, len(a.canned))
	}
	a.ctx.NewActionWithValue(ActDraft, Draft{Chat: "c1", Text: "Hel"})
	e.ConsumeAll()
	if typ, ok := commands(t, s)[len(s.sent)-1].Body.(*protocol.Typing); !ok || !typ.On {
		t.Fatalf("typing on not sent: %s", s.sent[len(s.sent)-1])
	}
	if got := desk.Fill(a.canned[0].Text, "Vera", "Anna"); got != "Hello Vera, I am Anna." {
		t.Fatalf("fill = %q", got)
	}
	a.ctx.NewActionWithValue(ActSend, Draft{Chat: "c1", Text: "Hello Vera 🙂"})
	e.ConsumeAll()
	send := commands(t, s)[len(s.sent)-1]
	if b, ok := send.Body.(*protocol.Send); !ok || b.Text != "Hello Vera 🙂" {
		t.Fatalf("send = %s", s.sent[len(s.sent)-1])
	}
	if html := app.HTMLString(a); !strings.Contains(html, "Sending…") {
		t.Fatal("the message must show as pending")
	}

	// The network drops before the echo: the app shows it, reconnects, resumes, re-sends.
	s.ev.Close(desk.CloseAbnormal, "")
	e.ConsumeAll()
	if a.desk.Link != desk.LinkReconnecting || !strings.Contains(app.HTMLString(a), "Reconnecting") {
		t.Fatal("no reconnecting state")
	}
	var outbox []string
	if err := a.ctx.SessionStorage().Get(keyOutbox, &outbox); err != nil || len(outbox) != 1 {
		t.Fatalf("outbox kept for a reload = %v %v", outbox, err)
	}
	if len(p.timers) == 0 {
		t.Fatal("no reconnect scheduled")
	}
	p.timers[len(p.timers)-1]()
	e.ConsumeAll()
	s2 := p.socket(t)
	if s2 == s {
		t.Fatal("no new socket")
	}
	s2.ev.Open()
	e.ConsumeAll()
	ready := *testReady
	ready.Chats = []protocol.ChatSummary{{ID: "c1", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}, Seq: 0}}
	push(t, s2, protocol.Event{ID: commands(t, s2)[0].ID, Body: &ready})
	e.ConsumeAll()
	cmds := commands(t, s2)
	if len(cmds) != 3 || cmds[1].Body.CommandType() != protocol.TypeResume || cmds[2].ID != send.ID {
		var types []string
		for _, c := range cmds {
			types = append(types, string(c.Body.CommandType())+"#"+c.ID)
		}
		t.Fatalf("after reconnect sent %v, want connect, resume, the same message %s", types, send.ID)
	}
	echo := &protocol.Message{Role: protocol.RoleAgent, Name: "Anna", Text: "Hello Vera 🙂", ClientID: send.ID, At: p.now}
	push(t, s2, protocol.Event{Chat: "c1", Seq: 1, Body: echo})
	push(t, s2, protocol.Event{ID: send.ID, Body: &protocol.Ack{Seq: 1}})
	e.ConsumeAll()
	if html := app.HTMLString(a); strings.Contains(html, "Sending…") || strings.Count(html, "Hello Vera 🙂") != 1 {
		t.Fatalf("the echo must replace the pending line once: %s", html)
	}

	// The session ends: back to the sign-in form.
	s2.ev.Close(int(protocol.CloseUnauthorized), "expired")
	e.ConsumeAll()
	if html := app.HTMLString(a); !strings.Contains(html, "Your session has ended") {
		t.Fatalf("no sign-in after 4502: %s", html)
	}
}

// A chat that went to another agent while the app was disconnected is resumed after the
// reconnect, and the server's refusal shows it as no longer the agent's.
func TestChatHandedOverWhileAway(t *testing.T) {
	e, a, p, s := signedIn(t)
	push(t, s, protocol.Event{Chat: "c1", Body: &protocol.ChatOpened{Chat: protocol.ChatSummary{ID: "c1", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}, Seq: 1}}})
	push(t, s, protocol.Event{Chat: "c1", Seq: 1, Body: &protocol.Message{Role: protocol.RoleVisitor, Name: "Vera", Text: "Hello?", At: p.now}})
	e.ConsumeAll()
	s.ev.Close(desk.CloseAbnormal, "")
	e.ConsumeAll()
	p.timers[len(p.timers)-1]()
	e.ConsumeAll()
	s2 := p.socket(t)
	s2.ev.Open()
	e.ConsumeAll()
	push(t, s2, protocol.Event{ID: commands(t, s2)[0].ID, Body: testReady})
	e.ConsumeAll()
	cmds := commands(t, s2)
	res, ok := cmds[len(cmds)-1].Body.(*protocol.Resume)
	if !ok || cmds[len(cmds)-1].Chat != "c1" || res.After != 1 {
		t.Fatalf("after agent.ready without c1 sent %v", s2.sent)
	}
	if html := app.HTMLString(a); !strings.Contains(html, "Close chat") {
		t.Fatal("the chat ended before the server answered")
	}
	push(t, s2, protocol.Event{ID: cmds[len(cmds)-1].ID, Body: &protocol.Error{Code: protocol.CodeForbidden, Message: `you do not handle chat "c1"`}})
	e.ConsumeAll()
	html := app.HTMLString(a)
	for _, want := range []string{"Hello?", "handed over or ended while you were disconnected", "Remove from list", "presence-gone"} {
		if !strings.Contains(html, want) {
			t.Errorf("the ended chat lacks %q", want)
		}
	}
	if strings.Contains(html, "Close chat") || strings.Contains(html, "you do not handle") {
		t.Errorf("the chat still looks open, or the raw refusal shows: %s", html)
	}
}

func TestComposerKeepsDraftPerChat(t *testing.T) {
	c := &Composer{Chat: "a", Draft: "draft of a"}
	e := app.NewTestEngine()
	if err := e.Load(c); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()
	if c.text != "draft of a" {
		t.Fatalf("text = %q", c.text)
	}
	c.Chat, c.Draft = "b", ""
	c.OnUpdate(app.Context{})
	if c.text != "" || c.shown != "b" {
		t.Fatalf("switching chats must take b's draft, got %q", c.text)
	}
	c.toggle(app.Context{}, "emoji")
	if c.panel != "emoji" {
		t.Fatal("emoji panel not open")
	}
	c.toggle(app.Context{}, "emoji")
	if c.panel != "" {
		t.Fatal("emoji panel not closed")
	}
}

func TestFormatting(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Second: "now", 4 * time.Minute: "4m", 65 * time.Minute: "1h 05m"} {
		if got := since(catalog.Printer{}, d); got != want {
			t.Errorf("since(%v) = %q", d, got)
		}
	}
	if countdown(29500*time.Millisecond) != "0:30" || countdown(0) != "0:00" {
		t.Error("countdown")
	}
	if escapePath("a/b c") != "a%2Fb%20c" {
		t.Error(escapePath("a/b c"))
	}
	if initials("vera maria lopez") != "VM" || initials(" ") != "?" {
		t.Error("initials")
	}
	b, _ := json.Marshal(desk.LoginRequest{Login: "a", Password: "b"})
	if string(b) != `{"login":"a","password":"b"}` {
		t.Errorf("login body %s", b)
	}
}

// shownStatus returns the texts of the status menu's selected options.
func shownStatus(html string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<option([^>]*)>([^<]*)</option>`).FindAllStringSubmatch(between(html, `id="status-select"`, `</select>`), -1) {
		if strings.Contains(m[1], "selected") && !strings.Contains(m[1], `selected="false"`) {
			out = append(out, m[2])
		}
	}
	return out
}

// tagWith returns the start tag that holds text ("" when absent).
func tagWith(html, text string) string {
	i := strings.Index(html, text)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(html[:i], "<")
	end := strings.Index(html[i:], ">")
	if start < 0 || end < 0 {
		return ""
	}
	return html[start : i+end+1]
}

// between returns the part of s from the first from to the next to after it ("" when absent).
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// A new agent without a status, as issue 10 found them: the menu says so and choosing sends
// status.set; the dot takes the status's background; the toolbar draws its icons; accepting a
// second request shows that chat; an ended chat moves to the recently ended ones and leaves
// the list by itself.
func TestNewAgentDesk(t *testing.T) {
	ready := *testReady
	ready.Status = 0
	e, a, p, s := signedInWith(t, &ready)
	html := app.HTMLString(a)
	if got := shownStatus(html); len(got) != 1 || got[0] != "No status" {
		t.Fatalf("the menu of an agent without a status shows %q: %s", got, between(html, `<select`, `</select>`))
	}
	a.ctx.NewActionWithValue(ActStatus, int64(1))
	e.ConsumeAll()
	if st, ok := commands(t, s)[len(s.sent)-1].Body.(*protocol.StatusSet); !ok || st.Status != 1 {
		t.Fatalf("choosing Available sent %s", s.sent[len(s.sent)-1])
	}
	html = app.HTMLString(a)
	if got := shownStatus(html); strings.Contains(html, "No status") || len(got) != 1 || got[0] != "Available" {
		t.Fatalf("after choosing Available the menu shows %q", got)
	}
	if dot := tagWith(html, `status-dot`); !strings.Contains(dot, "#1a7f37") || strings.Contains(dot, "dot-ring") {
		t.Fatalf("the Available dot is %s, want its background #1a7f37", dot)
	}
	a.ctx.NewActionWithValue(ActStatus, int64(2))
	e.ConsumeAll()
	if dot := tagWith(app.HTMLString(a), `status-dot`); !strings.Contains(dot, "#f9e27d") || !strings.Contains(dot, "dot-ring") {
		t.Fatalf("the light Pause dot is %s, want a ring", dot)
	}

	// Vera's chat is open; Otto's request comes and is accepted.
	push(t, s, protocol.Event{Chat: "c1", Body: &protocol.ChatOpened{Chat: protocol.ChatSummary{ID: "c1", ConnectorID: 1, Connector: "Shop", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}}}})
	e.ConsumeAll()
	html = app.HTMLString(a)
	for _, id := range []string{`id="emoji-button"`, `id="canned-button"`, `id="attach-button"`} {
		if b := between(html, id, "</"); !strings.Contains(b, "<svg") {
			t.Errorf("%s draws no icon: %s", id, b)
		}
	}
	if strings.ContainsAny(between(html, `class="composer-tools"`, `id="composer-text"`), "🙂📎❝") {
		t.Error("the toolbar still writes emoji")
	}
	push(t, s, protocol.Event{Chat: "c2", Body: &protocol.Offer{Chat: "c2", ConnectorID: 1, Connector: "Shop", Visitor: "Otto", Expires: p.now.Add(30 * time.Second)}})
	e.ConsumeAll()
	a.ctx.NewActionWithValue(ActAccept, "c2")
	e.ConsumeAll()
	push(t, s, protocol.Event{Chat: "c2", Body: &protocol.ChatOpened{Chat: protocol.ChatSummary{ID: "c2", ConnectorID: 1, Connector: "Shop", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Otto"}}}})
	e.ConsumeAll()
	html = app.HTMLString(a)
	if a.desk.Selected != "c2" || !strings.Contains(html, `aria-label="Chat with Otto"`) || !strings.Contains(html, `data-attach="c2"`) {
		t.Fatalf("after accepting Otto the pane shows %q", a.desk.Selected)
	}

	// Vera ends her chat: it moves to the recently ended ones, and leaves the list by itself.
	push(t, s, protocol.Event{Chat: "c1", Seq: 1, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor}})
	e.ConsumeAll()
	html = app.HTMLString(a)
	if mine := between(html, `aria-label="My chats"`, `</nav>`); strings.Contains(mine, "Vera") || !strings.Contains(mine, "Otto") {
		t.Fatalf("My chats: %s", mine)
	}
	if ended := between(html, `class="ended"`, `</section>`); !strings.Contains(ended, "Vera") || !strings.Contains(ended, "Remove the chat with Vera") {
		t.Fatalf("recently ended: %s", ended)
	}
	p.now = p.now.Add(desk.EndedKeep + time.Second)
	a.ctx.Dispatch(a.tick)
	e.ConsumeAll()
	if a.desk.Chat("c1") != nil || strings.Contains(app.HTMLString(a), "Recently ended") {
		t.Fatal("the ended chat did not leave the list")
	}
}
