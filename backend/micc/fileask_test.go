package micc_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// MiCC has no file request event: an agent's request reaches the client as a system message
// naming the types, which the customer answers with an attachment.
func TestChatServiceFileRequest(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		base := env.URL
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		chatID := requestChat(t, env, base)
		awaitT[*protocol.Offer](t, ctx, agent)
		if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.FileAsk{Types: []string{"pdf", "txt"}}); err != nil {
			t.Fatal(err)
		}
		got := events(t, base, chatID, func(e wireEvent) bool {
			return e.EventType == 0 && e.Data["System"] == true && strings.HasPrefix(e.Data["Message"].(string), "Please send")
		})
		if d := got[len(got)-1].Data; d["Message"] != "Please send a file (pdf, txt)." || d["ChatID"] != chatID {
			t.Fatalf("MessageReceived %+v", d)
		}
		call[struct{}](t, base, "SendMessage", map[string]any{"ChatID": chatID, "Message": "order.txt", "Attachment": []byte("order 42")})
		ev, err := agent.Await(ctx, func(ev protocol.Event) bool { m, ok := ev.Body.(*protocol.Message); return ok && m.File != nil })
		if err != nil {
			t.Fatal(err)
		}
		if m := ev.Body.(*protocol.Message); m.File.Name != "order.txt" || m.Role != protocol.RoleVisitor {
			t.Fatalf("the attachment reached the agent as %+v", m)
		}
	})
}
