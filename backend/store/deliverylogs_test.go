package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDeliveryLogs checks on both databases that deleting a chat, by a privacy erasure or by
// retention, leaves none of its words anywhere (messages, SQLite's search index, every
// delivery log), by reading every table the database's catalogue lists, so that a table added
// later is read too; and that ageing out the delivery logs deletes the finished old rows only.
func TestDeliveryLogs(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			t.Run("EraseLeavesNothing", func(t *testing.T) { testEraseLeavesNothing(t, b) })
			t.Run("PurgeChatsTakesDeliveries", func(t *testing.T) { testPurgeChatsTakesDeliveries(t, b) })
			t.Run("AgeOut", func(t *testing.T) { testDeliveryAgeOut(t, b) })
		})
	}
}

// logFixture is what the delivery logs of a tenant refer to.
type logFixture struct {
	tenant   Tenant
	conn     Connector
	user     User
	endpoint WebhookEndpoint
}

func newLogFixture(t *testing.T, s *Store, name string) logFixture {
	t.Helper()
	ten := newTenant(t, s, name)
	conn := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Shop", WhatsAppEnabled: true,
		WhatsAppAPIKey: "key", WhatsAppNumber: "+4930123456"}))
	user := must[User](t)(s.CreateUser(ctx, User{TenantID: ten.ID, Login: "ann-" + name, Name: "Ann", Role: RoleAgent, Active: true}))
	ep := must[WebhookEndpoint](t)(s.CreateWebhookEndpoint(ctx, WebhookEndpoint{TenantID: ten.ID, URL: "https://hooks.example.com/" + name,
		Events: []string{"chat.closed"}, Enabled: true}))
	return logFixture{tenant: ten, conn: conn, user: user, endpoint: ep}
}

// markedChat stores a visitor's chat whose every line and delivery carries marker: messages
// (and so the search index and the events), a file, an e-mail with an attachment, a Web Push,
// a webhook, a report export, a WhatsApp number and line, and a reply to it as a left message.
// The tenant's translation log and WhatsApp inbound ids get rows too, without the marker: they
// never hold a chat's words or its id.
func markedChat(t *testing.T, s *Store, f logFixture, marker, email string) Chat {
	t.Helper()
	c := newChat(t, s, f.tenant.ID, func(c *Chat) {
		c.ConnectorID, c.State, c.VisitorEmail, c.VisitorName = f.conn.ID, "active", email, "Jo"
	})
	if err := s.Commit(ctx, msgWrite(c.ID, 0, "my order "+marker+" is late", ""), msgWrite(c.ID, 0, "sorry about "+marker, ""),
		Write{Event: &Event{ChatID: c.ID, Type: "page", Data: json.RawMessage(`{"url":"https://shop.example/` + marker + `"}`), At: now()}}); err != nil {
		t.Fatal(err)
	}
	must[File](t)(s.CreateFile(ctx, File{TenantID: f.tenant.ID, ChatID: c.ID, Name: marker + ".txt", ContentType: "text/plain", Size: int64(len(marker)),
		Role: "visitor", Data: []byte(marker)}))
	at := now()
	rows := []any{
		&outboxRow{TenantID: f.tenant.ID, Kind: "transcript", ChatID: c.ID, MessageID: NewChatID() + "@test", ToAddress: email,
			Subject: "Your chat", Body: "You wrote " + marker, State: MailSent, NextAttemptAt: at, CreatedAt: at},
		&whatsappChatRow{ChatID: c.ID, TenantID: f.tenant.ID, ConnectorID: f.conn.ID, Phone: "+49170" + marker, LastInboundAt: at, CreatedAt: at},
		&leftReplyRow{TenantID: f.tenant.ID, ChatID: c.ID, UserID: f.user.ID, Author: "Ann", Body: "About " + marker, MessageID: NewChatID() + "@test", CreatedAt: at},
		&translationCallRow{TenantID: f.tenant.ID, At: at, Provider: "deepl", FromLang: "de", ToLang: "en", Chars: 10, Outcome: "ok"},
		&whatsappInboundRow{ConnectorID: f.conn.ID, MessageID: NewChatID(), At: at},
		&whatsappInboundLogRow{TenantID: f.tenant.ID, ConnectorID: f.conn.ID, MessageID: NewChatID(), Phone: "+49170" + marker, ChatID: &c.ID,
			Outcome: "received", Kind: "text", CreatedAt: at},
	}
	rows = append(rows, logRows(f, c.ID, marker, true, at, 1)...)
	for _, r := range rows {
		if err := s.w.Create(r).Error; err != nil {
			t.Fatalf("%T: %v", r, err)
		}
	}
	var mail outboxRow
	if err := s.r.Where("chat_id = ? AND kind = ?", c.ID, "transcript").Take(&mail).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.w.Create(&outboxAttachmentRow{OutboxID: mail.ID, Name: marker + ".pdf", ContentType: "application/pdf", Data: []byte(marker)}).Error; err != nil {
		t.Fatal(err)
	}
	return c
}

