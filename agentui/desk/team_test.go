package desk

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
)

// The agent is Anna (id 7, see ready); Ben (4) and Carla (5) are colleagues.
var (
	anna  = protocol.Participant{UserID: 7, Name: "Anna", As: protocol.PartOwner}
	ben   = protocol.Participant{UserID: 4, Name: "Ben", As: protocol.PartObserver}
	carla = protocol.Participant{UserID: 5, Name: "Carla", As: protocol.PartParticipant}
)

// acked answers command c with an ack.
func acked(d *Desk, c protocol.Command) {
	d.Apply(protocol.Event{ID: c.ID, Body: &protocol.Ack{}}, t0)
}

// typingOf reads a typing command.
func typingOf(t *testing.T, c protocol.Command) (on, internal bool) {
	t.Helper()
	b, ok := c.Body.(*protocol.Typing)
	if !ok {
		t.Fatalf("%s is no typing command", c.Body.CommandType())
	}
	return b.On, b.Internal
}

func TestNotesAreInternalAndNoReply(t *testing.T) {
	d := newDesk()
	s := summary("a", 0)
	s.Agents = []protocol.Participant{anna}
	d.Apply(ready(s), t0)
	c := d.Chat("a")
	if c.Part() != protocol.PartOwner || !c.Writes() || c.Noting() {
		t.Fatalf("the owner's composer: part %s writes %v noting %v", c.Part(), c.Writes(), c.Noting())
	}
	d.Apply(msg("a", 1, protocol.RoleVisitor, "Where is my parcel?"), t0)

	d.SetNote("a", true, "", t0)
	cmd, err := d.Send("a", "Checked the warehouse: it left on Monday.", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if b := cmd.Body.(*protocol.Send); !b.Internal {
		t.Fatal("a note went out as a message to the visitor")
	}
	if l := c.Lines[len(c.Lines)-1]; !l.Internal || !l.Pending {
		t.Fatalf("the pending note line %+v", l)
	}
	if !c.LastReply.IsZero() {
		t.Fatal("a note counted as a reply to the visitor")
	}
	d.Apply(protocol.Event{Chat: "a", Seq: 2, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Anna", Text: "Checked the warehouse: it left on Monday.", ClientID: cmd.ID, Internal: true, At: t0}}, t0)
	if n := len(c.Lines); n != 2 || !c.Lines[1].Internal || c.Lines[1].Pending {
		t.Fatalf("lines after the note's echo: %+v", c.Lines)
	}
	if !c.WaitingForReply() {
		t.Fatal("after a note the visitor still waits for a reply")
	}

	// Back to replies: the next message goes to the visitor.
	d.SetNote("a", false, "", t0)
	cmd, _ = d.Send("a", "It is on its way.", t0.Add(2*time.Minute))
	if cmd.Body.(*protocol.Send).Internal {
		t.Fatal("a reply went out as a note")
	}

	// A note restored after a reload shows as a pending note again.
	d2 := newDesk()
	d2.RestoreUnacked([]protocol.Command{{ID: "x1", Chat: "a", Body: &protocol.Send{Text: "psst", Internal: true}}})
	d2.Apply(ready(summary("a", 0)), t0)
	if l := d2.Chat("a").Lines; len(l) != 1 || !l[0].Internal || !l[0].Pending {
		t.Fatalf("restored note %+v", l)
	}
}

func TestAnObserverWritesOnlyNotes(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	s := summary("a", 3)
	s.As, s.Agents = protocol.PartObserver, []protocol.Participant{{UserID: 4, Name: "Ben", As: protocol.PartOwner}, {UserID: 7, Name: "Anna", As: protocol.PartObserver}}
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.ChatOpened{Chat: s}}, t0)
	c := d.Chat("a")
	if c.Writes() || !c.Noting() || PartLabel(catalog.Printer{}, c.Part()) != "Observing" {
		t.Fatalf("observer: writes %v noting %v label %q", c.Writes(), c.Noting(), PartLabel(catalog.Printer{}, c.Part()))
	}
	d.SetNote("a", false, "", t0)
	if !c.Noting() {
		t.Fatal("an observer's composer switched to replies")
	}
	cmd, _ := d.Send("a", "Looks fine to me.", t0)
	if !cmd.Body.(*protocol.Send).Internal {
		t.Fatal("an observer wrote to the visitor")
	}
	cs := c.Colleagues(7)
	if len(cs) != 1 || cs[0].Name != "Ben" {
		t.Fatalf("colleagues %+v", cs)
	}
}

func TestTypingFollowsTheComposersMode(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0)), t0)
	cmds := d.Typed("a", "H", t0)
	if len(cmds) != 1 {
		t.Fatalf("start typing: %d commands", len(cmds))
	}
	if on, internal := typingOf(t, cmds[0]); !on || internal {
		t.Fatal("a reply's typing must be on and not internal")
	}
	if cmds := d.Typed("a", "He", t0.Add(time.Second)); len(cmds) != 0 {
		t.Fatal("typing is said once, not per keystroke")
	}
	// Switching to a note mid-text ends the visitor's typing and starts an internal one.
	cmds = d.SetNote("a", true, "He", t0.Add(2*time.Second))
	if len(cmds) != 2 {
		t.Fatalf("switch to note: %d commands", len(cmds))
	}
	if on, internal := typingOf(t, cmds[0]); on || internal {
		t.Fatal("the visitor's typing did not end first")
	}
	if on, internal := typingOf(t, cmds[1]); !on || !internal {
		t.Fatal("the note's typing is not internal")
	}
	// Going on typing repeats it now and then, so that colleagues do not take it for gone.
	if cmds := d.Typed("a", "Hel", t0.Add(2*time.Second+TypingRefresh)); len(cmds) != 1 {
		t.Fatalf("refresh: %d commands", len(cmds))
	}
	// Idle: it ends as internal.
	cmds = d.TypingIdle(t0.Add(20 * time.Second))
	if len(cmds) != 1 {
		t.Fatalf("idle: %d commands", len(cmds))
	}
	if on, internal := typingOf(t, cmds[0]); on || !internal {
		t.Fatal("the note's typing ended as a reply's")
	}
	// A sent message ends typing without a word; emptying the text says it.
	d.Typed("a", "x", t0.Add(30*time.Second))
	if _, err := d.Send("a", "x", t0.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if len(d.StopTyping("a")) != 0 || len(d.TypingIdle(t0.Add(time.Hour))) != 0 {
		t.Fatal("typing went on after the message")
	}
	d.Typed("a", "y", t0.Add(40*time.Second))
	if cmds := d.Typed("a", "  ", t0.Add(41*time.Second)); len(cmds) != 1 {
		t.Fatal("emptying the composer did not end typing")
	}
	// Switching without typing says nothing.
	if cmds := d.SetNote("a", false, "", t0); len(cmds) != 0 {
		t.Fatal("a switch without text sent typing")
	}
}

