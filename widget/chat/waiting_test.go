package chat

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// withOptions is the open connector with widget options.
func withOptions(opts string) protocol.Connected {
	c := open()
	c.Widget = json.RawMessage(opts)
	return c
}

// The first wait shows the place in the queue and the estimated wait, live, in the visitor's
// language; the connector (MiCC ShowEstimatedWaitTime) may hide the estimate.
func TestFirstWaitShowsQueueAndEstimate(t *testing.T) {
	for _, c := range []struct {
		lang, first, later string
	}{
		{"en", "You are number 3 in the queue. Estimated wait: about 4 minutes", "You are number 1 in the queue. Estimated wait: less than a minute"},
		{"de", "Sie sind an Position 3 in der Warteschlange. Geschätzte Wartezeit: etwa 4 Minuten", "Sie sind an Position 1 in der Warteschlange. Geschätzte Wartezeit: weniger als eine Minute"},
		{"fr", "Vous êtes en position 3 dans la file d'attente. Attente estimée : environ 4 minutes", "Vous êtes en position 1 dans la file d'attente. Attente estimée : moins d'une minute"},
	} {
		h := newHarness(t, Config{Lang: c.lang})
		h.startChat()
		h.event("chat1", 0, "", &protocol.Queue{Position: 3, Of: 3, EstimatedWait: 240})
		if got := h.m.QueueLine(); got != c.first {
			t.Errorf("%s: first wait %q, want %q", c.lang, got, c.first)
		}
		h.event("chat1", 0, "", &protocol.Queue{Position: 1, Of: 1, EstimatedWait: 20})
		if got := h.m.QueueLine(); got != c.later {
			t.Errorf("%s: update %q, want %q", c.lang, got, c.later)
		}
	}
	h := newHarness(t, Config{})
	h.connect(withOptions(`{"show_wait_time":false}`))
	h.m.StartChat("Ann", "", "", nil)
	h.event("", 0, h.sent()[0].ID, &protocol.Ack{Chat: "chat1", Token: "t"})
	h.event("chat1", 0, "", &protocol.Queue{Position: 2, Of: 2, EstimatedWait: 240})
	if got := h.m.QueueLine(); got != "You are number 2 in the queue." {
		t.Errorf("estimate not hidden: %q", got)
	}
	// A queue event of another chat is not ours.
	h.event("chat9", 0, "", &protocol.Queue{Position: 7, Of: 9, EstimatedWait: 240})
	if h.m.Queue.Position != 2 {
		t.Errorf("took another chat's place %d", h.m.Queue.Position)
	}
}

// The title follows the connector's title for the language the server chose.
func TestHeaderIsTheConnectorsTitle(t *testing.T) {
	h := newHarness(t, Config{Lang: "de"})
	if got := h.m.Header(); got != "Chatten Sie mit uns" {
		t.Errorf("before connecting: %q", got)
	}
	c := open()
	c.Title = "Kundendienst"
	h.connect(c)
	if got := h.m.Header(); got != "Kundendienst" {
		t.Errorf("header %q", got)
	}
}

