package server_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// nodeID reads the registry id of a running node.
func nodeID(ctx context.Context, t *testing.T, st *store.Store, node *crashServer) string {
	t.Helper()
	live, err := st.LiveNodes(ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range live {
		if strings.HasSuffix(n.Addr, " "+node.addr) {
			return n.ID
		}
	}
	t.Fatalf("no registry row for the node at %s", node.addr)
	return ""
}

// TestClusterKilledHoldersChatMovesAtOnce: node A holds a visitor's chat and is killed (kill
// -9). As soon as PostgreSQL has released A's life lock (A's heartbeat still fresh), the
// visitor's first resume on B takes the chat over, without a busy answer, and it goes on.
func TestClusterKilledHoldersChatMovesAtOnce(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := c.nodes[0], c.nodes[1]
	hash, _ := a.prepare(ctx)
	st := b.store(ctx)
	defer st.Close()
	idA := nodeID(ctx, t, st, a)
	v := a.visitor(ctx, hash)
	chatID, tok := openChat(ctx, t, v, "at once")
	if _, err := v.CallID(ctx, "v1", chatID, &protocol.Send{Text: "v1"}); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	a.kill()
	v.Drop()
	b.until(ctx, 20*time.Millisecond, func() (bool, string) {
		gone, err := st.NodeGone(ctx, idA)
		return err == nil && gone, "A's life lock is still held"
	})
	live, err := st.LiveNodes(ctx, time.Now().Add(-10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	fresh := false
	for _, n := range live {
		fresh = fresh || n.ID == idA
	}
	v, err = resumeOn(ctx, t, b, hash, chatID, tok, 0)
	if err != nil {
		t.Fatalf("the visitor's first resume on B after A's lock was freed (A's heartbeat fresh: %v): %v", fresh, err)
	}
	defer v.Drop()
	t.Logf("the visitor resumed on B %s after A was killed", time.Since(killed).Round(10*time.Millisecond))
	if _, err := v.CallID(ctx, "v2", chatID, &protocol.Send{Text: "v2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.CallID(ctx, "v1", chatID, &protocol.Send{Text: "v1"}); err != nil {
		t.Fatal(err)
	}
	storedOnce(ctx, t, st, chatID, "v1", "v2")
}

// TestClusterNodeWithoutItsSessionStops: a node whose PostgreSQL session with its life lock
// ends (here terminated by an administrator) stops at once, since other nodes may take its
// chats over from that moment.
func TestClusterNodeWithoutItsSessionStops(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a := c.nodes[0]
	st := a.store(ctx)
	defer st.Close()
	idA := nodeID(ctx, t, st, a)
	db, err := sql.Open("pgx", c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The life lock's key: the class "prln" and the FNV-1a hash of the node's id, as PostgreSQL
	// shows two-part advisory keys in pg_locks (classid, objid, objsubid 2).
	var ended int
	err = db.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l
 WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.classid = $1 AND l.objid = $2 AND l.granted`,
		int64(0x70726c6e), int64(fnv32a(idA))).Scan(&ended)
	if err != nil || ended != 1 {
		t.Fatalf("terminate A's lock session: %d sessions, %v", ended, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- a.cmd.Wait() }()
	select {
	case err := <-exited:
		if err == nil {
			t.Fatal("A exited without an error")
		}
	case <-ctx.Done():
		t.Fatalf("A still runs without its life lock:\n%s", a.logs.String())
	}
}

// fnv32a is FNV-1a of s, as the life lock's key.
func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
