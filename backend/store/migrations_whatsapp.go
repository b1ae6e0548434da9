package store

// WhatsApp chats come through TynTec (package tyntec): a connector keeps the secret of its
// inbound webhook and its approved templates; every WhatsApp chat remembers the customer's
// number and when they last wrote (the 24-hour rule); the agents' lines to WhatsApp are
// written to an outbox in the same transaction as the lines themselves and delivered, retried
// and followed (delivery and read status) from there; inbound message ids are kept so that a
// webhook TynTec retries is applied once.
var whatsappMigration = migration{version: 27, name: "whatsapp through tyntec", up: sqlUp(
	`ALTER TABLE connectors ADD COLUMN whatsapp_secret text NOT NULL DEFAULT '';
ALTER TABLE connectors ADD COLUMN whatsapp_templates text NOT NULL DEFAULT '';
CREATE TABLE whatsapp_chats (chat_id text PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
 tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE, connector_id integer NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
 phone text NOT NULL, last_inbound_at datetime NOT NULL, created_at datetime NOT NULL);
CREATE INDEX ix_whatsapp_chats_phone ON whatsapp_chats (connector_id, phone);
CREATE TABLE whatsapp_outbox (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 connector_id integer NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, chat_id text NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
 seq integer NOT NULL, phone text NOT NULL, body text NOT NULL, state text NOT NULL DEFAULT 'pending', attempts integer NOT NULL DEFAULT 0,
 next_attempt_at datetime NOT NULL, last_error text NOT NULL DEFAULT '', message_id text NOT NULL DEFAULT '', status text NOT NULL DEFAULT '',
 created_at datetime NOT NULL, sent_at datetime);
CREATE UNIQUE INDEX ux_whatsapp_outbox_line ON whatsapp_outbox (chat_id, seq);
CREATE INDEX ix_whatsapp_outbox_due ON whatsapp_outbox (state, next_attempt_at);
CREATE INDEX ix_whatsapp_outbox_message ON whatsapp_outbox (message_id);
CREATE TABLE whatsapp_inbound (connector_id integer NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, message_id text NOT NULL,
 at datetime NOT NULL, PRIMARY KEY (connector_id, message_id));`,
	`ALTER TABLE connectors ADD COLUMN whatsapp_secret text NOT NULL DEFAULT '';
ALTER TABLE connectors ADD COLUMN whatsapp_templates text NOT NULL DEFAULT '';
CREATE TABLE whatsapp_chats (chat_id text PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
 tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE, connector_id bigint NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
 phone text NOT NULL, last_inbound_at timestamptz NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX ix_whatsapp_chats_phone ON whatsapp_chats (connector_id, phone);
CREATE TABLE whatsapp_outbox (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 connector_id bigint NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, chat_id text NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
 seq bigint NOT NULL, phone text NOT NULL, body text NOT NULL, state text NOT NULL DEFAULT 'pending', attempts bigint NOT NULL DEFAULT 0,
 next_attempt_at timestamptz NOT NULL, last_error text NOT NULL DEFAULT '', message_id text NOT NULL DEFAULT '', status text NOT NULL DEFAULT '',
 created_at timestamptz NOT NULL, sent_at timestamptz);
CREATE UNIQUE INDEX ux_whatsapp_outbox_line ON whatsapp_outbox (chat_id, seq);
CREATE INDEX ix_whatsapp_outbox_due ON whatsapp_outbox (state, next_attempt_at);
CREATE INDEX ix_whatsapp_outbox_message ON whatsapp_outbox (message_id);
CREATE TABLE whatsapp_inbound (connector_id bigint NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, message_id text NOT NULL,
 at timestamptz NOT NULL, PRIMARY KEY (connector_id, message_id));`)}
