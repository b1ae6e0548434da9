package store

// The WhatsApp log grows past the agents' lines: an administrator's test message to a typed
// number goes through the outbox with no chat (chat_id may be NULL, test marks it); every
// inbound message is logged as received, duplicate (a retry already applied) or refused (sent
// to a number that is not the connector's; an entry goes with its chat when retention deletes
// the chat); and a status report that TynTec sends before its
// answer to the send (before the line knows its message id) is kept until the id is recorded.
// SQLite cannot drop a NOT NULL, so it rebuilds the outbox.
var whatsappLogMigration = migration{version: 38, name: "whatsapp log", foreignKeysOff: true, up: sqlUp(
	`CREATE TABLE whatsapp_outbox_new (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 connector_id integer NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, chat_id text REFERENCES chats(id) ON DELETE CASCADE,
 seq integer NOT NULL, phone text NOT NULL, body text NOT NULL, state text NOT NULL DEFAULT 'pending', attempts integer NOT NULL DEFAULT 0,
 next_attempt_at datetime NOT NULL, last_error text NOT NULL DEFAULT '', message_id text NOT NULL DEFAULT '', status text NOT NULL DEFAULT '',
 created_at datetime NOT NULL, sent_at datetime, test boolean NOT NULL DEFAULT false);
INSERT INTO whatsapp_outbox_new (id, tenant_id, connector_id, chat_id, seq, phone, body, state, attempts, next_attempt_at, last_error, message_id, status, created_at, sent_at)
 SELECT id, tenant_id, connector_id, chat_id, seq, phone, body, state, attempts, next_attempt_at, last_error, message_id, status, created_at, sent_at FROM whatsapp_outbox;
DROP TABLE whatsapp_outbox;
ALTER TABLE whatsapp_outbox_new RENAME TO whatsapp_outbox;
CREATE UNIQUE INDEX ux_whatsapp_outbox_line ON whatsapp_outbox (chat_id, seq);
CREATE INDEX ix_whatsapp_outbox_due ON whatsapp_outbox (state, next_attempt_at);
CREATE INDEX ix_whatsapp_outbox_message ON whatsapp_outbox (message_id);
CREATE INDEX ix_whatsapp_outbox_log ON whatsapp_outbox (tenant_id, created_at);
CREATE TABLE whatsapp_inbound_log (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 connector_id integer NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, message_id text NOT NULL, phone text NOT NULL, to_number text NOT NULL DEFAULT '',
 chat_id text REFERENCES chats(id) ON DELETE CASCADE, outcome text NOT NULL, kind text NOT NULL DEFAULT '', created_at datetime NOT NULL);
CREATE INDEX ix_whatsapp_inbound_log ON whatsapp_inbound_log (tenant_id, created_at);
CREATE INDEX ix_whatsapp_inbound_log_message ON whatsapp_inbound_log (connector_id, message_id);
CREATE TABLE whatsapp_early_status (connector_id integer NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, message_id text NOT NULL,
 status text NOT NULL, reason text NOT NULL DEFAULT '', at datetime NOT NULL, PRIMARY KEY (connector_id, message_id));
CREATE INDEX ix_whatsapp_early_status_at ON whatsapp_early_status (at);`,
	`ALTER TABLE whatsapp_outbox ALTER COLUMN chat_id DROP NOT NULL;
ALTER TABLE whatsapp_outbox ADD COLUMN test boolean NOT NULL DEFAULT false;
CREATE INDEX ix_whatsapp_outbox_log ON whatsapp_outbox (tenant_id, created_at);
CREATE TABLE whatsapp_inbound_log (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 connector_id bigint NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, message_id text NOT NULL, phone text NOT NULL, to_number text NOT NULL DEFAULT '',
 chat_id text REFERENCES chats(id) ON DELETE CASCADE, outcome text NOT NULL, kind text NOT NULL DEFAULT '', created_at timestamptz NOT NULL);
CREATE INDEX ix_whatsapp_inbound_log ON whatsapp_inbound_log (tenant_id, created_at);
CREATE INDEX ix_whatsapp_inbound_log_message ON whatsapp_inbound_log (connector_id, message_id);
CREATE TABLE whatsapp_early_status (connector_id bigint NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, message_id text NOT NULL,
 status text NOT NULL, reason text NOT NULL DEFAULT '', at timestamptz NOT NULL, PRIMARY KEY (connector_id, message_id));
CREATE INDEX ix_whatsapp_early_status_at ON whatsapp_early_status (at);`)}
