package store

import "gorm.io/gorm"

// On PostgreSQL a message's search vector was made by a row trigger that looked up its chat's
// language and tenant with a query of its own, for every message, and called two functions
// that PostgreSQL could not inline. The group commit's inserts now compute the vector
// themselves, joining the chats and tenants once per statement ([messageInsert]), through
// parley_message_search: the one definition of a message's vector, which the trigger calls
// too. PostgreSQL inlines it into the statement because everything in it is immutable; it
// spells out parley_tenant_lexeme with the tenant cast to text, since "'#t' || tenant" (text
// and bigint) is only stable, which kept that function from being inlined. The trigger stays
// for every other writer: it fires on an insert only when the row comes without a vector, and
// on every change of a message's text or translation. SQLite's FTS5 index is unchanged.
var searchInsertMigration = migration{version: 55, name: "search vector in the insert", up: func(tx *gorm.DB, dialect string) error {
	if dialect != DialectPostgres {
		return nil
	}
	return execScript(tx, `CREATE FUNCTION parley_message_search(lang text, body text, translation_lang text, translation text, chat_lang text, tenant bigint) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$ SELECT to_tsvector(parley_search_config(coalesce(nullif(lang, ''), chat_lang)), coalesce(body, ''))
 || CASE WHEN coalesce(translation, '') = '' THEN ''::tsvector ELSE to_tsvector(parley_search_config(translation_lang), translation) END
 || CASE WHEN tenant IS NULL THEN ''::tsvector ELSE array_to_tsvector(ARRAY['#t' || CAST(tenant AS text)]) END $$;
CREATE OR REPLACE FUNCTION parley_messages_search() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE tenant bigint; chat_lang text; BEGIN
 SELECT c.tenant_id, coalesce(nullif(c.lang, ''), t.default_lang) INTO tenant, chat_lang FROM chats c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = NEW.chat_id
 ; NEW.search := parley_message_search(NEW.lang, NEW.text, NEW.translation_lang, NEW.translation, chat_lang, tenant); RETURN NEW; END $$;
DROP TRIGGER messages_search ON messages;
CREATE TRIGGER messages_search BEFORE UPDATE OF text, translation ON messages FOR EACH ROW EXECUTE FUNCTION parley_messages_search();
CREATE TRIGGER messages_search_insert BEFORE INSERT ON messages FOR EACH ROW WHEN (NEW.search IS NULL) EXECUTE FUNCTION parley_messages_search();`)
}}