func TestColleaguesTyping(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("a", 0)), t0)
	c := d.Chat("a")
	typing := func(uid int64, name string, on, internal bool, at time.Time) {
		d.Apply(protocol.Event{Chat: "a", Body: &protocol.TypingEvent{Role: protocol.RoleAgent, Name: name, On: on, UserID: uid, Internal: internal}}, at)
	}
	typing(7, "Anna", true, false, t0) // the agent's own, from another window
	if text, _ := c.ColleaguesTyping(); text != "" {
		t.Fatalf("the agent's own typing shows: %q", text)
	}
	typing(4, "Ben", true, false, t0)
	if text, replying := c.ColleaguesTyping(); text != "Ben is typing a reply to the visitor…" || !replying {
		t.Fatalf("%q %v", text, replying)
	}
	typing(5, "Carla", true, true, t0)
	if text, _ := c.ColleaguesTyping(); text != "Ben is typing a reply to the visitor; Carla is typing an internal note…" {
		t.Fatalf("%q", text)
	}
	typing(4, "Ben", true, true, t0)
	if text, replying := c.ColleaguesTyping(); text != "Ben and Carla are typing internal notes…" || replying {
		t.Fatalf("%q %v", text, replying)
	}
	// Ben's note arrives: his typing is over.
	d.Apply(protocol.Event{Chat: "a", Seq: 1, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Ben", Text: "done", Internal: true, At: t0}}, t0)
	if text, _ := c.ColleaguesTyping(); text != "Carla is typing an internal note…" {
		t.Fatalf("%q", text)
	}
	// Carla's typing is not heard of again: it ends by itself.
	d.Tick(t0.Add(TypistStale - time.Second))
	if len(c.Typing) != 1 {
		t.Fatal("typing ended too early")
	}
	d.Tick(t0.Add(TypistStale))
	if len(c.Typing) != 0 {
		t.Fatal("a stale typing stayed")
	}
	typing(4, "Ben", true, false, t0)
	typing(4, "Ben", false, false, t0)
	if len(c.Typing) != 0 {
		t.Fatal("typing off was ignored")
	}
	typing(4, "Ben", true, false, t0)
	d.Apply(protocol.Event{Chat: "a", Seq: 2, Body: &protocol.Left{Role: protocol.RoleAgent, Name: "Ben", UserID: 4, As: protocol.PartParticipant}}, t0)
	if len(c.Typing) != 0 {
		t.Fatal("an agent who left still types")
	}
}

func TestInvitationReceivedAcceptedAndEnded(t *testing.T) {
	d := newDesk()
	r := ready()
	inv := protocol.Invitation{Chat: summary("b", 5), From: protocol.Participant{UserID: 4, Name: "Ben", As: protocol.PartOwner}, As: protocol.PartObserver, Expires: t0.Add(60 * time.Second)}
	r.Body.(*protocol.AgentReady).Invitations = []protocol.Invitation{inv}
	d.Apply(r, t0)
	if len(d.Invites) != 1 || d.PendingInvites() != 1 || d.Title("P") != "* 1 invitation · P" {
		t.Fatalf("invites from agent.ready: %d, title %q", len(d.Invites), d.Title("P"))
	}
	i := d.Invitation("b")
	if i.Remaining(t0.Add(15*time.Second)) != 45*time.Second || i.Fraction(t0.Add(30*time.Second)) != 0.5 {
		t.Fatal("countdown wrong")
	}

	// A second invitation rings and, in the background, notifies.
	d.SetFocused(false)
	inv2 := inv
	inv2.Chat = summary("c", 2)
	alerts, _ := d.Apply(protocol.Event{Chat: "c", Body: &inv2}, t0)
	if got := kinds(alerts); len(got) != 2 || got[0] != AlertOfferSound || got[1] != AlertNotify || !strings.Contains(alerts[1].Title, "Ben invites you") {
		t.Fatalf("alerts %v %+v", got, alerts)
	}
	d.SetFocused(true)

	cmd, ok := d.AcceptInvite("b")
	if !ok || cmd.Body.CommandType() != protocol.TypeInviteAccept || cmd.Chat != "b" {
		t.Fatalf("accept %+v", cmd)
	}
	if _, again := d.AcceptInvite("b"); again {
		t.Fatal("accepted twice")
	}
	// The server opens the chat in the part offered, ends the invitation and acks.
	s := summary("b", 5)
	s.As, s.Agents = protocol.PartObserver, []protocol.Participant{{UserID: 4, Name: "Ben", As: protocol.PartOwner}, {UserID: 7, Name: "Anna", As: protocol.PartObserver}}
	d.Apply(protocol.Event{Chat: "b", Body: &protocol.ChatOpened{Chat: s}}, t0)
	d.Apply(protocol.Event{Chat: "b", Body: &protocol.InviteEnded{UserID: 7, Reason: "accepted"}}, t0)
	acked(d, cmd)
	if d.Invitation("b") != nil || d.Selected != "b" || d.Chat("b").Part() != protocol.PartObserver {
		t.Fatalf("after accepting: invite %v selected %q part %s", d.Invitation("b"), d.Selected, d.Chat("b").Part())
	}

	// Decline: gone on the ack.
	cmd, _ = d.DeclineInvite("c")
	acked(d, cmd)
	if d.Invitation("c") != nil {
		t.Fatal("a declined invitation stayed")
	}
	// One that expires goes when the server says so, or after its time.
	d.Apply(protocol.Event{Chat: "c", Body: &inv2}, t0)
	d.Apply(protocol.Event{Chat: "c", Body: &protocol.InviteEnded{UserID: 7, Reason: "expired"}}, t0)
	if d.Invitation("c") != nil {
		t.Fatal("an ended invitation stayed")
	}
	d.Apply(protocol.Event{Chat: "c", Body: &inv2}, t0)
	d.Tick(t0.Add(61 * time.Second))
	if d.Invitation("c") == nil {
		t.Fatal("an invitation went before the grace period")
	}
	d.Tick(t0.Add(63 * time.Second))
	if d.Invitation("c") != nil {
		t.Fatal("an expired invitation stayed")
	}
	// A refused accept drops it and says why.
	d.Apply(protocol.Event{Chat: "c", Body: &inv2}, t0)
	cmd, _ = d.AcceptInvite("c")
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeConflict, Message: "the invitation is no longer open"}}, t0)
	if d.Invitation("c") != nil || d.Notice != "the invitation is no longer open" {
		t.Fatalf("refused accept: %v %q", d.Invitation("c"), d.Notice)
	}
}

