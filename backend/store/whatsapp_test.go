package store

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// TestWhatsApp runs the WhatsApp store on both databases: agent lines of WhatsApp chats reach
// the outbox in their own commit (and only those), inbound ids are applied once, claims are
// exclusive, and delivery states only move forward.
func TestWhatsApp(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "Acme")
			conn := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Shop", WhatsAppEnabled: true,
				WhatsAppAPIKey: "key", WhatsAppNumber: "+4930123456", WhatsAppTemplates: "order_update de"}))
			if len(conn.WhatsAppSecret) < 20 || conn.WhatsAppTemplates != "order_update de" {
				t.Fatalf("switching WhatsApp on made no webhook secret or lost the templates: %+v", conn)
			}
			wa := newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID = conn.ID })
			web := newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID = conn.ID })
			if err := s.CreateWhatsAppChat(ctx, WhatsAppChat{ChatID: wa.ID, TenantID: ten.ID, ConnectorID: conn.ID, Phone: "+491701234567"}); err != nil {
				t.Fatal(err)
			}
			wantErr(t, s.CreateWhatsAppChat(ctx, WhatsAppChat{ChatID: web.ID}), ErrInvalid)

			line := func(chat, role string, internal bool, text string) Write {
				data, _ := json.Marshal(map[string]any{"role": role, "text": text, "internal": internal})
				return Write{Event: &Event{ChatID: chat, Type: "message", Data: data, AgentsOnly: internal}}
			}
			if err := s.Commit(ctx, line(wa.ID, "visitor", false, "hello"), line(wa.ID, "agent", false, "hi there"),
				line(wa.ID, "agent", true, "a whisper"), line(web.ID, "agent", false, "web line")); err != nil {
				t.Fatal(err)
			}
			due := must[[]WhatsAppOut](t)(s.DueWhatsApp(ctx, time.Now().Add(time.Second), 10))
			if len(due) != 1 || due[0].ChatID != wa.ID || due[0].Phone != "+491701234567" || due[0].State != WhatsAppPending {
				t.Fatalf("due = %+v, want only the agent's public line of the WhatsApp chat", due)
			}
			if at, ok, err := s.NextWhatsAppDue(ctx); err != nil || !ok || at.After(time.Now()) {
				t.Fatalf("NextWhatsAppDue = %v %v %v", at, ok, err)
			}
			claimed, ok, err := s.ClaimWhatsApp(ctx, due[0], time.Now().Add(time.Minute))
			if err != nil || !ok || string(claimed.Body) == "" || claimed.Attempts != 1 {
				t.Fatalf("claim = %+v %v %v", claimed, ok, err)
			}
			if _, again, err := s.ClaimWhatsApp(ctx, due[0], time.Now().Add(time.Minute)); err != nil || again {
				t.Fatalf("a second claim of the same attempt succeeded: %v %v", again, err)
			}
			var body struct{ Text string }
			if err := json.Unmarshal(claimed.Body, &body); err != nil || body.Text != "hi there" {
				t.Fatalf("body = %s", claimed.Body)
			}
			if err := s.WhatsAppAttempted(ctx, claimed.ID, time.Now(), WhatsAppAttempt{MessageID: "m-1"}); err != nil {
				t.Fatal(err)
			}
			for _, st := range []struct {
				status  string
				changed bool
				want    string
			}{{WhatsAppDelivered, true, WhatsAppDelivered}, {WhatsAppRead, true, WhatsAppRead}, {WhatsAppDelivered, false, WhatsAppRead}} {
				l, changed, err := s.WhatsAppStatus(ctx, conn.ID, "m-1", st.status)
				if err != nil || changed != st.changed || l.Status != st.want || l.ChatID != wa.ID {
					t.Fatalf("status %s: %+v changed=%v err=%v", st.status, l, changed, err)
				}
			}
			if _, _, err := s.WhatsAppStatus(ctx, conn.ID, "unknown", WhatsAppRead); !errors.Is(err, ErrNotFound) {
				t.Fatalf("status of an unknown message: %v", err)
			}
			if _, _, err := s.WhatsAppStatus(ctx, conn.ID, "m-1", "bogus\x00"); !errors.Is(err, ErrInvalid) {
				t.Fatalf("bogus status: %v", err)
			}
			lines := must[[]WhatsAppOut](t)(s.WhatsAppLines(ctx, wa.ID))
			if len(lines) != 1 || lines[0].State != WhatsAppSent || lines[0].Status != WhatsAppRead || lines[0].SentAt == nil {
				t.Fatalf("lines = %+v", lines)
			}

			for i, want := range []bool{true, false} {
				if fresh, err := s.FirstWhatsAppInbound(ctx, conn.ID, "in-1"); err != nil || fresh != want {
					t.Fatalf("inbound %d: fresh=%v err=%v", i, fresh, err)
				}
			}
			if err := s.ForgetWhatsAppInbound(ctx, conn.ID, "in-1"); err != nil {
				t.Fatal(err)
			}
			if fresh, _ := s.FirstWhatsAppInbound(ctx, conn.ID, "in-1"); !fresh {
				t.Fatal("a forgotten inbound id is not new again")
			}

			later := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
			if err := s.WhatsAppCustomerWrote(ctx, wa.ID, later); err != nil {
				t.Fatal(err)
			}
			if err := s.WhatsAppCustomerWrote(ctx, wa.ID, later.Add(-2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			got := must[WhatsAppChat](t)(s.LatestWhatsAppChat(ctx, conn.ID, "+491701234567"))
			if got.ChatID != wa.ID || !got.LastInbound.Equal(later) {
				t.Fatalf("latest = %+v, want last inbound %v (never moved back)", got, later)
			}
			if _, err := s.WhatsAppChat(ctx, web.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("web chat as WhatsApp: %v", err)
			}
		})
	}
}

