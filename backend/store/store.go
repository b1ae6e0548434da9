// Package store is Parley's persistence layer: every durable fact (tenants,
// connectors, users, sessions, chats and their event log) goes through it.
//
// It runs on PostgreSQL in production and on an embedded SQLite file by
// default, through GORM. The GORM row types stay inside this package; callers
// see only the plain domain structs declared here, so the rest of the server
// never depends on column names, tags or the ORM.
//
// Chat events are written with group commit (see [Store.Enqueue]): writes that
// arrive within a few milliseconds share one transaction, and each sender is
// told only after that transaction has committed, so an acknowledgement
// always means the data is on disk.
//
// The schema is versioned: [Open] applies the numbered migrations of
// migrations.go that the database has not recorded yet, in order, and
// refuses a database migrated by a newer release ([ErrSchemaTooNew]). The
// comment on that list says how to add one.
//
// Every settings write announces its change on [Config.Changes] once its
// transaction has committed (see backend/changes), so that whatever keeps
// configuration in memory follows it; a write that fails announces nothing.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	sqlite "github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/store/walgather"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/token"

	// Tenant time zones are validated here; the names must resolve even on
	// hosts without a zoneinfo database (minimal containers).
	_ "time/tzdata"
)

// Sentinel errors. Every error the store returns wraps one of these when it
// applies, so callers can map them to HTTP statuses or protocol codes with
// errors.Is and keep the wrapped cause for their logs.
var (
	// ErrNotFound: the requested row does not exist (or, for sessions, has expired).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique rule was broken (a login already taken, an
	// event sequence number already used, a client command id already seen).
	ErrConflict = errors.New("store: conflict")
	// ErrInvalid: the input breaks a rule of the domain (a missing name, an
	// unknown role, a reference to a row that does not exist).
	ErrInvalid = errors.New("store: invalid")
	// ErrClosed: the store has been closed; no more writes are accepted.
	ErrClosed = errors.New("store: closed")
)

// The dialect names returned by [Store.Dialect].
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// Config says where the data lives and how the group commit behaves. It
// exists so that main builds one validated value from flags and environment
// and passes it to [Open]; nothing here is read from the environment.
type Config struct {
	// DatabaseURL selects PostgreSQL (postgres://...). Empty selects the
	// embedded SQLite database in DataDir.
	DatabaseURL string
	// DataDir is the directory of the SQLite file parley.db; it is created if
	// missing. Empty means "data" in the working directory.
	DataDir string
	// CommitWindow is the longest the group committer waits, after the first
	// write of a batch, for more writes to commit with it. It waits only
	// while writers are concurrent and stops as soon as the expected number
	// has arrived (see the committer). Zero means 2ms; a negative value
	// commits whatever is queued without waiting.
	CommitWindow time.Duration
	// HashPassword hashes the demo accounts' passwords in SeedDemo; nil means
	// password.Hash. Tests pass a cheap one: the production cost makes every
	// demo seed take seconds under the race detector.
	HashPassword func(string) (string, error)
	// QueueLimit is the number of queued writes above which senders that can
	// wait are made to (see [Store.WaitRoom]); zero means 4096. Tests shrink
	// it to reach backpressure.
	QueueLimit int
	// Logger receives the store's own warnings and slow-query reports. Nil
	// means slog.Default().
	Logger *slog.Logger
	// LinkQueue is the number of committed chats that may wait for their contact link (see
	// linking.go); zero means 4096. A chat that finds it full is linked by the next sweep.
	// Tests shrink it to fill it.
	LinkQueue int
	// SearchDenseMatches and SearchFewChats choose PostgreSQL's plan for a search (see
	// [Store.SearchMessages]): from SearchDenseMatches matching messages (zero means 3000)
	// a word counts as common, and a filter keeping fewer than SearchFewChats chats (zero
	// means 2000) as narrow. Tests lower them to try every plan on a small history.
	SearchDenseMatches, SearchFewChats int
	// Changes, when set, is told of every settings write after its
	// transaction committed (and never of one that failed), so that routing,
	// caches and open pages follow the configuration without each caller
	// remembering to tell them. Nil publishes nothing.
	Changes Publisher
	// Hold, when set, is called before the store tells the world of the batches it committed
	// by then (their events published, their writers' callbacks called), and release once it
	// has: the server gathers the frames this sends to each connection into one write (the
	// realtime hub's Hold).
	Hold func() (release func())
}

// Publisher receives the facts the store committed; [changes.Local] is one.
// The store calls it on the goroutine that wrote, after the commit, and it
// must not block.
type Publisher interface {
	PublishSetting(changes.Setting)
	PublishChat(changes.ChatEvent)
}

