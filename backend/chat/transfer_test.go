package chat_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// isTransfer matches the chat's transfer event in a state.
func isTransfer(chatID string, state protocol.TransferState) func(protocol.Event) bool {
	return func(ev protocol.Event) bool {
		t, ok := ev.Body.(*protocol.Transfer)
		return ok && ev.Chat == chatID && t.State == state
	}
}

func isOffer(chatID string) func(protocol.Event) bool {
	return func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.Offer)
		return ok && o.Chat == chatID
	}
}

func isRevoked(chatID string) func(protocol.Event) bool {
	return func(ev protocol.Event) bool {
		_, ok := ev.Body.(*protocol.OfferRevoked)
		return ok && ev.Chat == chatID
	}
}

// visitorSaw lists what the visitor's durable events say, up to the chat's close.
func visitorSaw(v *client, chatID string) string {
	var seen []string
	for _, ev := range v.durable(chatID, func(ev protocol.Event) bool {
		s, ok := ev.Body.(*protocol.ChatState)
		return ok && s.State == protocol.StateClosed
	}) {
		switch b := ev.Body.(type) {
		case *protocol.Joined:
			seen = append(seen, "joined "+b.Name)
		case *protocol.Left:
			seen = append(seen, "left "+b.Name)
		case *protocol.Message:
			seen = append(seen, b.Text)
		case *protocol.Transfer:
			seen = append(seen, "TRANSFER EVENT")
		}
	}
	return strings.Join(seen, "|")
}

