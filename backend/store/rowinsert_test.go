package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestRowInsertsCoverTheirRows: each hand-written insert names its row's table and every
// column of its row, in GORM's order, and passes each field's value to its column; a column
// added to a row and not to its insert fails here.
func TestRowInsertsCoverTheirRows(t *testing.T) {
	s := openStore(t, sqliteConfig(t))
	check := func(row any, table string, cols []string, args []any) {
		t.Helper()
		stmt := &gorm.Statement{DB: s.w}
		if err := stmt.Parse(row); err != nil {
			t.Fatal(err)
		}
		if stmt.Schema.Table != table {
			t.Errorf("%T is table %q, its insert writes %q", row, stmt.Schema.Table, table)
		}
		var want []string
		var values []any
		rv := reflect.ValueOf(row)
		for _, f := range stmt.Schema.Fields {
			if f.DBName == "" {
				continue
			}
			want = append(want, f.DBName)
			v, _ := f.ValueOf(t.Context(), rv)
			values = append(values, v)
		}
		if strings.Join(cols, ",") != strings.Join(want, ",") {
			t.Errorf("%T's insert writes %v; its columns are %v", row, cols, want)
		}
		if !reflect.DeepEqual(args, values) {
			t.Errorf("%T's insert passes %#v; its fields hold %#v", row, args, values)
		}
	}
	at := time.Date(2026, 12, 6, 10, 0, 0, 1000, time.UTC)
	// Every field a value of its own, so that a field passed to another column shows.
	m := messageRow{ChatID: "c", Seq: 2, Role: "visitor", UserID: 3, Name: "n", Text: "t", ClientID: "k", Internal: true, At: at, Lang: "de", Translation: "tr", TranslationLang: "en"}
	check(m, messageInsert.table, messageInsert.cols, messageInsert.args(nil, &m))
	e := eventRow{ChatID: "c", Seq: 2, VisitorSeq: 1, Type: "message", Data: `{}`, At: at}
	check(e, eventInsert.table, eventInsert.cols, eventInsert.args(nil, &e))
}

// TestRowInsertsSplitAndTranslate: rows past one statement's parameter budget go in several
// statements, all in the transaction, and a broken rule comes back as GORM's error for it
// (here a client id used twice: gorm.ErrDuplicatedKey), which the committer takes as lasting.
func TestRowInsertsSplitAndTranslate(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "T")
			c := newChat(t, s, ten.ID, nil)
			// One statement more than the budget holds: 90 rows on SQLite, 5,468 on PostgreSQL.
			n := s.paramsPerStatement()/len(messageInsert.cols) + 7
			var ws []Write
			for i := range n {
				ws = append(ws, msgWrite(c.ID, 0, "m", "k"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+strconv.Itoa(i)))
			}
			if err := s.Commit(ctx, ws...); err != nil {
				t.Fatal(err)
			}
			msgs, err := s.Messages(ctx, c.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != n || msgs[0].Seq != 1 || msgs[n-1].Seq != uint64(n) {
				t.Fatalf("%d messages back of %d", len(msgs), n)
			}
			events, err := s.EventsAfter(ctx, c.ID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) < n {
				t.Fatalf("%d events back of %d", len(events), n)
			}
			dup := msgWrite(c.ID, 0, "again", msgs[5].ClientID)
			tx := s.w.Begin()
			defer tx.Rollback()
			row := messageToRow(dup.Message)
			row.Seq = uint64(n + 1)
			err = messageInsert.exec(s, tx, []messageRow{row})
			if !errors.Is(err, gorm.ErrDuplicatedKey) || transient(err) {
				t.Fatalf("a client id used twice: %v (transient %v)", err, transient(err))
			}
		})
	}
}

