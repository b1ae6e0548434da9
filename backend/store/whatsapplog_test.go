package store

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestWhatsAppLogStore runs what the WhatsApp log adds to the outbox on both databases: a
// failed line is sent again by one conditional update that changes nothing while the line
// waits or is in flight, after it was sent, or on a second click, and another tenant's line is
// not found; a test message to a typed number goes through the outbox without a chat; a status
// report that comes before the send's answer is kept and applied when the message id is
// recorded, for at most a day; inbound messages are logged as received, duplicate (with the
// chat of the first delivery) or refused.
func TestWhatsAppLogStore(t *testing.T) {
	eachWhatsApp(t, func(t *testing.T, s *Store, ten Tenant, conn Connector) {
		chat := newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID = conn.ID })
		if err := s.CreateWhatsAppChat(ctx, WhatsAppChat{ChatID: chat.ID, TenantID: ten.ID, ConnectorID: conn.ID, Phone: "+491701234567"}); err != nil {
			t.Fatal(err)
		}
		other := newTenant(t, s, "Other")
		oconn := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: other.ID, Name: "Theirs"}))
		data, _ := json.Marshal(map[string]any{"role": "agent", "text": "hello"})
		if err := s.Commit(ctx, Write{Event: &Event{ChatID: chat.ID, Type: "message", Data: data}}); err != nil {
			t.Fatal(err)
		}
		claim := func() WhatsAppOut {
			t.Helper()
			due := must[[]WhatsAppOut](t)(s.DueWhatsApp(ctx, time.Now().Add(time.Second), 10))
			if len(due) != 1 {
				t.Fatalf("due = %+v, want one line", due)
			}
			c, ok, err := s.ClaimWhatsApp(ctx, due[0], time.Now().Add(time.Minute))
			if err != nil || !ok {
				t.Fatalf("claim %v %v", ok, err)
			}
			return c
		}
		again := func(tenant, id int64, want bool) WhatsAppOut {
			t.Helper()
			l, ok, err := s.SendWhatsAppAgain(ctx, tenant, id, time.Now())
			if err != nil || ok != want {
				t.Fatalf("send again = %+v %v %v, want %v", l, ok, err, want)
			}
			return l
		}

		line := claim()
		if err := s.WhatsAppAttempted(ctx, line.ID, time.Now(), WhatsAppAttempt{Err: "tyntec: HTTP 400: bad", GiveUp: true}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ tenant, id int64 }{{other.ID, line.ID}, {ten.ID, line.ID + 1000}} {
			if _, _, err := s.SendWhatsAppAgain(ctx, tc.tenant, tc.id, time.Now()); !errors.Is(err, ErrNotFound) {
				t.Fatalf("send again %+v: %v, want not found", tc, err)
			}
		}
		if l := must[WhatsAppOut](t)(s.WhatsAppLine(ctx, ten.ID, line.ID)); l.LogState() != WhatsAppFailed {
			t.Fatalf("another tenant's click moved the line: %+v", l)
		}
		if l := again(ten.ID, line.ID, true); l.State != WhatsAppPending || l.Attempts != 0 || l.LastError != "" || l.LogState() != WhatsAppPending {
			t.Fatalf("sent again: %+v", l)
		}
		again(ten.ID, line.ID, false) // a second click
		line = claim()
		again(ten.ID, line.ID, false) // in flight
		if l := must[WhatsAppOut](t)(s.WhatsAppLine(ctx, ten.ID, line.ID)); l.Attempts != 1 || l.State != WhatsAppPending {
			t.Fatalf("a click in flight moved the line: %+v", l)
		}
		if err := s.WhatsAppAttempted(ctx, line.ID, time.Now(), WhatsAppAttempt{MessageID: "m-1"}); err != nil {
			t.Fatal(err)
		}
		again(ten.ID, line.ID, false) // sent
		if _, _, err := s.WhatsAppStatus(ctx, conn.ID, "m-1", WhatsAppFailed); err != nil {
			t.Fatal(err)
		}
		if l := again(ten.ID, line.ID, true); l.MessageID != "" || l.Status != "" || l.SentAt != nil {
			t.Fatalf("a line TynTec reported failed, sent again: %+v", l)
		}

		// A status report before the send's answer is kept for the line that records the id.
		if _, _, err := s.WhatsAppStatus(ctx, conn.ID, "m-early", WhatsAppRead); !errors.Is(err, ErrNotFound) {
			t.Fatalf("an early report: %v", err)
		}
		if _, _, err := s.WhatsAppStatus(ctx, conn.ID, "m-early", WhatsAppDelivered); !errors.Is(err, ErrNotFound) {
			t.Fatalf("an older early report: %v", err)
		}
		line = claim()
		got, err := s.WhatsAppAttemptedLine(ctx, line.ID, time.Now(), WhatsAppAttempt{MessageID: "m-early"})
		if err != nil || got.Status != WhatsAppRead || got.State != WhatsAppSent || got.MessageID != "m-early" || got.ChatID != chat.ID {
			t.Fatalf("the early report was not applied: %+v %v", got, err)
		}
		var kept int64
		if err := s.r.Model(&whatsappEarlyStatusRow{}).Count(&kept).Error; err != nil || kept != 0 {
			t.Fatalf("%d early reports kept after they were applied (%v)", kept, err)
		}
		// A report older than a day is dropped with the next one kept.
		if err := s.w.Transaction(func(tx *gorm.DB) error {
			return keepEarlyStatus(tx, conn.ID, "m-old", WhatsAppRead, "", time.Now().Add(-EarlyStatusKept-time.Minute))
		}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.WhatsAppStatus(ctx, conn.ID, "m-other", WhatsAppDelivered); !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		again(ten.ID, line.ID, false)
		if _, _, err := s.WhatsAppStatus(ctx, conn.ID, "m-early", WhatsAppFailed); err != nil {
			t.Fatal(err)
		}
		again(ten.ID, line.ID, true)
		line = claim()
		if got, err := s.WhatsAppAttemptedLine(ctx, line.ID, time.Now(), WhatsAppAttempt{MessageID: "m-old"}); err != nil || got.Status != WhatsAppAccepted {
			t.Fatalf("a report older than a day was applied: %+v %v", got, err)
		}

		// A test message to a typed number goes through the outbox without a chat.
		if _, err := s.EnqueueWhatsAppTest(ctx, ten.ID, oconn.ID, "+4915112345678", "test"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a test from another tenant's connector: %v", err)
		}
		test := must[WhatsAppOut](t)(s.EnqueueWhatsAppTest(ctx, ten.ID, conn.ID, "+4915112345678", "test"))
		tl := claim()
		if tl.ID != test.ID || !tl.Test || tl.ChatID != "" || tl.Phone != "+4915112345678" || string(tl.Body) != `{"role":"agent","text":"test"}` {
			t.Fatalf("claimed test %+v %s", tl, tl.Body)
		}
		if err := s.WhatsAppAttempted(ctx, tl.ID, time.Now(), WhatsAppAttempt{Err: "tyntec: HTTP 401: Unauthorized", GiveUp: true}); err != nil {
			t.Fatal(err)
		}
		if log := must[[]WhatsAppOut](t)(s.WhatsAppLog(ctx, ten.ID, WhatsAppFailed, 10)); len(log) != 1 || !log[0].Test || log[0].ID != test.ID {
			t.Fatalf("failed log %+v", log)
		}
		if log := must[[]WhatsAppOut](t)(s.WhatsAppLog(ctx, other.ID, "", 10)); len(log) != 0 {
			t.Fatalf("another tenant's log %+v", log)
		}

		// Inbound messages.
		in := WhatsAppIn{TenantID: ten.ID, ConnectorID: conn.ID, MessageID: "in-1", Phone: "+491701234567", To: "4930123456", Kind: "text"}
		for _, x := range []struct{ outcome, chat string }{{WhatsAppReceived, chat.ID}, {WhatsAppDuplicate, ""}} {
			in.Outcome, in.ChatID = x.outcome, x.chat
			if err := s.LogWhatsAppInbound(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		in.MessageID, in.Outcome, in.ChatID, in.To = "in-2", WhatsAppRefused, "", "4930999999"
		if err := s.LogWhatsAppInbound(ctx, in); err != nil {
			t.Fatal(err)
		}
		in.Outcome = "bogus"
		wantErr(t, s.LogWhatsAppInbound(ctx, in), ErrInvalid)
		all := must[[]WhatsAppIn](t)(s.WhatsAppInboundLog(ctx, ten.ID, "", 10))
		if len(all) != 3 || all[0].Outcome != WhatsAppRefused || all[0].ChatID != "" || all[0].To != "4930999999" ||
			all[1].Outcome != WhatsAppDuplicate || all[1].ChatID != chat.ID || all[2].Outcome != WhatsAppReceived || all[2].ChatID != chat.ID {
			t.Fatalf("inbound log %+v", all)
		}
		if dup := must[[]WhatsAppIn](t)(s.WhatsAppInboundLog(ctx, ten.ID, WhatsAppDuplicate, 10)); len(dup) != 1 || dup[0].MessageID != "in-1" {
			t.Fatalf("duplicates %+v", dup)
		}
		if _, err := s.WhatsAppInboundLog(ctx, ten.ID, "bogus", 10); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bogus outcome: %v", err)
		}
		if theirs := must[[]WhatsAppIn](t)(s.WhatsAppInboundLog(ctx, other.ID, "", 10)); len(theirs) != 0 {
			t.Fatalf("another tenant's inbound log %+v", theirs)
		}
	})
}
