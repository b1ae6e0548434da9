package desk

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

func transferDesk(t *testing.T) (*Desk, *Chat) {
	t.Helper()
	d := newDesk()
	s := summary("a", 0)
	s.Agents = []protocol.Participant{anna}
	d.Apply(ready(s), t0)
	d.SetColleagues([]Colleague{
		{ID: 4, Name: "Ben", Online: true, Status: "Available", AllowsChat: true, Chats: 1, MaxChats: 3},
		{ID: 5, Name: "Carla", Status: "Available", AllowsChat: true, MaxChats: 3},
		{ID: 6, Name: "Dan", Online: true, Status: "Available", AllowsChat: true, Chats: 2, MaxChats: 2},
		{ID: 8, Name: "Eve", Online: true, Status: "Pause", MaxChats: 2},
	}, "")
	d.SetTargets(api.TransferTargets{Groups: []api.TransferTarget{{ID: 10, Name: "Support", Open: true}},
		Connectors: []api.TransferTarget{{ID: 20, Name: "Shop FR", Open: true}, {ID: 21, Name: "Old", Open: false}}}, "")
	return d, d.Chat("a")
}

func transferEv(seq uint64, b protocol.Transfer) protocol.Event {
	b.At = t0
	return protocol.Event{Chat: "a", Seq: seq, Body: &b}
}

func TestTransferChoicesShowWhoCanTakeTheChat(t *testing.T) {
	d, _ := transferDesk(t)
	var got []string
	for _, c := range d.TransferChoices("a", ToAgent) {
		got = append(got, c.Label())
	}
	want := "Ben — Available, 2 of 3 free|Carla — offline|Dan — no free capacity (2/2 chats)|Eve — Pause, takes no chats"
	if strings.Join(got, "|") != want {
		t.Fatalf("choices\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	if c := d.TransferChoices("a", ToConnector); len(c) != 2 || c[0].Name != "Shop FR" || c[1].Why != "out of service" {
		t.Fatalf("connectors %+v", c)
	}
}

func TestTransferCardAndOutcome(t *testing.T) {
	d, c := transferDesk(t)
	if !d.OpenTransfer("a") || c.TransferForm == nil || c.TransferForm.Kind != ToAgent {
		t.Fatal("the transfer card did not open")
	}
	if _, ok := d.Transfer("a", ToAgent, 5, "x"); ok || c.TransferForm.Error == "" {
		t.Fatal("an offline colleague was chosen")
	}
	// The server refuses: the card opens again with its reason and the agent's choice.
	cmd, ok := d.Transfer("a", ToAgent, 4, "  Speaks French  ")
	if b, _ := cmd.Body.(*protocol.ChatTransfer); !ok || b.UserID != 4 || b.Note != "Speaks French" || c.TransferForm != nil || c.Transfer == nil {
		t.Fatalf("transfer %+v %+v", cmd.Body, c.Transfer)
	}
	if _, ok := d.CancelTransfer("a"); ok {
		t.Fatal("canceled before the server took it")
	}
	d.Apply(protocol.Event{ID: cmd.ID, Body: &protocol.Error{Code: protocol.CodeConflict, Message: "Ben's status does not take chats"}}, t0)
	if c.Transfer != nil || c.TransferForm == nil || c.TransferForm.Error != "Ben's status does not take chats" || c.TransferForm.Target != 4 || d.Notice != "" {
		t.Fatalf("after the refusal: %+v %+v notice %q", c.Transfer, c.TransferForm, d.Notice)
	}
	cmd, _ = d.Transfer("a", ToAgent, 4, "Speaks French")
	acked(d, cmd)
	d.Apply(transferEv(1, protocol.Transfer{State: protocol.TransferPending, By: anna, ToUserID: 4, ToName: "Ben", Note: "Speaks French"}), t0)
	if c.Transfer == nil || !c.Transfer.Acked || c.Transfer.ToName != "Ben" {
		t.Fatalf("under way %+v", c.Transfer)
	}
	if n := len(c.Lines); n != 2 || c.Lines[0].Text != "You asked to transfer the chat to Ben" || !c.Lines[1].Internal || !strings.Contains(c.Lines[1].Text, "Speaks French") {
		t.Fatalf("lines %+v", c.Lines)
	}
	if d.OpenTransfer("a") {
		t.Fatal("a second transfer card opened while one is under way")
	}
	// Nobody accepts in time: the owner is told and keeps the chat.
	d.Apply(transferEv(2, protocol.Transfer{State: protocol.TransferFailed, Reason: "timeout", By: anna, ToUserID: 4, ToName: "Ben"}), t0)
	if c.Transfer != nil || c.TransferNotice != "Nobody accepted the transfer in time; the chat stays with you." || c.Closed {
		t.Fatalf("after the timeout %+v %q", c.Transfer, c.TransferNotice)
	}

	// A reload replays the history: a transfer still under way shows again; a failure long
	// past raises no notice.
	d2 := newDesk()
	s := summary("a", 3)
	s.Agents = []protocol.Participant{anna}
	d2.Apply(ready(s), t0)
	d2.Apply(transferEv(1, protocol.Transfer{State: protocol.TransferPending, By: anna, ToName: "Ben"}), t0)
	d2.Apply(transferEv(2, protocol.Transfer{State: protocol.TransferFailed, Reason: "timeout", By: anna, ToName: "Ben"}), t0)
	d2.Apply(transferEv(3, protocol.Transfer{State: protocol.TransferPending, By: anna, ToGroupID: 10, ToName: "Support"}), t0)
	c2 := d2.Chat("a")
	if c2.Transfer == nil || c2.Transfer.ToName != "Support" || c2.TransferNotice != "" {
		t.Fatalf("after a reload %+v %q", c2.Transfer, c2.TransferNotice)
	}
	// The server restarted meanwhile and knows of no transfer: canceling clears it all the same.
	cancel, ok := d2.CancelTransfer("a")
	if !ok {
		t.Fatal("the transfer under way cannot be canceled")
	}
	acked(d2, cancel)
	if c2.Transfer != nil {
		t.Fatalf("after the cancel's ack %+v", c2.Transfer)
	}

	// Handed on: the chat ends for the former owner.
	cmd, _ = d.Transfer("a", ToGroup, 10, "")
	acked(d, cmd)
	d.Apply(transferEv(3, protocol.Transfer{State: protocol.TransferPending, By: anna, ToGroupID: 10, ToName: "Support"}), t0)
	d.Apply(transferEv(4, protocol.Transfer{State: protocol.TransferAccepted, By: anna, ToGroupID: 10, ToUserID: 4, ToName: "Ben"}), t0)
	if !c.Closed || c.Transfer != nil || c.Lines[len(c.Lines)-1].Text != "The chat was transferred to Ben" {
		t.Fatalf("after the handover closed %v %+v %+v", c.Closed, c.Transfer, c.Lines[len(c.Lines)-1])
	}
}

// The receiving agent's offer carries who hands the chat on and the note.
func TestTransferOfferCarriesNote(t *testing.T) {
	d := newDesk()
	d.Apply(ready(), t0)
	d.Apply(protocol.Event{Chat: "b", Body: &protocol.Offer{Chat: "b", Visitor: "Vera", Expires: t0.Add(30e9),
		Transfer: &protocol.TransferInfo{From: anna, Note: "VIP"}}}, t0)
	if len(d.Offers) != 1 || d.Offers[0].Transfer == nil || d.Offers[0].Transfer.Note != "VIP" {
		t.Fatalf("offers %+v", d.Offers)
	}
}
