package chat_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// list is a supervisor's live list as the app keeps it: the first list, then the updates.
type list struct {
	rows    map[string]protocol.SupervisedChat
	updates map[string]int // how often each chat came in an update
}

// apply folds a list or update event into the list.
func (l *list) apply(ev protocol.Event) bool {
	switch b := ev.Body.(type) {
	case *protocol.SuperviseList:
		l.rows = map[string]protocol.SupervisedChat{}
		for _, r := range b.Chats {
			l.rows[r.ID] = r
		}
	case *protocol.SuperviseUpdate:
		for _, r := range b.Chats {
			l.rows[r.ID] = r
			l.updates[r.ID]++
		}
		for _, id := range b.Gone {
			delete(l.rows, id)
		}
	default:
		return false
	}
	return true
}

// watch starts a supervisor's list and returns it as first sent.
func watch(t *testing.T, cl *client) *list {
	t.Helper()
	cl.call("", &protocol.SuperviseWatch{})
	_, first := await[*protocol.SuperviseList](t, cl.conn)
	l := &list{updates: map[string]int{}}
	l.apply(protocol.Event{Body: first})
	return l
}

// until lets the service's clock run one update interval at a time, folding what the
// supervisor receives, until ok holds of the list. Events that are not the list's stay.
func (l *list) until(t *testing.T, e *env, cl *client, what string, ok func(*list) bool) {
	t.Helper()
	for range 10 {
		// The chat events reach the list after their commit, on the bus's goroutine.
		time.Sleep(20 * time.Millisecond)
		e.clk.Advance(time.Second)
		for {
			ev, more := tryNext(cl.conn)
			if !more {
				break
			}
			if !l.apply(ev) {
				cl.conn.mu.Lock()
				cl.conn.backlog = append(cl.conn.backlog, ev)
				cl.conn.mu.Unlock()
			}
		}
		if ok(l) {
			return
		}
	}
	t.Fatalf("the supervisor's list never showed %s: %+v", what, l.rows)
}

// tryNext returns a queued or transient event without waiting.
func tryNext(c *conn) (protocol.Event, bool) {
	f := c.popTransient()
	if f == nil {
		select {
		case f = <-c.out:
		default:
			return protocol.Event{}, false
		}
	}
	ev, err := protocol.DecodeEvent(f)
	if err != nil {
		panic(err)
	}
	return ev, true
}