// Store is the handle to the database. It is safe for concurrent use; create
// one with [Open] and release it with [Store.Close].
type Store struct {
	dialect string
	w       *gorm.DB // writes (for SQLite: the single writer connection)
	r       *gorm.DB // reads (for SQLite: a pool of read-only connections)
	log     *slog.Logger
	pub     Publisher // nil: nobody listens
	hold    func() (release func())

	// hashPassword hashes the demo passwords in SeedDemo; tests swap in a
	// cheap one.
	hashPassword func(string) (string, error)

	// denseMatches and fewChats are Config.SearchDenseMatches and SearchFewChats.
	denseMatches, fewChats int

	gc        *committer
	lk        *linker
	closeOnce sync.Once
	// linked maps an open chat's id to what it said about its visitor when it was last
	// linked to its contact (contacts.go).
	linked   sync.Map
	closeErr error
	// sqlitePath is the SQLite database's file ("" on PostgreSQL).
	sqlitePath string
	// ckpt checkpoints an SQLite database's write-ahead log (nil on PostgreSQL).
	ckpt *checkpointer
	// bulk is set while [Store.BulkHistory] runs: the import then keeps the session's pragmas.
	bulk atomic.Bool
	// outboxWrites counts the commits that added to each delivery outbox (OutboxWrites).
	outboxWrites [outboxes]atomic.Uint64
}

// SQLiteFile is the database's file in the data directory (with its -wal and -shm beside it
// while open): what a copy of an SQLite database takes.
const SQLiteFile = sqliteFile

const (
	sqliteFile = "parley.db"
	// sqliteDriver is the database/sql name of the SQLite driver the store uses: the one
	// that keeps compiled statements (stmtcache.go).
	sqliteDriver      = cachingDriverName
	sqliteBusyTimeout = 10 * time.Second
	sqliteReadConns   = 4
	pgMaxOpenConns    = 16
	slowQuery         = 500 * time.Millisecond
	// migrationLockKey is the PostgreSQL advisory lock taken while migrating
	// or seeding, so that several nodes starting together do it once.
	migrationLockKey = 0x70_61_72_6c_65_79 // "parley"
)

// Open connects to the database described by cfg, migrates the schema to the
// current version and starts the group committer. The returned store is
// ready for use. A database at a newer schema version than this program
// knows is refused with [ErrSchemaTooNew].
func Open(ctx context.Context, cfg Config) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	window := cfg.CommitWindow
	if window == 0 {
		window = 2 * time.Millisecond
	}
	s := &Store{log: log, pub: cfg.Changes, hold: cfg.Hold, hashPassword: password.Hash, denseMatches: pgDenseMatches, fewChats: pgFewChats}
	if cfg.SearchDenseMatches > 0 {
		s.denseMatches = cfg.SearchDenseMatches
	}
	if cfg.SearchFewChats > 0 {
		s.fewChats = cfg.SearchFewChats
	}
	if cfg.HashPassword != nil {
		s.hashPassword = cfg.HashPassword
	}
	gcfg := func() *gorm.Config {
		return &gorm.Config{
			Logger:                 gormLogger{log: log, slow: slowQuery},
			NowFunc:                now,
			TranslateError:         true,
			SkipDefaultTransaction: true,
		}
	}
	var err error
	if cfg.DatabaseURL != "" {
		err = s.openPostgres(ctx, cfg.DatabaseURL, gcfg())
	} else {
		err = s.openSQLite(ctx, cfg.DataDir, gcfg)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.closeDB()
		return nil, err
	}
	s.lk = newLinker(s, cfg.LinkQueue)
	s.gc = newCommitter(s, window, cfg.QueueLimit, log)
	return s, nil
}

func (s *Store) openPostgres(ctx context.Context, url string, gcfg *gorm.Config) error {
	db, err := gorm.Open(postgres.Open(url), gcfg)
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	sqlDB.SetMaxOpenConns(pgMaxOpenConns)
	// Idle connections are kept: opening one costs PostgreSQL a process and the
	// authentication, which under bursts of reads would churn.
	sqlDB.SetMaxIdleConns(pgMaxOpenConns)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return fmt.Errorf("store: ping postgres: %w", err)
	}
	s.dialect, s.w, s.r = DialectPostgres, db, db
	return nil
}

