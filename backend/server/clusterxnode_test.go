package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translate/libretest"
	"github.com/parleychat/parley/shared/protocol"
)

// Agents on different nodes of a cluster: invitations, takeovers, agents' files and offers'
// translations work for an agent whose app is connected to another node than the one holding
// the chat, as transfers do (clusterrouting_test.go).

// threeNodes starts three nodes and prepares the demo tenant (prepare); it returns the nodes,
// the connector's hash, the demo agents' tokens and a store on the cluster's database.
func threeNodes(ctx context.Context, t *testing.T) (nodes []*crashServer, hash string, tokens []string, st *store.Store) {
	t.Helper()
	c := startCluster(t, 3)
	hash, tokens = c.nodes[0].prepare(ctx)
	st = c.nodes[0].store(ctx)
	t.Cleanup(func() { _ = st.Close() })
	return c.nodes, hash, tokens, st
}

// spread starts three nodes with a chat held by node A (its visitor is there) and accepted by
// agent 1 on node B, and the app of the second demo user (made a supervisor when super is set)
// connected to node C; it returns the visitor, agent 1, the second user's app and id, the chat
// and a store on the cluster's database.
func spread(ctx context.Context, t *testing.T, super bool) (v, first, second *protoclient.Client, secondID int64, chatID string, st *store.Store) {
	t.Helper()
	nodes, hash, tokens, st := threeNodes(ctx, t)
	a, b, cn := nodes[0], nodes[1], nodes[2]
	u, err := st.SessionUser(ctx, tokens[1])
	if err != nil {
		t.Fatal(err)
	}
	if super {
		u.Role = store.RoleSupervisor
		if u, err = st.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	v, first, chatID = talking(ctx, t, a, b, hash, tokens[0], "hello")
	second = cn.agent(ctx, tokens[1])
	t.Cleanup(second.Drop)
	return v, first, second, u.ID, chatID, st
}

// talking has a visitor on node vn ask for a chat that the agent of token, connected to node
// an, accepts; the visitor's line text reaches the agent.
func talking(ctx context.Context, t *testing.T, vn, an *crashServer, hash, token, text string) (v, agent *protoclient.Client, chatID string) {
	t.Helper()
	agent = an.agent(ctx, token)
	t.Cleanup(agent.Drop)
	v, chatID = request(ctx, t, vn, hash, "talking")
	t.Cleanup(v.Drop)
	waitFor(ctx, t, agent, offerOf(chatID))
	if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Call(ctx, chatID, &protocol.Send{Text: text}); err != nil {
		t.Fatal(err)
	}
	messageFrom(ctx, t, agent, text)
	return v, agent, chatID
}

// inviteAcross has agent 1 (on B) invite agent 2 (on C) as a participant, retrying while the engine
// does not know yet that agent 2 signed in, and waits for C to show the invitation.
func inviteAcross(ctx context.Context, t *testing.T, first, second *protoclient.Client, chatID string, secondID int64) {
	t.Helper()
	for {
		_, err := first.Call(ctx, chatID, &protocol.ChatInvite{UserID: secondID, As: protocol.PartParticipant})
		if err == nil {
			break
		}
		var pe *protocol.Error
		if !errors.As(err, &pe) || pe.Code != protocol.CodeConflict || ctx.Err() != nil {
			t.Fatalf("agent 1 on B invites agent 2 on C: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitFor(ctx, t, second, func(ev protocol.Event) bool {
		inv, ok := ev.Body.(*protocol.Invitation)
		return ok && ev.Chat == chatID && inv.As == protocol.PartParticipant && inv.From.UserID != 0
	})
}

// TestClusterInvitationAcrossNodes: agent 1, on node B, invites agent 2, on node C, into a chat
// node A holds: C shows the invitation, agent 2 accepts it there, the chat opens on C, and
// agent 2 and the visitor talk both ways; the join is written once.
func TestClusterInvitationAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, first, second, secondID, chatID, st := spread(ctx, t, false)
	inviteAcross(ctx, t, first, second, chatID, secondID)
	if _, err := second.Call(ctx, chatID, &protocol.InviteAccept{}); err != nil {
		t.Fatalf("agent 2 accepts on C: %v", err)
	}
	waitFor(ctx, t, second, func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.ChatOpened)
		return ok && o.Chat.ID == chatID && o.Chat.As == protocol.PartParticipant
	})
	if _, err := v.Call(ctx, chatID, &protocol.Send{Text: "to both"}); err != nil {
		t.Fatal(err)
	}
	messageFrom(ctx, t, second, "to both")
	if _, err := second.Call(ctx, chatID, &protocol.Send{Text: "from agent 2"}); err != nil {
		t.Fatalf("agent 2 on C writes into A's chat: %v", err)
	}
	messageFrom(ctx, t, v, "from agent 2")
	ps, err := st.Participants(ctx, chatID)
	if err != nil {
		t.Fatal(err)
	}
	joined := 0
	for _, p := range ps {
		if p.UserID == secondID {
			joined++
		}
	}
	if joined != 1 {
		t.Fatalf("agent 2 joined %d times: %+v", joined, ps)
	}
}

