package chat

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

var t0 = time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)

// harness drives a model like the widget's UI loop does, with a fake clock.
type harness struct {
	t   *testing.T
	m   *Model
	now time.Time
	seq uint64
}

func newHarness(t *testing.T, cfg Config) *harness {
	if cfg.Connector == "" {
		cfg.Connector = "HASH"
	}
	if cfg.IDPrefix == "" {
		cfg.IDPrefix = "p"
	}
	return &harness{t: t, m: New(cfg), now: t0}
}

func (h *harness) advance(d time.Duration) { h.now = h.now.Add(d); h.m.Tick(h.now) }

// sent drains the outgoing commands and returns them.
func (h *harness) sent() []protocol.Command { return h.m.Outgoing() }

// sentTypes drains the outgoing commands and returns their types.
func (h *harness) sentTypes() []string {
	var out []string
	for _, c := range h.m.Outgoing() {
		out = append(out, string(c.Body.CommandType()))
	}
	return out
}

func (h *harness) event(chat string, seq uint64, id string, body protocol.EventBody) {
	h.m.Handle(protocol.Event{ID: id, Chat: chat, Seq: seq, Body: body}, h.now)
}

// durable sends the chat's next durable event.
func (h *harness) durable(body protocol.EventBody) {
	h.seq++
	h.event("chat1", h.seq, "", body)
}

func (h *harness) connect(c protocol.Connected) protocol.Command {
	h.m.SocketOpened(h.now)
	out := h.sent()
	if len(out) != 1 || out[0].Body.CommandType() != protocol.TypeVisitorConnect {
		h.t.Fatalf("first command is not visitor.connect: %+v", out)
	}
	h.event("", 0, out[0].ID, &c)
	return out[0]
}

func open() protocol.Connected {
	return protocol.Connected{Session: "s", Name: "Acme", Lang: "en", Open: true, MaxMessage: 1000, Preview: true, EstimatedWait: 120,
		Texts: map[string]string{"agentTyping": "Agent $agent is typing...", "bye": "Goodbye!"}}
}