// An owner hands the chat to a colleague with a note: the colleague gets an offer with the
// note, the owner keeps writing until the colleague accepts, then leaves; the visitor reads the
// neutral line and the new agent's join, never the note.
func TestTransferToAgent(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		v := e.visitor()
		chatID, _ := v.request("Vera", "Où est ma commande ?")
		anna.take(chatID)
		anna.call(chatID, &protocol.Send{Text: "Hello Vera"})
		annaID, benID := e.agents[0].ID, e.agents[1].ID
		note := "Speaks French; order 12345."

		body := &protocol.ChatTransfer{UserID: benID, Note: note}
		anna.send("t1", chatID, body)
		if c := code(answer(t, anna.conn, "t1")); c != "" {
			t.Fatalf("transfer: %q", c)
		}
		pending := anna.find(isTransfer(chatID, protocol.TransferPending)).Body.(*protocol.Transfer)
		if pending.ToUserID != benID || pending.ToName != "Ben" || pending.Note != note || pending.By.UserID != annaID {
			t.Fatalf("pending %+v", pending)
		}
		// The same command again is a retry; another transfer meanwhile is refused.
		anna.send("t1", chatID, body)
		if c := code(answer(t, anna.conn, "t1")); c != "" {
			t.Fatalf("retried transfer: %q", c)
		}
		if c := code(anna.callErr(chatID, &protocol.ChatTransfer{GroupID: e.group.ID})); c != protocol.CodeConflict {
			t.Fatalf("a second transfer: %q", c)
		}
		offer := ben.find(isOffer(chatID)).Body.(*protocol.Offer)
		if offer.Transfer == nil || offer.Transfer.Note != note || offer.Transfer.From.Name != "Anna" || offer.Visitor != "Vera" {
			t.Fatalf("offer %+v", offer)
		}
		// Ben's other window (a reload) gets the offer with its note; Anna's gets the pending transfer.
		_, ready := e.agent(1)
		if len(ready.Offers) != 1 || ready.Offers[0].Transfer == nil || ready.Offers[0].Transfer.Note != note {
			t.Fatalf("agent.ready offers %+v", ready.Offers)
		}
		anna2, _ := e.agent(0)
		anna2.call(chatID, &protocol.Resume{})
		anna2.find(isTransfer(chatID, protocol.TransferPending))
		// Until the handover, the chat is Anna's.
		anna.call(chatID, &protocol.Send{Text: "One moment, a colleague takes over."})
		if list, _ := e.svc.Colleagues(context.Background(), e.agents[1]); list[0].Name != "Anna" || list[0].Chats != 1 {
			t.Fatalf("colleagues during the transfer %+v", list)
		}

		ben.call(chatID, &protocol.OfferAccept{})
		ben.find(func(ev protocol.Event) bool {
			o, ok := ev.Body.(*protocol.ChatOpened)
			return ok && o.Chat.ID == chatID
		})
		awaitText(t, ben, "Hello Vera") // the whole history
		anna.find(isTransfer(chatID, protocol.TransferAccepted))
		anna.find(func(ev protocol.Event) bool {
			l, ok := ev.Body.(*protocol.Left)
			return ok && l.UserID == annaID
		})
		if c := code(anna.callErr(chatID, &protocol.Send{Text: "too late"})); c == "" {
			t.Fatal("the former owner still writes")
		}
		if c := code(anna.callErr(chatID, &protocol.OfferAccept{})); c != protocol.CodeConflict {
			t.Fatalf("the former owner accepts: %q", c)
		}
		ben.call(chatID, &protocol.Send{Text: "Bonjour Vera, je suis Ben."})
		if list, _ := e.svc.Colleagues(context.Background(), e.agents[2]); list[0].Chats != 0 || list[1].Chats != 1 {
			t.Fatalf("colleagues after the handover %+v", list)
		}
		rec, err := e.st.Chat(context.Background(), chatID)
		if err != nil || rec.AgentID != benID {
			t.Fatalf("stored chat %+v %v", rec, err)
		}
		// A reload of Anna's app no longer lists the chat; Ben's does.
		if _, ready := e.agent(0); len(ready.Chats) != 0 {
			t.Fatalf("Anna's chats %+v", ready.Chats)
		}
		if _, ready := e.agent(1); len(ready.Chats) != 1 || ready.Chats[0].As != protocol.PartOwner {
			t.Fatalf("Ben's chats %+v", ready.Chats)
		}
		ben.call(chatID, &protocol.Close{})
		if got := visitorSaw(v, chatID); got != "Welcome!|Où est ma commande ?|joined Anna|Hello Vera|One moment, a colleague takes over.|"+
			"You are being connected to another agent.|left Anna|joined Ben|Bonjour Vera, je suis Ben.|Goodbye." {
			t.Fatalf("the visitor saw %s", got)
		}
		e.checkNumbering(chatID)
		parts, err := e.st.Participants(context.Background(), chatID)
		if err != nil {
			t.Fatal(err)
		}
		var roles []string
		for _, p := range parts {
			roles = append(roles, p.Name+" "+p.Role)
		}
		if got := strings.Join(roles, ","); got != "Vera visitor,Anna owner,Ben owner" {
			t.Fatalf("participants %s", got)
		}
	})
}

// Nobody accepts within the connector's connect wait: the owner keeps the chat and is told.
func TestTransferTimesOut(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.take(chatID)
		first := &protocol.ChatTransfer{UserID: e.agents[1].ID, Note: "please"}
		anna.send("first", chatID, first)
		if c := code(answer(t, anna.conn, "first")); c != "" {
			t.Fatalf("transfer: %q", c)
		}
		ben.find(isOffer(chatID))
		e.clk.Advance(29 * time.Second)
		anna.call(chatID, &protocol.Send{Text: "still mine"})
		e.clk.Advance(2 * time.Second) // the connector's 30 s
		failed := anna.find(isTransfer(chatID, protocol.TransferFailed)).Body.(*protocol.Transfer)
		if failed.Reason != "timeout" || failed.ToName != "Ben" {
			t.Fatalf("failed %+v", failed)
		}
		ben.find(isRevoked(chatID))
		if c := code(ben.callErr(chatID, &protocol.OfferAccept{})); c != protocol.CodeConflict {
			t.Fatalf("a late accept: %q", c)
		}
		// A late retry of the command that started it starts nothing.
		anna.send("first", chatID, first)
		if c := code(answer(t, anna.conn, "first")); c != "" {
			t.Fatalf("late retry: %q", c)
		}
		anna.call(chatID, &protocol.Send{Text: "still with me"})
		for _, ev := range ben.queuedNow() {
			if isOffer(chatID)(ev) {
				t.Fatal("a late retry offered the chat again")
			}
		}
		// A new transfer may start; the owner withdraws it.
		anna.call(chatID, &protocol.ChatTransfer{UserID: e.agents[1].ID})
		ben.find(isOffer(chatID))
		anna.call(chatID, &protocol.TransferCancel{})
		if f := anna.find(isTransfer(chatID, protocol.TransferFailed)).Body.(*protocol.Transfer); f.Reason != "canceled" {
			t.Fatalf("canceled %+v", f)
		}
		ben.find(isRevoked(chatID))
		anna.call(chatID, &protocol.Close{})
		if got := visitorSaw(v, chatID); got != "Welcome!|joined Vera|joined Anna|still mine|still with me|Goodbye." {
			t.Fatalf("the visitor saw %s", got)
		}
		e.checkNumbering(chatID)
	})
}

