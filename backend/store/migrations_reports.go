package store

// reportsMigration adds what reports and the wallboard need: the tenant's tag and outcome
// lists and whether closing a chat asks for an outcome (report_settings), the tags on each
// chat, the chat's outcome, when a chat was first offered and how many offers nobody took
// (a tenant's chats of a date range are an index scan through migration 15's index).
var reportsMigration = migration{version: 17, name: "tags, outcomes and reports", up: sqlUp(
	`CREATE TABLE tags (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 name text NOT NULL, sort integer NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX ux_tags_name ON tags (tenant_id, name);
CREATE TABLE outcomes (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 name text NOT NULL, sort integer NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX ux_outcomes_name ON outcomes (tenant_id, name);
CREATE TABLE chat_tags (chat_id text NOT NULL REFERENCES chats(id) ON DELETE CASCADE, tag_id integer NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
 tenant_id integer NOT NULL, added_by integer NOT NULL DEFAULT 0, added_at datetime NOT NULL, PRIMARY KEY (chat_id, tag_id));
CREATE INDEX ix_chat_tags_tag ON chat_tags (tag_id, chat_id);
CREATE TABLE report_settings (tenant_id integer PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
 outcome_required numeric NOT NULL DEFAULT false, answer_target_sec integer NOT NULL DEFAULT 30);
ALTER TABLE chats ADD COLUMN outcome_id integer NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN offered_at datetime;
ALTER TABLE chats ADD COLUMN missed_offers integer NOT NULL DEFAULT 0;`,
	`CREATE TABLE tags (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 name text NOT NULL, sort bigint NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX ux_tags_name ON tags (tenant_id, name);
CREATE TABLE outcomes (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 name text NOT NULL, sort bigint NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX ux_outcomes_name ON outcomes (tenant_id, name);
CREATE TABLE chat_tags (chat_id text NOT NULL REFERENCES chats(id) ON DELETE CASCADE, tag_id bigint NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
 tenant_id bigint NOT NULL, added_by bigint NOT NULL DEFAULT 0, added_at timestamptz NOT NULL, PRIMARY KEY (chat_id, tag_id));
CREATE INDEX ix_chat_tags_tag ON chat_tags (tag_id, chat_id);
CREATE TABLE report_settings (tenant_id bigint PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
 outcome_required boolean NOT NULL DEFAULT false, answer_target_sec bigint NOT NULL DEFAULT 30);
ALTER TABLE chats ADD COLUMN outcome_id bigint NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN offered_at timestamptz;
ALTER TABLE chats ADD COLUMN missed_offers bigint NOT NULL DEFAULT 0;`)}
