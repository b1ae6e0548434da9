package store

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestEnqueueBackpressure stalls the committer in a callback, fills the
// queue, and checks that the next Enqueue blocks instead of dropping, and
// that everything is committed once the committer moves again.
func TestEnqueueBackpressure(t *testing.T) {
	s := openStore(t, sqliteConfig(t))
	release := make(chan struct{})
	var done atomic.Int64
	s.Enqueue(Write{}, func(err error) {
		<-release // hold the committer
		done.Add(1)
	})
	// Let the committer take the first unit and block in its callback.
	deadline := time.Now().Add(5 * time.Second)
	for len(s.gc.queue) != 0 || s.CommitStats().Batches == 0 {
		if time.Now().After(deadline) {
			t.Fatal("committer did not pick up the first write")
		}
		time.Sleep(time.Millisecond)
	}
	count := func(err error) {
		if err != nil {
			t.Error(err)
		}
		done.Add(1)
	}
	for range queueCapacity {
		s.Enqueue(Write{}, count)
	}
	blocked := make(chan struct{})
	go func() {
		s.Enqueue(Write{}, count)
		close(blocked)
	}()
	select {
	case <-blocked:
		t.Fatal("Enqueue on a full queue returned")
	case <-time.After(50 * time.Millisecond):
	}
	if q := s.CommitStats().Queued; q != queueCapacity {
		t.Fatalf("queued = %d, want %d", q, queueCapacity)
	}
	close(release)
	<-blocked
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := done.Load(), int64(queueCapacity+2); got != want {
		t.Fatalf("%d callbacks, want %d", got, want)
	}
}

// TestLogsHoldNoValues checks that logged SQL carries placeholders, never
// the bound values (password hashes, tokens, message text).
func TestLogsHoldNoValues(t *testing.T) {
	var buf syncBuffer
	cfg := sqliteConfig(t)
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := openStore(t, cfg)
	ten := newTenant(t, s, "T")
	u := User{TenantID: ten.ID, Login: "a@x", Role: RoleAgent, PasswordHash: "SECRET-HASH-1"}
	if _, err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = "SECRET-HASH-2"
	if _, err := s.CreateUser(ctx, u); !errors.Is(err, ErrConflict) {
		t.Fatalf("err = %v", err)
	}
	if err := s.Commit(ctx, msgWrite("no-such-chat", 1, "SECRET-TEXT", "")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	out := buf.String()
	if !strings.Contains(out, "query failed") {
		t.Fatalf("failed query not logged at debug:\n%s", out)
	}
	if strings.Contains(out, "SECRET") {
		t.Fatalf("log contains a bound value:\n%s", out)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
