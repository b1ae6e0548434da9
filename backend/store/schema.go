package store

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// dbSchema describes a database's tables as the database reports them, for comparing two
// schemas: the migrator checks that a database made by AutoMigrate has the baseline, and
// tests check that a fresh database and an upgraded one end up the same.
type dbSchema map[string]*dbTable

// dbTable is one table: its columns in order and its other parts (indexes, keys) by name,
// each with a definition in the database's own words.
type dbTable struct {
	Columns []dbColumn
	Parts   map[string]string
}

// dbColumn is one column of a table.
type dbColumn struct {
	Name    string
	Type    string
	NotNull bool
	Default string
}

func (s dbSchema) table(name string) *dbTable {
	t := s[name]
	if t == nil {
		t = &dbTable{Parts: map[string]string{}}
		s[name] = t
	}
	return t
}

func (s dbSchema) tables() []string { return slices.Sorted(maps.Keys(s)) }

// flat lists every table, column and part as "table", "table.column" and "table part" with
// its definition, for diffs.
func (s dbSchema) flat() map[string]string {
	out := map[string]string{}
	for name, t := range s {
		out[name] = "table"
		for i, c := range t.Columns {
			def := fmt.Sprintf("#%d %s", i+1, c.Type)
			if c.NotNull {
				def += " not null"
			}
			if c.Default != "" {
				def += " default " + c.Default
			}
			out[name+"."+c.Name] = def
		}
		for k, v := range t.Parts {
			out[name+" "+k] = v
		}
	}
	return out
}

