package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/presence"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// loader is a page's presence socket, as widget.js opens it.
type loader struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialLoader(t *testing.T, ctx context.Context, env *servertest.Env, origin string) (*loader, error) {
	t.Helper()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	ws, _, err := websocket.Dial(ctx, env.WS+"/ws/presence", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	return &loader{t: t, ws: ws}, nil
}

func (l *loader) send(ctx context.Context, v any) error {
	b, _ := json.Marshal(v)
	return l.ws.Write(ctx, websocket.MessageText, b)
}

// view reports a page view on the demo connector.
func (l *loader) view(ctx context.Context, env *servertest.Env, page, browser string) {
	l.t.Helper()
	if err := l.send(ctx, protocol.PresenceView{T: "view", Connector: env.Demo.ConnectorHash, Page: page, Title: "Pricing",
		Referrer: "https://search.example/?q=chat", VisitorID: browser, Returning: true}); err != nil {
		l.t.Fatal(err)
	}
}

// next reads the server's next frame.
func (l *loader) next(ctx context.Context) (protocol.PresenceInvite, error) {
	var f protocol.PresenceInvite
	_, b, err := l.ws.Read(ctx)
	if err != nil {
		return f, err
	}
	return f, json.Unmarshal(b, &f)
}

// closedWith reads until the socket closes and returns its close code.
func (l *loader) closedWith(ctx context.Context) websocket.StatusCode {
	for {
		if _, _, err := l.ws.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// awaitOnline waits for the agent's list of visitors online to satisfy ok.
func awaitOnline(t *testing.T, ctx context.Context, c *protoclient.Client, ok func([]protocol.OnlineVisitor) bool) []protocol.OnlineVisitor {
	t.Helper()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool {
		v, is := ev.Body.(*protocol.VisitorsOnline)
		return is && ok(v.Visitors)
	})
	if err != nil {
		t.Fatalf("waiting for the visitors online: %v", err)
	}
	return ev.Body.(*protocol.VisitorsOnline).Visitors
}

func withPresence(env *servertest.Env, t *testing.T) {
	env.ChangeConnector(t, func(c *store.Connector) {
		c.VisitorPresence = true
		c.AllowedOrigins = []string{"https://shop.example"}
	})
}

const shop = "https://shop.example"

// An agent sees a visitor on the site, invites them; the loader gets the invitation, the chat
// frame resumes the chat with the agent's first message, the visitor answers and the agent
// reads it. A second agent inviting the same visitor is refused; the visitor's list entry
// carries the invitation until they answer.
func TestProactiveChatAnswered(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		withPresence(env, t)
		anna, _ := env.Agent(t, 0)
		ben, _ := env.Agent(t, 1)

		l, err := dialLoader(t, ctx, env, shop)
		if err != nil {
			t.Fatal(err)
		}
		l.view(ctx, env, shop+"/pricing", "browser-1")
		online := awaitOnline(t, ctx, anna, func(v []protocol.OnlineVisitor) bool { return len(v) == 1 })
		v := online[0]
		if v.Page != shop+"/pricing" || v.Title != "Pricing" || v.Referrer != "https://search.example/?q=chat" || !v.Returning || v.Since.IsZero() || v.Chat != "" {
			t.Fatalf("visitor online %+v", v)
		}
		// The visitor moves on: the agents see the new page.
		l.view(ctx, env, shop+"/checkout", "")
		awaitOnline(t, ctx, ben, func(v []protocol.OnlineVisitor) bool { return len(v) == 1 && v[0].Page == shop+"/checkout" })

		ack, err := anna.CallID(ctx, "inv-1", "", &protocol.VisitorInvite{Visitor: v.ID, Text: "Hello! Can I help you check out?"})
		if err != nil {
			t.Fatalf("visitor.invite: %v", err)
		}
		chatID := ack.Body.(*protocol.Ack).Chat
		// The same command retried (after a reconnect) gets the same chat.
		if again, err := anna.CallID(ctx, "inv-1", "", &protocol.VisitorInvite{Visitor: v.ID, Text: "Hello! Can I help you check out?"}); err != nil || again.Body.(*protocol.Ack).Chat != chatID {
			t.Fatalf("retried visitor.invite: %+v %v", again, err)
		}
		if _, err := ben.Call(ctx, "", &protocol.VisitorInvite{Visitor: v.ID, Text: "Me too"}); !isCode(err, protocol.CodeConflict) {
			t.Fatalf("a second invitation of the same visitor: %v", err)
		}
		_, opened := await[*protocol.ChatOpened](t, ctx, anna)
		if opened.Chat.ID != chatID || opened.Chat.State != protocol.StateActive || opened.Chat.Visitor.Page != shop+"/checkout" {
			t.Fatalf("chat.opened %+v", opened.Chat)
		}
		awaitMessage(t, ctx, anna, "Hello! Can I help you check out?")
		awaitOnline(t, ctx, ben, func(v []protocol.OnlineVisitor) bool { return len(v) == 1 && v[0].Chat == chatID })

		inv, err := l.next(ctx)
		if err != nil || inv.T != "invite" || inv.Chat != chatID || inv.Token == "" || inv.Text != "Hello! Can I help you check out?" || inv.Name == "" {
			t.Fatalf("invitation on the presence socket: %+v %v", inv, err)
		}
		// The chat frame resumes the chat with the invitation's token.
		h := http.Header{}
		h.Set("Origin", shop)
		visitor, _ := env.VisitorOn(t, env.Demo.ConnectorHash, h)
		if _, err := visitor.Call(ctx, chatID, &protocol.Resume{Token: "wrong"}); !isCode(err, protocol.CodeUnauthorized) {
			t.Fatalf("resume with a wrong token: %v", err)
		}
		if _, err := visitor.Call(ctx, chatID, &protocol.Resume{Token: inv.Token}); err != nil {
			t.Fatalf("resume: %v", err)
		}
		awaitMessage(t, ctx, visitor, "Hello! Can I help you check out?")
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Yes, the coupon fails"}); err != nil {
			t.Fatal(err)
		}
		awaitMessage(t, ctx, anna, "Yes, the coupon fails")
		// Answered: the invitation is over, the visitor is listed in the chat and not invited again.
		awaitOnline(t, ctx, ben, func(v []protocol.OnlineVisitor) bool { return len(v) == 1 && v[0].Chat == "" && v[0].InChat == chatID })
		if _, err := ben.Call(ctx, "", &protocol.VisitorInvite{Visitor: v.ID, Text: "Me too"}); !isCode(err, protocol.CodeConflict) {
			t.Fatalf("inviting a visitor in a chat: %v", err)
		}
		// The chat counts toward Anna's capacity, as any chat she handles: her colleagues see it.
		benUser, err := env.Server.Store().UserByLogin(ctx, env.DemoUser(t, "agent", 1).Login)
		if err != nil {
			t.Fatal(err)
		}
		colleagues, err := env.Server.Chats().Colleagues(ctx, benUser)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range colleagues {
			if c.Name == "Anna" && c.Chats != 1 {
				t.Fatalf("Anna has %d chats", c.Chats)
			}
		}
		// The chat goes on as any chat: the agent closes it.
		if _, err := anna.Call(ctx, chatID, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}
		_, state := await[*protocol.ChatState](t, ctx, visitor)
		for state.State != protocol.StateClosed {
			_, state = await[*protocol.ChatState](t, ctx, visitor)
		}
		if state.Cause != protocol.CauseAgent {
			t.Fatalf("closed with %q", state.Cause)
		}
		awaitOnline(t, ctx, ben, func(v []protocol.OnlineVisitor) bool { return len(v) == 1 && v[0].InChat == "" })
	})
}

