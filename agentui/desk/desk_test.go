package desk

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
)

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func newDesk() *Desk {
	n := 0
	return New(func() string { n++; return fmt.Sprintf("c%d", n) })
}

func ready(chats ...protocol.ChatSummary) protocol.Event {
	return protocol.Event{Body: &protocol.AgentReady{
		User:     protocol.User{ID: 7, Name: "Anna Agent", Nickname: "Anna", Login: "anna", MaxChats: 3},
		Statuses: []protocol.Status{{ID: 1, Name: "Available", Color: "#1a7f37", AllowsChat: true, Settable: true}, {ID: 2, Name: "Pause", Color: "#bf8700", Settable: true}},
		Status:   1,
		Chats:    chats,
	}}
}

func summary(id string, seq uint64) protocol.ChatSummary {
	return protocol.ChatSummary{ID: id, ConnectorID: 1, Connector: "Shop", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera " + id}, Seq: seq}
}

func msg(chat string, seq uint64, role protocol.Role, text string) protocol.Event {
	return protocol.Event{Chat: chat, Seq: seq, Body: &protocol.Message{Role: role, Name: string(role), Text: text, At: t0}}
}

func kinds(as []Alert) []AlertKind {
	var out []AlertKind
	for _, a := range as {
		out = append(out, a.Kind)
	}
	return out
}

func TestOfferAcceptAndHistoryRaisesNoMessageAlerts(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	alerts, _ := d.Apply(protocol.Event{Chat: "a", Body: &protocol.Offer{Chat: "a", ConnectorID: 1, Connector: "Shop", Visitor: "Vera", Question: "Hello?", Expires: t0.Add(30 * time.Second)}}, t0)
	if got := kinds(alerts); len(got) != 1 || got[0] != AlertOfferSound {
		t.Fatalf("offer alerts = %v, want one offer sound (app in front)", got)
	}
	if got := d.Title("Parley Agent"); got != "* 1 offer · Parley Agent" {
		t.Fatalf("title = %q", got)
	}
	if o := d.Offers[0]; o.Remaining(t0.Add(10*time.Second)) != 20*time.Second || o.Fraction(t0.Add(15*time.Second)) != 0.5 {
		t.Fatalf("countdown wrong: %v %v", o.Remaining(t0.Add(10*time.Second)), o.Fraction(t0.Add(15*time.Second)))
	}
	cmd, ok := d.Accept("a")
	if !ok || cmd.Body.CommandType() != protocol.TypeOfferAccept {
		t.Fatalf("accept = %v %v", cmd, ok)
	}
	if _, again := d.Accept("a"); again {
		t.Fatal("an offer must not be accepted twice")
	}
	if d.Tick(t0.Add(5*time.Second)) != nil {
		t.Fatal("an answered offer must not ring")
	}
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.ChatOpened{Chat: summary("a", 2)}}, t0.Add(time.Second))
	if len(d.Offers) != 0 || d.Selected != "a" {
		t.Fatalf("offers=%d selected=%q", len(d.Offers), d.Selected)
	}
	// History up to seq 2 replays: no alerts, nothing unread.
	for _, ev := range []protocol.Event{msg("a", 1, protocol.RoleSystem, "Welcome!"), msg("a", 2, protocol.RoleVisitor, "Hello?")} {
		d.SetFocused(false)
		if alerts, _ := d.Apply(ev, t0.Add(time.Second)); alerts != nil {
			t.Fatalf("history raised %v", kinds(alerts))
		}
	}
	if c := d.Chat("a"); c.Unread != 0 || len(c.Lines) != 2 {
		t.Fatalf("unread=%d lines=%d", c.Unread, len(c.Lines))
	}
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Ack{}}, t0.Add(time.Second))
	if len(d.Unacked()) != 0 {
		t.Fatalf("accept still unacked: %v", d.Unacked())
	}
}