// logRows are one row of each delivery log that has states, about chatID and carrying
// marker, finished or pending, made at at; seq numbers the WhatsApp line.
func logRows(f logFixture, chatID, marker string, finished bool, at time.Time, seq uint64) []any {
	st := func(done, pending string) string {
		if finished {
			return done
		}
		return pending
	}
	return []any{
		&pushDeliveryRow{TenantID: f.tenant.ID, UserID: f.user.ID, SubscriptionID: 1, Kind: "message", ChatID: chatID, Visitor: "Jo",
			Preview: "Jo: " + marker, State: st(PushSent, PushPending), NextAttemptAt: at, ExpiresAt: at.Add(time.Hour), CreatedAt: at},
		&webhookDeliveryRow{TenantID: f.tenant.ID, EndpointID: f.endpoint.ID, EventID: NewChatID(), Kind: "message", ChatID: chatID,
			Body: `{"text":"` + marker + `"}`, State: st(WebhookDelivered, WebhookPending), NextAttemptAt: at, CreatedAt: at},
		&exportDeliveryRow{TenantID: f.tenant.ID, ConnectorID: f.conn.ID, ChatID: chatID, State: st(ExportFailed, ExportPending),
			LastError: "refused " + marker, NextAttemptAt: at, CreatedAt: at},
		&whatsappOutRow{TenantID: f.tenant.ID, ConnectorID: f.conn.ID, ChatID: &chatID, Seq: seq, Phone: "+491701234567",
			Body: `{"text":"` + marker + `"}`, State: st(WhatsAppSent, WhatsAppPending), NextAttemptAt: at, CreatedAt: at},
		&outboxRow{TenantID: f.tenant.ID, Kind: "left_reply", ChatID: chatID, MessageID: NewChatID() + "@test", ToAddress: "ops@example.com",
			Subject: "Test " + marker, Body: "b", State: st(MailFailed, MailComposing), NextAttemptAt: at, CreatedAt: at},
	}
}

