package adminmsg

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

// messageArgs names, for each function the admin pages call with messages, which arguments
// are messages: tr and T translate at once, msgKey marks a message translated where it is
// shown, and the form components and page helpers translate their labels, hints and titles
// when they render them.
var messageArgs = map[string][]int{
	"tr": {1}, "T": {0}, "trn": {1, 2}, "N": {0, 1}, "msgKey": {0}, "errorf": {1},
	"input": {2, 3}, "number": {2, 3}, "textarea": {2, 3}, "checkbox": {2, 3}, "selectField": {2, 3},
	"submit": {0}, "yesNo": {1, 2}, "fieldHelp": {2}, "surveyTable": {2, 3}, "page": {1}, "fail": {2}, "textsErr": {0},
}

// storeMessages names, for the store, the functions that build a *store.RuleError and a
// *store.FieldError: the admin pages show their messages in the reader's language, so the
// store's rules are messages too.
var storeMessages = map[string][]int{"rule": {0}, "fieldErr": {1}}

// checkMessages are the same for the checks whose errors the store and the admin pages pass
// on (checkDirs: a survey field's settings, MiCC's toolbox texts).
var checkMessages = map[string][]int{"settingErr": {1}, "checkErr": {0}}

// exportMessages are the calls of package reportexport whose argument is a message the admin
// pages show: its setting errors.
var exportMessages = map[string][]int{"settingErr": {1}}

// literalOnly are the functions whose messages must be string literals: the others take
// names and values too, which are shown as they are (the catalogue's own forwarding calls
// T and N with what it was given).
var literalOnly = map[string]bool{"tr": true, "trn": true, "msgKey": true, "errorf": true, "textsErr": true, "rule": true, "settingErr": true,
	"fieldErr": true, "checkErr": true}

