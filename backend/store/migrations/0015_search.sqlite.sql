-- Full-text search over messages: an FTS5 index whose content is the messages table itself
-- (external content, so the text is stored once), kept in step by triggers on every insert,
-- delete (also the cascade from a deleted chat) and change of a message's text. Letters are
-- folded to lower case and stripped of accents, so "Bestellung" finds "bestellung" and "cafe"
-- finds "café". The index follows the messages table's rowid; after a VACUUM (which may
-- renumber rowids of a table without an integer key) rebuild it with
-- INSERT INTO messages_fts(messages_fts) VALUES('rebuild').
CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, new.text); END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text); INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, new.text); END;
-- The messages written before this step.
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
-- The archive lists a tenant's chats newest first, a page at a time from the last one shown.
CREATE INDEX ix_chats_tenant_created ON chats (tenant_id, created_at, id);
