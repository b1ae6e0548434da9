package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
)

// clusterNodeRow is a cluster_nodes row (migration 45).
type clusterNodeRow struct {
	ID          string `gorm:"primaryKey"`
	Addr        string
	Clustered   bool
	StartedAt   time.Time
	HeartbeatAt time.Time
	Protocol    int
}

func (clusterNodeRow) TableName() string { return "cluster_nodes" }

// clusterLeaderRow is the cluster_leader row (migration 46): the routing leader's term.
type clusterLeaderRow struct {
	ID    int64 `gorm:"primaryKey"`
	Term  int64
	Node  string
	Since *time.Time
}

func (clusterLeaderRow) TableName() string { return "cluster_leader" }

// chatHolderRow is a cluster_chat_holders row (migration 48): the node that took a dead
// node's chat over.
type chatHolderRow struct {
	ChatID    string `gorm:"primaryKey"`
	NodeID    string
	ClaimedAt time.Time
}

func (chatHolderRow) TableName() string { return "cluster_chat_holders" }

func init() { allRows = append(allRows, &clusterNodeRow{}, &clusterLeaderRow{}, &chatHolderRow{}) }

// NodeRecord is one server node's row in the cluster registry (migration 45).
type NodeRecord struct {
	// ID is chosen by the node at start (random), so that a restarted node is a new one.
	ID string
	// Addr is where the node listens, for people reading the registry.
	Addr string
	// Clustered says the node runs in cluster mode (with NATS).
	Clustered   bool
	StartedAt   time.Time
	HeartbeatAt time.Time
	// Protocol is the cluster protocol the node speaks (cluster.Protocol); 0 for a node that
	// registered before nodes said so (migration 53).
	Protocol int
}

// ErrStaleTerm is the answer to a routing leader's write made under a term that another
// node's takeover has replaced: the writer is no longer the leader and must stop.
var ErrStaleTerm = errors.New("store: the routing leader's term is stale: another node took the leadership over")

// RegisterNode writes (or rewrites) a node's registry row, with its heartbeat set to now.
func (s *Store) RegisterNode(ctx context.Context, n NodeRecord) error {
	now := n.HeartbeatAt.UTC()
	return s.w.WithContext(ctx).Exec(
		`INSERT INTO cluster_nodes (id, addr, clustered, started_at, heartbeat_at, protocol) VALUES (?, ?, ?, ?, ?, ?)
 ON CONFLICT (id) DO UPDATE SET addr = excluded.addr, clustered = excluded.clustered, heartbeat_at = excluded.heartbeat_at, protocol = excluded.protocol`,
		n.ID, n.Addr, n.Clustered, n.StartedAt.UTC(), now, n.Protocol).Error
}

// TouchNode refreshes a node's heartbeat. It reports whether the row still exists (a node
// whose row was removed registers again).
func (s *Store) TouchNode(ctx context.Context, id string, at time.Time) (bool, error) {
	res := s.w.WithContext(ctx).Exec(`UPDATE cluster_nodes SET heartbeat_at = ? WHERE id = ?`, at.UTC(), id)
	return res.RowsAffected == 1, res.Error
}

// DeleteNode removes a node's row, when it shuts down cleanly, and the rows of nodes whose
// heartbeat stopped before staleBefore (housekeeping; the zero time removes none of those).
func (s *Store) DeleteNode(ctx context.Context, id string, staleBefore time.Time) error {
	return s.w.WithContext(ctx).Exec(`DELETE FROM cluster_nodes WHERE id = ? OR heartbeat_at < ?`, id, staleBefore.UTC()).Error
}

// LiveNodes lists the nodes whose heartbeat is not older than since, oldest start first.
func (s *Store) LiveNodes(ctx context.Context, since time.Time) ([]NodeRecord, error) {
	var rows []clusterNodeRow
	err := s.r.WithContext(ctx).Raw(`SELECT id, addr, clustered, started_at, heartbeat_at, protocol FROM cluster_nodes WHERE heartbeat_at >= ? ORDER BY started_at, id`, since.UTC()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: live nodes: %w", err)
	}
	out := make([]NodeRecord, len(rows))
	for i, r := range rows {
		out[i] = NodeRecord{ID: r.ID, Addr: r.Addr, Clustered: r.Clustered, StartedAt: r.StartedAt.UTC(), HeartbeatAt: r.HeartbeatAt.UTC(), Protocol: r.Protocol}
	}
	return out, nil
}

// LeaderTerm reads the routing leader's current term and the node that took it.
func (s *Store) LeaderTerm(ctx context.Context) (int64, string, error) {
	var row clusterLeaderRow
	if err := s.w.WithContext(ctx).Raw(`SELECT term, node FROM cluster_leader WHERE id = 1`).Scan(&row).Error; err != nil {
		return 0, "", fmt.Errorf("store: leader term: %w", err)
	}
	return row.Term, row.Node, nil
}

