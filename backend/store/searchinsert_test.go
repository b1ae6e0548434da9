package store

import (
	"fmt"
	"testing"
)

// TestSearchVectorWrittenByTheInsert: on PostgreSQL the group commit's inserts write each
// message's search vector themselves (migration 55), on all three of its paths — one
// statement, the transaction's statement of a few messages and events, and its separate
// multi-row inserts — the vector the trigger makes for the same row: the message's language,
// else its chat's, else its tenant's default, its translation in its own, and the tenant's
// lexeme. The insert trigger is dropped for the test, so a path that left the vector to it
// leaves it empty.
func TestSearchVectorWrittenByTheInsert(t *testing.T) {
	s := openStore(t, migratedPostgresConfig(t))
	if err := s.w.Exec(`DROP TRIGGER messages_search_insert ON messages`).Error; err != nil {
		t.Fatal(err)
	}
	de := newTenant(t, s, "D")
	if err := s.w.Exec(`UPDATE tenants SET default_lang = 'de' WHERE id = ?`, de.ID).Error; err != nil {
		t.Fatal(err)
	}
	en := newChat(t, s, de.ID, func(c *Chat) { c.Lang = "en" })
	plain := newChat(t, s, de.ID, nil) // the tenant's language: German
	line := func(c Chat, i int) Write {
		w := msgWrite(c.ID, 0, fmt.Sprintf("running parcels were delivered %d", i), "")
		switch i % 3 {
		case 1:
			w.Message.Lang = "fr"
			w.Message.Text = "les colis perdus"
			w.Message.Translation, w.Message.TranslationLang = fmt.Sprintf("the lost parcels %d", i), "en"
		case 2:
			w.Message.Lang = "de"
		}
		return w
	}
	commit := func(ws ...Write) {
		t.Helper()
		if err := s.Commit(ctx, ws...); err != nil {
			t.Fatal(err)
		}
	}
	// One statement: a message of each chat.
	commit(line(en, 0), line(plain, 1))
	if s.CommitStats().Single == 0 {
		t.Fatal("the first two lines were not written as one statement")
	}
	// The transaction's pair statement: a participant sends them there.
	pair := []Write{{Participant: &Participant{ChatID: en.ID, UserID: 7, Role: "agent"}}}
	for i := 2; i < 5; i++ {
		pair = append(pair, line(en, i))
	}
	commit(pair...)
	// The transaction's separate inserts: more rows than the pair statement takes.
	many := []Write{{Participant: &Participant{ChatID: plain.ID, UserID: 7, Role: "agent"}}}
	for i := 5; i < 40; i++ {
		many = append(many, line([]Chat{en, plain}[i%2], i))
	}
	single := s.CommitStats().Single
	commit(many...)
	if s.CommitStats().Single != single {
		t.Fatal("a batch with a participant was written as one statement")
	}

	type row struct {
		Seq    uint64
		ChatID string
		Lang   string
		Search string
		Want   string
	}
	var rows []row
	if err := s.w.Raw(`SELECT m.seq, m.chat_id, m.lang, coalesce(m.search::text, '') AS search,
parley_message_search(m.lang, m.text, m.translation_lang, m.translation, coalesce(nullif(c.lang, ''), t.default_lang), c.tenant_id)::text AS want
FROM messages m JOIN chats c ON c.id = m.chat_id JOIN tenants t ON t.id = c.tenant_id ORDER BY m.chat_id, m.seq`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 40 {
		t.Fatalf("%d messages; want 40", len(rows))
	}
	for _, r := range rows {
		if r.Search == "" || r.Search != r.Want {
			t.Errorf("chat %s message %d (lang %q): search %q; want %q", r.ChatID, r.Seq, r.Lang, r.Search, r.Want)
		}
	}
	// The languages took effect: English stems "running" to "run", German and the tenant's
	// default (German) do not, and the French line's translation is searchable in English.
	for _, c := range []struct {
		chat, query string
		want        int64
	}{
		{en.ID, "run", 8},
		{plain.ID, "run", 0},
		{en.ID, "lost", 6},
		{plain.ID, "colis", 7},
	} {
		var n int64
		if err := s.w.Raw(`SELECT count(*) FROM messages WHERE chat_id = ? AND search @@ to_tsquery('simple', ?)`, c.chat, c.query).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("chat %s: %d messages match %q; want %d", c.chat, n, c.query, c.want)
		}
	}
}
