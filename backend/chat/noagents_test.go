package chat_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// storedKeys lists the resource keys of a chat's stored system lines, in order.
func (e *env) storedKeys(chatID string) []string {
	e.t.Helper()
	evs, err := e.st.EventsAfter(context.Background(), chatID, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var keys []string
	for _, ev := range evs {
		if ev.Type != string(protocol.TypeMessage) {
			continue
		}
		if m := decode[protocol.Message](e.t, ev.Data); m.Role == protocol.RoleSystem {
			keys = append(keys, m.Key)
		}
	}
	return keys
}

func count(keys []string, key string) int {
	n := 0
	for _, k := range keys {
		if k == key {
			n++
		}
	}
	return n
}

// A chat requested while no agent who could take it is signed in gets the connector's
// noAgents text after the welcome (jtel), and keeps waiting: an agent who signs in gets it,
// and only the end of the free-agent search says byeNoAgent.
func TestNoAgentsAtRequest(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		e.connector.Texts = map[string]string{"welcomeMessage": "Welcome!", "noAgents": "Nobody here.", "noAgents#de": "Niemand da."}
		if _, err := e.st.UpdateConnector(ctx, e.connector); err != nil {
			t.Fatal(err)
		}
		if err := e.bus.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		// The supervisor, signed in but in no group and without chats, staffs nothing.
		e.agent(2)
		v := e.visitor()
		chatID, _ := v.request("Vera", "Is anyone there?")
		if got := e.storedKeys(chatID); len(got) != 2 || got[0] != "welcomeMessage" || got[1] != "noAgents" {
			t.Fatalf("system lines after the request: %q, want welcomeMessage, noAgents", got)
		}
		evs := v.durable(chatID, func(ev protocol.Event) bool {
			m, ok := ev.Body.(*protocol.Message)
			return ok && m.Key == "noAgents"
		})
		if m := evs[len(evs)-1].Body.(*protocol.Message); m.Text != "Nobody here." || m.Role != protocol.RoleSystem {
			t.Fatalf("noAgents line %+v", m)
		}

		// In German, the German text.
		v2 := e.visitor()
		a := v2.call("", &protocol.ChatRequest{Name: "Dora", Lang: "de"}).Body.(*protocol.Ack)
		evs = v2.durable(a.Chat, func(ev protocol.Event) bool {
			m, ok := ev.Body.(*protocol.Message)
			return ok && m.Key == "noAgents"
		})
		if m := evs[len(evs)-1].Body.(*protocol.Message); m.Text != "Niemand da." {
			t.Fatalf("German noAgents line %q", m.Text)
		}

		// The chat still waits: Anna signs in and is offered it.
		// Connected by hand: the offer may come before agent.ready, which e.agent would skip.
		c := newConn(1024)
		anna := &client{conn: c, e: e, ss: e.svc.OpenAgent(c)}
		anna.call("", &protocol.AgentConnect{Token: e.tokens[e.agents[0].ID]})
		anna.take(chatID)
		if got := count(e.storedKeys(chatID), "noAgents"); got != 1 {
			t.Fatalf("noAgents sent %d times", got)
		}
	})
}

// With an agent signed in who could take the chat, busy or not, nobody is told there is none.
func TestNoAgentsNotWhenStaffed(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		anna, _ := e.agent(0)
		v := e.visitor()
		first, _ := v.request("Vera", "Hello")
		anna.take(first)
		for _, id := range []string{first, func() string { c, _ := e.visitor().request("Otto", "Hi"); return c }()} {
			if got := e.storedKeys(id); count(got, "noAgents") != 0 {
				t.Fatalf("chat %s with Anna signed in: system lines %q", id, got)
			}
		}
		// Anna pauses: a status that does not allow chat leaves nobody.
		var pause store.AgentStatus
		statuses, err := e.st.Statuses(ctx, e.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range statuses {
			if s.Name == "Pause" {
				pause = s
			}
		}
		anna.call("", &protocol.StatusSet{Status: pause.ID})
		third, _ := e.visitor().request("Paul", "Hi")
		if got := e.storedKeys(third); count(got, "noAgents") != 1 {
			t.Fatalf("chat with Anna paused: system lines %q", got)
		}
	})
}

// The end of the search closes the chat with byeNoAgent, once, after the one noAgents.
func TestNoAgentsThenByeNoAgent(t *testing.T) {
	each(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		v := e.visitor()
		chatID, _ := v.request("Vera", "")
		// Two round trips through the routing goroutine: the request is applied and the
		// search's timer armed before the clock moves.
		e.svc.Snapshot()
		e.svc.Snapshot()
		e.clk.Advance(store.DefaultFreeAgentSearch + time.Second)
		v.durable(chatID, func(ev protocol.Event) bool {
			s, ok := ev.Body.(*protocol.ChatState)
			return ok && s.State == protocol.StateClosed
		})
		keys := e.storedKeys(chatID)
		if count(keys, "noAgents") != 1 || count(keys, "byeNoAgent") != 1 || keys[len(keys)-1] != "byeNoAgent" || keys[1] != "noAgents" {
			t.Fatalf("system lines %q", keys)
		}
	})
}