// awaitClosed waits for the chat's close on an agent's connection and returns its cause.
func awaitClosed(t *testing.T, ctx context.Context, c *protoclient.Client, chatID string) protocol.Cause {
	t.Helper()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool {
		s, ok := ev.Body.(*protocol.ChatState)
		return ok && ev.Chat == chatID && s.State == protocol.StateClosed
	})
	if err != nil {
		t.Fatalf("waiting for chat %s to close: %v", chatID, err)
	}
	return ev.Body.(*protocol.ChatState).Cause
}

// invite has the agent invite the one visitor online and the loader receive it.
func invite(t *testing.T, ctx context.Context, agent *protoclient.Client, l *loader) string {
	t.Helper()
	online := awaitOnline(t, ctx, agent, func(v []protocol.OnlineVisitor) bool { return len(v) == 1 && v[0].Chat == "" })
	ack, err := agent.Call(ctx, "", &protocol.VisitorInvite{Visitor: online[0].ID, Text: "Hi there"})
	if err != nil {
		t.Fatalf("visitor.invite: %v", err)
	}
	chatID := ack.Body.(*protocol.Ack).Chat
	if inv, err := l.next(ctx); err != nil || inv.Chat != chatID {
		t.Fatalf("invitation %+v %v", inv, err)
	}
	return chatID
}

