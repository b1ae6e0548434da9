package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestNodeLifeLock: a node's life lock reads as gone only once its session ends, a second
// holder is refused, and a chat held by a gone node whose heartbeat is fresh is claimed by
// exactly one of two nodes claiming it at once; with its holder alive, by neither.
func TestNodeLifeLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := postgresConfig(t)
	s, other := openStore(t, cfg), openStore(t, cfg)
	now := time.Now()
	for _, id := range []string{"a", "b", "c"} {
		if err := s.RegisterNode(ctx, NodeRecord{ID: id, Addr: id, Clustered: true, StartedAt: now, HeartbeatAt: now, Protocol: LifeLockProtocol}); err != nil {
			t.Fatal(err)
		}
	}
	lock, err := s.LockNode(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.LockNode(ctx, "a"); !errors.Is(err, ErrNodeLockTaken) {
		t.Fatalf("a second life lock of a: %v", err)
	}
	if gone, err := other.NodeGone(ctx, "a"); err != nil || gone {
		t.Fatalf("a reads as gone while it holds its lock: %v %v", gone, err)
	}
	if ok, err := s.ClaimChat(ctx, "chat1", "a", now, now.Add(-time.Minute)); err != nil || !ok {
		t.Fatalf("a records chat1: %v %v", ok, err)
	}
	if ok, err := other.ClaimChatFromGone(ctx, "chat1", "b", nil, now, now.Add(-time.Minute)); err != nil || ok {
		t.Fatalf("b took chat1 from a live a: %v %v", ok, err)
	}
	lock.Release()
	gone := false
	for !gone {
		if gone, err = other.NodeGone(ctx, "a"); err != nil {
			t.Fatal(err)
		}
	}
	// A node of the protocol before life locks holds none: its free lock does not make it dead.
	if err := s.RegisterNode(ctx, NodeRecord{ID: "old", Addr: "old", Clustered: true, StartedAt: now, HeartbeatAt: now}); err != nil {
		t.Fatal(err)
	}
	if gone, err := other.NodeGone(ctx, "old"); err != nil || gone {
		t.Fatalf("a node without a life lock reads as gone: %v %v", gone, err)
	}
	if gone, err := other.NodeGone(ctx, "never-registered"); err != nil || gone {
		t.Fatalf("a node without a row reads as gone by its lock: %v %v", gone, err)
	}
	live, err := other.LiveNodes(ctx, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range live {
		if want := map[bool]int{true: 0, false: LifeLockProtocol}[n.ID == "old"]; n.Protocol != want {
			t.Errorf("node %s reads protocol %d, want %d", n.ID, n.Protocol, want)
		}
	}
	var wins sync.Map
	var wg sync.WaitGroup
	for _, id := range []string{"b", "c"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := other.ClaimChatFromGone(ctx, "chat1", id, []string{"a"}, now, now.Add(-time.Minute))
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Store(id, true)
			}
		}()
	}
	wg.Wait()
	n := 0
	wins.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Fatalf("%d nodes took chat1 from the gone a, want 1", n)
	}
}
