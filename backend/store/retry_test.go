package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestRetry: a write is tried again only after connection errors, at most RetryAttempts
// times, and not after its context ended. Real connections broken under a writer are in
// backend/translog's TestConnectionsTerminated.
func TestRetry(t *testing.T) {
	terminated := &pgconn.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"}
	for _, c := range []struct {
		name  string
		errs  []error
		calls int
		fails bool
	}{
		{"succeeds", nil, 1, false},
		{"terminated then succeeds", []error{fmt.Errorf("store: add: %w", terminated), driver.ErrBadConn, io.ErrUnexpectedEOF}, 4, false},
		{"duplicate key is not retried", []error{&pgconn.PgError{Code: "23505"}}, 1, true},
		{"a broken rule is not retried", []error{ErrInvalid}, 1, true},
		{"gives up", repeat(pgconn.ErrConnClosed, RetryAttempts+5), RetryAttempts, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			err := Retry(context.Background(), func(context.Context) error {
				calls++
				if calls <= len(c.errs) {
					return c.errs[calls-1]
				}
				return nil
			})
			if calls != c.calls || (err != nil) != c.fails {
				t.Fatalf("%d calls, err %v; want %d calls, failing %v", calls, err, c.calls, c.fails)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Retry(ctx, func(context.Context) error { calls++; cancel(); return driver.ErrBadConn })
	if calls != 1 || !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("after cancel: %d calls, %v", calls, err)
	}
}

func repeat(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}
