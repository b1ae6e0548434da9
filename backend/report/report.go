package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Dialects the queries are written for; the store's Dialect names the one in use.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB runs report queries on one database.
type DB struct {
	db      *sql.DB
	dialect string
}

// New returns reports over db, a database of the given dialect.
func New(db *sql.DB, dialect string) *DB { return &DB{db: db, dialect: dialect} }

// Summary counts the chats of a report.
type Summary struct {
	Requested int // visitor chats asked for (left messages not counted)
	Answered  int // taken by an agent
	// Abandoned chats were closed by the visitor (or the visitor went away) before an agent
	// took them.
	Abandoned int
	// Unanswered chats were closed by routing: no agent found, closed hours.
	Unanswered int
	// Missed chats were offered to at least one agent and never answered; MissedOffers
	// counts the offers that ran out untaken.
	Missed       int
	MissedOffers int
	LeftMessages int
	// InTarget chats were answered within the answer target.
	InTarget int
}

// ServiceLevel is the share of requested chats answered within the target, 0..1.
func (s Summary) ServiceLevel() float64 { return share(s.InTarget, s.Requested) }

// AnswerRate is the share of requested chats answered, 0..1.
func (s Summary) AnswerRate() float64 { return share(s.Answered, s.Requested) }

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Stats describes a set of durations in seconds: how many, their mean and two percentiles
// (linear interpolation between the closest ranks, as PostgreSQL's percentile_cont).
type Stats struct {
	N             int
	Avg, P50, P90 float64
}

// Bucket is one bar of a histogram: the count of values in [From, To) seconds (To 0: no
// upper end).
type Bucket struct {
	From, To int
	Count    int
}

// Label names the bucket for an axis: "0–10 s", "5 min+".
func (b Bucket) Label() string {
	if b.To == 0 {
		return humanSeconds(b.From) + "+"
	}
	return humanSeconds(b.From) + "–" + humanSeconds(b.To)
}

func humanSeconds(s int) string {
	if s >= 60 && s%60 == 0 {
		return strconv.Itoa(s/60) + " min"
	}
	return strconv.Itoa(s) + " s"
}

// WaitBuckets are the waiting-time histogram's bars, in seconds.
var WaitBuckets = []Bucket{{0, 10, 0}, {10, 20, 0}, {20, 30, 0}, {30, 60, 0}, {60, 120, 0}, {120, 300, 0}, {300, 0, 0}}

// AgentRow is one agent's share of a report.
type AgentRow struct {
	AgentID  int64
	Name     string
	Answered int
	Handling float64 // mean handling time, seconds
	Rating   float64 // mean rating, 0 without ratings
	Ratings  int
}

// Point is the concurrency of one stretch of the range: the most chats active at once, and
// how many were active at its end.
type Point struct {
	At       time.Time // start of the stretch
	Max, End int
}

// Count is a value of a dimension (a tag, an outcome, a rating) and its number of chats.
type Count struct {
	ID    int64
	Name  string
	Count int
}

// Report is every figure for one filter.
type Report struct {
	Filter        Filter
	Summary       Summary
	Wait          Stats // answered chats: request to answer
	WaitHistogram []Bucket
	FirstResponse Stats // answered chats: request to the agent's first reply
	Handling      Stats // answered, closed chats: answer to close
	Agents        []AgentRow
	Step          time.Duration // the width of a concurrency point
	Concurrency   []Point
	Ratings       []Count // ID is the rating value
	Tags          []Count
	Outcomes      []Count
	// Heatmap counts requested chats by local weekday (0 Sunday) and hour.
	Heatmap [7][24]int
}

