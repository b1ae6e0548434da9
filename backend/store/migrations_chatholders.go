package store

// cluster_chat_holders names the node that took a chat over from a dead one (migration 48).
// A chat's rule state lives on one node; when that node dies, the node where the chat's
// visitor or agent reconnects claims the chat with one conditional write on this table, which
// succeeds only when no live node holds the claim already, so two nodes cannot both take it
// (each would offer it and run its timers). SQLite gets the table too, unused.
var chatHoldersMigration = migration{version: 48, name: "cluster chat holders", up: sqlUp(
	`CREATE TABLE cluster_chat_holders (chat_id text PRIMARY KEY, node_id text NOT NULL, claimed_at datetime NOT NULL);`,
	`CREATE TABLE cluster_chat_holders (chat_id text PRIMARY KEY, node_id text NOT NULL, claimed_at timestamptz NOT NULL);
CREATE INDEX ix_cluster_chat_holders_node ON cluster_chat_holders (node_id);`)}
