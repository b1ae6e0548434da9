package protocol

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/doc"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The generated parts of README.md and the fuzz seed corpus are rebuilt from the code, its doc
// comments and the examples by:
//
//	go test ./shared/protocol -run 'TestReadme|TestFuzzSeedCorpus' -update
//
// Without -update these tests fail when what is committed is out of date.
var update = flag.Bool("update", false, "rewrite the generated parts of README.md and the fuzz seed corpus")

const (
	modulePath = "github.com/parleychat/parley"
	importPath = modulePath + "/shared/protocol"
	limitsPath = modulePath + "/shared/limits"
)

// docPackage is a package's parsed source and documentation.
type docPackage struct {
	files []*ast.File
	fset  *token.FileSet
	doc   *doc.Package
}

func parsePackage(t *testing.T, dir, path string) docPackage {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := docPackage{fset: token.NewFileSet()}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(p.fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		p.files = append(p.files, f)
	}
	p.doc, err = doc.NewFromFiles(p.fset, p.files, path, doc.PreserveAST)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// markdown renders a doc comment as Markdown on one line per paragraph, with links to the
// README's own sections where the comment links to a documented name.
func (p docPackage) markdown(text string, anchors map[string]string) string {
	pr := p.doc.Printer()
	pr.DocLinkURL = func(link *comment.DocLink) string {
		name := link.Name
		if link.Recv != "" {
			name = link.Recv
		}
		switch link.ImportPath {
		case "":
			if a, ok := anchors[name]; ok {
				return "#" + a
			}
			return "https://pkg.go.dev/" + importPath + "#" + strings.TrimPrefix(link.Recv+"."+link.Name, ".")
		case limitsPath:
			return "#limits"
		}
		return link.DefaultURL("https://pkg.go.dev")
	}
	return strings.TrimSpace(string(pr.Markdown(p.doc.Parser().Parse(text))))
}

// typeDoc returns the doc comment of the named type.
func (p docPackage) typeDoc(t *testing.T, name string) string {
	t.Helper()
	for _, ty := range p.doc.Types {
		if ty.Name == name {
			return ty.Doc
		}
	}
	t.Fatalf("no documented type %s", name)
	return ""
}

// constSpec is a documented constant.
type constSpec struct {
	name, value, doc string
}

// typedConsts returns the constants of the named type with their literal values and docs.
func (p docPackage) typedConsts(t *testing.T, typeName string) []constSpec {
	t.Helper()
	var out []constSpec
	for _, ty := range p.doc.Types {
		if ty.Name != typeName {
			continue
		}
		for _, v := range ty.Consts {
			for _, spec := range v.Decl.Specs {
				vs := spec.(*ast.ValueSpec)
				lit, ok := vs.Values[0].(*ast.BasicLit)
				if len(vs.Names) != 1 || len(vs.Values) != 1 || !ok {
					t.Fatalf("constant %s is not a single literal", vs.Names[0].Name)
				}
				value := lit.Value
				if lit.Kind == token.STRING {
					value, _ = strconv.Unquote(value)
				}
				out = append(out, constSpec{vs.Names[0].Name, value, vs.Doc.Text()})
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no constants of type %s", typeName)
	}
	return out
}

// anchor is the README anchor of a command or event type.
func anchor(prefix string, typ Type) string {
	return prefix + "-" + strings.NewReplacer(".", "-", "_", "-").Replace(string(typ))
}

// goName is the Go type name of a body.
func goName(body any) string { return reflect.TypeOf(body).Elem().Name() }

// readmeAnchors maps documented Go names to README anchors, for links in doc comments.
func readmeAnchors() map[string]string {
	a := map[string]string{
		"Envelope": "envelope", "Command": "envelope", "Event": "envelope", "Type": "envelope", "Role": "envelope",
		"Version": "versions", "Code": "error-codes", "CloseCode": "close-codes", "Durable": "durable-and-transient-events",
		"SurveyField": "evt-connected", "ChatSummary": "evt-chat-opened", "VisitorInfo": "evt-chat-opened",
		"User": "evt-agent-ready", "Status": "evt-agent-ready", "Operator": "evt-operators", "File": "evt-message",
		"ChatStatus": "evt-chat-state", "Cause": "evt-chat-state",
	}
	for _, c := range commandExamples {
		a[goName(c.Body)] = anchor("cmd", c.Body.CommandType())
	}
	for _, e := range eventExamples {
		a[goName(e.Event.Body)] = anchor("evt", e.Event.Body.EventType())
	}
	return a
}

// indentJSON pretty-prints a frame for the README.
func indentJSON(t *testing.T, frame []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, frame, "", "  "); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// oneLine joins a Markdown paragraph list into one line, for table cells.
func oneLine(md string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(md, "|", `\|`)), " ")
}

// readmeSections builds every generated section of README.md, by marker name.
func readmeSections(t *testing.T) map[string]string {
	pkg := parsePackage(t, ".", importPath)
	anchors := readmeAnchors()
	sections := map[string]string{}

	// Error codes.
	var b strings.Builder
	b.WriteString("| Code | Meaning |\n|---|---|\n")
	for _, c := range pkg.typedConsts(t, "Code") {
		meaning := strings.TrimPrefix(c.doc, c.name+":")
		fmt.Fprintf(&b, "| `%s` | %s |\n", c.value, oneLine(pkg.markdown(meaning, anchors)))
	}
	sections["errors"] = b.String()

	// Close codes.
	b.Reset()
	b.WriteString("| Code | Name | Client | Meaning |\n|---|---|---|---|\n")
	for _, c := range pkg.typedConsts(t, "CloseCode") {
		n, err := strconv.Atoi(c.value)
		if err != nil {
			t.Fatal(err)
		}
		client := "stop"
		if CloseCode(n).Reconnect() {
			client = "reconnect and resume"
		}
		meaning := strings.TrimPrefix(c.doc, c.name+":")
		fmt.Fprintf(&b, "| %d | `%s` | %s | %s |\n", n, c.name, client, oneLine(pkg.markdown(meaning, anchors)))
	}
	sections["close-codes"] = b.String()

	// Limits, evaluated by the type checker so that derived values show as numbers.
	lim := parsePackage(t, "../limits", limitsPath)
	info := &types.Info{Defs: map[*ast.Ident]types.Object{}}
	if _, err := (&types.Config{}).Check(limitsPath, lim.fset, lim.files, info); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	b.WriteString("| Limit | Value | Meaning |\n|---|---|---|\n")
	for _, v := range lim.doc.Consts {
		for _, spec := range v.Decl.Specs {
			vs := spec.(*ast.ValueSpec)
			for _, name := range vs.Names {
				obj, ok := info.Defs[name].(*types.Const)
				if !ok {
					t.Fatalf("limits.%s is not a constant", name.Name)
				}
				fmt.Fprintf(&b, "| `limits.%s` | %s | %s |\n", name.Name, obj.Val().ExactString(), oneLine(lim.markdown(vs.Doc.Text(), nil)))
			}
		}
	}
	sections["limits"] = b.String()

	// Commands, grouped by who may send them.
	b.Reset()
	groups := []struct{ senders, title, intro string }{
		{"both", "Shared commands", "Visitors and agents send these."},
		{"visitor", "Visitor commands", "Only a visitor connection may send these; from an agent they are refused with `forbidden`."},
		{"agent", "Agent commands", "Only an agent connection may send these; from a visitor they are refused with `forbidden`."},
	}
	b.WriteString("| Type | Go type | Sent by | Chat |\n|---|---|---|---|\n")
	for _, g := range groups {
		for _, c := range commandExamples {
			typ := c.Body.CommandType()
			if senders(commandTypes[typ]) == g.senders {
				fmt.Fprintf(&b, "| [`%s`](#%s) | `%s` | %s | %s |\n", typ, anchor("cmd", typ), goName(c.Body), sentBy(g.senders), chatRule(c.Body))
			}
		}
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "\n### %s\n\n%s\n", g.title, g.intro)
		for _, c := range commandExamples {
			typ := c.Body.CommandType()
			if senders(commandTypes[typ]) != g.senders {
				continue
			}
			fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n\n#### `%s`\n\n", anchor("cmd", typ), typ)
			fmt.Fprintf(&b, "Go type `%s` · sent by %s · chat %s\n\n", goName(c.Body), sentBy(g.senders), chatRule(c.Body))
			fmt.Fprintf(&b, "%s\n\n```json\n%s\n```\n", pkg.markdown(pkg.typeDoc(t, goName(c.Body)), anchors), indentJSON(t, exampleFrame(t, c)))
		}
	}
	sections["commands"] = b.String()

	// Events, grouped by whom they go to.
	b.Reset()
	b.WriteString("| Type | Go type | Sent to | History |\n|---|---|---|---|\n")
	audiences := []struct{ to, title string }{
		{"visitor and agent", "Events for visitors and agents"},
		{"visitor", "Events for visitors"},
		{"agent", "Events for agents"},
	}
	for _, a := range audiences {
		for _, e := range eventExamples {
			if e.To == a.to {
				typ := e.Event.Body.EventType()
				fmt.Fprintf(&b, "| [`%s`](#%s) | `%s` | %s | %s |\n", typ, anchor("evt", typ), goName(e.Event.Body), plural(e.To), durability(typ))
			}
		}
	}
	for _, a := range audiences {
		fmt.Fprintf(&b, "\n### %s\n", a.title)
		for _, e := range eventExamples {
			if e.To != a.to {
				continue
			}
			typ := e.Event.Body.EventType()
			fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n\n#### `%s`\n\n", anchor("evt", typ), typ)
			fmt.Fprintf(&b, "Go type `%s` · sent to %s · %s\n\n", goName(e.Event.Body), plural(e.To), durability(typ))
			fmt.Fprintf(&b, "%s\n\n```json\n%s\n```\n", pkg.markdown(pkg.typeDoc(t, goName(e.Event.Body)), anchors), indentJSON(t, exampleFrame(t, e.Event)))
		}
	}
	sections["events"] = b.String()
	return sections
}

