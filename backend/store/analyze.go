package store

import "context"

// Analyze refreshes the query planner's statistics of every table. The databases do it on
// their own over time (PostgreSQL's autovacuum) or never (SQLite); after a bulk load — a
// migration from another system, generated history — the aggregate queries of reports pick
// good plans only with fresh statistics, and the archive's search picks between its word
// index and reading newest first by them.
func (s *Store) Analyze(ctx context.Context) error {
	return wrap("analyze", s.w.WithContext(ctx).Exec("ANALYZE").Error)
}
