package server_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) != "" {
		// Re-executed by a test as the server process it kills (see crash_test.go).
		servertest.Serve()
		return
	}
	goleak.VerifyTestMain(m,
		// Process-wide helpers of the libraries, started once and never stopped: fasthttp's
		// date updater and idle-worker cleaner, the memory store of Fiber's limiter and
		// Fiber's timestamp updater.
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
		goleak.IgnoreAnyFunction("github.com/gofiber/fiber/v2/internal/memory.New.StartTimeStampUpdater.func1.1"),
		goleak.IgnoreAnyFunction("github.com/gofiber/fiber/v2/internal/memory.(*Storage).gc"),
		goleak.IgnoreAnyFunction("github.com/gofiber/fiber/v2/utils.StartTimeStampUpdater.func1.1"),
		// The sign-in guard's one hash of a random password, made once per process off the
		// request path; a short test can end while it is still being computed.
		goleak.IgnoreAnyFunction("github.com/parleychat/parley/backend/signin.New.gowrap1"),
	)
}

// each runs a test against SQLite and PostgreSQL.
func each(t *testing.T, f func(t *testing.T, opts servertest.Options)) {
	t.Run("sqlite", func(t *testing.T) { f(t, servertest.Options{}) })
	t.Run("postgres", func(t *testing.T) { f(t, servertest.Options{Postgres: true}) })
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// await returns the next event of type T on c, skipping others.
func await[T protocol.EventBody](t *testing.T, ctx context.Context, c *protoclient.Client) (protocol.Event, T) {
	t.Helper()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(T); return ok })
	if err != nil {
		var zero T
		t.Fatalf("waiting for %T: %v", zero, err)
	}
	return ev, ev.Body.(T)
}

// awaitMessage returns the next message event with the given text.
func awaitMessage(t *testing.T, ctx context.Context, c *protoclient.Client, text string) (protocol.Event, *protocol.Message) {
	t.Helper()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool { m, ok := ev.Body.(*protocol.Message); return ok && m.Text == text })
	if err != nil {
		t.Fatalf("waiting for message %q: %v", text, err)
	}
	return ev, ev.Body.(*protocol.Message)
}

// startChat has a visitor ask for a chat and the agent accept it.
func startChat(t *testing.T, ctx context.Context, visitor, agent *protoclient.Client, name string) (chatID, token string) {
	t.Helper()
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: name, Email: strings.ToLower(name) + "@example.com", Question: "Hello, I need help", PData: map[string]string{"userdata": "42"},
		PreviewConsent: true})
	if err != nil {
		t.Fatalf("chat.request: %v", err)
	}
	a := ack.Body.(*protocol.Ack)
	if a.Chat == "" || a.Token == "" {
		t.Fatalf("chat.request ack without chat or token: %+v", a)
	}
	offerEv, offer := await[*protocol.Offer](t, ctx, agent)
	if offerEv.Chat != a.Chat || offer.Visitor != name || offer.Question != "Hello, I need help" || offer.Expires.Before(time.Now()) {
		t.Fatalf("offer %+v for chat %s", offer, offerEv.Chat)
	}
	if _, err := agent.Call(ctx, a.Chat, &protocol.OfferAccept{}); err != nil {
		t.Fatalf("offer.accept: %v", err)
	}
	_, opened := await[*protocol.ChatOpened](t, ctx, agent)
	if opened.Chat.ID != a.Chat || opened.Chat.Visitor.Email != strings.ToLower(name)+"@example.com" || opened.Chat.Visitor.PData["userdata"] != "42" {
		t.Fatalf("chat.opened %+v", opened.Chat)
	}
	return a.Chat, a.Token
}

