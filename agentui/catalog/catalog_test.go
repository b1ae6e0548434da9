package catalog

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// messages finds every message the agent app's code asks the catalogue for: the string
// literals given to T, N and the desk's msgT, in every non-test Go file under agentui/. A call
// that names its message with anything but a literal fails the test, as the message could not
// be checked; only the catalogue's own forwarding (an argument named msg) is allowed.
func messages(t *testing.T) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			literals := map[string]int{"T": 1, "msgT": 1, "N": 2}[sel.Sel.Name]
			if literals == 0 || len(call.Args) < literals {
				return true
			}
			for _, arg := range call.Args[:literals] {
				if id, ok := arg.(*ast.Ident); ok && (id.Name == "msg" || id.Name == "one" || id.Name == "other") {
					continue
				}
				lit, ok := arg.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("%s: the message of %s is not a string literal", fset.Position(arg.Pos()), sel.Sel.Name)
					continue
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				found[s] = append(found[s], fset.Position(arg.Pos()).String())
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 100 {
		t.Fatalf("found only %d messages: is the source scanned?", len(found))
	}
	return found
}

var placeholder = regexp.MustCompile(`\{[0-9]\}`)

// placeholders are a message's placeholders, sorted: a translation may reorder them, not drop
// or add one.
func placeholders(s string) string {
	p := placeholder.FindAllString(s, -1)
	sort.Strings(p)
	return strings.Join(p, "")
}

// TestEveryMessageInEveryLanguage fails when a language lacks a message the code uses, when a
// translation's placeholders differ from the English ones, when a translation is empty or
// keeps stray spaces the English has not, and when a translation is no longer used.
func TestEveryMessageInEveryLanguage(t *testing.T) {
	used := messages(t)
	var missing []string
	for _, lang := range Languages[1:] {
		table := tables()[lang]
		for msg, where := range used {
			tr, ok := table[msg]
			switch {
			case !ok:
				missing = append(missing, lang+": "+strconv.Quote(msg)+" (used at "+where[0]+")")
			case placeholders(tr) != placeholders(msg):
				t.Errorf("%s: %q has the placeholders %q, the English %q", lang, tr, placeholders(tr), placeholders(msg))
			case strings.TrimSpace(tr) == "":
				t.Errorf("%s: %q is empty", lang, msg)
			case strings.HasPrefix(tr, " ") != strings.HasPrefix(msg, " ") || strings.HasSuffix(tr, " ") != strings.HasSuffix(msg, " "):
				t.Errorf("%s: %q and its translation %q differ in leading or trailing spaces", lang, msg, tr)
			}
		}
		for msg := range table {
			if _, ok := used[msg]; !ok {
				t.Errorf("%s: %q is no longer used", lang, msg)
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("missing: %s", m)
	}
	if os.Getenv("CATALOG_DUMP") != "" {
		for _, m := range missing {
			t.Log(m)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		prefs []string
		want  string
	}{
		{nil, "en"},
		{[]string{"", "", "de-AT"}, "de"},
		{[]string{"fr", "de"}, "fr"},
		{[]string{"es-ES", "fr-CA", "de"}, "fr"},
		{[]string{"DE_ch"}, "de"},
		{[]string{"x\x00de", "it"}, "en"},
		{[]string{"english"}, "en"},
	} {
		if got := Match(c.prefs...); got != c.want {
			t.Errorf("Match(%q) = %q, want %q", c.prefs, got, c.want)
		}
	}
}

func TestTranslateAndFill(t *testing.T) {
	de, fr, en := For("de-DE"), For("fr"), Printer{}
	if got := de.T("Sign out"); got != "Abmelden" {
		t.Errorf("de Sign out = %q", got)
	}
	if got := fr.T("Chat request from {0}", "Otto"); got != "Demande de chat de Otto" {
		t.Errorf("fr = %q", got)
	}
	if got := en.T("Chat request from {0}", "{1}{0}"); got != "Chat request from {1}{0}" {
		t.Errorf("an argument is filled in once, never read as a placeholder: %q", got)
	}
	if got := en.T("{0} on {1}"); got != "{0} on {1}" {
		t.Errorf("missing arguments leave the placeholders: %q", got)
	}
	if got := en.T("{0} on {1}", "Chrome"); got != "Chrome on {1}" {
		t.Errorf("one argument: %q", got)
	}
	if got := en.T("a message no language has {"); got != "a message no language has {" {
		t.Errorf("unknown: %q", got)
	}
	if en.Lang() != "en" || For("it").Lang() != "en" || For("fr-BE").Lang() != "fr" {
		t.Error("Lang")
	}
}

func TestPlural(t *testing.T) {
	one, other := "{0} message", "{0} messages"
	for _, c := range []struct {
		p    Printer
		n    int
		want string
	}{
		{Printer{}, 0, "0 messages"}, {Printer{}, 1, "1 message"}, {Printer{}, 2, "2 messages"},
		{Printer{}, 1234, "1,234 messages"},
		{For("de"), 0, "0 Nachrichten"}, {For("de"), 1, "1 Nachricht"}, {For("de"), 1234, "1.234 Nachrichten"},
		{For("fr"), 0, "0 message"}, {For("fr"), 1, "1 message"}, {For("fr"), 2, "2 messages"},
	} {
		if got := c.p.N(one, other, c.n); got != c.want {
			t.Errorf("%s N(%d) = %q, want %q", c.p.Lang(), c.n, got, c.want)
		}
	}
}

func TestDatesAndSizes(t *testing.T) {
	at := time.Date(2026, time.March, 2, 15, 4, 0, 0, time.Local)
	now := time.Date(2026, time.March, 9, 10, 0, 0, 0, time.Local)
	for _, c := range []struct {
		p          Printer
		clock, day string
	}{
		{Printer{}, "2 Mar 15:04", "15:04"},
		{For("de"), "2. März 15:04", "15:04"},
		{For("fr"), "2 mars 15:04", "15:04"},
	} {
		if got := c.p.Clock(at, now); got != c.clock {
			t.Errorf("%s Clock = %q, want %q", c.p.Lang(), got, c.clock)
		}
		if got := c.p.Clock(at, at.Add(time.Hour)); got != c.day {
			t.Errorf("%s Clock today = %q, want %q", c.p.Lang(), got, c.day)
		}
	}
	if got := For("de").Date(time.Date(2026, time.December, 24, 0, 0, 0, 0, time.UTC)); got != "24. Dez." {
		t.Errorf("de Date = %q", got)
	}
	if (Printer{}).Clock(time.Time{}, now) != "" {
		t.Error("a zero time shows nothing")
	}
	for _, l := range Languages {
		if len(months[l]) != 12 || months[l][11] == "" {
			t.Errorf("%s has no month names", l)
		}
	}
	if got := For("fr").Size(1291); got != "1,3 Ko" {
		t.Errorf("fr Size = %q", got)
	}
	if For("de").Size(0) != "" || For("de").Size(-5) != "" {
		t.Error("an unknown size shows nothing")
	}
	if got := For("de").Int(1291); got != "1.291" {
		t.Errorf("de Int = %q", got)
	}
}
