package store

import (
	"strings"
	"testing"
	"time"
)

func TestRetention(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct {
				name string
				fn   func(t *testing.T, b backend)
			}{
				{"Policy", testRetentionPolicy},
				{"PurgeExpiredChats", testPurgeExpiredChats},
				{"Audit", testAuditLog},
				{"VisitorRecordsAndErase", testVisitorRecordsAndErase},
				{"OrphanContacts", testOrphanContacts},
				{"EraseContact", testEraseContact},
			} {
				t.Run(c.name, func(t *testing.T) { c.fn(t, b) })
			}
		})
	}
}

func testRetentionPolicy(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	a, other := newTenant(t, s, "A"), newTenant(t, s, "B")
	wantEqual(t, must[RetentionPolicy](t)(s.RetentionPolicy(ctx, a.ID)), DefaultRetentionPolicy(a.ID))
	for _, bad := range []RetentionPolicy{
		{TenantID: a.ID, ChatDays: -1}, {TenantID: a.ID, LeftMessageDays: MaxRetentionDays + 1}, {TenantID: a.ID, AuditDays: 1 << 62},
	} {
		_, err := s.SaveRetentionPolicy(ctx, bad)
		wantErr(t, err, ErrInvalid)
	}
	_, err := s.SaveRetentionPolicy(ctx, RetentionPolicy{TenantID: 999999, ChatDays: 3})
	wantErr(t, err, ErrInvalid)
	saved := must[RetentionPolicy](t)(s.SaveRetentionPolicy(ctx, RetentionPolicy{TenantID: a.ID, ChatDays: 30, LeftMessageDays: 7, AuditDays: 0}))
	got := must[RetentionPolicy](t)(s.RetentionPolicy(ctx, a.ID))
	wantEqual(t, got, saved)
	all := must[[]RetentionPolicy](t)(s.RetentionPolicies(ctx))
	if len(all) != 2 || all[0].ChatDays != 30 || all[0].AuditDays != 0 || all[1] != DefaultRetentionPolicy(other.ID) {
		t.Fatalf("policies = %+v", all)
	}
}