// The visitor dismisses the invitation: the chat closes with the cause "dismissed", which the
// agent sees; a dismiss repeated, or after the chat ended, changes nothing.
func TestProactiveChatDismissed(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		withPresence(env, t)
		anna, _ := env.Agent(t, 0)
		l, err := dialLoader(t, ctx, env, shop)
		if err != nil {
			t.Fatal(err)
		}
		l.view(ctx, env, shop+"/", "browser-2")
		chatID := invite(t, ctx, anna, l)
		for range 2 {
			if err := l.send(ctx, map[string]string{"t": "dismiss"}); err != nil {
				t.Fatal(err)
			}
		}
		if cause := awaitClosed(t, ctx, anna, chatID); cause != protocol.CauseDismissed {
			t.Fatalf("closed with %q", cause)
		}
		c, err := env.Server.Store().Chat(ctx, chatID)
		if err != nil || c.CloseCause != string(protocol.CauseDismissed) || c.AgentID == 0 {
			t.Fatalf("stored chat %+v %v", c, err)
		}
		// Invited again later: a new chat.
		second := invite(t, ctx, anna, l)
		if second == chatID {
			t.Fatal("the same chat twice")
		}
	})
}

// A visitor who leaves the site before answering: after the grace for the next page, the chat
// closes with the cause "visitor_left". A visitor who only moves to the next page keeps the
// invitation and gets it again there.
func TestProactiveVisitorLeft(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		opts.Configure = func(c *config.Config) { c.Presence = presence.Limits{LeftGrace: 2 * time.Second} }
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		withPresence(env, t)
		anna, _ := env.Agent(t, 0)
		l, err := dialLoader(t, ctx, env, shop)
		if err != nil {
			t.Fatal(err)
		}
		l.view(ctx, env, shop+"/a", "browser-3")
		chatID := invite(t, ctx, anna, l)
		// The next page of the site: the same browser reports again and is invited again,
		// here before the last page's socket went away, as a browser may do it; that socket
		// is told it was replaced.
		l2, err := dialLoader(t, ctx, env, shop)
		if err != nil {
			t.Fatal(err)
		}
		l2.view(ctx, env, shop+"/b", "browser-3")
		if inv, err := l2.next(ctx); err != nil || inv.T != "invite" || inv.Chat != chatID {
			t.Fatalf("invitation on the next page: %+v %v", inv, err)
		}
		if got := l.closedWith(ctx); got != websocket.StatusCode(protocol.CloseReplaced) {
			t.Fatalf("the last page's socket closed with %v", got)
		}
		// And the page after it, once the last one is gone.
		_ = l2.ws.Close(websocket.StatusGoingAway, "")
		l3, err := dialLoader(t, ctx, env, shop)
		if err != nil {
			t.Fatal(err)
		}
		l3.view(ctx, env, shop+"/c", "browser-3")
		if inv, err := l3.next(ctx); err != nil || inv.T != "invite" || inv.Chat != chatID {
			t.Fatalf("invitation on the page after: %+v %v", inv, err)
		}
		l2 = l3
		// Gone for good.
		_ = l2.ws.Close(websocket.StatusGoingAway, "")
		if cause := awaitClosed(t, ctx, anna, chatID); cause != protocol.CauseVisitorLeft {
			t.Fatalf("closed with %q", cause)
		}
		if n := env.Server.Chats().Presence().Len(); n != 0 {
			t.Fatalf("the visitor who left is still held (%d)", n)
		}
	})
}