func TestUnreadTitleAndNotificationForChatNotShown(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0), summary("b", 0)), t0)
	if d.Selected != "a" {
		t.Fatalf("selected = %q", d.Selected)
	}
	// A message in the chat shown while the app is in front: read at once, no alert.
	if alerts, _ := d.Apply(msg("a", 1, protocol.RoleVisitor, "hi"), t0); alerts != nil || d.Chat("a").Unread != 0 {
		t.Fatalf("alerts=%v unread=%d", kinds(alerts), d.Chat("a").Unread)
	}
	// A message in the other chat: unread, sound, title; no notification while in front.
	alerts, _ := d.Apply(msg("b", 1, protocol.RoleVisitor, "anyone?"), t0)
	if got := kinds(alerts); len(got) != 1 || got[0] != AlertMessageSound {
		t.Fatalf("alerts = %v", got)
	}
	if d.Chat("b").Unread != 1 || d.Title("Parley") != "* (1) Parley" {
		t.Fatalf("unread=%d title=%q", d.Chat("b").Unread, d.Title("Parley"))
	}
	// The app goes to the background: a notification with a preview, tagged by chat.
	d.SetFocused(false)
	alerts, _ = d.Apply(msg("a", 2, protocol.RoleVisitor, strings.Repeat("long text ", 30)), t0)
	if len(alerts) != 2 || alerts[1].Kind != AlertNotify || alerts[1].Tag != "chat-a" || alerts[1].Title != "Vera a" {
		t.Fatalf("alerts = %+v", alerts)
	}
	if n := len([]rune(alerts[1].Body)); n != previewRunes {
		t.Fatalf("preview has %d runes", n)
	}
	if d.TotalUnread() != 2 {
		t.Fatalf("total unread = %d", d.TotalUnread())
	}
	// Coming back marks the shown chat read; selecting the other reads it too.
	d.SetFocused(true)
	if d.Chat("a").Unread != 0 || d.TotalUnread() != 1 {
		t.Fatalf("after focus: %d %d", d.Chat("a").Unread, d.TotalUnread())
	}
	d.Select("b")
	if d.TotalUnread() != 0 || d.Title("Parley") != "Parley" {
		t.Fatalf("after select: %d %q", d.TotalUnread(), d.Title("Parley"))
	}
}

func TestReconnectResumesFromLastSeqAndResendsUnacked(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0)), t0)
	d.Apply(msg("a", 1, protocol.RoleVisitor, "one"), t0)
	d.Apply(msg("a", 2, protocol.RoleVisitor, "two"), t0)
	send, err := d.Send("a", "answer\n", t0)
	if err != nil {
		t.Fatal(err)
	}
	if l := d.Chat("a").Lines[2]; !l.Pending || l.Text != "answer" || l.ClientID != send.ID {
		t.Fatalf("pending line = %+v", l)
	}
	// The link drops; the server replays seq 2 (overlap) and 3 after the resume.
	d.Link = LinkReconnecting
	_, cmds := d.Apply(ready(summary("a", 3)), t0)
	if len(cmds) != 2 {
		t.Fatalf("commands after ready = %d, want resume + re-sent message", len(cmds))
	}
	if r, ok := cmds[0].Body.(*protocol.Resume); !ok || r.After != 2 || cmds[0].Chat != "a" {
		t.Fatalf("first command = %+v", cmds[0])
	}
	if cmds[1].ID != send.ID {
		t.Fatalf("re-sent id = %q, want the same %q", cmds[1].ID, send.ID)
	}
	d.Apply(msg("a", 2, protocol.RoleVisitor, "two"), t0)
	d.Apply(msg("a", 3, protocol.RoleVisitor, "three"), t0)
	echo := msg("a", 4, protocol.RoleAgent, "answer")
	echo.Body.(*protocol.Message).ClientID = send.ID
	d.Apply(echo, t0)
	var texts []string
	for _, l := range d.Chat("a").Lines {
		texts = append(texts, l.Text)
		if l.Pending {
			t.Fatalf("line %q still pending", l.Text)
		}
	}
	if got := strings.Join(texts, "|"); got != "one|two|three|answer" {
		t.Fatalf("lines = %s", got)
	}
	if d.Chat("a").LastSeq != 4 || len(d.Unacked()) != 0 {
		t.Fatalf("lastSeq=%d unacked=%d", d.Chat("a").LastSeq, len(d.Unacked()))
	}
}

