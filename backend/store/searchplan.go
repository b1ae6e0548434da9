package store

import (
	"context"
	"database/sql"
	"strings"

	"gorm.io/gorm"
)

// PostgreSQL's search picks its plan by how many messages contain the words (see
// [Store.SearchMessages]). Counting them through the word index costs most for the words
// where it matters, the common ones (half a second for a word in every tenth message of a
// million), so the search asks first what PostgreSQL's own statistics of the word column say:
// ANALYZE keeps the most common lexemes of messages.search with the share of messages
// containing each (the tenants' lexemes too, migration 43), and every lexeme not listed is
// rarer than the rarest listed one. When the statistics do not tell (a table never
// analyzed, words common alone that may or may not come together in the tenant), the search
// reads a bounded number of the newest messages before it goes to the word index.

// lexemeStat is one lexeme of a search as one text search configuration stems it, with what
// the statistics of messages.search say of it.
type lexemeStat struct {
	Config string
	Lexeme string
	// Freq is the share of messages containing the lexeme, when it is one of the most
	// common ones; Min is the share of the rarest of those (an upper bound for the others).
	// Both are NULL without statistics.
	Freq, Min sql.NullFloat64
	// Rows is PostgreSQL's estimate of the number of messages (-1: never analyzed).
	Rows float64
	// Tenant is the share of messages holding the searching tenant's lexeme (migration 43),
	// NULL when it is not among the most common ones (statistics from before it, or a small
	// tenant): then the tenant narrows nothing in the estimate.
	Tenant sql.NullFloat64
}

// searchStatsSQL stems the search text in each configuration a search uses and looks every
// lexeme, and the tenant's, up in the most common elements of messages.search. A lexeme list that stays empty
// for a configuration (only stop words) gives that configuration no rows: its query part
// matches nothing.
const searchStatsSQL = `WITH st AS (
 SELECT most_common_elems::text::text[] AS e, most_common_elem_freqs AS f FROM pg_stats
 WHERE schemaname = current_schema() AND tablename = 'messages' AND attname = 'search'),
q AS (
 SELECT cfg::text AS config, lex FROM unnest(ARRAY['english', 'german', 'french', 'simple']::regconfig[]) AS cfg,
 LATERAL unnest(tsvector_to_array(to_tsvector(cfg, ?))) AS lex)
SELECT q.config, q.lex AS lexeme, st.f[array_position(st.e, q.lex)] AS freq, st.f[array_length(st.e, 1) + 1] AS min,
 st.f[array_position(st.e, ?::text)] AS tenant,
 (SELECT reltuples FROM pg_class WHERE oid = 'messages'::regclass)::float8 AS rows
FROM q LEFT JOIN st ON true`

// pgEstimateMatches estimates from PostgreSQL's statistics how many messages match the
// search text in the tenant of lexeme tenant: likely (the words taken as independent) and at
// most (the words always found together). known is false when the statistics do not tell
// (never analyzed).
func pgEstimateMatches(ctx context.Context, db *gorm.DB, text, tenant string) (likely, most float64, known bool, err error) {
	var rows []lexemeStat
	if err := db.WithContext(ctx).Raw(searchStatsSQL, text, tenant).Scan(&rows).Error; err != nil {
		return 0, 0, false, err
	}
	likely, most, known = estimateMatches(rows)
	return likely, most, known, nil
}

// estimateMatches is the number of messages expected to match a search whose lexemes have
// the statistics rows. In each configuration a message must hold every lexeme: likely takes
// the lexemes as independent (the product of their shares, as PostgreSQL's planner does),
// most as always found together (the share of the rarest), which words typed together often
// are ("password reset"). A message matches through any configuration. A lexeme not among the
// most common ones counts half the rarest listed share for likely, and that share for most.
// The tenant's share narrows both the same way (a tenant's messages hold a word as often as
// others': the statistics cannot tell more). With no lexemes the search matches nothing;
// without statistics known is false.
func estimateMatches(rows []lexemeStat) (likely, most float64, known bool) {
	if len(rows) == 0 {
		return 0, 0, true
	}
	total := rows[0].Rows
	if total < 0 {
		return 0, 0, false
	}
	type share struct{ likely, most float64 }
	shares := map[string]*share{}
	lexemes := map[string][]string{}
	var order []string
	for _, r := range rows {
		if !r.Min.Valid {
			return 0, 0, false
		}
		f, top := r.Min.Float64/2, r.Min.Float64
		if r.Freq.Valid {
			f, top = r.Freq.Float64, r.Freq.Float64
		}
		sh := shares[r.Config]
		if sh == nil {
			sh = &share{likely: 1, most: 1}
			shares[r.Config] = sh
			order = append(order, r.Config)
		}
		sh.likely *= f
		sh.most = min(sh.most, top)
		lexemes[r.Config] = append(lexemes[r.Config], r.Lexeme)
	}
	// Configurations that stem the words alike ask the same question once.
	noneLikely, anyMost := 1.0, 0.0
	seen := map[string]bool{}
	for _, c := range order {
		key := strings.Join(lexemes[c], " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		noneLikely *= 1 - min(1, shares[c].likely)
		anyMost += shares[c].most
	}
	likely, most = (1-noneLikely)*total, min(1, anyMost)*total
	if t := rows[0].Tenant; t.Valid {
		likely, most = likely*t.Float64, min(most, t.Float64*total)
	}
	return likely, most, true
}

// prefixStatsSQL is the number of messages of a tenant expected to hold a word beginning with
// a prefix, at least: the shares of the most common lexemes that begin with it (a word may
// be stemmed shorter than typed, so it may match more), times the tenant's share when the
// statistics list it, times the number of messages.
const prefixStatsSQL = `WITH st AS (
 SELECT most_common_elems::text::text[] AS e, most_common_elem_freqs AS f FROM pg_stats
 WHERE schemaname = current_schema() AND tablename = 'messages' AND attname = 'search')
SELECT coalesce((SELECT sum(u.f)::float8 FROM st, unnest(st.e, st.f) AS u(e, f) WHERE starts_with(u.e, ?)), 0)
 * coalesce((SELECT st.f[array_position(st.e, ?::text)]::float8 FROM st), 1)
 * (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'messages'::regclass)::float8`

// pgPrefixMatches is at least how many messages of the tenant of lexeme tenant hold a word
// beginning with prefix, by the statistics (0 when they do not tell).
func pgPrefixMatches(ctx context.Context, db *gorm.DB, prefix, tenant string) (float64, error) {
	var n sql.NullFloat64
	err := db.WithContext(ctx).Raw(prefixStatsSQL, prefix, tenant).Scan(&n).Error
	return n.Float64, err
}
