package chat_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// A chat from request to close: the visitor and the agent each see their own numbering without
// holes, acks carry the sender's number, and the store has exactly what they saw.
func TestJourney(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		v := e.visitor()
		chatID, _ := v.request("Vera", "Hello?")
		anna.take(chatID)
		ack := v.call(chatID, &protocol.Send{Text: "are you there?"}).Body.(*protocol.Ack)
		agentAck := anna.call(chatID, &protocol.Send{Text: "yes"}).Body.(*protocol.Ack)
		if agentAck.Seq <= ack.Seq {
			t.Fatalf("acks %d then %d", ack.Seq, agentAck.Seq)
		}
		anna.call(chatID, &protocol.Close{})
		for _, cl := range []*client{v, anna} {
			evs := cl.durable(chatID, func(ev protocol.Event) bool {
				s, ok := ev.Body.(*protocol.ChatState)
				return ok && s.State == protocol.StateClosed
			})
			for i := 1; i < len(evs); i++ {
				if evs[i].Seq != evs[i-1].Seq+1 {
					t.Fatalf("%s: seq %d after %d", cl.id, evs[i].Seq, evs[i-1].Seq)
				}
			}
			var texts []string
			for _, ev := range evs {
				if m := messageText(ev); m != "" {
					texts = append(texts, m)
				}
			}
			if got := strings.Join(texts, "|"); got != "Welcome!|Hello?|are you there?|yes|Goodbye." {
				t.Fatalf("%s saw %s", cl.id, got)
			}
		}
		e.checkNumbering(chatID)
		parts, err := e.st.Participants(context.Background(), chatID)
		if err != nil || len(parts) != 2 || parts[0].Role != store.ParticipantVisitor || parts[1].Role != store.ParticipantOwner ||
			parts[0].LeftAt == nil || parts[1].LeftAt == nil {
			t.Fatalf("participants %+v %v", parts, err)
		}
	})
}

// A message.send retried with the same id while the first is still being committed (what a
// client does after a reconnect) gets the first answer: one message, no hole. The same id with
// another text is a conflict, not the first message's ack.
func TestRetryInFlight(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.take(chatID)
		for try := range 50 {
			id := fmt.Sprint("m", try)
			for range 5 {
				v.send(id, chatID, &protocol.Send{Text: "same " + id})
			}
			v.send(id, chatID, &protocol.Send{Text: "other " + id})
			var seqs []uint64
			conflicts := 0
			for len(seqs)+conflicts < 6 {
				ev := answer(t, v.conn, id)
				switch b := ev.Body.(type) {
				case *protocol.Ack:
					seqs = append(seqs, b.Seq)
				case *protocol.Error:
					if b.Code != protocol.CodeConflict {
						t.Fatalf("try %d: %s %s", try, b.Code, b.Message)
					}
					conflicts++
				}
			}
			if conflicts != 1 {
				t.Fatalf("try %d: %d conflicts", try, conflicts)
			}
			for _, s := range seqs {
				if s != seqs[0] {
					t.Fatalf("try %d: answers %v", try, seqs)
				}
			}
		}
		msgs, err := e.st.Messages(context.Background(), chatID, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range msgs {
			if strings.HasPrefix(m.Text, "same") {
				n++
			}
			if strings.HasPrefix(m.Text, "other") {
				t.Fatalf("a conflicting send was stored: %q", m.Text)
			}
		}
		if n != 50 {
			t.Fatalf("%d messages stored, want 50", n)
		}
		e.checkNumbering(chatID)
	})
}

// After a restart, answers given before it come from the store: a retry gets the first seq,
// the same id with another text is a conflict.
func TestRetryAfterRestart(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		v := e.visitor()
		chatID, token := v.request("Vera", "")
		anna.take(chatID)
		first := v.call(chatID, &protocol.Send{Text: "before"}).Body.(*protocol.Ack)
		v.send("again", chatID, &protocol.Send{Text: "kept"})
		kept := answer(t, v.conn, "again").Body.(*protocol.Ack)
		e.restart()
		v2 := e.visitor()
		v2.call(chatID, &protocol.Resume{Token: token})
		v2.send("again", chatID, &protocol.Send{Text: "kept"})
		if a, ok := answer(t, v2.conn, "again").Body.(*protocol.Ack); !ok || a.Seq != kept.Seq {
			t.Fatalf("retry after restart: %+v, want seq %d", a, kept.Seq)
		}
		v2.send("again", chatID, &protocol.Send{Text: "changed"})
		if c := code(answer(t, v2.conn, "again")); c != protocol.CodeConflict {
			t.Fatalf("same id, other text after restart: %q", c)
		}
		_ = first
		e.checkNumbering(chatID)
	})
}

