package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
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

// Run computes the report for f.
func (d *DB) Run(ctx context.Context, f Filter) (Report, error) {
	if err := f.Check(); err != nil {
		return Report{}, err
	}
	f.From, f.To = f.From.UTC(), f.To.UTC()
	r := Report{Filter: f}
	steps := []func(context.Context, Filter, *Report) error{
		d.summary, d.waits, d.histogram, d.agents, d.concurrency, d.ratings, d.tags, d.outcomes, d.heatmap,
	}
	// The steps fill different fields of r. On PostgreSQL they run side by side on the pool's
	// connections; SQLite, in process, measured slower so (its queries compete for the same
	// cores), and runs them one after the other.
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		if d.dialect != Postgres {
			errs[i] = step(ctx, f, &r)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = step(ctx, f, &r)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Report{}, err
	}
	return r, nil
}

// Summarize computes only the counts of f: the wallboard asks for them every few seconds.
func (d *DB) Summarize(ctx context.Context, f Filter) (Summary, error) {
	if err := f.Check(); err != nil {
		return Summary{}, err
	}
	f.From, f.To = f.From.UTC(), f.To.UTC()
	var r Report
	err := d.summary(ctx, f, &r)
	return r.Summary, err
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

// secs is the SQL for b - a in seconds.
func (d *DB) secs(a, b string) string {
	if d.dialect == Postgres {
		return fmt.Sprintf("EXTRACT(EPOCH FROM (%s - %s))", b, a)
	}
	// Rounded to milliseconds: julianday keeps about that, and 10 s must not become 9.99999.
	return fmt.Sprintf("ROUND((julianday(%s) - julianday(%s)) * 86400.0, 3)", b, a)
}

// epoch is the SQL for t in seconds since 1970.
func (d *DB) epoch(t string) string {
	if d.dialect == Postgres {
		return fmt.Sprintf("EXTRACT(EPOCH FROM %s)", t)
	}
	return fmt.Sprintf("((julianday(%s) - 2440587.5) * 86400.0)", t)
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

const (
	causeLeft      = "'left_message'"
	causesAbandon  = "('visitor','visitor_gone','idle')"
	causesNoAnswer = "('no_agent','out_of_service')"
)

func (d *DB) summary(ctx context.Context, f Filter, r *Report) error {
	wait := d.secs("created_at", "accepted_at")
	rows, err := d.query(ctx, f, `
SELECT
 COALESCE(SUM(CASE WHEN COALESCE(close_cause,'') <> `+causeLeft+` THEN 1 ELSE 0 END), 0),
 COALESCE(SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END), 0),
 COALESCE(SUM(CASE WHEN accepted_at IS NULL AND state = 'closed' AND close_cause IN `+causesAbandon+` THEN 1 ELSE 0 END), 0),
 COALESCE(SUM(CASE WHEN accepted_at IS NULL AND state = 'closed' AND close_cause IN `+causesNoAnswer+` THEN 1 ELSE 0 END), 0),
 COALESCE(SUM(CASE WHEN accepted_at IS NULL AND offered_at IS NOT NULL THEN 1 ELSE 0 END), 0),
 COALESCE(SUM(missed_offers), 0),
 COALESCE(SUM(CASE WHEN close_cause = `+causeLeft+` THEN 1 ELSE 0 END), 0),
 COALESCE(SUM(CASE WHEN accepted_at IS NOT NULL AND `+wait+` <= ? THEN 1 ELSE 0 END), 0)
FROM base`, f.AnswerTarget.Seconds())
	if err != nil {
		return err
	}
	defer rows.Close()
	s := &r.Summary
	if rows.Next() {
		if err := rows.Scan(&s.Requested, &s.Answered, &s.Abandoned, &s.Unanswered, &s.Missed, &s.MissedOffers, &s.LeftMessages, &s.InTarget); err != nil {
			return fmt.Errorf("report: summary: %w", err)
		}
	}
	return rows.Err()
}

// stats computes Stats of the expression v over the base rows where cond holds.
func (d *DB) stats(ctx context.Context, f Filter, v, cond string) (Stats, error) {
	var q string
	if d.dialect == Postgres {
		q = `, x AS (SELECT ` + v + ` AS v FROM base WHERE ` + cond + `)
SELECT COUNT(v), COALESCE(AVG(v), 0), COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY v), 0),
 COALESCE(percentile_cont(0.9) WITHIN GROUP (ORDER BY v), 0) FROM x`
	} else {
		// percentile_cont by hand: the values ranked 0..n-1; p's value lies at rank p(n-1),
		// between the ranks below and above it.
		pct := func(p string) string {
			pos := p + " * (n - 1)"
			lo := "CAST(" + pos + " AS INTEGER)"
			return `(MAX(CASE WHEN rn = ` + lo + ` THEN v END) + (MAX(CASE WHEN rn = MIN(` + lo + ` + 1, n - 1) THEN v END)
 - MAX(CASE WHEN rn = ` + lo + ` THEN v END)) * MAX(` + pos + ` - ` + lo + `))`
		}
		q = `, x AS (SELECT ` + v + ` AS v FROM base WHERE ` + cond + `),
o AS (SELECT v, ROW_NUMBER() OVER (ORDER BY v) - 1 AS rn, COUNT(*) OVER () AS n FROM x)
SELECT COUNT(v), COALESCE(AVG(v), 0), COALESCE(` + pct("0.5") + `, 0), COALESCE(` + pct("0.9") + `, 0) FROM o`
	}
	rows, err := d.query(ctx, f, q)
	if err != nil {
		return Stats{}, err
	}
	defer rows.Close()
	var s Stats
	if rows.Next() {
		if err := rows.Scan(&s.N, &s.Avg, &s.P50, &s.P90); err != nil {
			return Stats{}, fmt.Errorf("report: stats: %w", err)
		}
	}
	s.Avg, s.P50, s.P90 = round(s.Avg), round(s.P50), round(s.P90)
	return s, rows.Err()
}

// round keeps milliseconds: SQLite's julianday arithmetic is exact to about that.
func round(v float64) float64 { return math.Round(v*1000) / 1000 }

func (d *DB) waits(ctx context.Context, f Filter, r *Report) error {
	var err error
	if r.Wait, err = d.stats(ctx, f, d.secs("created_at", "accepted_at"), "accepted_at IS NOT NULL"); err != nil {
		return err
	}
	if r.FirstResponse, err = d.stats(ctx, f, d.secs("created_at", "first_reply_at"), "accepted_at IS NOT NULL AND first_reply_at IS NOT NULL"); err != nil {
		return err
	}
	r.Handling, err = d.stats(ctx, f, d.secs("accepted_at", "closed_at"), "accepted_at IS NOT NULL AND closed_at IS NOT NULL")
	return err
}

func (d *DB) histogram(ctx context.Context, f Filter, r *Report) error {
	var c strings.Builder
	c.WriteString("CASE")
	for i, b := range WaitBuckets {
		if b.To == 0 {
			fmt.Fprintf(&c, " ELSE %d END", i)
			break
		}
		fmt.Fprintf(&c, " WHEN w < %d THEN %d", b.To, i)
	}
	rows, err := d.query(ctx, f, `, x AS (SELECT `+d.secs("created_at", "accepted_at")+` AS w FROM base WHERE accepted_at IS NOT NULL)
SELECT `+c.String()+` AS b, COUNT(*) FROM x GROUP BY 1`)
	if err != nil {
		return err
	}
	defer rows.Close()
	r.WaitHistogram = append([]Bucket(nil), WaitBuckets...)
	for rows.Next() {
		var i, n int
		if err := rows.Scan(&i, &n); err != nil {
			return fmt.Errorf("report: histogram: %w", err)
		}
		if i >= 0 && i < len(r.WaitHistogram) {
			r.WaitHistogram[i].Count = n
		}
	}
	return rows.Err()
}

// ratingField is a post-chat rating field's name as the chat's fields store it; only plain
// names are used in a JSON path.
var ratingField = regexp.MustCompile(`^[A-Za-z0-9_ -]{1,64}$`)

// noRating is the rating of every chat of a tenant without a rating field.
const noRating = "CAST(NULL AS integer)"

// rating is the SQL of a chat's rating (an integer 1..10, or NULL) from the tenant's post-chat
// rating fields, and its arguments.
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
	return `(CASE WHEN CAST(` + v + ` AS TEXT) IN ('1','2','3','4','5','6','7','8','9','10') THEN CAST(` + v + ` AS INTEGER) END)`, append(args, args...), nil
}

func (d *DB) agents(ctx context.Context, f Filter, r *Report) error {
	rating, rargs, err := d.rating(ctx, f.TenantID)
	if err != nil {
		return err
	}
	rows, err := d.query(ctx, f, `, x AS (SELECT agent_id, `+d.secs("accepted_at", "closed_at")+` AS h, `+rating+` AS rt FROM base WHERE accepted_at IS NOT NULL)
SELECT x.agent_id, COALESCE(MAX(u.name), ''), COUNT(*), COALESCE(AVG(x.h), 0), COALESCE(AVG(x.rt), 0), COUNT(x.rt)
FROM x LEFT JOIN users u ON u.id = x.agent_id AND u.tenant_id = ?
GROUP BY x.agent_id ORDER BY 3 DESC, 2, 1`, append(rargs, f.TenantID)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a AgentRow
		if err := rows.Scan(&a.AgentID, &a.Name, &a.Answered, &a.Handling, &a.Rating, &a.Ratings); err != nil {
			return fmt.Errorf("report: agents: %w", err)
		}
		a.Handling, a.Rating = round(a.Handling), round(a.Rating)
		r.Agents = append(r.Agents, a)
	}
	return rows.Err()
}

func (d *DB) ratings(ctx context.Context, f Filter, r *Report) error {
	rating, rargs, err := d.rating(ctx, f.TenantID)
	if err != nil || rating == noRating {
		return err
	}
	rows, err := d.query(ctx, f, `, x AS (SELECT `+rating+` AS rt FROM base)
SELECT rt, COUNT(*) FROM x WHERE rt IS NOT NULL GROUP BY rt ORDER BY rt`, rargs...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.ID, &c.Count); err != nil {
			return fmt.Errorf("report: ratings: %w", err)
		}
		c.Name = strconv.FormatInt(c.ID, 10)
		r.Ratings = append(r.Ratings, c)
	}
	return rows.Err()
}