// Run computes the report for f: the filter's chats are read in one pass (a few columns
// each, SQLite's with their tags) and [Compute] derives the figures from them; PostgreSQL
// counts the tags itself.
func (d *DB) Run(ctx context.Context, f Filter) (Report, error) {
	if err := f.Check(); err != nil {
		return Report{}, err
	}
	f.From, f.To = f.From.UTC(), f.To.UTC()
	// PostgreSQL counts the tags on a connection of their own while the chats are read;
	// SQLite reads each chat's with the chat (see [DB.inlineTags]).
	var tags map[int64]int
	var tagErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if !d.inlineTags() {
			tags, tagErr = d.tagCounts(ctx, f)
		}
	}()
	rows, names, err := d.load(ctx, f, true)
	<-done
	if err == nil {
		err = tagErr
	}
	if err != nil {
		return Report{}, err
	}
	r := Compute(f, rows, names)
	if !d.inlineTags() {
		r.Tags = tagList(tags, names)
	}
	return r, nil
}

// Summarize computes only the counts of f: the wallboard asks for them every few seconds.
func (d *DB) Summarize(ctx context.Context, f Filter) (Summary, error) {
	if err := f.Check(); err != nil {
		return Summary{}, err
	}
	f.From, f.To = f.From.UTC(), f.To.UTC()
	rows, _, err := d.load(ctx, f, false)
	if err != nil {
		return Summary{}, err
	}
	return summarize(f, rows), nil
}

// load reads the filter's chats as [Row]s and, when full, the tenant's names and ratings.
func (d *DB) load(ctx context.Context, f Filter, full bool) ([]Row, Names, error) {
	names := Names{Agents: map[int64]string{}, Outcomes: map[int64]string{}, Tags: map[int64]string{}}
	rating, rargs := noRating, []any(nil)
	if full {
		var err error
		if rating, rargs, err = d.rating(ctx, f.TenantID); err != nil {
			return nil, names, err
		}
		for _, n := range []struct {
			into map[int64]string
			sql  string
		}{{names.Agents, `SELECT id, name FROM users WHERE tenant_id = ?`}, {names.Outcomes, `SELECT id, name FROM outcomes WHERE tenant_id = ?`},
			{names.Tags, `SELECT id, name FROM tags WHERE tenant_id = ?`}} {
			if err := d.names(ctx, n.into, n.sql, f.TenantID); err != nil {
				return nil, names, err
			}
		}
	}
	parts := d.split(f)
	read := make([][]Row, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			read[i], errs[i] = d.chats(ctx, p, rating, rargs)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, names, err
	}
	return slices.Concat(read...), names, nil
}

// sqliteParts is how many stretches of a longer range a report reads at once on SQLite: its
// queries run in the process, one core each, and a year's chats take one core a good part of a
// second. Two leave the reader pool's other connections to the tags and to other requests.
const sqliteParts = 2

// split cuts f's range into consecutive stretches read in parallel (SQLite, more than two
// days), in order: their chats, concatenated, are the range's in the order one query reads them.
// PostgreSQL plans its own parallel scans.
func (d *DB) split(f Filter) []Filter {
	span := f.To.Sub(f.From)
	if d.dialect != SQLite || span <= 48*time.Hour {
		return []Filter{f}
	}
	parts := make([]Filter, sqliteParts)
	for i := range parts {
		parts[i] = f
		if i > 0 {
			parts[i].From = f.From.Add(span / sqliteParts * time.Duration(i)).Truncate(time.Second)
			parts[i-1].To = parts[i].From
		}
	}
	return parts
}

// chats reads the chats of f as [Row]s, with the rating expression of [DB.rating] (SQLite:
// see [DB.packedChats]).
func (d *DB) chats(ctx context.Context, f Filter, rating string, rargs []any) ([]Row, error) {
	if d.dialect == SQLite {
		return d.packedChats(ctx, f, rating, rargs)
	}
	rows, err := d.query(ctx, f, `
SELECT agent_id, state, COALESCE(close_cause, ''), created_at, accepted_at, first_reply_at, closed_at, offered_at, missed_offers, outcome_id, `+rating+`
FROM base`, rargs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var c Row
		var created, accepted, reply, closed, offered, rt any
		if err := rows.Scan(&c.AgentID, &c.State, &c.CloseCause, &created, &accepted, &reply, &closed, &offered, &c.MissedOffers, &c.OutcomeID, &rt); err != nil {
			return nil, fmt.Errorf("report: chats: %w", err)
		}
		at, err := timeOf(created)
		if err != nil || at == nil {
			return nil, fmt.Errorf("report: chats: created_at %v: %w", created, err)
		}
		c.Created = *at
		for _, t := range []struct {
			v    any
			into **time.Time
		}{{accepted, &c.Accepted}, {reply, &c.FirstReply}, {closed, &c.Closed}, {offered, &c.Offered}} {
			if *t.into, err = timeOf(t.v); err != nil {
				return nil, fmt.Errorf("report: chats: %w", err)
			}
		}
		c.Rating = ratingOf(rt)
		out = append(out, c)
	}
	return out, rows.Err()
}

