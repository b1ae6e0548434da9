package store

// Tenants send webhooks (package webhook): their endpoints, and the deliveries written in the
// same transaction as the chat events they report, delivered and retried from this table,
// which is also the delivery log.
var webhooksMigration = migration{version: 20, name: "webhooks", up: sqlUp(
	`CREATE TABLE webhook_endpoints (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 url text NOT NULL, secret text NOT NULL, events text NOT NULL DEFAULT '', enabled numeric NOT NULL DEFAULT true,
 created_at datetime NOT NULL, updated_at datetime NOT NULL);
CREATE INDEX ix_webhook_endpoints_tenant ON webhook_endpoints (tenant_id);
CREATE TABLE webhook_deliveries (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 endpoint_id integer NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE, event_id text NOT NULL, kind text NOT NULL,
 chat_id text NOT NULL DEFAULT '', body text NOT NULL, state text NOT NULL DEFAULT 'pending', attempts integer NOT NULL DEFAULT 0,
 next_attempt_at datetime NOT NULL, last_error text NOT NULL DEFAULT '', response_code integer NOT NULL DEFAULT 0,
 latency_ms integer NOT NULL DEFAULT 0, replay_of integer NOT NULL DEFAULT 0, created_at datetime NOT NULL, delivered_at datetime);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX ix_webhook_deliveries_tenant ON webhook_deliveries (tenant_id, id);
CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);`,
	`CREATE TABLE webhook_endpoints (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 url text NOT NULL, secret text NOT NULL, events text NOT NULL DEFAULT '', enabled boolean NOT NULL DEFAULT true,
 created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE INDEX ix_webhook_endpoints_tenant ON webhook_endpoints (tenant_id);
CREATE TABLE webhook_deliveries (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 endpoint_id bigint NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE, event_id text NOT NULL, kind text NOT NULL,
 chat_id text NOT NULL DEFAULT '', body text NOT NULL, state text NOT NULL DEFAULT 'pending', attempts bigint NOT NULL DEFAULT 0,
 next_attempt_at timestamptz NOT NULL, last_error text NOT NULL DEFAULT '', response_code bigint NOT NULL DEFAULT 0,
 latency_ms bigint NOT NULL DEFAULT 0, replay_of bigint NOT NULL DEFAULT 0, created_at timestamptz NOT NULL, delivered_at timestamptz);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX ix_webhook_deliveries_tenant ON webhook_deliveries (tenant_id, id);
CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);`)}
