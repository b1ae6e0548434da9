package desk

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
)

// colleagues is a list as GET /api/agents gives it (Anna's view).
func colleagues() []Colleague {
	return []Colleague{
		{ID: 9, Name: "Zoe", Online: false, Availability: protocol.AvailSignedOut},
		{ID: 4, Name: "Ben", Online: true, AllowsChat: true, Availability: protocol.AvailAway},
		{ID: 5, Name: "Carla", Online: true, AllowsChat: true, Availability: protocol.AvailActive},
		{ID: 6, Name: "Dora", Online: true, Availability: protocol.AvailUnavailable},
		{ID: 8, Name: "Emil", Online: false, Availability: protocol.AvailInactive},
		{ID: 3, Name: "Old", Online: true}, // an older server: no availability
	}
}

func TestDirectContactsOrderAndLabels(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	d.SetColleagues(colleagues(), "")
	var got []string
	for _, c := range d.DirectContacts() {
		got = append(got, c.Name+":"+AvailabilityLabel(catalog.Printer{}, c.Availability)+":"+map[bool]string{true: "chat", false: "-"}[c.CanChat])
	}
	want := "Carla:Active:chat Old:Active:chat Ben:Away:chat Dora:Unavailable:chat Emil:Inactive:- Zoe:Signed out:-"
	if strings.Join(got, " ") != want {
		t.Fatalf("contacts\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	for _, a := range []protocol.Availability{protocol.AvailActive, protocol.AvailAway, protocol.AvailInactive, protocol.AvailUnavailable, protocol.AvailSignedOut, ""} {
		if AvailabilityLabel(catalog.Printer{}, a) == "" {
			t.Errorf("no label for %q", a)
		}
	}
}

// directSummary is Anna's direct chat with Ben as the server lists it.
func directSummary(id string, state protocol.ChatStatus) protocol.ChatSummary {
	return protocol.ChatSummary{ID: id, State: state, Kind: protocol.KindDirect, Visitor: protocol.VisitorInfo{Name: "Ben"},
		As: protocol.PartParticipant, Agents: []protocol.Participant{{UserID: 7, Name: "Anna", As: protocol.PartParticipant}}}
}

func TestStartDirectChat(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	d.SetColleagues(colleagues(), "")
	if chat := d.OpenDirect(4); chat != "" || d.DirectForm == nil || d.DirectForm.Name != "Ben" {
		t.Fatalf("the card for Ben: %q %+v", chat, d.DirectForm)
	}
	if _, ok := d.StartDirect("   "); ok || d.DirectForm.Error == "" {
		t.Fatal("an empty first message went out")
	}
	if _, ok := d.StartDirect("a\x00b"); ok || d.DirectForm.Error == "" {
		t.Fatal("a NUL went out")
	}
	cmd, ok := d.StartDirect("Ben, a minute?")
	if !ok {
		t.Fatalf("not sent: %+v", d.DirectForm)
	}
	if b, _ := cmd.Body.(*protocol.DirectStart); b == nil || b.UserID != 4 || b.Text != "Ben, a minute?" || cmd.Chat != "" {
		t.Fatalf("command %+v", cmd)
	}
	if _, again := d.StartDirect("Ben, a minute?"); again {
		t.Fatal("a second request went out while the first awaits its answer")
	}
	// The chat opens (before the ack), then the ack closes the card and shows the chat.
	d.Apply(protocol.Event{Chat: "dm", Body: &protocol.ChatOpened{Chat: directSummary("dm", protocol.StateQueued)}}, t0)
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Ack{Chat: "dm"}}, t0)
	c := d.Chat("dm")
	if d.DirectForm != nil || d.Selected != "dm" || c == nil || !c.Direct() || c.Title() != "Ben" || c.Presence() != "inactive" {
		t.Fatalf("after the ack: form %+v selected %q chat %+v", d.DirectForm, d.Selected, c)
	}
	// The button of a colleague with an open chat goes to it.
	for _, dc := range d.DirectContacts() {
		if dc.ID == 4 && dc.Chat != "dm" {
			t.Fatalf("Ben's contact %+v", dc)
		}
	}
	d.Select("")
	if chat := d.OpenDirect(4); chat != "dm" || d.Selected != "dm" || d.DirectForm != nil {
		t.Fatalf("the button of an open chat: %q selected %q", chat, d.Selected)
	}
	// Accepted: active; Ben's lines count as unread like a visitor's.
	d.Apply(protocol.Event{Chat: "dm", Seq: 1, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Anna", Text: "Ben, a minute?", At: t0}}, t0)
	d.Apply(protocol.Event{Chat: "dm", Seq: 2, Body: &protocol.Joined{Role: protocol.RoleAgent, Name: "Ben", UserID: 4, As: protocol.PartParticipant}}, t0)
	d.Apply(protocol.Event{Chat: "dm", Seq: 3, Body: &protocol.ChatState{State: protocol.StateActive, At: t0}}, t0)
	d.Selected = "" // the agent looks elsewhere
	d.Apply(protocol.Event{Chat: "dm", Seq: 4, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Ben", Text: "Sure", At: t0}}, t0)
	if c.Presence() != "active" || c.Unread != 1 {
		t.Fatalf("presence %s unread %d", c.Presence(), c.Unread)
	}
	// Closed: the button asks anew.
	d.Apply(protocol.Event{Chat: "dm", Seq: 5, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseAgent, At: t0}}, t0)
	if chat := d.OpenDirect(4); chat != "" || d.DirectForm == nil {
		t.Fatalf("after the close: %q %+v", chat, d.DirectForm)
	}
}

func TestStartDirectRefused(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	d.SetColleagues(colleagues(), "")
	d.OpenDirect(4)
	cmd, _ := d.StartDirect("hi")
	d.Apply(protocol.Event{ID: cmd.ID, Body: protocol.Errorf(protocol.CodeConflict, "Ben is not signed in")}, t0)
	if d.DirectForm == nil || d.DirectForm.Error != "Ben is not signed in" || d.DirectForm.Sending != "" || d.Notice != "" {
		t.Fatalf("after the refusal: %+v notice %q", d.DirectForm, d.Notice)
	}
	if _, ok := d.StartDirect("hi again"); !ok {
		t.Fatal("a new try after a refusal was not sent")
	}
	// Without a card, nothing goes out.
	d.CloseDirect()
	if _, ok := d.StartDirect("hi"); ok {
		t.Fatal("sent without a card")
	}
	if d.OpenDirect(12345) != "" || d.DirectForm != nil {
		t.Fatal("a card for someone not in the list")
	}
}

func TestActivityReportsAreSpaced(t *testing.T) {
	d := newDesk()
	if _, ok := d.Activity(t0); ok {
		t.Fatal("activity reported while offline")
	}
	d.Apply(ready(), t0)
	if c, ok := d.Activity(t0); !ok || c.Body.CommandType() != protocol.TypeActivity {
		t.Fatalf("first activity: %v %+v", ok, c)
	}
	if _, ok := d.Activity(t0.Add(ActivityEvery - time.Millisecond)); ok {
		t.Fatal("reported again too soon")
	}
	if _, ok := d.Activity(t0.Add(ActivityEvery)); !ok {
		t.Fatal("not reported after the interval")
	}
	// A clock that went back does not silence the reports.
	if _, ok := d.Activity(t0.Add(-time.Hour)); !ok {
		t.Fatal("not reported after the clock went back")
	}
	if len(d.Unacked()) != 0 {
		t.Fatal("activity reports wait in the outbox")
	}
}

func TestColleaguesDue(t *testing.T) {
	d := newDesk()
	if d.ColleaguesDue(t0) {
		t.Fatal("due while offline")
	}
	d.Apply(ready(), t0)
	if !d.ColleaguesDue(t0) {
		t.Fatal("never read: not due")
	}
	d.ColleaguesRequested(t0)
	d.SetColleagues(colleagues(), "")
	if d.ColleaguesDue(t0.Add(ColleaguesEvery - time.Second)) {
		t.Fatal("due too soon")
	}
	if !d.ColleaguesDue(t0.Add(ColleaguesEvery)) {
		t.Fatal("not due after the interval")
	}
	d.ColleaguesRequested(t0.Add(ColleaguesEvery))
	d.Apply(protocol.Event{Body: &protocol.ColleaguesChanged{}}, t0)
	if !d.ColleaguesDue(t0.Add(ColleaguesEvery + time.Second)) {
		t.Fatal("a presence change did not make the list due")
	}
	d.ColleaguesState = "loading"
	if d.ColleaguesDue(t0.Add(time.Hour)) {
		t.Fatal("due while loading")
	}
}

// An invitation card for a chat between agents, restored after a reload, is a request.
func TestDirectRequestInReady(t *testing.T) {
	d := newDesk()
	ev := ready()
	s := directSummary("dm", protocol.StateQueued)
	s.Visitor.Name = "Ben"
	ev.Body.(*protocol.AgentReady).Invitations = []protocol.Invitation{{Chat: s, From: protocol.Participant{UserID: 4, Name: "Ben", As: protocol.PartParticipant},
		As: protocol.PartParticipant, Expires: t0.Add(2 * time.Minute)}}
	d.Apply(ev, t0)
	if inv := d.Invitation("dm"); inv == nil || inv.Chat.Kind != protocol.KindDirect {
		t.Fatalf("the request after ready: %+v", inv)
	}
	cmd, ok := d.AcceptInvite("dm")
	if !ok || cmd.Body.CommandType() != protocol.TypeInviteAccept {
		t.Fatalf("accept %+v", cmd)
	}
}

// A chat with a colleague adds no connector to the filter and passes every filter.
func TestDirectChatAndConnectorFilter(t *testing.T) {
	d := newDesk()
	d.Apply(ready(summary("v", 0), directSummary("dm", protocol.StateActive)), t0)
	if cs := d.Connectors(); len(cs) != 1 || cs[0].Name != "Shop" {
		t.Fatalf("connectors %+v", cs)
	}
	d.SetFilter(99)
	if vs := d.VisibleChats(); len(vs) != 1 || vs[0].ID != "dm" {
		t.Fatalf("visible with a filter: %+v", vs)
	}
}

// A declined request ends the chat with the chat's own words, not a banner about invitations.
func TestDirectRequestDeclined(t *testing.T) {
	d := newDesk()
	d.Apply(ready(directSummary("dm", protocol.StateQueued)), t0)
	d.Apply(protocol.Event{Chat: "dm", Body: &protocol.InviteEnded{UserID: 4, Reason: "declined"}}, t0)
	d.Apply(protocol.Event{Chat: "dm", Seq: 1, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseDeclined, At: t0}}, t0)
	c := d.Chat("dm")
	if d.Notice != "" || !c.Closed || c.Lines[len(c.Lines)-1].Text != "The colleague declined the chat" {
		t.Fatalf("notice %q closed %v lines %+v", d.Notice, c.Closed, c.Lines)
	}
}
