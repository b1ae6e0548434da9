package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"
)

// ArchiveFilter selects a tenant's chats for the archive (the admin pages' chat list, the
// agent app's history, the exports and the search). It is plain data, so that a new filter
// (a tag, an outcome, a contact) is one field here and one condition in conditions. Every
// list and search is confined to TenantID: no filter reaches another tenant's chats.
type ArchiveFilter struct {
	TenantID int64
	// From and To bound when a chat started: From <= created_at < To; zero is no bound.
	From, To time.Time
	// ConnectorIDs, when not empty, keeps the chats of these connectors.
	ConnectorIDs []int64
	// GroupID keeps the chats that came in through a connector of this ACD group.
	GroupID int64
	// AgentID keeps the chats this agent took part in (as owner or participant).
	AgentID int64
	// States, when not empty, keeps the chats in these states ("queued", "active", "closed", …).
	States []string
	// Visitor keeps the chats whose visitor's name or e-mail address contains it, ignoring
	// case; it is matched literally (% and _ are not wildcards).
	Visitor string
	// RatingMin and RatingMax keep the chats whose visitor gave a rating (in one of the
	// tenant's post-chat rating fields) within RatingMin..RatingMax; 0 is no bound, and
	// either bound set leaves out the chats without a rating. "Rated 2 or lower" is
	// RatingMax 2.
	RatingMin, RatingMax int
	// TagIDs, when not empty, keeps the chats carrying any of these tags of the tenant.
	TagIDs []int64
	// OutcomeIDs, when not empty, keeps the chats closed with any of these outcomes.
	OutcomeIDs []int64
	// ContactID keeps the chats of this contact of the tenant.
	ContactID int64
	// Scope, when set, narrows the list to what one agent may see (see [ArchiveScope]).
	Scope *ArchiveScope
}

// MaxRating is the highest rating a rating filter asks for: a rating field has at most ten
// stars.
const MaxRating = 10

// ArchiveScope is what an agent may see of the archive: the chats they took part in and the
// chats of the ACD groups listed (those their role lets them oversee). A zero UserID with
// no groups sees nothing.
type ArchiveScope struct {
	UserID   int64
	GroupIDs []int64
}

// ArchiveCursor is where the next page of a chat list starts: after the chat last shown,
// newest first. Its zero value starts at the newest chat. Paging by the last key rather than
// by an offset keeps page 5,000 as fast as page 1.
type ArchiveCursor struct {
	CreatedAt time.Time
	ID        string
}

// IsZero reports whether the cursor starts at the newest chat.
func (c ArchiveCursor) IsZero() bool { return c.ID == "" && c.CreatedAt.IsZero() }

// SearchHit is one message that matched a search, with the chat it belongs to.
type SearchHit struct {
	Message Message
	Chat    Chat
	// Next is the cursor that continues a search after this hit (see [Store.SearchMessages]).
	Next string
}

// isSearchIndexTable reports whether a table belongs to SQLite's full-text index of
// messages (the virtual table and its shadow tables), which no row type maps.
func isSearchIndexTable(name string) bool {
	return name == "messages_fts" || strings.HasPrefix(name, "messages_fts_")
}

