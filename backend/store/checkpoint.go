package store

import (
	"context"
	"database/sql"
	"log/slog"
	"sync/atomic"
	"time"
)

// SQLite keeps committed pages in its write-ahead log until a checkpoint copies them back
// into the database file. Left to SQLite, the commit that grows the log past a threshold runs
// that checkpoint itself: every few dozen commits one of them also copies thousands of pages
// and waits for the database file's fsync, and the messages it carries are the slowest
// acknowledged. The store runs checkpoints on a goroutine and a connection of their own
// instead, shortly after commits, so the writer only appends to the log. The writer keeps
// SQLite's own checkpoint at a much higher threshold, a bound on the log should this goroutine
// fall behind (a reader holding an old snapshot for long, say).
const (
	// walSafetyPages is the writer's wal_autocheckpoint: the log's size in pages past which
	// a commit checkpoints by itself (64 MiB of 4 KiB pages).
	walSafetyPages = 16384
	// checkpointDelay is how long the checkpointer lets commits gather after the first one
	// it hears of before copying them back: long enough that a page changed by many commits
	// (a chat's counters, the indexes' inner pages) is copied once, short enough that the log
	// stays ~10 MB at full load. At 50 ms the checkpoints cost up to a tenth of the server's
	// CPU at full load, writing the same pages again and again.
	checkpointDelay = time.Second
)

// checkpointer copies an SQLite database's write-ahead log back into the database file
// (PRAGMA wal_checkpoint(PASSIVE), which never waits for the writer or the readers) after
// commits, on its own connection.
type checkpointer struct {
	db   *sql.DB
	log  *slog.Logger
	wake chan struct{} // capacity 1: "a commit landed"
	stop chan struct{}
	done chan struct{}

	// runs counts the checkpoints made; logFrames and copied are the last one's figures: the
	// frames in the log, and how many of them are in the database file.
	runs, logFrames, copied atomic.Int64
}

// startCheckpointer starts checkpointing the database db is a connection to.
func startCheckpointer(db *sql.DB, log *slog.Logger) *checkpointer {
	c := &checkpointer{db: db, log: log, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// committed tells the checkpointer that a commit landed; it never blocks.
func (c *checkpointer) committed() {
	if c != nil {
		poke(c.wake)
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	delay := time.NewTimer(checkpointDelay)
	delay.Stop() // a stopped timer sends nothing stale when reset (Go 1.23)
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		}
		delay.Reset(checkpointDelay)
		select {
		case <-c.stop:
			return
		case <-delay.C:
		}
		c.checkpoint()
	}
}

// checkpoint copies back what the log holds that no reader still needs from it.
func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	var busy, logFrames, copied int64
	err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied)
	if err != nil {
		c.log.Warn("store: checkpoint of the write-ahead log failed", "err", err)
		return
	}
	c.logFrames.Store(logFrames)
	c.copied.Store(copied)
	c.runs.Add(1)
}

// close stops the checkpointer and closes its connection; the writer's own close makes the
// last checkpoint.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	close(c.stop)
	<-c.done
	return c.db.Close()
}
