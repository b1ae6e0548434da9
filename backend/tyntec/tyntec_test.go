package tyntec_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
	"github.com/parleychat/parley/backend/tyntec/tyntectest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestParseEventRefusesBadInput: what is not a TynTec event, or a message without a sender
// number Parley can use, is refused; real payloads are read.
func TestParseEventRefusesBadInput(t *testing.T) {
	for name, body := range map[string]string{
		"not json":        `{"event":`,
		"unknown event":   `{"event":"Bogus","messageId":"m"}`,
		"no message id":   `{"event":"MoMessage","from":"491701234567","content":{"contentType":"text","text":"hi"}}`,
		"NUL in id":       `{"event":"MoMessage","messageId":"m\u0000","from":"491701234567","content":{"contentType":"text","text":"hi"}}`,
		"no content":      `{"event":"MoMessage","messageId":"m","from":"491701234567"}`,
		"bad sender":      `{"event":"MoMessage","messageId":"m","from":"abc","content":{"contentType":"text","text":"hi"}}`,
		"huge sender":     `{"event":"MoMessage","messageId":"m","from":"1234567890123456789","content":{"contentType":"text","text":"hi"}}`,
		"too large event": `{"event":"MoMessage","messageId":"m","pad":"` + strings.Repeat("x", tyntec.MaxEventBytes) + `"}`,
	} {
		if _, err := tyntec.ParseEvent([]byte(body)); !errors.Is(err, tyntec.ErrBadEvent) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	e, err := tyntec.ParseEvent([]byte(`{"event":"MoMessage","messageId":"77","channel":"whatsapp","from":"491701234567","to":"4930123456",
		"timestamp":"2026-12-05T10:00:00Z","content":{"contentType":"text","text":"Hallo"},"whatsapp":{"senderName":"Erika"}}`))
	if err != nil || e.Content.Text != "Hallo" || e.WhatsApp.SenderName != "Erika" || e.Timestamp.Hour() != 10 {
		t.Fatalf("parsed %+v, %v", e, err)
	}
	st, err := tyntec.ParseEvent([]byte(`{"event":"MessageStatus::seen","messageId":"77","status":"seen"}`))
	if state, ok := tyntec.Status(st); err != nil || !ok || state != "read" {
		t.Fatalf("status %q %v %v", state, ok, err)
	}
	if _, ok := tyntec.Status(tyntec.Event{Event: "MessageStatus::dispatched", Status: "dispatched"}); ok {
		t.Fatal("an intermediate state changed a line")
	}
}

// TestImageWithCaptionIsSplit: OneContact's split — the media first, then the caption as its
// own text line; media without caption is one line; content Parley cannot show says what came.
func TestImageWithCaptionIsSplit(t *testing.T) {
	lines := tyntec.Lines(tyntec.Content{ContentType: "media", Media: &tyntec.InboundMedia{Type: "image", URL: "u", Caption: "  my broken phone "}})
	if len(lines) != 2 || lines[0].Media == nil || lines[0].Media.Caption != "" || lines[1].Text != "my broken phone" {
		t.Fatalf("lines %+v", lines)
	}
	if l := tyntec.Lines(tyntec.Content{ContentType: "image", Image: &tyntec.MediaRef{URL: "u"}}); len(l) != 1 || l[0].Media == nil {
		t.Fatalf("image without caption %+v", l)
	}
	if l := tyntec.Lines(tyntec.Content{ContentType: "location"}); len(l) != 1 || l[0].Text != "[location]" {
		t.Fatalf("location %+v", l)
	}
	if l := tyntec.Lines(tyntec.Content{ContentType: "text", Text: "  "}); len(l) != 0 {
		t.Fatalf("blank text %+v", l)
	}
}

// TestWindowAndTemplates: the 24-hour window and the agents' template lines.
func TestWindowAndTemplates(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		last time.Time
		open bool
	}{{now.Add(-23 * time.Hour), true}, {now.Add(-24 * time.Hour), false}, {now.Add(-30 * 24 * time.Hour), false}, {time.Time{}, false}} {
		if got := tyntec.WindowOpen(c.last, now); got != c.open {
			t.Errorf("last %v: open = %v", c.last, got)
		}
	}
	tpls, err := tyntec.ParseTemplates("# ours\norder_update de: Name | Order number\n\n welcome_back  en_US ")
	if err != nil || len(tpls) != 2 || tpls[1].Name != "welcome_back" || tpls[1].Language != "en_US" || len(tpls[1].Params) != 0 ||
		len(tpls[0].Params) != 2 || tpls[0].Params[0] != "Name" || tpls[0].Params[1] != "Order number" {
		t.Fatalf("templates %+v %v", tpls, err)
	}
	for _, bad := range []string{"order update de", "only_a_name", "name de\x00", "<b> de", "order_update de:", "order_update de: Name ||", "order_update de Name"} {
		if _, err := tyntec.ParseTemplates(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	tp, ok, err := tyntec.TemplateLine("/template order_update Erika | 4711 ", tpls)
	if !ok || err != nil || tp.TemplateID != "order_update" || tp.TemplateLanguage != "de" || len(tp.Components.Body) != 2 || tp.Components.Body[0].Text != "Erika" {
		t.Fatalf("template line %+v %v %v", tp, ok, err)
	}
	if _, ok, err := tyntec.TemplateLine("/template nope", tpls); !ok || err == nil {
		t.Fatalf("unknown template: %v %v", ok, err)
	}
	if _, ok, _ := tyntec.TemplateLine("/templates are fun", tpls); ok {
		t.Fatal("a line that merely starts like the command asked for a template")
	}
}

// TestOutboundContent: an agent's line as TynTec content — text, a picture with its caption,
// a document with its name, a template; files need the public URL.
func TestOutboundContent(t *testing.T) {
	pic := &protocol.File{Name: "p.png", URL: "/files/x/p.png", ContentType: "image/png"}
	c, err := tyntec.Outbound(protocol.Message{Text: "see this", File: pic}, nil, "https://chat.example.com/")
	if err != nil || c.ContentType != "image" || c.Image.URL != "https://chat.example.com/files/x/p.png" || c.Image.Caption != "see this" {
		t.Fatalf("image %+v %v", c, err)
	}
	if _, err := tyntec.Outbound(protocol.Message{File: pic}, nil, ""); err == nil {
		t.Fatal("a file went without a public URL")
	}
	doc := &protocol.File{Name: "a.pdf", URL: "/files/y/a.pdf", ContentType: "application/pdf"}
	if c, _ := tyntec.Outbound(protocol.Message{Text: "a.pdf", File: doc}, nil, "https://h"); c.ContentType != "document" || c.Document.Filename != "a.pdf" || c.Document.Caption != "" {
		t.Fatalf("document %+v", c.Document)
	}
	if _, err := tyntec.Outbound(protocol.Message{Text: "  "}, nil, ""); err == nil {
		t.Fatal("an empty line went")
	}
}

// TestClientAgainstLocalTynTec: the API key goes in the apikey header; TynTec's refusals are
// permanent, its overload is not; media come only from TynTec's own API and within the size.
func TestClientAgainstLocalTynTec(t *testing.T) {
	fake := tyntectest.New("secret-key")
	defer fake.Close()
	ctx := context.Background()
	c := tyntec.NewClient(fake.URL)
	msg := tyntec.MessageRequest{To: "491701234567", From: "4930123456", Channel: "whatsapp", Content: tyntec.Content{ContentType: "text", Text: "hi"}}
	if _, err := c.Send(ctx, "wrong", msg); !tyntec.Permanent(err) {
		t.Fatalf("a wrong key: %v", err)
	}
	fake.FailNext(http.StatusTooManyRequests, http.StatusBadGateway)
	for range 2 {
		if _, err := c.Send(ctx, "secret-key", msg); err == nil || tyntec.Permanent(err) {
			t.Fatalf("overload: %v", err)
		}
	}
	id, err := c.Send(ctx, "secret-key", msg)
	if err != nil || id == "" {
		t.Fatalf("send: %q %v", id, err)
	}
	url := fake.AddMedia("m1", "image/jpeg", []byte("0123456789"))
	if data, ct, _, err := c.Media(ctx, "secret-key", url, 10); err != nil || string(data) != "0123456789" || ct != "image/jpeg" {
		t.Fatalf("media %q %q %v", data, ct, err)
	}
	if _, _, _, err := c.Media(ctx, "secret-key", url, 9); !tyntec.Permanent(err) {
		t.Fatalf("oversized media: %v", err)
	}
	if _, _, _, err := c.Media(ctx, "secret-key", "http://169.254.169.254/latest/meta-data", 100); !tyntec.Permanent(err) {
		t.Fatalf("media outside TynTec fetched: %v", err)
	}
	if _, err := tyntec.NewClient("http://127.0.0.1:1").Send(ctx, "k", msg); err == nil || tyntec.Permanent(err) {
		t.Fatalf("unreachable TynTec: %v", err)
	}
}

// TestStatusReasonAndDelivery: a failed report's reason joins WhatsApp's message and code,
// without NUL and bounded, and the outbox states map to the agents' delivery states.
func TestStatusReasonAndDelivery(t *testing.T) {
	e := tyntectest.Status("m-1", "failed", time.Now())
	if got := tyntec.FailureReason(e); got != "" {
		t.Errorf("reason without details = %q", got)
	}
	e.Details = &tyntec.StatusDetails{Code: "whatsapp::external::131047", Message: "Re-engagement\x00 message"}
	if got := tyntec.FailureReason(e); got != "Re-engagement message (whatsapp::external::131047)" {
		t.Errorf("reason = %q", got)
	}
	e.Details = &tyntec.StatusDetails{Message: strings.Repeat("é", 5000)}
	if got := tyntec.FailureReason(e); utf8.RuneCountInString(got) != 300 || !utf8.ValidString(got) {
		t.Errorf("a long reason has %d runes", utf8.RuneCountInString(got))
	}
	for in, want := range map[string]string{store.WhatsAppAccepted: protocol.DeliverySent, store.WhatsAppDelivered: protocol.DeliveryDelivered,
		store.WhatsAppRead: protocol.DeliveryRead, store.WhatsAppFailed: protocol.DeliveryFailed} {
		if got := tyntec.Delivery(in); got != want {
			t.Errorf("Delivery(%q) = %q, want %q", in, got, want)
		}
	}
}