func TestInvitingAColleague(t *testing.T) {
	d := newDesk()
	s := summary("a", 1)
	s.Agents = []protocol.Participant{anna, carla}
	d.Apply(ready(s), t0)
	c := d.Chat("a")
	if !d.MayInvite(c) {
		t.Fatal("the owner may not invite")
	}
	if !d.OpenInvite("a") || c.InviteForm.As != protocol.PartObserver {
		t.Fatal("the card did not open with the observer's part")
	}
	d.SetColleagues([]Colleague{
		{ID: 7, Name: "Anna", Online: true},
		{ID: 9, Name: "dora", Online: false},
		{ID: 5, Name: "Carla", Online: true},
		{ID: 4, Name: "Ben", Online: true, Status: "Available", Chats: 1, MaxChats: 3},
	}, "")
	var labels []string
	for _, ch := range d.InviteChoices("a") {
		labels = append(labels, ch.Label())
	}
	if got := strings.Join(labels, " | "); got != "Ben — Available, 1/3 chats | Carla — in this chat | dora — offline" {
		t.Fatalf("choices %q", got)
	}
	// Nobody who can be invited: the card says so.
	if _, ok := d.Invite("a", 9, protocol.PartObserver); ok || c.InviteForm == nil || c.InviteForm.Error == "" {
		t.Fatal("an offline colleague was invited")
	}
	cmd, ok := d.Invite("a", 4, protocol.PartObserver)
	if !ok || c.InviteForm != nil {
		t.Fatal("the invitation did not go, or the card stayed")
	}
	if b := cmd.Body.(*protocol.ChatInvite); b.UserID != 4 || b.As != protocol.PartObserver {
		t.Fatalf("invite %+v", b)
	}
	if len(c.Invited) != 1 || c.Invited[0].Acked {
		t.Fatal("the invitation does not show as being sent")
	}
	if ch := d.InviteChoices("a"); ch[0].Name != "Ben" || ch[0].Why != "invited" {
		t.Fatalf("Ben can be invited twice: %+v", ch)
	}
	acked(d, cmd)
	if !c.Invited[0].Acked {
		t.Fatal("the ack did not settle the invitation")
	}
	// Ben declines: the app says so and the invitation goes.
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.InviteEnded{UserID: 4, Reason: "declined"}}, t0)
	if len(c.Invited) != 0 || d.Notice != "Ben declined your invitation to the chat with Vera a." {
		t.Fatalf("declined: %d %q", len(c.Invited), d.Notice)
	}
	// Again, and he accepts: his join settles it.
	cmd, _ = d.Invite("a", 4, protocol.PartParticipant)
	acked(d, cmd)
	d.Apply(protocol.Event{Chat: "a", Seq: 1, Body: &protocol.Joined{Role: protocol.RoleAgent, Name: "Ben", UserID: 4, As: protocol.PartParticipant}}, t0)
	if len(c.Invited) != 0 || !c.has(4) {
		t.Fatal("Ben's join did not settle the invitation")
	}
	if l := c.Lines[len(c.Lines)-1].Text; l != "Ben joined the chat as a participant" {
		t.Fatalf("join line %q", l)
	}
	// A refusal drops the invitation and says why.
	d.Notice = ""
	d.SetColleagues([]Colleague{{ID: 9, Name: "Dora", Online: true}}, "")
	cmd, _ = d.Invite("a", 9, protocol.PartObserver)
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeConflict, Message: "Dora is not signed in"}}, t0)
	if len(c.Invited) != 0 || d.Notice != "Dora is not signed in" {
		t.Fatalf("refused: %d %q", len(c.Invited), d.Notice)
	}
	// The list could not be had.
	d.SetColleagues(nil, "no list")
	if d.ColleaguesState != "no list" {
		t.Fatal(d.ColleaguesState)
	}
	// An observer may not invite (unless a supervisor).
	c.As = protocol.PartObserver
	if d.MayInvite(c) {
		t.Fatal("an observer may invite")
	}
	d.User.Role = "supervisor"
	if !d.MayInvite(c) {
		t.Fatal("a supervisor in the chat may not invite")
	}
}

