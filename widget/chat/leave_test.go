package chat

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// closedTakingMessages is a connector out of service that takes left messages.
func closedTakingMessages() protocol.Connected {
	c := open()
	c.Open, c.LeaveMessage = false, true
	return c
}

// leaveSent drains the outgoing commands and returns the one leave.message among them.
func (h *harness) leaveSent() protocol.Command {
	h.t.Helper()
	out := h.sent()
	if len(out) != 1 || out[0].Body.CommandType() != protocol.TypeLeaveMessage {
		h.t.Fatalf("want one leave.message, got %+v", out)
	}
	return out[0]
}

func TestLeaveMessageWhenClosed(t *testing.T) {
	h := newHarness(t, Config{PData: map[string]string{"department": "Sales"}})
	h.connect(closedTakingMessages())
	if h.m.Phase != PhaseOffline || !h.m.LeaveShown() || h.m.LeaveOffered() || h.m.LeaveThanks() != "" {
		t.Fatalf("closed connector: phase %v shown %v offered %v", h.m.Phase, h.m.LeaveShown(), h.m.LeaveOffered())
	}
	if got := h.m.OfflineText(); got != "Sorry, but the service is not available at the moment." {
		t.Errorf("offline text %q", got)
	}

	// Empty: every field refused at once, nothing sent.
	if h.m.SubmitLeave(" ", "", " ", "\n") {
		t.Fatal("an empty form was sent")
	}
	want := map[string]string{
		LeaveName:  "Please enter your name.",
		LeaveEmail: "Please enter an e-mail address or a phone number, so that we can reply.",
		LeavePhone: "",
		LeaveText:  "Please enter your message.",
	}
	if len(h.m.LeaveErrs) != len(want) || h.m.LeaveError != "Please check the marked fields." || len(h.sent()) != 0 {
		t.Fatalf("errors %q, top %q", h.m.LeaveErrs, h.m.LeaveError)
	}
	for f, msg := range want {
		if got, ok := h.m.LeaveErrs[f]; !ok || got != msg {
			t.Errorf("%s: %q (%v), want %q", f, got, ok, msg)
		}
	}
	// Typing a phone number takes back the want of a contact, on both fields.
	h.m.LeaveEdited(LeavePhone)
	if _, ok := h.m.LeaveErrs[LeaveEmail]; ok || len(h.m.LeaveErrs) != 2 || h.m.LeaveError == "" {
		t.Errorf("after editing the phone: %q %q", h.m.LeaveErrs, h.m.LeaveError)
	}
	h.m.LeaveEdited(LeaveName)
	h.m.LeaveEdited(LeaveText)
	if h.m.LeaveErrs != nil || h.m.LeaveError != "" {
		t.Errorf("after editing everything: %q %q", h.m.LeaveErrs, h.m.LeaveError)
	}

	// A mistyped address, a message too long for the connector.
	if h.m.SubmitLeave("Ann", "ann@example", "", strings.Repeat("é", 1001)) {
		t.Fatal("a bad form was sent")
	}
	if h.m.LeaveErrs[LeaveEmail] != "Please enter a valid e-mail address." || h.m.LeaveErrs[LeaveText] != "Your message is too long (1001 of 1000 characters)." || len(h.m.LeaveErrs) != 2 {
		t.Errorf("errors %q", h.m.LeaveErrs)
	}
	if h.m.SubmitLeave(strings.Repeat("n", 101), "", strings.Repeat("1", 41), "hi") || h.m.LeaveErrs[LeaveName] != "Please use at most 100 characters." ||
		h.m.LeaveErrs[LeavePhone] != "Please use at most 40 characters." {
		t.Errorf("errors %q", h.m.LeaveErrs)
	}

	// A phone number is enough; the message goes out without a chat, trimmed.
	if !h.m.SubmitLeave(" Ann ", "", " +49 30 1234 ", " Please call me back. ") {
		t.Fatalf("refused: %q", h.m.LeaveErrs)
	}
	if h.m.Leave != LeaveSending || !h.m.LeaveShown() || h.m.LeaveErrs != nil || h.m.LeaveError != "" {
		t.Fatalf("sending: %v %q", h.m.Leave, h.m.LeaveErrs)
	}
	if h.m.SubmitLeave("Ann", "", "1", "again") {
		t.Error("sent twice")
	}
	cmd := h.leaveSent()
	if b := cmd.Body.(*protocol.LeaveMessage); cmd.Chat != "" || *b != (protocol.LeaveMessage{Name: "Ann", Department: "Sales", Phone: "+49 30 1234", Text: "Please call me back."}) {
		t.Fatalf("leave.message %+v %+v", cmd, b)
	}
	if err := cmd.Body.Validate(); err != nil {
		t.Errorf("the server would refuse it: %v", err)
	}
	h.event("", 0, cmd.ID, &protocol.Ack{Chat: "lm1"})
	if h.m.Leave != LeaveSent || h.m.LeaveShown() || h.m.LeaveThanks() != "Thank you — we will get back to you." || h.m.Phase != PhaseOffline {
		t.Fatalf("after the ack: %v shown %v %q", h.m.Leave, h.m.LeaveShown(), h.m.LeaveThanks())
	}
	// Nothing of it is kept for the next page.
	if s := h.m.Snapshot(h.now); s != nil {
		t.Errorf("snapshot %s", s)
	}
}