// TestClusterInvitationDeclinedAcrossNodes: agent 2 declines on node C; agent 1 on node B hears
// of it, and C's card of the invitation goes.
func TestClusterInvitationDeclinedAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, first, second, secondID, chatID, _ := spread(ctx, t, false)
	inviteAcross(ctx, t, first, second, chatID, secondID)
	if _, err := second.Call(ctx, chatID, &protocol.InviteDecline{}); err != nil {
		t.Fatalf("agent 2 declines on C: %v", err)
	}
	declined := func(ev protocol.Event) bool {
		e, ok := ev.Body.(*protocol.InviteEnded)
		return ok && ev.Chat == chatID && e.UserID == secondID && e.Reason == "declined"
	}
	waitFor(ctx, t, second, declined)
	waitFor(ctx, t, first, declined)
}

// TestClusterTakeoverAcrossNodes: a supervisor on node C takes over a chat node A holds and
// agent 1 handles on node B: the chat opens on C as the supervisor's, B tells agent 1 it was
// taken over, and the supervisor and the visitor talk both ways.
func TestClusterTakeoverAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, first, super, superID, chatID, st := spread(ctx, t, true)
	rec, err := st.Chat(ctx, chatID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := super.Call(ctx, chatID, &protocol.ChatTakeover{Owner: rec.AgentID}); err != nil {
		t.Fatalf("the supervisor on C takes the chat over: %v", err)
	}
	waitFor(ctx, t, super, func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.ChatOpened)
		return ok && o.Chat.ID == chatID && o.Chat.As == protocol.PartOwner
	})
	waitFor(ctx, t, first, func(ev protocol.Event) bool {
		to, ok := ev.Body.(*protocol.TakenOver)
		return ok && ev.Chat == chatID && to.By.UserID == superID
	})
	if _, err := super.Call(ctx, chatID, &protocol.Send{Text: "the supervisor here"}); err != nil {
		t.Fatalf("the supervisor on C writes into A's chat: %v", err)
	}
	messageFrom(ctx, t, v, "the supervisor here")
	if rec, err = st.Chat(ctx, chatID); err != nil || rec.AgentID != superID {
		t.Fatalf("the chat's owner: %d (want %d) %v", rec.AgentID, superID, err)
	}
}

