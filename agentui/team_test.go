package agentui

import (
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/shared/protocol"
)

// element is the start tag of the element whose attributes include attr (go-app writes
// attributes in no fixed order).
func element(html, attr string) string {
	i := strings.Index(html, attr)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(html[:i], "<")
	end := strings.Index(html[i:], ">")
	return html[start : i+end+1]
}

// lastCommand is the newest command the app sent.
func lastCommand(t *testing.T, s *fakeSocket) protocol.Command {
	t.Helper()
	cmds := commands(t, s)
	return cmds[len(cmds)-1]
}

// An invitation shows as a card with Accept and Decline; an observer's chat shows the part,
// the agents in it, and a composer on notes only, with the switch and leave actions.
func TestInvitationCardAndObserversChat(t *testing.T) {
	ready := *testReady
	p0 := newFake().now
	ready.Invitations = []protocol.Invitation{{
		Chat: protocol.ChatSummary{ID: "inv", Connector: "Shop", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}},
		From: protocol.Participant{UserID: 4, Name: "Ben", As: protocol.PartOwner}, As: protocol.PartObserver, Expires: p0.Add(45 * time.Second),
	}}
	ready.Chats = []protocol.ChatSummary{{ID: "obs", Connector: "Shop", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Otto"}, As: protocol.PartObserver,
		Agents: []protocol.Participant{{UserID: 5, Name: "Carla", As: protocol.PartOwner}, {UserID: 1, Name: "Anna", As: protocol.PartObserver}}}}
	e, a, p, s := signedInWith(t, &ready)
	html := app.HTMLString(a)
	for _, want := range []string{"Ben invites you", "Accept the invitation to the chat with Vera", "0:45", "Observing", "Carla", "composer composer-note", "Add note",
		"Switch to participant", "Leave chat", "Only agents see notes"} {
		if !strings.Contains(html, want) {
			t.Errorf("the desk lacks %q", want)
		}
	}
	if strings.Contains(html, "Close chat") || strings.Contains(html, "Invite a colleague") {
		t.Error("an observer is offered to close the chat or to invite")
	}
	if !strings.Contains(p.title, "1 invitation") {
		t.Errorf("title %q", p.title)
	}

	// Typing a note tells the agents only.
	a.ctx.NewActionWithValue(ActDraft, Draft{Chat: "obs", Text: "Hm"})
	e.ConsumeAll()
	if b, ok := lastCommand(t, s).Body.(*protocol.Typing); !ok || !b.On || !b.Internal {
		t.Fatalf("typing %+v", lastCommand(t, s))
	}
	a.ctx.NewActionWithValue(ActSend, Draft{Chat: "obs", Text: "Hm, looks fine."})
	e.ConsumeAll()
	if b, ok := lastCommand(t, s).Body.(*protocol.Send); !ok || !b.Internal {
		t.Fatalf("an observer's message is no note: %+v", lastCommand(t, s))
	}

	a.ctx.NewActionWithValue(ActInviteAccept, "inv")
	e.ConsumeAll()
	if c := lastCommand(t, s); c.Body.CommandType() != protocol.TypeInviteAccept || c.Chat != "inv" {
		t.Fatalf("accept %+v", c)
	}
	a.ctx.NewActionWithValue(ActJoin, JoinRequest{Chat: "obs", As: protocol.PartParticipant})
	e.ConsumeAll()
	if c := lastCommand(t, s); c.Body.(*protocol.ChatJoin).As != protocol.PartParticipant {
		t.Fatalf("join %+v", c)
	}
	if b := element(app.HTMLString(a), `id="join-participant"`); !strings.Contains(b, " disabled") {
		t.Errorf("the switch can be pressed twice: %s", b)
	}
	a.ctx.NewActionWithValue(ActLeave, "obs")
	e.ConsumeAll()
	leave := lastCommand(t, s)
	if leave.Body.CommandType() != protocol.TypeChatLeave {
		t.Fatalf("leave %+v", leave)
	}
	push(t, s, protocol.Event{ID: leave.ID, Body: &protocol.Ack{}})
	e.ConsumeAll()
	if a.desk.Chat("obs") != nil || strings.Contains(app.HTMLString(a), "Otto") {
		t.Fatal("the chat stayed after leaving")
	}
}

