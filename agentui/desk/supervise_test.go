package desk

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
)

// monitored returns the monitoring notifications among alerts.
func monitored(as []Alert) []Alert {
	var out []Alert
	for _, a := range as {
		if a.Kind == AlertNotify && strings.HasPrefix(a.Tag, "monitor-") {
			out = append(out, a)
		}
	}
	return out
}

// Which actions notify under which setting: the visitor's under both, the agents' only under
// "all actions", nothing when off, the agent's own never, history never.
func TestMonitoringNotifiesTheMatchingActions(t *testing.T) {
	visitorMsg := func(seq uint64) protocol.Event { return msg("a", seq, protocol.RoleVisitor, "hello") }
	cases := []struct {
		name  string
		ev    func(seq uint64) protocol.Event
		off   bool // notifies when off (never)
		vis   bool // notifies under "the visitor's activity"
		all   bool // notifies under "all actions"
		title string
	}{
		{"visitor message", visitorMsg, false, true, true, "visitor: hello"},
		{"visitor joins", func(seq uint64) protocol.Event {
			return protocol.Event{Chat: "a", Seq: seq, Body: &protocol.Joined{Role: protocol.RoleVisitor, Name: "Vera"}}
		}, false, true, true, "Vera joined the chat"},
		{"visitor leaves", func(seq uint64) protocol.Event {
			return protocol.Event{Chat: "a", Seq: seq, Body: &protocol.Left{Role: protocol.RoleVisitor, Name: "Vera"}}
		}, false, true, true, "Vera left the chat"},
		{"chat ends", func(seq uint64) protocol.Event {
			return protocol.Event{Chat: "a", Seq: seq, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor}}
		}, false, true, true, "The visitor closed the chat"},
		{"colleague's message", func(seq uint64) protocol.Event {
			return protocol.Event{Chat: "a", Seq: seq, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Ben", Text: "on it"}}
		}, false, false, true, "Ben: on it"},
		{"colleague's note", func(seq uint64) protocol.Event {
			return protocol.Event{Chat: "a", Seq: seq, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Ben", Text: "psst", Internal: true}}
		}, false, false, true, "Ben (note): psst"},
		{"colleague joins", func(seq uint64) protocol.Event {
			return protocol.Event{Chat: "a", Seq: seq, Body: &protocol.Joined{Role: protocol.RoleAgent, Name: "Ben", UserID: 4, As: protocol.PartObserver}}
		}, false, false, true, "Ben joined the chat"},
		{"owner leaves (transfer, takeover)", func(seq uint64) protocol.Event {
			return protocol.Event{Chat: "a", Seq: seq, Body: &protocol.Left{Role: protocol.RoleAgent, Name: "Carla", UserID: 5, As: protocol.PartOwner}}
		}, false, false, true, "Carla left the chat"},
		{"own message", func(seq uint64) protocol.Event {
			return protocol.Event{Chat: "a", Seq: seq, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Anna", Text: "mine"}}
		}, false, false, false, ""},
		{"own join", func(seq uint64) protocol.Event {
			return protocol.Event{Chat: "a", Seq: seq, Body: &protocol.Joined{Role: protocol.RoleAgent, Name: "Anna", UserID: 7, As: protocol.PartParticipant}}
		}, false, false, false, ""},
		{"system line", func(seq uint64) protocol.Event {
			return protocol.Event{Chat: "a", Seq: seq, Body: &protocol.Message{Role: protocol.RoleSystem, Text: "Welcome!"}}
		}, false, false, false, ""},
		{"visitor typing", func(uint64) protocol.Event {
			return protocol.Event{Chat: "a", Body: &protocol.TypingEvent{Role: protocol.RoleVisitor, On: true}}
		}, false, false, false, ""},
	}
	for _, tc := range cases {
		for _, set := range []struct {
			m    Monitor
			want bool
		}{{MonitorOff, tc.off}, {MonitorVisitor, tc.vis}, {MonitorAll, tc.all}} {
			d := newDesk()
			d.Apply(ready(summary("a", 2), summary("b", 0)), t0)
			d.Select("b") // the agent looks at another chat
			d.SetMonitoring("a", set.m)
			got := monitored(func() []Alert { as, _ := d.Apply(tc.ev(3), t0); return as }())
			if (len(got) == 1) != set.want || len(got) > 1 {
				t.Errorf("%s under %q: %+v", tc.name, set.m.Label(catalog.Printer{}), got)
				continue
			}
			if set.want && (got[0].Body != tc.title || got[0].Chat != "a" || got[0].Title != "Vera a (monitored)") {
				t.Errorf("%s: notification %+v", tc.name, got[0])
			}
		}
	}
}

// History, repeats and the chat on screen raise nothing; the setting survives a reload.
func TestMonitoringQuietCasesAndReload(t *testing.T) {
	d := newDesk()
	_, resumes := d.Apply(ready(summary("a", 5), summary("b", 0)), t0)
	for _, r := range resumes {
		d.Apply(protocol.Event{ID: r.ID, Body: &protocol.Ack{Chat: r.Chat, Seq: map[string]uint64{"a": 5}[r.Chat]}}, t0)
	}
	d.Select("b")
	d.SetMonitoring("a", MonitorAll)
	if as, _ := d.Apply(msg("a", 4, protocol.RoleVisitor, "old"), t0); len(monitored(as)) != 0 {
		t.Fatal("history notified")
	}
	if as, _ := d.Apply(msg("a", 6, protocol.RoleVisitor, "new"), t0); len(monitored(as)) != 1 {
		t.Fatal("a new message did not notify")
	}
	if as, _ := d.Apply(msg("a", 6, protocol.RoleVisitor, "new"), t0); len(monitored(as)) != 0 {
		t.Fatal("a repeat notified")
	}
	d.Select("a")
	if as, _ := d.Apply(msg("a", 7, protocol.RoleVisitor, "seen"), t0); len(monitored(as)) != 0 {
		t.Fatal("the chat on screen notified")
	}
	d.SetFocused(false)
	if as, _ := d.Apply(msg("a", 8, protocol.RoleVisitor, "away"), t0); len(monitored(as)) != 1 {
		t.Fatal("the chat on screen, the app in the background, did not notify")
	}
	// The switch goes round; off is forgotten.
	m := MonitorOff
	var labels []string
	for range 3 {
		m = m.Next()
		labels = append(labels, m.String())
	}
	if strings.Join(labels, ",") != "visitor,all,off" {
		t.Fatalf("the switch goes %v", labels)
	}
	kept := d.Monitors()
	if len(kept) != 1 || kept["a"] != MonitorAll {
		t.Fatalf("kept %+v", kept)
	}
	d2 := newDesk()
	d2.RestoreMonitors(map[string]Monitor{"a": MonitorAll, "gone": MonitorVisitor, "bad": 9})
	d2.Apply(ready(summary("a", 8)), t0)
	if d2.Monitoring("a") != MonitorAll {
		t.Fatal("the setting did not survive the reload")
	}
	if kept := d2.Monitors(); len(kept) != 1 {
		t.Fatalf("chats no longer open are kept: %+v", kept)
	}
}

// asSupervisor makes the desk Sven's, a supervisor.
func asSupervisor(d *Desk) {
	r := ready(summary("mine", 0))
	r.Body.(*protocol.AgentReady).User = protocol.User{ID: 9, Nickname: "Sven", Role: "supervisor"}
	d.Apply(r, t0)
}

func TestSupervisorsList(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	if _, ok := d.Watch(); ok || d.MaySupervise() {
		t.Fatal("an agent watches every chat")
	}
	if _, ok := d.TakeOver("a"); ok {
		t.Fatal("an agent takes over")
	}

	d = newDesk()
	asSupervisor(d)
	cmd, ok := d.Watch()
	if !ok || cmd.Body.CommandType() != protocol.TypeSuperviseWatch {
		t.Fatalf("watch: %+v %v", cmd, ok)
	}
	if _, again := d.WatchAgain(); again {
		t.Fatal("a second watch while the first waits for its ack")
	}
	acked(d, cmd)
	accepted := t0.Add(30 * time.Second)
	act := protocol.SupervisedChat{ID: "a", Phase: protocol.PhaseActive, Owner: 4, OwnerName: "Ben", Visitor: "Vera", Since: t0, Accepted: &accepted}
	wait := protocol.SupervisedChat{ID: "w", Phase: protocol.PhaseWaiting, Visitor: "Vic", Since: t0.Add(time.Minute)}
	d.Apply(protocol.Event{Body: &protocol.SuperviseList{Chats: []protocol.SupervisedChat{act}}}, t0)
	d.Apply(protocol.Event{Body: &protocol.SuperviseUpdate{Chats: []protocol.SupervisedChat{wait}}}, t0)
	if l := d.Supervised(); len(l) != 2 || l[0].ID != "w" || l[1].ID != "a" {
		t.Fatalf("the list: %+v", l)
	}
	if w := Waited(act, t0.Add(time.Hour)); w != 30*time.Second {
		t.Fatalf("an accepted chat waited %v", w)
	}
	if w := Waited(wait, t0.Add(3*time.Minute)); w != 2*time.Minute {
		t.Fatalf("a waiting chat waited %v", w)
	}
	if PhaseText(catalog.Printer{}, protocol.SupervisedChat{Phase: protocol.PhaseOffered, OfferedTo: "Ben"}) != "Offered to Ben" {
		t.Fatal("offered phase")
	}
	// Observing opens the chat and shows it.
	obs, ok := d.Observe("a")
	if !ok || obs.Body.(*protocol.ChatJoin).As != protocol.PartObserver {
		t.Fatalf("observe: %+v", obs)
	}
	s := summary("a", 3)
	s.As, s.Agents = protocol.PartObserver, []protocol.Participant{{UserID: 4, Name: "Ben", As: protocol.PartOwner}, {UserID: 9, Name: "Sven", As: protocol.PartObserver}}
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.ChatOpened{Chat: s}}, t0)
	if d.Selected != "a" || !d.Chat("a").Noting() {
		t.Fatalf("the observed chat: selected %q, noting %v", d.Selected, d.Chat("a").Noting())
	}
	// Taking over names the owner seen; no second takeover while it is on its way.
	tk, ok := d.TakeOver("a")
	if !ok || tk.Body.(*protocol.ChatTakeover).Owner != 4 {
		t.Fatalf("takeover: %+v", tk)
	}
	if _, again := d.TakeOver("a"); again {
		t.Fatal("a second takeover while the first is on its way")
	}
	d.Apply(protocol.Event{ID: tk.ID, Body: &protocol.Ack{}}, t0)
	if c := d.Chat("a"); c.Part() != protocol.PartOwner || !c.Writes() {
		t.Fatalf("after the takeover: part %s", c.Part())
	}
	// A refused takeover (someone was faster) is said, and may be tried again.
	tw, _ := d.TakeOver("w")
	d.Apply(protocol.Event{ID: tw.ID, Body: &protocol.Error{Code: protocol.CodeConflict, Message: "Olaf has the chat now"}}, t0)
	if d.Notice != "Olaf has the chat now" || !d.MayTakeOver("w") {
		t.Fatalf("refused takeover: notice %q", d.Notice)
	}
	// Updates change rows; ended chats go.
	d.Apply(protocol.Event{Body: &protocol.SuperviseUpdate{Gone: []string{"w"}}}, t0)
	if l := d.Supervised(); len(l) != 1 {
		t.Fatalf("after gone: %+v", l)
	}
	// After a reconnect the list is asked again.
	if _, ok := d.WatchAgain(); !ok {
		t.Fatal("no watch after a reconnect")
	}
	if _, ok := d.Unwatch(); !ok || d.Watching() {
		t.Fatal("unwatch")
	}
	d.Apply(protocol.Event{Body: &protocol.SuperviseUpdate{Chats: []protocol.SupervisedChat{wait}}}, t0)
	if len(d.Supervised()) != 0 {
		t.Fatal("updates after unwatching")
	}
}