// A connection that never sends its connect command is closed after the connect timeout.
func TestConnectTimeout(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		silent := newConn(8)
		e.svc.OpenVisitor(silent)
		talking := e.visitor()
		e.clk.Advance(9 * time.Second)
		if silent.closed() {
			t.Fatal("closed before the timeout")
		}
		e.clk.Advance(2 * time.Second)
		if !silent.closed() || protocol.CloseCode(silent.code.Load()) != protocol.CloseBadRequest {
			t.Fatalf("silent connection: closed %v code %d", silent.closed(), silent.code.Load())
		}
		if talking.closed() {
			t.Fatal("a connected visitor was closed")
		}
	})
}

// Commands over a connection's rate are refused with rate_limited and the connection stays;
// a flood that goes on is cut off. The other side of the chat hears the flood's typing as
// one coalesced event and is never cut off.
func TestCommandRate(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, func(c *chat.Config, _ *store.Config) { c.CommandRate, c.CommandBurst = 20, 30 })
		anna, _ := e.agent(0)
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.take(chatID)
		limited := 0
		for i := range 200 {
			v.send(fmt.Sprint("t", i), chatID, &protocol.Typing{On: i%2 == 0})
		}
		for i := range 200 {
			if code(answer(t, v.conn, fmt.Sprint("t", i))) == protocol.CodeRateLimited {
				limited++
			}
		}
		if limited < 150 || v.closed() {
			t.Fatalf("%d of 200 limited, closed %v", limited, v.closed())
		}
		typing := 0
		for _, ev := range anna.takeTransient() {
			if _, ok := ev.Body.(*protocol.TypingEvent); ok {
				typing++
			}
		}
		if typing != 1 || anna.closed() {
			t.Fatalf("agent got %d typing events, closed %v", typing, anna.closed())
		}
		// A second later the budget is back.
		e.clk.Advance(time.Second)
		if c := code(v.callErr(chatID, &protocol.Typing{On: false})); c != "" {
			t.Fatalf("after a second: %s", c)
		}
		// An endless flood is cut off.
		for i := range 2000 {
			v.send(fmt.Sprint("f", i), chatID, &protocol.Preview{Text: "x"})
		}
		if !v.closed() || protocol.CloseCode(v.code.Load()) != protocol.CloseForbidden {
			t.Fatalf("flooder not cut off: %v %d", v.closed(), v.code.Load())
		}
	})
}

// offer.decline is only for a chat offered to the agent.
func TestDeclineNeedsAnOffer(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		if c := code(anna.callErr("never-offered", &protocol.OfferDecline{})); c != protocol.CodeConflict {
			t.Fatalf("decline of a chat never offered: %q", c)
		}
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		await[*protocol.Offer](t, anna.conn)
		anna.call(chatID, &protocol.OfferDecline{})
	})
}

// leave.message may name the visitor's own chat, never another visitor's.
func TestLeaveMessageNamesOnlyOwnChat(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		conn := e.connector
		conn.Toolbox = []byte(`{"leaveMessage":true}`)
		if _, err := e.st.UpdateConnector(context.Background(), conn); err != nil {
			t.Fatal(err)
		}
		if err := e.bus.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		other := e.visitor()
		theirs, _ := other.request("Other", "")
		v := e.visitor()
		if c := code(v.callErr(theirs, &protocol.LeaveMessage{Name: "Mallory", Email: "m@example.com", Text: "hi"})); c != protocol.CodeForbidden {
			t.Fatalf("naming another's chat: %q", c)
		}
		mine, _ := v.request("Vera", "")
		if c := code(v.callErr(mine, &protocol.LeaveMessage{Name: "Vera", Email: "v@example.com", Text: "call me"})); c != "" {
			t.Fatalf("naming my own chat: %q", c)
		}
	})
}

