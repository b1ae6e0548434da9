package store

import (
	"context"
	"time"
)

// Retry bounds.
const (
	// RetryAttempts is how often Retry runs a write at most: more than the connections a
	// PostgreSQL pool keeps (pgMaxOpenConns), since after a restart each of them may be a
	// broken one that fails the next attempt at once, and few enough that a database that
	// stays away is reported within seconds.
	RetryAttempts = pgMaxOpenConns + 4
	// retryFirstPause is the pause after the first failure, doubled after each next one up
	// to retryMaxPause.
	retryFirstPause = 10 * time.Millisecond
	retryMaxPause   = 250 * time.Millisecond
)

// Retry runs write and, while it fails for a reason that trying again may cure (the group
// commit's own classification: the connection broke in a restart or failover of PostgreSQL,
// pg_terminate_backend or a dropped network connection; a busy SQLite; a serialization
// failure), runs it again, on another connection: at most RetryAttempts times in all, pausing 10 ms and
// then twice as long after each failure, at most 250 ms (about four seconds in all). Any other
// error, or ctx ending, returns at once.
// It is for the writers of delivery logs that write batches of their own, off the chat's
// commit (the chats' group commit has its own retries): without it, a database restart
// loses the batch that was being written.
//
// A write whose COMMIT broke off may have been applied: write must be safe to repeat, or
// its caller must accept that a batch is then written twice.
func Retry(ctx context.Context, write func(ctx context.Context) error) error {
	pause := retryFirstPause
	for attempt := 1; ; attempt++ {
		err := write(ctx)
		if err == nil || attempt >= RetryAttempts || !transient(err) || ctx.Err() != nil {
			return err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		pause = min(2*pause, retryMaxPause)
	}
}