// Who may transfer, and to whom.
func TestTransferRefusals(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.take(chatID)
		other, err := e.st.CreateTenant(ctx, store.Tenant{Name: "Other", TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		stranger, err := e.st.CreateUser(ctx, store.User{TenantID: other.ID, Login: "x", Role: store.RoleAgent, Active: true, MaxChats: 3})
		if err != nil {
			t.Fatal(err)
		}
		og, err := e.st.CreateGroup(ctx, store.ACDGroup{TenantID: other.ID, Name: "Theirs"})
		if err != nil {
			t.Fatal(err)
		}
		ok, err := e.st.CreateConnector(ctx, store.Connector{TenantID: other.ID, Name: "Theirs", GroupID: og.ID})
		if err != nil {
			t.Fatal(err)
		}
		svenID := e.agents[2].ID
		for _, tc := range []struct {
			name string
			by   *client
			body protocol.CommandBody
			want protocol.Code
		}{
			{"not the owner", ben, &protocol.ChatTransfer{UserID: svenID}, protocol.CodeForbidden},
			{"foreign agent", anna, &protocol.ChatTransfer{UserID: stranger.ID}, protocol.CodeNotFound},
			{"foreign group", anna, &protocol.ChatTransfer{GroupID: og.ID}, protocol.CodeNotFound},
			{"foreign connector", anna, &protocol.ChatTransfer{ConnectorID: ok.ID}, protocol.CodeNotFound},
			{"no such agent", anna, &protocol.ChatTransfer{UserID: 1 << 40}, protocol.CodeNotFound},
			{"agent signed out", anna, &protocol.ChatTransfer{UserID: svenID}, protocol.CodeNotConnected},
			{"to herself", anna, &protocol.ChatTransfer{UserID: e.agents[0].ID}, protocol.CodeConflict},
			{"NUL note", anna, &protocol.ChatTransfer{UserID: e.agents[1].ID, Note: "a\x00"}, protocol.CodeInvalid},
			{"huge note", anna, &protocol.ChatTransfer{UserID: e.agents[1].ID, Note: strings.Repeat("x", 5000)}, protocol.CodeTooLarge},
			{"no target", anna, &protocol.ChatTransfer{}, protocol.CodeInvalid},
		} {
			if c := code(tc.by.callErr(chatID, tc.body)); c != tc.want {
				t.Errorf("%s: %q, want %q", tc.name, c, tc.want)
			}
		}
		// An agent whose status takes no chats cannot be chosen.
		var pause int64
		sts, _ := e.st.Statuses(ctx, e.tenant.ID)
		for _, s := range sts {
			if s.Name == "Pause" {
				pause = s.ID
			}
		}
		ben.status(pause)
		if c := code(anna.callErr(chatID, &protocol.ChatTransfer{UserID: e.agents[1].ID})); c != protocol.CodeConflict {
			t.Fatalf("to an agent on pause: %q", c)
		}
		ben.status(e.available.ID)
		// A supervisor who is not in the chat may transfer it.
		sven, _ := e.agent(2)
		sven.call(chatID, &protocol.ChatTransfer{UserID: e.agents[1].ID, Note: "from the supervisor"})
		o := ben.find(isOffer(chatID)).Body.(*protocol.Offer)
		if o.Transfer == nil || o.Transfer.From.Name != "Sven" || o.Transfer.From.As != protocol.PartSupervisor {
			t.Fatalf("offer %+v", o.Transfer)
		}
		// A queued chat has nobody to hand it on.
		v2 := e.visitor()
		anna.status(pause)
		ben.status(pause)
		queued, _ := v2.request("Walter", "")
		if c := code(sven.callErr(queued, &protocol.ChatTransfer{UserID: e.agents[1].ID})); c != protocol.CodeConflict {
			t.Fatalf("transfer of a queued chat: %q", c)
		}
	})
}