// The agent whose chat is taken over is told, and the chat moves to the recently ended ones.
func TestChatTakenOverFromTheAgent(t *testing.T) {
	d := newDesk()
	s := summary("a", 2)
	s.Agents = []protocol.Participant{anna}
	d.Apply(ready(s), t0)
	d.Apply(protocol.Event{Chat: "a", Seq: 3, Body: &protocol.Left{Role: protocol.RoleAgent, Name: "Anna", UserID: 7, As: protocol.PartOwner}}, t0)
	as, _ := d.Apply(protocol.Event{Chat: "a", Body: &protocol.TakenOver{By: protocol.Participant{UserID: 9, Name: "Sven", As: protocol.PartOwner}}}, t0)
	c := d.Chat("a")
	if !c.Closed || len(d.VisibleChats()) != 0 || len(d.VisibleEnded()) != 1 {
		t.Fatalf("the chat taken over: closed %v", c.Closed)
	}
	if l := c.Lines[len(c.Lines)-1]; !strings.Contains(l.Text, "Sven took this chat over") {
		t.Fatalf("last line %+v", l)
	}
	if !strings.Contains(d.Notice, "Sven took over your chat with Vera a") || len(as) != 1 || as[0].Kind != AlertNotify {
		t.Fatalf("notice %q alerts %+v", d.Notice, as)
	}
	if _, err := d.Send("a", "still there?", t0); err == nil {
		t.Fatal("wrote in a chat taken over")
	}
}

// A watch kept across a reload is stopped: the view starts closed.
func TestStaleWatchAfterReload(t *testing.T) {
	d := newDesk()
	d.RestoreUnacked([]protocol.Command{{ID: "w1", Body: &protocol.SuperviseWatch{}}})
	asSupervisor(d)
	stop, ok := d.StaleWatch()
	if !ok || !stop.Body.(*protocol.SuperviseWatch).Off {
		t.Fatalf("no stop for the stale watch: %+v", stop)
	}
	for _, c := range d.Unacked() {
		if w, ok := c.Body.(*protocol.SuperviseWatch); ok && !w.Off {
			t.Fatal("the stale watch is still kept")
		}
	}
	if _, again := d.StaleWatch(); again {
		t.Fatal("stopped twice")
	}
	d.Apply(protocol.Event{Body: &protocol.SuperviseList{Chats: []protocol.SupervisedChat{{ID: "a"}}}}, t0)
	if len(d.Supervised()) != 0 {
		t.Fatal("a list nobody asked for is shown")
	}
	// A watch the agent asked for is no stale one.
	acked(d, stop)
	d.Watch()
	if _, stale := d.StaleWatch(); stale {
		t.Fatal("the agent's own watch was stopped")
	}
}
