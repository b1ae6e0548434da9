package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"time"
)

// A cluster node's life, as PostgreSQL sees it: each node holds a session-level advisory lock
// on a key of its own id, on a connection of its own, for as long as it runs. PostgreSQL ends
// a killed process's session as soon as its connection closes, and the lock with it, so
// another node can tell at once that a node is gone (NodeGone) instead of waiting for its
// heartbeat to age.

// nodeLockClass is the first half of the two-part advisory lock keys of node lives ("prln"),
// which PostgreSQL keeps apart from single-key locks such as the leadership's.
const nodeLockClass = 0x70726c6e

// nodeLockKey is the second half: a hash of the node's id.
func nodeLockKey(node string) int32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(node))
	return int32(h.Sum32())
}

// NodeLock is this node's life lock, held on a connection of its own until Release.
type NodeLock struct {
	conn *sql.Conn
}

// ErrNodeLockTaken is LockNode's answer when another session holds the node's key: another
// node's id hashes alike, or a node is asking whether this one is gone right now.
var ErrNodeLockTaken = errors.New("store: the node's life lock is held by another session")

// LockNode takes node's life lock on a dedicated connection. Only PostgreSQL has it.
func (s *Store) LockNode(ctx context.Context, node string) (*NodeLock, error) {
	if s.dialect != DialectPostgres {
		return nil, errors.New("store: node life locks need PostgreSQL")
	}
	conn, got, err := s.lockConn(ctx, `SELECT pg_try_advisory_lock($1, $2)`, int32(nodeLockClass), nodeLockKey(node))
	if err != nil {
		return nil, fmt.Errorf("store: node lock: %w", err)
	}
	if !got {
		return nil, ErrNodeLockTaken
	}
	return &NodeLock{conn: conn}, nil
}

// lockConn tries a session-level advisory lock (query answers whether it got it) on a
// connection of its own, which it returns when it got the lock; the caller releases it by
// closing the connection unpooled. A connection that failed is not given back to the pool.
func (s *Store) lockConn(ctx context.Context, query string, args ...any) (*sql.Conn, bool, error) {
	db, err := s.w.DB()
	if err != nil {
		return nil, false, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock connection: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, query, args...).Scan(&got); err != nil {
		_ = conn.Raw(func(any) error { return driverBad })
		_ = conn.Close()
		return nil, false, err
	}
	if !got {
		_ = conn.Close()
		return nil, false, nil
	}
	return conn, true, nil
}

// Alive checks that the lock's connection still answers: a node that cannot tell must stop
// acting for the cluster, because PostgreSQL may have released its lock and other nodes may
// be taking its chats over.
func (l *NodeLock) Alive(ctx context.Context) error {
	var one int
	if err := l.conn.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("store: node lock connection lost: %w", err)
	}
	return nil
}

// Release ends the lock's session (the connection is closed, not pooled), releasing it.
func (l *NodeLock) Release() {
	_ = l.conn.Raw(func(any) error { return driverBad })
	_ = l.conn.Close()
}

// LifeLockProtocol is the first cluster protocol (NodeRecord.Protocol) whose nodes hold a
// life lock. A node registered with an older one holds none, so its free lock says nothing.
const LifeLockProtocol = 1

// NodeGone reports whether node's life lock is free: its session ended, so the node is dead.
// Only a cluster node registered with a protocol that holds the lock (LifeLockProtocol) can be told
// dead this way; for any other, or a node without a row, the answer is no, and its heartbeat
// tells. The lock is taken and given back in the same statement.
func (s *Store) NodeGone(ctx context.Context, node string) (bool, error) {
	if s.dialect != DialectPostgres {
		return false, nil
	}
	var gone bool
	err := s.w.WithContext(ctx).Raw(`SELECT CASE
 WHEN NOT EXISTS (SELECT 1 FROM cluster_nodes WHERE id = ? AND clustered AND protocol >= ?) THEN false
 WHEN pg_try_advisory_lock(?, ?) THEN pg_advisory_unlock(?, ?)
 ELSE false END`,
		node, LifeLockProtocol, int32(nodeLockClass), nodeLockKey(node), int32(nodeLockClass), nodeLockKey(node)).Scan(&gone).Error
	if err != nil {
		return false, fmt.Errorf("store: is node %s gone: %w", node, err)
	}
	return gone, nil
}

// ClaimChatFromGone is [Store.ClaimChat] that also takes a chat whose recorded holder is one
// of gone, nodes whose life lock was found free (NodeGone): they are dead even while their
// heartbeat looks fresh. One statement, so of two nodes claiming at once exactly one wins.
func (s *Store) ClaimChatFromGone(ctx context.Context, chatID, node string, gone []string, at, staleBefore time.Time) (bool, error) {
	if len(gone) == 0 {
		return s.ClaimChat(ctx, chatID, node, at, staleBefore)
	}
	res := s.w.WithContext(ctx).Exec(`INSERT INTO cluster_chat_holders (chat_id, node_id, claimed_at) VALUES (?, ?, ?)
 ON CONFLICT (chat_id) DO UPDATE SET node_id = excluded.node_id, claimed_at = excluded.claimed_at
 WHERE cluster_chat_holders.node_id = excluded.node_id
 OR cluster_chat_holders.node_id IN ?
 OR NOT EXISTS (SELECT 1 FROM cluster_nodes n WHERE n.id = cluster_chat_holders.node_id AND n.heartbeat_at >= ?)`,
		chatID, node, at.UTC(), gone, staleBefore.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("store: claim chat %s: %w", chatID, res.Error)
	}
	return res.RowsAffected == 1, nil
}