func TestChatEndToEnd(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, ready := env.Agent(t, 0)
		if len(ready.Statuses) == 0 || ready.User.Login == "" {
			t.Fatalf("agent.ready %+v", ready)
		}
		visitor, connected := env.Visitor(t)
		if !connected.Open || connected.Texts["welcomeMessage"] == "" || connected.MaxMessage != 4000 {
			t.Fatalf("connected %+v", connected)
		}
		chatID, _ := startChat(t, ctx, visitor, agent, "Thomas")

		// The visitor saw the queue, the welcome text, their question and the agent join.
		_, welcome := await[*protocol.Message](t, ctx, visitor)
		if welcome.Role != protocol.RoleSystem || welcome.Key != "welcomeMessage" || welcome.Text != connected.Texts["welcomeMessage"] {
			t.Fatalf("first line %+v", welcome)
		}
		_, joined := await[*protocol.Joined](t, ctx, visitor)
		if joined.Role != protocol.RoleAgent || joined.Name != "Anna" {
			t.Fatalf("joined %+v", joined)
		}
		// The agent got the history: the visitor's question.
		awaitMessage(t, ctx, agent, "Hello, I need help")

		// Typing and preview from the visitor reach the agent.
		if _, err := visitor.Call(ctx, chatID, &protocol.Typing{On: true}); err != nil {
			t.Fatal(err)
		}
		if _, typing := await[*protocol.TypingEvent](t, ctx, agent); !typing.On || typing.Role != protocol.RoleVisitor {
			t.Fatalf("typing %+v", typing)
		}
		if _, err := visitor.Call(ctx, chatID, &protocol.Preview{Text: "My order numb"}); err != nil {
			t.Fatal(err)
		}
		if _, p := await[*protocol.PreviewEvent](t, ctx, agent); p.Text != "My order numb" {
			t.Fatalf("preview %+v", p)
		}
		// Messages both ways, acked with their sequence number.
		ack, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "My order number is 1234"})
		if err != nil {
			t.Fatal(err)
		}
		ev, m := awaitMessage(t, ctx, agent, "My order number is 1234")
		if m.Role != protocol.RoleVisitor || m.Name != "Thomas" || ev.Seq != ack.Body.(*protocol.Ack).Seq {
			t.Fatalf("agent got %+v seq %d, ack %+v", m, ev.Seq, ack.Body)
		}
		// Agent typing reaches the visitor, with the agent's name.
		if _, err := agent.Call(ctx, chatID, &protocol.Typing{On: true}); err != nil {
			t.Fatal(err)
		}
		if _, typing := await[*protocol.TypingEvent](t, ctx, visitor); !typing.On || typing.Name != "Anna" {
			t.Fatalf("agent typing %+v", typing)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "Let me check order 1234."}); err != nil {
			t.Fatal(err)
		}
		if _, m := awaitMessage(t, ctx, visitor, "Let me check order 1234."); m.Role != protocol.RoleAgent || m.Name != "Anna" {
			t.Fatalf("visitor got %+v", m)
		}
		// The agent closes; the visitor gets the bye text and the closed state.
		if _, err := agent.Call(ctx, chatID, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}
		if _, bye := await[*protocol.Message](t, ctx, visitor); bye.Key != "bye" || bye.Text != connected.Texts["bye"] {
			t.Fatalf("bye %+v", bye)
		}
		if _, st := await[*protocol.ChatState](t, ctx, visitor); st.State != protocol.StateClosed || st.Cause != protocol.CauseAgent {
			t.Fatalf("state %+v", st)
		}
		// Everything is in the store.
		rec, err := env.Server.Store().Chat(ctx, chatID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.State != "closed" || rec.CloseCause != "agent" || rec.AgentID == 0 || rec.ClosedAt == nil || rec.VisitorName != "Thomas" {
			t.Fatalf("stored chat %+v", rec)
		}
		msgs, err := env.Server.Store().Messages(ctx, chatID, 50)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, m := range msgs {
			texts = append(texts, m.Role+":"+m.Text)
		}
		want := []string{"system:" + connected.Texts["welcomeMessage"], "visitor:Hello, I need help", "visitor:My order number is 1234", "agent:Let me check order 1234.", "system:" + connected.Texts["bye"]}
		if strings.Join(texts, "|") != strings.Join(want, "|") {
			t.Fatalf("stored messages\n got %q\nwant %q", texts, want)
		}
		// Sending to the closed chat is refused.
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "still there?"}); !isCode(err, protocol.CodeConflict) && !isCode(err, protocol.CodeForbidden) {
			t.Fatalf("send to closed chat: %v", err)
		}
	})
}

func isCode(err error, code protocol.Code) bool {
	pe, ok := err.(*protocol.Error)
	return ok && pe.Code == code
}