// A visitor, and an address, may have only so many chats open at once.
func TestOpenChatCaps(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		v := e.visitor()
		for range store.DefaultMaxChatsPerVisitor {
			v.request("Vera", "")
		}
		if c := code(v.callErr("", &protocol.ChatRequest{Name: "Vera"})); c != protocol.CodeRateLimited {
			t.Fatalf("chat over the visitor cap: %q", c)
		}
		settings, err := e.st.TenantSettings(context.Background(), e.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		settings.MaxChatsPerIP, settings.MaxChatsPerVisitor = 4, 0
		if _, err := e.st.SaveTenantSettings(context.Background(), settings); err != nil {
			t.Fatal(err)
		}
		if err := e.bus.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		w := e.visitor() // the same address, another visitor, with the new policy
		w.request("Walt", "")
		if c := code(w.callErr("", &protocol.ChatRequest{Name: "Walt"})); c != protocol.CodeRateLimited {
			t.Fatalf("chat over the address cap: %q", c)
		}
	})
}

// After a restart, chats stay with their agent for the reconnect window only: an agent who
// never comes back loses them to a free colleague.
func TestRestartStartsAgentWindow(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, func(c *chat.Config, _ *store.Config) { c.AgentReconnectWindow = 15 * time.Second })
		anna, _ := e.agent(0)
		var chats []string
		for range 3 {
			v := e.visitor()
			id, _ := v.request("Vera", "")
			anna.take(id)
			chats = append(chats, id)
		}
		e.restart()
		ben, _ := e.agent(1)
		e.clk.Advance(10 * time.Second)
		if got := e.svc.Stats(); got.Waiting != 0 {
			t.Fatalf("chats requeued before the window ended: %+v", got)
		}
		e.clk.Advance(6 * time.Second)
		offered := map[string]bool{}
		for len(offered) < 3 {
			ev, _ := await[*protocol.Offer](t, ben.conn)
			offered[ev.Chat] = true
		}
		for _, id := range chats {
			if !offered[id] {
				t.Fatalf("chat %s was not offered to Ben", id)
			}
		}
	})
}

// An agent who comes back within the window after a restart keeps the chats.
func TestRestartAgentComesBack(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		v := e.visitor()
		id, _ := v.request("Vera", "")
		anna.take(id)
		e.restart()
		back, ready := e.agent(0)
		if len(ready.Chats) != 1 || ready.Chats[0].ID != id || ready.Chats[0].As != protocol.PartOwner {
			t.Fatalf("agent.ready after restart: %+v", ready.Chats)
		}
		e.clk.Advance(50 * time.Second) // past nothing: the visitor has 60 s, the agent too
		back.call(id, &protocol.Resume{After: 0})
		back.call(id, &protocol.Send{Text: "still mine"})
	})
}

// Supervisors join chats as observers, unseen by the visitor, or as participants; agents see
// who is in the chat, observers cannot write to the visitor, and the visitor's numbering has
// no hole for what it does not see.
func TestParticipants(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		sven, _ := e.agent(2)
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.take(chatID)
		if c := code(ben.callErr(chatID, &protocol.ChatJoin{As: protocol.PartObserver})); c != protocol.CodeForbidden {
			t.Fatalf("an agent joined someone else's chat: %q", c)
		}
		sven.call(chatID, &protocol.ChatJoin{As: protocol.PartObserver})
		_, opened := await[*protocol.ChatOpened](t, sven.conn)
		if opened.Chat.As != protocol.PartObserver || len(opened.Chat.Agents) != 2 {
			t.Fatalf("chat.opened for the observer: %+v", opened.Chat)
		}
		_, joined := await[*protocol.Joined](t, anna.conn)
		for joined.As != protocol.PartObserver {
			_, joined = await[*protocol.Joined](t, anna.conn)
		}
		if joined.Name != "Sven" {
			t.Fatalf("owner saw %+v", joined)
		}
		if c := code(sven.callErr(chatID, &protocol.Send{Text: "psst"})); c != protocol.CodeForbidden {
			t.Fatalf("an observer wrote to the visitor: %q", c)
		}
		anna.call(chatID, &protocol.Send{Text: "visible"})
		awaitText(t, sven, "visible") // the observer reads along
		sven.call(chatID, &protocol.ChatJoin{As: protocol.PartParticipant})
		sven.call(chatID, &protocol.Send{Text: "hello from Sven"})
		sven.call(chatID, &protocol.ChatLeave{})
		anna.call(chatID, &protocol.Close{})
		evs := v.durable(chatID, func(ev protocol.Event) bool {
			s, ok := ev.Body.(*protocol.ChatState)
			return ok && s.State == protocol.StateClosed
		})
		var seen []string
		for i, ev := range evs {
			if i > 0 && ev.Seq != evs[i-1].Seq+1 {
				t.Fatalf("visitor seq %d after %d", ev.Seq, evs[i-1].Seq)
			}
			switch b := ev.Body.(type) {
			case *protocol.Joined:
				seen = append(seen, "joined "+b.Name+" "+string(b.As))
			case *protocol.Left:
				seen = append(seen, "left "+b.Name+" "+string(b.As))
			case *protocol.Message:
				seen = append(seen, b.Text)
			}
		}
		if got := strings.Join(seen, "|"); got != "Welcome!|joined Vera |joined Anna owner|visible|joined Sven participant|hello from Sven|left Sven participant|Goodbye." {
			t.Fatalf("the visitor saw %s", got)
		}
		e.checkNumbering(chatID)
		parts, err := e.st.Participants(context.Background(), chatID)
		if err != nil {
			t.Fatal(err)
		}
		var roles []string
		for _, p := range parts {
			roles = append(roles, p.Role)
			if p.LeftAt == nil {
				t.Fatalf("participant %+v did not leave", p)
			}
		}
		if got := strings.Join(roles, ","); got != "visitor,owner,observer,participant" {
			t.Fatalf("participants %s", got)
		}
	})
}

