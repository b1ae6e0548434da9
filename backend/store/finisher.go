package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"os"
	"slices"
	"sync/atomic"

	"gorm.io/gorm"
)

// The committer hands each committed batch to a finisher, which tells the world of it (the
// events published to the connections that show them, the writers' callbacks) on a goroutine
// of its own, in commit order, while the committer already writes the next batch. Telling is
// work of its own: a batch of 100 messages is 200 and more frames written to sockets, which,
// done by the committer between two transactions, kept the database waiting for it — on
// PostgreSQL, two fifths of the server's CPU at saturation was the committer's delivering.
//
// On SQLite a commit is durable once its frames of the write-ahead log are on disk. With
// synchronous=FULL, SQLite waits for that fsync inside COMMIT, and the group committer could
// not begin the next transaction until the disk had answered: at a moderate rate, where
// nearly every message is a commit of its own, the fsync was a third of the time a commit
// held the single writer. The committer therefore commits with synchronous=NORMAL (the frames
// are written, not synced), and the finisher fsyncs the log before it finishes the batches
// committed by then. One fsync covers every commit made before it, so under load the syncs
// gather like the commits. What the store acknowledges is on disk, as before; a reader of the
// database may see a commit a fraction of a millisecond before it is (only a power cut in that
// moment would take it back). PostgreSQL's COMMIT returns once the commit is durable: there
// the finisher has no log to sync.
//
// Every other write on the SQLite writer connection keeps synchronous=FULL: the committer
// sets NORMAL for its own transaction on the connection it holds, and sets FULL back before
// releasing it (a connection that cannot be set back is discarded).

// finishQueue is how many committed batches may wait for the finisher before the committer
// waits for it: enough for the committer to write the next batches during a slow fsync or
// delivery, few enough that what is committed and not yet acknowledged stays within a few
// batches (the queue's high-water mark bounds the rest).
const finishQueue = 4

// synced is a committed batch on its way to its callbacks: what to publish and whom to tell.
type synced struct {
	batch []commitItem
	errs  []error
	res   []*applied // the transactions that landed: on disk before anyone hears of them
}

// finisher finishes the committer's batches on its own goroutine, on SQLite after an fsync of
// the write-ahead log (see above).
type finisher struct {
	c    *committer
	path string   // the SQLite log's file; "" on PostgreSQL, which has none to sync
	f    *os.File // the log, opened at the first sync; reopened when SQLite made a new one
	in   chan synced
	done chan struct{}

	// syncs counts the fsyncs made, batches the batches they covered.
	syncs, batches atomic.Uint64
	// beforeSync, when set (by a test, before the first commit), runs before each fsync.
	beforeSync func()
}

// newFinisher starts a finisher; log is the SQLite log's file to sync, or "".
func newFinisher(c *committer, log string) *finisher {
	fin := &finisher{c: c, path: log, in: make(chan synced, finishQueue), done: make(chan struct{})}
	go fin.run()
	return fin
}

func (fin *finisher) run() {
	defer close(fin.done)
	defer func() {
		if fin.f != nil {
			_ = fin.f.Close()
		}
	}()
	var pending []synced
	for b := range fin.in {
		pending = append(pending[:0], b)
		// Everything committed by now shares the fsync (on SQLite).
	gather:
		for {
			select {
			case more, ok := <-fin.in:
				if !ok {
					break gather
				}
				pending = append(pending, more)
			default:
				break gather
			}
		}
		var serr error
		if fin.path != "" && slices.ContainsFunc(pending, func(p synced) bool { return len(p.res) > 0 }) {
			if fin.beforeSync != nil {
				fin.beforeSync()
			}
			serr = fin.sync()
			fin.syncs.Add(1)
		}
		release := func() {}
		if fin.c.s.hold != nil {
			release = fin.c.s.hold()
		}
		for _, p := range pending {
			fin.batches.Add(1)
			if serr != nil && len(p.res) > 0 {
				fin.c.log.Error("store: the write-ahead log could not be synced; the batch's writers are told it failed", "err", serr)
				for i := range p.errs {
					if p.errs[i] == nil {
						p.errs[i] = wrap("commit", fmt.Errorf("sync the write-ahead log: %w", serr))
					}
				}
				p.res = nil
			}
			fin.c.finish(p)
		}
		release()
		clear(pending)
	}
}

// sync makes the log durable, reopening it when SQLite replaced the file.
func (fin *finisher) sync() error {
	if fin.f != nil {
		st, err := os.Stat(fin.path)
		cur, ferr := fin.f.Stat()
		if err != nil || ferr != nil || !os.SameFile(st, cur) {
			_ = fin.f.Close()
			fin.f = nil
		}
	}
	if fin.f == nil {
		f, err := os.OpenFile(fin.path, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		fin.f = f
	}
	return syncData(fin.f)
}

// close waits until every batch handed over is finished; the committer has stopped sending.
func (fin *finisher) close() {
	close(fin.in)
	<-fin.done
}

// syncsWAL says the committer leaves the write-ahead log's fsync to the finisher: on SQLite.
func (s *Store) syncsWAL() bool { return s.sqlitePath != "" }

// relaxedTx begins the committer's transaction on SQLite with synchronous=NORMAL on the
// connection it holds; end must be called once the transaction has ended, and sets FULL
// back (or discards the connection when it cannot).
func (s *Store) relaxedTx(ctx context.Context) (tx *gorm.DB, end func(), err error) {
	sqlDB, err := s.w.DB()
	if err != nil {
		return nil, nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	end = func() {
		if _, err := conn.ExecContext(context.Background(), "PRAGMA synchronous = FULL"); err != nil {
			s.log.Warn("store: the writer connection could not be set back to synchronous=FULL; it is replaced", "err", err)
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}
	db := s.w.WithContext(ctx)
	db.Statement.ConnPool = conn
	tx = db.Begin()
	if tx.Error != nil {
		end()
		return nil, nil, tx.Error
	}
	return tx, end, nil
}