// diffNames lists what s has and other lacks (missing) and the other way round (extra), by
// name only.
func (s dbSchema) diffNames(other dbSchema) (missing, extra []string) {
	a, b := s.flat(), other.flat()
	for k := range a {
		if _, ok := b[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return missing, extra
}

// describeSchema describes the tables of db's current schema (PostgreSQL) or main database
// (SQLite), without migrationsTable.
func describeSchema(db *gorm.DB, dialect string) (dbSchema, error) {
	if dialect == DialectPostgres {
		return describeSchemaIn(db, "")
	}
	return describeSQLite(db)
}

// describeSchemaIn describes the PostgreSQL schema named ns; "" is the current schema and
// "pg_temp" this session's temporary schema.
func describeSchemaIn(db *gorm.DB, ns string) (dbSchema, error) {
	nsOID := "current_schema()::regnamespace"
	switch ns {
	case "":
	case "pg_temp":
		nsOID = "pg_my_temp_schema()"
	default:
		return nil, fmt.Errorf("describe schema %q: only the current and the temporary schema", ns)
	}
	s := dbSchema{}
	var cols []struct {
		TableName, ColumnName, ColumnType, ColumnDefault string
		NotNull                                          bool
	}
	err := db.Raw(`SELECT c.relname AS table_name, a.attname AS column_name,
			format_type(a.atttypid, a.atttypmod) AS column_type, a.attnotnull AS not_null,
			COALESCE(pg_get_expr(d.adbin, d.adrelid), '') AS column_default
		FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE c.relnamespace = `+nsOID+` AND c.relkind = 'r' AND c.relname <> ?
			AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY c.relname, a.attnum`, migrationsTable).Scan(&cols).Error
	if err != nil {
		return nil, fmt.Errorf("describe columns: %w", err)
	}
	for _, c := range cols {
		t := s.table(c.TableName)
		t.Columns = append(t.Columns, dbColumn{Name: c.ColumnName, Type: c.ColumnType, NotNull: c.NotNull, Default: c.ColumnDefault})
	}
	var parts []struct{ TableName, Name, Def string }
	err = db.Raw(`SELECT t.relname AS table_name, 'index ' || i.relname AS name, pg_get_indexdef(i.oid) AS def
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class t ON t.oid = x.indrelid
		WHERE t.relnamespace = `+nsOID+` AND t.relname <> ? AND NOT x.indisprimary
		UNION ALL
		SELECT t.relname, 'constraint ' || co.conname, pg_get_constraintdef(co.oid)
		FROM pg_constraint co
		JOIN pg_class t ON t.oid = co.conrelid
		WHERE t.relnamespace = `+nsOID+` AND t.relname <> ?`, migrationsTable, migrationsTable).Scan(&parts).Error
	if err != nil {
		return nil, fmt.Errorf("describe indexes and constraints: %w", err)
	}
	for _, p := range parts {
		s.table(p.TableName).Parts[p.Name] = p.Def
	}
	return s, nil
}

var (
	sqliteWhere      = regexp.MustCompile(`(?is)\sWHERE\s(.*)$`)
	sqliteAutoInc    = regexp.MustCompile(`(?i)\bAUTOINCREMENT\b`)
	sqliteIdentQuote = strings.NewReplacer("`", "", `"`, "")
)

// describeSQLite describes the tables of SQLite's main database. Index predicates and
// AUTOINCREMENT (ids never reused) are read from the stored CREATE statements, which SQLite
// keeps as written; quotes and spacing are normalised so that GORM's backquoted DDL and
// hand-written DDL compare equal.
func describeSQLite(db *gorm.DB) (dbSchema, error) {
	var tables []struct{ Name, SQL string }
	err := db.Raw(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> ?`, migrationsTable).Scan(&tables).Error
	if err != nil {
		return nil, fmt.Errorf("describe tables: %w", err)
	}
	s := dbSchema{}
	for _, tb := range tables {
		t := s.table(tb.Name)
		var cols []struct {
			Name, Type string
			NotNull    bool
			Dflt       *string
			PK         int
		}
		if err := db.Raw(`SELECT name, type, "notnull" AS not_null, dflt_value AS dflt, pk FROM pragma_table_info(?) ORDER BY cid`, tb.Name).Scan(&cols).Error; err != nil {
			return nil, fmt.Errorf("describe columns of %s: %w", tb.Name, err)
		}
		pk := make([]string, len(cols)) // pk is the column's 1-based place in the key, 0 if none
		for _, c := range cols {
			col := dbColumn{Name: c.Name, Type: strings.ToLower(c.Type), NotNull: c.NotNull}
			if c.Dflt != nil {
				col.Default = *c.Dflt
			}
			t.Columns = append(t.Columns, col)
			if c.PK > 0 {
				pk[c.PK-1] = c.Name
			}
		}
		pk = slices.DeleteFunc(pk, func(n string) bool { return n == "" })
		if len(pk) > 0 {
			def := "(" + strings.Join(pk, ", ") + ")"
			if sqliteAutoInc.MatchString(tb.SQL) {
				def += " autoincrement"
			}
			t.Parts["primary key"] = def
		}

		var idx []struct {
			Name   string
			Unique bool
			Origin string
		}
		if err := db.Raw(`SELECT name, "unique", origin FROM pragma_index_list(?)`, tb.Name).Scan(&idx).Error; err != nil {
			return nil, fmt.Errorf("describe indexes of %s: %w", tb.Name, err)
		}
		for _, ix := range idx {
			if ix.Origin == "pk" {
				continue // described as the primary key
			}
			var cols []string
			if err := db.Raw(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, ix.Name).Scan(&cols).Error; err != nil {
				return nil, fmt.Errorf("describe index %s: %w", ix.Name, err)
			}
			def := "(" + strings.Join(cols, ", ") + ")"
			if ix.Unique {
				def = "unique " + def
			}
			var create *string
			if err := db.Raw(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`, ix.Name).Scan(&create).Error; err != nil {
				return nil, fmt.Errorf("describe index %s: %w", ix.Name, err)
			}
			if create != nil {
				if m := sqliteWhere.FindStringSubmatch(*create); m != nil {
					def += " where " + strings.Join(strings.Fields(sqliteIdentQuote.Replace(m[1])), " ")
				}
			}
			t.Parts["index "+ix.Name] = def
		}

		var fks []struct {
			ID, Seq                             int
			Table, From, To, OnUpdate, OnDelete string
		}
		if err := db.Raw(`SELECT id, seq, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, tb.Name).Scan(&fks).Error; err != nil {
			return nil, fmt.Errorf("describe foreign keys of %s: %w", tb.Name, err)
		}
		for i := 0; i < len(fks); {
			j := i
			var from, to []string
			for ; j < len(fks) && fks[j].ID == fks[i].ID; j++ {
				from, to = append(from, fks[j].From), append(to, fks[j].To)
			}
			f := fks[i]
			t.Parts["foreign key ("+strings.Join(from, ", ")+")"] = fmt.Sprintf("references %s (%s) on update %s on delete %s",
				f.Table, strings.Join(to, ", "), strings.ToLower(f.OnUpdate), strings.ToLower(f.OnDelete))
			i = j
		}
	}
	return s, nil
}
