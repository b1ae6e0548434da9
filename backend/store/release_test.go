package store

import (
	"bufio"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
)

// releasedMigrations reads testdata/released_migrations.txt: the migrations of the builds
// already released, one "version<TAB>name" per line. Databases out there recorded exactly these,
// so the program's list must start with them. Append the new ones at each release.
func releasedMigrations(t *testing.T) []appliedMigration {
	t.Helper()
	f, err := os.Open("testdata/released_migrations.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []appliedMigration
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, name, ok := strings.Cut(line, "\t")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || name == "" {
			t.Fatalf("released_migrations.txt: bad line %q", line)
		}
		out = append(out, appliedMigration{Version: n, Name: name})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReleasedMigrationsStayPut: the runner refuses a database whose recorded migrations are
// not the start of the program's list, so a released migration must never be renumbered,
// renamed or removed, and a new one must come after every released one (a number in a gap
// below a released version would make every upgraded database refuse to start).
func TestReleasedMigrationsStayPut(t *testing.T) {
	released := releasedMigrations(t)
	if len(released) == 0 {
		t.Fatal("no released migrations listed")
	}
	if len(migrations) < len(released) {
		t.Fatalf("the program knows %d migrations, fewer than the %d released", len(migrations), len(released))
	}
	for i, r := range released {
		m := migrations[i]
		if m.version != r.Version || m.name != r.Name {
			t.Fatalf("migration %d is %d %q, but the released builds have %d %q there: released migrations stay as they are, and new ones go at the end with a higher version",
				i, m.version, m.name, r.Version, r.Name)
		}
	}
}

// TestUpgradeFromLastRelease: a database migrated by the last release, with data in it, opens
// with this program, which applies the newer migrations on top; on both databases.
func TestUpgradeFromLastRelease(t *testing.T) {
	released := releasedMigrations(t)
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			cfg := b.fresh(t)
			raw := rawDB(t, cfg)
			if err := runMigrations(raw, dialectOf(cfg), migrations[:len(released)], slog.New(slog.DiscardHandler)); err != nil {
				t.Fatal(err)
			}
			if err := raw.Exec("INSERT INTO tenants (name, time_zone, default_lang, created_at) VALUES ('Released', 'UTC', 'en', CURRENT_TIMESTAMP)").Error; err != nil {
				t.Fatal(err)
			}
			s := openStore(t, cfg)
			wantAllApplied(t, appliedRows(t, s.w), migrations)
			var name string
			if err := s.w.Raw("SELECT name FROM tenants WHERE name = 'Released'").Scan(&name).Error; err != nil || name != "Released" {
				t.Fatalf("tenant after the upgrade = %q, %v", name, err)
			}
		})
	}
}
