package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// openCaching opens one connection of the caching driver on a fresh file.
func openCaching(t *testing.T) (*sql.Conn, func() *cachingConn) {
	t.Helper()
	db, err := sql.Open(cachingDriverName, filepath.Join(t.TempDir(), "c.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	raw := func() (cc *cachingConn) {
		if err := conn.Raw(func(dc any) error { cc = dc.(*cachingConn); return nil }); err != nil {
			t.Fatal(err)
		}
		return cc
	}
	return conn, raw
}

// openCachingWithRows is openCaching with a table t of the ids 1, 2 and 3.
func openCachingWithRows(t *testing.T) (*sql.Conn, func() *cachingConn) {
	t.Helper()
	conn, raw := openCaching(t)
	for _, q := range []string{"CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t (id) VALUES (1), (2), (3)"} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	return conn, raw
}

// A statement sent again runs the statement compiled the first time; a query sent again while
// the rows of the first are open runs beside them; the text of a failed one is not kept.
func TestStmtCacheReuses(t *testing.T) {
	ctx := context.Background()
	conn, raw := openCaching(t)
	if _, err := conn.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if _, err := conn.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	cs := raw().stmts["INSERT INTO t (v) VALUES (?)"]
	if cs == nil || raw().lru.Len() != 2 {
		t.Fatalf("kept %d statements, the insert among them: %v", raw().lru.Len(), cs != nil)
	}
	const q = "SELECT v FROM t WHERE id <= ? ORDER BY id"
	outer, err := conn.QueryContext(ctx, q, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var v string
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		// The same text while the outer rows are open: a statement of its own.
		var inner string
		if err := conn.QueryRowContext(ctx, q, 1).Scan(&inner); err != nil || inner != "v0" {
			t.Fatalf("inner query: %q %v", inner, err)
		}
		got = append(got, v)
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[v0 v1 v2]" {
		t.Fatalf("outer rows %v", got)
	}
	if raw().stmts[q].Value.(*cachedStmt).busy {
		t.Fatal("the statement is still busy after its rows were closed")
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO nowhere VALUES (1)"); err == nil {
		t.Fatal("an insert into a missing table succeeded")
	}
	if _, ok := raw().stmts["INSERT INTO nowhere VALUES (1)"]; ok {
		t.Fatal("a statement that did not compile was kept")
	}
	// The schema changes under the kept statements: SQLite compiles them again by itself.
	if _, err := conn.ExecContext(ctx, "ALTER TABLE t ADD COLUMN w TEXT DEFAULT 'x'"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", "after"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM t WHERE w = 'x'").Scan(&n); err != nil || n != 101 {
		t.Fatalf("rows after the schema change: %d %v", n, err)
	}
}

// Past stmtCacheSize texts the least recently used statements go, one whose rows are open once
// they are closed; the rows read on to their end meanwhile.
func TestStmtCacheEvicts(t *testing.T) {
	ctx := context.Background()
	conn, raw := openCachingWithRows(t)
	open, err := conn.QueryContext(ctx, "SELECT id FROM t ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	held := raw().stmts["SELECT id FROM t ORDER BY id"].Value.(*cachedStmt)
	for i := range stmtCacheSize + 10 {
		var one int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&one); err != nil || one != i {
			t.Fatalf("SELECT %d: %d %v", i, one, err)
		}
	}
	if l := raw().lru.Len(); l != stmtCacheSize || len(raw().stmts) != stmtCacheSize {
		t.Fatalf("kept %d (%d by text), want %d", l, len(raw().stmts), stmtCacheSize)
	}
	if !held.evicted || !held.busy {
		t.Fatalf("the statement of the open rows: evicted %v busy %v", held.evicted, held.busy)
	}
	n := 0
	for open.Next() {
		n++
	}
	if err := open.Close(); err != nil || n != 3 {
		t.Fatalf("the open rows read %d, close: %v", n, err)
	}
	if held.busy {
		t.Fatal("still busy after its rows were closed")
	}
}

// Statements are kept up to stmtCacheText of their texts, and a text longer than an eighth of
// it is not kept at all but runs all the same.
func TestStmtCacheBoundsText(t *testing.T) {
	ctx := context.Background()
	conn, raw := openCaching(t)
	long := "SELECT 1" + strings.Repeat(" ", stmtCacheText/8)
	var one int
	if err := conn.QueryRowContext(ctx, long).Scan(&one); err != nil || one != 1 {
		t.Fatalf("a long statement: %d %v", one, err)
	}
	if raw().lru.Len() != 0 {
		t.Fatal("a statement longer than an eighth of the budget was kept")
	}
	pad := strings.Repeat(" ", stmtCacheText/16)
	for i := range 40 {
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)+pad).Scan(&one); err != nil || one != i {
			t.Fatalf("SELECT %d: %d %v", i, one, err)
		}
	}
	total := 0
	for q := range raw().stmts {
		total += len(q)
	}
	if c := raw(); total > stmtCacheText || total != c.text || c.lru.Len() >= 16 || c.lru.Len() < 14 {
		t.Fatalf("kept %d statements of %d bytes (counted %d), budget %d", c.lru.Len(), total, c.text, stmtCacheText)
	}
}

// A kept statement whose call was cancelled — before it ran, or with its rows half read — runs
// again from the start with new arguments.
func TestStmtCacheAfterCancel(t *testing.T) {
	ctx := context.Background()
	conn, raw := openCachingWithRows(t)
	const ins = "INSERT INTO t (id) VALUES (?)"
	if _, err := conn.ExecContext(ctx, ins, 4); err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := conn.ExecContext(done, ins, 5); err == nil {
		t.Fatal("an insert with a cancelled context succeeded")
	}
	if _, err := conn.ExecContext(ctx, ins, 6); err != nil {
		t.Fatalf("the kept insert after a cancelled one: %v", err)
	}
	const q = "SELECT id FROM t WHERE id >= ? ORDER BY id"
	half, cancel := context.WithCancel(ctx)
	rows, err := conn.QueryContext(half, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal("no first row")
	}
	cancel()
	_ = rows.Close()
	var got []int
	rows, err = conn.QueryContext(ctx, q, 2)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil || fmt.Sprint(got) != "[2 3 4 6]" {
		t.Fatalf("the kept query after a cancelled one: %v %v", got, err)
	}
	if cs := raw().stmts[q].Value.(*cachedStmt); cs.busy {
		t.Fatal("the query's statement is still busy")
	}
}