// The owner invites a colleague from the card, which lists the colleagues the server names;
// when the list cannot be had the card says so. Alt+N's action switches the
// composer, and the typing follows.
func TestInvitingFromTheCardAndNotes(t *testing.T) {
	ready := *testReady
	ready.Chats = []protocol.ChatSummary{{ID: "c1", Connector: "Shop", State: protocol.StateActive, Visitor: protocol.VisitorInfo{Name: "Vera"}}}
	e, a, p, s := signedInWith(t, &ready)

	p.http["GET /api/agents"] = fakeResponse{500, `{"error":{"code":"internal","message":"your colleagues could not be listed; try again"}}`}
	a.ctx.NewActionWithValue(ActInviteForm, "c1")
	e.ConsumeAll()
	if html := app.HTMLString(a); !strings.Contains(html, "your colleagues could not be listed; try again") {
		t.Fatalf("no word on the missing list: %s", html)
	}
	a.ctx.NewActionWithValue(ActInviteForm, "c1") // closes
	e.ConsumeAll()
	p.http["GET /api/agents"] = fakeResponse{200, `[{"id":1,"name":"Anna","online":true},{"id":4,"name":"Ben","online":true,"status":"Available","chats":1,"max_chats":3},{"id":5,"name":"Carla","online":false}]`}
	a.ctx.NewActionWithValue(ActInviteForm, "c1")
	e.ConsumeAll()
	html := app.HTMLString(a)
	for _, want := range []string{"Ben — Available, 1/3 chats", "Carla — offline", "Observer", "Participant"} {
		if !strings.Contains(html, want) {
			t.Errorf("the card lacks %q", want)
		}
	}
	picker := html[strings.Index(html, `id="invite-who"`):]
	if picker = picker[:strings.Index(picker, "</select>")]; strings.Contains(picker, "Anna") {
		t.Error("the agent is offered to invite themself")
	}
	a.ctx.NewActionWithValue(ActInvite, InviteRequest{Chat: "c1", Who: 4, As: protocol.PartParticipant})
	e.ConsumeAll()
	inv := lastCommand(t, s)
	if b := inv.Body.(*protocol.ChatInvite); b.UserID != 4 || b.As != protocol.PartParticipant || inv.Chat != "c1" {
		t.Fatalf("invite %+v", inv)
	}
	push(t, s, protocol.Event{ID: inv.ID, Body: &protocol.Ack{}})
	push(t, s, protocol.Event{Chat: "c1", Body: &protocol.InviteEnded{UserID: 4, Reason: "declined"}})
	e.ConsumeAll()
	if html := app.HTMLString(a); !strings.Contains(html, "Ben declined your invitation to the chat with Vera.") {
		t.Fatal("the decline is not told")
	}

	// A reply being typed becomes a note's typing when the composer switches.
	a.ctx.NewActionWithValue(ActDraft, Draft{Chat: "c1", Text: "Psst"})
	e.ConsumeAll()
	a.ctx.NewActionWithValue(ActNote, NoteSwitch{Chat: "c1", On: true, Draft: "Psst"})
	e.ConsumeAll()
	cmds := commands(t, s)
	off, on := cmds[len(cmds)-2].Body.(*protocol.Typing), cmds[len(cmds)-1].Body.(*protocol.Typing)
	if off.On || off.Internal || !on.On || !on.Internal {
		t.Fatalf("typing across the switch: %+v then %+v", off, on)
	}
	if html := app.HTMLString(a); !strings.Contains(html, "composer composer-note") {
		t.Fatal("the composer did not turn to notes")
	}
	// A colleague typing a reply shows above the composer.
	push(t, s, protocol.Event{Chat: "c1", Body: &protocol.TypingEvent{Role: protocol.RoleAgent, Name: "Ben", On: true, UserID: 4}})
	e.ConsumeAll()
	if html := app.HTMLString(a); !strings.Contains(html, "Ben is typing a reply to the visitor…") {
		t.Fatal("the colleague's typing does not show")
	}
}
