package store

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/changes"
)

// TestAcknowledgedAfterTheLogIsSynced holds the write-ahead log's fsync: the commit is made,
// but its writer hears of it, and its event is numbered and published, only once the log is
// on disk; meanwhile the committer goes on committing.
func TestAcknowledgedAfterTheLogIsSynced(t *testing.T) {
	s := openStore(t, sqliteConfig(t))
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	release := make(chan struct{})
	held := make(chan struct{}, 16)
	s.gc.fin.beforeSync = func() {
		held <- struct{}{}
		<-release
	}
	acked := make(chan error, 2)
	w := msgWrite(c.ID, 0, "a", "m1")
	s.Enqueue(w, func(err error) { acked <- err })
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the commit was not handed to the log's fsync")
	}
	b0 := s.CommitStats().Batches
	// The transaction has committed: a reader sees it, the writer has not heard of it.
	var n int64
	if err := s.r.Table("chat_events").Where("chat_id = ?", c.ID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("the event is not in the database while its fsync is held")
	}
	// The committer is free: a second write commits while the first waits for the disk.
	w2 := msgWrite(c.ID, 0, "b", "m2")
	s.Enqueue(w2, func(err error) { acked <- err })
	deadline := time.Now().Add(10 * time.Second)
	for s.CommitStats().Batches <= b0 {
		if time.Now().After(deadline) {
			t.Fatal("the committer waited for the first write's fsync")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-acked:
		t.Fatalf("a write was acknowledged (%v) before the log was on disk", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	for range 2 {
		if err := <-acked; err != nil {
			t.Fatal(err)
		}
	}
	if w.Event.Seq != 1 || w2.Event.Seq != 2 {
		t.Fatalf("events numbered %d, %d; want 1, 2", w.Event.Seq, w2.Event.Seq)
	}
	if s.gc.fin.syncs.Load() == 0 {
		t.Fatal("no fsync was counted")
	}
}

// TestWriterStaysFullySynchronous: the committer relaxes synchronous only for its own
// transactions; every other write on the writer connection (settings, imports, the linker)
// still waits for the disk inside its COMMIT.
func TestWriterStaysFullySynchronous(t *testing.T) {
	s := openStore(t, sqliteConfig(t))
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	for i := range 3 {
		if err := s.Commit(ctx, msgWrite(c.ID, 0, "a", string(rune('x'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	var level int
	if err := s.w.Raw("PRAGMA synchronous").Scan(&level).Error; err != nil {
		t.Fatal(err)
	}
	if level != 2 {
		t.Fatalf("the writer connection's synchronous = %d after the committer's commits; want 2 (FULL)", level)
	}
}

// TestWALCheckpointedInBackground: the writer leaves checkpoints to the checkpointer (its
// own threshold is the safety bound), which copies the log back after commits.
func TestWALCheckpointedInBackground(t *testing.T) {
	s := openStore(t, sqliteConfig(t))
	var pages int
	if err := s.w.Raw("PRAGMA wal_autocheckpoint").Scan(&pages).Error; err != nil {
		t.Fatal(err)
	}
	if pages != walSafetyPages {
		t.Fatalf("the writer's wal_autocheckpoint = %d; want %d", pages, walSafetyPages)
	}
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	runs := s.ckpt.runs.Load()
	for i := range 20 {
		if err := s.Commit(ctx, msgWrite(c.ID, 0, "a", string(rune('a'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.ckpt.runs.Load() == runs || s.ckpt.copied.Load() < s.ckpt.logFrames.Load() || s.ckpt.logFrames.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no complete checkpoint after the commits: runs %d, log %d, copied %d", s.ckpt.runs.Load(), s.ckpt.logFrames.Load(), s.ckpt.copied.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWALSyncReopensReplacedLog: when the log's file is a new one (SQLite deletes the log
// when its last connection closes and makes a new one), the syncer fsyncs the new file, not
// the one it opened first.
func TestWALSyncReopensReplacedLog(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	if err := os.WriteFile(db+"-wal", []byte("first"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := &finisher{path: db + "-wal"}
	defer func() { _ = w.f.Close() }()
	if err := w.sync(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(db + "-wal"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db+"-wal", []byte("second"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := w.sync(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(db + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := w.f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(st, cur) {
		t.Fatal("the syncer kept the replaced log's file")
	}
	if err := os.Remove(db + "-wal"); err != nil {
		t.Fatal(err)
	}
	if err := w.sync(); err == nil {
		t.Fatal("a missing log synced without an error")
	}
}

// TestLogSyncFailureFailsTheWriters: when the log cannot be synced, no writer of the batches
// it covered hears of success and nothing is published; the committer goes on.
func TestLogSyncFailureFailsTheWriters(t *testing.T) {
	s := openStore(t, sqliteConfig(t))
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	s.gc.fin.path = filepath.Join(t.TempDir(), "missing-wal") // set before the commit below
	var published atomic.Int64
	s.pub = publisherFunc(func(changes.ChatEvent) { published.Add(1) })
	for i := range 3 {
		err := s.Commit(ctx, msgWrite(c.ID, 0, "a", string(rune('x'+i))))
		if err == nil || !strings.Contains(err.Error(), "sync the write-ahead log") {
			t.Fatalf("commit %d with a log that cannot be synced = %v", i, err)
		}
	}
	if n := published.Load(); n != 0 {
		t.Fatalf("%d events published from batches whose log was not synced", n)
	}
	if s.gc.fin.syncs.Load() == 0 {
		t.Fatal("no fsync was attempted")
	}
}

// TestFinishedDuringAHold: the finisher tells the world of a batch (its events published,
// its writers' callbacks called) between Config.Hold and its release, so that the server
// writes each connection's frames of the batch at once; and while a batch is being told of,
// the committer already commits the next, on PostgreSQL as on SQLite.
func TestFinishedDuringAHold(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			var held atomic.Int32
			var outside atomic.Int32 // publishes and callbacks made while nothing held
			cfg := b.newConfig(t)
			cfg.Hold = func() func() {
				held.Add(1)
				return func() { held.Add(-1) }
			}
			cfg.Changes = publisherFunc(func(changes.ChatEvent) {
				if held.Load() == 0 {
					outside.Add(1)
				}
			})
			s := openStore(t, cfg)
			ten := newTenant(t, s, "T")
			c1 := newChat(t, s, ten.ID, nil)
			c2 := newChat(t, s, ten.ID, nil)

			release, started := make(chan struct{}), make(chan struct{})
			first := make(chan error, 1)
			s.Enqueue(msgWrite(c1.ID, 0, "one", "m1"), func(err error) {
				if held.Load() == 0 {
					outside.Add(1)
				}
				close(started)
				<-release // the finisher is busy telling of the first batch
				first <- err
			})
			<-started
			// A second write, in a batch of its own, is committed meanwhile: a reader sees its
			// message.
			s.Enqueue(msgWrite(c2.ID, 0, "two", "m2"), func(error) {})
			deadline := time.Now().Add(10 * time.Second)
			for {
				var n int64
				if err := s.r.Model(&messageRow{}).Where("chat_id = ?", c2.ID).Count(&n).Error; err != nil {
					t.Fatal(err)
				}
				if n == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the next batch was not committed while the first was being told of")
				}
				time.Sleep(5 * time.Millisecond)
			}
			close(release)
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			if err := s.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if n := outside.Load(); n != 0 {
				t.Fatalf("%d events published or callbacks called outside a hold", n)
			}
			// The Sync's own callback runs inside a hold, which its release ends a moment
			// later: closing the store waits until the finisher has finished everything.
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if n := held.Load(); n != 0 {
				t.Fatalf("%d holds left unreleased", n)
			}
		})
	}
}