// startChat runs the journey up to an acknowledged chat request.
func (h *harness) startChat() {
	h.connect(open())
	if h.m.Phase != PhaseForm {
		h.t.Fatalf("phase %v, want form", h.m.Phase)
	}
	if !h.m.StartChat(" Ann ", "Where is my order?", "", nil) {
		h.t.Fatal("StartChat refused")
	}
	out := h.sent()
	if len(out) != 1 {
		h.t.Fatalf("want one chat.request, got %+v", out)
	}
	req := out[0].Body.(*protocol.ChatRequest)
	if req.Name != "Ann" || req.Question != "Where is my order?" {
		h.t.Fatalf("request %+v", req)
	}
	if h.m.Phase != PhaseRequesting {
		h.t.Fatalf("phase %v", h.m.Phase)
	}
	h.event("", 0, out[0].ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	if h.m.Phase != PhaseQueued || h.m.Chat != "chat1" || h.m.Token != "tok1" {
		h.t.Fatalf("after ack: phase %v chat %q token %q", h.m.Phase, h.m.Chat, h.m.Token)
	}
}

func TestJourney(t *testing.T) {
	h := newHarness(t, Config{PData: map[string]string{"email": "ann@example.com", "userdata": "42"}})
	if got := h.m.Status(); got != "Loading chat…" {
		t.Errorf("loading status %q", got)
	}
	h.connect(open())
	if h.m.StartChat("  ", "hi", "", nil) || h.m.FieldError != "nameRequired" {
		t.Fatalf("blank name accepted (error %q)", h.m.FieldError)
	}
	h.m.StartChat("Ann", "Where is my order?", "", nil)
	req := h.sent()[0]
	if b := req.Body.(*protocol.ChatRequest); b.Email != "ann@example.com" || b.PData["userdata"] != "42" || b.Lang != "en" {
		t.Errorf("pdata not carried: %+v", b)
	}
	// The chat's first events overtake the ack: they are kept.
	h.durable(&protocol.ChatState{State: protocol.StateQueued, At: h.now})
	h.durable(&protocol.Message{Role: protocol.RoleVisitor, Name: "Ann", Text: "Where is my order?", At: h.now})
	h.durable(&protocol.Message{Role: protocol.RoleSystem, Key: "welcomeMessage", Text: "Welcome!", At: h.now})
	h.event("", 0, req.ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	if h.m.Phase != PhaseQueued || h.m.Token != "tok1" || len(h.m.Items) != 2 || h.m.LastSeq != 3 {
		t.Fatalf("queued: phase %v token %q items %+v seq %d", h.m.Phase, h.m.Token, h.m.Items, h.m.LastSeq)
	}
	h.event("chat1", 0, "", &protocol.Queue{Position: 2, Of: 4, EstimatedWait: 180})
	if got := h.m.QueueLine(); got != "You are number 2 in the queue. Estimated wait: about 3 minutes" || h.m.Status() != "Waiting for an agent…" {
		t.Errorf("queue status %q", got)
	}
	h.durable(&protocol.Joined{Role: protocol.RoleAgent, Name: "Bea"})
	h.durable(&protocol.ChatState{State: protocol.StateActive, At: h.now})
	if h.m.Phase != PhaseActive || h.m.Status() != "You are chatting with Bea" {
		t.Fatalf("active: %v %q", h.m.Phase, h.m.Status())
	}
	if last := h.m.Items[len(h.m.Items)-1]; last.Kind != ItemNotice || last.Text != "Bea joined the chat" {
		t.Errorf("joined notice %+v", last)
	}
	h.event("chat1", 0, "", &protocol.TypingEvent{Role: protocol.RoleAgent, Name: "Bea", On: true})
	if got := h.m.TypingText(); got != "Agent Bea is typing..." {
		t.Errorf("typing text %q", got)
	}
	h.m.SetVisible(false)
	h.durable(&protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: "It ships <b>today</b>", At: h.now})
	if h.m.AgentTyping || h.m.Unread != 1 {
		t.Errorf("after agent line: typing %v unread %d", h.m.AgentTyping, h.m.Unread)
	}
	if it := h.m.Items[len(h.m.Items)-1]; it.Text != "It ships <b>today</b>" || h.m.Sender(it) != "Bea" {
		t.Errorf("agent line %+v", it)
	}
	h.m.SetVisible(true)
	if h.m.Unread != 0 {
		t.Error("unread not cleared when shown")
	}

	// The visitor answers: a pending line, then the server's echo confirms it.
	if !h.m.Send("  Thanks!  ", false, h.now) {
		t.Fatal("send refused")
	}
	out := h.sent()
	if len(out) != 1 || out[0].Chat != "chat1" || out[0].Body.(*protocol.Send).Text != "Thanks!" {
		t.Fatalf("send command %+v", out)
	}
	it := h.m.Items[len(h.m.Items)-1]
	if !it.Pending || it.ID != out[0].ID {
		t.Fatalf("pending line %+v", it)
	}
	h.durable(&protocol.Message{Role: protocol.RoleVisitor, Name: "Ann", Text: "Thanks!", ClientID: out[0].ID, At: h.now})
	h.event("", 0, out[0].ID, &protocol.Ack{Seq: h.seq})
	n := len(h.m.Items)
	if it := h.m.Items[n-1]; it.Pending || it.Seq != h.seq || h.m.Pending() != 0 {
		t.Fatalf("confirmed line %+v, outbox %d", it, h.m.Pending())
	}
	// A replayed event is not shown twice.
	h.event("chat1", h.seq, "", &protocol.Message{Role: protocol.RoleVisitor, Text: "Thanks!", ClientID: out[0].ID})
	if len(h.m.Items) != n {
		t.Fatal("duplicate line from replay")
	}

	// Closing asks first, then sends chat.close; the server's bye ends it.
	h.m.AskClose()
	if !h.m.ConfirmingClose {
		t.Fatal("no confirmation")
	}
	h.m.Close()
	if cmds := h.sentTypes(); len(cmds) != 1 || cmds[0] != "chat.close" {
		t.Fatalf("close sent %v", cmds)
	}
	h.durable(&protocol.Message{Role: protocol.RoleSystem, Key: "bye", Text: "Goodbye!", At: h.now})
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor, At: h.now})
	if h.m.Phase != PhaseClosed || h.m.Items[len(h.m.Items)-1].Text != "Goodbye!" || h.m.Status() != "The chat has ended." {
		t.Fatalf("closed: %v %+v", h.m.Phase, h.m.Items[len(h.m.Items)-1])
	}
	if h.m.Send("more", false, h.now) {
		t.Error("sent into a closed chat")
	}
	h.m.NewChat()
	if h.m.Phase != PhaseForm || h.m.Chat != "" || len(h.m.Items) != 0 || h.m.Name != "Ann" {
		t.Fatalf("new chat: %v %q %d", h.m.Phase, h.m.Chat, len(h.m.Items))
	}
}

