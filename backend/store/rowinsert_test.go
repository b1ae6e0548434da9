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
			if _, used := pairTexts.Load("pair/1/1"); !used && b.name == "postgres" {
				t.Fatal("one message and its event went in two statements")
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
