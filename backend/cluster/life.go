package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// A node's life lock (store.LockNode) tells the other nodes at once when it is gone: a killed
// node's PostgreSQL session ends with its process, and the lock with it, while its heartbeat
// looks fresh for [Config.Stale] more. The chats it held may then be taken over within the
// moment it takes a visitor or agent to reconnect, not after the heartbeat ages. The
// heartbeat stays the answer for a node that hangs but keeps its session.
//
// A node that loses its own lock's session cannot tell whether the others already take its
// chats over, so it must stop acting as their holder at once: it steps down from routing,
// stops its heartbeat and election, reports itself not ready, and [Config.OnLost] is called:
// the server stops serving as this node and starts again as a new one, with a new id and a
// new lock, once the database answers (server.Run).

// LifeStore is what the life lock needs of the database; a Store without it (SQLite, test
// fakes) runs without the lock, and nodes are then told dead by their heartbeat alone.
type LifeStore interface {
	LockNode(ctx context.Context, node string) (*store.NodeLock, error)
	NodeGone(ctx context.Context, node string) (bool, error)
}

// life is the node's lock and what it learned of other nodes' deaths.
type life struct {
	lock *store.NodeLock
	mu   sync.Mutex
	gone map[string]bool // node ids found dead: ids are not reused
}

// takeLife takes the node's life lock before the node registers, so that no other node sees
// it registered without its lock (that would read as dead). A probe of another node may hold
// the key for a moment: the lock is tried again for a while.
func (n *Node) takeLife(ctx context.Context) error {
	ls, ok := n.st.(LifeStore)
	if !ok || !n.cfg.Clustered {
		return nil
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, err := ls.LockNode(ctx, n.id)
		if err == nil {
			n.life.lock = l
			return nil
		}
		if !errors.Is(err, store.ErrNodeLockTaken) || time.Now().After(deadline) {
			return fmt.Errorf("cluster: take the node's life lock: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// watchLife checks the life lock's session every ElectEvery and calls OnLost when it is gone.
func (n *Node) watchLife() {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.ElectEvery)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.Stale/2)
		err := n.life.lock.Alive(ctx)
		cancel()
		if err != nil {
			n.log.Error("cluster: this node lost its life lock; other nodes may take its chats over now", "node", n.id, "err", err)
			n.lost.Store(true)
			n.stepDown()
			if n.cfg.OnLost != nil {
				n.cfg.OnLost(err)
			}
			return
		}
	}
}

// Gone reports whether node is dead as its life lock says: its session ended. A node that
// runs without the lock (no LifeStore) says nothing here; its heartbeat tells.
func (n *Node) Gone(ctx context.Context, node string) bool {
	ls, ok := n.st.(LifeStore)
	if !ok || n.life.lock == nil || node == n.id {
		return false
	}
	n.life.mu.Lock()
	known := n.life.gone[node]
	n.life.mu.Unlock()
	if known {
		return true
	}
	gone, err := ls.NodeGone(ctx, node)
	if err != nil {
		n.log.Warn("cluster: could not ask whether a node is gone", "node", node, "err", err)
		return false
	}
	if gone {
		n.life.mu.Lock()
		if n.life.gone == nil {
			n.life.gone = map[string]bool{}
		}
		n.life.gone[node] = true
		n.life.mu.Unlock()
	}
	return gone
}

// releaseLife gives the life lock up as the node leaves.
func (n *Node) releaseLife() {
	if n.life.lock != nil {
		n.life.lock.Release()
	}
}