// count counts rows of a table that match a condition.
func count(t *testing.T, s *Store, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.r.Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// fullChat stores a chat with two messages (events), a participant, a file, survey answers and
// an e-mail of the outbox about it.
func fullChat(t *testing.T, s *Store, tenantID int64, mod func(*Chat)) Chat {
	t.Helper()
	return fullChatOf(t, s, tenantID, "jo@example.com", mod)
}

// fullChatOf is fullChat of a visitor who gave email from the start: a chat that said
// another address first may have been linked to that address's contact meanwhile.
func fullChatOf(t *testing.T, s *Store, tenantID int64, email string, mod func(*Chat)) Chat {
	t.Helper()
	c := newChat(t, s, tenantID, func(c *Chat) {
		c.State = "active"
		c.VisitorEmail = email
		c.Fields = map[string]string{"rating": "5"}
	})
	if err := s.Commit(ctx, msgWrite(c.ID, 0, "hello", ""), msgWrite(c.ID, 0, "my card is 4111", "")); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, Write{Participant: &Participant{ChatID: c.ID, Role: "owner", UserID: 5, Name: "Ann", JoinedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	must[File](t)(s.CreateFile(ctx, File{TenantID: tenantID, ChatID: c.ID, Name: "id.png", ContentType: "image/png", Size: 3, Role: "visitor", Data: []byte{1, 2, 3}}))
	must[OutboxMail](t)(s.EnqueueMail(ctx, OutboxMail{TenantID: tenantID, Kind: "transcript", ChatID: c.ID, MessageID: NewChatID() + "@test", To: "jo@example.com", Subject: "Your chat", Body: "hello"}))
	if mod != nil {
		c = must[Chat](t)(s.Chat(ctx, c.ID))
		mod(&c)
		if err := s.Commit(ctx, Write{Chat: &c}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func closedAt(at time.Time, cause string) func(*Chat) {
	return func(c *Chat) {
		c.State, c.ClosedAt, c.CloseCause, c.CreatedAt = "closed", &at, cause, at.Add(-time.Hour)
	}
}

func testPurgeExpiredChats(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	a, other := newTenant(t, s, "A"), newTenant(t, s, "B")
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	old := now.AddDate(0, 0, -40)
	var oldClosed []Chat
	for range 5 {
		oldClosed = append(oldClosed, fullChat(t, s, a.ID, closedAt(old, "visitor")))
	}
	openOld := fullChat(t, s, a.ID, func(c *Chat) { c.CreatedAt = old }) // open for 40 days: never deleted
	recent := fullChat(t, s, a.ID, closedAt(now.AddDate(0, 0, -2), "agent"))
	left := fullChat(t, s, a.ID, closedAt(old, CloseCauseLeftMessage))
	foreign := fullChat(t, s, other.ID, closedAt(old, "visitor"))
	bytesBefore := count(t, s, &fileRow{}, "tenant_id = ?", a.ID)

	cutoff := now.AddDate(0, 0, -30)
	var total Purged
	batches := 0
	for {
		p := must[Purged](t)(s.PurgeExpiredChats(ctx, ExpiredChats{TenantID: a.ID, ClosedBefore: cutoff, Limit: 2}))
		total = total.Add(p)
		batches++
		if p.Chats < 2 {
			break
		}
	}
	if batches != 3 {
		t.Errorf("batches = %d, want 3 (2+2+1)", batches)
	}
	wantEqual(t, total, Purged{Chats: 5, Messages: 10, Events: 10, Files: 5, FileBytes: 15, Outbox: 5})
	for _, c := range oldClosed {
		_, err := s.Chat(ctx, c.ID)
		wantErr(t, err, ErrNotFound)
		for _, m := range []any{&messageRow{}, &eventRow{}, &participantRow{}, &fileRow{}, &outboxRow{}} {
			if n := count(t, s, m, "chat_id = ?", c.ID); n != 0 {
				t.Errorf("%T rows of a deleted chat left: %d", m, n)
			}
		}
	}
	for _, c := range []Chat{openOld, recent, left, foreign} {
		must[Chat](t)(s.Chat(ctx, c.ID))
		if n := count(t, s, &messageRow{}, "chat_id = ?", c.ID); n != 2 {
			t.Errorf("chat %s kept %d messages, want 2", c.ID, n)
		}
		if n := count(t, s, &fileRow{}, "chat_id = ?", c.ID); n != 1 {
			t.Errorf("chat %s kept %d files, want 1", c.ID, n)
		}
	}
	if got := count(t, s, &fileRow{}, "tenant_id = ?", a.ID); got != bytesBefore-5 {
		t.Errorf("files of A: %d, want %d", got, bytesBefore-5)
	}
	// Left messages have their own period.
	p := must[Purged](t)(s.PurgeExpiredChats(ctx, ExpiredChats{TenantID: a.ID, LeftMessages: true, ClosedBefore: cutoff}))
	if p.Chats != 1 {
		t.Fatalf("left messages purged: %+v", p)
	}
	_, err := s.Chat(ctx, left.ID)
	wantErr(t, err, ErrNotFound)
	// A second run finds nothing, and the foreign tenant's chat stays.
	p = must[Purged](t)(s.PurgeExpiredChats(ctx, ExpiredChats{TenantID: a.ID, ClosedBefore: now}))
	if p.Chats != 1 { // recent, closed two days before now
		t.Fatalf("purge up to now: %+v", p)
	}
	must[Chat](t)(s.Chat(ctx, openOld.ID))
	must[Chat](t)(s.Chat(ctx, foreign.ID))
	// The chats' sequence numbers still work for chats that stay.
	if err := s.Commit(ctx, msgWrite(openOld.ID, 0, "still here", "")); err != nil {
		t.Fatal(err)
	}
}

func testAuditLog(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	a, other := newTenant(t, s, "A"), newTenant(t, s, "B")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []int64
	for i := range 7 {
		e := AuditEntry{TenantID: a.ID, At: base.AddDate(0, 0, i), UserID: int64(1 + i%2), UserLogin: "ann", UserRole: "admin",
			Action: []string{"users/:id", "mail"}[i%2], Target: "id=3", Summary: "name=Ann", IP: "10.0.0.1"}
		ids = append(ids, must[int64](t)(s.AppendAudit(ctx, e)))
	}
	must[int64](t)(s.AppendAudit(ctx, AuditEntry{TenantID: other.ID, At: base, Action: "mail", UserID: 1}))
	_, err := s.AppendAudit(ctx, AuditEntry{TenantID: a.ID})
	wantErr(t, err, ErrInvalid)

	// NUL bytes, broken UTF-8 and a huge summary are stored, cleaned and cut.
	weird := must[int64](t)(s.AppendAudit(ctx, AuditEntry{TenantID: a.ID, At: base.AddDate(0, 0, 10), Action: "x\x00y", Summary: "a\x00b\xff" + strings.Repeat("é", 5000)}))
	if err := s.FinishAudit(ctx, AuditEntry{ID: weird, Action: "weird", Target: "t\x00", Outcome: 303}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.FinishAudit(ctx, AuditEntry{ID: 1 << 40, Action: "x"}), ErrNotFound)
	got := must[[]AuditEntry](t)(s.AuditLog(ctx, AuditQuery{TenantID: a.ID, Action: "weird"}))
	if len(got) != 1 || got[0].Outcome != 303 || got[0].Target != "t" || !strings.HasPrefix(got[0].Summary, "ab\uFFFDé") || len(got[0].Summary) > AuditSummaryBytes {
		t.Fatalf("weird entry = %+v", got)
	}

	all := must[[]AuditEntry](t)(s.AuditLog(ctx, AuditQuery{TenantID: a.ID}))
	if len(all) != 8 || all[0].ID != weird {
		t.Fatalf("all = %d entries, first %d", len(all), all[0].ID)
	}
	for _, e := range all {
		if e.TenantID != a.ID {
			t.Fatalf("foreign entry %+v", e)
		}
	}
	// Filters: date range, user, action; pages.
	r := must[[]AuditEntry](t)(s.AuditLog(ctx, AuditQuery{TenantID: a.ID, From: base.AddDate(0, 0, 2), To: base.AddDate(0, 0, 5)}))
	wantEqual(t, len(r), 3)
	r = must[[]AuditEntry](t)(s.AuditLog(ctx, AuditQuery{TenantID: a.ID, UserID: 2, Action: "mail"}))
	wantEqual(t, len(r), 3)
	page1 := must[[]AuditEntry](t)(s.AuditLog(ctx, AuditQuery{TenantID: a.ID, Limit: 3}))
	page2 := must[[]AuditEntry](t)(s.AuditLog(ctx, AuditQuery{TenantID: a.ID, Limit: 3, BeforeID: page1[2].ID}))
	if len(page2) != 3 || page2[0].ID >= page1[2].ID {
		t.Fatalf("pages %v / %v", page1, page2)
	}
	wantEqual(t, must[[]string](t)(s.AuditActions(ctx, a.ID)), []string{"mail", "users/:id", "weird"})
	// An injection attempt in a filter is only a value.
	wantEqual(t, len(must[[]AuditEntry](t)(s.AuditLog(ctx, AuditQuery{TenantID: a.ID, Action: "' OR 1=1 --"}))), 0)

	// Retention of the log: older than day 3 goes, in batches; the other tenant keeps its own.
	n := must[int](t)(s.PurgeAudit(ctx, a.ID, base.AddDate(0, 0, 3), 2))
	n += must[int](t)(s.PurgeAudit(ctx, a.ID, base.AddDate(0, 0, 3), 2))
	wantEqual(t, n, 3)
	wantEqual(t, len(must[[]AuditEntry](t)(s.AuditLog(ctx, AuditQuery{TenantID: a.ID}))), 5)
	wantEqual(t, len(must[[]AuditEntry](t)(s.AuditLog(ctx, AuditQuery{TenantID: other.ID}))), 1)
	_ = ids
}

func testVisitorRecordsAndErase(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	a, other := newTenant(t, s, "A"), newTenant(t, s, "B")
	old := time.Now().Add(-48 * time.Hour)
	jo1 := fullChat(t, s, a.ID, closedAt(old, "visitor"))
	jo2 := fullChat(t, s, a.ID, closedAt(old.Add(time.Hour), CloseCauseLeftMessage))
	joOpen := fullChat(t, s, a.ID, nil)
	sam := fullChatOf(t, s, a.ID, "sam@example.com", func(c *Chat) {
		c.State, c.ClosedAt = "closed", &old
	})
	joForeign := fullChat(t, s, other.ID, closedAt(old, "visitor"))
	// An internal note is not the visitor's data.
	note := msgWrite(jo1.ID, 0, "agents only", "")
	note.Message.Internal, note.Message.Role = true, "agent"
	if err := s.Commit(ctx, note); err != nil {
		t.Fatal(err)
	}

	settle(t, s)
	recs := must[[]VisitorRecord](t)(s.VisitorRecords(ctx, a.ID, Visitor{Email: "JO@example.com"}))
	var got []string
	for _, r := range recs {
		got = append(got, r.Chat.ID)
		if len(r.Messages) != 2 || len(r.Files) != 1 || r.Files[0].Data != nil || r.Chat.Fields["rating"] != "5" {
			t.Fatalf("record %s: %d messages, files %+v, fields %v", r.Chat.ID, len(r.Messages), r.Files, r.Chat.Fields)
		}
		for _, m := range r.Messages {
			if m.Internal {
				t.Fatal("internal note exported")
			}
		}
	}
	wantEqual(t, got, []string{jo1.ID, jo2.ID, joOpen.ID})
	wantEqual(t, len(must[[]VisitorRecord](t)(s.VisitorRecords(ctx, a.ID, Visitor{}))), 0)
	wantEqual(t, len(must[[]VisitorRecord](t)(s.VisitorRecords(ctx, a.ID, Visitor{Email: "%"}))), 0)

	// A test mail to the address not about a chat goes too.
	must[OutboxMail](t)(s.EnqueueMail(ctx, OutboxMail{TenantID: a.ID, Kind: "test", MessageID: "m1@test", To: "Jo@Example.com", Subject: "s", Body: "b"}))
	er := must[Erased](t)(s.EraseVisitor(ctx, a.ID, Visitor{Email: "jo@example.com"}))
	wantEqual(t, er, Erased{Purged: Purged{Chats: 2, Messages: 5, Events: 5, Files: 2, FileBytes: 6, Outbox: 5}, OpenKept: 1}) // 2 about the chats, 3 more to the address
	for _, c := range []Chat{jo1, jo2} {
		_, err := s.Chat(ctx, c.ID)
		wantErr(t, err, ErrNotFound)
		if n := count(t, s, &eventRow{}, "chat_id = ?", c.ID); n != 0 {
			t.Fatalf("events left: %d", n)
		}
	}
	if n := count(t, s, &messageRow{}, "text LIKE ?", "%4111%"); n != 3 { // open Jo, Sam, foreign
		t.Fatalf("messages with the card number: %d", n)
	}
	must[Chat](t)(s.Chat(ctx, joOpen.ID))
	must[Chat](t)(s.Chat(ctx, sam.ID))
	must[Chat](t)(s.Chat(ctx, joForeign.ID))
	if n := count(t, s, &outboxRow{}, "tenant_id = ?", other.ID); n != 1 {
		t.Fatalf("foreign outbox rows: %d", n)
	}
}

func init() {
	notSettings["SaveRetentionPolicy"] = "nothing caches the retention periods: the retention worker reads them at every round"
	notSettings["PurgeExpiredChats"] = "deletes closed chats, which nothing in memory holds (only open chats are)"
	notSettings["PurgeAudit"] = "deletes old audit entries, not configuration"
	notSettings["PurgeOrphanContacts"] = "deletes contacts without chats, which nothing in memory holds"
}

// closedOld makes a chat closed two days ago, created an hour before.
func closedOld(c *Chat) {
	old := now().Add(-48 * time.Hour)
	c.State, c.ClosedAt, c.CreatedAt, c.CloseCause = stateClosed, &old, old.Add(-time.Hour), "visitor"
}

func testOrphanContacts(t *testing.T, b backend) {
	s, a, k := contactFixture(t, b)
	other := newTenant(t, s, "B")
	ko := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: other.ID, Name: "Web"}))
	// Someone with an address, an anonymous chat, then that browser with the address: one
	// contact with a merge.
	linked(t, s, a.ID, k.ID, func(c *Chat) { c.VisitorEmail = "old@example.com"; closedOld(c) })
	anon := linked(t, s, a.ID, k.ID, func(c *Chat) { c.VisitorID = "v1"; closedOld(c) })
	gone := linked(t, s, a.ID, k.ID, func(c *Chat) { c.VisitorID = "v1"; c.VisitorEmail = "old@example.com"; closedOld(c) })
	if len(must[[]ContactMerge](t)(s.ContactMerges(ctx, a.ID, gone.ContactID))) != 1 || anon.ContactID == gone.ContactID {
		t.Fatal("the fixture wants a merged contact")
	}
	open := linked(t, s, a.ID, k.ID, func(c *Chat) { c.VisitorEmail = "open@example.com"; c.CreatedAt = now().Add(-72 * time.Hour) })
	foreign := linked(t, s, other.ID, ko.ID, func(c *Chat) { c.VisitorEmail = "old@example.com"; closedOld(c) })
	// A contact with chats is no orphan, however old.
	wantEqual(t, must[int](t)(s.PurgeOrphanContacts(ctx, a.ID, now().Add(time.Minute), 100)), 0)
	p := must[Purged](t)(s.PurgeExpiredChats(ctx, ExpiredChats{TenantID: a.ID, ClosedBefore: now().Add(-24 * time.Hour)}))
	wantEqual(t, p.Chats, 3)
	// Seen within the period: kept.
	wantEqual(t, must[int](t)(s.PurgeOrphanContacts(ctx, a.ID, now().Add(-72*time.Hour), 100)), 0)
	must[Contact](t)(s.Contact(ctx, a.ID, gone.ContactID))
	// Older than the period: the contact goes with its identities and merges.
	wantEqual(t, must[int](t)(s.PurgeOrphanContacts(ctx, a.ID, now().Add(time.Minute), 100)), 1)
	_, err := s.Contact(ctx, a.ID, gone.ContactID)
	wantErr(t, err, ErrNotFound)
	for _, m := range []any{&contactIdentityRow{}, &contactMergeRow{}} {
		if n := count(t, s, m, "contact_id = ?", gone.ContactID); n != 0 {
			t.Fatalf("%T rows of the purged contact: %d", m, n)
		}
	}
	must[Contact](t)(s.Contact(ctx, a.ID, open.ContactID))
	must[Contact](t)(s.Contact(ctx, other.ID, foreign.ContactID))
	wantEqual(t, must[int](t)(s.PurgeOrphanContacts(ctx, a.ID, now().Add(time.Minute), 100)), 0)
	// Another tenant's orphans are not this tenant's to purge.
	wantEqual(t, must[Purged](t)(s.PurgeExpiredChats(ctx, ExpiredChats{TenantID: other.ID, ClosedBefore: now()})).Chats, 1)
	wantEqual(t, must[int](t)(s.PurgeOrphanContacts(ctx, a.ID, now().Add(time.Minute), 100)), 0)
	wantEqual(t, must[int](t)(s.PurgeOrphanContacts(ctx, other.ID, now().Add(time.Minute), 100)), 1)
}

// Erasing a person deletes their contact: its chats (also those that did not carry the
// address asked about), the contact row, its identities and merges.
func testEraseContact(t *testing.T, b backend) {
	s, a, k := contactFixture(t, b)
	other := newTenant(t, s, "B")
	ko := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: other.ID, Name: "Web"}))
	early := linked(t, s, a.ID, k.ID, func(c *Chat) { c.VisitorID = "v9"; closedOld(c) })
	eve := linked(t, s, a.ID, k.ID, func(c *Chat) { c.VisitorID = "v9"; c.VisitorEmail = "eve@example.com"; closedOld(c) })
	foreign := linked(t, s, other.ID, ko.ID, func(c *Chat) { c.VisitorEmail = "eve@example.com"; closedOld(c) })
	fay := linked(t, s, a.ID, k.ID, func(c *Chat) { c.VisitorEmail = "fay@example.com" })

	chats := must[[]Chat](t)(s.ChatsOfPerson(ctx, a.ID, Visitor{Email: "EVE@example.com"}))
	wantEqual(t, len(chats), 2)
	er := must[Erased](t)(s.EraseVisitor(ctx, a.ID, Visitor{Email: "EVE@example.com"}))
	if er.Chats != 2 || er.Contacts != 1 || er.OpenKept != 0 {
		t.Fatalf("erased %+v", er)
	}
	for _, id := range []string{early.ChatID, eve.ChatID} {
		_, err := s.Chat(ctx, id)
		wantErr(t, err, ErrNotFound)
	}
	_, err := s.Contact(ctx, a.ID, eve.ContactID)
	wantErr(t, err, ErrNotFound)
	for _, m := range []any{&contactIdentityRow{}, &contactMergeRow{}} {
		if n := count(t, s, m, "contact_id = ?", eve.ContactID); n != 0 {
			t.Fatalf("%T rows of the erased contact: %d", m, n)
		}
	}
	if n := count(t, s, &contactIdentityRow{}, "tenant_id = ? AND value = ?", a.ID, "eve@example.com"); n != 0 {
		t.Fatalf("the erased address is still an identity %d times", n)
	}
	must[Contact](t)(s.Contact(ctx, other.ID, foreign.ContactID))
	must[Chat](t)(s.Chat(ctx, foreign.ChatID))
	// A person with an open chat keeps the contact until they are erased again.
	er = must[Erased](t)(s.EraseVisitor(ctx, a.ID, Visitor{Email: "fay@example.com"}))
	if er.OpenKept != 1 || er.Contacts != 0 {
		t.Fatalf("erased %+v", er)
	}
	must[Contact](t)(s.Contact(ctx, a.ID, fay.ContactID))
	// A visitor id names a browser: the chats that carried it go, and contacts left without one.
	v := linked(t, s, a.ID, k.ID, func(c *Chat) { c.VisitorID = "shared"; closedOld(c) })
	er = must[Erased](t)(s.EraseVisitor(ctx, a.ID, Visitor{VisitorID: "shared"}))
	if er.Chats != 1 || er.Contacts != 1 {
		t.Fatalf("erased %+v", er)
	}
	_, err = s.Contact(ctx, a.ID, v.ContactID)
	wantErr(t, err, ErrNotFound)
}