func TestTypingIsDebounced(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.m.Input("H", h.now)
	h.advance(300 * time.Millisecond)
	h.m.Input("He", h.now)
	h.advance(300 * time.Millisecond)
	h.m.Input("Hel", h.now)
	var ons, offs int
	count := func() {
		for _, c := range h.sent() {
			if ty, ok := c.Body.(*protocol.Typing); ok {
				if ty.On {
					ons++
				} else {
					offs++
				}
			}
		}
	}
	count()
	if ons != 1 || offs != 0 {
		t.Fatalf("burst gave %d on, %d off", ons, offs)
	}
	h.advance(TypingIdle - time.Millisecond)
	count()
	if offs != 0 {
		t.Fatal("typing stopped too early")
	}
	h.advance(time.Millisecond)
	count()
	if offs != 1 {
		t.Fatal("typing did not stop after the pause")
	}
	h.m.Input("Hell", h.now)
	h.m.Input("", h.now)
	count()
	if ons != 2 || offs != 2 {
		t.Fatalf("emptying the box: %d on, %d off", ons, offs)
	}
}

func TestPreviewIsThrottled(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	var previews []string
	collect := func() {
		for _, c := range h.sent() {
			if p, ok := c.Body.(*protocol.Preview); ok {
				previews = append(previews, p.Text)
			}
		}
	}
	for i, s := range []string{"W", "Wh", "Whe", "When"} {
		if i > 0 {
			h.advance(200 * time.Millisecond)
		}
		h.m.Input(s, h.now)
		collect()
	}
	if strings.Join(previews, "|") != "W" {
		t.Fatalf("within the interval: %q", previews)
	}
	h.advance(400 * time.Millisecond) // 1 s after the first preview
	collect()
	if strings.Join(previews, "|") != "W|When" {
		t.Fatalf("trailing preview: %q", previews)
	}
	h.advance(5 * time.Second)
	collect()
	if len(previews) != 2 {
		t.Fatalf("extra previews: %q", previews)
	}
	// No previews when the connector does not allow them.
	h2 := newHarness(t, Config{})
	c := open()
	c.Preview = false
	h2.connect(c)
	h2.m.StartChat("A", "", "", nil)
	req := h2.sent()[0]
	h2.event("", 0, req.ID, &protocol.Ack{Chat: "c", Token: "t"})
	h2.m.Input("secret", h2.now)
	for _, c := range h2.sent() {
		if _, ok := c.Body.(*protocol.Preview); ok {
			t.Fatal("preview sent although not allowed")
		}
	}
}

func TestReconnectResumesAndResendsWithSameIDs(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.durable(&protocol.Message{Role: protocol.RoleSystem, Key: "welcomeMessage", Text: "Welcome!"})
	if !h.m.SocketClosed(4000, h.now) || h.m.Conn != ConnRetrying {
		t.Fatal("a 4000 close should reconnect")
	}
	// Written while offline: kept and shown as pending.
	h.m.Send("are you there?", false, h.now)
	if out := h.sent(); len(out) != 0 {
		t.Fatalf("sent while down: %+v", out)
	}
	h.m.Input("typing while down", h.now)
	if out := h.sent(); len(out) != 0 {
		t.Fatalf("transient sent while down: %+v", out)
	}
	pendingID := h.m.Items[len(h.m.Items)-1].ID
	h.connect(open())
	out := h.sent()
	if len(out) != 1 {
		t.Fatalf("want only resume before its ack, got %+v", out)
	}
	res := out[0].Body.(*protocol.Resume)
	if out[0].Chat != "chat1" || res.Token != "tok1" || res.After != 1 {
		t.Fatalf("resume %+v %+v", out[0], res)
	}
	// The server replays what was missed, then acks.
	h.durable(&protocol.Joined{Role: protocol.RoleAgent, Name: "Bea"})
	h.event("", 0, out[0].ID, &protocol.Ack{Seq: 2})
	out = h.sent()
	if len(out) != 1 || out[0].ID != pendingID {
		t.Fatalf("unacked message not re-sent with its id: %+v", out)
	}
	if h.m.Phase != PhaseActive {
		t.Errorf("phase %v after replayed join", h.m.Phase)
	}
	// A resend after yet another drop uses the same id again.
	h.m.SocketClosed(1006, h.now)
	h.connect(open())
	resume := h.sent()[0]
	h.event("", 0, resume.ID, &protocol.Ack{Seq: 2})
	if out := h.sent(); len(out) != 1 || out[0].ID != pendingID {
		t.Fatalf("second resend %+v", out)
	}
}

