package store

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	moderncsqlite "modernc.org/sqlite"
)

// cachingDriver is the SQLite driver with a cache of prepared statements on each connection.
// GORM sends every statement as text and the driver compiles each anew: on the message path
// the same few statements are compiled thousands of times a second, which cost a seventh of
// the server's CPU. The cache keeps the compiled statements of a connection by their text and
// runs them again with new arguments.
const cachingDriverName = "parley-sqlite"

// stmtCacheSize is the number of compiled statements a connection keeps, least recently used
// going first: the message path uses a few dozen, while statements whose text varies with the
// number of their arguments (IN lists, multi-row inserts) come and go.
const stmtCacheSize = 256

// stmtCacheText bounds the text of the statements a connection keeps, which their compiled
// size follows (a multi-row insert of a hundred rows compiles to ~150 KB); a statement longer
// than an eighth of it runs uncached, its compiling a small part of its work.
const stmtCacheText = 256 << 10

func init() {
	sql.Register(cachingDriverName, cachingDriver{inner: &moderncsqlite.Driver{}})
}

type cachingDriver struct{ inner driver.Driver }

// Open implements driver.Driver.
func (d cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return newCachingConn(c)
}

// sqliteConn is what the SQLite driver's connections do, all of which the cache passes on.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteStmt is what the SQLite driver's statements do.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cachingConn is a connection of the SQLite driver that runs the statements sent as text
// through compiled statements it keeps (one connection is used by one goroutine at a time).
type cachingConn struct {
	sqliteConn
	lru   *list.List // of *cachedStmt, most recently used first
	stmts map[string]*list.Element
	text  int // the length of the kept statements' texts
}

// cachedStmt is a compiled statement of a connection. A query's statement is busy until its
// rows are closed: the same text then compiles once more for the time being.
type cachedStmt struct {
	query   string
	stmt    sqliteStmt
	busy    bool
	evicted bool // closed once its rows are
}

func newCachingConn(c driver.Conn) (driver.Conn, error) {
	sc, ok := c.(sqliteConn)
	if !ok {
		_ = c.Close()
		return nil, errors.New("store: the SQLite driver's connection lacks a method the statement cache passes on")
	}
	return &cachingConn{sqliteConn: sc, lru: list.New(), stmts: map[string]*list.Element{}}, nil
}

// Close implements driver.Conn: the compiled statements go first.
func (c *cachingConn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	clear(c.stmts)
	c.text = 0
	return c.sqliteConn.Close()
}

// stmt returns the compiled statement for query, compiling and keeping it when it is not kept;
// nil for a statement too long to keep.
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if e, ok := c.stmts[query]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*cachedStmt), nil
	}
	if len(query) > stmtCacheText/8 {
		return nil, nil
	}
	s, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	ss, ok := s.(sqliteStmt)
	if !ok {
		_ = s.Close()
		return nil, errors.New("store: the SQLite driver's statement cannot run with a context")
	}
	cs := &cachedStmt{query: query, stmt: ss}
	c.stmts[query] = c.lru.PushFront(cs)
	c.text += len(query)
	for c.lru.Len() > stmtCacheSize || c.text > stmtCacheText {
		gone := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.stmts, gone.query)
		c.text -= len(gone.query)
		if gone.busy {
			gone.evicted = true
		} else {
			_ = gone.stmt.Close()
		}
	}
	return cs, nil
}

// ExecContext implements driver.ExecerContext.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil || cs.busy { // too long to keep, or its rows are open: uncached
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return cs.stmt.ExecContext(ctx, args)
}

// QueryContext implements driver.QueryerContext.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil || cs.busy {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	r, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	sr, ok := r.(sqliteRows)
	if !ok {
		_ = r.Close()
		return nil, errors.New("store: the SQLite driver's rows lack their column types")
	}
	cs.busy = true
	return &cachedRows{sqliteRows: sr, cs: cs}, nil
}

// sqliteRows is what the SQLite driver's rows do, which database/sql and GORM ask of them.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachedRows are the rows of a kept statement, which is free again once they are closed.
type cachedRows struct {
	sqliteRows
	cs *cachedStmt
}

// Close implements driver.Rows.
func (r *cachedRows) Close() error {
	err := r.sqliteRows.Close()
	if r.cs != nil {
		r.cs.busy = false
		if r.cs.evicted {
			_ = r.cs.stmt.Close()
		}
		r.cs = nil
	}
	return err
}
