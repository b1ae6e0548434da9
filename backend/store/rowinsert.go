package store

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// The message path's two multi-row inserts, of its messages and its events, are written by
// hand: GORM's Create converted every field of every row through reflection and built the
// statement anew each time (ConvertToCreateValues, Statement.Build: 5 % of the server's CPU at
// the message rate's ceiling). The columns are listed here, in GORM's order; a test
// (TestRowInsertsCoverTheirRows) holds each list to its row's schema, so that a column added
// to the row and not here fails it. Errors are translated as GORM translates them, and the
// statements are traced (slow ones logged) as GORM's are.

// rowInsert writes rows of T with multi-row INSERTs of cols.
type rowInsert[T any] struct {
	table string
	cols  []string
	// args appends r's values, in the order of cols, to a.
	args func(a []any, r *T) []any
	// searched says that on PostgreSQL the statement also writes each row's search vector
	// (messages: migrations_searchinsert.go), its chat's language and tenant joined once for
	// all rows instead of looked up by the trigger for each.
	searched bool

	texts sync.Map // "<dialect>/<rows>/<first parameter>" → the statement's text
}

var messageInsert = &rowInsert[messageRow]{
	table: "messages",
	cols:  []string{"chat_id", "seq", "role", "user_id", "name", "text", "client_id", "internal", "at", "lang", "translation", "translation_lang", "visitor_seq", "event_data"},
	args: func(a []any, r *messageRow) []any {
		return append(a, r.ChatID, r.Seq, r.Role, r.UserID, r.Name, r.Text, r.ClientID, r.Internal, r.At, r.Lang, r.Translation, r.TranslationLang, r.VisitorSeq, r.EventData)
	},
	searched: true,
}

// messageSearch is the search vector of a message row v whose chat is c (of tenant t), as the
// trigger makes it: the message's own language, else its chat's, else the tenant's default.
const messageSearch = `parley_message_search(v."lang", v."text", v."translation_lang", v."translation", coalesce(nullif(c.lang, ''), t.default_lang), c.tenant_id)`

var eventInsert = &rowInsert[eventRow]{
	table: "events",
	cols:  []string{"chat_id", "seq", "visitor_seq", "type", "data", "at"},
	args: func(a []any, r *eventRow) []any {
		return append(a, r.ChatID, r.Seq, r.VisitorSeq, r.Type, r.Data, r.At)
	},
}

// exec inserts rows in tx, in statements within the store's parameter budget. On SQLite a
// statement's rows are padded to a size of paddedRows' few, with rows of NULLs that its text
// leaves out (see text).
func (ins *rowInsert[T]) exec(s *Store, tx *gorm.DB, rows []T) error {
	per := max(1, s.paramsPerStatement()/len(ins.cols))
	for chunk := range slices.Chunk(rows, per) {
		n := len(chunk)
		if s.dialect == DialectSQLite {
			n = paddedRows(n, per)
		}
		args := make([]any, 0, n*len(ins.cols))
		for i := range chunk {
			args = ins.args(args, &chunk[i])
		}
		args = append(args, make([]any, (n-len(chunk))*len(ins.cols))...)
		if err := execRows(tx, ins.text(s.dialect, n, 1), args); err != nil {
			return err
		}
	}
	return nil
}

// paddedRows is the number of rows, at least n and at most limit, that an SQLite statement
// of n rows is written for: 1 to 4, then the powers of two and the halves between them (6,
// 8, 12, 16, 24, …), else limit. SQLite compiles a statement once per connection and keeps it
// by its text (stmtcache.go), and a text per row count — the numbering, the messages' and the
// events' inserts for every batch size from 1 to a few hundred — was more than the cache
// holds: 6 % of the committer's time at the message rate's ceiling went to compiling them
// again. With the padding a few dozen texts serve every size, at the cost of binding at
// most half as many rows again, of NULLs.
func paddedRows(n, limit int) int {
	m := n
	if n > 4 {
		p := 1 << (bits.Len(uint(n-1)) - 1) // the power of two below n
		m = p + p/2
		if m < n {
			m = 2 * p
		}
	}
	if m > limit {
		return max(n, limit)
	}
	return m
}

// execRows runs an insert's text with args in tx, translating its error and tracing it as
// GORM does.
func execRows(tx *gorm.DB, text string, args []any) error {
	ctx := tx.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	begin := time.Now()
	res, err := tx.Statement.ConnPool.ExecContext(ctx, text, args...)
	affected := int64(-1)
	if err == nil {
		affected, _ = res.RowsAffected()
	}
	return traced(ctx, tx, begin, text, affected, err)
}

