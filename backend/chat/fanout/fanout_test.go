package fanout_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/chat/fanout"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// conn is a connection with a small bounded queue that a test reads at its own pace.
type conn struct {
	out       chan []byte
	done      chan struct{}
	closeOnce sync.Once
	code      atomic.Int64

	mu        sync.Mutex
	transient map[string][]byte
}

func newConn(queue int) *conn {
	return &conn{out: make(chan []byte, queue), done: make(chan struct{}), transient: map[string][]byte{}}
}

func (c *conn) TrySend(f []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	select {
	case c.out <- f:
		return true
	default:
		return false
	}
}

func (c *conn) SendWait(ctx context.Context, f []byte) error {
	select {
	case c.out <- f:
		return nil
	case <-c.done:
		return io.EOF
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *conn) SendTransient(key string, f []byte) {
	c.mu.Lock()
	c.transient[key] = f
	c.mu.Unlock()
}

func (c *conn) Close(code protocol.CloseCode, _ string) {
	c.closeOnce.Do(func() { c.code.Store(int64(code)); close(c.done) })
}

func (c *conn) Done() <-chan struct{} { return c.done }

// read takes the next frame as an event.
func (c *conn) read(t *testing.T) protocol.Event {
	t.Helper()
	select {
	case f := <-c.out:
		ev, err := protocol.DecodeEvent(f)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no frame")
		return protocol.Event{}
	}
}

// env is a real SQLite store with one chat, the hub fed by the store's commits.
type env struct {
	st   *store.Store
	hist *countingHistory
	hub  *fanout.Hub
	chat string
}

// countingHistory is the real store, counting the hub's history reads.
type countingHistory struct {
	*store.Store
	reads atomic.Int64
}

func (h *countingHistory) EventsAfter(ctx context.Context, chatID string, afterSeq uint64, limit int) ([]store.Event, error) {
	h.reads.Add(1)
	return h.Store.EventsAfter(ctx, chatID, afterSeq, limit)
}

func (h *countingHistory) VisitorEventsAfter(ctx context.Context, chatID string, afterSeq uint64, limit int) ([]store.Event, error) {
	h.reads.Add(1)
	return h.Store.VisitorEventsAfter(ctx, chatID, afterSeq, limit)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	bus := changes.NewLocal()
	st, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir(), Changes: bus, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hist := &countingHistory{Store: st}
	hub := fanout.New(hist, slog.New(slog.NewTextHandler(io.Discard, nil)))
	cancel := bus.SubscribeChats(hub.Publish)
	t.Cleanup(func() {
		cancel()
		hub.Close()
		_ = st.Close()
		bus.Close()
	})
	ctx := context.Background()
	ten, err := st.CreateTenant(ctx, store.Tenant{Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	c := store.Chat{ID: store.NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "active"}
	if err := st.Commit(ctx, store.Write{Chat: &c}); err != nil {
		t.Fatal(err)
	}
	return &env{st: st, hist: hist, hub: hub, chat: c.ID}
}

// write commits n messages numbered from `from`; every third is agents-only when hidden.
func (e *env) write(t *testing.T, from, n int, hidden bool) {
	t.Helper()
	ws := make([]store.Write, 0, n)
	for i := from; i < from+n; i++ {
		data, _ := json.Marshal(protocol.Message{Role: protocol.RoleVisitor, Text: fmt.Sprint(i)})
		ws = append(ws, store.Write{Event: &store.Event{ChatID: e.chat, Type: string(protocol.TypeMessage), Data: data, AgentsOnly: hidden && i%3 == 0}})
	}
	for len(ws) > 0 {
		k := min(len(ws), 500)
		if err := e.st.Commit(context.Background(), ws[:k]...); err != nil {
			t.Fatal(err)
		}
		ws = ws[k:]
	}
}

// expect reads messages until text `upto`, checking that the sequence numbers have no gap and
// no repeat and that the texts come in order, skipping hidden ones for the visitor.
func expect(t *testing.T, c *conn, aud fanout.Audience, from, upto int, lastSeq uint64) uint64 {
	t.Helper()
	for next := from; next <= upto; next++ {
		if aud == fanout.Visitor && next%3 == 0 {
			continue // agents only
		}
		ev := c.read(t)
		if ev.Seq != lastSeq+1 {
			t.Fatalf("seq %d after %d", ev.Seq, lastSeq)
		}
		lastSeq = ev.Seq
		if m := ev.Body.(*protocol.Message); m.Text != fmt.Sprint(next) {
			t.Fatalf("message %q, want %d", m.Text, next)
		}
	}
	return lastSeq
}

// A resume of a chat of 10,000 events goes at the client's pace, through a queue of 8, and
// live events follow without a gap or a repeat.
func TestLongReplayThenLive(t *testing.T) {
	e := newEnv(t)
	e.write(t, 0, 10000, false)
	c := newConn(8)
	done := make(chan uint64)
	go func() {
		_, last, err := e.hub.Subscribe(context.Background(), e.chat, c, fanout.Agents, 0, nil)
		if err != nil {
			t.Error(err)
		}
		done <- last
	}()
	last := expect(t, c, fanout.Agents, 0, 9999, 0)
	if got := <-done; got != 10000 || last != 10000 {
		t.Fatalf("subscribe returned %d, read up to %d", got, last)
	}
	e.write(t, 10000, 10, false)
	expect(t, c, fanout.Agents, 10000, 10009, last)
}

// The visitor follows their own numbering, without the agents-only events.
func TestVisitorAudience(t *testing.T) {
	e := newEnv(t)
	e.write(t, 1, 30, true)
	c := newConn(64)
	_, last, err := e.hub.Subscribe(context.Background(), e.chat, c, fanout.Visitor, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if last != 20 { // 30 events, 10 hidden
		t.Fatalf("last %d", last)
	}
	expect(t, c, fanout.Visitor, 1, 30, 0)
	e.write(t, 31, 6, true)
	expect(t, c, fanout.Visitor, 31, 36, 20)
	// A resume from the middle.
	c2 := newConn(64)
	if _, _, err := e.hub.Subscribe(context.Background(), e.chat, c2, fanout.Visitor, 10, nil); err != nil {
		t.Fatal(err)
	}
	ev := c2.read(t)
	if ev.Seq != 11 || ev.Body.(*protocol.Message).Text != "16" {
		t.Fatalf("resume from 10 starts with %d %+v", ev.Seq, ev.Body)
	}
}

// A live subscriber whose queue fills while events stream in falls back to the store and
// catches up: every event arrives once, in order, and the connection stays open.
func TestFullQueueFallsBackToHistory(t *testing.T) {
	e := newEnv(t)
	c := newConn(4)
	if _, _, err := e.hub.Subscribe(context.Background(), e.chat, c, fanout.Agents, 0, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 40 {
			e.write(t, i*50, 50, false)
		}
	}()
	last := expect(t, c, fanout.Agents, 0, 1999, 0)
	wg.Wait()
	if last != 2000 {
		t.Fatalf("last %d", last)
	}
	select {
	case <-c.done:
		t.Fatal("a reading client was cut off")
	default:
	}
	e.write(t, 2000, 3, false)
	expect(t, c, fanout.Agents, 2000, 2002, last)
}

// A reconnect storm: many visitors, whose agents follow their chats and wrote while they were
// away, resume at once while the writer is busy with other chats. Every one gets exactly what
// it missed, and from memory: on SQLite a history read per resume queued for seconds on the
// few read connections and resumes timed out.
func TestStormResumesFromMemory(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ten, err := e.st.CreateTenant(ctx, store.Tenant{Name: "Storm"})
	if err != nil {
		t.Fatal(err)
	}
	const chats = 500
	ids := make([]string, chats)
	var ws []store.Write
	for i := range ids {
		c := store.Chat{ID: store.NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "active"}
		ids[i] = c.ID
		ws = append(ws, store.Write{Chat: &c})
	}
	if err := e.st.Commit(ctx, ws...); err != nil {
		t.Fatal(err)
	}
	message := func(chat string, i int, hidden bool) store.Write {
		data, _ := json.Marshal(protocol.Message{Role: protocol.RoleAgent, Text: fmt.Sprint(i)})
		return store.Write{Event: &store.Event{ChatID: chat, Type: string(protocol.TypeMessage), Data: data, AgentsOnly: hidden}}
	}
	agents := make([]*conn, chats)
	for i, id := range ids {
		agents[i] = newConn(64)
		if _, _, err := e.hub.Subscribe(ctx, id, agents[i], fanout.Agents, 0, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Before the drop each visitor had seen message 0; then came a note and two messages.
	ws = ws[:0]
	for _, id := range ids {
		ws = append(ws, message(id, 0, false), message(id, 1, true), message(id, 2, false), message(id, 3, false))
	}
	if err := e.st.Commit(ctx, ws...); err != nil {
		t.Fatal(err)
	}
	before := e.hist.reads.Load()

	busy, stop := make(chan struct{}), make(chan struct{})
	go func() { // the writer keeps committing into another chat meanwhile
		defer close(busy)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := e.st.Commit(ctx, message(e.chat, i, false)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			c := newConn(8)
			_, last, err := e.hub.Subscribe(ctx, id, c, fanout.Visitor, 1, nil)
			if err != nil {
				t.Errorf("resume of %s: %v", id, err)
				return
			}
			for _, want := range []struct {
				seq  uint64
				text string
			}{{2, "2"}, {3, "3"}} {
				ev := c.read(t)
				if m, _ := ev.Body.(*protocol.Message); ev.Seq != want.seq || m == nil || m.Text != want.text {
					t.Errorf("chat %s: got %d %+v, want %d %q", id, ev.Seq, ev.Body, want.seq, want.text)
				}
			}
			if last != 3 {
				t.Errorf("chat %s: resumed up to %d, want 3", id, last)
			}
		})
	}
	wg.Wait()
	close(stop)
	<-busy
	if n := e.hist.reads.Load() - before; n != 0 {
		t.Fatalf("%d resumes read the store %d times; their events were in memory", chats, n)
	}
}

// A resume from before what a chat keeps in memory reads the store, and gets every event once,
// in order, for the visitor (whose numbering skips agents-only events) and for agents.
func TestResumeOlderThanTheTail(t *testing.T) {
	e := newEnv(t)
	agent := newConn(128)
	if _, _, err := e.hub.Subscribe(context.Background(), e.chat, agent, fanout.Agents, 0, nil); err != nil {
		t.Fatal(err)
	}
	e.write(t, 1, 60, true) // 60 events, 20 of them agents-only: more than the tail holds
	expect(t, agent, fanout.Agents, 1, 60, 0)
	for _, after := range []uint64{0, 5, 20, 25, 30, 39, 40} {
		before := e.hist.reads.Load()
		c := newConn(64)
		sub, last, err := e.hub.Subscribe(context.Background(), e.chat, c, fanout.Visitor, after, nil)
		if err != nil {
			t.Fatal(err)
		}
		if last != 40 {
			t.Fatalf("resume after %d ended at %d", after, last)
		}
		// The visitor's events after `after`: skip the first `after` visible texts.
		from, seen := 1, uint64(0)
		for ; seen < after; from++ {
			if from%3 != 0 {
				seen++
			}
		}
		expect(t, c, fanout.Visitor, from, 60, after)
		if reads := e.hist.reads.Load() - before; after >= 35 && reads != 0 {
			t.Fatalf("resume after %d read the store %d times; the tail holds it", after, reads)
		} else if after < 20 && reads == 0 {
			t.Fatalf("resume after %d did not read the store", after)
		}
		sub.Close()
	}
}

// Catching up stops with the connection and with the hub: nothing keeps running for a client
// that left (goleak checks the goroutines).
func TestCatchUpStopsWithTheConnection(t *testing.T) {
	e := newEnv(t)
	e.write(t, 0, 2000, false)
	c := newConn(2)
	errc := make(chan error)
	go func() {
		_, _, err := e.hub.Subscribe(context.Background(), e.chat, c, fanout.Agents, 0, nil)
		errc <- err
	}()
	c.read(t)
	c.Close(protocol.CloseStale, "gone")
	if err := <-errc; err == nil {
		t.Fatal("subscribe succeeded for a connection that closed")
	}
	if n := len(e.hub.Subs(e.chat)); n != 0 {
		t.Fatalf("%d subscriptions left", n)
	}
	// A live one falls back, then its connection goes: the goroutine ends.
	c2 := newConn(1)
	if _, _, err := e.hub.Subscribe(context.Background(), e.chat, c2, fanout.Agents, 2000, nil); err != nil {
		t.Fatal(err)
	}
	e.write(t, 2000, 10, false) // the second one finds the queue full
	c2.Close(protocol.CloseStale, "gone")
}

// Transient events reach only the subscribers chosen, keyed per chat.
func TestTransient(t *testing.T) {
	e := newEnv(t)
	agent, visitor := newConn(4), newConn(4)
	if _, _, err := e.hub.Subscribe(context.Background(), e.chat, agent, fanout.Agents, 0, "agent"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.hub.Subscribe(context.Background(), e.chat, visitor, fanout.Visitor, 0, "visitor"); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		e.hub.Transient(e.chat, "typing/visitor", &protocol.TypingEvent{Role: protocol.RoleVisitor, On: i%2 == 0}, func(s *fanout.Sub) bool { return s.Tag() == "agent" })
	}
	if len(agent.transient) != 1 || len(visitor.transient) != 0 {
		t.Fatalf("transient: agent %v, visitor %v", agent.transient, visitor.transient)
	}
	ev, err := protocol.DecodeEvent(agent.transient[e.chat+"|typing/visitor"])
	if err != nil || ev.Body.(*protocol.TypingEvent).On {
		t.Fatalf("latest typing %+v %v", ev, err)
	}
}