// TestMessagesAndEventsInOneStatement: a transaction's messages and events are written, field
// by field, whether they go in one statement (PostgreSQL, up to pairRows of each), in two (more
// rows, or SQLite) or only one kind is there; a client id used twice in the one statement is
// gorm.ErrDuplicatedKey, lasting, and leaves neither row.
func TestMessagesAndEventsInOneStatement(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "T")
			at := time.Date(2026, 12, 6, 10, 0, 0, 1000, time.UTC)
			for _, c := range []struct{ msgs, notes int }{{1, 0}, {1, 1}, {2, 2}, {4, 0}, {5, 0}, {0, 3}, {3, 1}} {
				ch := newChat(t, s, ten.ID, nil)
				var ws []Write
				for i := range c.msgs {
					w := msgWrite(ch.ID, 0, fmt.Sprint("text ", i), fmt.Sprint("k", i))
					w.Event.At, w.Message.At = at, at
					w.Message.Lang, w.Message.Translation, w.Message.TranslationLang = "de", fmt.Sprint("tr ", i), "en"
					ws = append(ws, w)
				}
				for range c.notes {
					ws = append(ws, Write{Event: &Event{ChatID: ch.ID, Type: "note", AgentsOnly: true, At: at, Data: json.RawMessage(`{"n":1}`)}})
				}
				if err := s.Commit(ctx, ws...); err != nil {
					t.Fatalf("%+v: %v", c, err)
				}
				msgs := must[[]Message](t)(s.Messages(ctx, ch.ID, 0))
				events := must[[]Event](t)(s.EventsAfter(ctx, ch.ID, 0, 0))
				if len(msgs) != c.msgs || len(events) != c.msgs+c.notes {
					t.Fatalf("%+v: %d messages, %d events back", c, len(msgs), len(events))
				}
				for i, m := range msgs {
					if m.Seq != uint64(i+1) || m.Text != fmt.Sprint("text ", i) || m.ClientID != fmt.Sprint("k", i) || m.Role != "visitor" ||
						m.Lang != "de" || m.Translation != fmt.Sprint("tr ", i) || m.TranslationLang != "en" || !m.At.Equal(at) {
						t.Fatalf("%+v: message %d came back as %+v", c, i, m)
					}
				}
				for i, e := range events {
					note := i >= c.msgs
					if e.Seq != uint64(i+1) || e.AgentsOnly != note || (e.Type == "note") != note || !e.At.Equal(at) {
						t.Fatalf("%+v: event %d came back as %+v", c, i, e)
					}
				}
			}
			if b.name == "postgres" {
				// Through the pair statement too, not only the one statement of a batch with
				// nothing else to write (onestatement.go), which takes the lines above.
				ch := newChat(t, s, ten.ID, nil)
				before := s.CommitStats().Single
				w := msgWrite(ch.ID, 0, "with a participant", "p")
				w.Participant = &Participant{ChatID: ch.ID, UserID: 7, Role: ParticipantAgent, Name: "A"}
				if err := s.Commit(ctx, w); err != nil {
					t.Fatal(err)
				}
				if _, used := pairTexts.Load("pair/1/1"); !used || s.CommitStats().Single != before {
					t.Fatal("one message and its event, beside a participant, went in two statements")
				}
				if n := len(must[[]Message](t)(s.Messages(ctx, ch.ID, 0))); n != 1 {
					t.Fatalf("%d messages back of 1", n)
				}
			}
			ch := newChat(t, s, ten.ID, nil)
			if err := s.Commit(ctx, msgWrite(ch.ID, 0, "first", "same")); err != nil {
				t.Fatal(err)
			}
			err := s.Commit(ctx, msgWrite(ch.ID, 0, "again", "same"))
			if !errors.Is(err, gorm.ErrDuplicatedKey) || transient(err) {
				t.Fatalf("a client id used twice: %v (transient %v)", err, transient(err))
			}
			if evs := must[[]Event](t)(s.EventsAfter(ctx, ch.ID, 0, 0)); len(evs) != 1 {
				t.Fatalf("%d events after the refused line, want 1", len(evs))
			}
		})
	}
}

// TestPaddedRows: an SQLite statement's row count is padded to one of a few sizes, never
// fewer rows than it holds, at most half again as many, and no more than the parameter
// budget allows; PostgreSQL's large statements' texts are not kept.
func TestPaddedRows(t *testing.T) {
	for _, c := range []struct{ n, limit, want int }{
		{1, 83, 1}, {4, 83, 4}, {5, 83, 6}, {6, 83, 6}, {7, 83, 8}, {9, 83, 12}, {13, 83, 16},
		{17, 83, 24}, {25, 83, 32}, {33, 83, 48}, {49, 83, 64}, {65, 83, 83}, {83, 83, 83}, {3, 2, 3},
	} {
		if got := paddedRows(c.n, c.limit); got != c.want {
			t.Errorf("paddedRows(%d, %d) = %d, want %d", c.n, c.limit, got, c.want)
		}
	}
	sizes := map[int]bool{}
	for n := 1; n <= 332; n++ {
		m := paddedRows(n, 332)
		if m < n || m > 332 || 2*m > 3*n {
			t.Fatalf("paddedRows(%d, 332) = %d", n, m)
		}
		sizes[m] = true
	}
	if len(sizes) > 20 {
		t.Fatalf("%d statement sizes for 1 to 332 rows", len(sizes))
	}
	// PostgreSQL's counts are not padded: only small statements' texts are kept.
	for _, n := range []int{keptTextRows + 1, 5000} {
		if eventInsert.text(DialectPostgres, n, 1) == "" || numberText(DialectPostgres, n) == "" {
			t.Fatal("no text")
		}
		if _, kept := eventInsert.texts.Load(DialectPostgres + "/" + strconv.Itoa(n) + "/1"); kept {
			t.Fatalf("the text of a %d-row insert on PostgreSQL was kept", n)
		}
		if _, kept := numberTexts.Load(DialectPostgres + "/" + strconv.Itoa(n)); kept {
			t.Fatalf("the text of a %d-chat numbering on PostgreSQL was kept", n)
		}
	}
}

