package chat_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestAvailability: the colours of the document, from presence and the time since the last
// activity.
func TestAvailability(t *testing.T) {
	now := t0.Add(time.Hour)
	idle := 5 * time.Minute
	for _, tc := range []struct {
		name string
		p    chat.Presence
		want protocol.Availability
	}{
		{"signed out", chat.Presence{}, protocol.AvailSignedOut},
		{"signed out whatever else", chat.Presence{Connected: true, AllowsChat: true, LastActive: now}, protocol.AvailSignedOut},
		{"connection gone", chat.Presence{SignedIn: true, AllowsChat: true, LastActive: now}, protocol.AvailInactive},
		{"status takes no chats", chat.Presence{SignedIn: true, Connected: true, LastActive: now}, protocol.AvailUnavailable},
		{"unavailable and idle", chat.Presence{SignedIn: true, Connected: true, LastActive: now.Add(-time.Hour)}, protocol.AvailUnavailable},
		{"active just now", chat.Presence{SignedIn: true, Connected: true, AllowsChat: true, LastActive: now}, protocol.AvailActive},
		{"active just under", chat.Presence{SignedIn: true, Connected: true, AllowsChat: true, LastActive: now.Add(-idle + time.Nanosecond)}, protocol.AvailActive},
		{"away at the threshold", chat.Presence{SignedIn: true, Connected: true, AllowsChat: true, LastActive: now.Add(-idle)}, protocol.AvailAway},
		{"away long", chat.Presence{SignedIn: true, Connected: true, AllowsChat: true, LastActive: now.Add(-24 * time.Hour)}, protocol.AvailAway},
		{"activity unknown", chat.Presence{SignedIn: true, Connected: true, AllowsChat: true}, protocol.AvailActive},
		{"clock behind", chat.Presence{SignedIn: true, Connected: true, AllowsChat: true, LastActive: now.Add(time.Minute)}, protocol.AvailActive},
	} {
		if got := chat.Availability(tc.p, now, idle); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := chat.Availability(chat.Presence{SignedIn: true, Connected: true, AllowsChat: true, LastActive: t0}, now, 0); got != protocol.AvailActive {
		t.Errorf("no threshold: %s", got)
	}
}

// availabilityOf is a colleague's availability in agent n's list.
func (e *env) availabilityOf(n int, name string) protocol.Availability {
	e.t.Helper()
	list, err := e.svc.Colleagues(context.Background(), e.agents[n])
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range list {
		if c.Name == name {
			return c.Availability
		}
	}
	e.t.Fatalf("%s is not in the list %+v", name, list)
	return ""
}

// TestColleaguesAvailability: a colleague is active on connecting, away once the tenant's idle
// threshold passes without activity, active again on activity, unavailable in a status that
// takes no chats, inactive while the connection is gone and signed out after the reconnect
// window; colleagues are told of sign-ins, sign-outs and status changes.
func TestColleaguesAvailability(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		ts, err := e.st.TenantSettings(ctx, e.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		ts.AgentIdle = 30 * time.Second
		if _, err := e.st.SaveTenantSettings(ctx, ts); err != nil {
			t.Fatal(err)
		}
		if err := e.bus.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		anna, _ := e.agent(0)
		if got := e.availabilityOf(0, "Ben"); got != protocol.AvailSignedOut {
			t.Fatalf("Ben before signing in: %s", got)
		}
		ben, _ := e.agent(1)
		anna.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.ColleaguesChanged); return ok })
		if got := e.availabilityOf(0, "Ben"); got != protocol.AvailActive {
			t.Fatalf("Ben signed in: %s", got)
		}
		e.clk.Advance(29 * time.Second)
		if got := e.availabilityOf(0, "Ben"); got != protocol.AvailActive {
			t.Fatalf("Ben after 29 s: %s", got)
		}
		e.clk.Advance(time.Second)
		if got := e.availabilityOf(0, "Ben"); got != protocol.AvailAway {
			t.Fatalf("Ben after 30 s: %s", got)
		}
		anna.takeTransient()
		ben.call("", &protocol.Activity{})
		anna.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.ColleaguesChanged); return ok })
		if got := e.availabilityOf(0, "Ben"); got != protocol.AvailActive {
			t.Fatalf("Ben after activity: %s", got)
		}
		var pause int64
		statuses, _ := e.st.Statuses(ctx, e.tenant.ID)
		for _, s := range statuses {
			if s.Name == "Pause" {
				pause = s.ID
			}
		}
		ben.call("", &protocol.StatusSet{Status: pause})
		if got := e.availabilityOf(0, "Ben"); got != protocol.AvailUnavailable {
			t.Fatalf("Ben in pause: %s", got)
		}
		ben.Close(protocol.CloseStale, "gone")
		ben.ss.Closed()
		if got := e.availabilityOf(0, "Ben"); got != protocol.AvailInactive {
			t.Fatalf("Ben's connection gone: %s", got)
		}
		e.clk.Advance(61 * time.Second) // the reconnect window
		if got := e.availabilityOf(0, "Ben"); got != protocol.AvailSignedOut {
			t.Fatalf("Ben gone: %s", got)
		}
	})
}