func TestDeclinedOfferGoesToNextAgent(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	anna, _ := env.Agent(t, 0)
	ben, _ := env.Agent(t, 1)
	visitor, _ := env.Visitor(t)
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Petra"})
	if err != nil {
		t.Fatal(err)
	}
	chatID := ack.Body.(*protocol.Ack).Chat
	// Whoever gets the offer first declines; the other must get it next.
	// (Other events, such as colleagues.changed, may come first.)
	var first, second *protoclient.Client
	for first == nil {
		select {
		case ev := <-anna.Events():
			if _, ok := ev.Body.(*protocol.Offer); ok {
				first, second = anna, ben
			}
		case ev := <-ben.Events():
			if _, ok := ev.Body.(*protocol.Offer); ok {
				first, second = ben, anna
			}
		case <-ctx.Done():
			t.Fatal("no offer")
		}
	}
	if _, err := first.Call(ctx, chatID, &protocol.OfferDecline{}); err != nil {
		t.Fatal(err)
	}
	ev, _ := await[*protocol.Offer](t, ctx, second)
	if ev.Chat != chatID {
		t.Fatalf("second agent got offer for %s", ev.Chat)
	}
	// The declining agent can no longer accept.
	if _, err := first.Call(ctx, chatID, &protocol.OfferAccept{}); !isCode(err, protocol.CodeConflict) {
		t.Fatalf("accept after decline: %v", err)
	}
	if _, err := second.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
}

func TestUnansweredOfferGoesToNextAgent(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	env.ChangeConnector(t, func(conn *store.Connector) { conn.ConnectWait = time.Second })
	anna, _ := env.Agent(t, 0)
	ben, _ := env.Agent(t, 1)
	visitor, _ := env.Visitor(t)
	if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Paul"}); err != nil {
		t.Fatal(err)
	}
	got := map[*protoclient.Client]bool{}
	for len(got) < 2 {
		select {
		case ev := <-anna.Events():
			if _, ok := ev.Body.(*protocol.Offer); ok {
				got[anna] = true
			}
		case ev := <-ben.Events():
			if _, ok := ev.Body.(*protocol.Offer); ok {
				got[ben] = true
			}
		case <-ctx.Done():
			t.Fatalf("offers reached %d agents", len(got))
		}
	}
}

func TestResumeWithoutLoss(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		visitor, connected := env.Visitor(t)
		chatID, token := startChat(t, ctx, visitor, agent, "Rita")
		ev, _ := await[*protocol.ChatState](t, ctx, visitor) // queued
		_, _ = await[*protocol.Joined](t, ctx, visitor)
		ev, _ = await[*protocol.ChatState](t, ctx, visitor) // active
		last := ev.Seq
		visitor.Drop()
		_, presence := await[*protocol.Presence](t, ctx, agent)
		if presence.Online {
			t.Fatalf("presence %+v", presence)
		}
		for _, text := range []string{"one", "two", "three"} {
			if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		back, _ := env.Visitor(t)
		_ = connected
		if _, err := back.Call(ctx, chatID, &protocol.Resume{Token: "wrong", After: last}); !isCode(err, protocol.CodeUnauthorized) {
			t.Fatalf("resume with a wrong token: %v", err)
		}
		ack, err := back.Call(ctx, chatID, &protocol.Resume{Token: token, After: last})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		seen := last
	collect:
		for {
			select {
			case ev := <-back.Events():
				if ev.Seq != 0 {
					if ev.Seq != seen+1 {
						t.Fatalf("after seq %d came %d (%T)", seen, ev.Seq, ev.Body)
					}
					seen = ev.Seq
				}
				if m, ok := ev.Body.(*protocol.Message); ok {
					got = append(got, m.Text)
				}
			default:
				break collect
			}
		}
		if strings.Join(got, ",") != "one,two,three" || ack.Body.(*protocol.Ack).Seq != seen {
			t.Fatalf("replayed %q up to %d, ack %+v", got, seen, ack.Body)
		}
		if _, p := await[*protocol.Presence](t, ctx, agent); !p.Online {
			t.Fatalf("presence %+v", p)
		}
		// Live events follow the replay.
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "four"}); err != nil {
			t.Fatal(err)
		}
		if ev, _ := awaitMessage(t, ctx, back, "four"); ev.Seq != seen+1 {
			t.Fatalf("live event seq %d after %d", ev.Seq, seen)
		}

		// The agent reconnects too and resumes from the start: the whole history, in order.
		agent.Drop()
		agent2, ready := env.AgentWithToken(t, env.Login(t, env.DemoUser(t, "agent", 0).Login, env.DemoUser(t, "agent", 0).Password))
		if len(ready.Chats) != 1 || ready.Chats[0].ID != chatID {
			t.Fatalf("agent.ready chats %+v", ready.Chats)
		}
		if _, err := agent2.Call(ctx, chatID, &protocol.Resume{After: 0}); err != nil {
			t.Fatal(err)
		}
		var n uint64
		for ev := range agent2.Events() {
			if ev.Seq != 0 {
				n++
				if ev.Seq != n {
					t.Fatalf("agent replay: seq %d at position %d", ev.Seq, n)
				}
			}
			if len(agent2.Events()) == 0 {
				break
			}
		}
		if n != seen+1 {
			t.Fatalf("agent replay ended at %d, want %d", n, seen+1)
		}
	})
}