// TestClusterAgentFileAcrossNodes: agent 1, on node B, uploads a file to B and shares it in the
// chat node A holds, then asks the visitor for a file; the visitor gets both, and each command
// sent again with its id writes nothing more.
func TestClusterAgentFileAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nodes, hash, tokens, st := threeNodes(ctx, t)
	a, b := nodes[0], nodes[1]
	agent := b.agent(ctx, tokens[0])
	defer agent.Drop()
	v, chatID := request(ctx, t, a, hash, "files")
	defer v.Drop()
	waitFor(ctx, t, agent, offerOf(chatID))
	if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	// A writes the assignment once the engine's decision reaches it; B opens the chat on the
	// agent's app once A has, and the app writes only in the chats it was shown.
	waitFor(ctx, t, v, func(ev protocol.Event) bool {
		j, ok := ev.Body.(*protocol.Joined)
		return ok && j.Role == protocol.RoleAgent
	})
	waitFor(ctx, t, agent, func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.ChatOpened)
		return ok && o.Chat.ID == chatID
	})
	status, body := uploadTo(t, "http://"+b.addr, "notes.txt", []byte("order 1234 shipped"),
		map[string]string{attach.HeaderChat: chatID, "Authorization": "Bearer " + tokens[0]})
	if status != 201 {
		t.Fatalf("the agent's upload to B: %d %s", status, body)
	}
	var f protocol.File
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatal(err)
	}
	send := &protocol.FileSend{Name: f.Name, URL: f.URL, Size: f.Size, ContentType: f.ContentType}
	first, err := agent.CallID(ctx, "file-1", chatID, send)
	if err != nil {
		t.Fatalf("the agent on B shares a file in A's chat: %v", err)
	}
	waitFor(ctx, t, v, func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && m.File != nil && m.File.URL == f.URL
	})
	again, err := agent.CallID(ctx, "file-1", chatID, send)
	if err != nil {
		t.Fatalf("the same command again: %v", err)
	}
	if a1, a2 := first.Body.(*protocol.Ack), again.Body.(*protocol.Ack); a1.Seq == 0 || a1.Seq != a2.Seq {
		t.Fatalf("acks %+v and %+v, want the first one twice", a1, a2)
	}
	msgs, err := st.Messages(ctx, chatID, 0)
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, m := range msgs {
		if m.Text == f.Name && m.Role == string(protocol.RoleAgent) {
			files++
		}
	}
	if files != 1 {
		t.Fatalf("the file is in the chat %d times", files)
	}
	// Asking the visitor for a file goes to A the same way, once per command id.
	ask := &protocol.FileAsk{Types: []string{"pdf"}}
	first, err = agent.CallID(ctx, "ask-1", chatID, ask)
	if err != nil {
		t.Fatalf("the agent on B asks for a file in A's chat: %v", err)
	}
	waitFor(ctx, t, v, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.FileRequest); return ok })
	if again, err = agent.CallID(ctx, "ask-1", chatID, ask); err != nil || again.Body.(*protocol.Ack).Seq != first.Body.(*protocol.Ack).Seq {
		t.Fatalf("the same request again: %+v %v", again, err)
	}
	evs, err := st.EventsAfter(ctx, chatID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	for _, ev := range evs {
		if ev.Type == string(protocol.TypeFileRequest) {
			asked++
		}
	}
	if asked != 1 {
		t.Fatalf("the file request is in the chat %d times", asked)
	}
}

// TestClusterOfferTranslationAcrossNodes: a German visitor's chat, held by node A, is offered
// to the only agent, who speaks French and whose app is connected to node B: B shows the
// question in French (with a real local LibreTranslate peer).
func TestClusterOfferTranslationAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nodes, hash, tokens, st := threeNodes(ctx, t)
	a, b := nodes[0], nodes[1]
	lt := libretest.New()
	defer lt.Close()
	lt.Phrase("fr", "Wo ist meine Bestellung?", "Où est ma commande ?")
	tenants, err := st.Tenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := st.TenantSettings(ctx, tenants[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	ts.TranslateEnabled, ts.TranslateProvider, ts.TranslateURL, ts.TranslateLanguages = true, translate.LibreTranslate, lt.URL, []string{"de", "fr"}
	if _, err := st.SaveTenantSettings(ctx, ts); err != nil {
		t.Fatal(err)
	}
	u, err := st.SessionUser(ctx, tokens[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserLang(ctx, u.ID, "fr"); err != nil {
		t.Fatal(err)
	}
	agent := b.agent(ctx, tokens[0])
	defer agent.Drop()
	v := a.visitor(ctx, hash)
	defer v.Drop()
	ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: "Greta", Lang: "de", Question: "Wo ist meine Bestellung?"})
	if err != nil {
		t.Fatal(err)
	}
	chatID := ack.Body.(*protocol.Ack).Chat
	var o *protocol.Offer
	waitFor(ctx, t, agent, func(ev protocol.Event) bool {
		o, _ = ev.Body.(*protocol.Offer)
		if o == nil || o.Chat != chatID {
			return false
		}
		if o.Question != "Wo ist meine Bestellung?" {
			t.Fatalf("the offer's question %q", o.Question)
		}
		return o.Translation != nil
	})
	wantOfferTranslation(t, o, "de", "fr", "Où est ma commande ?")
}