func awaitText(t *testing.T, cl *client, text string) {
	t.Helper()
	for {
		if ev := cl.next(t); messageText(ev) == text {
			return
		}
	}
}

// The visitor's reconnect window (the connector's 60 s) and the agents' warning run on the
// service's clock.
func TestVisitorAwayWindow(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, func(c *chat.Config, _ *store.Config) { c.AgentWarning = 10 * time.Second })
		anna, _ := e.agent(0)
		v := e.visitor()
		chatID, token := v.request("Vera", "")
		anna.take(chatID)
		anna.call(chatID, &protocol.Send{Text: "hello"}) // the first reply stops the answer timer
		v.Close(protocol.CloseStale, "gone")
		v.ss.Closed()
		_, presence := await[*protocol.Presence](t, anna.conn)
		if presence.Online {
			t.Fatal("visitor online")
		}
		e.clk.Advance(49 * time.Second)
		if evs := anna.takeTransient(); len(evs) != 0 {
			t.Fatalf("warned early: %+v", evs)
		}
		e.clk.Advance(2 * time.Second)
		_, warn := await[*protocol.Warning](t, anna.conn)
		if warn.Code != "visitor_away" || warn.Seconds != 10 {
			t.Fatalf("warning %+v", warn)
		}
		back := e.visitor()
		back.call(chatID, &protocol.Resume{Token: token})
		e.clk.Advance(time.Minute)
		if st := e.svc.Stats(); st.Open != 1 {
			t.Fatalf("the chat closed although the visitor came back: %+v", st)
		}
		back.Close(protocol.CloseStale, "gone")
		back.ss.Closed()
		e.clk.Advance(61 * time.Second)
		for {
			if _, st := await[*protocol.ChatState](t, anna.conn); st.State == protocol.StateClosed {
				if st.Cause != protocol.CauseVisitorGone {
					t.Fatalf("closed for %q", st.Cause)
				}
				break
			}
		}
		if st := e.svc.Stats(); st.Open != 0 {
			t.Fatalf("the chat stayed open past the window: %+v\n%+v", st, e.svc.Explain(chatID))
		}
	})
}

