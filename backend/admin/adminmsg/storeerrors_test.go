package adminmsg

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// checkDirs are the packages besides the store whose validation errors the store or the admin
// pages pass on to a person: a survey field's settings and MiCC's toolbox texts.
var checkDirs = []string{"../../../shared/survey", "../../micc/toolboxtext"}

// checkFiles are the non-test Go files of checkDirs.
func checkFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, dir := range checkDirs {
		files, err := filepath.Glob(dir + "/*.go")
		if err != nil || len(files) == 0 {
			t.Fatalf("the files of %s: %v", dir, err)
		}
		out = append(out, files...)
	}
	return out
}

// isCheckFile reports whether path is in one of checkDirs.
func isCheckFile(path string) bool {
	for _, dir := range checkDirs {
		if filepath.Dir(path) == filepath.Clean(dir) {
			return true
		}
	}
	return false
}

// storeErrorTypes and checkErrorTypes are the error types whose Message a person reads, when
// built with a composite literal rather than their constructor.
var (
	storeErrorTypes = map[string]bool{"FieldError": true, "RuleError": true}
	checkErrorTypes = map[string]bool{"SettingError": true, "CheckError": true}
)

// storeErrorMessages collects the message of every *store.FieldError and *store.RuleError the
// store builds (the calls of fieldErr and rule, and FieldError and RuleError literals), and of
// the survey settings' and toolbox texts' errors it passes on. A message that is not a string
// literal is an error, unless it forwards another error's Message field.
func storeErrorMessages(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../../store/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("the store's files: %v", err)
	}
	found := map[string]string{}
	fset := token.NewFileSet()
	literal := func(e ast.Expr, what string) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if s, err := strconv.Unquote(e.Value); err == nil && e.Kind == token.STRING {
				found[s] = fset.Position(e.Pos()).String()
				return
			}
		case *ast.SelectorExpr:
			if e.Sel.Name == "Message" {
				return // another error's message, collected where that error is built
			}
		case *ast.Ident:
			if e.Name == "msg" {
				return // the constructor's own parameter
			}
		}
		t.Errorf("%s: the message of %s is not a string literal", fset.Position(e.Pos()), what)
	}
	for _, path := range append(files, checkFiles(t)...) {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		calls, types := storeMessages, storeErrorTypes
		if isCheckFile(path) {
			calls, types = checkMessages, checkErrorTypes
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok {
					for _, i := range calls[id.Name] {
						if i < len(n.Args) {
							literal(n.Args[i], id.Name)
						}
					}
				}
			case *ast.CompositeLit:
				id, ok := n.Type.(*ast.Ident)
				if !ok || !types[id.Name] {
					return true
				}
				for _, e := range n.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Message" {
							literal(kv.Value, id.Name)
						}
					}
				}
			}
			return true
		})
	}
	return found
}

// TestStoreErrorsInEveryLanguage fails when German or French lacks the message of an error
// the store's validation gives a person (a *store.FieldError or *store.RuleError, including
// the survey settings' and toolbox texts' errors it passes on), or when such a message is
// built from values rather than a literal with placeholders. The admin pages and the agent
// API look these messages up in the catalogue.
func TestStoreErrorsInEveryLanguage(t *testing.T) {
	found := storeErrorMessages(t)
	if len(found) < 100 {
		t.Fatalf("found only %d store messages: is the source scanned?", len(found))
	}
	for _, want := range []string{"Enter a folder name.", "Choose at least one event.", "\"{0}\" is not an e-mail address.",
		"Enter the question the visitor sees.", "\"{0}\" must keep the placeholder {1}.", "The intervals {0} and {1} overlap."} {
		if _, ok := found[want]; !ok {
			t.Errorf("%q was not found in the store's source", want)
		}
	}
	var missing []string
	for msg, where := range found {
		for _, lang := range Languages[1:] {
			tr, ok := tables[lang][msg]
			switch {
			case !ok:
				missing = append(missing, lang+": "+strconv.Quote(msg)+" ("+where+")")
			case placeholders(tr) != placeholders(msg):
				t.Errorf("%s: %q has the placeholders %q, the English %q", lang, tr, placeholders(tr), placeholders(msg))
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("missing: %s", m)
	}
}
