package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/parleychat/parley/shared/protocol"
)

// On PostgreSQL, a batch of chats' messages — at a moderate rate a commit of the few messages
// of the milliseconds the one before took, at the ceiling one of a hundred and more — is
// written as one statement: the numbering UPDATE of the chat rows in a WITH clause, the
// messages' and the events' INSERTs beside it taking their numbers from it: the rows of a
// few chats as values, those of more column by column in arrays, whose one statement text
// serves every size. A single statement commits by itself, so the BEGIN, the numbering, the
// inserts and the COMMIT, five round trips to the database, become one: in a profile at 1,000
// messages a second the round trips were two fifths of the server's CPU, and at the ceiling
// the committer waited between them for its turn on a core while the database had nothing to
// do.
//
// The statement writes only where the transaction would have written nothing else, and all
// or nothing: its numbering updates the chats only when every one of them exists (locked
// first, so that none can go while it runs), has no
// tenant with an enabled webhook endpoint and is no WhatsApp chat (whose events go to those
// outboxes as well), and the inserts take their rows from the numbering's. Otherwise it
// writes nothing, and the writes go through the transaction of applyUnits, whose numbering
// tells the committer which chats to send that way from then on (committer.twoStep).

const (
	// fewChats and fewRows bound a batch whose statement lists its rows as values, one
	// statement text for each count of chats, messages and events: its plan knows them, where
	// the arrays' text, one for all, is planned once for every size (a table scan of the chats
	// where they are few). At one message a commit the values' statement costs the database a
	// fifth less. A batch beyond either passes its rows in arrays.
	fewChats = 8
	fewRows  = 8
	// twoStepChats is the most chats the committer remembers as written in a transaction;
	// past it, it forgets them all and learns them again.
	twoStepChats = 4096
)

// oneStatementFits says whether the transaction of units may be written as one statement: on
// PostgreSQL, events (and messages) of chats, none changing a chat's state (closing it may
// start report exports and transcripts), with no chat row, participant, mail, push or routing
// term, and no chat known to need the transaction.
func (s *Store) oneStatementFits(units []*commitItem, order []string, chats []chatRow, notices []PushNotice) bool {
	if s.dialect != DialectPostgres || len(order) == 0 || len(chats) > 0 || len(notices) > 0 {
		return false
	}
	for _, id := range order {
		if _, known := s.gc.twoStep[id]; known {
			return false
		}
	}
	events := 0
	for _, u := range units {
		if u.term != 0 {
			return false
		}
		for _, w := range u.ws {
			if w.Participant != nil || w.Mail != nil || w.Limit != nil {
				return false
			}
			if w.Event != nil {
				if protocol.Type(w.Event.Type) == protocol.TypeChatState {
					return false
				}
				events++
			}
		}
	}
	return events > 0
}

// noteTwoStep remembers the chats a transaction's numbering found to need it (see seqCount).
// Only the committer's goroutine calls it.
func (c *committer) noteTwoStep(counts map[string]*seqCount) {
	for id, n := range counts {
		if n.hooks || n.whatsapp {
			if len(c.twoStep) >= twoStepChats {
				clear(c.twoStep)
			}
			c.twoStep[id] = struct{}{}
		}
	}
}

// applyOneStatement writes the units, events of the chats of order, with one statement (see
// above). It reports false, having written nothing, when they need the transaction instead.
// The result is valid when the error is nil or an *outcomeUnknown; with the latter its numbers
// are relative to the chats' counters before the statement (applied.relative), which landed
// finds out.
func (s *Store) applyOneStatement(ctx context.Context, units []*commitItem, order []string, counts map[string]*seqCount) (*applied, bool, error) {
	res := &applied{relative: true}
	for _, id := range order {
		counts[id].nextAll, counts[id].nextVisitor = 0, 0
	}
	msgs, events, _ := unitRows(units, counts, res)
	text, args := oneStatementArgs(order, counts, msgs, events)

	sqlDB, err := s.w.DB()
	if err != nil {
		return nil, false, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("messages and events: %w", err) // nothing was sent
	}
	defer conn.Close()
	if err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("a connection of %T, not pgx's", dc)
		}
		res.backend = c.Conn().PgConn().PID()
		return nil
	}); err != nil {
		return nil, false, err
	}
	begin := time.Now()
	rows, err := conn.QueryContext(ctx, text, args...)
	bases := make(map[string][3]int64, len(order))
	if err == nil {
		for rows.Next() {
			var id string
			var b [3]int64
			if err = rows.Scan(&id, &b[0], &b[1], &b[2]); err != nil {
				break
			}
			bases[id] = b
		}
		err = errors.Join(err, rows.Err(), rows.Close())
	}
	err = traced(ctx, s.w, begin, text, int64(len(msgs)+len(events)), err)
	switch {
	case err != nil && (transient(err) || ctx.Err() != nil):
		// The statement is its own transaction: a connection lost while it ran leaves it
		// committed or not, or still running.
		return res, false, &outcomeUnknown{fmt.Errorf("messages and events: %w", err)}
	case err != nil:
		return nil, false, fmt.Errorf("messages and events: %w", err)
	case len(bases) == 0:
		return nil, false, nil
	case len(bases) != len(order):
		// The numbering updates every chat or none (see above).
		return nil, false, fmt.Errorf("messages and events: %d of %d chats numbered", len(bases), len(order))
	}
	res.settle(bases)
	s.gc.single.Add(1)
	return res, true, nil
}