func TestRetriedSendIsAppliedOnce(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	agent, _ := env.Agent(t, 0)
	visitor, _ := env.Visitor(t)
	chatID, _ := startChat(t, ctx, visitor, agent, "Ida")
	a1, err := visitor.CallID(ctx, "retry-1", chatID, &protocol.Send{Text: "only once"})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := visitor.CallID(ctx, "retry-1", chatID, &protocol.Send{Text: "only once"})
	if err != nil {
		t.Fatal(err)
	}
	if a1.Body.(*protocol.Ack).Seq != a2.Body.(*protocol.Ack).Seq {
		t.Fatalf("retry got seq %d, first %d", a2.Body.(*protocol.Ack).Seq, a1.Body.(*protocol.Ack).Seq)
	}
	msgs, err := env.Server.Store().Messages(ctx, chatID, 50)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Text == "only once" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("stored %d copies", n)
	}
}

func TestVisitorAwayPastWindowClosesChat(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) {
		c.ReconnectWindow, c.AgentWarning = 2*time.Second, time.Second
	}})
	ctx := ctxT(t)
	agent, _ := env.Agent(t, 0)
	visitor, _ := env.Visitor(t)
	chatID, _ := startChat(t, ctx, visitor, agent, "Gone")
	env.ChangeConnector(t, func(conn *store.Connector) { conn.ReconnectWindow = 2 * time.Second })
	visitor.Drop()
	_, w := await[*protocol.Warning](t, ctx, agent)
	if w.Code != "visitor_away" || w.Seconds != 1 {
		t.Fatalf("warning %+v", w)
	}
	ev, st := await[*protocol.ChatState](t, ctx, agent)
	for st.State != protocol.StateClosed {
		ev, st = await[*protocol.ChatState](t, ctx, agent)
	}
	if ev.Chat != chatID || st.Cause != protocol.CauseVisitorGone {
		t.Fatalf("closed %+v", st)
	}
}