// Many visitors writing at once through a commit queue of two: commands wait or are told the
// server is busy, nothing deadlocks, every acknowledged message is stored once, and the
// service and the store shut down.
func TestBackpressureDoesNotDeadlock(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, func(_ *chat.Config, s *store.Config) { s.QueueLimit = 2 })
		anna, _ := e.agent(0)
		const visitors = 5
		var (
			clients []*client
			chats   []string
		)
		for range visitors {
			v := e.visitor()
			id, _ := v.request("Vera", "")
			anna.take(id)
			clients = append(clients, v)
			chats = append(chats, id)
		}
		var wg sync.WaitGroup
		acked := make([]map[string]bool, visitors)
		for i, v := range clients {
			acked[i] = map[string]bool{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range 60 {
					id := fmt.Sprint("w", i, "-", n)
					v.send(id, chats[i], &protocol.Send{Text: id})
				}
				for n := range 60 {
					id := fmt.Sprint("w", i, "-", n)
					switch ev := answer(t, v.conn, id); b := ev.Body.(type) {
					case *protocol.Ack:
						acked[i][id] = true
					case *protocol.Error:
						if b.Code != protocol.CodeBusy {
							t.Errorf("%s: %s %s", id, b.Code, b.Message)
						}
					}
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Fatal("senders stuck: deadlock under backpressure")
		}
		for i, id := range chats {
			msgs, err := e.st.Messages(context.Background(), id, 0)
			if err != nil {
				t.Fatal(err)
			}
			stored := map[string]int{}
			for _, m := range msgs {
				stored[m.ClientID]++
			}
			for cid := range acked[i] {
				if stored[cid] != 1 {
					t.Fatalf("acknowledged %s stored %d times", cid, stored[cid])
				}
			}
			e.checkNumbering(id)
		}
		stopped := make(chan struct{})
		go func() { e.stop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(30 * time.Second):
			t.Fatal("shutdown hangs")
		}
	})
}

// Settings saved in the store reach whoever holds them, after their commit and without
// anybody calling anything: routing (a tenant's time zone, opening hours), the visitor pages
// already open (texts), the agent apps (canned responses, statuses), signed-in agents who are
// deactivated, connections from an address that gets blocked.
func TestSettingsReachWhoHoldsThem(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		settled := func() {
			t.Helper()
			if err := e.bus.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// Monday 09:00 UTC is 10:00 in Berlin: open from 09:30.
		conn := e.connector
		conn.OpeningHours = []byte(`{"days":{"mon":["09:30-17:00"]}}`)
		conn.Texts["welcomeMessage"] = "Welcome back!"
		var err error
		if conn, err = e.st.UpdateConnector(ctx, conn); err != nil {
			t.Fatal(err)
		}
		settled()
		if !e.svc.ConnectorOpen(conn) {
			t.Fatal("closed at 10:00 in Berlin")
		}
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		v := e.visitor()

		// The tenant moves to UTC: 09:00 there, so the connector closes, and the page says so.
		ten := e.tenant
		ten.TimeZone = "UTC"
		if _, err := e.st.UpdateTenant(ctx, ten); err != nil {
			t.Fatal(err)
		}
		settled()
		if e.svc.ConnectorOpen(conn) {
			t.Fatal("the time zone change did not reach routing")
		}
		conn.Texts["welcomeMessage"] = "Hallo!"
		if conn, err = e.st.UpdateConnector(ctx, conn); err != nil {
			t.Fatal(err)
		}
		settled()
		_, cfg := await[*protocol.Config](t, v.conn)
		if cfg.Open || cfg.Texts["welcomeMessage"] != "Hallo!" {
			t.Fatalf("config for the open page: open %v, texts %v", cfg.Open, cfg.Texts)
		}
		// The next connect has the new text too, though the one before resolved the old.
		next := newConn(1024)
		cl := &client{conn: next, e: e, ss: e.svc.OpenVisitor(next)}
		if ev := cl.call("", &protocol.VisitorConnect{Connector: e.connector.Hash, Lang: "en", Page: "https://shop.example/"}); ev.Body.(*protocol.Connected).Texts["welcomeMessage"] != "Hallo!" {
			t.Fatalf("the next connect's texts: %v", ev.Body.(*protocol.Connected).Texts)
		}

		// Canned responses and statuses reach the agent apps.
		if _, err := e.st.CreateCannedFolder(ctx, store.CannedFolder{TenantID: e.tenant.ID, Name: "Orders"}); err != nil {
			t.Fatal(err)
		}
		st := e.available
		st.Name = "Ready"
		if _, err := e.st.UpdateStatus(ctx, st); err != nil {
			t.Fatal(err)
		}
		// So do the tag and outcome lists and the outcome rule, whole, without reconnecting.
		if _, err := e.st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: e.tenant.ID, Name: "billing"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.SaveLabel(ctx, store.LabelOutcome, store.Label{TenantID: e.tenant.ID, Name: "solved"}); err != nil {
			t.Fatal(err)
		}
		if err := e.st.SaveReportSettings(ctx, store.ReportSettings{TenantID: e.tenant.ID, OutcomeRequired: true, AnswerTarget: time.Minute}); err != nil {
			t.Fatal(err)
		}
		settled()
		kinds := map[string]bool{}
		for len(kinds) < 3 {
			_, ch := await[*protocol.SettingsChanged](t, anna.conn)
			if ch.Kind == "statuses" && (len(ch.Statuses) != 2 || ch.Statuses[0].Name != "Ready") {
				t.Fatalf("statuses %+v", ch.Statuses)
			}
			if ch.Kind == "labels" && !(len(ch.Tags) == 1 && ch.Tags[0].Name == "billing" && len(ch.Outcomes) == 1 &&
				ch.Outcomes[0].Name == "solved" && ch.OutcomeRequired) {
				continue // an earlier state, replaced by the last one
			}
			kinds[ch.Kind] = true
		}

		// Ben is deactivated: his connection closes.
		u := e.agents[1]
		u.Active = false
		if _, err := e.st.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		settled()
		if !ben.closed() || protocol.CloseCode(ben.code.Load()) != protocol.CloseUnauthorized {
			t.Fatalf("deactivated agent: closed %v, code %d", ben.closed(), ben.code.Load())
		}

		// The visitor's address is blocked: the page closes.
		if _, err := e.st.CreateIPBlock(ctx, store.IPBlock{TenantID: e.tenant.ID, Prefix: "203.0.113.0/24"}); err != nil {
			t.Fatal(err)
		}
		settled()
		if !v.closed() || protocol.CloseCode(v.code.Load()) != protocol.CloseForbidden {
			t.Fatalf("blocked visitor: closed %v, code %d", v.closed(), v.code.Load())
		}
		if anna.closed() {
			t.Fatal("an agent was closed by a visitor block")
		}
	})
}