// oneStatementArgs is the statement writing msgs and events of the chats of order, each
// chat's counts in counts, and its arguments: the values' statement for a few chats and rows,
// the arrays' for more (see fewChats).
func oneStatementArgs(order []string, counts map[string]*seqCount, msgs []messageRow, events []eventRow) (string, []any) {
	if len(order) > fewChats || len(msgs) > fewRows || len(events) > fewRows {
		ids, all, visible := make([]string, len(order)), make([]int64, len(order)), make([]int64, len(order))
		for i, id := range order {
			ids[i], all[i], visible[i] = id, int64(counts[id].all), int64(counts[id].visitor)
		}
		args := append([]any{int64(len(order)), ids, all, visible}, messageColumns(msgs)...)
		return arraysStatementText(), append(args, eventColumns(events)...)
	}
	args := make([]any, 0, 1+3*len(order)+len(msgs)*len(messageInsert.cols)+len(events)*len(eventInsert.cols))
	args = append(args, int64(len(order)))
	for _, id := range order {
		args = append(args, id, int64(counts[id].all), int64(counts[id].visitor))
	}
	for i := range msgs {
		args = messageInsert.args(args, &msgs[i])
	}
	for i := range events {
		args = eventInsert.args(args, &events[i])
	}
	return valuesStatementText(len(order), len(msgs), len(events)), args
}

// settle turns a one-statement result's relative numbers into the chats': bases maps each
// chat to its counters before the statement (all events, the visitor's) and its tenant.
func (a *applied) settle(bases map[string][3]int64) {
	for i := range a.events {
		r := &a.events[i].row
		b := bases[r.ChatID]
		r.Seq += uint64(b[0])
		if r.VisitorSeq != 0 {
			r.VisitorSeq += uint64(b[1])
		}
		a.events[i].tenant = b[2]
	}
	a.relative = false
}

