package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// A restart loses nothing that was acknowledged: the chat, its history and its agent are back,
// and both sides resume where they were.
func TestRestartKeepsChats(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		dir := t.TempDir()
		var dbURL string
		opts.Configure = func(c *config.Config) {
			c.DataDir = dir
			if dbURL == "" {
				dbURL = c.DatabaseURL
			}
			c.DatabaseURL = dbURL
		}
		first := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := first.Agent(t, 0)
		visitor, _ := first.Visitor(t)
		chatID, token := startChat(t, ctx, visitor, agent, "Otto")
		var acked []uint64
		for _, text := range []string{"before", "the", "restart"} {
			ack, err := visitor.Call(ctx, chatID, &protocol.Send{Text: text})
			if err != nil {
				t.Fatal(err)
			}
			acked = append(acked, ack.Body.(*protocol.Ack).Seq)
		}
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := first.Server.Shutdown(shutdown); err != nil {
			t.Fatal(err)
		}
		// The clients were told to reconnect.
		<-visitor.Done()
		if code := visitor.CloseStatus(); int(code) != int(protocol.CloseShutdown) {
			t.Fatalf("visitor closed with %d", code)
		}

		opts.Postgres = false // the second server reuses the first one's database
		second := servertest.Start(t, opts)
		second.Demo = first.Demo
		back, _ := second.Visitor(t)
		if _, err := back.Call(ctx, chatID, &protocol.Resume{Token: token, After: 0}); err != nil {
			t.Fatal(err)
		}
		var texts []string
		var last uint64
		for len(back.Events()) > 0 {
			ev := <-back.Events()
			if m, ok := ev.Body.(*protocol.Message); ok && m.Role == protocol.RoleVisitor {
				texts = append(texts, m.Text)
			}
			if ev.Seq != 0 {
				last = ev.Seq
			}
		}
		if len(texts) != 4 || texts[1] != "before" || texts[3] != "restart" || last != acked[2] {
			t.Fatalf("after restart: %q up to seq %d, acked %v", texts, last, acked)
		}
		a2, ready := second.AgentWithToken(t, second.Login(t, first.DemoUser(t, "agent", 0).Login, first.DemoUser(t, "agent", 0).Password))
		if len(ready.Chats) != 1 || ready.Chats[0].ID != chatID || ready.Chats[0].Seq != last {
			t.Fatalf("agent.ready after restart: %+v", ready.Chats)
		}
		if _, err := a2.Call(ctx, chatID, &protocol.Resume{After: last}); err != nil {
			t.Fatal(err)
		}
		if _, err := a2.Call(ctx, chatID, &protocol.Send{Text: "still here"}); err != nil {
			t.Fatal(err)
		}
		awaitMessage(t, ctx, back, "still here")
	})
}
