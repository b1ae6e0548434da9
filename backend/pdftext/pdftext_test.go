package pdftext

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"slices"
	"testing"
)

// pdf builds a small PDF by hand: two pages, a Type0 font with UTF-16 codes (F1) and a simple
// font (F2), one page compressed, literal and hex strings, escapes, TJ arrays.
func pdf(t *testing.T) []byte {
	t.Helper()
	page1 := "BT /F1 12 Tf 50 700 Td (" + utf16be("Grüße (1)") + ") Tj ET\n" +
		"BT /F2 9 Tf 50 680 Td (plain \\(escaped\\) \\101\\102) Tj ET\n" +
		"BT /F2 9 Tf 200 680.5 Td [(same) -250 (line)] TJ ET\n"
	page2 := "BT /F1 12 Tf 50 700 Td <" + fmt.Sprintf("%x", utf16be("Ωmega")) + "> Tj ET\n"
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write([]byte(page2))
	_ = zw.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	b.WriteString("1 0 obj\n<</Type /Pages /Kids [3 0 R 4 0 R] /Count 2>>\nendobj\n")
	b.WriteString("2 0 obj\n<</Font <</F1 7 0 R /F2 8 0 R>> >>\nendobj\n")
	b.WriteString("3 0 obj\n<</Type /Page /Parent 1 0 R /Resources 2 0 R /Contents 5 0 R>>\nendobj\n")
	b.WriteString("4 0 obj\n<</Type /Page /Parent 1 0 R /Resources 2 0 R /Contents 6 0 R>>\nendobj\n")
	fmt.Fprintf(&b, "5 0 obj\n<</Length %d>>\nstream\n%sendstream\nendobj\n", len(page1), page1)
	fmt.Fprintf(&b, "6 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n%s\nendstream\nendobj\n", z.Len(), z.Bytes())
	b.WriteString("7 0 obj\n<</Type /Font /Subtype /Type0 /Encoding /Identity-H>>\nendobj\n")
	b.WriteString("8 0 obj\n<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>\nendobj\n")
	return b.Bytes()
}

// utf16be encodes s as UTF-16BE bytes, escaping what a literal string must.
func utf16be(s string) string {
	var out []byte
	for _, r := range s {
		for _, c := range []byte{byte(r >> 8), byte(r)} {
			if c == '(' || c == ')' || c == '\\' {
				out = append(out, '\\')
			}
			out = append(out, c)
		}
	}
	return string(out)
}

func TestRead(t *testing.T) {
	doc, err := Read(pdf(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"page 1: Grüße (1)", "page 1: plain (escaped) AB same line", "page 2: Ωmega"}
	if got := doc.Lines(1); !slices.Equal(got, want) {
		t.Fatalf("lines %q, want %q", got, want)
	}
	if doc.Pages != 2 || doc.Runs[0].X != 50 || doc.Runs[0].Y != 700 || doc.Runs[0].Page != 1 {
		t.Fatalf("doc %+v", doc)
	}
	if _, err := Read([]byte("not a pdf")); err == nil {
		t.Fatal("no error for a file that is no PDF")
	}
}