// TestOpenWhatsAppChats: the open WhatsApp chats, with the customer's resume token, are listed
// for the bridge to re-join after a start; a closed one and a website chat are not; the list
// narrows to one customer. On both databases.
func TestOpenWhatsAppChats(t *testing.T) {
	eachWhatsApp(t, func(t *testing.T, s *Store, ten Tenant, conn Connector) {
		closed := newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID = conn.ID; c.State = "closed" })
		open := newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID = conn.ID; c.State = "active" })
		other := newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID = conn.ID })
		newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID = conn.ID }) // a website chat
		for _, c := range []struct {
			id, phone, token string
		}{{closed.ID, "+491701234567", "tok-closed"}, {open.ID, "+491701234567", "tok-open"}, {other.ID, "+33612345678", "tok-other"}} {
			if err := s.CreateWhatsAppChat(ctx, WhatsAppChat{ChatID: c.id, TenantID: ten.ID, ConnectorID: conn.ID, Phone: c.phone, VisitorToken: c.token}); err != nil {
				t.Fatal(err)
			}
		}
		all := must[[]WhatsAppChat](t)(s.OpenWhatsAppChats(ctx, 0, ""))
		if len(all) != 2 || all[0].ChatID != open.ID || all[0].VisitorToken != "tok-open" || all[1].ChatID != other.ID {
			t.Fatalf("open = %+v, want the open chat and the other customer's", all)
		}
		one := must[[]WhatsAppChat](t)(s.OpenWhatsAppChats(ctx, conn.ID, "+491701234567"))
		if len(one) != 1 || one[0].ChatID != open.ID || one[0].Phone != "+491701234567" {
			t.Fatalf("open of one customer = %+v", one)
		}
		if none := must[[]WhatsAppChat](t)(s.OpenWhatsAppChats(ctx, conn.ID, "+4915100000000")); len(none) != 0 {
			t.Fatalf("open of a stranger = %+v", none)
		}
	})
}

