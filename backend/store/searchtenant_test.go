package store

import (
	"fmt"
	"testing"

	"gorm.io/gorm"
)

// TestSearchByTenant: on both databases a search finds only the searching tenant's messages,
// written through the group-commit writer, translated lines by either side, and nothing of a
// deleted chat. On PostgreSQL every message's word vector holds its tenant's lexeme (migration
// 43), the one the search ANDs with the words, also for messages written before the migration.
func TestSearchByTenant(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ta, tb := newTenant(t, s, "A"), newTenant(t, s, "B")
			write := func(tenant int64, texts ...string) Chat {
				t.Helper()
				c := newChat(t, s, tenant, func(c *Chat) { c.Lang = "en" })
				for i, text := range texts {
					w := msgWrite(c.ID, uint64(i+1), text, "")
					if i == 0 {
						// A French visitor's line with its English translation.
						w.Message.Lang, w.Message.Translation, w.Message.TranslationLang = "fr", text, "en"
						w.Message.Text = "mon colis est perdu"
					}
					if err := s.Commit(ctx, w); err != nil {
						t.Fatal(err)
					}
				}
				return c
			}
			a := write(ta.ID, "where is my parcel", "the delivery was due monday")
			bc := write(tb.ID, "where is my parcel", "the delivery was due monday")
			gone := write(ta.ID, "a parcel to forget", "zebra delivery")
			search := func(tenant int64, q ...string) map[string]int {
				t.Helper()
				hits, err := s.SearchMessages(ctx, ArchiveFilter{TenantID: tenant}, q, "", 50)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]int{}
				for _, h := range hits {
					got[h.Chat.ID]++
				}
				return got
			}
			check := func(when string) {
				t.Helper()
				for _, q := range [][]string{{"colis"}, {"parcel"}, {"deliv*", "monday"}} {
					if got := search(ta.ID, q...); got[a.ID] != 1 || got[bc.ID] != 0 || len(got) > 2 {
						t.Fatalf("%s: tenant A searching %v: %v", when, q, got)
					}
					if got := search(tb.ID, q...); len(got) != 1 || got[bc.ID] != 1 {
						t.Fatalf("%s: tenant B searching %v: %v", when, q, got)
					}
				}
				// A word of which no lexeme is left (a lone combining accent) finds nothing,
				// not every message of the tenant.
				if got := search(ta.ID, "\u0301"); len(got) != 0 {
					t.Fatalf("%s: a word without lexemes found %v", when, got)
				}
				if got := search(ta.ID, "zebra"); len(got) != 1 || got[gone.ID] != 1 {
					t.Fatalf("%s: zebra: %v", when, got)
				}
				if s.dialect != DialectPostgres {
					return
				}
				for _, ten := range []int64{ta.ID, tb.ID} {
					var holding, all int64
					if err := s.w.Raw(`SELECT count(*) FROM messages WHERE search @@ ?::tsquery`, tenantLexemeQuery(ten)).Scan(&holding).Error; err != nil {
						t.Fatal(err)
					}
					if err := s.w.Raw(`SELECT count(*) FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.tenant_id = ?`, ten).Scan(&all).Error; err != nil {
						t.Fatal(err)
					}
					if holding != all || all == 0 {
						t.Fatalf("%s: %d of tenant %d's %d messages hold its lexeme", when, holding, ten, all)
					}
				}
			}
			check("written")
			if s.dialect == DialectPostgres {
				// The database as it was before migration 43: no lexemes; the migration gives
				// every message its tenant's.
				for _, q := range []string{
					`UPDATE messages SET search = ts_delete(search, ARRAY[` + fmt.Sprintf("'%s', '%s'", tenantLexeme(ta.ID), tenantLexeme(tb.ID)) + `])`,
				} {
					if err := s.w.Exec(q).Error; err != nil {
						t.Fatal(err)
					}
				}
				var bare int64
				if err := s.w.Raw(`SELECT count(*) FROM messages WHERE search @@ ?::tsquery`, tenantLexemeQuery(ta.ID)).Scan(&bare).Error; err != nil || bare != 0 {
					t.Fatalf("lexemes left: %d, %v", bare, err)
				}
				if err := s.w.Exec(`DROP FUNCTION parley_tenant_lexeme(bigint)`).Error; err != nil {
					t.Fatal(err)
				}
				// Migration 43's step alone, in a transaction as the migrator runs it: later
				// migrations are already applied and stay as they are.
				if err := s.w.Transaction(func(tx *gorm.DB) error { return searchTenantMigration.up(tx, s.dialect) }); err != nil {
					t.Fatal(err)
				}
				check("migrated")
			}
			// A line whose translation comes later (an update of the row) keeps its tenant.
			if s.dialect == DialectPostgres {
				if err := s.w.Exec(`UPDATE messages SET translation = 'kangaroo', translation_lang = 'en' WHERE chat_id = ? AND seq = 2`, a.ID).Error; err != nil {
					t.Fatal(err)
				}
				if got := search(ta.ID, "kangaroo"); got[a.ID] != 1 {
					t.Fatalf("kangaroo: %v", got)
				}
				check("updated")
			}
			if err := s.w.Exec(`DELETE FROM chats WHERE id = ?`, gone.ID).Error; err != nil {
				t.Fatal(err)
			}
			if got := search(ta.ID, "zebra"); len(got) != 0 {
				t.Fatalf("deleted chat found: %v", got)
			}
		})
	}
}