func TestReloadKeepsUnreadAndPendingMessages(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0), summary("b", 0)), t0)
	d.Apply(msg("b", 1, protocol.RoleVisitor, "first"), t0)
	d.Select("b")
	d.Apply(msg("b", 2, protocol.RoleVisitor, "seen"), t0)
	d.Select("a")
	d.Apply(msg("b", 3, protocol.RoleVisitor, "unseen"), t0)
	send, _ := d.Send("a", "kept across reload", t0)
	seen, unacked := d.Seen(), d.Unacked()

	// A new desk after the reload: nothing known, history replays from zero.
	r := newDesk()
	r.RestoreSeen(seen)
	r.RestoreUnacked(unacked)
	_, cmds := r.Apply(ready(summary("a", 0), summary("b", 3)), t0)
	if len(cmds) != 3 || cmds[2].ID != send.ID {
		t.Fatalf("commands = %+v", cmds)
	}
	if r.Chat("a").Lines[0].Text != "kept across reload" || !r.Chat("a").Lines[0].Pending {
		t.Fatalf("pending line not restored: %+v", r.Chat("a").Lines)
	}
	for seq, text := range []string{"first", "seen", "unseen"} {
		if alerts, _ := r.Apply(msg("b", uint64(seq+1), protocol.RoleVisitor, text), t0); alerts != nil {
			t.Fatalf("replay raised %v", kinds(alerts))
		}
	}
	if r.Chat("b").Unread != 1 {
		t.Fatalf("unread after reload = %d, want 1", r.Chat("b").Unread)
	}
}

func TestOfferRingsUntilAnsweredAndExpires(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	d.SetFocused(false)
	alerts, _ := d.Apply(protocol.Event{Body: &protocol.Offer{Chat: "a", Visitor: "", Connector: "Shop", Expires: t0.Add(10 * time.Second)}}, t0)
	if len(alerts) != 2 || alerts[1].Tag != "offer-a" || alerts[1].Title != "Chat request from a visitor" || alerts[1].Body != "Shop" {
		t.Fatalf("alerts = %+v", alerts)
	}
	if d.Tick(t0.Add(2*time.Second)) != nil {
		t.Fatal("rang too soon")
	}
	if got := kinds(d.Tick(t0.Add(OfferRingEvery))); len(got) != 1 || got[0] != AlertOfferSound {
		t.Fatalf("ring = %v", got)
	}
	d.Tick(t0.Add(13 * time.Second))
	if len(d.Offers) != 0 {
		t.Fatal("expired offer kept")
	}
	// A revoked offer goes at once.
	d.Apply(protocol.Event{Body: &protocol.Offer{Chat: "b", Expires: t0.Add(time.Minute)}}, t0)
	d.Apply(protocol.Event{Chat: "b", Body: &protocol.OfferRevoked{Reason: "timeout"}}, t0)
	if len(d.Offers) != 0 {
		t.Fatal("revoked offer kept")
	}
}