// TestWhatsAppLinesInOrder: a chat's later line is not due while an earlier one waits for
// its retry, even when its own retry comes first, so the customer reads the lines in the
// order they were written; other chats' lines are not held up, and once the earlier line is
// sent (or given up) the later one is due. On both databases.
func TestWhatsAppLinesInOrder(t *testing.T) {
	eachWhatsApp(t, func(t *testing.T, s *Store, ten Tenant, conn Connector) {
		a := newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID = conn.ID })
		z := newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID = conn.ID })
		for _, c := range []Chat{a, z} {
			if err := s.CreateWhatsAppChat(ctx, WhatsAppChat{ChatID: c.ID, TenantID: ten.ID, ConnectorID: conn.ID, Phone: "+49170" + c.ID[:4]}); err != nil {
				t.Fatal(err)
			}
		}
		line := func(chat, text string) Write {
			data, _ := json.Marshal(map[string]any{"role": "agent", "text": text})
			return Write{Event: &Event{ChatID: chat, Type: "message", Data: data}}
		}
		if err := s.Commit(ctx, line(a.ID, "one"), line(a.ID, "two"), line(z.ID, "other")); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		due := must[[]WhatsAppOut](t)(s.DueWhatsApp(ctx, now.Add(time.Second), 10))
		if len(due) != 2 || due[0].ChatID != a.ID || due[1].ChatID != z.ID {
			t.Fatalf("due = %+v, want the first line of each chat", due)
		}
		first := due[0]
		// The first line fails and waits a minute; the second line's time comes first.
		claimed, _, err := s.ClaimWhatsApp(ctx, first, now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WhatsAppAttempted(ctx, claimed.ID, now, WhatsAppAttempt{Err: "503", Next: now.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if got := must[[]WhatsAppOut](t)(s.DueWhatsApp(ctx, now.Add(time.Second), 10)); len(got) != 1 || got[0].ChatID != z.ID {
			t.Fatalf("due while the first line waits = %+v, want only the other chat's", got)
		}
		if at, ok, err := s.NextWhatsAppDue(ctx); err != nil || !ok || at.After(now.Add(time.Second)) {
			t.Fatalf("next due = %v %v %v", at, ok, err)
		}
		// The other chat's line is sent; then only the waiting first line is ahead.
		zl := must[[]WhatsAppOut](t)(s.WhatsAppLines(ctx, z.ID))
		if err := s.WhatsAppAttempted(ctx, zl[0].ID, now, WhatsAppAttempt{MessageID: "m-z"}); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.NextWhatsAppDue(ctx); err != nil || !ok {
			t.Fatalf("next due = %v %v", ok, err)
		} else if at, _, _ := s.NextWhatsAppDue(ctx); !at.After(now.Add(30 * time.Second)) {
			t.Fatalf("next due %v is the held-back second line's, want the first line's retry", at)
		}
		due = must[[]WhatsAppOut](t)(s.DueWhatsApp(ctx, now.Add(2*time.Minute), 10))
		if len(due) != 1 || due[0].ID != first.ID {
			t.Fatalf("due at the retry = %+v, want the first line alone", due)
		}
		if err := s.WhatsAppAttempted(ctx, first.ID, now, WhatsAppAttempt{Err: "refused", GiveUp: true}); err != nil {
			t.Fatal(err)
		}
		due = must[[]WhatsAppOut](t)(s.DueWhatsApp(ctx, now.Add(2*time.Minute), 10))
		if len(due) != 1 || due[0].ChatID != a.ID || due[0].ID == first.ID {
			t.Fatalf("due after the first line failed = %+v, want the second line", due)
		}
	})
}

// eachWhatsApp runs f on both databases with a tenant and a connector with WhatsApp on.
func eachWhatsApp(t *testing.T, f func(t *testing.T, s *Store, ten Tenant, conn Connector)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "Acme")
			conn := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Shop", WhatsAppEnabled: true,
				WhatsAppAPIKey: "key", WhatsAppNumber: "+4930123456"}))
			f(t, s, ten, conn)
		})
	}
}

