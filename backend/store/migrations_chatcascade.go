package store

import "gorm.io/gorm"

// On PostgreSQL a chat's events and messages no longer name their chat through a foreign key.
// The key's check ran for every inserted row — a query locking the chat row again, which the
// numbering had locked already — and was a sixth of the database's work on a message at the
// message rate's ceiling. What it guarded is held otherwise: the group commit numbers every
// chat it writes to and fails the write when a chat does not exist (the numbering's UPDATE
// locks each chat row, so a chat cannot go while its lines are written), and a history import
// refuses events and messages of chats outside its batch. What its ON DELETE CASCADE did, a
// trigger does: deleting chats, directly or through their tenant's cascade, deletes their
// events and messages in the same statement. SQLite keeps its keys.
var chatCascadeMigration = migration{version: 56, name: "events and messages without a foreign key", up: func(tx *gorm.DB, dialect string) error {
	if dialect != DialectPostgres {
		return nil
	}
	return execScript(tx, `ALTER TABLE events DROP CONSTRAINT IF EXISTS fk_events_chat;
ALTER TABLE messages DROP CONSTRAINT IF EXISTS fk_messages_chat;
CREATE FUNCTION parley_chats_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
 DELETE FROM events WHERE chat_id IN (SELECT id FROM gone); DELETE FROM messages WHERE chat_id IN (SELECT id FROM gone); RETURN NULL; END $$;
CREATE TRIGGER chats_deleted AFTER DELETE ON chats REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION parley_chats_deleted();`)
}}
