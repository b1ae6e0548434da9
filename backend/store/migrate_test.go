package store

import (
	"github.com/parleychat/parley/shared/survey"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sqlite "github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// legacyChatID is the chat in testdata/automigrate.*.sql.
const legacyChatID = "legacyChat0000000001"

// rawDB opens cfg's database without the store, for loading dumps and changing things
// behind the store's back; it is closed when the test ends.
func rawDB(t *testing.T, cfg Config) *gorm.DB {
	t.Helper()
	var d gorm.Dialector
	if cfg.DatabaseURL != "" {
		d = postgres.Open(cfg.DatabaseURL)
	} else {
		d = sqlite.Open(filepath.Join(cfg.DataDir, sqliteFile) + "?_pragma=foreign_keys(1)")
	}
	db, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	// One connection: scripts set pragmas and open transactions that later statements rely on.
	sqlDB.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = sqlDB.Close() })
	return db
}

func dialectOf(cfg Config) string {
	if cfg.DatabaseURL != "" {
		return DialectPostgres
	}
	return DialectSQLite
}

// legacyConfig returns a database of backend b that holds testdata/automigrate.<dialect>.sql:
// today's data in the schema AutoMigrate made before migrations were versioned.
func legacyConfig(t *testing.T, b backend) Config {
	t.Helper()
	cfg := b.fresh(t)
	script, err := os.ReadFile(filepath.Join("testdata", "automigrate."+dialectOf(cfg)+".sql"))
	if err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, cfg)
	if err := execScript(raw, string(script)); err != nil {
		t.Fatalf("load dump: %v", err)
	}
	if sqlDB, err := raw.DB(); err == nil {
		_ = sqlDB.Close() // before the store switches the file to WAL
	}
	return cfg
}

// logBuffer collects a store's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func withLog(cfg Config) (Config, *logBuffer) {
	lb := &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(lb, nil))
	return cfg, lb
}

