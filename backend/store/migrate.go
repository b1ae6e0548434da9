package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	sqlite "github.com/libtnb/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrSchemaTooNew means the database was migrated by a newer Parley than this one: it has
// migrations this program does not know. [Open] refuses to start rather than run old code
// on a schema it does not understand; run the newer release, or restore a backup taken
// before the upgrade.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this program")

// migration is one step of the schema's history (the list is in migrations.go).
type migration struct {
	// version numbers the steps in the order they are applied, increasing from 1. Each change
	// to the schema is given its number when it is planned, so a list may skip the numbers of
	// changes that are not in this build yet.
	version int
	// name says what the step does; it is recorded with the version, and a database that
	// recorded another name for a version is refused (it was migrated by a diverging build).
	name string
	// up makes the change inside tx, a transaction; dialect is DialectSQLite or
	// DialectPostgres.
	up func(tx *gorm.DB, dialect string) error
	// foreignKeysOff turns SQLite's foreign key enforcement off while the step runs (it
	// cannot change inside a transaction) and runs PRAGMA foreign_key_check before the
	// commit. A step that rebuilds a table others reference needs it, or dropping the old
	// table deletes the rows that refer to it. PostgreSQL ignores it.
	foreignKeysOff bool
}

// migrationsTable records the applied migrations. The runner owns it: it is not part of
// any migration, and schema descriptions leave it out.
const migrationsTable = "schema_migrations"

// migrationsDDL creates migrationsTable on each dialect.
var migrationsDDL = map[string]string{
	DialectSQLite:   `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at datetime NOT NULL)`,
	DialectPostgres: `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`,
}

// appliedMigration is one row of migrationsTable.
type appliedMigration struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// sqlFiles is the up step of a migration written as migrations/<base>.<dialect>.sql.
func sqlFiles(base string) func(*gorm.DB, string) error {
	return func(tx *gorm.DB, dialect string) error {
		b, err := migrationFiles.ReadFile("migrations/" + base + "." + dialect + ".sql")
		if err != nil {
			return err
		}
		return execScript(tx, string(b))
	}
}

// sqlUp is the up step of a migration written as one SQL script per dialect.
func sqlUp(sqliteSQL, postgresSQL string) func(*gorm.DB, string) error {
	return func(tx *gorm.DB, dialect string) error {
		if dialect == DialectPostgres {
			return execScript(tx, postgresSQL)
		}
		return execScript(tx, sqliteSQL)
	}
}

// execScript runs the statements of script one by one, so that an error names the
// statement at fault. A statement ends with ";" at the end of a line; lines starting with
// "--" between statements are comments.
func execScript(db *gorm.DB, script string) error {
	for _, stmt := range splitScript(script) {
		if err := db.Exec(stmt).Error; err != nil {
			first, _, _ := strings.Cut(strings.TrimSpace(stmt), "\n")
			return fmt.Errorf("%s: %w", first, err)
		}
	}
	return nil
}

func splitScript(script string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(script) {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "--")) {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}