func TestTypingPreviewPresenceCloseAndDismiss(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0), summary("b", 0)), t0)
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.PreviewEvent{Text: "I would like"}}, t0)
	c := d.Chat("a")
	if !c.VisitorTyping || c.Preview != "I would like" {
		t.Fatalf("typing=%v preview=%q", c.VisitorTyping, c.Preview)
	}
	d.Apply(msg("a", 1, protocol.RoleVisitor, "I would like a refund"), t0)
	if c.VisitorTyping || c.Preview != "" {
		t.Fatal("typing and preview must clear when the message arrives")
	}
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.PreviewEvent{Text: "I would like a refund"}}, t0)
	if c.Preview != "" {
		t.Fatal("a late preview of the message just sent must be ignored")
	}
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.Presence{Role: protocol.RoleVisitor, Online: false}}, t0)
	if c.Presence() != "away" {
		t.Fatalf("presence = %s", c.Presence())
	}
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.Warning{Code: "visitor_away", Seconds: 60}}, t0)
	if !c.WarningUntil.Equal(t0.Add(time.Minute)) {
		t.Fatalf("warning until %v", c.WarningUntil)
	}
	cmd, ok := d.Close("a")
	if !ok || cmd.Body.CommandType() != protocol.TypeClose {
		t.Fatal("close")
	}
	d.Apply(protocol.Event{Chat: "a", Seq: 2, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent}}, t0)
	if !c.Closed || c.Presence() != "gone" {
		t.Fatal("chat not closed")
	}
	if _, err := d.Send("a", "too late", t0); err == nil {
		t.Fatal("sending to a closed chat must fail")
	}
	d.Dismiss("a")
	if d.Chat("a") != nil || d.Selected != "b" {
		t.Fatalf("dismiss: selected=%q", d.Selected)
	}
}

func TestFailedSendAndFilterAndStatus(t *testing.T) {
	d := newDesk()
	other := summary("b", 0)
	other.ConnectorID, other.Connector = 2, "Bank"
	d.Apply(ready(summary("a", 0), other), t0)
	if _, err := d.Send("a", "   ", t0); err == nil {
		t.Fatal("a blank message must be refused")
	}
	cmd, _ := d.Send("a", "hello", t0)
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeConflict, Message: "chat closed"}}, t0)
	if l := d.Chat("a").Lines[0]; !l.Failed || l.Error != "chat closed" {
		t.Fatalf("line = %+v", l)
	}
	if cs := d.Connectors(); len(cs) != 2 || cs[0].Name != "Bank" {
		t.Fatalf("connectors = %+v", cs)
	}
	d.SetFilter(2)
	if vs := d.VisibleChats(); len(vs) != 1 || vs[0].ID != "b" {
		t.Fatalf("filtered = %v", vs)
	}
	if !d.ReceivesOffers() {
		t.Fatal("Available allows chat")
	}
	st := d.SetStatus(2)
	if d.ReceivesOffers() || st.Body.(*protocol.StatusSet).Status != 2 {
		t.Fatal("Pause must not receive offers")
	}
	d.Apply(protocol.Event{Body: &protocol.AgentStatus{Status: 1, Reason: "supervisor"}}, t0)
	if d.Status != 1 || d.StatusReason != "supervisor" {
		t.Fatal("agent.status not applied")
	}
}

func TestSinceReplyAndCanned(t *testing.T) {
	d := newDesk()
	s := summary("a", 0)
	s.CreatedAt = t0
	d.Apply(ready(s), t0)
	c := d.Chat("a")
	if c.SinceReply(t0.Add(time.Minute)) != time.Minute {
		t.Fatalf("since open = %v", c.SinceReply(t0.Add(time.Minute)))
	}
	ev := msg("a", 1, protocol.RoleAgent, "hi")
	ev.Body.(*protocol.Message).At = t0.Add(90 * time.Second)
	d.Apply(ev, t0)
	if c.SinceReply(t0.Add(2*time.Minute)) != 30*time.Second || c.WaitingForReply() {
		t.Fatal("since reply")
	}
	d.Apply(msg("a", 2, protocol.RoleVisitor, "?"), t0)
	if !c.WaitingForReply() {
		t.Fatal("waiting for reply")
	}
	all := []Canned{{ID: 1, Folder: "Greetings", Title: "Hello", Text: "Hello $visitor, I am $agent."}, {ID: 2, Title: "Bye", Text: "Goodbye"}}
	if got := SearchCanned(all, "greet HELLO"); len(got) != 1 || got[0].ID != 1 {
		t.Fatalf("search = %v", got)
	}
	if got := d.ReplaceText("a", all[0].Text); got != "Hello Vera a, I am Anna." {
		t.Fatalf("replace = %q", got)
	}
	p := Trim(Previous{Chats: []PreviousChat{{ID: "x", Messages: make([]PreviousMessage, 40)}, {ID: "y", Messages: make([]PreviousMessage, 40)}}})
	if len(p.Chats) != 2 || len(p.Chats[1].Messages) != 10 {
		t.Fatalf("trim = %d chats", len(p.Chats))
	}
}