func TestNoLeaveMessageWhenTheConnectorTakesNone(t *testing.T) {
	h := newHarness(t, Config{})
	c := closedTakingMessages()
	c.LeaveMessage = false
	h.connect(c)
	if h.m.Phase != PhaseOffline || h.m.LeaveShown() || h.m.SubmitLeave("Ann", "a@example.com", "", "hi") || len(h.sent()) != 0 {
		t.Fatalf("phase %v shown %v", h.m.Phase, h.m.LeaveShown())
	}
	// Nor after a chat no agent took.
	h = newHarness(t, Config{})
	h.startChat()
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseNoAgent})
	if h.m.LeaveOffered() || h.m.LeaveShown() {
		t.Error("offered by a connector that takes no messages")
	}
}

func TestLeaveMessageWhenTheRequestIsRefused(t *testing.T) {
	h := newHarness(t, Config{Lang: "de", PData: map[string]string{"email": "ann@example.com"}})
	c := open()
	c.LeaveMessage = true
	h.connect(c)
	if h.m.LeaveShown() {
		t.Fatal("the form shown while the connector is open")
	}
	h.m.StartChat("Ann", "Hallo", "", nil)
	req := h.sent()[0]
	h.event("", 0, req.ID, &protocol.Error{Code: protocol.CodeOutOfService, Message: "out of service"})
	if h.m.Phase != PhaseOffline {
		t.Fatalf("phase %v", h.m.Phase)
	}
	// The connector's connected still says open; the refusal wins, and the form is prefilled.
	if !h.m.LeaveShown() {
		t.Fatal("no form after an out-of-service refusal")
	}
	if name, email, phone := h.m.LeavePrefill(); name != "Ann" || email != "ann@example.com" || phone != "" {
		t.Errorf("prefill %q %q %q", name, email, phone)
	}
	h.m.SubmitLeave("Ann", "", "", "")
	if h.m.LeaveErrs[LeaveText] != "Bitte geben Sie Ihre Nachricht ein." || h.m.LeaveErrs[LeaveEmail] != "Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer an, damit wir antworten können." {
		t.Errorf("German errors %q", h.m.LeaveErrs)
	}
	h.m.SubmitLeave("Ann", "ann@example.com", "", "Rufen Sie mich an")
	cmd := h.leaveSent()
	// The server refuses with a field: its words go next to that field.
	h.event("", 0, cmd.ID, &protocol.Error{Code: protocol.CodeInvalid, Field: "name", Message: "name: not allowed"})
	if h.m.Leave != LeaveOpen || h.m.LeaveErrs[LeaveName] != "name: not allowed" || len(h.m.LeaveErrs) != 1 || h.m.LeaveError != "Bitte prüfen Sie die markierten Felder." {
		t.Fatalf("refused by the server: %v %q %q", h.m.Leave, h.m.LeaveErrs, h.m.LeaveError)
	}
	// Without a field, at the top.
	h.m.SubmitLeave("Ann", "ann@example.com", "", "Rufen Sie mich an")
	cmd = h.leaveSent()
	h.event("", 0, cmd.ID, &protocol.Error{Code: protocol.CodeRateLimited, Message: "too many requests"})
	if h.m.LeaveErrs != nil || h.m.LeaveError != "too many requests" || !h.m.LeaveShown() {
		t.Fatalf("general refusal: %q %q", h.m.LeaveErrs, h.m.LeaveError)
	}
	h.m.SubmitLeave("Ann", "ann@example.com", "", "Rufen Sie mich an")
	cmd = h.leaveSent()
	// A reconnect to a connector that says it is open keeps a message on its way on screen.
	h.m.SocketClosed(1006, h.now)
	h.m.SocketOpened(h.now)
	h.event("", 0, h.sent()[0].ID, &c)
	if h.m.Phase != PhaseOffline || h.leaveSent().ID != cmd.ID {
		t.Fatalf("after reconnecting: %v", h.m.Phase)
	}
	h.event("", 0, cmd.ID, &protocol.Ack{Chat: "lm1"})
	if h.m.LeaveThanks() != "Vielen Dank – wir melden uns bei Ihnen." || h.m.LeaveShown() {
		t.Errorf("German thanks %q", h.m.LeaveThanks())
	}
	// Once it is stored, an open connector shows its start form again.
	h.event("", 0, "", &c)
	if h.m.Phase != PhaseForm {
		t.Errorf("after connected: %v", h.m.Phase)
	}
}

