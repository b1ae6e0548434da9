package natsbus_test

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/natsbus"
)

// natsURL is the NATS server the tests use: the machine's own unless PARLEY_TEST_NATS_URL
// names another.
func natsURL() string {
	if u := os.Getenv("PARLEY_TEST_NATS_URL"); u != "" {
		return u
	}
	return nats.DefaultURL
}

func node(t *testing.T, prefix, name string) *natsbus.Bus {
	t.Helper()
	nc, err := nats.Connect(natsURL())
	if err != nil {
		t.Skipf("no NATS server at %s: %v", natsURL(), err)
	}
	t.Cleanup(nc.Close)
	b, err := natsbus.New(nc, changes.NewLocal(), natsbus.Options{Node: name, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// TestChatEventsReachEveryNodeOnce publishes a chat's events on two nodes and checks that each
// node's subscribers see every event exactly once: their own at once, the other's through
// NATS, in each publisher's order.
func TestChatEventsReachEveryNodeOnce(t *testing.T) {
	prefix := fmt.Sprintf("parleytest%d", time.Now().UnixNano())
	a, b := node(t, prefix, "a"), node(t, prefix, "b")
	const n = 500
	type seen struct {
		sync.Mutex
		seqs []uint64
	}
	var onA, onB seen
	// A node's own events are not remote, the other node's are.
	check := func(node string, e changes.ChatEvent) {
		if own := (node == "a") == (e.Seq <= n); own == e.Remote {
			t.Errorf("node %s: event %d marked remote=%v", node, e.Seq, e.Remote)
		}
	}
	a.SubscribeChats(func(e changes.ChatEvent) { check("a", e); onA.Lock(); onA.seqs = append(onA.seqs, e.Seq); onA.Unlock() })
	b.SubscribeChats(func(e changes.ChatEvent) { check("b", e); onB.Lock(); onB.seqs = append(onB.seqs, e.Seq); onB.Unlock() })
	for i := uint64(1); i <= n; i++ {
		a.PublishChat(changes.ChatEvent{ChatID: "c1", TenantID: 1, Seq: i, Type: "message"})
	}
	for i := uint64(n + 1); i <= 2*n; i++ {
		b.PublishChat(changes.ChatEvent{ChatID: "c1", TenantID: 1, Seq: i, Type: "message"})
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		onA.Lock()
		la := len(onA.seqs)
		onA.Unlock()
		onB.Lock()
		lb := len(onB.seqs)
		onB.Unlock()
		if la >= 2*n && lb >= 2*n || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // a duplicate would arrive meanwhile
	for name, s := range map[string]*seen{"a": &onA, "b": &onB} {
		s.Lock()
		if len(s.seqs) != 2*n {
			t.Errorf("node %s saw %d events, want %d", name, len(s.seqs), 2*n)
		}
		count := map[uint64]int{}
		var lastA, lastB uint64
		for _, q := range s.seqs {
			count[q]++
			// Each publisher's events arrive in its order.
			if q <= n {
				if q != lastA+1 {
					t.Errorf("node %s: event %d after %d of node a", name, q, lastA)
				}
				lastA = q
			} else {
				if lastB != 0 && q != lastB+1 {
					t.Errorf("node %s: event %d after %d of node b", name, q, lastB)
				}
				lastB = q
			}
		}
		for q, c := range count {
			if c != 1 {
				t.Errorf("node %s saw event %d %d times", name, q, c)
			}
		}
		s.Unlock()
	}
	if st := a.Stats(); st.Sent != n || st.Received != n || st.RTT <= 0 {
		t.Errorf("node a stats %+v, want %d sent and received and a round trip", st, n)
	}
}

// TestSettingsReachEveryNode saves a setting on one node and sees it on the other's subscriber
// (and on its own), and not on a node of another prefix (another deployment on the same NATS).
func TestSettingsReachEveryNode(t *testing.T) {
	prefix := fmt.Sprintf("parleytest%d", time.Now().UnixNano())
	a, b := node(t, prefix, "a"), node(t, prefix, "b")
	other := node(t, prefix+"x", "c")
	got := make(chan string, 10)
	a.SubscribeSettings(func(s changes.Setting) { got <- fmt.Sprint("a ", s.Kind, s.ID) })
	b.SubscribeSettings(func(s changes.Setting) { got <- fmt.Sprint("b ", s.Kind, s.ID) })
	other.SubscribeSettings(func(s changes.Setting) { got <- fmt.Sprint("other ", s.Kind, s.ID) })
	a.PublishSetting(changes.Setting{Kind: changes.KindConnector, TenantID: 7, ID: 42})
	want := map[string]bool{"a connector42": true, "b connector42": true}
	timeout := time.After(5 * time.Second)
	for len(want) > 0 {
		select {
		case s := <-got:
			if !want[s] {
				t.Fatalf("unexpected delivery %q", s)
			}
			delete(want, s)
		case <-timeout:
			t.Fatalf("not delivered: %v", want)
		}
	}
	select {
	case s := <-got:
		t.Fatalf("unexpected delivery %q", s)
	case <-time.After(200 * time.Millisecond):
	}
}

// lockedBuffer is a log written from NATS's delivery goroutine and read by the test.
type lockedBuffer struct {
	sync.Mutex
	b strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.Lock()
	defer l.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.Lock()
	defer l.Unlock()
	return l.b.String()
}

// TestOwnFactsLeftUndecoded: NATS brings a node its own facts back; the node knows them by
// their first bytes and does not decode them (an own message that could not be decoded raises
// no warning), while another node's undecodable message is warned of and its good ones arrive.
func TestOwnFactsLeftUndecoded(t *testing.T) {
	prefix := fmt.Sprintf("parleytest%d", time.Now().UnixNano())
	nc, err := nats.Connect(natsURL())
	if err != nil {
		t.Skipf("no NATS server at %s: %v", natsURL(), err)
	}
	t.Cleanup(nc.Close)
	var logs lockedBuffer
	a, err := natsbus.New(nc, changes.NewLocal(), natsbus.Options{Node: "a", Prefix: prefix, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	got := make(chan uint64, 10)
	a.SubscribeChats(func(e changes.ChatEvent) { got <- e.Seq })
	// One publisher, so the facts arrive in this order.
	raw, err := nats.Connect(natsURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(raw.Close)
	for _, data := range []string{`{"node":"a",not json`, `{"node":"b",not json`, `{"node":"b","chat":{"chat":"c1","tenant":1,"seq":7,"type":"message","at":"2026-01-01T00:00:00Z"}}`} {
		if err := raw.Publish(prefix+".chat.c1", []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case seq := <-got:
		if seq != 7 {
			t.Fatalf("delivered event %d, want 7", seq)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("node b's event never arrived")
	}
	if n := strings.Count(logs.String(), "undecodable"); n != 1 {
		t.Fatalf("%d undecodable warnings, want 1 (node b's):\n%s", n, logs.String())
	}
}

// holdCounter is a hub's Hold for the tests: it counts the holds taken and those still open.
type holdCounter struct {
	mu          sync.Mutex
	taken, open int
}

func (h *holdCounter) Hold() (release func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.taken++
	h.open++
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			h.open--
			h.mu.Unlock()
		})
	}
}

func (h *holdCounter) counts() (taken, open int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.taken, h.open
}

// holdNode is a node whose bus takes h's holds, with its NATS connection.
func holdNode(t *testing.T, prefix, name string, h *holdCounter) (*natsbus.Bus, *nats.Conn) {
	t.Helper()
	nc, err := nats.Connect(natsURL())
	if err != nil {
		t.Skipf("no NATS server at %s: %v", natsURL(), err)
	}
	t.Cleanup(nc.Close)
	b, err := natsbus.New(nc, changes.NewLocal(), natsbus.Options{Node: name, Prefix: prefix, Hold: h.Hold})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b, nc
}

// publishRaw sends n events of node "a" of chat c1 (numbers from first) on its own connection
// and returns once the NATS server has them.
func publishRaw(t *testing.T, prefix string, first, n int) {
	t.Helper()
	raw, err := nats.Connect(natsURL())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for i := first; i < first+n; i++ {
		data := fmt.Sprintf(`{"node":"a","chat":{"chat":"c1","tenant":1,"seq":%d,"type":"message","at":"2026-01-01T00:00:00Z"}}`, i)
		if err := raw.Publish(prefix+".chat.c1", []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.Flush(); err != nil {
		t.Fatal(err)
	}
}

// TestBurstsDeliveredInHolds: the other nodes' events that wait in the subscription are
// delivered inside holds of the hub (so that a connection gets them in one write), at most
// holdBurst (64) a hold, every hold released once none wait; an event alone takes none.
func TestBurstsDeliveredInHolds(t *testing.T) {
	prefix := fmt.Sprintf("parleytest%d", time.Now().UnixNano())
	var h holdCounter
	b, nc := holdNode(t, prefix, "b", &h)
	const n = 300
	unblock := make(chan struct{})
	var (
		mu     sync.Mutex
		seqs   []uint64
		inHold int
	)
	b.SubscribeChats(func(e changes.ChatEvent) {
		if e.Seq == 1 {
			<-unblock // the rest pile up in the subscription meanwhile
		}
		_, open := h.counts()
		mu.Lock()
		seqs = append(seqs, e.Seq)
		if open > 0 && e.Seq > 1 {
			inHold++ // the first may or may not be: others may wait behind it already
		}
		mu.Unlock()
	})
	publishRaw(t, prefix, 1, n)
	// The server sent node b every event before it answers b's ping: all wait in b's
	// subscription behind the first.
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	close(unblock)
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		got := len(seqs)
		mu.Unlock()
		if _, open := h.counts(); got == n && open == 0 {
			break
		}
		if time.Now().After(deadline) {
			taken, open := h.counts()
			t.Fatalf("%d of %d events delivered, %d holds taken, %d still open", got, n, taken, open)
		}
		time.Sleep(5 * time.Millisecond)
	}
	taken, _ := h.counts()
	mu.Lock()
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("event %d delivered as the %d-th", s, i+1)
		}
	}
	// Events 2 to 300 waited behind the first: each in a hold, 64 at most a hold.
	if inHold < n-1 || taken < (n-1+63)/64 || taken > (n-1+63)/64+1 {
		t.Fatalf("%d of %d events delivered in holds, %d holds taken", inHold, n, taken)
	}
	mu.Unlock()

	// A lone event: nothing waits behind it, no hold.
	publishRaw(t, prefix, n+1, 1)
	for {
		mu.Lock()
		got := len(seqs)
		mu.Unlock()
		if got == n+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lone event never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if again, open := h.counts(); again != taken || open != 0 {
		t.Fatalf("a lone event took a hold: %d holds taken (%d before), %d open", again, taken, open)
	}
}

// TestCloseReleasesTheHold: a node closed while it delivers inside a hold releases the hold
// (the events waiting behind go with the subscription), and its handler takes no new one.
func TestCloseReleasesTheHold(t *testing.T) {
	prefix := fmt.Sprintf("parleytest%d", time.Now().UnixNano())
	var h holdCounter
	b, nc := holdNode(t, prefix, "b", &h)
	first, unblock := make(chan struct{}), make(chan struct{})
	b.SubscribeChats(func(e changes.ChatEvent) {
		if e.Seq == 2 {
			close(first)
			<-unblock
		}
	})
	publishRaw(t, prefix, 1, 10)
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first:
	case <-time.After(10 * time.Second):
		t.Fatal("the second event never arrived")
	}
	if taken, open := h.counts(); taken == 0 || open != 1 {
		t.Fatalf("delivering a burst: %d holds taken, %d open; want one open", taken, open)
	}
	b.Close()
	if _, open := h.counts(); open != 0 {
		t.Fatalf("%d holds open after Close", open)
	}
	close(unblock)
	time.Sleep(50 * time.Millisecond) // the handler's return, which must not hold again
	if _, open := h.counts(); open != 0 {
		t.Fatalf("%d holds open after the handler returned", open)
	}
}
