package store

// Every delivery log is deleted with its chat (retention, a privacy erasure) and aged out
// by the retention worker: the deletes by chat and by tenant and age need indexes the logs
// did not have. SQLite's search index is also compacted once, so that the words of messages
// deleted before this step (which FTS5 only marks as deleted) leave its pages.
var deliveryLogsMigration = migration{version: 39, name: "delivery logs by chat", up: sqlUp(
	`CREATE INDEX ix_push_deliveries_chat ON push_deliveries (chat_id);
CREATE INDEX ix_webhook_deliveries_chat ON webhook_deliveries (chat_id);
CREATE INDEX ix_report_export_deliveries_chat ON report_export_deliveries (chat_id);
CREATE INDEX ix_outbox_chat ON outbox (chat_id);
CREATE INDEX ix_whatsapp_outbox_tenant ON whatsapp_outbox (tenant_id, id);
CREATE INDEX ix_whatsapp_inbound_at ON whatsapp_inbound (connector_id, at);
INSERT INTO messages_fts(messages_fts) VALUES ('optimize');`,
	`CREATE INDEX ix_push_deliveries_chat ON push_deliveries (chat_id);
CREATE INDEX ix_webhook_deliveries_chat ON webhook_deliveries (chat_id);
CREATE INDEX ix_report_export_deliveries_chat ON report_export_deliveries (chat_id);
CREATE INDEX ix_outbox_chat ON outbox (chat_id);
CREATE INDEX ix_whatsapp_outbox_tenant ON whatsapp_outbox (tenant_id, id);
CREATE INDEX ix_whatsapp_inbound_at ON whatsapp_inbound (connector_id, at);`)}