func sentBy(senders string) string {
	if senders == "both" {
		return "visitor and agent"
	}
	return senders
}

func chatRule(body CommandBody) string {
	switch {
	case isChatScoped(body):
		return "required"
	case body.CommandType() == TypeLeaveMessage:
		return "optional"
	}
	return "none"
}

func isChatScoped(body CommandBody) bool {
	_, ok := body.(chatScoped)
	return ok
}

// plural names an event's audience: "visitors", "agents" or "visitors and agents".
func plural(to string) string {
	return strings.NewReplacer("visitor", "visitors", "agent", "agents").Replace(to)
}

func durability(typ Type) string {
	if Durable(typ) {
		return "durable (seq, replayed on resume)"
	}
	return "transient"
}

// markerRE finds the generated sections: the begin marker names the section and the command
// that rebuilds it.
var markerRE = regexp.MustCompile(`(?s)(<!-- BEGIN GENERATED ([a-z-]+)[^>]*-->\n)(.*?)(<!-- END GENERATED ([a-z-]+) -->)`)

func TestReadme(t *testing.T) {
	const path = "README.md"
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sections := readmeSections(t)
	seen := map[string]bool{}
	var problems []string
	updated := markerRE.ReplaceAllStringFunc(string(old), func(m string) string {
		sub := markerRE.FindStringSubmatch(m)
		name := sub[2]
		if sub[5] != name {
			problems = append(problems, fmt.Sprintf("section %q ends with the marker of %q", name, sub[5]))
			return m
		}
		body, ok := sections[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("README.md has an unknown generated section %q", name))
			return m
		}
		seen[name] = true
		return sub[1] + "\n" + body + "\n" + sub[4]
	})
	for name := range sections {
		if !seen[name] {
			problems = append(problems, fmt.Sprintf("README.md lacks the markers of section %q", name))
		}
	}
	if len(problems) > 0 {
		t.Fatal(strings.Join(problems, "\n"))
	}
	if updated == string(old) {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("rewrote README.md")
		return
	}
	t.Errorf("README.md is out of date; run: go test ./shared/protocol -run TestReadme -update\n%s", firstDiff(string(old), updated))
}

