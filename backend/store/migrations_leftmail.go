package store

// Left messages are answered by e-mail (package mail): each reply is kept with its left
// message (who, when, what) and sent through the outbox, whose messages now carry the
// In-Reply-To and References headers that thread a reply under the ones before it.
var leftMailMigration = migration{version: 25, name: "left message replies", up: sqlUp(
	`ALTER TABLE outbox ADD COLUMN in_reply_to text NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN thread_refs text NOT NULL DEFAULT '';
CREATE TABLE left_replies (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 chat_id text NOT NULL REFERENCES chats(id) ON DELETE CASCADE, user_id integer NOT NULL DEFAULT 0, author text NOT NULL,
 body text NOT NULL, message_id text NOT NULL, outbox_id integer NOT NULL DEFAULT 0, created_at datetime NOT NULL);
CREATE INDEX ix_left_replies_chat ON left_replies (chat_id, id);`,
	`ALTER TABLE outbox ADD COLUMN in_reply_to text NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN thread_refs text NOT NULL DEFAULT '';
CREATE TABLE left_replies (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 chat_id text NOT NULL REFERENCES chats(id) ON DELETE CASCADE, user_id bigint NOT NULL DEFAULT 0, author text NOT NULL,
 body text NOT NULL, message_id text NOT NULL, outbox_id bigint NOT NULL DEFAULT 0, created_at timestamptz NOT NULL);
CREATE INDEX ix_left_replies_chat ON left_replies (chat_id, id);`)}