// conditions is f as a WHERE clause over the chats table aliased c, with its arguments, in
// the SQL of dialect.
func (f ArchiveFilter) conditions(dialect string) (string, []any) {
	w := []string{"c.tenant_id = ?"}
	args := []any{f.TenantID}
	if !f.From.IsZero() {
		w, args = append(w, "c.created_at >= ?"), append(args, normTime(f.From))
	}
	if !f.To.IsZero() {
		w, args = append(w, "c.created_at < ?"), append(args, normTime(f.To))
	}
	if len(f.ConnectorIDs) > 0 {
		w, args = append(w, "c.connector_id IN ?"), append(args, f.ConnectorIDs)
	}
	if f.GroupID != 0 {
		w, args = append(w, "c.connector_id IN (SELECT k.id FROM connectors k WHERE k.group_id = ? AND k.tenant_id = ?)"), append(args, f.GroupID, f.TenantID)
	}
	if f.AgentID != 0 {
		w = append(w, "(c.agent_id = ? OR EXISTS (SELECT 1 FROM participants p WHERE p.chat_id = c.id AND p.user_id = ? AND p.role <> 'visitor'))")
		args = append(args, f.AgentID, f.AgentID)
	}
	if len(f.States) > 0 {
		w, args = append(w, "c.state IN ?"), append(args, f.States)
	}
	if v := strings.TrimSpace(f.Visitor); v != "" {
		pattern := "%" + likeEscaper.Replace(strings.ToLower(v)) + "%"
		w = append(w, `(lower(c.visitor_name) LIKE ? ESCAPE '\' OR c.visitor_email_key LIKE ? ESCAPE '\')`)
		args = append(args, pattern, pattern)
	}
	if f.RatingMin > 0 || f.RatingMax > 0 {
		// A rating is an answer of the post-chat survey, kept in the chat's fields under the
		// name of one of the tenant's rating fields; the answers in range are listed as text,
		// which is how they are stored.
		lo, hi := max(1, f.RatingMin), MaxRating
		if f.RatingMax > 0 {
			hi = min(hi, f.RatingMax)
		}
		values := []string{}
		for r := lo; r <= hi; r++ {
			values = append(values, strconv.Itoa(r))
		}
		if len(values) == 0 {
			values = append(values, "none") // an empty range: nothing matches
		}
		each := "json_each(CASE WHEN json_valid(c.fields) THEN c.fields END)"
		if dialect == DialectPostgres {
			each = "jsonb_each_text(CASE WHEN c.fields LIKE '{%' THEN c.fields::jsonb END)"
		}
		w = append(w, "EXISTS (SELECT 1 FROM "+each+" j WHERE j.value IN ? AND j.key IN (SELECT r.field_name FROM survey_fields r WHERE r.tenant_id = c.tenant_id AND r.kind = 'post' AND r.field_type = 'rating'))")
		args = append(args, values)
	}
	if len(f.TagIDs) > 0 {
		w = append(w, "EXISTS (SELECT 1 FROM chat_tags t WHERE t.chat_id = c.id AND t.tag_id IN ? AND t.tenant_id = c.tenant_id)")
		args = append(args, f.TagIDs)
	}
	if len(f.OutcomeIDs) > 0 {
		w, args = append(w, "c.outcome_id IN ?"), append(args, f.OutcomeIDs)
	}
	if f.ContactID != 0 {
		w = append(w, "c.id IN (SELECT cc.chat_id FROM contact_chats cc WHERE cc.contact_id = ? AND cc.tenant_id = ?)")
		args = append(args, f.ContactID, f.TenantID)
	}
	if s := f.Scope; s != nil {
		own := "(c.agent_id = ? OR EXISTS (SELECT 1 FROM participants p WHERE p.chat_id = c.id AND p.user_id = ? AND p.role <> 'visitor'))"
		if len(s.GroupIDs) > 0 {
			w = append(w, "("+own+" OR c.connector_id IN (SELECT k.id FROM connectors k WHERE k.group_id IN ? AND k.tenant_id = ?))")
			args = append(args, s.UserID, s.UserID, s.GroupIDs, f.TenantID)
		} else {
			w = append(w, own)
			args = append(args, s.UserID, s.UserID)
		}
	}
	return strings.Join(w, " AND "), args
}

// likeEscaper makes a user's text match literally inside a LIKE pattern with ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ArchiveChats lists the chats f selects, newest first, at most limit of them (1..1000),
// starting after the cursor. The next page starts after the last chat returned.
func (s *Store) ArchiveChats(ctx context.Context, f ArchiveFilter, after ArchiveCursor, limit int) ([]Chat, error) {
	if f.TenantID == 0 {
		return nil, fmt.Errorf("store: archive: %w: no tenant", ErrInvalid)
	}
	limit = max(1, min(limit, 1000))
	where, args := f.conditions(s.dialect)
	if !after.IsZero() {
		at := normTime(after.CreatedAt)
		where += " AND (c.created_at < ? OR (c.created_at = ? AND c.id < ?))"
		args = append(args, at, at, after.ID)
	}
	q := s.r.WithContext(ctx).Table("chats AS c").Where(where, args...).Order("c.created_at DESC, c.id DESC").Limit(limit)
	out, err := findChats(q)
	return out, wrap("archive", err)
}