func TestGapAsksForReplay(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.durable(&protocol.Message{Role: protocol.RoleSystem, Text: "Welcome!"})
	h.event("chat1", 5, "", &protocol.Message{Role: protocol.RoleAgent, Text: "skipped ahead"})
	out := h.sent()
	if len(out) != 1 || out[0].Body.(*protocol.Resume).After != 1 || len(h.m.Items) != 1 {
		t.Fatalf("gap: sent %+v, items %d", out, len(h.m.Items))
	}
}

func TestSnapshotRestoreAcrossPages(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.durable(&protocol.Message{Role: protocol.RoleVisitor, Name: "Ann", Text: "Where is my order?", At: t0})
	h.durable(&protocol.Joined{Role: protocol.RoleAgent, Name: "Bea"})
	h.durable(&protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: "Let me look.", At: t0})
	h.m.SocketClosed(1001, h.now) // the page goes away
	h.m.Send("Order 123", false, h.now)
	pendingID := h.m.Items[len(h.m.Items)-1].ID
	snap := h.m.Snapshot(h.now)
	var check map[string]any
	if err := json.Unmarshal(snap, &check); err != nil {
		t.Fatalf("snapshot is not JSON: %v\n%s", err, snap)
	}

	// The next page.
	m2 := Restore(Config{Connector: "HASH", IDPrefix: "q"}, snap, h.now.Add(time.Minute), time.Hour)
	if m2.Chat != "chat1" || m2.Token != "tok1" || m2.LastSeq != 3 || m2.Phase != PhaseActive || len(m2.Items) != len(h.m.Items) {
		t.Fatalf("restored %+v", m2)
	}
	for i := range m2.Items {
		a, b := m2.Items[i], h.m.Items[i]
		if a.ID != b.ID || a.Text != b.Text || a.Kind != b.Kind || a.Seq != b.Seq || !a.At.Equal(b.At) || a.Pending != b.Pending {
			t.Errorf("item %d: %+v != %+v", i, a, b)
		}
	}
	h2 := &harness{t: t, m: m2, now: h.now, seq: 3}
	h2.connect(open())
	res := h2.sent()
	if len(res) != 1 || res[0].Body.(*protocol.Resume).After != 3 {
		t.Fatalf("resume after reload %+v", res)
	}
	h2.event("", 0, res[0].ID, &protocol.Ack{Seq: 3})
	if out := h2.sent(); len(out) != 1 || out[0].ID != pendingID || out[0].Chat != "chat1" {
		t.Fatalf("pending message not re-sent after reload: %+v", out)
	}
	// Too old: forgotten.
	if m3 := Restore(Config{}, snap, h.now.Add(2*time.Hour), time.Hour); m3.Chat != "" {
		t.Error("stale snapshot restored")
	}
	// Garbage: a fresh model.
	if m4 := Restore(Config{}, []byte("{nope"), h.now, time.Hour); m4.Chat != "" {
		t.Error("garbage restored")
	}
}

func TestResumeOfAGoneChatStartsAfresh(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.m.SocketClosed(4002, h.now)
	h.connect(open())
	res := h.sent()[0]
	h.event("", 0, res.ID, &protocol.Error{Code: protocol.CodeUnauthorized, Message: "bad token"})
	if h.m.Phase != PhaseForm || h.m.Chat != "" || h.m.Notice != "sessionExpired" {
		t.Fatalf("after refused resume: %v %q %q", h.m.Phase, h.m.Chat, h.m.Notice)
	}
}

func TestClosedWithoutByeLineAddsIt(t *testing.T) {
	h := newHarness(t, Config{Lang: "de"})
	h.startChat()
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseNoAgent})
	last := h.m.Items[len(h.m.Items)-1]
	if h.m.Phase != PhaseClosed || last.Key != "byeNoAgent" || !strings.HasPrefix(last.Text, "Es tut uns leid") {
		t.Fatalf("closed without bye: %v %+v", h.m.Phase, last)
	}
}

func TestRefusals(t *testing.T) {
	h := newHarness(t, Config{})
	h.m.SocketOpened(h.now)
	c := h.sent()[0]
	h.event("", 0, c.ID, &protocol.Error{Code: protocol.CodeForbidden, Message: "origin not allowed"})
	if h.m.Phase != PhaseRefused || h.m.RefusedKey != "originRefused" {
		t.Fatalf("forbidden: %v %q", h.m.Phase, h.m.RefusedKey)
	}
	if h.m.SocketClosed(4503, h.now) {
		t.Fatal("reconnects after refusal")
	}
	h2 := newHarness(t, Config{})
	h2.m.SocketOpened(h2.now)
	if h2.m.SocketClosed(4503, h2.now) || h2.m.Phase != PhaseRefused {
		t.Fatal("close 4503 must refuse")
	}
	if !strings.Contains(h2.m.Texts().Get(h2.m.RefusedKey), "not allowed") {
		t.Errorf("refusal text %q", h2.m.Texts().Get(h2.m.RefusedKey))
	}
}

