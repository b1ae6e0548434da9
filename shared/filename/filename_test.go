package filename

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, want, typ string }{
		{"photo.PNG", "photo.PNG", "png"},
		{"renamed.exe ", "renamed.exe", "exe"},
		{"renamed.exe.", "renamed.exe", "exe"},
		{"renamed.exe. . .  ", "renamed.exe", "exe"},
		{"renamed.exe.\t", "renamed.exe", "exe"},
		{"renamed.exe\u00a0", "renamed.exe", "exe"},
		{"  leading.pdf", "leading.pdf", "pdf"},
		{"invoice\u202efdp.exe", "invoicefdp.exe", "exe"},
		{"photo\u202eexe.png", "photoexe.png", "png"},
		{"a\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\ufeff\u200b\u00ad.pdf", "a.pdf", "pdf"},
		{"evil.exe\x00.png", "evil.exe.png", "png"},
		{"evil.png\x00.exe", "evil.png.exe", "exe"},
		{"bell\x07\x7f\u0085.txt", "bell.txt", "txt"},
		{"line\u2028break\u2029.txt", "linebreak.txt", "txt"},
		{"bad\xff\xfe.pdf", "bad.pdf", "pdf"},
		{"keeps\ufffd.pdf", "keeps\ufffd.pdf", "pdf"},
		{`C:\Users\ann\report.pdf`, "report.pdf", "pdf"},
		{"../../etc/passwd", "passwd", ""},
		{"dir/setup.exe/", "setup.exe", "exe"},
		{".bashrc", ".bashrc", "bashrc"},
		{"Résumé 2025 (final).docx", "Résumé 2025 (final).docx", "docx"},
		{"noext", "noext", ""},
		{"", "", ""},
		{"   ", "", ""},
		{" . . ", "", ""},
		{"..", "", ""},
		{"\x00", "", ""},
		{"\u202e", "", ""},
		{"dir/", "dir", ""},
		{"/", "", ""},
	} {
		if got := Clean(tc.in); got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := Type(tc.in); got != tc.typ {
			t.Errorf("Type(%q) = %q, want %q", tc.in, got, tc.typ)
		}
	}
}

func TestCleanShortensKeepingTheExtension(t *testing.T) {
	long := strings.Repeat("é", 300) + ".pdf"
	got := Clean(long)
	if n := utf8.RuneCountInString(got); n != limits.FileNameRunes || !strings.HasSuffix(got, "é.pdf") {
		t.Fatalf("%d runes, ends %q", n, got[len(got)-10:])
	}
	// Cutting never leaves a trailing dot or space before the extension's place.
	dots := strings.Repeat("a", 250) + " . . . . . . . . .exe"
	if got := Clean(dots); Type(dots) != "exe" || strings.Contains(got, " .exe") || utf8.RuneCountInString(got) > limits.FileNameRunes {
		t.Fatalf("%q", got)
	}
	// A very long extension is cut with the name; the result is clean either way.
	odd := "a." + strings.Repeat("x", 400)
	if got := Clean(odd); utf8.RuneCountInString(got) != limits.FileNameRunes || Clean(got) != got {
		t.Fatalf("%d runes", utf8.RuneCountInString(got))
	}
	short := strings.Repeat("b", limits.FileNameRunes)
	if Clean(short) != short {
		t.Fatal("a name at the limit was changed")
	}
}

// Cleaning twice changes nothing, and a clean name never carries what Clean drops.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"renamed.exe. ", "invoice\u202efdp.exe", "a/b\\c.pdf", "\x00", strings.Repeat("x.", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if Clean(c) != c {
			t.Fatalf("Clean(%q) = %q, cleaned again %q", s, c, Clean(c))
		}
		if !utf8.ValidString(c) || strings.ContainsAny(c, "/\\\x00\u202e\u2066") || utf8.RuneCountInString(c) > limits.FileNameRunes ||
			strings.HasSuffix(c, ".") || strings.HasSuffix(c, " ") || strings.HasPrefix(c, " ") {
			t.Fatalf("Clean(%q) = %q", s, c)
		}
	})
}
