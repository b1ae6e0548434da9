package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// A chat that requires a skill waits for an agent who has it until the skill's ignore timeout,
// then goes to anyone.
func TestSkillRequirementThenIgnoreTimeout(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	env.ChangeConnector(t, func(conn *store.Connector) {
		// Anna speaks German (3), Ben does not.
		conn.Skills[0] = store.SkillRequirement{Skill: "german", Min: 3, IgnoreAfter: 2 * time.Second}
	})
	ben, _ := env.Agent(t, 1)
	visitor, _ := env.Visitor(t)
	requested := time.Now()
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Gerd"})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := await[*protocol.Offer](t, ctx, ben)
	if ev.Chat != ack.Body.(*protocol.Ack).Chat {
		t.Fatalf("offer for %s", ev.Chat)
	}
	if waited := time.Since(requested); waited < 2*time.Second {
		t.Fatalf("the unskilled agent got the chat after %s, before the skill's ignore timeout", waited)
	}
	// The decision log says why Ben was passed over at first.
	found := false
	for _, e := range env.Server.Chats().Explain(ev.Chat) {
		if e.Event == "passed_over" && e.Detail != "" {
			found = true
		}
	}
	if !found {
		t.Fatalf("decision log %+v", env.Server.Chats().Explain(ev.Chat))
	}

	// With Anna there, the next chat goes to her at once.
	anna, _ := env.Agent(t, 0)
	v2, _ := env.Visitor(t)
	ack2, err := v2.Call(ctx, "", &protocol.ChatRequest{Name: "Grete"})
	if err != nil {
		t.Fatal(err)
	}
	if ev, _ := await[*protocol.Offer](t, ctx, anna); ev.Chat != ack2.Body.(*protocol.Ack).Chat {
		t.Fatalf("anna got offer for %s", ev.Chat)
	}
}

// A chat nobody takes within the free agent search time is closed with the byeNoAgent text.
func TestNoAgentWithinSearchTime(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	env.ChangeConnector(t, func(conn *store.Connector) {
		conn.FreeAgentSearch = time.Second
	})
	visitor, connected := env.Visitor(t)
	if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Alone"}); err != nil {
		t.Fatal(err)
	}
	_, st1 := await[*protocol.ChatState](t, ctx, visitor)
	if st1.State != protocol.StateQueued {
		t.Fatalf("first state %+v", st1)
	}
	ev, err := visitor.Await(ctx, func(ev protocol.Event) bool { m, ok := ev.Body.(*protocol.Message); return ok && m.Key == "byeNoAgent" })
	if err != nil {
		t.Fatal(err)
	}
	if ev.Body.(*protocol.Message).Text != connected.Texts["byeNoAgent"] {
		t.Fatalf("bye text %+v", ev.Body)
	}
	if _, st2 := await[*protocol.ChatState](t, ctx, visitor); st2.State != protocol.StateClosed || st2.Cause != protocol.CauseNoAgent {
		t.Fatalf("closed %+v", st2)
	}
}

// An agent away longer than the reconnect window gives their chats back to the queue, and
// another agent gets them.
func TestAgentGoneRequeuesChats(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) {
		c.ReconnectWindow, c.AgentWarning = 2*time.Second, time.Second
	}})
	ctx := ctxT(t)
	anna, _ := env.Agent(t, 0)
	visitor, _ := env.Visitor(t)
	chatID, _ := startChat(t, ctx, visitor, anna, "Lotte")
	ben, _ := env.Agent(t, 1)
	anna.Drop()
	ev, _ := await[*protocol.Offer](t, ctx, ben)
	if ev.Chat != chatID {
		t.Fatalf("ben got offer for %s", ev.Chat)
	}
	// The visitor saw Anna leave and the chat wait again.
	_, left := await[*protocol.Left](t, ctx, visitor)
	if left.Name != "Anna" {
		t.Fatalf("left %+v", left)
	}
	if _, err := ben.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	if _, j := await[*protocol.Joined](t, ctx, visitor); j.Name != "Ben" {
		t.Fatalf("joined %+v", j)
	}
}

// Outside the opening hours a chat request is refused with the outOfService text, and the
// widget learns the connector is closed.
func TestOpeningHoursRefuse(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	env.ChangeConnector(t, func(conn *store.Connector) {
		// No opening hours on any weekday: closed.
		conn.OpeningHours = []byte(`{"days":{},"closed":["2001-01-01"]}`)
	})
	visitor, connected := env.Visitor(t)
	if connected.Open {
		t.Fatal("connected says open outside the opening hours")
	}
	_, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Late"})
	pe, ok := err.(*protocol.Error)
	if !ok || pe.Code != protocol.CodeOutOfService || pe.Message != connected.Texts["outOfService"] {
		t.Fatalf("request outside hours: %v", err)
	}
	ev, err := visitor.Call(ctx, "", &protocol.QueueInfoGet{})
	if err != nil {
		t.Fatal(err)
	}
	if info := ev.Body.(*protocol.QueueInfo); info.Open {
		t.Fatalf("queue info %+v", info)
	}
}

