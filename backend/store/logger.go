package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// gormLogger routes GORM's messages to slog and keeps them quiet: failed
// queries at debug (the caller gets the error and decides), slow queries at
// warn. SQL is always logged with placeholders, never with values, so
// message bodies, tokens and password hashes cannot reach a log.
type gormLogger struct {
	log  *slog.Logger
	slow time.Duration
}

var (
	_ logger.Interface  = gormLogger{}
	_ gorm.ParamsFilter = gormLogger{}
)

// LogMode is ignored: the slog handler decides what is shown.
func (l gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }

// Info goes to debug: GORM's informational messages are not worth more.
func (l gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.DebugContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

// Warn goes to warn.
func (l gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

// Error goes to error.
func (l gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

// Trace reports failed queries at debug and slow ones at warn.
func (l gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound):
		if l.log.Enabled(ctx, slog.LevelDebug) {
			sql, rows := fc()
			l.log.DebugContext(ctx, "store: query failed", "err", err, "sql", sql, "rows", rows, "elapsed", elapsed)
		}
	case elapsed > l.slow:
		sql, rows := fc()
		l.log.WarnContext(ctx, "store: slow query", "sql", sql, "rows", rows, "elapsed", elapsed)
	}
}

// ParamsFilter drops the bound values from logged SQL.
func (gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