// EachArchivePage calls fn with every chat f selects, newest first, a page at a time (up to
// ArchivePage chats), so that an export of a year of chats streams without holding them and
// reads what it adds to each chat (tags) once per page. It stops at fn's first error and
// returns it.
func (s *Store) EachArchivePage(ctx context.Context, f ArchiveFilter, fn func([]Chat) error) error {
	var after ArchiveCursor
	const page = ArchivePage
	for {
		chats, err := s.ArchiveChats(ctx, f, after, page)
		if err != nil {
			return err
		}
		if len(chats) > 0 {
			if err := fn(chats); err != nil {
				return err
			}
		}
		if len(chats) < page {
			return nil
		}
		last := chats[len(chats)-1]
		after = ArchiveCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
}

// ArchivePage is the number of chats EachArchivePage reads at once.
const ArchivePage = 500

// pgDenseMatches is the number of matching messages from which PostgreSQL's search reads
// messages newest first instead of fetching every match through the word index, unless
// Config.SearchDenseMatches says otherwise.
const pgDenseMatches = 3000

// pgFewChats is the number of chats a filter keeps below which PostgreSQL's search of a
// common word reads the messages of those chats instead of all messages newest first, unless
// Config.SearchFewChats says otherwise.
const pgFewChats = 2000

// searchRow is one matching message as the search query reads it.
type searchRow struct {
	RID int64      `gorm:"column:rid"`
	Msg messageRow `gorm:"embedded"`
}

// SearchMessages finds the messages of the chats f selects that contain every one of terms
// (words; a term ending in "*" matches as a prefix on SQLite), newest first, at most limit
// (1..200), continuing after the cursor a previous hit's Next gave ("" for the first page).
// Terms must be words as [archive.Terms] makes them: letters and digits only. SQLite matches
// through its FTS5 index with accents and case folded; PostgreSQL through each message's
// tsvector, stemmed in its chat's language, against the words stemmed in English, German and
// French and taken as written. An empty terms list finds nothing.
func (s *Store) SearchMessages(ctx context.Context, f ArchiveFilter, terms []string, after string, limit int) ([]SearchHit, error) {
	if f.TenantID == 0 {
		return nil, fmt.Errorf("store: search: %w: no tenant", ErrInvalid)
	}
	if len(terms) == 0 {
		return nil, nil
	}
	limit = max(1, min(limit, 200))
	where, args := f.conditions(s.dialect)
	var q *gorm.DB
	db := s.r.WithContext(ctx)
	if s.dialect == DialectPostgres {
		text := strings.Join(stripPrefixMarks(terms), " ")
		words, prefix := pgQueryText(terms)
		if words == "" {
			return nil, nil
		}
		tenant := tenantLexemeQuery(f.TenantID)
		// The words in each configuration, and the tenant's lexeme (migration 43): the word
		// index alone finds a tenant's matches. The two stay two conditions (one scan of the
		// index): words that give no lexeme make an empty query, which matches nothing,
		// whereas ANDed into one query it would leave the tenant's, which matches all.
		match := func(col string) string {
			return col + ` @@ (to_tsquery('english', ?) || to_tsquery('german', ?) || to_tsquery('french', ?) || to_tsquery('simple', ?)) AND ` + col + ` @@ ?::tsquery`
		}
		qa := []any{words, words, words, words, tenant}
		// The planner cannot tell a rare word from a common one in this query, so the search
		// estimates how many messages match from the word column's statistics (searchplan.go):
		// few are fetched through the index and sorted; many are found faster by reading
		// messages newest first. When the statistics do not tell (none, prefixes, or words
		// that are common alone and may or may not come together in the tenant) it reads a
		// bounded number of the newest messages first (see doubtful below).
		likely, most, known, err := pgEstimateMatches(ctx, db, text, tenantLexeme(f.TenantID))
		if err != nil {
			return nil, wrap("search", err)
		}
		known = known && !prefix
		// A prefix alone ("deliv*") is common when the words it begins are: counting its
		// matches through the index would merge the lists of all of them.
		var prefixAtLeast float64
		if prefix && len(terms) == 1 {
			if prefixAtLeast, err = pgPrefixMatches(ctx, db, strings.TrimRight(terms[0], "*"), tenantLexeme(f.TenantID)); err != nil {
				return nil, wrap("search", err)
			}
		}
		var matches int64
		doubtful := false
		switch {
		case prefixAtLeast >= float64(s.denseMatches):
			matches = int64(prefixAtLeast)
		case known && most < float64(s.denseMatches):
			matches = int64(most)
		case known && likely >= float64(s.denseMatches):
			matches = int64(likely)
		default:
			// Words common alone, which may or may not come together in this tenant.
			doubtful = true
		}
		// A common word with a narrow chat filter (a visitor, an agent, a few days) is found
		// fastest from the other side: the few chats the filter keeps, then the messages of
		// each (LATERAL: the planner would rather fetch every match through the word index
		// and join them to the chats, which costs as much as the common word has matches).
		few := false
		if (doubtful || matches >= int64(s.denseMatches)) && where != "c.tenant_id = ?" {
			var chats int64
			if err := db.Raw(`SELECT count(*) FROM (SELECT 1 FROM chats c WHERE `+where+` LIMIT ?) x`, append(args, s.fewChats)...).Scan(&chats).Error; err != nil {
				return nil, wrap("search", err)
			}
			few = chats < int64(s.fewChats)
		}
		var cursor []any
		if after != "" {
			at, chatID, seq, err := parsePGCursor(after)
			if err != nil {
				return nil, err
			}
			cursor = []any{at, chatID, seq}
		}
		const cols = `SELECT 0 AS rid, m.chat_id, m.seq, m.role, m.user_id, m.name, m.text, m.client_id, m.internal, m.at, m.lang, m.translation, m.translation_lang`
		page := func(sql string, a []any) (string, []any) {
			if cursor != nil {
				sql += " AND (m.at, m.chat_id, m.seq) < (?, ?, ?)"
				a = append(a, cursor...)
			}
			return sql + " ORDER BY m.at DESC, m.chat_id DESC, m.seq DESC LIMIT ?", append(a, limit)
		}
		scan := func(db *gorm.DB, sql string, a []any) ([]searchRow, error) {
			var rows []searchRow
			sql, a = page(sql, a)
			return rows, db.Raw(sql, a...).Scan(&rows).Error
		}
		// fromIndex fetches every match through the word index and sorts them.
		fromIndex := func() ([]searchRow, error) {
			return scan(db, cols+`
FROM (SELECT * FROM messages WHERE `+match("search")+` OFFSET 0) m JOIN chats c ON c.id = m.chat_id
WHERE `+match("m.search")+` AND `+where, append(append(slices.Clone(qa), qa...), args...))
		}
		// newestFirst reads messages by time, at most depth of them (0: all), and checks
		// the words on each until the page is full. The plan must not be the planner's
		// choice: it expects as few matches as its statistics of all tenants' words say (a
		// pair of words rare elsewhere and common in this tenant), and would fetch every
		// match through the word index, or read the whole table, and sort: a second instead
		// of milliseconds. Without bitmap scans (the only way to the word index) and
		// sequential scans, what is left is the index of messages by time, read backwards;
		// the LIMIT keeps the conditions out of the subquery.
		newestFirst := func(depth int64) ([]searchRow, error) {
			var a []any
			from := `(SELECT * FROM messages m`
			if cursor != nil {
				from += ` WHERE (m.at, m.chat_id, m.seq) < (?, ?, ?)`
				a = append(a, cursor...)
			}
			if depth <= 0 {
				depth = 1 << 40
			}
			from += ` ORDER BY m.at DESC, m.chat_id DESC, m.seq DESC LIMIT ?) m`
			a = append(append(append(a, depth), qa...), args...)
			var rows []searchRow
			err := db.Transaction(func(tx *gorm.DB) error {
				// The plan's cost, a read of every message, is what the page may cost at
				// worst; compiling it (JIT) would take longer than reading the page.
				for _, set := range []string{"SET LOCAL enable_bitmapscan = off", "SET LOCAL enable_seqscan = off", "SET LOCAL jit = off"} {
					if err := tx.Exec(set).Error; err != nil {
						return err
					}
				}
				var err error
				rows, err = scan(tx, cols+`
FROM `+from+` JOIN chats c ON c.id = m.chat_id
WHERE `+match("m.search")+` AND `+where, a)
				return err
			})
			return rows, err
		}
		var rows []searchRow
		switch {
		case few:
			rows, err = scan(db, cols+`
FROM (SELECT c.id FROM chats c WHERE `+where+` OFFSET 0) c
CROSS JOIN LATERAL (SELECT * FROM messages m WHERE m.chat_id = c.id OFFSET 0) m
WHERE `+match("m.search"), append(slices.Clone(args), qa...))
		case doubtful:
			// Words common in the tenant fill a page from its newest messages; when a
			// bounded read of them does not, the matches are few (or old) enough for the
			// word index, which now has the tenant's lexeme to go by. Counting them first
			// would read as many messages as the page does.
			rows, err = newestFirst(int64(s.denseMatches) * 10)
			if err == nil && len(rows) < limit {
				rows, err = fromIndex()
			}
		case matches >= int64(s.denseMatches):
			rows, err = newestFirst(0)
		default:
			rows, err = fromIndex()
		}
		if err != nil {
			return nil, wrap("search", err)
		}
		return s.searchHits(db, f, rows)
	} else {
		sql := `SELECT messages_fts.rowid AS rid, m.chat_id, m.seq, m.role, m.user_id, m.name, m.text, m.client_id, m.internal, m.at, m.lang, m.translation, m.translation_lang
FROM messages_fts CROSS JOIN messages m ON m.rowid = messages_fts.rowid CROSS JOIN chats c ON c.id = m.chat_id
WHERE messages_fts MATCH ? AND ` + where
		a := append([]any{ftsQuery(terms)}, args...)
		if after != "" {
			rid, err := strconv.ParseInt(after, 10, 64)
			if err != nil || rid <= 0 {
				return nil, fmt.Errorf("store: search: %w: bad cursor", ErrInvalid)
			}
			sql += " AND messages_fts.rowid < ?"
			a = append(a, rid)
		}
		sql += " ORDER BY messages_fts.rowid DESC LIMIT ?"
		q = db.Raw(sql, append(a, limit)...)
	}
	var rows []searchRow
	if err := q.Scan(&rows).Error; err != nil {
		return nil, wrap("search", err)
	}
	return s.searchHits(db, f, rows)
}

// searchHits is rows, the matching messages a search read, as hits with their chats.
func (s *Store) searchHits(db *gorm.DB, f ArchiveFilter, rows []searchRow) ([]SearchHit, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(rows))
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.Msg.ChatID] {
			seen[r.Msg.ChatID] = true
			ids = append(ids, r.Msg.ChatID)
		}
	}
	chats, err := findChats(db.Where("id IN ? AND tenant_id = ?", ids, f.TenantID))
	if err != nil {
		return nil, wrap("search chats", err)
	}
	byID := make(map[string]Chat, len(chats))
	for _, c := range chats {
		byID[c.ID] = c
	}
	out := make([]SearchHit, 0, len(rows))
	for _, r := range rows {
		c, ok := byID[r.Msg.ChatID]
		if !ok {
			continue // deleted between the two reads
		}
		m := r.Msg.domain()
		next := strconv.FormatInt(r.RID, 10)
		if s.dialect == DialectPostgres {
			next = m.At.UTC().Format(time.RFC3339Nano) + "|" + m.ChatID + "|" + strconv.FormatUint(m.Seq, 10)
		}
		out = append(out, SearchHit{Message: m, Chat: c, Next: next})
	}
	return out, nil
}

