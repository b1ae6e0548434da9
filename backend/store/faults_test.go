package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The tests here break the database connection on purpose, the way a
// network, a failover or an administrator does, and check that the group
// commit neither loses an acknowledged write nor leaves a hole in a chat's
// sequence, nor writes anything twice.

// TestTerminatedConnections kills every connection of the store's database
// with pg_terminate_backend, again and again, while writers commit, through
// the one statement and through the transaction: every write is committed
// once, in order, without holes.
func TestTerminatedConnections(t *testing.T) {
	cfg := postgresConfig(t)
	s := openStore(t, cfg)
	ten := newTenant(t, s, "T")
	const chats = 8
	ids := make([]string, chats)
	for i := range ids {
		ids[i] = newChat(t, s, ten.ID, nil).ID
	}

	admin := openStore(t, Config{DatabaseURL: cfg.DatabaseURL, Logger: testLogger()})
	stop := make(chan struct{})
	var kills atomic.Int64
	go func() {
		defer close(stop)
		// A bounded storm, so that the test ends in seconds; the writers
		// write until it is over.
		for range 25 {
			var n int64
			err := admin.w.Raw("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").Scan(&n).Error
			if err == nil {
				kills.Add(n)
			}
			time.Sleep(40 * time.Millisecond)
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, 1<<16)
	written := make([]int, chats)
	for c := range chats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					written[c] = i
					return
				default:
				}
				done := make(chan struct{})
				w := msgWrite(ids[c], 0, fmt.Sprint(i), fmt.Sprint("c", i))
				if c%2 == 1 {
					// A participant too: these chats' lines go through the transaction and its
					// numbering statement, the others' through the one statement.
					w.Participant = &Participant{ChatID: ids[c], Role: ParticipantAgent, UserID: 1, Name: "A"}
				}
				s.Enqueue(w, func(err error) {
					if err != nil {
						errs <- err
					}
					close(done)
				})
				if i%10 == 0 {
					<-done // keep some writers in lock-step, others streaming
				}
			}
		}()
	}
	wg.Wait()
	// Flush: a last write per chat, committed after everything before it.
	for _, id := range ids {
		if err := s.Commit(ctx, Write{Event: &Event{ChatID: id, Type: "end", AgentsOnly: true}}); err != nil {
			t.Fatal(err)
		}
	}
	close(errs)
	for err := range errs {
		t.Errorf("write failed: %v", err)
	}
	if kills.Load() == 0 || s.CommitStats().Attempts == 0 {
		t.Fatalf("%d connections terminated, %d commits retried: the test tested nothing", kills.Load(), s.CommitStats().Attempts)
	}
	for c, id := range ids {
		checkChat(t, s, id, written[c]+1, written[c])
	}
	t.Logf("%d connections terminated, %d retries, %v writes", kills.Load(), s.CommitStats().Attempts, written)
}

// checkChat checks that a chat has exactly n events numbered 1..n, the
// visitor's numbered 1..visible, and one message per client id.
func checkChat(t *testing.T, s *Store, id string, n, visible int) {
	t.Helper()
	evs := must[[]Event](t)(s.EventsAfter(ctx, id, 0, 0))
	if len(evs) != n {
		t.Fatalf("chat %s: %d events, want %d", id, len(evs), n)
	}
	var vis uint64
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("chat %s: event %d has seq %d", id, i, e.Seq)
		}
		if !e.AgentsOnly {
			vis++
			if e.VisitorSeq != vis {
				t.Fatalf("chat %s: visitor seq %d where %d was due", id, e.VisitorSeq, vis)
			}
		}
	}
	if vis != uint64(visible) {
		t.Fatalf("chat %s: %d visible events, want %d", id, vis, visible)
	}
	c := must[Chat](t)(s.Chat(ctx, id))
	if c.LastSeq != uint64(n) || c.LastVisitorSeq != uint64(visible) {
		t.Fatalf("chat %s: counters %d/%d, want %d/%d", id, c.LastSeq, c.LastVisitorSeq, n, visible)
	}
	msgs := must[[]Message](t)(s.Messages(ctx, id, 0))
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.ClientID] {
			t.Fatalf("chat %s: message %q stored twice", id, m.ClientID)
		}
		seen[m.ClientID] = true
	}
}

// TestCommitOutcomeUnknown breaks the connection right after the database
// received COMMIT, before its answer: the store must find out that the
// transaction landed and neither fail the writes nor write them again.
func TestCommitOutcomeUnknown(t *testing.T) {
	cfg := postgresConfig(t)
	p := newPGProxy(t, cfg.DatabaseURL)
	s := openStore(t, Config{DatabaseURL: p.url, Logger: testLogger()})
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	for i := range 5 {
		p.dropAfterCommit.Store(true)
		w := msgWrite(c.ID, 0, fmt.Sprint("m", i), fmt.Sprint("c", i))
		// A participant too, so that the write takes a transaction (a chat's messages alone
		// are one statement: TestOneStatementOutcomeUnknown).
		w.Participant = &Participant{ChatID: c.ID, Role: "agent", UserID: int64(i + 1), Name: "A"}
		if err := s.Commit(ctx, w); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
		if p.dropAfterCommit.Load() {
			t.Fatal("the proxy saw no COMMIT")
		}
		if w.Event.Seq != uint64(i+1) {
			t.Fatalf("write %d numbered %d", i, w.Event.Seq)
		}
	}
	checkChat(t, s, c.ID, 5, 5)
	if s.CommitStats().Attempts != 0 {
		t.Fatalf("writes that landed were tried again: %+v", s.CommitStats())
	}
}

