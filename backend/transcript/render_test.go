package transcript

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/pdftext"
)

var update = flag.Bool("update", false, "rewrite testdata/sample.golden from the current rendering")

// render draws t and reads the PDF back as lines of text, as a person reads the pages.
func render(t *testing.T, tr Transcript) ([]byte, pdftext.Doc, []string) {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, tr); err != nil {
		t.Fatal(err)
	}
	doc, err := pdftext.Read(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), doc, doc.Lines(2)
}

// The sample chat reads back line for line as in testdata/sample.golden: the header with every
// fact, each conversation line with its time and sender, the internal marks, the small header
// of later pages and the page numbers. Run with -update after a deliberate change of the
// layout, and look at the PDF (TRANSCRIPT_PDF=file.pdf writes it) before committing.
func TestRenderGolden(t *testing.T) {
	pdf, _, lines := render(t, sample())
	if out := os.Getenv("TRANSCRIPT_PDF"); out != "" {
		if err := os.WriteFile(out, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden := filepath.Join("testdata", "sample.golden")
	got := strings.Join(lines, "\n") + "\n"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestRenderGolden -update)", err)
	}
	if got != string(want) {
		wl := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
		for i := range max(len(wl), len(lines)) {
			var g, w string
			if i < len(lines) {
				g = lines[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("line %d of the PDF differs from %s:\n got %q\nwant %q\n(run with -update after a deliberate change)", i+1, golden, g, w)
			}
		}
	}
}

// Every line of the chat is in the PDF, in order, with its time, sender and text; internal
// lines are marked; umlauts, accents, Greek and Cyrillic come out as written; the header,
// the repeated page header and the footer are there.
func TestRenderContent(t *testing.T) {
	tr := sample()
	_, doc, lines := render(t, tr)
	if doc.Pages < 3 {
		t.Fatalf("the sample fills %d pages, want at least 3 (it tests page breaks)", doc.Pages)
	}
	if miss := missing(tr, lines); len(miss) > 0 {
		t.Fatalf("lines missing from the PDF:\n%s\n\nPDF:\n%s", strings.Join(miss, "\n"), strings.Join(lines, "\n"))
	}
	text := doc.Text()
	for _, want := range []string{
		"Chat transcript", "Jürgen Größe", "jurgen@example.de", "+49 30 1234567", "DE", "Website chat",
		"Tue 4 Mar 2025, 10:02:03 CET", "Tue 4 Mar 2025, 10:34:13 CET", "32 min 10 s", "The agent closed the chat",
		"Europe/Berlin", "übersicht", "Anna Example — owner · 10:02:23–10:34:13",
		"Sören Supervisor — observer, participant · 10:07:03–10:17:03", "Your question: Wo ist meine Bestellung?",
		"How did we do? 5", "Grüß Gott!", "ça ne prendra qu'une minute.", "Ελληνικά, Русский текст.",
		"Zeile A: äöü ÄÖÜ ß é è ê", "Hier ist die Rechnung \uFFFD", "File: Rechnung-März.pdf", "Wednesday, 5 March 2025",
		"Printed 4 Mar 2025, 11:08 CET by Parley",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	internal := 0
	for _, l := range tr.Lines {
		if l.Internal {
			internal++
		}
	}
	if n := strings.Count(text, InternalMark+"\n"); n != internal {
		t.Errorf("%d internal marks, want %d (one per agents-only line)", n, internal)
	}
	for _, l := range tr.Lines {
		if !l.Internal && strings.Contains(l.Text, "internal") {
			t.Fatal("the sample must not say internal where no line is")
		}
	}
	for p := 1; p <= doc.Pages; p++ {
		footer := "Page " + strconv.Itoa(p) + " of " + strconv.Itoa(doc.Pages)
		if !slices.ContainsFunc(lines, func(s string) bool {
			return strings.HasPrefix(s, "page "+strconv.Itoa(p)+": ") && strings.Contains(s, footer)
		}) {
			t.Errorf("page %d has no footer %q", p, footer)
		}
		header := slices.ContainsFunc(lines, func(s string) bool {
			return strings.HasPrefix(s, "page "+strconv.Itoa(p)+": Chat transcript · Jürgen Größe · Website chat")
		})
		if header != (p > 1) {
			t.Errorf("page %d: small header shown %v", p, header)
		}
	}
	// A long message that runs over a page break names its sender again on the next page.
	if !slices.ContainsFunc(lines, func(s string) bool { return strings.Contains(s, "Anna (cont.)") }) {
		t.Error("a message continued on the next page does not repeat its sender")
	}
}

// The content check fails when a line goes missing from the PDF, or when lines come out of
// order, so that it cannot pass by accident.
func TestMissingDetectsGaps(t *testing.T) {
	tr := sample()
	_, _, lines := render(t, tr)
	for _, drop := range []string{"Grüß Gott!", "Whisper: check", "File: Rechnung", "The chat is waiting", "Danke, das Paket"} {
		i := slices.IndexFunc(lines, func(s string) bool { return strings.Contains(s, drop) })
		if i < 0 {
			t.Fatalf("%q is not in the PDF", drop)
		}
		cut := slices.Delete(slices.Clone(lines), i, i+1)
		if len(missing(tr, cut)) == 0 {
			t.Errorf("dropping the PDF line %q went unnoticed", lines[i])
		}
	}
	swapped := slices.Clone(tr.Lines)
	swapped[1], swapped[3] = swapped[3], swapped[1]
	tr.Lines = swapped
	if len(missing(tr, lines)) == 0 {
		t.Error("lines out of order went unnoticed")
	}
}

// missing lists the transcript's lines that the PDF's lines do not show in order: a PDF line
// with the line's time, its sender (shortened as the column shows it), and the start of its
// text or its file.
func missing(tr Transcript, lines []string) []string {
	var out []string
	at := 0
	for _, l := range tr.Lines {
		clock := l.At.In(tr.Location).Format("15:04:05")
		want := []string{clock}
		if l.Kind == LineMessage {
			want = append(want, firstWords(faces.bold.clean(l.Sender), 2))
		}
		if w := firstWords(faces.regular.clean(l.Text), 3); w != "" {
			want = append(want, w)
		} else {
			want = append(want, "File: "+l.File)
		}
		found := -1
		for i := at; i < len(lines); i++ {
			if containsAll(lines[i], want) {
				found = i
				break
			}
		}
		if found < 0 {
			out = append(out, strings.Join(want, " | "))
			continue
		}
		at = found + 1
		if l.File != "" && strings.TrimSpace(l.Text) != "" && (at >= len(lines) || !slices.ContainsFunc(lines[at:min(at+3, len(lines))], func(s string) bool { return strings.Contains(s, "File: "+l.File) })) {
			out = append(out, "File: "+l.File)
		}
	}
	return out
}

// firstWords is the first n words of s, or fewer when a word is long enough to wrap or be
// shortened.
func firstWords(s string, n int) string {
	w := strings.Fields(s)
	var keep []string
	for _, x := range w[:min(n, len(w))] {
		if len([]rune(x)) > 12 {
			if len(keep) == 0 {
				keep = append(keep, string([]rune(x)[:8]))
			}
			break
		}
		keep = append(keep, x)
	}
	return strings.Join(keep, " ")
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// A chat without lines still makes a one-page transcript that says so.
func TestRenderEmpty(t *testing.T) {
	tr := sample()
	tr.Lines = nil
	_, doc, lines := render(t, tr)
	if doc.Pages != 1 || !strings.Contains(doc.Text(), "Nothing was written in this chat.") || !strings.Contains(doc.Text(), "Page 1 of 1") {
		t.Fatalf("empty chat: %d pages\n%s", doc.Pages, strings.Join(lines, "\n"))
	}
}

// Text is cleaned for the font: what it cannot draw becomes one replacement mark per
// character or emoji sequence, controls go, line ends are kept.
func TestClean(t *testing.T) {
	loadFaces()
	for _, tc := range []struct{ in, want string }{
		{"Grüße, Ærøskøbing, Ελλάδα, Москва", "Grüße, Ærøskøbing, Ελλάδα, Москва"},
		{"a\r\nb\tc\rd", "a\nb c d"},
		{"bell\a and \u202Eoverride", "bell and override"},
		{"ok 🙂 👍🏽 ❤️", "ok \uFFFD \uFFFD ❤"},
		{"family 👨‍👩‍👧 here", "family \uFFFD here"},
		{"two 🙂🙂", "two \uFFFD\uFFFD"},
		{"中文", "\uFFFD\uFFFD"},
	} {
		if got := faces.regular.clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, f := range []*face{faces.regular, faces.bold} {
		for _, r := range "äöüÄÖÜßéèêçñøåœ€αβγжщ\uFFFD" {
			if !f.draws(r) {
				t.Errorf("an embedded font cannot draw %q", r)
			}
		}
	}
}

// A chat between two colleagues is headed as such: no visitor, no connector.
func TestRenderDirect(t *testing.T) {
	tr := sample()
	tr.Direct, tr.Visitor, tr.Connector, tr.Fields = true, Visitor{}, "", nil
	_, doc, lines := render(t, tr)
	text := doc.Text()
	if !strings.Contains(text, "Chat between colleagues") || strings.Contains(text, "Visitor") || strings.Contains(text, "Connector") {
		t.Fatalf("a colleagues' chat reads:\n%s", strings.Join(lines, "\n"))
	}
}