// startDirect has agent cl ask colleague uid for a chat and returns its id.
func startDirect(t *testing.T, cl *client, uid int64, text string) string {
	t.Helper()
	a, ok := cl.call("", &protocol.DirectStart{UserID: uid, Text: text}).Body.(*protocol.Ack)
	if !ok || a.Chat == "" {
		t.Fatalf("direct.start answered %+v", a)
	}
	return a.Chat
}

// invitationTo waits for the invitation into chatID.
func invitationTo(cl *client, chatID string) *protocol.Invitation {
	return cl.find(func(ev protocol.Event) bool {
		inv, ok := ev.Body.(*protocol.Invitation)
		return ok && inv.Chat.ID == chatID
	}).Body.(*protocol.Invitation)
}

// TestDirectChat: Anna asks Ben for a chat with a first message; she has the chat at once,
// Ben gets the request with the message's sender and accepts; they write, type and close like
// in any chat; a visitor never sees any of it and nobody's visitor capacity is used.
func TestDirectChat(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		annaU := e.agents[0]
		annaU.MaxChats = 1
		if _, err := e.st.UpdateUser(ctx, annaU); err != nil {
			t.Fatal(err)
		}
		if err := e.bus.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		benID := e.agents[1].ID

		id := "dm-1"
		anna.send(id, "", &protocol.DirectStart{UserID: benID, Text: "Ben, do you have a minute?"})
		ack, ok := answer(t, anna.conn, id).Body.(*protocol.Ack)
		if !ok || ack.Chat == "" {
			t.Fatalf("direct.start: %+v", ack)
		}
		chatID := ack.Chat
		opened := anna.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.ChatOpened); return ok }).Body.(*protocol.ChatOpened)
		if opened.Chat.ID != chatID || opened.Chat.Kind != protocol.KindDirect || opened.Chat.Visitor.Name != "Ben" ||
			opened.Chat.State != protocol.StateQueued || opened.Chat.ConnectorID != 0 {
			t.Fatalf("Anna's chat.opened %+v", opened.Chat)
		}
		// A retry of the same command is the same chat; another command while the two have a
		// chat names that chat; the same id with another body is a conflict.
		anna.send(id, "", &protocol.DirectStart{UserID: benID, Text: "Ben, do you have a minute?"})
		if again, _ := answer(t, anna.conn, id).Body.(*protocol.Ack); again == nil || again.Chat != chatID {
			t.Fatalf("retry answered %+v", again)
		}
		if other := startDirect(t, anna, benID, "Hello?"); other != chatID {
			t.Fatalf("a second request opened %s", other)
		}
		if other := startDirect(t, ben, annaU.ID, "Anna?"); other != chatID {
			t.Fatalf("Ben asking Anna back opened %s", other)
		}
		anna.send(id, "", &protocol.DirectStart{UserID: benID, Text: "something else"})
		if c := code(answer(t, anna.conn, id)); c != protocol.CodeConflict {
			t.Fatalf("same id, other text: %q", c)
		}

		inv := invitationTo(ben, chatID)
		if inv.From.Name != "Anna" || inv.As != protocol.PartParticipant || inv.Chat.Kind != protocol.KindDirect || inv.Chat.Visitor.Name != "Anna" {
			t.Fatalf("Ben's request %+v", inv)
		}
		// Nobody else may come in or be asked in.
		sven, _ := e.agent(2)
		if c := code(sven.callErr(chatID, &protocol.ChatJoin{As: protocol.PartObserver})); c != protocol.CodeForbidden {
			t.Fatalf("a supervisor joined an agents' chat: %q", c)
		}
		if c := code(anna.callErr(chatID, &protocol.ChatInvite{UserID: e.agents[2].ID, As: protocol.PartParticipant})); c != protocol.CodeForbidden {
			t.Fatalf("a third agent invited: %q", c)
		}
		// Nor is it a visitor's chat to supervise: not listed, not taken over, not transferred.
		if l := watch(t, sven); len(l.rows) != 0 {
			t.Fatalf("the agents' chat in the supervisor's list: %+v", l.rows)
		}
		sven.call("", &protocol.SuperviseWatch{Off: true})
		if c := code(sven.callErr(chatID, &protocol.ChatTakeover{})); c != protocol.CodeConflict {
			t.Fatalf("a supervisor took over an agents' chat: %q", c)
		}
		if c := code(anna.callErr(chatID, &protocol.ChatTransfer{UserID: e.agents[2].ID})); c != protocol.CodeConflict {
			t.Fatalf("an agents' chat transferred: %q", c)
		}

		ben.call(chatID, &protocol.InviteAccept{})
		bopened := ben.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.ChatOpened); return ok }).Body.(*protocol.ChatOpened)
		if bopened.Chat.ID != chatID || bopened.Chat.Visitor.Name != "Anna" || bopened.Chat.State != protocol.StateActive {
			t.Fatalf("Ben's chat.opened %+v", bopened.Chat)
		}
		first := ben.find(func(ev protocol.Event) bool { return ev.Chat == chatID && messageText(ev) != "" })
		if messageText(first) != "Ben, do you have a minute?" {
			t.Fatalf("Ben's first line: %+v", first.Body)
		}
		anna.find(func(ev protocol.Event) bool {
			s, ok := ev.Body.(*protocol.ChatState)
			return ok && ev.Chat == chatID && s.State == protocol.StateActive
		})
		ben.call(chatID, &protocol.Typing{On: true})
		anna.find(func(ev protocol.Event) bool {
			ty, ok := ev.Body.(*protocol.TypingEvent)
			return ok && ev.Chat == chatID && ty.UserID == benID && ty.On
		})
		ben.call(chatID, &protocol.Send{Text: "Sure, what is it?"})
		anna.find(func(ev protocol.Event) bool { return ev.Chat == chatID && messageText(ev) == "Sure, what is it?" })

		// Anna at her limit of one chat still gets a visitor: the agents' chat is not a
		// visitor's. Ben pauses, so that the offer can only be hers.
		var pause int64
		statuses, _ := e.st.Statuses(ctx, e.tenant.ID)
		for _, s := range statuses {
			if s.Name == "Pause" {
				pause = s.ID
			}
		}
		ben.call("", &protocol.StatusSet{Status: pause})
		v := e.visitor()
		vchat, _ := v.request("Vera", "Hello")
		anna.take(vchat)
		for _, c := range mustColleagues(t, e, 1) {
			if c.Name == "Anna" && c.Chats != 1 {
				t.Fatalf("Anna owns %d chats, want the visitor's only", c.Chats)
			}
		}
		if st := e.svc.Stats(); st.Open != 1 || st.Waiting != 0 {
			t.Fatalf("stats %+v", st)
		}

		// A reload keeps the chat, on both sides.
		_, ready := e.agent(1)
		if !hasChat(ready.Chats, chatID) {
			t.Fatalf("Ben's agent.ready lacks the chat: %+v", ready.Chats)
		}

		ben.call(chatID, &protocol.Close{})
		anna.find(func(ev protocol.Event) bool {
			s, ok := ev.Body.(*protocol.ChatState)
			return ok && ev.Chat == chatID && s.State == protocol.StateClosed && s.Cause == protocol.CauseAgent
		})
		rec, err := e.st.Chat(ctx, chatID)
		if err != nil || rec.Kind != store.ChatDirect || rec.PeerID != benID || rec.AgentID != 0 || rec.State != "closed" {
			t.Fatalf("stored chat %+v: %v", rec, err)
		}
		evs, _ := e.st.EventsAfter(ctx, chatID, 0, 0)
		for _, ev := range evs {
			if !ev.AgentsOnly {
				t.Fatalf("event %s of an agents' chat is a visitor's", ev.Type)
			}
		}
		e.checkNumbering(chatID)
		// Closed, the two may start again: a new chat.
		if again := startDirect(t, anna, benID, "One more thing"); again == chatID {
			t.Fatal("a closed chat was reused")
		}
	})
}