// TestShutdownWhileDatabaseAway: with the database unreachable, writes are
// retried, and a shutdown with a deadline gives them up in time with
// ErrClosed instead of hanging.
func TestShutdownWhileDatabaseAway(t *testing.T) {
	cfg := postgresConfig(t)
	p := newPGProxy(t, cfg.DatabaseURL)
	s, err := Open(ctx, Config{DatabaseURL: p.url, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ten, err := s.CreateTenant(ctx, Tenant{Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	c := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "queued"}
	if err := s.Commit(ctx, Write{Chat: &c}); err != nil {
		t.Fatal(err)
	}
	p.setDown(true)
	result := make(chan error, 1)
	s.Enqueue(msgWrite(c.ID, 0, "lost?", "x"), func(err error) { result <- err })
	deadline := time.Now().Add(10 * time.Second)
	for s.CommitStats().Attempts < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the write was not retried")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-result:
		t.Fatalf("write finished while the database was away: %v", err)
	default:
	}
	sctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = s.Shutdown(sctx)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("shutdown took %v with a 500ms deadline", took)
	}
	if err := <-result; !errors.Is(err, ErrClosed) {
		t.Fatalf("given-up write got %v, want ErrClosed", err)
	}
}

// TestDatabaseComesBack: writes made while the database is away are
// committed, in order and without holes, once it is back.
func TestDatabaseComesBack(t *testing.T) {
	cfg := postgresConfig(t)
	p := newPGProxy(t, cfg.DatabaseURL)
	s := openStore(t, Config{DatabaseURL: p.url, Logger: testLogger()})
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	p.setDown(true)
	const n = 50
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		s.Enqueue(msgWrite(c.ID, 0, fmt.Sprint(i), fmt.Sprint("c", i)), func(err error) {
			if err != nil {
				t.Error(err)
			}
			wg.Done()
		})
	}
	time.Sleep(300 * time.Millisecond)
	p.setDown(false)
	wg.Wait()
	checkChat(t, s, c.ID, n, n)
	msgs := must[[]Message](t)(s.Messages(ctx, c.ID, 0))
	for i, m := range msgs {
		if m.Text != fmt.Sprint(i) {
			t.Fatalf("message %d is %q: out of order", i, m.Text)
		}
	}
}

// pgProxy stands between the store and PostgreSQL so that tests can break
// the connection: take the database away (existing connections cut, new ones
// refused) or cut a connection right after it carried a COMMIT, or right
// before or after it carried given bytes (a statement's parameter).
type pgProxy struct {
	url             string
	target          string
	ln              net.Listener
	down            atomic.Bool
	dropAfterCommit atomic.Bool
	// cutAt, when set, cuts the next connection to carry its bytes: after
	// forwarding them when cutAfter is set, before otherwise.
	cutAt    atomic.Pointer[[]byte]
	cutAfter atomic.Bool

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func newPGProxy(t *testing.T, dbURL string) *pgProxy {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{target: u.Host, ln: ln, conns: map[net.Conn]struct{}{}}
	u.Host = ln.Addr().String()
	p.url = u.String()
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.cutAll()
		p.wg.Wait()
	})
	return p
}

func (p *pgProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		if !p.track(c, up) {
			continue
		}
		p.wg.Add(2)
		held := new(atomic.Bool) // the server's answers are dropped
		go func() {
			defer p.wg.Done()
			p.pipeUp(c, up, held)
		}()
		go func() {
			defer p.wg.Done()
			defer func() { _ = c.Close(); _ = up.Close() }()
			buf := make([]byte, 64<<10)
			for {
				n, err := up.Read(buf)
				if n > 0 && !held.Load() {
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// pipeUp copies client bytes to the server; after a COMMIT when armed, it
// waits for the server to apply it and cuts both sides before the answer.
func (p *pgProxy) pipeUp(c, up net.Conn, held *atomic.Bool) {
	defer func() { _ = c.Close(); _ = up.Close() }()
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			commit := bytes.Contains(bytes.ToLower(chunk), []byte("commit\x00"))
			if commit && p.dropAfterCommit.CompareAndSwap(true, false) {
				// Hold the server's answer back: stop the other direction
				// by closing the client side first, then forward COMMIT.
				_ = c.Close()
				_, _ = up.Write(chunk)
				time.Sleep(100 * time.Millisecond)
				return
			}
			if at := p.cutAt.Load(); at != nil && bytes.Contains(chunk, *at) && p.cutAt.CompareAndSwap(at, nil) {
				if p.cutAfter.Load() {
					// The server gets the bytes and answers; the answer is dropped.
					held.Store(true)
					_, _ = up.Write(chunk)
					time.Sleep(100 * time.Millisecond)
				}
				return
			}
			if _, err := up.Write(chunk); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// track keeps a new connection's two sides for cutAll. It closes them and
// reports false when the database went away since the connection was
// accepted: setDown's cut must not miss a connection dialled meanwhile.
func (p *pgProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down.Load() {
		for _, c := range cs {
			_ = c.Close()
		}
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *pgProxy) cutAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

// setDown takes the database away (cutting every connection and refusing
// new ones) or brings it back.
func (p *pgProxy) setDown(down bool) {
	p.mu.Lock()
	p.down.Store(down)
	p.mu.Unlock()
	if down {
		p.cutAll()
	}
}