// sep separates the fields of a chat in [DB.packedChats]' column: no field holds it but the
// rating's text, which comes last.
const sep = "\x1f"

// packedChats reads the chats of f on SQLite as one text column each: its fields and its
// tags, separated by [sep]. The driver's cost is per column, and a report reads a
// dozen columns of tens of thousands of chats; SQLite's times are text already, read by
// [parseSQLiteTime]. An expression has no declared type, so the driver does not try layout
// after layout on each time either.
func (d *DB) packedChats(ctx context.Context, f Filter, rating string, rargs []any) ([]Row, error) {
	field := func(c string) string { return "COALESCE(" + c + ", '')" }
	cols := []string{field("agent_id"), field("state"), field("close_cause"), field("created_at"), field("accepted_at"), field("first_reply_at"),
		field("closed_at"), field("offered_at"), field("missed_offers"), field("outcome_id"),
		field("(SELECT group_concat(t.tag_id) FROM chat_tags t WHERE t.chat_id = base.id)"), field(rating)}
	rows, err := d.query(ctx, f, `SELECT `+strings.Join(cols, ` || char(31) || `)+` FROM base`, rargs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var packed string
		if err := rows.Scan(&packed); err != nil {
			return nil, fmt.Errorf("report: chats: %w", err)
		}
		c, err := unpack(packed)
		if err != nil {
			return nil, fmt.Errorf("report: chats: %q: %w", packed, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// unpack reads a chat of [DB.packedChats].
func unpack(s string) (Row, error) {
	var c Row
	var v [11]string
	for i := range v {
		var ok bool
		if v[i], s, ok = strings.Cut(s, sep); !ok {
			return c, fmt.Errorf("%d fields, want 12", i+1)
		}
	}
	var err error
	if c.AgentID, err = strconv.ParseInt(v[0], 10, 64); err != nil {
		return c, err
	}
	c.State, c.CloseCause = v[1], v[2]
	at, err := timeOf(v[3])
	if err != nil {
		return c, err
	}
	c.Created = *at
	for i, into := range []**time.Time{&c.Accepted, &c.FirstReply, &c.Closed, &c.Offered} {
		if v[4+i] == "" {
			continue
		}
		if *into, err = timeOf(v[4+i]); err != nil {
			return c, err
		}
	}
	if c.MissedOffers, err = strconv.Atoi(v[8]); err != nil {
		return c, err
	}
	if c.OutcomeID, err = strconv.ParseInt(v[9], 10, 64); err != nil {
		return c, err
	}
	for t := range strings.SplitSeq(v[10], ",") {
		if t == "" {
			continue
		}
		id, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return c, err
		}
		c.Tags = append(c.Tags, id)
	}
	c.Rating = ratingOf(s)
	return c, nil
}

// inlineTags says whether the chats' query also reads each chat's tags (SQLite, see
// [DB.packedChats]): there a look-up in the tags' primary key per chat costs less than a
// second pass over the range's chats to count them.
func (d *DB) inlineTags() bool { return d.dialect == SQLite }

// tagCounts counts the filter's chats by tag, in the database: a chat's tags are only ever
// counted, so that neither the tenant's tags on chats nor the chats' ids need to be read.
func (d *DB) tagCounts(ctx context.Context, f Filter) (map[int64]int, error) {
	// CROSS JOIN keeps the chats outside: SQLite's planner, not knowing how few chats a week
	// has, would otherwise scan every tag on a chat of the tenant and look its chat up.
	q, err := d.query(ctx, f, `SELECT t.tag_id, COUNT(*) FROM base b CROSS JOIN chat_tags t WHERE t.chat_id = b.id AND t.tenant_id = ? GROUP BY t.tag_id`, f.TenantID)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	counts := map[int64]int{}
	for q.Next() {
		var tag int64
		var n int
		if err := q.Scan(&tag, &n); err != nil {
			return nil, fmt.Errorf("report: tags: %w", err)
		}
		counts[tag] = n
	}
	return counts, q.Err()
}

// names reads (id, name) pairs into m.
func (d *DB) names(ctx context.Context, m map[int64]string, q string, args ...any) error {
	rows, err := d.db.QueryContext(ctx, d.rebind(q), args...)
	if err != nil {
		return fmt.Errorf("report: names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("report: names: %w", err)
		}
		m[id] = name
	}
	return rows.Err()
}

// sqliteTimes are the layouts SQLite's driver writes times in, when it hands them back as text.
var sqliteTimes = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999Z07:00"}

// timeOf is a time column's value in UTC: nil for NULL.
func timeOf(v any) (*time.Time, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		u := t.UTC()
		return &u, nil
	case string:
		if u, ok := parseSQLiteTime(t); ok {
			return &u, nil
		}
		for _, l := range sqliteTimes {
			if p, err := time.Parse(l, t); err == nil {
				u := p.UTC()
				return &u, nil
			}
		}
	case []byte:
		return timeOf(string(t))
	}
	return nil, fmt.Errorf("not a time: %v", v)
}

// base is the chats of the filter, as a CTE named base, and its arguments.
func (d *DB) base(f Filter) (string, []any) {
	var b strings.Builder
	args := []any{f.TenantID, f.From, f.To}
	b.WriteString(`base AS (SELECT c.id, c.tenant_id, c.agent_id, c.state, c.close_cause, c.created_at, c.accepted_at,
 c.first_reply_at, c.closed_at, c.offered_at, c.missed_offers, c.outcome_id, c.fields
 FROM chats c WHERE c.tenant_id = ? AND c.kind = '' AND c.created_at >= ? AND c.created_at < ?`)
	if f.ConnectorID != 0 {
		b.WriteString(` AND c.connector_id = ?`)
		args = append(args, f.ConnectorID)
	}
	if f.GroupID != 0 {
		b.WriteString(` AND c.connector_id IN (SELECT k.id FROM connectors k WHERE k.tenant_id = ? AND k.group_id = ?)`)
		args = append(args, f.TenantID, f.GroupID)
	}
	if f.AgentID != 0 {
		b.WriteString(` AND c.agent_id = ?`)
		args = append(args, f.AgentID)
	}
	if f.OutcomeID != 0 {
		b.WriteString(` AND c.outcome_id = ?`)
		args = append(args, f.OutcomeID)
	}
	if f.TagID != 0 {
		b.WriteString(` AND EXISTS (SELECT 1 FROM chat_tags t WHERE t.chat_id = c.id AND t.tag_id = ? AND t.tenant_id = ?)`)
		args = append(args, f.TagID, f.TenantID)
	}
	b.WriteString(`)`)
	return b.String(), args
}

// query runs q (written with ? placeholders) with the base CTE in front.
func (d *DB) query(ctx context.Context, f Filter, q string, args ...any) (*sql.Rows, error) {
	cte, bargs := d.base(f)
	full := "WITH " + cte + q
	rows, err := d.db.QueryContext(ctx, d.rebind(full), append(bargs, args...)...)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return rows, nil
}

// rebind numbers the placeholders for PostgreSQL; the queries hold no other question mark.
func (d *DB) rebind(q string) string {
	if d.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ratingField is a post-chat rating field's name as the chat's fields store it; only plain
// names are used in a JSON path.
var ratingField = regexp.MustCompile(`^[A-Za-z0-9_ -]{1,64}$`)

// noRating is the rating of every chat of a tenant without a rating field.
const noRating = "CAST(NULL AS integer)"

// rating is the SQL of a chat's rating from the tenant's post-chat rating fields (read by
// [ratingOf]), and its arguments.
func (d *DB) rating(ctx context.Context, tenantID int64) (string, []any, error) {
	rows, err := d.db.QueryContext(ctx, d.rebind(`SELECT DISTINCT field_name FROM survey_fields WHERE tenant_id = ? AND kind = 'post' AND field_type = 'rating' ORDER BY field_name`), tenantID)
	if err != nil {
		return "", nil, fmt.Errorf("report: rating fields: %w", err)
	}
	defer rows.Close()
	var parts []string
	var args []any
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return "", nil, fmt.Errorf("report: rating fields: %w", err)
		}
		if !ratingField.MatchString(name) || len(parts) == 5 {
			continue
		}
		if d.dialect == Postgres {
			parts = append(parts, `(CASE WHEN fields LIKE '{%' THEN fields::jsonb ->> ? END)`)
			args = append(args, name)
		} else {
			parts = append(parts, `json_extract(CASE WHEN json_valid(fields) THEN fields END, ?)`)
			args = append(args, `$."`+name+`"`)
		}
	}
	if err := rows.Err(); err != nil {
		return "", nil, err
	}
	if len(parts) == 0 {
		return noRating, nil, nil
	}
	v := "COALESCE(" + strings.Join(parts, ", ") + ", '')"
	if len(parts) == 1 {
		v = "COALESCE(" + parts[0] + ", '')"
	}
	if d.dialect == Postgres {
		return `(CASE WHEN ` + v + ` ~ '^(10|[1-9])$' THEN CAST(` + v + ` AS integer) END)`, append(args, args...), nil
	}
	// SQLite hands over the value as text, once: [ratingOf] takes "1" to "10". Testing it here
	// would extract it from the chat's fields twice more.
	return `CAST(` + v + ` AS TEXT)`, args, nil
}

// ratingOf is the rating a report query selected: an integer 1..10 (PostgreSQL), or the
// text of one (SQLite); 0 for anything else.
func ratingOf(v any) int {
	switch r := v.(type) {
	case int64:
		if r >= 1 && r <= 10 {
			return int(r)
		}
	case string:
		if n, err := strconv.Atoi(r); err == nil && n >= 1 && n <= 10 && strconv.Itoa(n) == r {
			return n
		}
	case []byte:
		return ratingOf(string(r))
	}
	return 0
}

// DeletedOutcome names, in a report, the outcome of chats whose outcome was deleted since.
const DeletedOutcome = "Deleted outcome"

// parseSQLiteTime reads the layout SQLite's driver writes times in, "2006-01-02
// 15:04:05.999999999-07:00" (also with a "T", a "Z" or no zone, which is UTC), field by
// field: a report reads five times per chat, and a general layout parse of each is most of
// its cost. ok is false for any other text, which [timeOf] then tries with [sqliteTimes].
func parseSQLiteTime(s string) (t time.Time, ok bool) {
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	var f [6]int
	for i, r := range [6][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		n, ok := num(s[r[0]:r[1]])
		if !ok {
			return time.Time{}, false
		}
		f[i] = n
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 59 {
		return time.Time{}, false
	}
	rest, nanos := s[19:], 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		digits := rest[1:i]
		if len(digits) == 0 || len(digits) > 9 {
			return time.Time{}, false
		}
		nanos, _ = num(digits)
		for range 9 - len(digits) {
			nanos *= 10
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case rest == "" || rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		h, ok1 := num(rest[1:3])
		m, ok2 := num(rest[4:6])
		if !ok1 || !ok2 || h > 23 || m > 59 {
			return time.Time{}, false
		}
		offset = (h*60 + m) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t = time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], nanos, time.UTC)
	if t.Day() != f[2] {
		return time.Time{}, false // 31 February and the like
	}
	return t.Add(-time.Duration(offset) * time.Second), true
}
