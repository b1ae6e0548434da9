package store

import (
	"errors"
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
