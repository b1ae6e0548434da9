package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/parleychat/parley/shared/i18n"
)

// wrap turns a database error into the store's error vocabulary, keeping
// the cause: "store: <op>: <sentinel>: <cause>".
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict), errors.Is(err, ErrInvalid), errors.Is(err, ErrClosed):
		return fmt.Errorf("store: %s: %w", op, err)
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("store: %s: %w", op, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("store: %s: %w: %w", op, ErrConflict, err)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return fmt.Errorf("store: %s: %w: references a row that does not exist: %w", op, ErrInvalid, err)
	default:
		return fmt.Errorf("store: %s: %w", op, err)
	}
}

// invalid builds an ErrInvalid error with a human-readable reason.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// RuleError is a broken rule of the domain, told to a person: Message is an English
// sentence with numbered placeholders ("{0}") that Args fill. The admin pages keep the
// message in their catalogue and show it in the reader's language, so Message is a fixed
// text and never holds a value. It wraps ErrInvalid.
type RuleError struct {
	Message string
	Args    []string
}

func (e *RuleError) Error() string { return ErrInvalid.Error() + ": " + e.Text() }

// Text is the English message with its placeholders filled.
func (e *RuleError) Text() string { return i18n.Fill(e.Message, e.Args) }

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *RuleError) Unwrap() error { return ErrInvalid }

// rule builds a RuleError from a message literal and the values of its placeholders.
func rule(msg string, args ...string) error { return &RuleError{Message: msg, Args: args} }

// diskAttempts is how often the group commit tries a transaction that SQLite failed with an I/O
// error (a file size limit, a failing device), and asks whether one landed, before it gives up
// and tells the writers: a passing fault gets its retries, while a disk that keeps failing does
// not hold every later write behind a batch that cannot be written. (A full disk is SQLite's
// SQLITE_FULL, which fails at once.)
const diskAttempts = 4

// diskError says err is SQLite's I/O error (SQLITE_IOERR and its extended codes).
func diskError(err error) bool {
	var liteErr interface{ Code() int }
	return errors.As(err, &liteErr) && liteErr.Code()&0xff == 10
}

// transient reports whether a failed write may succeed when tried again: the
// connection broke or was closed by the server (a restart, a failover,
// pg_terminate_backend), the database was busy, a statement timed out, or a
// serialization conflict. Broken rules (a duplicate key, a missing
// reference, data a column cannot hold) are lasting.
func transient(err error) bool {
	if err == nil || errors.Is(err, ErrInvalid) || errors.Is(err, ErrConflict) || errors.Is(err, ErrClosed) || errors.Is(err, ErrStaleTerm) || errors.As(err, new(*OpenChatLimitError)) {
		return false
	}
	for _, lasting := range []error{gorm.ErrDuplicatedKey, gorm.ErrForeignKeyViolated, gorm.ErrCheckConstraintViolated,
		gorm.ErrInvalidField, gorm.ErrInvalidData, gorm.ErrInvalidValue, gorm.ErrUnsupportedDriver, gorm.ErrModelValueRequired} {
		if errors.Is(err, lasting) {
			return false
		}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"),          // insufficient resources
			strings.HasPrefix(pgErr.Code, "57P"),         // admin shutdown, crash shutdown, cannot connect now
			pgErr.Code == "40001", pgErr.Code == "40P01", // serialization failure, deadlock
			pgErr.Code == "55P03", pgErr.Code == "57014", // lock not available, statement cancelled (timeout)
			pgErr.Code == "25P03": // idle in transaction timeout
			return true
		}
		return false
	}
	var liteErr interface{ Code() int }
	if errors.As(err, &liteErr) {
		switch liteErr.Code() & 0xff {
		case 5, 6, 10: // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR
			return true
		}
		return false
	}
	// What is left failed below SQL: a closed connection, a network error, a
	// timeout, an unexpected EOF. Trying again on a fresh connection helps.
	return true
}
