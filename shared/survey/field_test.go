package survey

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/i18n"
	"github.com/parleychat/parley/shared/limits"
)

// Every Type constant is in Types and every entry of Types is a constant, once, with a label:
// a type cannot be added in one place and not the other. (The store, the protocol, the admin
// pages and the agent app take their types from Types; their tests check that they do.)
func TestTypesAreOneList(t *testing.T) {
	consts := map[string]string{}
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING && strings.HasPrefix(n.Name, "Type") {
						consts[n.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	if len(consts) == 0 {
		t.Fatal("no Type constants found")
	}
	listed := map[string]bool{}
	for _, ft := range Types {
		if listed[ft.Name] {
			t.Errorf("type %q is listed twice", ft.Name)
		}
		listed[ft.Name] = true
		if ft.Name == "" || strings.TrimSpace(ft.Label) == "" {
			t.Errorf("type %+v needs a name and a label", ft)
		}
		if !KnownType(ft.Name) {
			t.Errorf("KnownType(%q) = false", ft.Name)
		}
	}
	for name, value := range consts {
		if !listed[value] {
			t.Errorf("%s = %q is not in Types", name, value)
		}
	}
	if len(consts) != len(Types) {
		t.Errorf("%d Type constants, %d Types", len(consts), len(Types))
	}
	if !slices.Equal(TypeNames(), func() []string {
		var out []string
		for _, ft := range Types {
			out = append(out, ft.Name)
		}
		return out
	}()) {
		t.Error("TypeNames differs from Types")
	}
	for _, bad := range []string{"", "Text", "colour", " text"} {
		if KnownType(bad) {
			t.Errorf("KnownType(%q) = true", bad)
		}
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "Order_No2", "x" + strings.Repeat("y", limits.DataKeyRunes-1)} {
		if !ValidName(ok) {
			t.Errorf("ValidName(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "1a", "_a", "a-b", "a b", "Zoë", "x" + strings.Repeat("y", limits.DataKeyRunes)} {
		if ValidName(bad) {
			t.Errorf("ValidName(%q) = true", bad)
		}
	}
}

func TestCheckSettingsTidiesAndChecks(t *testing.T) {
	f := Field{Name: " topic ", Type: TypeSelect, Prompt: " Topic ", Options: []string{"Billing", " ", " Orders "}, Default: "Orders", ValidateLow: -1, ValidateHigh: -1}
	if err := CheckSettings(&f); err != nil {
		t.Fatal(err)
	}
	if f.Name != "topic" || f.Prompt != "Topic" || f.SelectType != SelectDropDown || !slices.Equal(f.Options, []string{"Billing", "Orders"}) {
		t.Fatalf("tidied = %+v", f)
	}
	for setting, f := range map[string]Field{
		"Name":             {Name: "1bad", Type: TypeText, Prompt: "P"},
		"Type":             {Name: "a", Type: "colour", Prompt: "P"},
		"Prompt":           {Name: "a", Type: TypeText, Prompt: " "},
		"Length":           {Name: "a", Type: TypeText, Prompt: "P", Length: limits.MessageRunes + 1},
		"Lines":            {Name: "a", Type: TypeText, Prompt: "P", MultiLine: true},
		"ChangeCase":       {Name: "a", Type: TypeText, Prompt: "P", ChangeCase: 4},
		"SelectType":       {Name: "a", Type: TypeSelect, Prompt: "P", SelectType: "list", Options: []string{"x"}},
		"Options":          {Name: "a", Type: TypeSelect, Prompt: "P", Options: []string{" "}},
		"ValidateLow":      {Name: "a", Type: TypeNumeric, Prompt: "P", ValidateLow: -2},
		"ValidateHigh":     {Name: "a", Type: TypeNumeric, Prompt: "P", ValidateLow: 5, ValidateHigh: 1},
		"DefaultDateToday": {Name: "a", Type: TypeText, Prompt: "P", DefaultDateToday: true},
		"DefaultTimeToday": {Name: "a", Type: TypeDate, Prompt: "P", DefaultTimeToday: true},
		"Mask":             {Name: "a", Type: TypeText, Prompt: "P", Mask: "("},
		"Default":          {Name: "a", Type: TypeSelect, Prompt: "P", Options: []string{"x"}, Default: "y"},
	} {
		err := CheckSettings(&f)
		se, ok := err.(*SettingError)
		if !ok || se.Setting != setting || se.Message == "" || err.Error() != setting+": "+i18n.Fill(se.Message, se.Args) {
			t.Errorf("%s: err = %v", setting, err)
		}
	}
	long := Field{Name: "a", Type: TypeText, Prompt: "P", Mask: strings.Repeat("a", MaxMaskBytes+1)}
	if err := CheckSettings(&long); err == nil || err.(*SettingError).Setting != "Mask" {
		t.Errorf("long mask: %v", err)
	}
	// Every type is a valid setting (a choice field with its options).
	for _, ft := range Types {
		f := Field{Name: "a", Type: ft.Name, Prompt: "P", Options: []string{"x"}, ValidateLow: -1, ValidateHigh: -1}
		if err := CheckSettings(&f); err != nil {
			t.Errorf("type %s: %v", ft.Name, err)
		}
	}
}
