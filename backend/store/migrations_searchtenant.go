package store

import (
	"gorm.io/gorm"
)

// PostgreSQL's search finds a tenant's messages through the word index alone: each message's
// tsvector also holds its tenant's lexeme ([tenantLexeme], "#t<id>", which no text gives:
// PostgreSQL's parser never starts a word with "#"), and a search ANDs it with the words. The
// statistics of the word column cover every tenant, so a search for words common in one
// tenant and rare in another went newest first through all messages and read deep for a page
// of matches; with the tenant in the index, counting and fetching the matches of a tenant
// stays as cheap as the tenant's matches are few. The tenant's chat filter stays in every
// query: the lexeme narrows, it does not decide.
//
// The trigger adds the lexeme on every insert and on every change of a message's text or
// translation; the messages written before are given it a batch of chats at a time, with the
// word index set aside meanwhile (made again once, instead of rewritten for each message).
// SQLite's FTS5 search is fast enough per tenant and is left as it is.
var searchTenantMigration = migration{version: 43, name: "search by tenant", up: func(tx *gorm.DB, dialect string) error {
	if dialect != DialectPostgres {
		return nil
	}
	if err := execScript(tx, `CREATE FUNCTION parley_tenant_lexeme(tenant bigint) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN tenant IS NULL THEN ''::tsvector ELSE array_to_tsvector(ARRAY['#t' || tenant]) END $$;
CREATE OR REPLACE FUNCTION parley_messages_search() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE tenant bigint; chat_lang text; BEGIN
 SELECT c.tenant_id, coalesce(nullif(c.lang, ''), t.default_lang) INTO tenant, chat_lang FROM chats c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = NEW.chat_id
 ; NEW.search := to_tsvector(parley_search_config(coalesce(nullif(NEW.lang, ''), chat_lang)), coalesce(NEW.text, ''))
 || to_tsvector(parley_search_config(NEW.translation_lang), coalesce(NEW.translation, ''))
 || parley_tenant_lexeme(tenant); RETURN NEW; END $$;
DROP INDEX ix_messages_search;
SET LOCAL maintenance_work_mem = '256MB';`); err != nil {
		return err
	}
	// A batch of chats at a time; the updates do not fire the trigger (search is not one of
	// its columns), and adding a lexeme twice leaves the vector as it was.
	const batch = 5000
	last := ""
	for {
		var ids []string
		if err := tx.Raw(`SELECT id FROM chats WHERE id > ? ORDER BY id LIMIT ?`, last, batch).Scan(&ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		next := ids[len(ids)-1]
		if err := tx.Exec(`UPDATE messages m SET search = coalesce(m.search, ''::tsvector) || parley_tenant_lexeme(c.tenant_id)
FROM chats c WHERE c.id = m.chat_id AND c.id > ? AND c.id <= ?`, last, next).Error; err != nil {
			return err
		}
		last = next
	}
	// The word index again, and statistics that know the tenants' lexemes (searchplan.go).
	return execScript(tx, `CREATE INDEX ix_messages_search ON messages USING gin (search);
ANALYZE messages;`)
}}