// Whispers: every agent in a chat — the owner, and an observer who may not write to the
// visitor — writes internal notes that only agents see, stored as such; the visitor's numbering
// has no hole for them, and the visitor is not told the agent is typing one.
func TestWhispers(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		sven, _ := e.agent(2)
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.take(chatID)
		sven.call(chatID, &protocol.ChatJoin{As: protocol.PartObserver})
		anna.call(chatID, &protocol.Send{Text: "she asked last week too", Internal: true})
		sven.call(chatID, &protocol.Send{Text: "offer the refund", Internal: true})
		sven.call(chatID, &protocol.Typing{On: true, Internal: true})
		for _, ev := range v.takeTransient() {
			if _, ok := ev.Body.(*protocol.TypingEvent); ok {
				t.Fatalf("the visitor was told of an internal note being typed: %+v", ev.Body)
			}
		}
		isTyping := func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.TypingEvent); return ok }
		if typing := anna.find(isTyping).Body.(*protocol.TypingEvent); !typing.Internal || typing.UserID != e.agents[2].ID {
			t.Fatalf("the owner was told %+v", typing)
		}
		anna.call(chatID, &protocol.Typing{On: true})
		if typing := v.find(isTyping).Body.(*protocol.TypingEvent); !typing.On || typing.Name != "Anna" {
			t.Fatalf("the visitor was told %+v", typing)
		}
		anna.call(chatID, &protocol.Send{Text: "Here is your refund."})
		if c := code(v.callErr(chatID, &protocol.Send{Text: "psst", Internal: true})); c != protocol.CodeInvalid {
			t.Fatalf("a visitor's internal note: %q", c)
		}
		anna.call(chatID, &protocol.Close{})
		closed := func(ev protocol.Event) bool {
			s, ok := ev.Body.(*protocol.ChatState)
			return ok && s.State == protocol.StateClosed
		}
		var seen []string
		for _, ev := range v.durable(chatID, closed) {
			if m, ok := ev.Body.(*protocol.Message); ok {
				seen = append(seen, m.Text)
			}
		}
		if got := strings.Join(seen, "|"); got != "Welcome!|Here is your refund.|Goodbye." {
			t.Fatalf("the visitor saw %s", got)
		}
		var notes []string
		for _, ev := range anna.durable(chatID, closed) {
			if m, ok := ev.Body.(*protocol.Message); ok && m.Internal {
				notes = append(notes, m.Name+": "+m.Text)
			}
		}
		if got := strings.Join(notes, "|"); got != "Anna: she asked last week too|Sven: offer the refund" {
			t.Fatalf("the owner saw notes %s", got)
		}
		msgs, err := e.st.Messages(context.Background(), chatID, 0)
		if err != nil {
			t.Fatal(err)
		}
		internal := 0
		for _, m := range msgs {
			if m.Internal {
				internal++
			}
		}
		if internal != 2 {
			t.Fatalf("%d internal messages stored", internal)
		}
		e.checkNumbering(chatID)
	})
}

