package store

// Connectors export a report of each closed chat to a customer's REST service, as jtel's
// chat connectors do (package reportexport): each connector's token post, report export post
// and XML template, and the exports written in the same transaction as the closes they
// report, delivered and retried from this table, which is also the delivery log.
var reportExportMigration = migration{version: 23, name: "chat report export", up: sqlUp(
	`CREATE TABLE report_exports (connector_id integer PRIMARY KEY REFERENCES connectors(id) ON DELETE CASCADE,
 tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE, enabled numeric NOT NULL DEFAULT false,
 token_url text NOT NULL DEFAULT '', token_header text NOT NULL DEFAULT '', token_body text NOT NULL DEFAULT '',
 export_url text NOT NULL DEFAULT '', export_header text NOT NULL DEFAULT '', export_body text NOT NULL DEFAULT '',
 xml_template text NOT NULL DEFAULT '', updated_at datetime NOT NULL);
CREATE TABLE report_export_deliveries (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 connector_id integer NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, chat_id text NOT NULL DEFAULT '', test numeric NOT NULL DEFAULT false,
 state text NOT NULL DEFAULT 'pending', attempts integer NOT NULL DEFAULT 0, next_attempt_at datetime NOT NULL,
 last_error text NOT NULL DEFAULT '', response_code integer NOT NULL DEFAULT 0, latency_ms integer NOT NULL DEFAULT 0,
 replay_of integer NOT NULL DEFAULT 0, created_at datetime NOT NULL, delivered_at datetime);
CREATE INDEX ix_report_export_deliveries_due ON report_export_deliveries (state, next_attempt_at);
CREATE INDEX ix_report_export_deliveries_tenant ON report_export_deliveries (tenant_id, id);
CREATE INDEX ix_report_export_deliveries_connector ON report_export_deliveries (connector_id, id);`,
	`CREATE TABLE report_exports (connector_id bigint PRIMARY KEY REFERENCES connectors(id) ON DELETE CASCADE,
 tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE, enabled boolean NOT NULL DEFAULT false,
 token_url text NOT NULL DEFAULT '', token_header text NOT NULL DEFAULT '', token_body text NOT NULL DEFAULT '',
 export_url text NOT NULL DEFAULT '', export_header text NOT NULL DEFAULT '', export_body text NOT NULL DEFAULT '',
 xml_template text NOT NULL DEFAULT '', updated_at timestamptz NOT NULL);
CREATE TABLE report_export_deliveries (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 connector_id bigint NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, chat_id text NOT NULL DEFAULT '', test boolean NOT NULL DEFAULT false,
 state text NOT NULL DEFAULT 'pending', attempts bigint NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL,
 last_error text NOT NULL DEFAULT '', response_code bigint NOT NULL DEFAULT 0, latency_ms bigint NOT NULL DEFAULT 0,
 replay_of bigint NOT NULL DEFAULT 0, created_at timestamptz NOT NULL, delivered_at timestamptz);
CREATE INDEX ix_report_export_deliveries_due ON report_export_deliveries (state, next_attempt_at);
CREATE INDEX ix_report_export_deliveries_tenant ON report_export_deliveries (tenant_id, id);
CREATE INDEX ix_report_export_deliveries_connector ON report_export_deliveries (connector_id, id);`)}