func TestOfflineConnector(t *testing.T) {
	h := newHarness(t, Config{Lang: "fr"})
	c := open()
	c.Open = false
	c.Texts = nil
	h.connect(c)
	if h.m.Phase != PhaseOffline || h.m.OfflineText() != "Désolé, le service n'est pas disponible pour le moment." {
		t.Fatalf("offline: %v %q", h.m.Phase, h.m.OfflineText())
	}
	if h.m.StartChat("A", "", "", nil) {
		t.Error("chat started on a closed connector")
	}
}

func TestHiddenAgentNameAndGermanTexts(t *testing.T) {
	h := newHarness(t, Config{Lang: "de"})
	c := open()
	c.Lang = "de"
	c.Texts = nil
	c.Widget = json.RawMessage(`{"hide_agent_name":true,"show_wait_time":false}`)
	h.connect(c)
	if h.m.Status() != "Wir antworten meist in wenigen Minuten" {
		t.Errorf("german status %q", h.m.Status())
	}
	h.m.StartChat("Anna", "", "", nil)
	req := h.sent()[0]
	h.event("", 0, req.ID, &protocol.Ack{Chat: "chat1", Token: "t"})
	h.event("chat1", 0, "", &protocol.Queue{Position: 1, EstimatedWait: 60})
	if got := h.m.QueueLine(); got != "Sie sind an Position 1 in der Warteschlange." {
		t.Errorf("wait time shown although disabled: %q", got)
	}
	h.durable(&protocol.Joined{Role: protocol.RoleAgent, Name: "Bea"})
	h.event("chat1", 0, "", &protocol.TypingEvent{Role: protocol.RoleAgent, Name: "Bea", On: true})
	if h.m.Agent != "" || h.m.Status() != "Sie chatten mit einem Mitarbeiter" || h.m.TypingText() != "Der Mitarbeiter schreibt …" {
		t.Errorf("anonymous agent: %q %q %q", h.m.Agent, h.m.Status(), h.m.TypingText())
	}
	h.durable(&protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: "Hallo"})
	if it := h.m.Items[len(h.m.Items)-1]; h.m.Sender(it) != "Mitarbeiter" {
		t.Errorf("sender shown as %q", h.m.Sender(it))
	}
	// The page may show the name after all.
	show := false
	h2 := newHarness(t, Config{Lang: "de", HideAgentName: &show})
	h2.connect(c)
	if h2.m.HideAgentName() {
		t.Error("page option did not override the connector's")
	}
}

func TestMessageLimits(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	if h.m.Send(strings.Repeat("x", 1001), false, h.now) || h.m.Notice != "messageTooLong" {
		t.Fatal("over-long message accepted")
	}
	if h.m.Send("   ", false, h.now) {
		t.Fatal("blank message accepted")
	}
	// hideLocal: sent, not shown.
	n := len(h.m.Items)
	if !h.m.Send("from the page", true, h.now) || len(h.m.Items) != n {
		t.Fatal("hideLocal message shown or refused")
	}
	if out := h.sent(); !out[0].Body.(*protocol.Send).HideLocal {
		t.Fatal("hide_local not sent")
	}
}

func TestFailedSendCanBeRetried(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.m.Send("hello", false, h.now)
	c := h.sent()[0]
	h.event("", 0, c.ID, &protocol.Error{Code: protocol.CodeConflict, Message: "no"})
	it := h.m.Items[len(h.m.Items)-1]
	if !it.Failed {
		t.Fatal("not marked failed")
	}
	if !h.m.Retry(it.ID, h.now) {
		t.Fatal("retry refused")
	}
	out := h.sent()
	if len(out) != 1 || out[0].ID == c.ID {
		t.Fatalf("retry must use a new id: %+v", out)
	}
}