// user adds a signed-in user to a tenant and connects them.
func (e *env) user(tenant int64, login string, role string) (*client, store.User) {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.st.CreateUser(ctx, store.User{TenantID: tenant, Login: login, Nickname: strings.ToUpper(login[:1]) + login[1:], Role: role, Active: true})
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.st.CreateSession(ctx, u.ID, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	c := newConn(1024)
	cl := &client{conn: c, e: e, ss: e.svc.OpenAgent(c)}
	cl.call("", &protocol.AgentConnect{Token: tok})
	await[*protocol.AgentReady](e.t, c)
	return cl, u
}

// Supervisors see every open chat of their tenant, live; agents are refused; other tenants'
// supervisors never see it; a busy chat costs one update per interval, not one per line.
func TestSupervisorList(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		sven, _ := e.agent(2)
		if c := code(anna.callErr("", &protocol.SuperviseWatch{})); c != protocol.CodeForbidden {
			t.Fatalf("an agent watched every chat: %q", c)
		}
		other, err := e.st.CreateTenant(context.Background(), store.Tenant{Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		olga, _ := e.user(other.ID, "olga", store.RoleAdmin)
		theirs := watch(t, olga)
		l := watch(t, sven)
		if len(l.rows) != 0 {
			t.Fatalf("a list before any chat: %+v", l.rows)
		}
		v := e.visitor()
		chatID, _ := v.request("Vera", "Where is my parcel?")
		l.until(t, e, sven, "the offered chat", func(l *list) bool { return l.rows[chatID].Phase == protocol.PhaseOffered })
		if r := l.rows[chatID]; r.Visitor != "Vera" || r.Connector != "Shop" || r.Group != "Support" || r.OfferedTo != "Anna" || r.Owner != 0 {
			t.Fatalf("the offered chat: %+v", r)
		}
		anna.take(chatID)
		l.until(t, e, sven, "Anna's chat", func(l *list) bool { return l.rows[chatID].Phase == protocol.PhaseActive })
		r := l.rows[chatID]
		if r.Owner != e.agents[0].ID || r.OwnerName != "Anna" || r.Accepted == nil || len(r.Agents) != 1 {
			t.Fatalf("the active chat: %+v", r)
		}

		// Fifty lines within one interval are one update of the chat.
		before := l.updates[chatID]
		for i := range 50 {
			v.call(chatID, &protocol.Send{Text: fmt.Sprintf("line %d", i)})
		}
		awaitText(t, anna, "line 49")
		l.until(t, e, sven, "the lines' activity", func(l *list) bool { return l.rows[chatID].LastActivity.After(r.LastActivity) })
		if n := l.updates[chatID] - before; n != 1 {
			t.Fatalf("50 lines in one interval gave %d updates of the chat", n)
		}
		// A new list (a reconnected app) has the chat as it is.
		again := watch(t, sven)
		if got := again.rows[chatID]; got.Phase != protocol.PhaseActive || got.LastActivity.Before(l.rows[chatID].LastActivity) {
			t.Fatalf("the second list: %+v", got)
		}
		l = again

		anna.call(chatID, &protocol.Close{})
		l.until(t, e, sven, "the chat gone", func(l *list) bool { _, ok := l.rows[chatID]; return !ok })

		// The other tenant's administrator saw nothing of it, and cannot reach it.
		theirs.until(t, e, olga, "nothing", func(l *list) bool { return true })
		if len(theirs.rows) != 0 || len(theirs.updates) != 0 {
			t.Fatalf("another tenant saw %+v %+v", theirs.rows, theirs.updates)
		}
		v2 := e.visitor()
		chat2, _ := v2.request("Vic", "")
		if c := code(olga.callErr(chat2, &protocol.ChatTakeover{})); c != protocol.CodeNotFound {
			t.Fatalf("another tenant's takeover: %q", c)
		}
		// Stopping the list stops the updates.
		sven.call("", &protocol.SuperviseWatch{Off: true})
		stopped := &list{rows: map[string]protocol.SupervisedChat{}, updates: map[string]int{}}
		stopped.until(t, e, sven, "nothing", func(*list) bool { return true })
		if len(stopped.updates) != 0 {
			t.Fatalf("updates after stopping: %+v", stopped.updates)
		}
	})
}

// A supervisor takes over an active chat: the owner is told and leaves, the visitor sees the
// supervisor join and reads them, the capacity moves; retries succeed, stale ones are refused.
func TestTakeoverOfAnActiveChat(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		sven, _ := e.agent(2)
		annaID, svenID := e.agents[0].ID, e.agents[2].ID
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.take(chatID)
		anna.call(chatID, &protocol.Send{Text: "Hello Vera"})
		if c := code(ben.callErr(chatID, &protocol.ChatTakeover{Owner: annaID})); c != protocol.CodeForbidden {
			t.Fatalf("an agent took a chat over: %q", c)
		}
		// Reading along first, then whispering, then taking over.
		sven.call(chatID, &protocol.ChatJoin{As: protocol.PartObserver})
		await[*protocol.ChatOpened](t, sven.conn)
		sven.call(chatID, &protocol.Send{Text: "offer the voucher", Internal: true})
		awaitText(t, anna, "offer the voucher")

		sven.send("to1", chatID, &protocol.ChatTakeover{Owner: annaID})
		if c := code(answer(t, sven.conn, "to1")); c != "" {
			t.Fatalf("takeover: %q", c)
		}
		tk := anna.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.TakenOver); return ok })
		if by := tk.Body.(*protocol.TakenOver).By; tk.Chat != chatID || by.UserID != svenID || by.Name != "Sven" {
			t.Fatalf("the owner was told %+v", tk)
		}
		// The same command again, and a new one: the chat is theirs.
		sven.send("to1", chatID, &protocol.ChatTakeover{Owner: annaID})
		if c := code(answer(t, sven.conn, "to1")); c != "" {
			t.Fatalf("retried takeover: %q", c)
		}
		sven.call(chatID, &protocol.ChatTakeover{Owner: annaID})
		sven.call(chatID, &protocol.Send{Text: "Sven here, I take it from now."})
		if c := code(anna.callErr(chatID, &protocol.Send{Text: "still here?"})); c != protocol.CodeForbidden {
			t.Fatalf("the previous owner still wrote: %q", c)
		}
		// Ben cannot take it from Anna any more (she no longer has it), and is no supervisor.
		olaf, _ := e.user(e.tenant.ID, "olaf", store.RoleAdmin)
		if c := code(olaf.callErr(chatID, &protocol.ChatTakeover{Owner: annaID})); c != protocol.CodeConflict {
			t.Fatalf("a stale takeover: %q", c)
		}
		loads := map[int64]int{}
		for _, a := range e.svc.Snapshot().Agents {
			loads[int64(a.Agent)] = a.Active
		}
		if loads[annaID] != 0 || loads[svenID] != 1 {
			t.Fatalf("loads after the takeover: %+v", loads)
		}
		sven.call(chatID, &protocol.Close{})
		var seen []string
		for _, ev := range v.durable(chatID, func(ev protocol.Event) bool {
			s, ok := ev.Body.(*protocol.ChatState)
			return ok && s.State == protocol.StateClosed
		}) {
			switch b := ev.Body.(type) {
			case *protocol.Joined:
				seen = append(seen, "joined "+b.Name+" "+string(b.As))
			case *protocol.Left:
				seen = append(seen, "left "+b.Name+" "+string(b.As))
			case *protocol.Message:
				seen = append(seen, b.Text)
			}
		}
		want := "Welcome!|joined Vera |joined Anna owner|Hello Vera|left Anna owner|joined Sven owner|Sven here, I take it from now.|Goodbye."
		if got := strings.Join(seen, "|"); got != want {
			t.Fatalf("the visitor saw\n%s\nwant\n%s", got, want)
		}
		e.checkNumbering(chatID)
		rec, err := e.st.Chat(context.Background(), chatID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.AgentID != svenID {
			t.Fatalf("the stored chat's agent is %d", rec.AgentID)
		}
	})
}