// openSQLite opens two pools on the same file: one connection for all
// writes (SQLite serialises writers anyway; one connection avoids busy
// retries and lock upgrades) and a few read-only connections, which WAL mode
// lets run alongside the writer.
func (s *Store) openSQLite(ctx context.Context, dir string, gcfg func() *gorm.Config) error {
	if dir == "" {
		dir = "data"
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("store: create data dir: %w", err)
	}
	path := filepath.Join(dir, sqliteFile)
	// Times are written as "2006-01-02 15:04:05.999999999-07:00" and read back only from
	// columns declared as times, as the store has always kept them.
	common := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_time_format=sqlite&_texttotime=0&_inttotime=0", sqliteBusyTimeout.Milliseconds())
	// synchronous(FULL): an acknowledged write survives a power cut, which is
	// what the group commit promises; batching keeps the fsync cost small.
	// cache_size: writerCacheKiB.
	wdsn := path + "?" + common + fmt.Sprintf("&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-%d)&_txlock=immediate", writerCacheKiB) +
		fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", walSafetyPages)
	// The writer's log takes a commit's frames in a few writes instead of two a page
	// (package walgather); the readers and the checkpointer only read it.
	if err := walgather.Register(); err != nil {
		s.log.Warn("store: the write-ahead log's writes are not gathered", "err", err)
	} else {
		wdsn += "&vfs=" + walgather.Name
	}
	// The readers map the file (up to 1 GB) instead of reading it a page per call: a report
	// or an export over a year of chats reads hundreds of megabytes, which otherwise cost
	// two system calls per 4 KB page.
	rdsn := path + "?" + common + "&_pragma=query_only(1)&_pragma=mmap_size(1073741824)"

	w, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: sqliteDriver, DSN: wdsn}), gcfg())
	if err != nil {
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	wdb, err := w.DB()
	if err != nil {
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	if err := wdb.PingContext(ctx); err != nil {
		_ = wdb.Close()
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}

	r, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: sqliteDriver, DSN: rdsn}), gcfg())
	if err != nil {
		_ = wdb.Close()
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	rdb, err := r.DB()
	if err != nil {
		_ = wdb.Close()
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	rdb.SetMaxOpenConns(sqliteReadConns)
	rdb.SetMaxIdleConns(sqliteReadConns)
	rdb.SetConnMaxIdleTime(5 * time.Minute)

	cdb, err := sql.Open(sqliteDriver, path+"?"+common+"&_pragma=synchronous(FULL)")
	if err == nil {
		cdb.SetMaxOpenConns(1)
		cdb.SetConnMaxLifetime(0)
		cdb.SetConnMaxIdleTime(0)
		err = cdb.PingContext(ctx)
	}
	if err != nil {
		_ = rdb.Close()
		_ = wdb.Close()
		return fmt.Errorf("store: open sqlite %s for checkpoints: %w", path, err)
	}
	s.ckpt = startCheckpointer(cdb, s.log)
	s.sqlitePath = path
	s.dialect, s.w, s.r = DialectSQLite, w, r
	return nil
}

// Dialect names the database in use: [DialectPostgres] or [DialectSQLite].
// Readiness reports and the clustering code need to know.
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers, for the /readyz probe.
func (s *Store) Ping(ctx context.Context) error {
	for _, db := range s.pools() {
		sqlDB, err := db.DB()
		if err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
		if err := sqlDB.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
	}
	return nil
}

// Close stops accepting writes, commits everything still queued (calling
// each done callback), stops the committer, links the chats waiting for their
// contact (for a few seconds at most: the next Open's sweep links the rest)
// and closes the database. It is
// safe to call more than once. It must not be called from a done callback.
// While the database is unreachable it keeps retrying; use [Store.Shutdown]
// to bound the wait.
func (s *Store) Close() error { return s.Shutdown(context.Background()) }

// Shutdown is Close with a deadline: when ctx ends while writes are still
// failing (the database is away), they are given up and their callbacks get
// ErrClosed, so a shutdown honours its timeout. Nothing that was
// acknowledged is lost: an acknowledgement always follows a commit.
func (s *Store) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.gc.close(ctx)
		drain, cancel := context.WithTimeout(ctx, linkDrain)
		s.lk.close(drain)
		cancel()
		s.closeErr = s.closeDB()
	})
	return s.closeErr
}

// published announces committed settings changes when err, the outcome of
// their write, is nil, and returns err; call it only once the transaction
// has ended.
func (s *Store) published(err error, cs ...changes.Setting) error {
	if err == nil && s.pub != nil {
		for _, c := range cs {
			s.pub.PublishSetting(c)
		}
	}
	return err
}

func (s *Store) pools() []*gorm.DB {
	if s.r == s.w {
		return []*gorm.DB{s.w}
	}
	return []*gorm.DB{s.w, s.r}
}

func (s *Store) closeDB() error {
	var errs []error
	if err := s.ckpt.close(); err != nil {
		errs = append(errs, err)
	}
	// Close readers first so the writer's close can checkpoint the WAL.
	pools := s.pools()
	for i := len(pools) - 1; i >= 0; i-- {
		sqlDB, err := pools[i].DB()
		if err == nil {
			err = sqlDB.Close()
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// now is the store's clock: UTC, at the microsecond precision both
// databases keep, so a value read back equals the value written.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// normTime brings t to the stored form (UTC, microseconds).
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func normTimePtr(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	v := normTime(*t)
	return &v
}

// NewChatID returns a fresh random chat id: 20 URL-safe characters (120
// bits). Chat ids are chosen by the chat service before the first write, so
// they are named here, next to the column they fill.
func NewChatID() string { return token.New(15) }