// TestWhatsAppLog: the delivery log lists a tenant's outbox lines newest first, each in the
// state the log shows (pending, retrying, sent, delivered, read, failed), filters by that
// state, is bounded, and shows no other tenant's lines. On both databases.
func TestWhatsAppLog(t *testing.T) {
	eachWhatsApp(t, func(t *testing.T, s *Store, ten Tenant, conn Connector) {
		chat := newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID = conn.ID })
		if err := s.CreateWhatsAppChat(ctx, WhatsAppChat{ChatID: chat.ID, TenantID: ten.ID, ConnectorID: conn.ID, Phone: "+491701234567"}); err != nil {
			t.Fatal(err)
		}
		other := newTenant(t, s, "Other")
		oconn := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: other.ID, Name: "Theirs", WhatsAppEnabled: true, WhatsAppAPIKey: "k", WhatsAppNumber: "+4930999"}))
		ochat := newChat(t, s, other.ID, func(c *Chat) { c.ConnectorID = oconn.ID })
		if err := s.CreateWhatsAppChat(ctx, WhatsAppChat{ChatID: ochat.ID, TenantID: other.ID, ConnectorID: oconn.ID, Phone: "+33612345678"}); err != nil {
			t.Fatal(err)
		}
		line := func(chat, text string) Write {
			data, _ := json.Marshal(map[string]any{"role": "agent", "text": text})
			return Write{Event: &Event{ChatID: chat, Type: "message", Data: data}}
		}
		for _, text := range []string{"one", "two", "three", "four"} {
			if err := s.Commit(ctx, line(chat.ID, text)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx, line(ochat.ID, "theirs")); err != nil {
			t.Fatal(err)
		}
		all := must[[]WhatsAppOut](t)(s.WhatsAppLog(ctx, ten.ID, "", 10))
		if len(all) != 4 || all[0].Seq < all[3].Seq || string(all[0].Body) == "" {
			t.Fatalf("log = %+v, want the tenant's four lines newest first with bodies", all)
		}
		one, two, three := all[3], all[2], all[1]
		if err := s.WhatsAppAttempted(ctx, one.ID, time.Now(), WhatsAppAttempt{MessageID: "m-1"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.WhatsAppStatus(ctx, conn.ID, "m-1", WhatsAppDelivered); err != nil {
			t.Fatal(err)
		}
		if err := s.WhatsAppAttempted(ctx, two.ID, time.Now(), WhatsAppAttempt{Err: "TynTec answered 400", GiveUp: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.WhatsAppAttempted(ctx, three.ID, time.Now(), WhatsAppAttempt{Err: "TynTec answered 503", Next: time.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		for state, want := range map[string]int64{WhatsAppDelivered: one.ID, WhatsAppFailed: two.ID, WhatsAppRetrying: three.ID, WhatsAppPending: all[0].ID} {
			got := must[[]WhatsAppOut](t)(s.WhatsAppLog(ctx, ten.ID, state, 10))
			if len(got) != 1 || got[0].ID != want || got[0].LogState() != state {
				t.Fatalf("log %s = %+v, want line %d", state, got, want)
			}
		}
		for _, state := range []string{WhatsAppSent, WhatsAppRead} {
			if got := must[[]WhatsAppOut](t)(s.WhatsAppLog(ctx, ten.ID, state, 10)); len(got) != 0 {
				t.Fatalf("log %s = %+v, want none", state, got)
			}
		}
		if got := must[[]WhatsAppOut](t)(s.WhatsAppLog(ctx, ten.ID, "", 2)); len(got) != 2 || got[0].ID != all[0].ID {
			t.Fatalf("bounded log = %+v", got)
		}
		if _, err := s.WhatsAppLog(ctx, ten.ID, "bogus\x00", 10); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bogus state: %v", err)
		}
		if got := must[[]WhatsAppOut](t)(s.WhatsAppLog(ctx, other.ID, "", 10)); len(got) != 1 || got[0].Phone != "+33612345678" {
			t.Fatalf("other tenant's log = %+v", got)
		}
	})
}
