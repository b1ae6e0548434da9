package store

// cluster_nodes.protocol is the cluster protocol a node speaks (migration 53): how nodes talk
// to each other over NATS and through the database (the routing leader's batches, the life
// lock). Rows written before it read 0. A node refuses to join live nodes of another protocol
// (cluster.ErrProtocolConflict), and takes a node for dead by its free life lock only when
// that node registered a protocol that holds one: an older node holds none, and would
// otherwise read as dead the moment it registered.
var clusterProtocolMigration = migration{version: 53, name: "cluster node protocol", up: sqlUp(
	`ALTER TABLE cluster_nodes ADD COLUMN protocol integer NOT NULL DEFAULT 0;`,
	`ALTER TABLE cluster_nodes ADD COLUMN protocol integer NOT NULL DEFAULT 0;`)}