// A line the server answers with "busy" stays "sending" and goes out again under the same id
// after a pause that grows; the lines typed meanwhile wait behind it and keep their order.
func TestBusySendIsRetried(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.m.Send("first", false, h.now)
	first := h.sent()[0]
	busy := &protocol.Error{Code: protocol.CodeBusy, Message: "the server is busy; retry the command with the same id in a moment"}
	h.event("", 0, first.ID, busy)
	it := h.m.Items[len(h.m.Items)-1]
	if it.Failed || !it.Pending || h.m.Pending() != 1 {
		t.Fatalf("after busy: failed %v, pending %v, outbox %d", it.Failed, it.Pending, h.m.Pending())
	}
	h.m.Send("second", false, h.now)
	if out := h.sent(); len(out) != 0 {
		t.Fatalf("sent before the first line's retry: %+v", out)
	}
	h.advance(900 * time.Millisecond)
	if out := h.sent(); len(out) != 0 {
		t.Fatalf("retried before a second: %+v", out)
	}
	h.advance(100 * time.Millisecond)
	out := h.sent()
	if len(out) != 2 || out[0].ID != first.ID || out[0].Body.(*protocol.Send).Text != "first" || out[1].Body.(*protocol.Send).Text != "second" {
		t.Fatalf("after a second: %+v", out)
	}
	// Busy again: the pause doubles; the second line, already out, is answered meanwhile.
	h.event("", 0, first.ID, busy)
	h.durable(&protocol.Message{Role: protocol.RoleVisitor, Text: "second", ClientID: out[1].ID})
	h.event("", 0, out[1].ID, &protocol.Ack{Chat: "chat1", Seq: h.seq})
	h.advance(1500 * time.Millisecond)
	if again := h.sent(); len(again) != 0 {
		t.Fatalf("retried before two seconds: %+v", again)
	}
	h.advance(500 * time.Millisecond)
	again := h.sent()
	if len(again) != 1 || again[0].ID != first.ID {
		t.Fatalf("second retry: %+v", again)
	}
	h.durable(&protocol.Message{Role: protocol.RoleVisitor, Text: "first", ClientID: first.ID})
	h.event("", 0, first.ID, &protocol.Ack{Chat: "chat1", Seq: h.seq})
	if got := h.m.item(first.ID); got == nil || got.Failed || got.Pending || h.m.Pending() != 0 || h.transcript() != "first|second" {
		t.Fatalf("after the ack: %+v, outbox %d, transcript %q", got, h.m.Pending(), h.transcript())
	}
}

func TestClosedChatIsForgottenAfterAWhile(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent})
	snap := h.m.Snapshot(h.now)
	if m := Restore(Config{}, snap, h.now.Add(time.Minute), time.Hour); m.Phase != PhaseClosed || len(m.Items) == 0 {
		t.Fatalf("recently closed chat not restored: %v", m.Phase)
	}
	if m := Restore(Config{}, snap, h.now.Add(ClosedMaxAge+time.Minute), time.Hour); m.Chat != "" {
		t.Fatal("old closed chat restored")
	}
}

// agentLine is an agent's message.
func agentLine(text string) *protocol.Message {
	return &protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: text, At: t0}
}

// transcript is the text of the transcript's lines from the server, in order.
func (h *harness) transcript() string {
	var out []string
	for _, it := range h.m.Items {
		if it.Seq > 0 {
			out = append(out, it.Text)
		}
	}
	return strings.Join(out, "|")
}

// resumes drains the outgoing commands and returns the resumes among them.
func (h *harness) resumes() []protocol.Command {
	var out []protocol.Command
	for _, c := range h.sent() {
		if _, ok := c.Body.(*protocol.Resume); ok {
			out = append(out, c)
		}
	}
	return out
}

func TestGapFilledByReplay(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.event("chat1", 1, "", agentLine("one"))
	// 2 and 3 went missing: 4 waits, and one resume asks for what follows 1.
	h.event("chat1", 4, "", agentLine("four"))
	res := h.resumes()
	if len(res) != 1 || res[0].Body.(*protocol.Resume).After != 1 || h.transcript() != "one" {
		t.Fatalf("after the gap: resumes %+v, transcript %q", res, h.transcript())
	}
	// A live event during the resume is held, and asks for nothing more.
	h.event("chat1", 5, "", agentLine("five"))
	if r := h.resumes(); len(r) != 0 || h.transcript() != "one" {
		t.Fatalf("during the resume: resumes %+v, transcript %q", r, h.transcript())
	}
	// The replay fills the gap; what was held follows at once, and the replay's copies of it
	// are dropped.
	h.event("chat1", 2, "", agentLine("two"))
	h.event("chat1", 3, "", agentLine("three"))
	if got := h.transcript(); got != "one|two|three|four|five" {
		t.Fatalf("after the replay: %q", got)
	}
	h.event("chat1", 4, "", agentLine("four"))
	h.event("chat1", 5, "", agentLine("five"))
	h.event("", 0, res[0].ID, &protocol.Ack{Chat: "chat1", Seq: 5})
	if got := h.transcript(); got != "one|two|three|four|five" || h.m.LastSeq != 5 || len(h.m.Logs()) != 0 {
		t.Fatalf("after the ack: %q, last %d", got, h.m.LastSeq)
	}
	// Commands wait while the resume is on its way, and go after its ack.
	if !h.m.Send("thanks", false, h.now) {
		t.Fatal("send refused after the resume")
	}
	if out := h.sent(); len(out) != 1 {
		t.Fatalf("after the resume: sent %+v", out)
	}
}