// landedOneStatement is landed for a one-statement result. Unlike a transaction's COMMIT, the
// statement holds no lock the question could wait for until it has sent it: it may not even
// have started when its connection broke. So the backend that ran it is ended first, and once
// it is gone the statement has committed or never will. Then each chat's first event is
// looked for by what it holds (chat, type, time and body) rather than by its number, which
// only the statement knew; the statement wrote all of them or none, and res's numbers are
// settled from the found events'.
//
// Ending a backend whose number was meanwhile given to another one (the first having ended)
// costs that one's client a lost connection, which every user of the database retries; one of
// another role, which the store may not end, tells that the first has ended.
func (s *Store) landedOneStatement(db *gorm.DB, res *applied) (bool, error) {
	for {
		var alive []bool
		err := db.Raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ?", int64(res.backend)).Scan(&alive).Error
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42501" {
			// Not ours to end: the number belongs to another role's backend now, so the one
			// that ran the statement, ours, is gone.
			break
		}
		if err != nil {
			return false, err
		}
		if len(alive) == 0 {
			break
		}
		select {
		case <-db.Statement.Context.Done():
			return false, db.Statement.Context.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	// Each chat's probe: its first event the visitor sees, whose visitor number tells the
	// base of those too, or its first.
	probes := map[string]numbered{}
	var order []string
	for _, n := range res.events {
		p, ok := probes[n.row.ChatID]
		if !ok {
			order = append(order, n.row.ChatID)
		}
		if !ok || p.row.VisitorSeq == 0 && n.row.VisitorSeq != 0 {
			probes[n.row.ChatID] = n
		}
	}
	bases := make(map[string][3]int64, len(order))
	for _, id := range order {
		probe := probes[id].row
		var found []struct{ Seq, VisitorSeq, TenantID int64 }
		err := db.Table("chat_events e").Select("e.seq, e.visitor_seq, c.tenant_id").Joins("JOIN chats c ON c.id = e.chat_id").
			Where("e.chat_id = ? AND e.type = ? AND e.at = ? AND e.data = ?", probe.ChatID, probe.Type, probe.At, probe.Data).
			Order("e.seq").Limit(1).Find(&found).Error
		if err != nil {
			return false, err
		}
		if len(found) == 0 {
			if len(bases) > 0 {
				return false, fmt.Errorf("a one-statement write found in part: chat %s lacks its events", id)
			}
			return false, nil
		}
		b := [3]int64{found[0].Seq - int64(probe.Seq), 0, found[0].TenantID}
		if probe.VisitorSeq != 0 {
			b[1] = found[0].VisitorSeq - int64(probe.VisitorSeq)
		}
		bases[id] = b
	}
	res.settle(bases)
	return true, nil
}

// pgColumnTypes are the PostgreSQL types of the columns one statement writes (those of
// messageInsert and eventInsert): its parameters stand in a SELECT, where the database cannot
// take their types from the columns they go to. TestOneStatementTypesCoverTheInserts holds it
// to the inserts' columns.
var pgColumnTypes = map[string]string{
	"chat_id": "text", "seq": "bigint", "visitor_seq": "bigint", "role": "text", "user_id": "bigint", "name": "text",
	"text": "text", "client_id": "text", "internal": "boolean", "at": "timestamptz", "lang": "text",
	"translation": "text", "translation_lang": "text", "type": "text", "data": "text", "event_data": "text",
}

// writeNumbering writes the one statement's head: v, the chats and their counts (a CTE of
// columns id, n, m), their locking, counting and numbering (n).
//
// Both texts of the statement take as parameters $1, the number of chats; each chat's id and
// how far its counters go up (all events, those the visitor sees); then the messages' columns
// (their seqs relative to their chats' counters before), then the events' (their visitor_seqs
// relative too, 0 for agents-only). The messages' search vectors are written too, as
// messageInsert writes them. The statement returns each chat's counters before it and its
// tenant, or no row when it wrote nothing.
func writeNumbering(b *strings.Builder, v string) {
	// The chats are locked before they are counted, in the order of their ids: a chat deleted
	// meanwhile is then missing from the count, not skipped by the UPDATE after the others
	// were numbered, and two nodes writing the same chats wait for each other in turn.
	b.WriteString("WITH v(id, n, m) AS (" + v + "), " +
		"locked AS (SELECT chats.id FROM chats JOIN v ON chats.id = v.id " +
		"WHERE NOT EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.tenant_id = chats.tenant_id AND w.enabled) " +
		"AND NOT EXISTS (SELECT 1 FROM whatsapp_chats c WHERE c.chat_id = chats.id) ORDER BY chats.id FOR NO KEY UPDATE OF chats), " +
		"ok AS (SELECT count(*) AS k FROM locked), " +
		"n AS (UPDATE chats SET last_seq = chats.last_seq + v.n, last_visitor_seq = chats.last_visitor_seq + v.m FROM v, ok " +
		"WHERE chats.id = v.id AND ok.k = CAST($1 AS bigint) " +
		"RETURNING chats.id, chats.last_seq - v.n AS base, chats.last_visitor_seq - v.m AS base_visitor, chats.tenant_id, " +
		"coalesce(nullif(chats.lang, ''), (SELECT t.default_lang FROM tenants t WHERE t.id = chats.tenant_id)) AS lang)")
}

// writeInsertHead writes the start of the INSERT of table's cols named name, up to its SELECT.
func writeInsertHead(b *strings.Builder, name, table string, cols []string, searched bool) {
	b.WriteString(", " + name + " AS (INSERT INTO " + table + " (")
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + c + `"`)
	}
	if searched {
		b.WriteString(`,"search"`)
	}
	b.WriteString(") ")
}

// numberedColumn is the value of column c of a row given as v, numbered from its chat's
// counters before the statement (n).
func numberedColumn(c, v string) string {
	switch c {
	case "seq":
		return "n.base + " + v
	case "visitor_seq":
		return "CASE WHEN " + v + " = 0 THEN 0 ELSE n.base_visitor + " + v + " END"
	}
	return v
}

// searchColumn is a message's search vector from its language, text, translation's language
// and translation, its chat's language and tenant coming from n.
func searchColumn(lang, text, translationLang, translation string) string {
	return "parley_message_search(" + lang + ", " + text + ", " + translationLang + ", " + translation + ", n.lang, n.tenant_id)"
}

// valuesTexts keeps valuesStatementText's statements by their counts.
var valuesTexts sync.Map