func TestSwitchingPartsAndLeaving(t *testing.T) {
	d := newDesk()
	own := summary("own", 1)
	s := summary("a", 0)
	s.As, s.Agents = protocol.PartObserver, []protocol.Participant{{UserID: 4, Name: "Ben", As: protocol.PartOwner}, {UserID: 7, Name: "Anna", As: protocol.PartObserver}}
	d.Apply(ready(own, s), t0)
	d.Select("a")
	c := d.Chat("a")
	if _, ok := d.Join("a", protocol.PartObserver); ok {
		t.Fatal("switched to the part the agent has")
	}
	if _, ok := d.Leave("own"); ok {
		t.Fatal("the owner left the chat")
	}
	cmd, ok := d.Join("a", protocol.PartParticipant)
	if !ok || cmd.Body.(*protocol.ChatJoin).As != protocol.PartParticipant || c.Switching != protocol.PartParticipant {
		t.Fatal("no switch")
	}
	if _, again := d.Join("a", protocol.PartParticipant); again {
		t.Fatal("switched twice")
	}
	// The server leaves the old part and joins the new.
	d.Apply(protocol.Event{Chat: "a", Seq: 1, Body: &protocol.Left{Role: protocol.RoleAgent, Name: "Anna", UserID: 7, As: protocol.PartObserver}}, t0)
	d.Apply(protocol.Event{Chat: "a", Seq: 2, Body: &protocol.Joined{Role: protocol.RoleAgent, Name: "Anna", UserID: 7, As: protocol.PartParticipant}}, t0)
	acked(d, cmd)
	if c.Part() != protocol.PartParticipant || !c.Writes() || c.Noting() || c.Switching != "" || d.Chat("a") == nil {
		t.Fatalf("after the switch: part %s writes %v", c.Part(), c.Writes())
	}
	if l := c.Lines[len(c.Lines)-1].Text; l != "You joined the chat as a participant" {
		t.Fatalf("line %q", l)
	}
	if cs := c.Colleagues(7); len(cs) != 1 || !c.has(7) {
		t.Fatalf("agents %+v", c.Agents)
	}
	// A refused switch lets the agent try again.
	cmd, _ = d.Join("a", protocol.PartObserver)
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeConflict, Message: "no"}}, t0)
	if c.Switching != "" || c.Part() != protocol.PartParticipant {
		t.Fatal("a refused switch stuck")
	}
	// Leaving: the chat goes once the server confirms, and the agent's own chat shows.
	cmd, ok = d.Leave("a")
	if !ok || cmd.Body.CommandType() != protocol.TypeChatLeave {
		t.Fatal("no leave")
	}
	if _, again := d.Leave("a"); again {
		t.Fatal("left twice")
	}
	d.Apply(protocol.Event{Chat: "a", Seq: 3, Body: &protocol.Left{Role: protocol.RoleAgent, Name: "Anna", UserID: 7, As: protocol.PartParticipant}}, t0)
	if d.Chat("a") == nil {
		t.Fatal("the chat went before the ack")
	}
	acked(d, cmd)
	if d.Chat("a") != nil || d.Selected != "own" {
		t.Fatalf("after leaving: chat %v selected %q", d.Chat("a"), d.Selected)
	}
	// Nothing of it comes back with later events.
	d.Apply(protocol.Event{Chat: "a", Seq: 4, Body: &protocol.Message{Role: protocol.RoleVisitor, Text: "hi", At: t0}}, t0)
	if d.Chat("a") != nil {
		t.Fatal("the chat came back")
	}
}