// A waiting visitor gets the waiting messages, and an agent who lets offers lapse is set to
// the configured status (jtel auto-logoff).
func TestWaitingMessagesAndMissedOffers(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	st := env.Server.Store()
	conn := env.ChangeConnector(t, func(conn *store.Connector) {
		conn.Waiting1, conn.Waiting2, conn.ConnectWait = time.Second, 0, time.Second
	})
	statuses, err := st.Statuses(ctx, conn.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	var away int64
	for _, s := range statuses {
		if !s.AllowsChat {
			away = s.ID
			break
		}
	}
	u, err := st.UserByLogin(ctx, env.DemoUser(t, "agent", 1).Login)
	if err != nil {
		t.Fatal(err)
	}
	u.MissedLimit, u.MissedStatusID = 1, away
	if _, err := st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	env.Settled(t)
	ben, _ := env.Agent(t, 1)
	visitor, connected := env.Visitor(t)
	if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Patient"}); err != nil {
		t.Fatal(err)
	}
	_, _ = await[*protocol.Offer](t, ctx, ben)
	// Ben lets it lapse: his status changes to the configured one.
	_, changed := await[*protocol.AgentStatus](t, ctx, ben)
	if changed.Status != away || changed.Reason != "missed_offers" {
		t.Fatalf("status change %+v", changed)
	}
	ev, err := visitor.Await(ctx, func(ev protocol.Event) bool { m, ok := ev.Body.(*protocol.Message); return ok && m.Key == "waiting1" })
	if err != nil {
		t.Fatal(err)
	}
	if m := ev.Body.(*protocol.Message); m.Class != "lineo linewaiting1" || m.Text == "" || m.Role != protocol.RoleSystem {
		t.Fatalf("waiting message %+v (texts %v)", m, connected.Texts["waiting1"])
	}
}

// The connector's widget options apply on the server: a visitor's message length limit, and
// the idle timeout with its warning (MiCC IdleTimeout, WarningBeforeIdleTimeout).
func TestToolboxLimits(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	env.ChangeConnector(t, func(conn *store.Connector) {
		conn.Toolbox = []byte(`{"position":"bottom-left","idle_timeout":2,"idle_warning":1,"max_message_length":10}`)
	})
	agent, _ := env.Agent(t, 0)
	visitor, connected := env.Visitor(t)
	if connected.MaxMessage != 10 {
		t.Fatalf("max message %d", connected.MaxMessage)
	}
	chatID, _ := startChat(t, ctx, visitor, agent, "Idle")
	if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "eleven char"}); !isCode(err, protocol.CodeTooLarge) {
		t.Fatalf("over the connector's limit: %v", err)
	}
	if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "ten chars!"}); err != nil {
		t.Fatal(err)
	}
	ev, err := visitor.Await(ctx, func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && m.Key == "idleWarning"
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := ev.Body.(*protocol.Message); !strings.Contains(m.Text, "1 seconds") {
		t.Fatalf("idle warning %q", m.Text)
	}
	for {
		_, st := await[*protocol.ChatState](t, ctx, visitor)
		if st.State == protocol.StateClosed {
			if st.Cause != protocol.CauseIdle {
				t.Fatalf("closed for %s", st.Cause)
			}
			break
		}
	}
}

// Outside service a visitor can leave a message; it is stored for the agents to answer.
func TestLeaveMessage(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		env.ChangeConnector(t, func(conn *store.Connector) { conn.OutOfService = true })
		visitor, connected := env.Visitor(t)
		if connected.Open || !connected.LeaveMessage {
			t.Fatalf("connected open=%v leave_message=%v", connected.Open, connected.LeaveMessage)
		}
		if _, err := visitor.Call(ctx, "", &protocol.LeaveMessage{Name: "Nora", Text: "Please call me"}); !isCode(err, protocol.CodeInvalid) {
			t.Fatalf("without contact: %v", err)
		}
		ack, err := visitor.Call(ctx, "", &protocol.LeaveMessage{Name: "Nora", Email: "nora@example.com", Department: "Sales", Text: "Please call me about the offer."})
		if err != nil {
			t.Fatal(err)
		}
		left, err := env.Server.Store().LeftMessages(ctx, env.Demo.TenantID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 1 || left[0].Chat.ID != ack.Body.(*protocol.Ack).Chat || left[0].Text != "Please call me about the offer." ||
			left[0].Chat.VisitorEmail != "nora@example.com" || left[0].Chat.Fields["department"] != "Sales" || left[0].Chat.State != "closed" {
			t.Fatalf("left messages %+v", left)
		}
		// A connector can switch it off.
		env.ChangeConnector(t, func(conn *store.Connector) { conn.Toolbox = []byte(`{"leave_message":false}`) })
		v2, c2 := env.Visitor(t)
		if c2.LeaveMessage {
			t.Fatal("leave_message still on")
		}
		if _, err := v2.Call(ctx, "", &protocol.LeaveMessage{Name: "Nora", Phone: "+49 30 1", Text: "x"}); !isCode(err, protocol.CodeUnsupported) {
			t.Fatalf("switched off: %v", err)
		}
	})
}