// migrate brings the schema to the newest version this program knows. On PostgreSQL it
// holds an advisory lock on one connection meanwhile, so that nodes starting together
// migrate one after the other: the first applies the steps, the others find them applied.
func (s *Store) migrate(ctx context.Context) error {
	db := s.w.WithContext(ctx)
	var err error
	if s.dialect != DialectPostgres {
		err = runMigrations(db, s.dialect, migrations, s.log)
	} else {
		err = db.Connection(func(conn *gorm.DB) error {
			if err := conn.Exec("SELECT pg_advisory_lock(?)", migrationLockKey).Error; err != nil {
				return err
			}
			// Unlock even when ctx has ended, or the pooled connection keeps the lock.
			defer conn.WithContext(context.WithoutCancel(ctx)).Exec("SELECT pg_advisory_unlock(?)", migrationLockKey)
			return runMigrations(conn, s.dialect, migrations, s.log)
		})
	}
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// runMigrations applies the steps of list that db has not recorded yet, in order, each in
// its own transaction together with its row in migrationsTable.
func runMigrations(db *gorm.DB, dialect string, list []migration, log *slog.Logger) error {
	for i, m := range list {
		if (i == 0 && m.version != 1) || (i > 0 && m.version <= list[i-1].version) || m.name == "" || m.up == nil {
			return fmt.Errorf("migration list entry %d (version %d, %q) is malformed: versions start at 1 and increase, and each has a name and an up step", i, m.version, m.name)
		}
	}
	applied, err := appliedMigrations(db, dialect, list, log)
	if err != nil {
		return err
	}
	if n := len(applied); n > len(list) {
		last := applied[n-1]
		return fmt.Errorf("%w: the database is at version %d (%q, applied %s) but this program knows versions up to %d; run the Parley release that upgraded it, or restore a backup taken before that upgrade",
			ErrSchemaTooNew, last.Version, last.Name, last.AppliedAt.Format(time.DateTime), latestVersion(list))
	}
	for i, a := range applied {
		if a.Version != list[i].version || a.Name != list[i].name {
			return fmt.Errorf("the database recorded migration %d %q where this program has %d %q: it was migrated by a different build", a.Version, a.Name, list[i].version, list[i].name)
		}
	}
	for i := len(applied); i < len(list); i++ {
		if err := applyMigration(db, dialect, list[i], latestVersion(list[:i]), log); err != nil {
			return err
		}
	}
	return nil
}

// latestVersion is the version of the last step of list, 0 for none.
func latestVersion(list []migration) int {
	if len(list) == 0 {
		return 0
	}
	return list[len(list)-1].version
}

// appliedMigrations reads migrationsTable, creating it first if needed. A database without
// it but with the baseline's tables was made by AutoMigrate before migrations were
// versioned: it is recorded as being at version 1, after checking that it has every table,
// column and index of the baseline.
func appliedMigrations(db *gorm.DB, dialect string, list []migration, log *slog.Logger) ([]appliedMigration, error) {
	var applied []appliedMigration
	if db.Migrator().HasTable(migrationsTable) {
		err := db.Raw("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").Scan(&applied).Error
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", migrationsTable, err)
		}
		return applied, nil
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		existing, err := describeSchema(tx, dialect)
		if err != nil {
			return err
		}
		adopt := false
		if len(existing) > 0 {
			baseline, err := baselineSchema(tx, dialect, list[0])
			if err != nil {
				return fmt.Errorf("describe the baseline: %w", err)
			}
			adopt = slices.ContainsFunc(existing.tables(), func(t string) bool { return baseline[t] != nil })
			if adopt {
				missing, extra := baseline.diffNames(existing)
				if len(missing) > 0 {
					return fmt.Errorf("the database has tables named like Parley's but no %s, and lacks part of the baseline schema: %s; if an older Parley made it, start the last release without versioned migrations on it once, so that it completes the schema",
						migrationsTable, listSome(missing, 12))
				}
				if len(extra) > 0 {
					log.Warn("store: the existing schema has more than the baseline; leaving it as it is", "extra", listSome(extra, 12))
				}
			}
		}
		if err := tx.Exec(migrationsDDL[dialect]).Error; err != nil {
			return err
		}
		if adopt {
			applied = []appliedMigration{{Version: list[0].version, Name: list[0].name, AppliedAt: now()}}
			return recordMigration(tx, applied[0])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", migrationsTable, err)
	}
	if len(applied) > 0 {
		log.Info("store: existing schema recognised as migration 1", "name", list[0].name)
	}
	return applied, nil
}

// listSome joins the first n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

func recordMigration(tx *gorm.DB, a appliedMigration) error {
	return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", a.Version, a.Name, a.AppliedAt).Error
}

// baselineSchema applies the baseline where it cannot disturb the database and describes
// the result: on PostgreSQL in this session's temporary schema inside a savepoint that is
// rolled back, on SQLite in a separate in-memory database.
func baselineSchema(tx *gorm.DB, dialect string, baseline migration) (dbSchema, error) {
	if dialect == DialectPostgres {
		if err := tx.Exec("SAVEPOINT parley_baseline").Error; err != nil {
			return nil, err
		}
		d, err := func() (dbSchema, error) {
			if err := tx.Exec("SET LOCAL search_path TO pg_temp").Error; err != nil {
				return nil, err
			}
			if err := baseline.up(tx, dialect); err != nil {
				return nil, err
			}
			return describeSchemaIn(tx, "pg_temp")
		}()
		// Rolling back also restores search_path.
		if rerr := tx.Exec("ROLLBACK TO SAVEPOINT parley_baseline").Error; err == nil {
			err = rerr
		}
		return d, err
	}
	mem, err := gorm.Open(sqlite.Open("file::memory:"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, err
	}
	sqlDB, err := mem.DB()
	if err != nil {
		return nil, err
	}
	defer sqlDB.Close()
	sqlDB.SetMaxOpenConns(1) // every connection to :memory: is a database of its own
	if err := baseline.up(mem, dialect); err != nil {
		return nil, err
	}
	return describeSchema(mem, dialect)
}

// applyMigration runs one step and records it, in one transaction, and logs it; prev is the
// version the database is at before it.
func applyMigration(db *gorm.DB, dialect string, m migration, prev int, log *slog.Logger) error {
	start := time.Now()
	fkOff := m.foreignKeysOff && dialect == DialectSQLite
	if fkOff {
		if err := db.Exec("PRAGMA foreign_keys = OFF").Error; err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := m.up(tx, dialect); err != nil {
			return err
		}
		if fkOff {
			var bad []struct {
				Table  string
				Parent string
			}
			if err := tx.Raw(`SELECT "table", parent FROM pragma_foreign_key_check`).Scan(&bad).Error; err != nil {
				return err
			}
			if len(bad) > 0 {
				return fmt.Errorf("%d rows break foreign keys afterwards (first: %s referring to %s)", len(bad), bad[0].Table, bad[0].Parent)
			}
		}
		return recordMigration(tx, appliedMigration{Version: m.version, Name: m.name, AppliedAt: now()})
	})
	if fkOff {
		// The store relies on enforcement (cascading deletes): failing to restore it fails Open.
		if ferr := db.Exec("PRAGMA foreign_keys = ON").Error; ferr != nil && err == nil {
			return fmt.Errorf("migration %d (%s): turn foreign keys back on: %w", m.version, m.name, ferr)
		}
	}
	if err != nil {
		return fmt.Errorf("migration %d (%s) failed, the database stays at version %d: %w", m.version, m.name, prev, err)
	}
	log.Info("store: schema migrated", "version", m.version, "name", m.name, "took", time.Since(start).Round(time.Millisecond))
	return nil
}