// counts reads rows of (id, name, count).
func counts(rows *sql.Rows, what string) ([]Count, error) {
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.ID, &c.Name, &c.Count); err != nil {
			return nil, fmt.Errorf("report: %s: %w", what, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (d *DB) tags(ctx context.Context, f Filter, r *Report) error {
	rows, err := d.query(ctx, f, `
SELECT t.id, t.name, COUNT(*) FROM base JOIN chat_tags ct ON ct.chat_id = base.id JOIN tags t ON t.id = ct.tag_id AND t.tenant_id = ?
GROUP BY t.id, t.name ORDER BY 3 DESC, 2`, f.TenantID)
	if err != nil {
		return err
	}
	r.Tags, err = counts(rows, "tags")
	return err
}

// DeletedOutcome names, in a report, the outcome of chats whose outcome was deleted since.
const DeletedOutcome = "Deleted outcome"

func (d *DB) outcomes(ctx context.Context, f Filter, r *Report) error {
	rows, err := d.query(ctx, f, `
SELECT base.outcome_id, COALESCE(MAX(o.name), ?), COUNT(*) FROM base LEFT JOIN outcomes o ON o.id = base.outcome_id AND o.tenant_id = ?
WHERE base.outcome_id <> 0 GROUP BY base.outcome_id ORDER BY 3 DESC, 2`, DeletedOutcome, f.TenantID)
	if err != nil {
		return err
	}
	r.Outcomes, err = counts(rows, "outcomes")
	return err
}

// step is the width of the concurrency chart's points for a range: hours up to three days,
// days beyond.
func step(f Filter) time.Duration {
	if f.To.Sub(f.From) <= 72*time.Hour {
		return time.Hour
	}
	return 24 * time.Hour
}

func (d *DB) concurrency(ctx context.Context, f Filter, r *Report) error {
	r.Step = step(f)
	size := r.Step.Seconds()
	start := float64(f.From.Unix())
	bucket := func(t string) string {
		return "CAST(FLOOR((" + d.epoch(t) + " - ?) / ?) AS INTEGER)"
	}
	if d.dialect != Postgres {
		// SQLite before 3.44 has no FLOOR; the values are never negative here.
		bucket = func(t string) string { return "CAST((" + d.epoch(t) + " - ?) / ? AS INTEGER)" }
	}
	// Every answer raises the number of active chats by one and every close lowers it; the
	// running sum, closes first at equal instants, is the number active after each change.
	rows, err := d.query(ctx, f, `, ev AS (
 SELECT accepted_at AS t, 1 AS d FROM base WHERE accepted_at IS NOT NULL
 UNION ALL SELECT closed_at AS t, -1 AS d FROM base WHERE accepted_at IS NOT NULL AND closed_at IS NOT NULL),
run AS (SELECT t, d, SUM(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS n, `+bucket("t")+` AS b FROM ev),
ranked AS (SELECT b, n, ROW_NUMBER() OVER (PARTITION BY b ORDER BY t DESC, d DESC) AS k FROM run)
SELECT b, MAX(n), MAX(CASE WHEN k = 1 THEN n END) FROM ranked GROUP BY b ORDER BY b`, start, size)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := int(math.Ceil(f.To.Sub(f.From).Seconds() / size))
	pts := make([]Point, n)
	seen := make([]bool, n)
	for i := range pts {
		pts[i].At = f.From.Add(time.Duration(i) * r.Step)
	}
	for rows.Next() {
		var b, mx, end int
		if err := rows.Scan(&b, &mx, &end); err != nil {
			return fmt.Errorf("report: concurrency: %w", err)
		}
		if b >= 0 && b < n {
			pts[b].Max, pts[b].End, seen[b] = mx, end, true
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// A stretch without changes keeps the level the one before ended with.
	for i := range pts {
		if !seen[i] && i > 0 {
			pts[i].Max, pts[i].End = pts[i-1].End, pts[i-1].End
		}
	}
	r.Concurrency = pts
	return nil
}

func (d *DB) heatmap(ctx context.Context, f Filter, r *Report) error {
	var rows *sql.Rows
	var err error
	req := `COALESCE(close_cause,'') <> ` + causeLeft
	if d.dialect == Postgres {
		rows, err = d.query(ctx, f, `, x AS (SELECT created_at AT TIME ZONE ? AS t FROM base WHERE `+req+`)
SELECT CAST(EXTRACT(DOW FROM t) AS integer), CAST(EXTRACT(HOUR FROM t) AS integer), COUNT(*) FROM x GROUP BY 1, 2`, f.Loc.String())
	} else {
		var vals []string
		var args []any
		for _, s := range offsets(f.From, f.To, f.Loc) {
			vals = append(vals, "SELECT ? AS f, ? AS u, ? AS m")
			args = append(args, s.From, s.To, fmt.Sprintf("%+d seconds", s.Offset))
		}
		rows, err = d.query(ctx, f, `, tz AS (`+strings.Join(vals, " UNION ALL ")+`),
x AS (SELECT datetime(base.created_at, tz.m) AS t FROM base JOIN tz ON base.created_at >= tz.f AND base.created_at < tz.u WHERE `+req+`)
SELECT CAST(strftime('%w', t) AS INTEGER), CAST(strftime('%H', t) AS INTEGER), COUNT(*) FROM x GROUP BY 1, 2`, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var wd, h, n int
		if err := rows.Scan(&wd, &h, &n); err != nil {
			return fmt.Errorf("report: heatmap: %w", err)
		}
		if wd >= 0 && wd < 7 && h >= 0 && h < 24 {
			r.Heatmap[wd][h] = n
		}
	}
	return rows.Err()
}