// Presence sockets are refused from a foreign site, for a connector with presence off or
// unknown, and without a page view first; a flood of page views from one address is bounded;
// switching presence off closes the sockets open at once.
func TestPresenceRefusals(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		opts.Configure = func(c *config.Config) {
			c.Presence = presence.Limits{PerAddress: 5}
			c.VisitorConnectsPerMinute = 1000
			c.ConnectTimeout = 2 * time.Second
		}
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		refused := func(name, origin string, frame any, code protocol.CloseCode) {
			t.Helper()
			l, err := dialLoader(t, ctx, env, origin)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := l.send(ctx, frame); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got := l.closedWith(ctx); got != websocket.StatusCode(code) {
				t.Fatalf("%s: closed with %v, want %d", name, got, code)
			}
		}
		view := protocol.PresenceView{T: "view", Connector: env.Demo.ConnectorHash, Page: shop + "/", VisitorID: "b"}
		// A socket that says nothing is closed after the connect timeout.
		silent, err := dialLoader(t, ctx, env, shop)
		if err != nil {
			t.Fatal(err)
		}
		if got := silent.closedWith(ctx); got != websocket.StatusCode(protocol.CloseBadRequest) {
			t.Fatalf("a silent socket closed with %v", got)
		}
		// Off by default.
		refused("presence off", shop, view, protocol.CloseUnknownConnector)
		withPresence(env, t)
		refused("foreign origin", "https://evil.example", view, protocol.CloseUnknownConnector)
		refused("no origin", "", view, protocol.CloseUnknownConnector)
		unknown := view
		unknown.Connector = "nope"
		refused("unknown connector", shop, unknown, protocol.CloseUnknownConnector)
		refused("heartbeat first", shop, map[string]string{"t": "hb"}, protocol.CloseBadRequest)
		refused("not JSON", shop, "\x00", protocol.CloseBadRequest)
		huge := view
		huge.VisitorID = string(make([]byte, 500))
		refused("huge id", shop, huge, protocol.CloseBadRequest)

		// A flood from one address: five are listed, the rest refused.
		anna, _ := env.Agent(t, 0)
		var kept []*loader
		for i := range 8 {
			l, err := dialLoader(t, ctx, env, shop)
			if err != nil {
				t.Fatal(err)
			}
			l.view(ctx, env, fmt.Sprintf("%s/p%d", shop, i), fmt.Sprint("flood-", i))
			if i >= 5 {
				if got := l.closedWith(ctx); got != websocket.StatusCode(protocol.CloseForbidden) {
					t.Fatalf("page view %d over the address cap: closed with %v", i, got)
				}
				continue
			}
			awaitOnline(t, ctx, anna, func(v []protocol.OnlineVisitor) bool { return len(v) == i+1 })
			kept = append(kept, l)
		}
		if n := env.Server.Chats().Presence().Len(); n != 5 {
			t.Fatalf("registry holds %d", n)
		}
		// Page views flooding one socket cut it off, and its visitor leaves the list.
		for range 30 {
			if err := kept[0].send(ctx, map[string]string{"t": "view", "u": shop + "/x"}); err != nil {
				break
			}
		}
		if got := kept[0].closedWith(ctx); got != websocket.StatusCode(protocol.CloseForbidden) {
			t.Fatalf("flooding socket closed with %v", got)
		}
		awaitOnline(t, ctx, anna, func(v []protocol.OnlineVisitor) bool { return len(v) == 4 })
		// Switching presence off closes the rest at once and empties the list.
		env.ChangeConnector(t, func(c *store.Connector) { c.VisitorPresence = false })
		for _, l := range kept[1:5] {
			if got := l.closedWith(ctx); got != websocket.StatusCode(protocol.CloseUnknownConnector) {
				t.Fatalf("closed with %v", got)
			}
		}
		awaitOnline(t, ctx, anna, func(v []protocol.OnlineVisitor) bool { return len(v) == 0 })
		if _, err := anna.Call(ctx, "", &protocol.VisitorInvite{Visitor: "pv_gone", Text: "Hi"}); !isCode(err, protocol.CodeNotFound) {
			t.Fatalf("inviting nobody: %v", err)
		}
	})
}