// A supervisor picks a chat from the queue: an offer to an agent is withdrawn, the chat leaves
// the queue, the visitor sees the supervisor join.
func TestTakeoverOfAWaitingChat(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		sven, _ := e.agent(2)
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.find(func(ev protocol.Event) bool { o, ok := ev.Body.(*protocol.Offer); return ok && o.Chat == chatID })
		sven.call(chatID, &protocol.ChatTakeover{})
		rv := anna.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.OfferRevoked); return ok })
		if rv.Chat != chatID || rv.Body.(*protocol.OfferRevoked).Reason != "taken_over" {
			t.Fatalf("the offer ended with %+v", rv)
		}
		if c := code(anna.callErr(chatID, &protocol.OfferAccept{})); c != protocol.CodeConflict {
			t.Fatalf("accepting a chat taken over: %q", c)
		}
		opened := sven.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.ChatOpened); return ok }).Body.(*protocol.ChatOpened)
		if opened.Chat.ID != chatID || opened.Chat.As != protocol.PartOwner {
			t.Fatalf("chat.opened %+v", opened.Chat)
		}
		if w := e.svc.Snapshot().Waiting; len(w) != 0 {
			t.Fatalf("still waiting: %+v", w)
		}
		sven.call(chatID, &protocol.Send{Text: "Sven, at your service."})
		awaitText(t, v, "Sven, at your service.")

		// Nobody to offer to: the chat just waits in the queue, and is picked from there.
		anna.call("", &protocol.StatusSet{Status: e.available.ID + 1})
		v2 := e.visitor()
		chat2, _ := v2.request("Vic", "")
		if c := code(sven.callErr(chat2, &protocol.ChatTakeover{Owner: e.agents[0].ID})); c != protocol.CodeConflict {
			t.Fatalf("taking a waiting chat from someone: %q", c)
		}
		sven.call(chat2, &protocol.ChatTakeover{})
		evs := v2.durable(chat2, func(ev protocol.Event) bool {
			s, ok := ev.Body.(*protocol.ChatState)
			return ok && s.State == protocol.StateActive
		})
		j, ok := evs[max(0, len(evs)-2)].Body.(*protocol.Joined)
		if !ok || j.Name != "Sven" || j.As != protocol.PartOwner {
			t.Fatalf("the waiting visitor saw %+v", evs)
		}
		e.checkNumbering(chat2)
	})
}

