package store

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
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
