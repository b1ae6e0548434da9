package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// A transfer through the real server: the owner hands the chat to a colleague with a note,
// the colleague accepts and reads the history, the visitor reads the neutral line and the
// colleague's join; the transfer card's targets come from the agent API.
func TestTransferEndToEnd(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		anna, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		chatID, _ := startChat(t, ctx, visitor, anna, "Rosa")
		ben, ready := env.Agent(t, 1)
		if _, err := anna.Call(ctx, chatID, &protocol.Send{Text: "Let me find the right person."}); err != nil {
			t.Fatal(err)
		}
		if _, err := anna.Call(ctx, chatID, &protocol.ChatTransfer{UserID: ready.User.ID, Note: "Billing question"}); err != nil {
			t.Fatalf("chat.transfer: %v", err)
		}
		ev, offer := await[*protocol.Offer](t, ctx, ben)
		if ev.Chat != chatID || offer.Transfer == nil || offer.Transfer.Note != "Billing question" {
			t.Fatalf("offer %+v", offer)
		}
		if _, err := ben.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
			t.Fatalf("offer.accept: %v", err)
		}
		awaitMessage(t, ctx, ben, "Let me find the right person.")
		if _, err := anna.Await(ctx, func(ev protocol.Event) bool {
			tr, ok := ev.Body.(*protocol.Transfer)
			return ok && tr.State == protocol.TransferAccepted
		}); err != nil {
			t.Fatal(err)
		}
		awaitMessage(t, ctx, visitor, "You are being connected to another agent.")
		if _, err := visitor.Await(ctx, func(ev protocol.Event) bool {
			j, ok := ev.Body.(*protocol.Joined)
			return ok && j.UserID == ready.User.ID
		}); err != nil {
			t.Fatal(err)
		}

		// The targets of the transfer card.
		get := func(token string) (int, []byte) {
			req, _ := http.NewRequestWithContext(ctx, "GET", env.URL+api.TransferTargetsPath, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, b
		}
		if status, _ := get(""); status != 401 {
			t.Fatalf("signed out: %d", status)
		}
		u := env.DemoUser(t, "agent", 0)
		status, body := get(env.Login(t, u.Login, u.Password))
		var targets api.TransferTargets
		if err := json.Unmarshal(body, &targets); status != 200 || err != nil || len(targets.Groups) == 0 || len(targets.Connectors) == 0 {
			t.Fatalf("targets %d %s %v", status, body, err)
		}
	})
}
