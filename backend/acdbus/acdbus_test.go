package acdbus_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/acdbus"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/store/schematest"
)

// testConn connects to the NATS server of cluster tests (servertest.NATS, which skips without
// one).
func testConn(t *testing.T) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(servertest.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// recorder keeps the decisions a node carried out, with their terms.
type recorder struct {
	mu    sync.Mutex
	got   []acd.Decision
	terms []int64
	ch    chan struct{}
}

func (r *recorder) execute(term int64, ds []acd.Decision) {
	r.mu.Lock()
	r.got = append(r.got, ds...)
	r.terms = append(r.terms, term)
	r.mu.Unlock()
	r.ch <- struct{}{}
}

// TestStaleTermRefused: a node carries out the decisions of the highest term it has seen,
// handing the executor their term, and refuses those a deposed leader still sends under a
// lower one, even when they arrive later.
func TestStaleTermRefused(t *testing.T) {
	nc := testConn(t)
	prefix := fmt.Sprintf("acdbustest%d", time.Now().UnixNano())
	rec := &recorder{ch: make(chan struct{}, 10)}
	l := acdbus.New(acdbus.Config{Conn: nc, Prefix: prefix, Node: "n1"})
	l.Routing(rec.execute)
	defer l.Close()
	send := func(term int64, d acd.Decision) {
		t.Helper()
		if err := nc.Publish(prefix+".acd.dec", acdbus.WireDecisions(term, d)); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	send(5, acd.Offer{Chat: "c1", Agent: 1, Expires: now})
	<-rec.ch
	send(4, acd.Offer{Chat: "c1", Agent: 2, Expires: now}) // the deposed leader
	send(5, acd.Assigned{Chat: "c1", Agent: 1})
	<-rec.ch
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	want := []acd.Decision{acd.Offer{Chat: "c1", Agent: 1, Expires: now}, acd.Assigned{Chat: "c1", Agent: 1}}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !reflect.DeepEqual(rec.got, want) || !reflect.DeepEqual(rec.terms, []int64{5, 5}) {
		t.Fatalf("carried out %+v under terms %v, want %+v under 5", rec.got, rec.terms, want)
	}
	if s := l.Stats(); s.Refused != 1 || l.Term() != 5 {
		t.Fatalf("refused %d, term %d; want 1 refused under term 5", s.Refused, l.Term())
	}
}

// TestOnlyTheReadyLeaderHearsQueries: while no node leads, nobody listens for queries, so an
// asker gets NATS's "no responders" and its fallback at once (a visitor's connect asks whether
// the connector is staffed; it waited a query's full second after the leader was killed); once
// the leader's queue is rebuilt it answers; deposed, it stops listening.
func TestOnlyTheReadyLeaderHearsQueries(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DatabaseURL: schematest.PostgresURL(t), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	nc := testConn(t)
	prefix := fmt.Sprintf("acdbustest%d", time.Now().UnixNano())
	rec := &recorder{ch: make(chan struct{}, 100)}
	held := func(context.Context) (map[string]bool, error) { return map[string]bool{}, nil }
	l := acdbus.New(acdbus.Config{Conn: nc, Prefix: prefix, Node: "n1", Store: st, Held: held})
	l.Routing(rec.execute)
	defer l.Close()
	ask := func() error {
		_, err := nc.Request(prefix+".acd.q", []byte(`{"kind":"queue","connector":1}`), 3*time.Second)
		return err
	}
	if err := ask(); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("a query while no node leads: %v, want no responders", err)
	}
	l.Lead(1)
	for deadline := time.Now().Add(10 * time.Second); ; {
		err := ask()
		if err == nil {
			break
		}
		if !errors.Is(err, nats.ErrNoResponders) || time.Now().After(deadline) {
			t.Fatalf("a query to the leader: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	l.Depose()
	if err := ask(); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("a query after the leader was deposed: %v, want no responders", err)
	}
}