// Two supervisors take the same chat at the same moment: exactly one has it.
func TestTakeoverRace(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		sven, _ := e.agent(2)
		olaf, _ := e.user(e.tenant.ID, "olaf", store.RoleAdmin)
		for round := range 4 {
			v := e.visitor()
			chatID, _ := v.request("Vera", "")
			var from int64
			if round%2 == 0 {
				anna.take(chatID)
				from = e.agents[0].ID
			}
			var wg sync.WaitGroup
			codes := make([]protocol.Code, 2)
			for i, cl := range []*client{sven, olaf} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := fmt.Sprintf("race%d", round)
					cl.send(id, chatID, &protocol.ChatTakeover{Owner: from})
					codes[i] = code(answer(t, cl.conn, id))
				}()
			}
			wg.Wait()
			won := 0
			for _, c := range codes {
				switch c {
				case "":
					won++
				case protocol.CodeConflict:
				default:
					t.Fatalf("round %d: %q", round, c)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d supervisors won (%v)", round, won, codes)
			}
			e.checkNumbering(chatID)
		}
	})
}

// A takeover holds across a restart, and reaches an owner who was away: they come back without
// the chat. A watcher whose connection closed gets nothing more.
func TestTakeoverSurvivesRestartAndAbsence(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		sven, _ := e.agent(2)
		watcher, _ := e.agent(2)
		watch(t, watcher)
		watcher.ss.Closed()
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.take(chatID)
		anna.ss.Closed() // Anna's connection drops: she has her reconnect window
		sven.call(chatID, &protocol.ChatTakeover{Owner: e.agents[0].ID})
		sven.call(chatID, &protocol.Send{Text: "Sven here."})
		awaitText(t, v, "Sven here.")
		stale := &list{rows: map[string]protocol.SupervisedChat{}, updates: map[string]int{}}
		stale.until(t, e, watcher, "nothing", func(*list) bool { return true })
		if len(stale.updates) != 0 {
			t.Fatalf("a closed connection got updates: %+v", stale.updates)
		}
		_, back := e.agent(0)
		for _, c := range back.Chats {
			if c.ID == chatID {
				t.Fatalf("Anna came back to the chat taken over: %+v", c)
			}
		}
		e.restart()
		_, ready := e.agent(2)
		var found *protocol.ChatSummary
		for i := range ready.Chats {
			if ready.Chats[i].ID == chatID {
				found = &ready.Chats[i]
			}
		}
		if found == nil || found.As != protocol.PartOwner {
			t.Fatalf("after the restart Sven has %+v", ready.Chats)
		}
		loads := map[int64]int{}
		for _, a := range e.svc.Snapshot().Agents {
			loads[int64(a.Agent)] = a.Active
		}
		if loads[e.agents[0].ID] != 0 || loads[e.agents[2].ID] != 1 {
			t.Fatalf("loads after the restart: %+v", loads)
		}
	})
}