// tablesWith reads every row of every table the database's catalogue lists (on SQLite also
// the search index's own tables) and returns the tables in which some value holds one of
// the words, by word.
func tablesWith(t *testing.T, s *Store, words ...string) map[string][]string {
	t.Helper()
	var tables []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if s.dialect == DialectPostgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	if err := s.r.Raw(q).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	if len(tables) < 40 || (s.dialect == DialectSQLite && !slices.Contains(tables, "messages_fts_data")) {
		t.Fatalf("the catalogue lists only %v", tables)
	}
	found := map[string][]string{}
	for _, table := range tables {
		rows, err := s.r.Raw(`SELECT * FROM "` + table + `"`).Rows()
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := scanAny(rows, len(cols))
			if err != nil {
				t.Fatalf("read %s: %v", table, err)
			}
			for _, v := range vals {
				var text string
				switch v := v.(type) {
				case []byte:
					text = string(v)
				case string:
					text = v
				default:
					text = fmt.Sprint(v)
				}
				for _, w := range words {
					if strings.Contains(strings.ToLower(text), strings.ToLower(w)) && !slices.Contains(found[w], table) {
						found[w] = append(found[w], table)
					}
				}
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return found
}

// wantTables fails unless every table of want holds the word.
func wantTables(t *testing.T, found map[string][]string, word string, want ...string) {
	t.Helper()
	for _, table := range want {
		if !slices.Contains(found[word], table) {
			t.Fatalf("%q was not seeded into %s (found in %v)", word, table, found[word])
		}
	}
}

// chatTables are the tables a marked chat's marker reaches on every database.
var chatTables = []string{"messages", "events", "files", "outbox", "outbox_attachments", "push_deliveries", "webhook_deliveries",
	"report_export_deliveries", "whatsapp_chats", "whatsapp_outbox", "left_replies"}

func seededTables(s *Store) []string {
	if s.dialect == DialectSQLite {
		return append(slices.Clone(chatTables), "messages_fts_data")
	}
	return chatTables
}

func testEraseLeavesNothing(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	f := newLogFixture(t, s, "A")
	c := markedChat(t, s, f, "zqvelvetmarker", "jo@example.com")
	kept := markedChat(t, s, newLogFixture(t, s, "B"), "zqotherword", "sam@example.com")
	for _, ch := range []Chat{c, kept} {
		ch = must[Chat](t)(s.Chat(ctx, ch.ID))
		ch.State, ch.ClosedAt = stateClosed, ptr(now())
		if err := s.Commit(ctx, Write{Chat: &ch}); err != nil {
			t.Fatal(err)
		}
	}
	settle(t, s)
	found := tablesWith(t, s, "zqvelvetmarker", c.ID, "jo@example.com")
	wantTables(t, found, "zqvelvetmarker", seededTables(s)...)
	wantTables(t, found, c.ID, "chats", "contact_chats")
	wantTables(t, found, "jo@example.com", "chats", "contacts", "contact_identities", "outbox")

	er := must[Erased](t)(s.EraseVisitor(ctx, f.tenant.ID, Visitor{Email: "jo@example.com"}))
	if er.Chats != 1 || er.Outbox != 2 || er.Deliveries != 5 || er.Contacts != 1 {
		t.Fatalf("erased %+v", er)
	}
	if found := tablesWith(t, s, "zqvelvetmarker", c.ID, "jo@example.com"); len(found) > 0 {
		t.Fatalf("the erased visitor is still in %v", found)
	}
	found = tablesWith(t, s, "zqotherword")
	wantTables(t, found, "zqotherword", seededTables(s)...)
}

func testPurgeChatsTakesDeliveries(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	f := newLogFixture(t, s, "A")
	c := markedChat(t, s, f, "zqvelvetmarker", "jo@example.com")
	kept := markedChat(t, s, f, "zqrecentword", "sam@example.com")
	old := now().AddDate(0, 0, -40)
	for _, ch := range []Chat{c, kept} {
		ch = must[Chat](t)(s.Chat(ctx, ch.ID))
		ch.State, ch.ClosedAt, ch.CloseCause = stateClosed, ptr(now()), "visitor"
		if ch.ID == c.ID {
			ch.ClosedAt = &old
		}
		if err := s.Commit(ctx, Write{Chat: &ch}); err != nil {
			t.Fatal(err)
		}
	}
	settle(t, s)
	wantTables(t, tablesWith(t, s, "zqvelvetmarker"), "zqvelvetmarker", seededTables(s)...)

	p := must[Purged](t)(s.PurgeExpiredChats(ctx, ExpiredChats{TenantID: f.tenant.ID, ClosedBefore: now().AddDate(0, 0, -30)}))
	if p.Chats != 1 || p.Messages != 2 || p.Outbox != 2 || p.Deliveries != 5 {
		t.Fatalf("purged %+v", p)
	}
	if err := s.CompactSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	found := tablesWith(t, s, "zqvelvetmarker", c.ID, "zqrecentword")
	if len(found["zqvelvetmarker"])+len(found[c.ID]) > 0 {
		t.Fatalf("the purged chat is still in %v", found)
	}
	wantTables(t, found, "zqrecentword", seededTables(s)...)
	// The search still finds what is kept.
	hits := must[[]SearchHit](t)(s.SearchMessages(ctx, ArchiveFilter{TenantID: f.tenant.ID}, []string{"zqrecentword"}, "", 10))
	if len(hits) != 2 || hits[0].Chat.ID != kept.ID {
		t.Fatalf("search after the purge = %+v", hits)
	}
}

func testDeliveryAgeOut(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	f, other := newLogFixture(t, s, "A"), newLogFixture(t, s, "B")
	oldAt, newAt := now().AddDate(0, 0, -40), now().AddDate(0, 0, -2)
	before := now().AddDate(0, 0, -DeliveryLogDays)
	var rows []any
	seq := uint64(0)
	chats := map[int64]Chat{}
	for _, fx := range []logFixture{f, other} {
		chats[fx.tenant.ID] = newChat(t, s, fx.tenant.ID, func(c *Chat) { c.ConnectorID = fx.conn.ID })
	}
	// In the order they were made, as ids are handed out.
	for _, r := range []struct {
		marker   string
		finished bool
		at       time.Time
	}{{"zqgone", true, oldAt}, {"zqpending", false, oldAt}, {"zqnew", true, newAt}} {
		for i := range 3 {
			for _, fx := range []logFixture{f, other} {
				c := chats[fx.tenant.ID]
				seq++
				marker := r.marker
				if fx.tenant.ID == other.tenant.ID {
					marker = "zqother" + r.marker[2:]
				}
				rows = append(rows, logRows(fx, c.ID, fmt.Sprintf("%s%d", marker, i), r.finished, r.at, seq)...)
				if r.finished {
					rows = append(rows, &translationCallRow{TenantID: fx.tenant.ID, At: r.at, Provider: "deepl", FromLang: "de", ToLang: "en",
						Outcome: "failed", Error: fmt.Sprintf("%s%d", marker, i)},
						&whatsappInboundRow{ConnectorID: fx.conn.ID, MessageID: fmt.Sprintf("%s%d", marker, i), At: r.at},
						&whatsappInboundLogRow{TenantID: fx.tenant.ID, ConnectorID: fx.conn.ID, MessageID: fmt.Sprintf("%s%d", marker, i),
							Phone: "+491701234567", Outcome: "refused", Kind: "text", CreatedAt: r.at})
				}
			}
		}
	}
	for _, r := range rows {
		if err := s.w.Create(r).Error; err != nil {
			t.Fatalf("%T: %v", r, err)
		}
	}
	logTables := []string{"push_deliveries", "webhook_deliveries", "report_export_deliveries", "outbox", "whatsapp_outbox"}
	all := append(slices.Clone(logTables), "translation_calls", "whatsapp_inbound", "whatsapp_inbound_log")
	wantTables(t, tablesWith(t, s, "zqgone"), "zqgone", all...)

	total := 0
	for {
		n := must[int](t)(s.PurgeDeliveryLogs(ctx, f.tenant.ID, before, 2))
		total += n
		if n < 2 {
			break
		}
	}
	if want := 3 * 8; total != want {
		t.Fatalf("aged out %d rows, want %d", total, want)
	}
	found := tablesWith(t, s, "zqgone", "zqpending", "zqnew", "zqothergone", "zqotherpending", "zqothernew")
	if len(found["zqgone"]) > 0 {
		t.Fatalf("old finished deliveries left in %v", found["zqgone"])
	}
	wantTables(t, found, "zqpending", logTables...)
	wantTables(t, found, "zqnew", all...)
	for _, w := range []string{"zqothergone", "zqothernew"} {
		wantTables(t, found, w, all...)
	}
	wantTables(t, found, "zqotherpending", logTables...)
	for _, l := range deliveryLogs {
		var n int64
		if err := s.r.Model(l.model).Where("tenant_id = ?", f.tenant.ID).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if l.finished == nil && n != 3 || l.finished != nil && n != 6 {
			t.Fatalf("%T: %d rows left", l.model, n)
		}
	}
	if n := must[int](t)(s.PurgeDeliveryLogs(ctx, f.tenant.ID, before, 100)); n != 0 {
		t.Fatalf("a second pass deleted %d", n)
	}
}
