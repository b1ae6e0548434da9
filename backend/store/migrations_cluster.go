package store

// Cluster mode (several nodes on one PostgreSQL database and NATS) keeps two small tables.
//
// cluster_nodes is the node registry: every node on PostgreSQL writes its row at start and
// refreshes heartbeat_at every few seconds, so that a node can tell whether others use the
// database, and whether they do so in cluster mode (a single-process node must not join
// them: it would route and fan out alone). SQLite gets the table too, unused, so that both
// schemas stay one.
var clusterNodesMigration = migration{version: 45, name: "cluster node registry", up: sqlUp(
	`CREATE TABLE cluster_nodes (id text PRIMARY KEY, addr text NOT NULL DEFAULT '', clustered boolean NOT NULL DEFAULT false,
 started_at datetime NOT NULL, heartbeat_at datetime NOT NULL);`,
	`CREATE TABLE cluster_nodes (id text PRIMARY KEY, addr text NOT NULL DEFAULT '', clustered boolean NOT NULL DEFAULT false,
 started_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL);
CREATE INDEX ix_cluster_nodes_heartbeat ON cluster_nodes (heartbeat_at);`)}

// cluster_leader holds the routing leader's term: one row, whose term is raised by every
// node that takes the leadership over (while holding the PostgreSQL advisory lock). A
// decision made under an older term is refused by comparing it with this row in the
// transaction that writes it, so a deposed leader that has not noticed yet changes nothing.
var clusterLeaderMigration = migration{version: 46, name: "cluster leader term", up: sqlUp(
	`CREATE TABLE cluster_leader (id integer PRIMARY KEY, term bigint NOT NULL DEFAULT 0, node text NOT NULL DEFAULT '', since datetime);
INSERT INTO cluster_leader (id, term) VALUES (1, 0);`,
	`CREATE TABLE cluster_leader (id integer PRIMARY KEY, term bigint NOT NULL DEFAULT 0, node text NOT NULL DEFAULT '', since timestamptz);
INSERT INTO cluster_leader (id, term) VALUES (1, 0);`)}