func appliedRows(t *testing.T, db *gorm.DB) []appliedMigration {
	t.Helper()
	var rows []appliedMigration
	if err := db.Raw("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// wantAllApplied checks that rows record every migration of list, in order.
func wantAllApplied(t *testing.T, rows []appliedMigration, list []migration) {
	t.Helper()
	if len(rows) != len(list) {
		t.Fatalf("schema_migrations has %d rows, want %d: %+v", len(rows), len(list), rows)
	}
	for i, r := range rows {
		if r.Version != list[i].version || r.Name != list[i].name || r.AppliedAt.IsZero() {
			t.Fatalf("schema_migrations row %d = %+v, want version %d %q", i, r, list[i].version, list[i].name)
		}
	}
}

func schemaOf(t *testing.T, s *Store) dbSchema {
	t.Helper()
	d, err := describeSchema(s.w, s.dialect)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// wantSameSchema reports every table, column, index and key that differs.
func wantSameSchema(t *testing.T, got, want dbSchema) {
	t.Helper()
	g, w := got.flat(), want.flat()
	var diffs []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range w {
			if !yield(k) {
				return
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok && !yield(k) {
				return
			}
		}
	}) {
		if g[k] != w[k] {
			diffs = append(diffs, fmt.Sprintf("%s:\n\t got: %q\n\twant: %q", k, g[k], w[k]))
		}
	}
	if len(diffs) > 0 {
		t.Fatalf("schemas differ in %d places:\n%s", len(diffs), strings.Join(diffs, "\n"))
	}
	if len(g) < 100 {
		t.Fatalf("schema has only %d entries; is the description empty?", len(g))
	}
}

// TestUpgradeFromAutoMigrate opens the store on a database that today's code made with
// AutoMigrate: it is recognised as the baseline, every later migration applies, its rows
// are intact and usable, and a second Open changes nothing.
func TestUpgradeFromAutoMigrate(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			cfg, log := withLog(legacyConfig(t, b))
			s, err := Open(ctx, cfg)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer func() { _ = s.Close() }()
			rows := appliedRows(t, s.w)
			wantAllApplied(t, rows, migrations)
			if !strings.Contains(log.String(), "existing schema recognised as migration 1") {
				t.Fatalf("adoption not logged:\n%s", log)
			}
			if got := strings.Count(log.String(), "store: schema migrated"); got != len(migrations)-1 {
				t.Fatalf("logged %d applied migrations, want %d:\n%s", got, len(migrations)-1, log)
			}

			// The rows are intact.
			c := must[Chat](t)(s.Chat(ctx, legacyChatID))
			at := time.Date(2026, 3, 2, 9, 30, 0, 123456000, time.UTC)
			if c.VisitorName != "Vera Visitor" || c.VisitorEmail != "Vera@Example.com" || c.State != "active" ||
				c.LastSeq != 4 || !c.CreatedAt.Equal(at) || c.PData["order"] != "A-17" {
				t.Fatalf("chat = %+v", c)
			}
			events := must[[]Event](t)(s.EventsAfter(ctx, legacyChatID, 0, 0))
			var types []string
			for _, e := range events {
				types = append(types, e.Type)
			}
			wantEqual(t, types, []string{"state", "join", "message", "message"})
			wantEqual(t, events[3].Data, json.RawMessage(`{"text":"Gern, worum geht's?"}`))
			wantEqual(t, events[0].At, at)
			// Every event from before the visitor's own numbering is the visitor's.
			for i, e := range events {
				if e.VisitorSeq != uint64(i+1) || e.AgentsOnly {
					t.Fatalf("event %d: visitor seq %d, agents only %v", i, e.VisitorSeq, e.AgentsOnly)
				}
			}
			if len(must[[]Event](t)(s.VisitorEventsAfter(ctx, legacyChatID, 2, 0))) != 2 || c.LastVisitorSeq != 4 {
				t.Fatalf("visitor events after the upgrade: last %d", c.LastVisitorSeq)
			}
			msgs := must[[]Message](t)(s.Messages(ctx, legacyChatID, 0))
			if len(msgs) != 2 || msgs[1].Text != "Gern, worum geht's?" || msgs[1].ClientID != "a-1" {
				t.Fatalf("messages = %+v", msgs)
			}
			if ps := must[[]Participant](t)(s.Participants(ctx, legacyChatID)); len(ps) != 2 || ps[1].Name != "Anna Agent" {
				t.Fatalf("participants = %+v", ps)
			}
			u := must[User](t)(s.UserByLogin(ctx, "anna"))
			if u.Skills["de"] != 5 || u.StatusID == 0 || !slices.Equal(u.Groups, []int64{1}) {
				t.Fatalf("user = %+v", u)
			}
			con := must[Connector](t)(s.Connector(ctx, 1))
			if !slices.Equal(con.AllowedOrigins, []string{"https://shop.example"}) || con.Texts["welcomeMessage"] != "Hallo!" || con.VisitorPresence {
				t.Fatalf("connector = %+v", con)
			}
			// A field from before survey texts keeps its prompt, has no other language and
			// reads the same to every visitor.
			if fs := must[[]SurveyField](t)(s.SurveyFields(ctx, con.ID, SurveyPreChat)); len(fs) != 1 || fs[0].Name != "order" ||
				fs[0].Prompt != "Order number" || fs[0].Texts != nil || survey.Localize(fs[0].Field, "de", "fr").Prompt != "Order number" {
				t.Fatalf("survey fields = %+v", fs)
			}
			if blocked := must[bool](t)(s.IPBlocked(ctx, 1, "203.0.113.9")); !blocked {
				t.Fatal("the IP block was lost")
			}

			// And usable: a new event continues the chat, a new row gets the next id, the
			// unique index still refuses a repeated client id.
			next := Write{Event: &Event{ChatID: legacyChatID, Seq: 5, Type: "message", Data: json.RawMessage(`{"text":"Danke!"}`)},
				Message: &Message{ChatID: legacyChatID, Seq: 5, Role: "visitor", Name: "Vera Visitor", Text: "Danke!", ClientID: "v-2"}}
			if err := s.Commit(ctx, next); err != nil {
				t.Fatal(err)
			}
			if got := must[[]Event](t)(s.EventsAfter(ctx, legacyChatID, 4, 0)); len(got) != 1 || got[0].Type != "message" {
				t.Fatalf("new event = %+v", got)
			}
			if c := must[Chat](t)(s.Chat(ctx, legacyChatID)); c.LastSeq != 5 || c.LastVisitorSeq != 5 || next.Event.VisitorSeq != 5 {
				t.Fatalf("LastSeq = %d/%d, want 5/5", c.LastSeq, c.LastVisitorSeq)
			}
			dup := Write{Event: &Event{ChatID: legacyChatID, Seq: 6, Type: "message"},
				Message: &Message{ChatID: legacyChatID, Seq: 6, Role: "visitor", Text: "again", ClientID: "v-1"}}
			wantErr(t, s.Commit(ctx, dup), ErrConflict)
			if ten := newTenant(t, s, "Second"); ten.ID != 2 {
				t.Fatalf("new tenant got id %d, want 2", ten.ID)
			}
			upgraded := schemaOf(t, s)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			// Opening again is a no-op.
			cfg, log = withLog(cfg)
			s2 := openStore(t, cfg)
			wantEqual(t, appliedRows(t, s2.w), rows)
			wantSameSchema(t, schemaOf(t, s2), upgraded)
			if strings.Contains(log.String(), "migrat") || strings.Contains(log.String(), "recognised") {
				t.Fatalf("second Open migrated:\n%s", log)
			}
			if got := must[[]Event](t)(s2.EventsAfter(ctx, legacyChatID, 0, 0)); len(got) != 5 {
				t.Fatalf("after reopening: %d events, want 5", len(got))
			}
		})
	}
}