// The chat ends, the owner goes away, two transfers race, and a transfer to the group.
func TestTransferEdges(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		benID, svenID := e.agents[1].ID, e.agents[2].ID

		// The visitor closes the chat mid-transfer: the offer goes.
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.take(chatID)
		anna.call(chatID, &protocol.ChatTransfer{UserID: benID})
		ben.find(isOffer(chatID))
		v.call(chatID, &protocol.Close{})
		ben.find(isRevoked(chatID))
		if c := code(ben.callErr(chatID, &protocol.OfferAccept{})); c != protocol.CodeConflict {
			t.Fatalf("accepting a closed chat's transfer: %q", c)
		}

		// Two transfers race, from two windows of the owner: exactly one is under way.
		sven, _ := e.agent(2)
		anna2, _ := e.agent(0)
		v2 := e.visitor()
		chat2, _ := v2.request("Walter", "")
		anna.take(chat2)
		anna2.call(chat2, &protocol.Resume{})
		var wg sync.WaitGroup
		for i, w := range []*client{anna, anna2} {
			to := []int64{benID, svenID}[i]
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.send("race", chat2, &protocol.ChatTransfer{UserID: to})
			}()
		}
		wg.Wait()
		codes := []protocol.Code{code(answer(t, anna.conn, "race")), code(answer(t, anna2.conn, "race"))}
		if (codes[0] == "") == (codes[1] == "") || (codes[0] != protocol.CodeConflict && codes[1] != protocol.CodeConflict) {
			t.Fatalf("racing transfers answered %q", codes)
		}
		winner := ben
		if codes[0] != "" {
			winner = sven
		}
		// The owner's connection drops mid-transfer: the handover still happens.
		anna.Close(protocol.CloseShutdown, "gone")
		anna.ss.Closed()
		winner.take(chat2)
		winner.call(chat2, &protocol.Send{Text: "I have it"})
		anna, ready := e.agent(0)
		for _, c := range ready.Chats {
			if c.ID == chat2 {
				t.Fatalf("Anna still lists %s", chat2)
			}
		}

		// To the group: offered to a member other than the owner, who idles longest.
		var pause int64
		sts, _ := e.st.Statuses(context.Background(), e.tenant.ID)
		for _, s := range sts {
			if s.Name == "Pause" {
				pause = s.ID
			}
		}
		ben.status(pause)
		v3 := e.visitor()
		chat3, _ := v3.request("Xavier", "")
		anna.take(chat3)
		ben.status(e.available.ID)
		anna.call(chat3, &protocol.ChatTransfer{GroupID: e.group.ID})
		ben.take(chat3)
		if tr := anna.find(isTransfer(chat3, protocol.TransferAccepted)).Body.(*protocol.Transfer); tr.ToUserID != benID || tr.ToName != "Ben" || tr.ToGroupID != e.group.ID {
			t.Fatalf("accepted %+v", tr)
		}

		// To another connector (a channel change): the chat belongs to it once taken.
		ctx := context.Background()
		other, err := e.st.CreateConnector(ctx, store.Connector{TenantID: e.tenant.ID, Name: "Billing", GroupID: e.group.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.bus.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		ben.call(chat3, &protocol.ChatTransfer{ConnectorID: other.ID, Note: "billing"})
		o := anna.find(isOffer(chat3)).Body.(*protocol.Offer)
		if o.Transfer == nil || o.Transfer.Note != "billing" || o.Transfer.From.Name != "Ben" {
			t.Fatalf("offer %+v", o)
		}
		anna.call(chat3, &protocol.OfferAccept{})
		ben.find(func(ev protocol.Event) bool {
			tr, ok := ev.Body.(*protocol.Transfer)
			return ok && ev.Chat == chat3 && tr.State == protocol.TransferAccepted && tr.ToConnectorID == other.ID
		})
		rec, err := e.st.Chat(ctx, chat3)
		if err != nil || rec.ConnectorID != other.ID || rec.AgentID != e.agents[0].ID {
			t.Fatalf("stored chat %+v %v", rec, err)
		}
	})
}

