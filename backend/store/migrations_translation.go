package store

// Chats in Parley's own widget and agent app translate between the visitor's language and the
// agent's (package chat): a chat records the visitor's language for translation ("" for chats
// that never translate, such as those of adapters that translate by themselves) and whether an
// agent turned translation off; a message keeps the language it was written in next to its translation
// and the translation's language, so that transcripts, the archive and exports show both. The
// search index covers the translation too, so that a search in either language finds the line.
var translationMigration = migration{version: 31, name: "chat translation", up: sqlUp(
	`ALTER TABLE chats ADD COLUMN translate_lang text NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN translate_off numeric NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN lang text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN translation text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN translation_lang text NOT NULL DEFAULT '';
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5(text, translation, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN INSERT INTO messages_fts(rowid, text, translation) VALUES (new.rowid, new.text, new.translation); END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN INSERT INTO messages_fts(messages_fts, rowid, text, translation) VALUES ('delete', old.rowid, old.text, old.translation); END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, translation ON messages BEGIN INSERT INTO messages_fts(messages_fts, rowid, text, translation) VALUES ('delete', old.rowid, old.text, old.translation); INSERT INTO messages_fts(rowid, text, translation) VALUES (new.rowid, new.text, new.translation); END;
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');`,
	`ALTER TABLE chats ADD COLUMN translate_lang text NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN translate_off boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN lang text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN translation text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN translation_lang text NOT NULL DEFAULT '';
CREATE OR REPLACE FUNCTION parley_messages_search() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.search := to_tsvector(parley_search_config(coalesce(nullif(NEW.lang, ''), (SELECT coalesce(nullif(c.lang, ''), t.default_lang) FROM chats c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = NEW.chat_id))), coalesce(NEW.text, '')) || to_tsvector(parley_search_config(NEW.translation_lang), coalesce(NEW.translation, '')); RETURN NEW; END $$;
DROP TRIGGER messages_search ON messages;
CREATE TRIGGER messages_search BEFORE INSERT OR UPDATE OF text, translation ON messages FOR EACH ROW EXECUTE FUNCTION parley_messages_search();`)}
