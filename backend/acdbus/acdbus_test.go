package acdbus_test

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/acdbus"
	"github.com/parleychat/parley/backend/servertest"
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