// firstDiff shows the first line where two texts differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n have %q\n want %q", i+1, x, y)
		}
	}
	return ""
}

func TestReadmeLinks(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`<a id="([^"]+)"></a>`).FindAllStringSubmatch(string(readme), -1) {
		ids[m[1]] = true
	}
	inCode := false
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if !inCode && strings.HasPrefix(line, "#") {
			ids[headingID(strings.TrimLeft(line, "# "))] = true
		}
	}
	for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(string(readme), -1) {
		if !ids[m[1]] {
			t.Errorf("README.md links to #%s, which is no heading or anchor", m[1])
		}
	}
}

// headingID is the anchor GitHub gives a heading: lower case, spaces to hyphens, punctuation
// other than hyphens and underscores dropped.
func headingID(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// seedCorpus returns the generated seed files of each fuzz target: a valid frame of every type
// and the tricky frames of the decoding tests, small enough to mutate quickly.
func seedCorpus(t *testing.T) map[string][]byte {
	const maxSeed = 8 << 10
	files := map[string][]byte{}
	add := func(target, name string, frame []byte) {
		if len(frame) > maxSeed {
			return
		}
		path := filepath.Join("testdata", "fuzz", target, slug(name))
		if _, dup := files[path]; dup {
			t.Fatalf("two seeds named %s", path)
		}
		files[path] = []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", frame))
	}
	for _, c := range commandExamples {
		add("FuzzDecodeCommand", "example "+string(c.Body.CommandType()), exampleFrame(t, c))
	}
	for _, c := range decodeCases() {
		add("FuzzDecodeCommand", "case "+c.name, []byte(c.frame))
	}
	for _, e := range eventExamples {
		add("FuzzDecodeEvent", "example "+string(e.Event.Body.EventType()), exampleFrame(t, e.Event))
	}
	for _, c := range eventToleranceCases {
		add("FuzzDecodeEvent", "case "+c.name, []byte(c.frame))
	}
	for _, c := range eventErrorCases {
		add("FuzzDecodeEvent", "case "+c.name, []byte(c.frame))
	}
	return files
}

// slug turns a case name into a file name.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func TestFuzzSeedCorpus(t *testing.T) {
	want := seedCorpus(t)
	// Generated seeds are named example-* and case-*; anything else in the directories (inputs
	// the fuzzer found) is left alone.
	var stale []string
	for _, target := range []string{"FuzzDecodeCommand", "FuzzDecodeEvent"} {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", target))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, e := range entries {
			path := filepath.Join("testdata", "fuzz", target, e.Name())
			generated := strings.HasPrefix(e.Name(), "example-") || strings.HasPrefix(e.Name(), "case-")
			if _, ok := want[path]; generated && !ok {
				stale = append(stale, path)
			}
		}
	}
	var wrong []string
	for path, content := range want {
		if have, err := os.ReadFile(path); err != nil || !bytes.Equal(have, content) {
			wrong = append(wrong, path)
		}
	}
	sort.Strings(stale)
	sort.Strings(wrong)
	if len(stale)+len(wrong) == 0 {
		return
	}
	if !*update {
		t.Fatalf("the fuzz seed corpus is out of date; run: go test ./shared/protocol -run TestFuzzSeedCorpus -update\nmissing or different: %v\nstale: %v", wrong, stale)
	}
	for _, path := range stale {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range wrong {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, want[path], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d seed files, removed %d", len(wrong), len(stale))
}

func TestFuzzSeedCorpusCoversEveryType(t *testing.T) {
	// Every command and event type has a valid seed, so the fuzzers start from each body.
	seen := map[string]bool{}
	for path := range seedCorpus(t) {
		seen[path] = true
	}
	for typ := range commandTypes {
		if p := filepath.Join("testdata", "fuzz", "FuzzDecodeCommand", slug("example "+string(typ))); !seen[p] {
			t.Errorf("no seed %s", p)
		}
	}
	for typ := range eventTypes {
		if p := filepath.Join("testdata", "fuzz", "FuzzDecodeEvent", slug("example "+string(typ))); !seen[p] {
			t.Errorf("no seed %s", p)
		}
	}
}