func mustColleagues(t *testing.T, e *env, n int) []struct {
	Name  string
	Chats int
} {
	t.Helper()
	list, err := e.svc.Colleagues(context.Background(), e.agents[n])
	if err != nil {
		t.Fatal(err)
	}
	var out []struct {
		Name  string
		Chats int
	}
	for _, c := range list {
		out = append(out, struct {
			Name  string
			Chats int
		}{c.Name, c.Chats})
	}
	return out
}

func hasChat(list []protocol.ChatSummary, id string) bool {
	for _, c := range list {
		if c.ID == id {
			return true
		}
	}
	return false
}

// TestDirectChatRefused: not with oneself, not with a colleague of another tenant or one who
// does not exist, not with one who is not signed in.
func TestDirectChatRefused(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		anna, _ := e.agent(0)
		other, err := e.st.CreateTenant(ctx, store.Tenant{Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		stranger, err := e.st.CreateUser(ctx, store.User{TenantID: other.ID, Login: "otto", Nickname: "Otto", Role: store.RoleAgent, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := e.st.CreateSession(ctx, stranger.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		// Otto is signed in, in his own tenant.
		oc := newConn(64)
		otto := &client{conn: oc, e: e, ss: e.svc.OpenAgent(oc)}
		otto.call("", &protocol.AgentConnect{Token: tok})
		for _, tc := range []struct {
			name string
			uid  int64
			want protocol.Code
		}{
			{"oneself", e.agents[0].ID, protocol.CodeInvalid},
			{"another tenant's agent", stranger.ID, protocol.CodeNotFound},
			{"nobody", 999999, protocol.CodeNotFound},
			{"not signed in", e.agents[2].ID, protocol.CodeConflict},
		} {
			if c := code(anna.callErr("", &protocol.DirectStart{UserID: tc.uid, Text: "hi"})); c != tc.want {
				t.Errorf("%s: %q, want %q", tc.name, c, tc.want)
			}
		}
		if c := code(otto.callErr("", &protocol.DirectStart{UserID: e.agents[0].ID, Text: "hi"})); c != protocol.CodeNotFound {
			t.Errorf("from another tenant: %q", c)
		}
		if c := code(anna.callErr("", &protocol.DirectStart{UserID: e.agents[1].ID, Text: "a\x00b"})); c != protocol.CodeInvalid {
			t.Errorf("NUL text: %q", c)
		}
		if c := code(anna.callErr("", &protocol.DirectStart{UserID: e.agents[1].ID, Text: strings.Repeat("x", 5000)})); c != protocol.CodeTooLarge && c != protocol.CodeInvalid {
			t.Errorf("huge text: %q", c)
		}
		open, _ := e.st.ChatsOpen(ctx, e.tenant.ID)
		if len(open) != 0 {
			t.Fatalf("refused requests left chats: %+v", open)
		}
	})
}

// TestDirectChatDeclinedOrUnanswered: a declined request and one nobody answers close the chat
// and tell the agent who asked.
func TestDirectChatDeclinedOrUnanswered(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		benID := e.agents[1].ID
		closedAs := func(chatID string, cause protocol.Cause) {
			t.Helper()
			anna.find(func(ev protocol.Event) bool {
				s, ok := ev.Body.(*protocol.ChatState)
				return ok && ev.Chat == chatID && s.State == protocol.StateClosed && s.Cause == cause
			})
		}
		ended := func(cl *client, chatID, reason string) {
			t.Helper()
			cl.find(func(ev protocol.Event) bool {
				b, ok := ev.Body.(*protocol.InviteEnded)
				return ok && ev.Chat == chatID && b.Reason == reason
			})
		}

		declined := startDirect(t, anna, benID, "Lunch?")
		invitationTo(ben, declined)
		ben.call(declined, &protocol.InviteDecline{})
		ended(anna, declined, "declined")
		closedAs(declined, protocol.CauseDeclined)
		line := anna.find(func(ev protocol.Event) bool {
			return ev.Chat == declined && strings.Contains(messageText(ev), "declined")
		})
		if messageText(line) != "Ben declined the chat." {
			t.Fatalf("close line %q", messageText(line))
		}
		if c := code(ben.callErr(declined, &protocol.InviteAccept{})); c != protocol.CodeConflict {
			t.Fatalf("accepting a declined request: %q", c)
		}

		unanswered := startDirect(t, anna, benID, "Still there?")
		invitationTo(ben, unanswered)
		e.clk.Advance(2*time.Minute + time.Second)
		ended(anna, unanswered, "expired")
		ended(ben, unanswered, "expired")
		closedAs(unanswered, protocol.CauseUnanswered)
		if c := code(ben.callErr(unanswered, &protocol.InviteAccept{})); c != protocol.CodeConflict {
			t.Fatalf("accepting an expired request: %q", c)
		}

		// Leaving an agents' chat ends it for both.
		left := startDirect(t, anna, benID, "Quick one")
		invitationTo(ben, left)
		ben.call(left, &protocol.InviteAccept{})
		ben.call(left, &protocol.ChatLeave{})
		closedAs(left, protocol.CauseAgent)
	})
}

// TestDirectChatRestart: after a restart the request still stands for the colleague, whose
// app learns of it on connecting; the sender's app gets the chat back; accepted, it works.
func TestDirectChatRestart(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		chatID := startDirect(t, anna, e.agents[1].ID, "Before the restart")
		invitationTo(ben, chatID)
		e.restart()
		anna, ready := e.agent(0)
		if !hasChat(ready.Chats, chatID) {
			t.Fatalf("Anna's chats after the restart: %+v", ready.Chats)
		}
		ben, bready := e.agent(1)
		if len(bready.Invitations) != 1 || bready.Invitations[0].Chat.ID != chatID || bready.Invitations[0].From.Name != "Anna" {
			t.Fatalf("Ben's invitations after the restart: %+v", bready.Invitations)
		}
		ben.call(chatID, &protocol.InviteAccept{})
		ben.find(func(ev protocol.Event) bool { return ev.Chat == chatID && messageText(ev) == "Before the restart" })
		anna.call(chatID, &protocol.Resume{After: 0})
		ben.call(chatID, &protocol.Send{Text: "After it"})
		anna.find(func(ev protocol.Event) bool { return ev.Chat == chatID && messageText(ev) == "After it" })
		e.checkNumbering(chatID)

		// Unanswered requests still expire after a restart.
		anna.call(chatID, &protocol.Close{})
		other := startDirect(t, ben, e.agents[0].ID, "Another")
		invitationTo(anna, other)
		e.restart()
		anna, _ = e.agent(0)
		e.clk.Advance(2*time.Minute + time.Second)
		anna.find(func(ev protocol.Event) bool {
			b, ok := ev.Body.(*protocol.InviteEnded)
			return ok && ev.Chat == other && b.Reason == "expired"
		})
	})
}