func TestAgentsFollowJoinsAndHistory(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	// Opened with the agents now in it; the history replays joins and leaves from the start
	// and ends where the summary is.
	s := summary("a", 5)
	s.Agents = []protocol.Participant{anna, {UserID: 4, Name: "Ben", As: protocol.PartParticipant}}
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.ChatOpened{Chat: s}}, t0)
	for _, ev := range []protocol.Event{
		{Chat: "a", Seq: 1, Body: &protocol.Joined{Role: protocol.RoleAgent, Name: "Anna", UserID: 7}},
		{Chat: "a", Seq: 2, Body: &protocol.Joined{Role: protocol.RoleAgent, Name: "Ben", UserID: 4, As: protocol.PartObserver}},
		{Chat: "a", Seq: 3, Body: &protocol.Joined{Role: protocol.RoleAgent, Name: "Carla", UserID: 5, As: protocol.PartSupervisor}},
		{Chat: "a", Seq: 4, Body: &protocol.Left{Role: protocol.RoleAgent, Name: "Ben", UserID: 4, As: protocol.PartObserver}},
		{Chat: "a", Seq: 5, Body: &protocol.Joined{Role: protocol.RoleAgent, Name: "Ben", UserID: 4, As: protocol.PartParticipant}},
		{Chat: "a", Seq: 6, Body: &protocol.Left{Role: protocol.RoleAgent, Name: "Carla", UserID: 5, As: protocol.PartSupervisor}},
	} {
		d.Apply(ev, t0)
	}
	c := d.Chat("a")
	var got []string
	for _, p := range c.Colleagues(7) {
		got = append(got, p.Name+":"+string(p.As))
	}
	if strings.Join(got, ",") != "Ben:participant" || c.Part() != protocol.PartOwner {
		t.Fatalf("agents %v, part %s", got, c.Part())
	}
	if texts := texts(d, "a"); !strings.Contains(texts, "You joined the chat") || !strings.Contains(texts, "Carla left the chat (supervisor)") || !strings.Contains(texts, "Ben joined the chat as an observer (the visitor does not see this)") {
		t.Fatalf("lines:\n%s", texts)
	}
	// A reconnect's agent.ready brings the agents as they are now.
	s.Agents = []protocol.Participant{anna}
	s.Seq = 6
	d.Apply(ready(s), t0)
	if len(c.Colleagues(7)) != 0 {
		t.Fatal("agent.ready's agents were not taken")
	}
}
