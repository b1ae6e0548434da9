package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
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

// Retry runs write and, while it fails because the connection to the database broke (a
// restart or failover of PostgreSQL, pg_terminate_backend, a dropped network connection),
// runs it again on another connection: at most RetryAttempts times in all, pausing 10 ms and
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
		if err == nil || attempt >= RetryAttempts || !ConnectionLost(err) || ctx.Err() != nil {
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

// ConnectionLost reports whether err says that the connection to the database broke, rather
// than that the database refused what was asked: trying again on another connection may then
// succeed.
func ConnectionLost(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 08: connection exception; 57P01..57P03: admin shutdown (pg_terminate_backend),
		// crash shutdown, cannot connect now.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, pgconn.ErrConnClosed) || errors.As(err, &connectErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED)
}
