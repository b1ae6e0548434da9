package store

// Integrators call the REST API (package restapi) with a tenant's API tokens: each acts as one
// of the tenant's users with the scopes it was given, and is kept only as its SHA-256.
var apiTokensMigration = migration{version: 22, name: "api tokens", up: sqlUp(
	`CREATE TABLE api_tokens (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE, name text NOT NULL, prefix text NOT NULL, hash text NOT NULL,
 scopes text NOT NULL DEFAULT '', created_by integer NOT NULL DEFAULT 0, created_at datetime NOT NULL, last_used_at datetime,
 revoked_at datetime);
CREATE UNIQUE INDEX ux_api_tokens_hash ON api_tokens (hash);
CREATE INDEX ix_api_tokens_tenant ON api_tokens (tenant_id, id);`,
	`CREATE TABLE api_tokens (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE, name text NOT NULL, prefix text NOT NULL, hash text NOT NULL,
 scopes text NOT NULL DEFAULT '', created_by bigint NOT NULL DEFAULT 0, created_at timestamptz NOT NULL, last_used_at timestamptz,
 revoked_at timestamptz);
CREATE UNIQUE INDEX ux_api_tokens_hash ON api_tokens (hash);
CREATE INDEX ix_api_tokens_tenant ON api_tokens (tenant_id, id);`)}