func TestAfterClose(t *testing.T) {
	for _, tc := range []struct {
		code            int
		reconnect, sign bool
	}{{1000, false, false}, {1006, true, false}, {1001, true, false}, {4000, true, false}, {4002, true, false}, {4500, false, false}, {4502, false, true}, {4504, false, false}} {
		r, s := AfterClose(tc.code)
		if r != tc.reconnect || s != tc.sign {
			t.Errorf("AfterClose(%d) = %v %v", tc.code, r, s)
		}
	}
	d := newDesk()
	d.Dropped()
	if d.Link != LinkConnecting {
		t.Fatal("before sign-in a drop is still connecting")
	}
	d.Apply(ready(summary("a", 0)), t0)
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.TypingEvent{Role: protocol.RoleVisitor, On: true}}, t0)
	d.Dropped()
	if d.Link != LinkReconnecting || d.Chat("a").VisitorTyping {
		t.Fatal("a drop after sign-in shows reconnecting and clears live typing")
	}
}

// An administrator's edit of the statuses reaches the status menu without a reload.
func TestStatusesChangeWhileSignedIn(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	d.Apply(protocol.Event{Body: &protocol.SettingsChanged{Kind: "statuses", Statuses: []protocol.Status{{ID: 1, Name: "Online", AllowsChat: true, Settable: true}}}}, t0)
	if len(d.Statuses) != 1 || d.Statuses[0].Name != "Online" {
		t.Fatalf("statuses = %+v", d.Statuses)
	}
	d.Apply(protocol.Event{Body: &protocol.SettingsChanged{Kind: "canned"}}, t0)
	if len(d.Statuses) != 1 {
		t.Fatal("a canned change touched the statuses")
	}
}

// offerFor is an offer event for chat id.
func offerFor(id string) protocol.Event {
	return protocol.Event{Chat: id, Body: &protocol.Offer{Chat: id, ConnectorID: 1, Connector: "Shop", Visitor: "Vera " + id, Expires: t0.Add(30 * time.Second)}}
}

// Accepting an offer while another chat is open shows the accepted chat, so that what the
// agent writes next goes to the new visitor; a chat opened without an accept here does not
// take the pane away.
func TestAcceptingAnOfferOpensItsChat(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0)), t0)
	if d.Selected != "a" {
		t.Fatalf("selected = %q", d.Selected)
	}
	d.Apply(offerFor("b"), t0)
	acc, _ := d.Accept("b")
	d.Apply(protocol.Event{Chat: "b", Body: &protocol.ChatOpened{Chat: summary("b", 1)}}, t0)
	d.Apply(protocol.Event{ID: acc.ID, Body: &protocol.Ack{}}, t0)
	if d.Selected != "b" {
		t.Fatalf("after accepting b the pane shows %q", d.Selected)
	}
	if cmd, err := d.Send(d.Selected, "Hello b", t0); err != nil || cmd.Chat != "b" {
		t.Fatalf("the reply goes to %q (%v)", cmd.Chat, err)
	}

	// The ack may come before the chat opens.
	d.Apply(offerFor("c"), t0)
	acc, _ = d.Accept("c")
	d.Apply(protocol.Event{ID: acc.ID, Body: &protocol.Ack{}}, t0)
	d.Apply(protocol.Event{Chat: "c", Body: &protocol.ChatOpened{Chat: summary("c", 1)}}, t0)
	if d.Selected != "c" {
		t.Fatalf("after accepting c the pane shows %q", d.Selected)
	}

	// A chat that opens without an accept here (a supervisor's assignment) stays in the list.
	d.Apply(protocol.Event{Chat: "d", Body: &protocol.ChatOpened{Chat: summary("d", 1)}}, t0)
	if d.Selected != "c" || d.Chat("d") == nil {
		t.Fatalf("a chat not accepted here took the pane: %q", d.Selected)
	}

	// A refused accept leaves nothing behind that would jump to the chat later.
	d.Apply(offerFor("e"), t0)
	acc, _ = d.Accept("e")
	d.Apply(protocol.Event{ID: acc.ID, Body: &protocol.Error{Code: protocol.CodeConflict, Message: "the offer is no longer open"}}, t0)
	d.Apply(protocol.Event{Chat: "e", Body: &protocol.ChatOpened{Chat: summary("e", 1)}}, t0)
	if d.Selected != "c" {
		t.Fatalf("a refused accept took the pane later: %q", d.Selected)
	}

	// Accepted just before the connection dropped: the chat is listed in agent.ready.
	d.Apply(offerFor("f"), t0)
	d.Accept("f")
	d.Dropped()
	d.Apply(ready(summary("a", 0), summary("b", 1), summary("c", 1), summary("d", 1), summary("e", 1), summary("f", 1)), t0)
	if d.Selected != "f" {
		t.Fatalf("after the reconnect the pane shows %q", d.Selected)
	}
}