// TestFreshSchemaEqualsUpgraded: a database created by the migrations and one upgraded from
// AutoMigrate's schema have the same tables, columns, types, indexes and keys, so the
// baseline is exactly what AutoMigrate made.
func TestFreshSchemaEqualsUpgraded(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fresh := openStore(t, b.fresh(t))
			wantAllApplied(t, appliedRows(t, fresh.w), migrations)
			upgraded := openStore(t, legacyConfig(t, b))
			wantSameSchema(t, schemaOf(t, fresh), schemaOf(t, upgraded))
		})
	}
}

// TestRowsMatchSchema fails when a row struct declares a column that no migration creates,
// or when a NOT NULL column without a default has no field to fill it (inserts would fail).
func TestRowsMatchSchema(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.fresh(t))
			db := schemaOf(t, s)
			covered := map[string]bool{}
			for _, row := range allRows {
				stmt := &gorm.Statement{DB: s.w}
				if err := stmt.Parse(row); err != nil {
					t.Fatal(err)
				}
				table := db[stmt.Schema.Table]
				if table == nil {
					t.Errorf("%T maps table %q, which no migration creates", row, stmt.Schema.Table)
					continue
				}
				covered[stmt.Schema.Table] = true
				cols := map[string]dbColumn{}
				for _, c := range table.Columns {
					cols[c.Name] = c
				}
				fields := map[string]bool{}
				for _, f := range stmt.Schema.Fields {
					if f.DBName == "" {
						continue
					}
					fields[f.DBName] = true
					if _, ok := cols[f.DBName]; !ok {
						t.Errorf("%T.%s needs column %s.%s, which no migration creates: add a migration (migrations.go)", row, f.Name, stmt.Schema.Table, f.DBName)
					}
				}
				for _, c := range table.Columns {
					if c.NotNull && c.Default == "" && !fields[c.Name] {
						t.Errorf("column %s.%s is NOT NULL without a default, and %T has no field for it", stmt.Schema.Table, c.Name, row)
					}
				}
			}
			for _, name := range db.tables() {
				if !covered[name] && !isSearchIndexTable(name) {
					t.Errorf("table %s has no row type in allRows", name)
				}
			}
		})
	}
}