// valuesStatementText is the statement writing m messages and e events of c chats, each row's
// columns a parameter each.
func valuesStatementText(c, m, e int) string {
	key := strconv.Itoa(c) + "/" + strconv.Itoa(m) + "/" + strconv.Itoa(e)
	if t, ok := valuesTexts.Load(key); ok {
		return t.(string)
	}
	var b strings.Builder
	p := 1
	param := func(typ string) string {
		p++
		return "CAST($" + strconv.Itoa(p) + " AS " + typ + ")"
	}
	var v strings.Builder
	v.WriteString("VALUES ")
	for i := range c {
		if i > 0 {
			v.WriteString(", ")
		}
		v.WriteString("(" + param("text") + ", " + param("bigint") + ", " + param("bigint") + ")")
	}
	writeNumbering(&b, v.String())
	rows := func(name, table string, cols []string, n int, searched bool) {
		writeInsertHead(&b, name, table, cols, searched)
		for r := range n {
			if r > 0 {
				b.WriteString(" UNION ALL ")
			}
			b.WriteString("SELECT ")
			vals := map[string]string{}
			for i, c := range cols {
				if i > 0 {
					b.WriteString(", ")
				}
				vals[c] = param(pgColumnTypes[c])
				b.WriteString(numberedColumn(c, vals[c]))
			}
			if searched {
				b.WriteString(", " + searchColumn(vals["lang"], vals["text"], vals["translation_lang"], vals["translation"]))
			}
			b.WriteString(" FROM n WHERE n.id = " + vals["chat_id"])
		}
		b.WriteByte(')')
	}
	if m > 0 {
		rows("m", "messages", messageInsert.cols, m, true)
	}
	if e > 0 {
		rows("e", "events", eventInsert.cols, e, false)
	}
	b.WriteString(" SELECT id, base, base_visitor, tenant_id FROM n")
	t, _ := valuesTexts.LoadOrStore(key, b.String())
	return t.(string)
}

// arraysStatementText is the statement writing any number of chats' messages and events, the
// chats' ids and counts as three arrays, then each column of the messages (messageColumns) and
// of the events (eventColumns) as an array.
var arraysStatementText = sync.OnceValue(func() string {
	var b strings.Builder
	writeNumbering(&b, "SELECT * FROM unnest(CAST($2 AS text[]), CAST($3 AS bigint[]), CAST($4 AS bigint[]))")
	p := 4
	rows := func(name, table string, cols []string, searched bool) {
		writeInsertHead(&b, name, table, cols, searched)
		b.WriteString("SELECT ")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(numberedColumn(c, `r."`+c+`"`))
		}
		if searched {
			b.WriteString(", " + searchColumn(`r."lang"`, `r."text"`, `r."translation_lang"`, `r."translation"`))
		}
		b.WriteString(" FROM unnest(")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			p++
			b.WriteString("CAST($" + strconv.Itoa(p) + " AS " + pgColumnTypes[c] + "[])")
		}
		b.WriteString(") AS r(")
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + c + `"`)
		}
		b.WriteString(`) JOIN n ON n.id = r."chat_id")`)
	}
	rows("m", "messages", messageInsert.cols, true)
	rows("e", "events", eventInsert.cols, false)
	b.WriteString(" SELECT id, base, base_visitor, tenant_id FROM n")
	return b.String()
})

// messageColumns are msgs' columns as the one statement takes them: an array each, in the
// order of messageInsert's columns (TestOneStatementColumns holds the two together).
func messageColumns(msgs []messageRow) []any {
	n := len(msgs)
	chat, seq, role, user, name, text, client := make([]string, n), make([]int64, n), make([]string, n), make([]int64, n), make([]string, n), make([]string, n), make([]string, n)
	internal, at, lang, translation, translationLang := make([]bool, n), make([]time.Time, n), make([]string, n), make([]string, n), make([]string, n)
	visible, data := make([]int64, n), make([]string, n)
	for i := range msgs {
		r := &msgs[i]
		chat[i], seq[i], role[i], user[i], name[i], text[i], client[i] = r.ChatID, int64(r.Seq), r.Role, r.UserID, r.Name, r.Text, r.ClientID
		internal[i], at[i], lang[i], translation[i], translationLang[i] = r.Internal, r.At, r.Lang, r.Translation, r.TranslationLang
		visible[i], data[i] = int64(r.VisitorSeq), r.EventData
	}
	return []any{chat, seq, role, user, name, text, client, internal, at, lang, translation, translationLang, visible, data}
}

// eventColumns are events' columns as the one statement takes them: an array each, in the
// order of eventInsert's columns.
func eventColumns(events []eventRow) []any {
	n := len(events)
	chat, seq, visible, typ, data, at := make([]string, n), make([]int64, n), make([]int64, n), make([]string, n), make([]string, n), make([]time.Time, n)
	for i := range events {
		r := &events[i]
		chat[i], seq[i], visible[i], typ[i], data[i], at[i] = r.ChatID, int64(r.Seq), int64(r.VisitorSeq), r.Type, r.Data, r.At
	}
	return []any{chat, seq, visible, typ, data, at}
}