// The visitor's current page follows them as they move on.
func TestVisitorPageFollowsTheVisitor(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 3)), t0)
	d.Apply(protocol.Event{Chat: "a", Seq: 1, Body: &protocol.VisitorPage{Page: "https://shop.example/checkout", At: t0}}, t0)
	if got := d.Chat("a").Visitor.Page; got != "https://shop.example/checkout" {
		t.Fatalf("page %q", got)
	}
}

// A new chat request is announced once, by the visitor's name; answering it ends the
// announcement, and a second request is announced in its turn.
func TestOfferAnnouncement(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	if got := d.OfferAnnouncement(); got != "" {
		t.Fatalf("announcement without requests = %q", got)
	}
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.Offer{Chat: "a", ConnectorID: 1, Connector: "Shop", Visitor: "Vera", Expires: t0.Add(30 * time.Second)}}, t0)
	if got := d.OfferAnnouncement(); got != "Chat request from Vera" {
		t.Fatalf("announcement = %q", got)
	}
	d.Tick(t0.Add(5 * time.Second))
	if got := d.OfferAnnouncement(); got != "Chat request from Vera" {
		t.Fatalf("the countdown changed the announcement: %q", got)
	}
	d.Apply(protocol.Event{Chat: "b", Body: &protocol.Offer{Chat: "b", ConnectorID: 1, Connector: "Shop", Expires: t0.Add(40 * time.Second)}}, t0.Add(10*time.Second))
	if got := d.OfferAnnouncement(); got != "Chat request from a visitor" {
		t.Fatalf("announcement of the newer request = %q", got)
	}
	if _, ok := d.Accept("b"); !ok {
		t.Fatal("accept b")
	}
	if got := d.OfferAnnouncement(); got != "Chat request from Vera" {
		t.Fatalf("announcement after answering the newer request = %q", got)
	}
}

// TestWindowClosedExplainedInTheAgentsLanguage: a line refused by WhatsApp's 24-hour rule
// says why and what to do instead, in the agent's language, not the server's English.
func TestWindowClosedExplainedInTheAgentsLanguage(t *testing.T) {
	d := newDesk()
	d.Msg = catalog.For("de")
	d.Apply(ready(summary("a", 0)), t0)
	cmd, _ := d.Send("a", "Sorry for the wait", t0)
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeWindowClosed, Message: "the customer last wrote more than 24 hours ago"}}, t0)
	l := d.Chat("a").Lines[0]
	if !l.Failed || !strings.Contains(l.Error, "24 Stunden") || !strings.Contains(l.Error, "/template") {
		t.Fatalf("line = %+v", l)
	}
}