// TestSchemaTooNew: a database migrated by a newer Parley, or by a build with other
// migrations, is refused with a clear error and left as it is.
func TestSchemaTooNew(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			cfg := b.fresh(t)
			s := openStore(t, cfg)
			ten := newTenant(t, s, "Keep")
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			raw := rawDB(t, cfg)
			future := appliedMigration{Version: latestVersion(migrations) + 1, Name: "from the future", AppliedAt: now()}
			if err := recordMigration(raw, future); err != nil {
				t.Fatal(err)
			}
			_, err := Open(ctx, cfg)
			wantErr(t, err, ErrSchemaTooNew)
			for _, want := range []string{fmt.Sprintf("version %d", future.Version), `"from the future"`, fmt.Sprintf("up to %d", latestVersion(migrations))} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %s", err, want)
				}
			}
			if got := appliedRows(t, raw); len(got) != len(migrations)+1 {
				t.Fatalf("refusing changed schema_migrations: %+v", got)
			}

			// A version recorded under another name is refused too.
			if err := raw.Exec("DELETE FROM schema_migrations WHERE version = ?", future.Version).Error; err != nil {
				t.Fatal(err)
			}
			if err := raw.Exec("UPDATE schema_migrations SET name = 'something else' WHERE version = 1").Error; err != nil {
				t.Fatal(err)
			}
			_, err = Open(ctx, cfg)
			if err == nil || errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), `"something else"`) {
				t.Fatalf("Open with a renamed migration: %v", err)
			}
			if err := raw.Exec("UPDATE schema_migrations SET name = ? WHERE version = 1", migrations[0].name).Error; err != nil {
				t.Fatal(err)
			}
			s = openStore(t, cfg)
			wantEqual(t, must[Tenant](t)(s.Tenant(ctx, ten.ID)).Name, "Keep")
		})
	}
}

// TestFailingMigration: a step that fails halfway leaves nothing of itself behind and the
// database at the previous version; once fixed, it applies.
func TestFailingMigration(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			cfg, log := withLog(b.fresh(t))
			s := openStore(t, cfg)
			ten := newTenant(t, s, "Before")
			next := latestVersion(migrations) + 1
			broken := append(slices.Clone(migrations), migration{version: next, name: "half done", up: sqlUp(
				"ALTER TABLE tenants ADD COLUMN motto text;\nCREATE TABLE extra (id integer PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);",
				"ALTER TABLE tenants ADD COLUMN motto text;\nCREATE TABLE extra (id integer PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);")})
			before := schemaOf(t, s)
			err := runMigrations(s.w, s.dialect, broken, s.log)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("stays at version %d", next-1)) || !strings.Contains(err.Error(), "no_such_table") {
				t.Fatalf("runMigrations = %v", err)
			}
			wantAllApplied(t, appliedRows(t, s.w), migrations)
			wantSameSchema(t, schemaOf(t, s), before)

			fixed := append(slices.Clone(migrations), migration{version: next, name: "half done", up: sqlUp(
				"ALTER TABLE tenants ADD COLUMN motto text NOT NULL DEFAULT '';",
				"ALTER TABLE tenants ADD COLUMN motto text NOT NULL DEFAULT '';")})
			if err := runMigrations(s.w, s.dialect, fixed, s.log); err != nil {
				t.Fatal(err)
			}
			wantAllApplied(t, appliedRows(t, s.w), fixed)
			if !strings.Contains(log.String(), fmt.Sprintf("version=%d", next)) {
				t.Fatalf("migration %d not logged:\n%s", next, log)
			}
			var motto string
			if err := s.w.Raw("SELECT motto FROM tenants WHERE id = ?", ten.ID).Scan(&motto).Error; err != nil || motto != "" {
				t.Fatalf("motto = %q, %v", motto, err)
			}
			// The store itself does not know the column and goes on working.
			wantEqual(t, must[Tenant](t)(s.Tenant(ctx, ten.ID)).Name, "Before")
		})
	}
}