// Write first: the message box opens the chat, the details are asked while waiting and stay
// asked until given, messages written meanwhile go out in order, nothing is lost on a reload.
func TestWriteFirstDetailsLater(t *testing.T) {
	h := newHarness(t, Config{})
	c := withOptions(`{"write_first":true}`)
	c.PreChat = []protocol.SurveyField{{Name: "Order", Type: survey.TypeNumeric, Prompt: "Order number", Enabled: true, Required: true, ValidateLow: 1, ValidateHigh: 99999}}
	h.connect(c)
	if !h.m.WritingFirst() || h.m.Phase != PhaseForm {
		t.Fatalf("not writing first: phase %v", h.m.Phase)
	}
	if h.m.StartWriting("   ") || h.m.StartWriting(strings.Repeat("x", 1001)) {
		t.Fatal("blank or over-long first message accepted")
	}
	if !h.m.StartWriting("Where is my parcel?") {
		t.Fatal("first message refused")
	}
	out := h.sent()
	req, ok := out[0].Body.(*protocol.ChatRequest)
	if len(out) != 1 || !ok || !req.Later || req.Name != "" || req.Question != "Where is my parcel?" || !req.PreviewConsent {
		t.Fatalf("request %+v", out)
	}
	if !h.m.DetailsShown() {
		t.Fatal("details not asked")
	}
	// Written before the chat exists: kept until then.
	if !h.m.Send("It was due Monday.", false, h.now) || len(h.sent()) != 0 {
		t.Fatal("message before the chat exists not kept back")
	}
	// The details are checked here: the name and the required field.
	if h.m.SubmitDetails("", map[string]string{"Order": "4711"}) || h.m.FieldError != "nameRequired" {
		t.Fatalf("details without a name: error %q", h.m.FieldError)
	}
	if h.m.SubmitDetails("Nina", map[string]string{"Order": "lots"}) || h.m.Invalid["Order"] == "" {
		t.Fatalf("bad answer accepted: %v", h.m.Invalid)
	}
	// A reload while the request is on its way keeps everything.
	snap := h.m.Snapshot(h.now)
	h.m = Restore(h.m.Config(), snap, h.now, time.Hour)
	h.connect(c)
	out = h.sent()
	if len(out) != 1 || !out[0].Body.(*protocol.ChatRequest).Later {
		t.Fatalf("after reload: %+v", out)
	}
	h.event("", 0, out[0].ID, &protocol.Ack{Chat: "chat1", Token: "tok"})
	out = h.sent()
	if len(out) != 1 || out[0].Body.(*protocol.Send).Text != "It was due Monday." || out[0].Chat != "chat1" {
		t.Fatalf("kept message %+v", out)
	}
	if !h.m.DetailsShown() {
		t.Fatal("details no longer asked after reload")
	}
	if !h.m.SubmitDetails(" Nina ", map[string]string{"Order": "4711"}) {
		t.Fatalf("details refused: %q %v", h.m.FieldError, h.m.Invalid)
	}
	if h.m.SubmitDetails("Nina", map[string]string{"Order": "4711"}) {
		t.Fatal("details sent twice")
	}
	out = h.sent()
	d, ok := out[0].Body.(*protocol.DetailsSubmit)
	if !ok || d.Name != "Nina" || d.Fields["Order"] != "4711" || out[0].Chat != "chat1" {
		t.Fatalf("details %+v", out)
	}
	// The server refuses the answer: the card stays with the reason at the field.
	h.event("", 0, out[0].ID, &protocol.Error{Code: protocol.CodeInvalid, Field: "fields.Order", Message: "too big"})
	if !h.m.DetailsShown() || h.m.Invalid["Order"] == "" {
		t.Fatalf("server refusal: shown %v invalid %v", h.m.DetailsShown(), h.m.Invalid)
	}
	h.m.SubmitDetails("Nina", map[string]string{"Order": "42"})
	out = h.sent()
	h.event("", 0, out[0].ID, &protocol.Ack{})
	if h.m.DetailsShown() || h.m.Name != "Nina" {
		t.Fatalf("after the ack: shown %v name %q", h.m.DetailsShown(), h.m.Name)
	}
}

// A page that names the visitor, on a connector without pre-chat fields, has nothing to ask.
func TestWriteFirstWithANamedVisitor(t *testing.T) {
	h := newHarness(t, Config{PData: map[string]string{"name": "Ann"}})
	h.connect(withOptions(`{"write_first":true}`))
	h.m.StartWriting("Hello")
	if req := h.sent()[0].Body.(*protocol.ChatRequest); req.Name != "Ann" || h.m.DetailsShown() {
		t.Fatalf("request %+v, details asked %v", req, h.m.DetailsShown())
	}
	// Without the option the start form stays.
	h2 := newHarness(t, Config{})
	h2.connect(open())
	if h2.m.WritingFirst() || h2.m.StartWriting("Hello") {
		t.Fatal("write first without the option")
	}
}

