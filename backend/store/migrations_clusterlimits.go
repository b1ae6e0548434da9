package store

// connect_hits counts the WebSocket connections each client address opened per minute, over
// every node of a cluster (migration 49): one atomic upsert per connection (AddConnectHit)
// keeps the per-address connect limits exact however the load balancer spreads a client's
// connections. Windows older than a few minutes are swept (PurgeConnectHits). SQLite gets
// the table too, unused.
var connectHitsMigration = migration{version: 49, name: "cluster connect hits", up: sqlUp(
	`CREATE TABLE connect_hits (bucket text NOT NULL, window_start datetime NOT NULL, hits integer NOT NULL, PRIMARY KEY (bucket, window_start));`,
	`CREATE TABLE connect_hits (bucket text NOT NULL, window_start timestamptz NOT NULL, hits integer NOT NULL, PRIMARY KEY (bucket, window_start));
CREATE INDEX ix_connect_hits_window ON connect_hits (window_start);`)}

// ix_chats_open_ip finds a tenant's open chats from one address (migration 50), which the open
// chat limits count over a cluster's nodes (OpenChatsFrom) without reading its closed history.
var openChatsByIPMigration = migration{version: 50, name: "open chats by address", up: sqlUp(
	`CREATE INDEX ix_chats_open_ip ON chats (tenant_id, ip) WHERE state <> 'closed';`,
	`CREATE INDEX ix_chats_open_ip ON chats (tenant_id, ip) WHERE state <> 'closed';`)}