// TestSQLiteTableRebuild: on SQLite a step with foreignKeysOff can rebuild a table that
// others reference without cascading into them, and a rebuild that breaks a reference is
// rolled back.
func TestSQLiteTableRebuild(t *testing.T) {
	s := openStore(t, sqliteConfig(t))
	ten := newTenant(t, s, "Parent")
	c := newChat(t, s, ten.ID, nil)
	if err := s.Commit(ctx, Write{Event: &Event{ChatID: c.ID, Seq: 1, Type: "state"}}); err != nil {
		t.Fatal(err)
	}
	// Copy tenants into a new table without the time_zone column, drop the old, rename.
	rebuild := func(where string) string {
		return `CREATE TABLE tenants_new (
    id           integer PRIMARY KEY AUTOINCREMENT,
    name         text NOT NULL,
    default_lang text NOT NULL,
    created_at   datetime
);
INSERT INTO tenants_new (id, name, default_lang, created_at) SELECT id, name, default_lang, created_at FROM tenants ` + where + `;
DROP TABLE tenants;
ALTER TABLE tenants_new RENAME TO tenants;`
	}
	next := latestVersion(migrations) + 1
	bad := append(slices.Clone(migrations), migration{version: next, name: "rebuild tenants", foreignKeysOff: true, up: sqlUp(rebuild("WHERE 0"), "")})
	err := runMigrations(s.w, s.dialect, bad, s.log)
	if err == nil || !strings.Contains(err.Error(), "break foreign keys") {
		t.Fatalf("a rebuild losing referenced rows: %v", err)
	}
	wantAllApplied(t, appliedRows(t, s.w), migrations)

	good := append(slices.Clone(migrations), migration{version: next, name: "rebuild tenants", foreignKeysOff: true, up: sqlUp(rebuild(""), "")})
	if err := runMigrations(s.w, s.dialect, good, s.log); err != nil {
		t.Fatal(err)
	}
	wantAllApplied(t, appliedRows(t, s.w), good)
	if got := must[Chat](t)(s.Chat(ctx, c.ID)); got.TenantID != ten.ID {
		t.Fatalf("chat after rebuild = %+v", got)
	}
	if n := len(must[[]Event](t)(s.EventsAfter(ctx, c.ID, 0, 0))); n != 1 {
		t.Fatalf("%d events after rebuild, want 1", n)
	}
	// Enforcement is back on.
	var on int
	if err := s.w.Raw("PRAGMA foreign_keys").Scan(&on).Error; err != nil || on != 1 {
		t.Fatalf("foreign_keys = %d, %v", on, err)
	}
	err = s.w.Exec("INSERT INTO acd_groups (tenant_id, name, strategy) VALUES (999, 'x', 'y')").Error
	if err == nil {
		t.Fatal("a group of a missing tenant was accepted after the rebuild")
	}
}

// TestAdoptIncompleteSchema: a database with Parley's tables but not all of the baseline
// (made by an older AutoMigrate) is refused, naming what is missing, and left unchanged.
func TestAdoptIncompleteSchema(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			cfg := legacyConfig(t, b)
			raw := rawDB(t, cfg)
			for _, stmt := range []string{"DROP INDEX idx_files_tenant_id", "ALTER TABLE connectors DROP COLUMN whatsapp_number"} {
				if err := raw.Exec(stmt).Error; err != nil {
					t.Fatal(err)
				}
			}
			_, err := Open(ctx, cfg)
			if err == nil || !strings.Contains(err.Error(), "connectors.whatsapp_number") || !strings.Contains(err.Error(), "files index idx_files_tenant_id") {
				t.Fatalf("Open = %v", err)
			}
			if raw.Migrator().HasTable(migrationsTable) {
				t.Fatal("the refused database got a schema_migrations table")
			}
		})
	}
}

// TestConcurrentOpen: PostgreSQL nodes starting together apply each migration once.
func TestConcurrentOpen(t *testing.T) {
	cfg := postgresConfig(t)
	var wg sync.WaitGroup
	stores := make([]*Store, 3)
	errs := make([]error, 3)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, cfg) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		defer func() { _ = s.Close() }()
	}
	wantAllApplied(t, appliedRows(t, stores[0].w), migrations)
}

func TestSplitScript(t *testing.T) {
	got := splitScript("-- heading\n\nCREATE TABLE a (\n    x int\n);\n-- about b\nCREATE INDEX b ON a (x); \n\nSELECT 1")
	wantEqual(t, got, []string{"CREATE TABLE a (\n    x int\n);", "CREATE INDEX b ON a (x);", "SELECT 1"})
}