// CheckTerm refuses with [ErrStaleTerm] when term is not the current leader term. It reads
// the term row FOR SHARE in its own transaction, so it waits for a takeover in progress and
// then sees its new term.
func (s *Store) CheckTerm(ctx context.Context, term int64) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	var cur int64
	err := s.w.WithContext(ctx).Raw(`SELECT term FROM cluster_leader WHERE id = 1 FOR SHARE`).Scan(&cur).Error
	if err != nil {
		return fmt.Errorf("store: check term: %w", err)
	}
	if cur != term {
		return fmt.Errorf("%w (term %d, current %d)", ErrStaleTerm, term, cur)
	}
	return nil
}

// Leadership is the routing leadership held by this node: a PostgreSQL session-level
// advisory lock on a connection of its own, and the term the takeover raised. The lock lives
// exactly as long as that connection: when the node dies, or the connection breaks, PostgreSQL
// releases it and another node's [Store.ClaimLeadership] succeeds.
type Leadership struct {
	conn *sql.Conn
	// Term is the leader term this node took; every decision it makes carries it.
	Term int64
}

// leaderLockKey is the advisory lock of the routing leadership ("parley-acd").
const leaderLockKey = 0x70_61_72_6c_61_63_64

// ErrNotLeader is ClaimLeadership's answer when another node holds the leadership.
var ErrNotLeader = errors.New("store: another node holds the routing leadership")

// ClaimLeadership tries to take the routing leadership for node: it takes the advisory lock
// on a dedicated connection without waiting ([ErrNotLeader] when another session holds it) and
// then raises the term. Only PostgreSQL has leaders; other databases answer an error.
func (s *Store) ClaimLeadership(ctx context.Context, node string, at time.Time) (*Leadership, error) {
	if s.dialect != DialectPostgres {
		return nil, errors.New("store: routing leadership needs PostgreSQL")
	}
	conn, got, err := s.lockConn(ctx, `SELECT pg_try_advisory_lock($1)`, int64(leaderLockKey))
	if err != nil {
		return nil, fmt.Errorf("store: leadership lock: %w", err)
	}
	if !got {
		return nil, ErrNotLeader
	}
	l := &Leadership{conn: conn}
	err = conn.QueryRowContext(ctx, `UPDATE cluster_leader SET term = term + 1, node = $1, since = $2 WHERE id = 1 RETURNING term`, node, at.UTC()).Scan(&l.Term)
	if err != nil {
		l.Release()
		return nil, fmt.Errorf("store: raise leader term: %w", err)
	}
	return l, nil
}

// driverBad marks a connection as broken, so that database/sql closes it instead of giving
// it back to the pool with its lock (or a session that may still hold it).
var driverBad = driver.ErrBadConn

// Alive checks that the lock's connection still answers: a leader that cannot tell must
// step down, because PostgreSQL may already have released its lock.
func (l *Leadership) Alive(ctx context.Context) error {
	var one int
	if err := l.conn.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("store: leadership connection lost: %w", err)
	}
	return nil
}

// Release gives the leadership up: it closes the lock's connection without returning it to
// the pool, which ends the session and so releases the lock whatever state it is in.
func (l *Leadership) Release() {
	_ = l.conn.Raw(func(any) error { return driverBad })
	_ = l.conn.Close()
}

// ClaimChat records node as the holder of a chat whose holder died, and reports whether it
// won: the write succeeds when the chat has no recorded holder, when node holds it already,
// or when the recorded holder's heartbeat is older than staleBefore (or its row is gone). It
// is one statement, so of two nodes claiming one chat at once exactly one wins; the loser
// must leave the chat to the winner. The caller first makes sure that no live node holds the
// chat from its creation (those are not recorded: a chat gets a row only when it moves).
func (s *Store) ClaimChat(ctx context.Context, chatID, node string, at, staleBefore time.Time) (bool, error) {
	res := s.w.WithContext(ctx).Exec(`INSERT INTO cluster_chat_holders (chat_id, node_id, claimed_at) VALUES (?, ?, ?)
 ON CONFLICT (chat_id) DO UPDATE SET node_id = excluded.node_id, claimed_at = excluded.claimed_at
 WHERE cluster_chat_holders.node_id = excluded.node_id
 OR NOT EXISTS (SELECT 1 FROM cluster_nodes n WHERE n.id = cluster_chat_holders.node_id AND n.heartbeat_at >= ?)`,
		chatID, node, at.UTC(), staleBefore.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("store: claim chat %s: %w", chatID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ChatHolder names the node recorded as a chat's holder by [Store.ClaimChat], "" for none.
func (s *Store) ChatHolder(ctx context.Context, chatID string) (string, error) {
	var node string
	err := s.r.WithContext(ctx).Raw(`SELECT node_id FROM cluster_chat_holders WHERE chat_id = ?`, chatID).Scan(&node).Error
	return node, err
}