// TestPaddedStatementsWriteTheirRows: batches of many chats, whose numbering and inserts
// SQLite pads with rows of NULLs, write exactly their own lines, number every chat from its
// own counter, and fail as a whole on a client id used twice. The largest batch (340 chats)
// takes more than one statement of each kind, the first at the parameter budget.
func TestPaddedStatementsWriteTheirRows(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "T")
			for _, chats := range []int{2, 5, 7, 13, 50, 340} {
				var ids []string
				var ws []Write
				for i := range chats {
					ch := newChat(t, s, ten.ID, nil)
					ids = append(ids, ch.ID)
					for j := range 1 + i%3 {
						ws = append(ws, msgWrite(ch.ID, 0, fmt.Sprint("line ", i, " ", j), fmt.Sprint("k", j)))
					}
					if i%2 == 0 {
						ws = append(ws, Write{Event: &Event{ChatID: ch.ID, Type: "note", AgentsOnly: true, Data: json.RawMessage(`{}`)}})
					}
				}
				if err := s.Commit(ctx, ws...); err != nil {
					t.Fatalf("%d chats: %v", chats, err)
				}
				for i, id := range ids {
					msgs := must[[]Message](t)(s.Messages(ctx, id, 0))
					events := must[[]Event](t)(s.EventsAfter(ctx, id, 0, 0))
					ch := must[Chat](t)(s.Chat(ctx, id))
					want := 1 + i%3 + (1 - i%2)
					if len(msgs) != 1+i%3 || len(events) != want || ch.LastSeq != uint64(want) {
						t.Fatalf("%d chats, chat %d: %d messages, %d events, last seq %d", chats, i, len(msgs), len(events), ch.LastSeq)
					}
					for j, m := range msgs {
						if m.Seq != uint64(j+1) || m.Text != fmt.Sprint("line ", i, " ", j) || m.ChatID != id {
							t.Fatalf("%d chats, chat %d: message %d is %+v", chats, i, j, m)
						}
					}
				}
			}
			var all int64
			if err := s.r.Model(&messageRow{}).Count(&all).Error; err != nil {
				t.Fatal(err)
			}
			if want := countLines(2) + countLines(5) + countLines(7) + countLines(13) + countLines(50) + countLines(340); all != want {
				t.Fatalf("%d messages in all, want %d", all, want)
			}
			// A client id used twice among thirteen chats' lines: nothing of the batch stays.
			var ws []Write
			var ids []string
			for i := range 13 {
				ch := newChat(t, s, ten.ID, nil)
				ids = append(ids, ch.ID)
				ws = append(ws, msgWrite(ch.ID, 0, "a", "same"))
				if i == 12 {
					ws = append(ws, msgWrite(ch.ID, 0, "b", "same"))
				}
			}
			if err := s.Commit(ctx, ws...); !errors.Is(err, gorm.ErrDuplicatedKey) {
				t.Fatalf("a client id used twice in a padded batch: %v", err)
			}
			for _, id := range ids {
				if n := len(must[[]Event](t)(s.EventsAfter(ctx, id, 0, 0))); n != 0 {
					t.Fatalf("%d events left of a refused batch", n)
				}
			}
			if b.name == "sqlite" {
				for _, ins := range []interface{ sizes() []int }{messageInsert, eventInsert} {
					for _, n := range ins.sizes() {
						if n != paddedRows(n, 1000) && n != s.paramsPerStatement()/len(messageInsert.cols) && n != s.paramsPerStatement()/len(eventInsert.cols) {
							t.Fatalf("an SQLite insert of %d rows, not a padded size", n)
						}
					}
				}
			}
		})
	}
}

// countLines is how many messages TestPaddedStatementsWriteTheirRows writes for a batch of n
// chats: 1 to 3 a chat, in turn.
func countLines(n int) int64 {
	var sum int64
	for i := range n {
		sum += int64(1 + i%3)
	}
	return sum
}

// sizes lists the SQLite row counts ins has written a text for.
func (ins *rowInsert[T]) sizes() []int {
	var out []int
	ins.texts.Range(func(k, _ any) bool {
		parts := strings.Split(k.(string), "/")
		if parts[0] == DialectSQLite {
			n, _ := strconv.Atoi(parts[1])
			out = append(out, n)
		}
		return true
	})
	return out
}