func TestLeaveMessageAfterNoAgent(t *testing.T) {
	h := newHarness(t, Config{Lang: "fr"})
	c := open()
	c.LeaveMessage = true
	h.m.SocketOpened(h.now)
	h.event("", 0, h.sent()[0].ID, &c)
	h.m.StartChat("Ann", "Bonjour", "ann@example.com", nil)
	h.event("", 0, h.sent()[0].ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	if h.m.LeaveOffered() || h.m.LeaveShown() {
		t.Fatal("offered during the chat")
	}
	h.durable(&protocol.Message{Role: protocol.RoleSystem, Key: "byeNoAgent", Text: "Désolé, aucun agent n'est disponible pour le moment."})
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseNoAgent})
	if !h.m.LeaveOffered() || h.m.LeaveShown() {
		t.Fatalf("after no agent: offered %v shown %v", h.m.LeaveOffered(), h.m.LeaveShown())
	}
	h.m.OpenLeave()
	if h.m.LeaveOffered() || !h.m.LeaveShown() {
		t.Fatal("the form did not open")
	}
	h.m.CancelLeave()
	if !h.m.LeaveOffered() || h.m.LeaveShown() {
		t.Fatal("cancel did not go back")
	}
	h.m.OpenLeave()
	if name, email, _ := h.m.LeavePrefill(); name != "Ann" || email != "ann@example.com" {
		t.Errorf("prefill %q %q", name, email)
	}
	// The prefill survives a reload (the chat's e-mail is kept with the chat).
	if m2 := Restore(Config{}, h.m.Snapshot(h.now), h.now, time.Hour); m2.Email != "ann@example.com" || m2.Name != "Ann" {
		t.Errorf("restored %q %q", m2.Name, m2.Email)
	}

	if !h.m.SubmitLeave("Ann", "ann@example.com", "", "Rappelez-moi") {
		t.Fatalf("refused: %q", h.m.LeaveErrs)
	}
	cmd := h.leaveSent()
	if cmd.Chat != "chat1" {
		t.Errorf("the left message names chat %q", cmd.Chat)
	}
	// The connection drops before the answer: the same command goes again.
	h.m.SocketClosed(1006, h.now)
	h.m.SocketOpened(h.now)
	h.event("", 0, h.sent()[0].ID, &c)
	again := h.leaveSent()
	if again.ID != cmd.ID || again.Chat != "chat1" || h.m.Leave != LeaveSending {
		t.Fatalf("resent %+v", again)
	}
	// The server wants a contact: its words next to the e-mail.
	h.event("", 0, cmd.ID, &protocol.Error{Code: protocol.CodeInvalid, Field: "email", Message: "an e-mail address or a phone number is required"})
	if h.m.LeaveErrs[LeaveEmail] != "an e-mail address or a phone number is required" || h.m.Leave != LeaveOpen {
		t.Fatalf("refused: %q", h.m.LeaveErrs)
	}
	if _, marked := h.m.LeaveErrs[LeavePhone]; marked {
		t.Error("the phone marked although an address was given")
	}
	h.m.SubmitLeave("Ann", "ann@example.com", "", "Rappelez-moi")
	cmd = h.leaveSent()
	h.event("", 0, cmd.ID, &protocol.Ack{Chat: "lm1"})
	last := h.m.Items[len(h.m.Items)-1]
	if h.m.LeaveShown() || h.m.LeaveOffered() || last.Kind != ItemSystem || last.Text != "Merci — nous reviendrons vers vous." {
		t.Fatalf("after the ack: shown %v offered %v last %+v", h.m.LeaveShown(), h.m.LeaveOffered(), last)
	}
	// A new chat starts afresh.
	h.m.NewChat()
	if h.m.Phase != PhaseForm || h.m.Leave != LeaveNone {
		t.Errorf("new chat: %v %v", h.m.Phase, h.m.Leave)
	}
}

func TestLeaveMessageAfterOutOfServiceClose(t *testing.T) {
	h := newHarness(t, Config{})
	c := open()
	c.LeaveMessage = true
	h.connect(c)
	h.m.StartChat("Ann", "", "", nil)
	h.event("", 0, h.sent()[0].ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseOutOfService})
	if !h.m.LeaveOffered() {
		t.Error("not offered after the connector closed on a waiting chat")
	}
	h = newHarness(t, Config{})
	h.connect(c)
	h.m.StartChat("Ann", "", "", nil)
	h.event("", 0, h.sent()[0].ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor})
	if h.m.LeaveOffered() {
		t.Error("offered after a chat the visitor ended")
	}
}