// Invitations: the owner invites a colleague as an observer; the colleague accepts, reads
// along unseen, switches to participant and writes to the visitor. An invitation declined or
// left unanswered past the connect wait ends for both agents; an open one is listed again when
// the invited agent's app reconnects.
func TestInvitations(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		ben, _ := e.agent(1)
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		anna.take(chatID)
		benID, svenID := e.agents[1].ID, e.agents[2].ID
		list, err := e.svc.Colleagues(context.Background(), e.agents[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "Ben" || !list[0].Online || list[0].Status != e.available.Name || !list[0].AllowsChat ||
			list[1].Name != "Sven" || list[1].Online || list[0].Chats != 0 {
			t.Fatalf("colleagues %+v", list)
		}
		if mine, _ := e.svc.Colleagues(context.Background(), e.agents[1]); len(mine) != 2 || mine[0].Name != "Anna" || mine[0].Chats != 1 {
			t.Fatalf("Ben's colleagues: %+v", mine)
		}
		if c := code(anna.callErr(chatID, &protocol.ChatInvite{UserID: svenID, As: protocol.PartObserver})); c != protocol.CodeConflict {
			t.Fatalf("inviting an agent who is not signed in: %q", c)
		}
		anna.call(chatID, &protocol.ChatInvite{UserID: benID, As: protocol.PartObserver})
		inv := ben.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Invitation); return ok }).Body.(*protocol.Invitation)
		if inv.Chat.ID != chatID || inv.From.Name != "Anna" || inv.As != protocol.PartObserver {
			t.Fatalf("invitation %+v", inv)
		}
		// Ben's other window learns of it when it connects.
		_, ready := e.agent(1)
		if len(ready.Invitations) != 1 || ready.Invitations[0].Chat.ID != chatID {
			t.Fatalf("agent.ready invitations %+v", ready.Invitations)
		}
		ben.call(chatID, &protocol.InviteAccept{})
		opened := ben.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.ChatOpened); return ok }).Body.(*protocol.ChatOpened)
		if opened.Chat.As != protocol.PartObserver {
			t.Fatalf("chat.opened %+v", opened.Chat)
		}
		if c := code(ben.callErr(chatID, &protocol.InviteAccept{})); c != protocol.CodeConflict {
			t.Fatalf("accepting twice: %q", c)
		}
		if c := code(ben.callErr(chatID, &protocol.ChatInvite{UserID: svenID, As: protocol.PartObserver})); c != protocol.CodeForbidden {
			t.Fatalf("an observer invited: %q", c)
		}
		benLoad := func() int {
			list, _ := e.svc.Colleagues(context.Background(), e.agents[0])
			for _, c := range list {
				if c.ID == benID {
					return c.Chats
				}
			}
			return -1
		}
		if n := benLoad(); n != 0 {
			t.Fatalf("an observer's load shown as %d", n)
		}
		ben.call(chatID, &protocol.ChatJoin{As: protocol.PartParticipant})
		if n := benLoad(); n != 1 {
			t.Fatalf("a participant's load shown as %d", n)
		}
		ben.call(chatID, &protocol.Send{Text: "Ben here, I can help."})

		// Declined and unanswered invitations end for both sides.
		sven, _ := e.agent(2)
		anna.call(chatID, &protocol.ChatInvite{UserID: svenID, As: protocol.PartParticipant})
		sven.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Invitation); return ok })
		sven.call(chatID, &protocol.InviteDecline{})
		isEnded := func(reason string) func(protocol.Event) bool {
			return func(ev protocol.Event) bool {
				e, ok := ev.Body.(*protocol.InviteEnded)
				return ok && e.Reason == reason
			}
		}
		anna.find(isEnded("declined"))
		anna.call(chatID, &protocol.ChatInvite{UserID: svenID, As: protocol.PartParticipant})
		e.clk.Advance(31 * time.Second) // the connector's connect wait
		sven.find(isEnded("expired"))
		anna.find(isEnded("expired"))

		anna.call(chatID, &protocol.Close{})
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
			}
		}
		if got := strings.Join(seen, "|"); got != "Welcome!|joined Vera|joined Anna|joined Ben|Ben here, I can help.|Goodbye." {
			t.Fatalf("the visitor saw %s", got)
		}
		e.checkNumbering(chatID)
	})
}