// queuedNow lists the events a connection has received so far, without waiting.
func (cl *client) queuedNow() []protocol.Event {
	for {
		select {
		case f := <-cl.conn.out:
			ev, err := protocol.DecodeEvent(f)
			if err != nil {
				cl.e.t.Fatal(err)
			}
			cl.conn.mu.Lock()
			cl.conn.backlog = append(cl.conn.backlog, ev)
			cl.conn.mu.Unlock()
		default:
			cl.conn.mu.Lock()
			defer cl.conn.mu.Unlock()
			return append([]protocol.Event(nil), cl.conn.backlog...)
		}
	}
}

// A participant writes to the visitor and takes a slot of their capacity; an observer does not.
func TestParticipantUsesCapacity(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		ben := e.agents[1]
		ben.MaxChats = 1
		if _, err := e.st.UpdateUser(ctx, ben); err != nil {
			t.Fatal(err)
		}
		if err := e.bus.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		anna, _ := e.agent(0)
		benc, _ := e.agent(1)
		var pause int64
		sts, _ := e.st.Statuses(ctx, e.tenant.ID)
		for _, s := range sts {
			if s.Name == "Pause" {
				pause = s.ID
			}
		}
		benc.status(pause)
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.take(chatID)
		anna.status(pause)
		benc.status(e.available.ID)
		anna.call(chatID, &protocol.ChatInvite{UserID: ben.ID, As: protocol.PartParticipant})
		benc.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Invitation); return ok })
		benc.call(chatID, &protocol.InviteAccept{})

		// Ben, a participant, is full: a new chat waits.
		v2 := e.visitor()
		chat2, _ := v2.request("Walter", "")
		if info := v2.call(chat2, &protocol.ChatInfoGet{}).Body.(*protocol.ChatInfo); info.State != protocol.StateQueued {
			t.Fatalf("chat info %+v", info)
		}
		for _, ev := range benc.queuedNow() {
			if isOffer(chat2)(ev) {
				t.Fatal("a full participant was offered a chat")
			}
		}
		// As an observer he has room again: the chat is offered to him.
		benc.call(chatID, &protocol.ChatJoin{As: protocol.PartObserver})
		benc.find(isOffer(chat2))
		// Back as a participant the offer's slot counts too; leaving frees it.
		benc.call(chat2, &protocol.OfferAccept{})
		benc.call(chatID, &protocol.ChatLeave{})
	})
}

// status sets the agent's status and waits until the change has reached every subscriber of
// the settings bus, so that no late notice of an earlier status overtakes it.
func (cl *client) status(id int64) {
	cl.e.t.Helper()
	cl.call("", &protocol.StatusSet{Status: id})
	if err := cl.e.bus.Flush(context.Background()); err != nil {
		cl.e.t.Fatal(err)
	}
}