func TestBadInput(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	visitor, _ := env.Visitor(t)
	expect := func(frame string, code protocol.Code) {
		t.Helper()
		if err := visitor.Write(ctx, []byte(frame)); err != nil {
			t.Fatal(err)
		}
		_, e := await[*protocol.Error](t, ctx, visitor)
		if e.Code != code {
			t.Fatalf("%.60s: got %s (%s), want %s", frame, e.Code, e.Message, code)
		}
	}
	expect(`{"v":1,"type":`, protocol.CodeBadJSON)
	expect(`{"v":1,"type":"hack","id":"1"}`, protocol.CodeUnknownType)
	expect(`{"v":2,"type":"ping","id":"1"}`, protocol.CodeBadVersion)
	expect(`{"v":1,"type":"offer.accept","id":"1","chat":"x"}`, protocol.CodeForbidden)
	expect(`{"v":1,"type":"message.send","id":"1","chat":"nope","data":{"text":"hi"}}`, protocol.CodeForbidden)
	expect(`{"v":1,"type":"message.send","id":"1","chat":"x","data":{"text":"`+strings.Repeat("é", 4001)+`"}}`, protocol.CodeTooLarge)
	expect(`{"v":1,"type":"ping","id":"1","data":"`+strings.Repeat("x", 70<<10)+`"}`, protocol.CodeTooLarge)
	expect(`{"v":1,"type":"chat.request","id":"1","data":{"name":""}}`, protocol.CodeInvalid)
	// The connection survived all of it.
	if _, err := visitor.Call(ctx, "", &protocol.Ping{}); err != nil {
		t.Fatal(err)
	}

	// Commands before connecting are refused.
	raw, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Drop()
	if _, err := raw.Call(ctx, "", &protocol.ChatRequest{Name: "x"}); !isCode(err, protocol.CodeNotConnected) {
		t.Fatalf("request before connect: %v", err)
	}
	// An unknown connector is refused and the connection closed with a terminal code.
	if _, err := raw.Call(ctx, "", &protocol.VisitorConnect{Connector: "no-such-hash"}); !isCode(err, protocol.CodeNotFound) {
		t.Fatalf("unknown hash: %v", err)
	}
	if code := raw.CloseStatus(); int(code) != int(protocol.CloseUnknownConnector) {
		t.Fatalf("close code %d", code)
	}
	// An agent connection with a bad token is refused.
	bad, err := protoclient.Dial(ctx, env.WS+"/ws/agent", protoclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Drop()
	if _, err := bad.Call(ctx, "", &protocol.AgentConnect{Token: "forged"}); !isCode(err, protocol.CodeUnauthorized) {
		t.Fatalf("forged token: %v", err)
	}
	if code := bad.CloseStatus(); int(code) != int(protocol.CloseUnauthorized) {
		t.Fatalf("close code %d", code)
	}
	// The server is still up.
	resp, err := http.Get(env.URL + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestOriginCheck: a restricted connector serves its sites, directly or through Parley's own
// frame naming the host page, and refuses other sites, and pages that cannot prove theirs: a
// sandboxed frame (Origin "null") or a client without an Origin, whatever page they claim.
func TestOriginCheck(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) { originCheck(t, opts) })
}

func originCheck(t *testing.T, opts servertest.Options) {
	env := servertest.Start(t, opts)
	ctx := ctxT(t)
	env.ChangeConnector(t, func(conn *store.Connector) { conn.AllowedOrigins = []string{"https://shop.example"} })
	host := strings.TrimPrefix(env.URL, "http://")
	for _, c := range []struct {
		name, origin string
		ok           bool
	}{
		{"the allowed site", "https://shop.example", true},
		{"Parley's frame on the allowed site", "http://" + host, true},
		{"another site", "https://evil.example", false},
		{"a sandboxed frame", "null", false},
		{"no origin", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			header := http.Header{}
			if c.origin != "" {
				header.Set("Origin", c.origin)
			}
			cl, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{Header: header})
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Drop()
			_, err = cl.Call(ctx, "", &protocol.VisitorConnect{Connector: env.Demo.ConnectorHash, Page: "https://shop.example/help"})
			if c.ok != (err == nil) || (!c.ok && !isCode(err, protocol.CodeForbidden)) {
				t.Fatalf("connect from %q: %v", c.origin, err)
			}
			if !c.ok {
				<-cl.Done()
				if cl.CloseStatus() != websocket.StatusCode(protocol.CloseUnknownConnector) {
					t.Fatalf("closed with %v", cl.CloseStatus())
				}
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	agent, _ := env.Agent(t, 0)
	visitor, _ := env.Visitor(t)
	chatID, _ := startChat(t, ctx, visitor, agent, "Max")
	if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "counted"}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"parley_connections 2", "parley_chats_open 1", "parley_chats_waiting 0", "parley_agents_connected 1", "parley_messages_total 3", "parley_commit_writes_total", "parley_commit_single_statement_total"} {
		if !strings.Contains(string(body), want+"\n") && !strings.Contains(string(body), want+" ") {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestHealth(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		resp, err := http.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 16)
		n, _ := resp.Body.Read(buf)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(buf[:n]) != want {
			t.Fatalf("%s: %d %q", path, resp.StatusCode, buf[:n])
		}
	}
}

// A chat request repeated on a new connection after a lost answer opens no second chat, for the
// same visitor id.
func TestRepeatedChatRequestAfterReconnect(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	connect := func() *protoclient.Client {
		c, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Drop)
		if _, err := c.Call(ctx, "", &protocol.VisitorConnect{Connector: env.Demo.ConnectorHash, VisitorID: "browser-7f3a"}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	first := connect()
	a1, err := first.CallID(ctx, "req-1", "", &protocol.ChatRequest{Name: "Ute"})
	if err != nil {
		t.Fatal(err)
	}
	first.Drop()
	second := connect()
	a2, err := second.CallID(ctx, "req-1", "", &protocol.ChatRequest{Name: "Ute"})
	if err != nil {
		t.Fatal(err)
	}
	if a1.Body.(*protocol.Ack).Chat != a2.Body.(*protocol.Ack).Chat {
		t.Fatalf("second chat %s for a repeated request (first %s)", a2.Body.(*protocol.Ack).Chat, a1.Body.(*protocol.Ack).Chat)
	}
	if st := env.Server.Chats().Stats(); st.Open != 1 {
		t.Fatalf("%d open chats", st.Open)
	}
}