func TestGapTheReplayCannotFill(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.event("chat1", 1, "", agentLine("one"))
	h.event("chat1", 3, "", agentLine("three")) // 2 does not exist on the server
	res := h.resumes()
	if len(res) != 1 {
		t.Fatalf("resumes %+v", res)
	}
	// The replay brings 3 only, and the ack says 3 is the last: 2 is not coming.
	h.event("chat1", 3, "", agentLine("three"))
	h.event("", 0, res[0].ID, &protocol.Ack{Chat: "chat1", Seq: 3})
	if got := h.transcript(); got != "one|three" || h.m.LastSeq != 3 {
		t.Fatalf("after the ack: %q, last %d", got, h.m.LastSeq)
	}
	if logs := h.m.Logs(); len(logs) != 1 || !strings.Contains(logs[0], "events 2 to 2") {
		t.Fatalf("logs %q", logs)
	}
	// Later events show at once, and the hole is never asked for again.
	h.event("chat1", 4, "", agentLine("four"))
	if got := h.transcript(); got != "one|three|four" || len(h.resumes()) != 0 {
		t.Fatalf("later: %q", got)
	}
	// A hole at the end: the ack says the server sent up to 7, the replay brought nothing.
	h.event("chat1", 6, "", agentLine("six"))
	res = h.resumes()
	if len(res) != 1 || res[0].Body.(*protocol.Resume).After != 4 {
		t.Fatalf("second gap: %+v", res)
	}
	h.event("", 0, res[0].ID, &protocol.Ack{Chat: "chat1", Seq: 7})
	h.event("chat1", 8, "", agentLine("eight"))
	if got := h.transcript(); got != "one|three|four|six|eight" || h.m.LastSeq != 8 || len(h.resumes()) != 0 {
		t.Fatalf("after a hole at the end: %q, last %d", got, h.m.LastSeq)
	}
	h.event("chat1", 9, "", &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent})
	if h.m.Phase != PhaseClosed {
		t.Fatalf("the close after the holes was not applied: %v", h.m.Phase)
	}
}

func TestRepeatedGapsAskOnceEach(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.event("chat1", 1, "", agentLine("1"))
	h.event("chat1", 3, "", agentLine("3"))
	first := h.resumes()
	// More gaps while the resume is on its way ask for nothing more.
	h.event("chat1", 6, "", agentLine("6"))
	h.event("chat1", 9, "", agentLine("9"))
	if r := h.resumes(); len(first) != 1 || len(r) != 0 {
		t.Fatalf("resumes %d then %+v", len(first), r)
	}
	// The replay fills some of it; the ack settles the rest.
	for _, seq := range []uint64{2, 3, 4, 6, 9} {
		h.event("chat1", seq, "", agentLine(strconv.FormatUint(seq, 10)))
	}
	if got := h.transcript(); got != "1|2|3|4" {
		t.Fatalf("before the ack: %q", got)
	}
	h.event("", 0, first[0].ID, &protocol.Ack{Chat: "chat1", Seq: 9})
	if got := h.transcript(); got != "1|2|3|4|6|9" || h.m.LastSeq != 9 || len(h.m.Logs()) != 2 {
		t.Fatalf("after the ack: %q, last %d", got, h.m.LastSeq)
	}
	// A new gap later is a new resume, again only one.
	h.event("chat1", 11, "", agentLine("11"))
	h.event("chat1", 13, "", agentLine("13"))
	second := h.resumes()
	if len(second) != 1 || second[0].Body.(*protocol.Resume).After != 9 {
		t.Fatalf("second gap: %+v", second)
	}
	h.event("chat1", 10, "", agentLine("10"))
	h.event("chat1", 12, "", agentLine("12"))
	h.event("", 0, second[0].ID, &protocol.Ack{Chat: "chat1", Seq: 13})
	if got := h.transcript(); got != "1|2|3|4|6|9|10|11|12|13" || len(h.m.Logs()) != 0 {
		t.Fatalf("after the second resume: %q", got)
	}
	// A resume the server failed is tried again later, still once.
	h.event("chat1", 15, "", agentLine("15"))
	third := h.resumes()
	h.event("", 0, third[0].ID, &protocol.Error{Code: protocol.CodeInternal, Message: "try again"})
	h.event("chat1", 16, "", agentLine("16"))
	if r := h.resumes(); len(r) != 0 {
		t.Fatalf("resumed before the retry time: %+v", r)
	}
	h.advance(resumeRetry)
	retry := h.resumes()
	if len(retry) != 1 || retry[0].Body.(*protocol.Resume).After != 13 {
		t.Fatalf("retry %+v", retry)
	}
	h.event("chat1", 14, "", agentLine("14"))
	h.event("", 0, retry[0].ID, &protocol.Ack{Chat: "chat1", Seq: 16})
	if got := h.transcript(); !strings.HasSuffix(got, "|13|14|15|16") || h.m.LastSeq != 16 {
		t.Fatalf("after the retry: %q", got)
	}
}