// traced ends a statement run below GORM as GORM ends its own: it translates the error (when
// db is set to) and traces the statement, so that a slow or failed one is logged.
func traced(ctx context.Context, db *gorm.DB, begin time.Time, text string, rows int64, err error) error {
	if t, ok := db.Dialector.(gorm.ErrorTranslator); ok && err != nil && db.Config.TranslateError {
		err = t.Translate(err)
	}
	db.Logger.Trace(ctx, begin, func() (string, int64) { return text, rows }, err)
	return err
}

// pairRows is the most messages, and the most events, that insertMessagesAndEvents writes in
// one statement on PostgreSQL.
const pairRows = 4

// insertMessagesAndEvents writes a transaction's messages and events. On PostgreSQL a small
// batch's go in one statement, the messages' INSERT in a WITH clause ahead of the events':
// at a moderate rate nearly every message is a transaction of its own, whose round trips to
// the database (begin, numbering, message, event, commit) were most of its time, and this
// saves one of the five. Larger batches keep the two statements, whose texts are fewer (each
// text is a prepared statement on every connection that runs it).
func insertMessagesAndEvents(s *Store, tx *gorm.DB, msgs []messageRow, events []eventRow) error {
	if s.dialect == DialectPostgres && len(msgs) > 0 && len(msgs) <= pairRows && len(events) > 0 && len(events) <= pairRows {
		key := "pair/" + strconv.Itoa(len(msgs)) + "/" + strconv.Itoa(len(events))
		text, ok := pairTexts.Load(key)
		if !ok {
			text, _ = pairTexts.LoadOrStore(key, "WITH m AS ("+messageInsert.text(s.dialect, len(msgs), 1)+") "+
				eventInsert.text(s.dialect, len(events), 1+len(msgs)*len(messageInsert.cols)))
		}
		args := make([]any, 0, len(msgs)*len(messageInsert.cols)+len(events)*len(eventInsert.cols))
		for i := range msgs {
			args = messageInsert.args(args, &msgs[i])
		}
		for i := range events {
			args = eventInsert.args(args, &events[i])
		}
		if err := execRows(tx, text.(string), args); err != nil {
			return fmt.Errorf("messages and events: %w", err)
		}
		return nil
	}
	if len(msgs) > 0 {
		if err := messageInsert.exec(s, tx, msgs); err != nil {
			return fmt.Errorf("messages: %w", err)
		}
	}
	if len(events) > 0 {
		if err := eventInsert.exec(s, tx, events); err != nil {
			return fmt.Errorf("events: %w", err)
		}
	}
	return nil
}

// pairTexts keeps insertMessagesAndEvents' statements by their row counts.
var pairTexts sync.Map

// text is the statement inserting n rows, its parameters written as dialect writes them ($1 on
// PostgreSQL, ? on SQLite) and numbered from first.
func (ins *rowInsert[T]) text(dialect string, n, first int) string {
	key := dialect + "/" + strconv.Itoa(n) + "/" + strconv.Itoa(first)
	if t, ok := ins.texts.Load(key); ok {
		return t.(string)
	}
	searched := ins.searched && dialect == DialectPostgres
	var b strings.Builder
	b.WriteString(`INSERT INTO "` + ins.table + `" (`)
	for i, c := range ins.cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + c + `"`)
	}
	switch {
	case searched:
		// The rows are a list of values joined with their chats: in a SELECT the parameters
		// take their types from their casts, not from the columns they go to.
		b.WriteString(`,"search") SELECT v.*, ` + messageSearch + ` FROM (VALUES `)
	case dialect == DialectSQLite:
		// The padding rows (exec) are all NULL: a row's first column, its chat, never is.
		b.WriteString(") SELECT * FROM (VALUES ")
	default:
		b.WriteString(") VALUES ")
	}
	p := first - 1
	for r := range n {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for i, c := range ins.cols {
			if i > 0 {
				b.WriteByte(',')
			}
			p++
			switch {
			case searched:
				b.WriteString("CAST($" + strconv.Itoa(p) + " AS " + pgColumnTypes[c] + ")")
			case dialect == DialectPostgres:
				b.WriteString("$" + strconv.Itoa(p))
			default:
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	if searched {
		b.WriteString(") AS v(")
		for i, c := range ins.cols {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + c + `"`)
		}
		b.WriteString(`) LEFT JOIN chats c ON c.id = v."chat_id" LEFT JOIN tenants t ON t.id = c.tenant_id`)
	} else if dialect == DialectSQLite {
		b.WriteString(") WHERE column1 IS NOT NULL")
	}
	if !keptText(dialect, n) {
		return b.String()
	}
	t, _ := ins.texts.LoadOrStore(key, b.String())
	return t.(string)
}