// messages finds every message (a text with a letter in it) the admin pages name: the arguments of messageArgs, the
// labels of option and navItem literals, and the English texts set on a form (Errors,
// Message) or page (Flash, BackLabel), in every non-test Go file of backend/admin (the
// generated *_templ.go files hold the templates' calls).
func messages(t *testing.T) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	add := func(fset *token.FileSet, e ast.Expr, strict bool, what string) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			if strict {
				if id, ok := e.(*ast.Ident); ok && (id.Name == "msg" || id.Name == "one" || id.Name == "other") {
					return
				}
				if sel, ok := e.(*ast.SelectorExpr); ok && sel.Sel.Name == "Message" {
					return // another error's message, collected where that error is built
				}
				t.Errorf("%s: the message of %s is not a string literal", fset.Position(e.Pos()), what)
			}
			return
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsFunc(s, unicode.IsLetter) {
			found[s] = append(found[s], fset.Position(e.Pos()).String())
		}
	}
	fset := token.NewFileSet()
	files, err := filepath.Glob("../*.go")
	if err != nil {
		t.Fatal(err)
	}
	storeFiles, err := filepath.Glob("../../store/*.go")
	if err != nil || len(storeFiles) == 0 {
		t.Fatalf("the store's files: %v", err)
	}
	exportFiles, err := filepath.Glob("../../reportexport/*.go")
	if err != nil || len(exportFiles) == 0 {
		t.Fatalf("the report export's files: %v", err)
	}
	for _, path := range append(append(append(files, storeFiles...), exportFiles...), checkFiles(t)...) {
		args, inStore := messageArgs, strings.Contains(path, "/store/") || strings.Contains(path, "/reportexport/") || isCheckFile(path)
		if strings.Contains(path, "/store/") {
			args = storeMessages
		} else if isCheckFile(path) {
			args = checkMessages
		} else if inStore {
			args = exportMessages
		}
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				for _, i := range args[name] {
					if i < len(n.Args) {
						add(fset, n.Args[i], literalOnly[name], name)
					}
				}
			case *ast.CompositeLit:
				if inStore {
					return true
				}
				typ := ""
				switch tt := n.Type.(type) {
				case *ast.Ident:
					typ = tt.Name
				case *ast.ArrayType:
					if id, ok := tt.Elt.(*ast.Ident); ok {
						typ = "[]" + id.Name
					}
				}
				switch typ {
				case "option", "navItem":
					if len(n.Elts) > 1 {
						add(fset, n.Elts[1], false, typ)
					}
				case "[]option", "[]navItem":
					for _, e := range n.Elts {
						if cl, ok := e.(*ast.CompositeLit); ok && len(cl.Elts) > 1 {
							add(fset, cl.Elts[1], false, typ)
						}
					}
				}
			case *ast.AssignStmt:
				if inStore {
					return true
				}
				for i, lhs := range n.Lhs {
					if i >= len(n.Rhs) {
						break
					}
					switch l := lhs.(type) {
					case *ast.SelectorExpr:
						if l.Sel.Name == "Message" || l.Sel.Name == "Flash" || l.Sel.Name == "BackLabel" {
							add(fset, n.Rhs[i], false, l.Sel.Name)
						}
					case *ast.IndexExpr:
						if sel, ok := l.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "Errors" {
							add(fset, n.Rhs[i], false, "Errors")
						}
					}
				}
			}
			return true
		})
	}
	if len(found) < 300 {
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

// TestEveryMessageInEveryLanguage fails when a language lacks a message the admin pages
// use, when a translation's placeholders differ from the English ones, when a translation is
// empty or differs in leading or trailing spaces, and when a translation is no longer used.
func TestEveryMessageInEveryLanguage(t *testing.T) {
	used := messages(t)
	var missing []string
	for _, lang := range Languages[1:] {
		table := tables[lang]
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
	if path := os.Getenv("ADMINMSG_DUMP"); path != "" {
		var keys []string
		for k := range used {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(strconv.Quote(k) + "\n")
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPick(t *testing.T) {
	for _, c := range []struct{ user, accept, want string }{
		{"", "", "en"},
		{"", "de-DE,de;q=0.9,en;q=0.8", "de"},
		{"", "it, fr;q=0.5", "fr"},
		{"fr-BE", "de", "fr"},
		{"it", "de-AT", "de"}, // a setting the pages do not speak leaves the browser's choice
		{"en", "de", "en"},
		{"", "*;q=0.5, zz", "en"},
	} {
		if got := Pick(c.user, c.accept); got != c.want {
			t.Errorf("Pick(%q, %q) = %q, want %q", c.user, c.accept, got, c.want)
		}
	}
}

func TestPrinter(t *testing.T) {
	at := time.Date(2026, time.March, 2, 15, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		lang, dateTime, n string
	}{
		{"en", "2 Mar 2026, 15:04", "1,234"},
		{"de", "2. März 2026, 15:04", "1.234"},
		{"fr", "2 mars 2026 à 15:04", "1\u202f234"},
	} {
		p := For(c.lang)
		if got := p.DateTime(at); got != c.dateTime {
			t.Errorf("%s DateTime = %q, want %q", c.lang, got, c.dateTime)
		}
		if got := p.Int(1234); got != c.n && !(c.lang == "fr" && strings.ReplaceAll(got, "\u00a0", "\u202f") == c.n) {
			t.Errorf("%s Int = %q, want %q", c.lang, got, c.n)
		}
	}
	if (Printer{}).DateTime(time.Time{}) != "" {
		t.Error("a zero time shows nothing")
	}
	if got := For("fr").N("{0} byte", "{0} bytes", 0); got != "0 octet" {
		t.Errorf("fr N(0) = %q", got)
	}
	if got := For("de").T("Sign out"); got != "Abmelden" {
		t.Errorf("de Sign out = %q", got)
	}
	if got := T(nil, "Sign out"); got != "Sign out" { //nolint:staticcheck // a nil context speaks English
		t.Errorf("no printer = %q", got)
	}
}

// TestWeek pins each language's weekday names and the day its week starts on.
func TestWeek(t *testing.T) {
	at := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC) // a Monday
	for _, c := range []struct{ lang, first, monday, short, dayMonth string }{
		{"en", "Sunday", "Monday", "Mon", "2 Mar"},
		{"de", "Montag", "Montag", "Mo.", "2. März"},
		{"fr", "lundi", "lundi", "lun.", "2 mars"},
	} {
		p := For(c.lang)
		week := p.Week()
		if got := p.Weekday(week[0]); got != c.first {
			t.Errorf("%s: the week starts on %q, want %q", c.lang, got, c.first)
		}
		seen := map[time.Weekday]bool{}
		for _, d := range week {
			seen[d] = true
		}
		if len(seen) != 7 {
			t.Errorf("%s: the week has %d different days", c.lang, len(seen))
		}
		if got := p.Weekday(at.Weekday()); got != c.monday {
			t.Errorf("%s Weekday = %q, want %q", c.lang, got, c.monday)
		}
		if got := p.ShortWeekday(at.Weekday()); got != c.short {
			t.Errorf("%s ShortWeekday = %q, want %q", c.lang, got, c.short)
		}
		if got := p.DayMonth(at); got != c.dayMonth {
			t.Errorf("%s DayMonth = %q, want %q", c.lang, got, c.dayMonth)
		}
	}
}