// A visitor who moves on to another page comes back on it: the agents see the new page (an
// agents-only event, no hole for the visitor) and the chat records it.
func TestVisitorMovesOn(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		v := e.visitor()
		chatID, token := v.request("Vera", "")
		anna.take(chatID)
		v.Close(protocol.CloseStale, "next page")
		v.ss.Closed()
		c := newConn(64)
		back := &client{conn: c, e: e, ss: e.svc.OpenVisitor(c)}
		back.call("", &protocol.VisitorConnect{Connector: e.connector.Hash, Page: "https://shop.example/checkout", Referrer: "https://shop.example/"})
		back.call(chatID, &protocol.Resume{Token: token})
		page := anna.find(func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.VisitorPage); return ok }).Body.(*protocol.VisitorPage)
		if page.Page != "https://shop.example/checkout" {
			t.Fatalf("visitor.page %+v", page)
		}
		rec, err := e.st.Chat(context.Background(), chatID)
		if err != nil || rec.Page != "https://shop.example/checkout" {
			t.Fatalf("chat page %q: %v", rec.Page, err)
		}
		// Resuming on the same page again says nothing new.
		back.call(chatID, &protocol.Resume{Token: token})
		back.call(chatID, &protocol.Send{Text: "still here"})
		e.checkNumbering(chatID)
	})
}

// An agent who makes themself available while a chat waits hears of the new status before the
// offer it brings: a client that waits for agent.status must not skip the offer.
func TestStatusBeforeTheOfferItBrings(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		var pause int64
		statuses, _ := e.st.Statuses(ctx, e.tenant.ID)
		for _, s := range statuses {
			if !s.AllowsChat {
				pause = s.ID
			}
		}
		if err := e.st.SetUserStatus(ctx, e.agents[0].ID, pause); err != nil {
			t.Fatal(err)
		}
		if err := e.bus.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		v := e.visitor()
		chatID, _ := v.request("Vera", "Hello")
		anna, _ := e.agent(0)
		anna.call("", &protocol.StatusSet{Status: e.available.ID})
		for {
			ev := anna.conn.next(t)
			switch b := ev.Body.(type) {
			case *protocol.AgentStatus:
				if b.Status != e.available.ID {
					t.Fatalf("agent.status %+v", b)
				}
				if ev, _ := await[*protocol.Offer](t, anna.conn); ev.Chat != chatID {
					t.Fatalf("offer of %s, want %s", ev.Chat, chatID)
				}
				return
			case *protocol.Offer:
				t.Fatalf("the offer of %s came before agent.status", ev.Chat)
			}
		}
	})
}

// A visitor's line clears the preview the agents were shown, and only then: a line with no
// preview before it sends the agents nothing but the line.
func TestLineClearsShownPreview(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		anna, _ := e.agent(0)
		v := e.visitor()
		chatID, _ := v.request("Vera", "Hello?")
		anna.take(chatID)
		previews := func() (texts []string) {
			for _, ev := range anna.conn.takeTransient() {
				if p, ok := ev.Body.(*protocol.PreviewEvent); ok {
					texts = append(texts, p.Text)
				}
			}
			return texts
		}
		anna.conn.takeTransient()
		v.call(chatID, &protocol.Send{Text: "no preview before this"})
		if got := previews(); len(got) != 0 {
			t.Fatalf("a line without a preview sent the agent previews %q", got)
		}
		v.call(chatID, &protocol.PreviewConsent{On: true})
		v.call(chatID, &protocol.Preview{Text: "typing th"})
		if got := previews(); !slices.Equal(got, []string{"typing th"}) {
			t.Fatalf("the agent saw previews %q", got)
		}
		v.call(chatID, &protocol.Send{Text: "typing this"})
		if got := previews(); !slices.Equal(got, []string{""}) {
			t.Fatalf("after the line the agent saw previews %q, want it cleared", got)
		}
		v.call(chatID, &protocol.Send{Text: "and this"})
		if got := previews(); len(got) != 0 {
			t.Fatalf("a second line sent the agent previews %q", got)
		}
	})
}