// TestDirectChatRace: two agents asking each other at the same moment, and one agent's retry
// from a second window racing the first, open one chat; the routing engine never counts it.
func TestDirectChatRace(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		anna2, _ := e.agent(0)
		ben, _ := e.agent(1)
		annaID, benID := e.agents[0].ID, e.agents[1].ID
		for round := range 4 {
			ids := [3]string{"ra" + itoa(round), "rb" + itoa(round), "ra" + itoa(round)}
			clients := [3]*client{anna, ben, anna2}
			to := [3]int64{benID, annaID, benID}
			var wg sync.WaitGroup
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					clients[i].send(ids[i], "", &protocol.DirectStart{UserID: to[i], Text: "Now?"})
				}()
			}
			wg.Wait()
			var chats []string
			for i, cl := range clients {
				a, ok := answer(t, cl.conn, ids[i]).Body.(*protocol.Ack)
				if !ok {
					t.Fatalf("round %d: request %d refused", round, i)
				}
				chats = append(chats, a.Chat)
			}
			if chats[0] != chats[1] || chats[1] != chats[2] || chats[0] == "" {
				t.Fatalf("round %d: the racing requests opened %v", round, chats)
			}
			for _, l := range e.svc.Snapshot().Agents {
				if l.Active != 0 || l.Offered != 0 {
					t.Fatalf("round %d: the routing engine counts %+v", round, l)
				}
			}
			// Whoever asked first has the chat; the other has the request.
			if code(anna.callErr(chats[0], &protocol.Close{})) != "" {
				ben.call(chats[0], &protocol.Close{})
			}
		}
		open, _ := e.st.ChatsOpen(context.Background(), e.tenant.ID)
		if len(open) != 0 {
			t.Fatalf("chats left open: %d", len(open))
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestDirectRequestSurvivesDisconnect: a colleague whose app drops while asked gets the request
// again on coming back, even after their reconnect window; nobody can ask them meanwhile.
func TestDirectRequestSurvivesDisconnect(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		chatID := startDirect(t, anna, e.agents[1].ID, "Are you there?")
		invitationTo(ben, chatID)
		ben.Close(protocol.CloseStale, "network")
		ben.ss.Closed()
		if c := code(anna.callErr("", &protocol.DirectStart{UserID: e.agents[1].ID, Text: "again"})); c != "" {
			// The open chat between the two is named, whatever Ben's connection does.
			t.Fatalf("asking again while Ben is away: %q", c)
		}
		sven, _ := e.agent(2)
		if c := code(sven.callErr("", &protocol.DirectStart{UserID: e.agents[1].ID, Text: "hi"})); c != protocol.CodeConflict {
			t.Fatalf("asking a colleague whose app is gone: %q", c)
		}
		e.clk.Advance(61 * time.Second) // past Ben's reconnect window, within the request's time
		_, ready := e.agent(1)
		if len(ready.Invitations) != 1 || ready.Invitations[0].Chat.ID != chatID {
			t.Fatalf("Ben's invitations on coming back: %+v", ready.Invitations)
		}
	})
}