func TestOutOfOrderDuplicates(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.event("chat1", 1, "", agentLine("1"))
	res := []protocol.Command{}
	for _, seq := range []uint64{3, 2, 3, 2, 1, 5, 5, 4, 4, 3, 6} {
		h.event("chat1", seq, "", agentLine(strconv.FormatUint(seq, 10)))
		res = append(res, h.resumes()...)
	}
	if got := h.transcript(); got != "1|2|3|4|5|6" || h.m.LastSeq != 6 {
		t.Fatalf("transcript %q, last %d", got, h.m.LastSeq)
	}
	// Two gaps (3 before 2, 5 before 4), each asked for once; their acks change nothing.
	if len(res) != 1 {
		t.Fatalf("resumes %+v", res)
	}
	h.event("", 0, res[0].ID, &protocol.Ack{Chat: "chat1", Seq: 6})
	if got := h.transcript(); got != "1|2|3|4|5|6" || h.m.LastSeq != 6 || len(h.m.Logs()) != 0 {
		t.Fatalf("after the ack: %q", got)
	}
	// The visitor's own line, confirmed twice and after a gap, stays one line where it was
	// written.
	h.m.Send("mine", false, h.now)
	id := h.sent()[0].ID
	own := &protocol.Message{Role: protocol.RoleVisitor, Name: "Ann", Text: "mine", ClientID: id}
	h.event("chat1", 8, "", own)
	h.event("chat1", 7, "", agentLine("7"))
	h.event("chat1", 8, "", own)
	if got := h.transcript(); got != "1|2|3|4|5|6|mine|7" || h.m.LastSeq != 8 {
		t.Fatalf("own line: %q", got)
	}
}

func TestGapDuringReconnectResume(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	h.event("chat1", 1, "", agentLine("1"))
	h.m.SocketClosed(1006, h.now)
	h.connect(open())
	res := h.resumes()
	if len(res) != 1 || res[0].Body.(*protocol.Resume).After != 1 {
		t.Fatalf("resume %+v", res)
	}
	// The replay skips 3 (a hole on the server); that is no reason for a second resume.
	h.event("chat1", 2, "", agentLine("2"))
	h.event("chat1", 4, "", agentLine("4"))
	if r := h.resumes(); len(r) != 0 {
		t.Fatalf("second resume %+v", r)
	}
	h.event("", 0, res[0].ID, &protocol.Ack{Chat: "chat1", Seq: 4})
	h.event("chat1", 5, "", agentLine("5"))
	if got := h.transcript(); got != "1|2|4|5" || h.m.LastSeq != 5 {
		t.Fatalf("transcript %q", got)
	}
}

// Settings saved while the widget is open reach it: the connector closing turns the form into
// the offline screen, new texts show at once, and the session stays.
func TestReconfiguredWhileOpen(t *testing.T) {
	h := newHarness(t, Config{})
	h.connect(open())
	closed := open()
	closed.Open = false
	closed.Session = ""
	closed.Texts = map[string]string{"bye": "Au revoir"}
	h.event("", 0, "", &protocol.Config{Connected: closed})
	if h.m.Phase != PhaseOffline || h.m.Info.Session != "s" || h.m.Info.Texts["bye"] != "Au revoir" {
		t.Fatalf("after config: phase %v, info %+v", h.m.Phase, h.m.Info)
	}
	h.event("", 0, "", &protocol.Config{Connected: open()})
	if h.m.Phase != PhaseForm {
		t.Fatalf("reopened: phase %v", h.m.Phase)
	}
}