// Offline when the wait is too long: the start screen offers to leave a message; the visitor
// may still wait, and the estimate is asked again while the start screen shows.
func TestLongWaitOffersAMessage(t *testing.T) {
	h := newHarness(t, Config{Lang: "fr"})
	c := withOptions(`{"max_wait":300}`)
	c.LeaveMessage = true
	c.EstimatedWait = 900
	h.connect(c)
	if !h.m.WaitTooLong() {
		t.Fatal("no offer for a 15-minute wait over a 5-minute limit")
	}
	if got := h.m.LongWaitText(); !strings.Contains(got, "environ 15 minutes") {
		t.Errorf("offer text %q", got)
	}
	h.m.LeaveInstead()
	if !h.m.LeaveShown() || h.m.WaitTooLong() {
		t.Fatal("leave form not opened from the offer")
	}
	if !h.m.SubmitLeave("Léa", "lea@example.com", "", "Rappelez-moi") {
		t.Fatalf("leave refused: %v", h.m.LeaveErrs)
	}
	out := h.sent()
	h.event("", 0, out[0].ID, &protocol.Ack{})
	if h.m.LeaveThanks() == "" || h.m.Phase != PhaseForm {
		t.Fatalf("after leaving: thanks %q phase %v", h.m.LeaveThanks(), h.m.Phase)
	}

	// The visitor may choose to wait: back from the form, or from the offer.
	h = newHarness(t, Config{})
	h.connect(c)
	h.m.LeaveInstead()
	h.m.CancelLeave()
	if h.m.WaitTooLong() || h.m.LeaveShown() || h.m.Phase != PhaseForm {
		t.Fatal("back from the form: the offer or form still shows")
	}
	if !h.m.StartChat("Ann", "Hi", "", nil) {
		t.Fatal("could not wait anyway")
	}

	// Live: the estimate is asked again every QueuePoll; a shorter wait takes the offer away.
	h = newHarness(t, Config{})
	h.connect(c)
	h.advance(QueuePoll)
	h.sent()
	h.advance(QueuePoll)
	out = h.sent()
	if len(out) != 1 || out[0].Body.CommandType() != protocol.TypeQueueInfoGet {
		t.Fatalf("no queue.get: %+v", out)
	}
	h.event("", 0, out[0].ID, &protocol.QueueInfo{Open: true, Waiting: 1, EstimatedWait: 60})
	if h.m.WaitTooLong() {
		t.Fatal("offer after the wait got shorter")
	}
	// Within the limit, an unknown estimate, no limit or no left messages: no offer.
	for _, cc := range []struct {
		opts  string
		wait  int
		leave bool
	}{{`{"max_wait":300}`, 300, true}, {`{"max_wait":300}`, -1, true}, {`{}`, 9000, true}, {`{"max_wait":300}`, 9000, false}, {`{"max_wait":-5}`, 9000, true}} {
		h := newHarness(t, Config{})
		c := withOptions(cc.opts)
		c.EstimatedWait, c.LeaveMessage = cc.wait, cc.leave
		h.connect(c)
		if h.m.WaitTooLong() {
			t.Errorf("offer for %+v", cc)
		}
	}
}

// Sneak peek: previews only while on, the server told of every change, the choice kept.
func TestSneakPeekConsent(t *testing.T) {
	h := newHarness(t, Config{})
	h.startChat()
	if !h.m.PreviewTold() || !h.m.PreviewOn() {
		t.Fatal("visitor not told, or peek off by default")
	}
	h.m.Input("My order numb", h.now)
	if types := h.sentTypes(); len(types) != 2 || types[1] != "preview" {
		t.Fatalf("sent %v", types)
	}
	h.m.SetPreview(false)
	out := h.sent()
	if len(out) != 2 || out[0].Body.(*protocol.Preview).Text != "" || out[1].Body.(*protocol.PreviewConsent).On {
		t.Fatalf("turning off sent %+v", out)
	}
	h.advance(2 * time.Second)
	h.m.Input("My order number is", h.now)
	h.advance(2 * time.Second)
	for _, c := range h.sent() {
		if c.Body.CommandType() == protocol.TypePreview {
			t.Fatal("preview sent while off")
		}
	}
	// Kept across a reload.
	h.m = Restore(h.m.Config(), h.m.Snapshot(h.now), h.now, time.Hour)
	h.connect(open())
	if h.m.PreviewOn() {
		t.Fatal("choice lost on reload")
	}
	h.m.SetPreview(true)
	if h.m.PreviewOff {
		t.Fatal("cannot turn it on again")
	}
	// A connector without previews: nothing to tell, nothing sent.
	h2 := newHarness(t, Config{})
	c := open()
	c.Preview = false
	h2.connect(c)
	h2.m.StartChat("Ann", "", "", nil)
	if req := h2.sent()[0].Body.(*protocol.ChatRequest); req.PreviewConsent || h2.m.PreviewTold() {
		t.Fatal("consent without previews")
	}
}

// Turned off while the request is on its way, the server learns it with the chat.
func TestSneakPeekTurnedOffBeforeTheChatExists(t *testing.T) {
	h := newHarness(t, Config{})
	h.connect(open())
	h.m.StartChat("Ann", "", "", nil)
	req := h.sent()[0]
	h.m.SetPreview(false)
	if len(h.sent()) != 0 {
		t.Fatal("consent sent before the chat exists")
	}
	h.event("", 0, req.ID, &protocol.Ack{Chat: "chat1", Token: "t"})
	out := h.sent()
	if len(out) != 1 || out[0].Body.(*protocol.PreviewConsent).On || out[0].Chat != "chat1" {
		t.Fatalf("after the ack: %+v", out)
	}
}