// ftsQuery is terms as an FTS5 query: each term a quoted string (so that no word is read
// as an operator such as NEAR, AND or a column name), all of them required; a term ending
// in "*" is a prefix.
func ftsQuery(terms []string) string {
	parts := make([]string, 0, len(terms))
	for _, t := range terms {
		prefix := strings.HasSuffix(t, "*")
		t = strings.TrimRight(t, "*")
		if t == "" {
			continue
		}
		p := `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
		if prefix {
			p += "*"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

// pgQueryText is terms as the text of PostgreSQL's to_tsquery: each word quoted, all of
// them required (&), a term ending in "*" matched as a prefix (:*, "deliv" finds
// "delivery"). Terms should hold only letters and digits ([archive.Terms]); anything else
// in one (a quote, an operator, a control character) separates words here too, so that
// nothing typed becomes query syntax. prefix reports a prefix term; words is "" when no
// word is left.
func pgQueryText(terms []string) (words string, prefix bool) {
	var parts []string
	for _, t := range terms {
		isPrefix := strings.HasSuffix(t, "*")
		fields := strings.FieldsFunc(strings.TrimRight(t, "*"), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
		})
		for i, w := range fields {
			p := "'" + w + "'"
			if isPrefix && i == len(fields)-1 {
				p += ":*"
				prefix = true
			}
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " & "), prefix
}

// tenantLexeme is the lexeme every message of a tenant holds in its search vector on
// PostgreSQL (migration 43); tenantLexemeQuery is it as a tsquery.
func tenantLexeme(tenant int64) string { return "#t" + strconv.FormatInt(tenant, 10) }

func tenantLexemeQuery(tenant int64) string { return "'" + tenantLexeme(tenant) + "'" }

// stripPrefixMarks drops the "*" of prefix terms, for the statistics of the words.
func stripPrefixMarks(terms []string) []string {
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		if t = strings.TrimRight(t, "*"); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// parsePGCursor reads the cursor of a PostgreSQL search hit: time|chat|seq.
func parsePGCursor(s string) (time.Time, string, uint64, error) {
	bad := fmt.Errorf("store: search: %w: bad cursor", ErrInvalid)
	parts := strings.Split(s, "|")
	if len(parts) != 3 {
		return time.Time{}, "", 0, bad
	}
	at, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return time.Time{}, "", 0, bad
	}
	seq, err := strconv.ParseUint(parts[2], 10, 63)
	if err != nil {
		return time.Time{}, "", 0, bad
	}
	return at, parts[1], seq, nil
}
