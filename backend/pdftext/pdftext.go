// Package pdftext reads back the text of the PDFs Parley writes (chat transcripts), so that
// tests check what a person would read in the file, page by page and line by line, instead of
// trusting the writer. It understands what the writer produces: page objects with one content
// stream each (Flate-compressed or not), text shown with Tj and TJ in Type0 fonts with
// Identity-H encoding whose codes are UTF-16 (as embedded UTF-8 TrueType fonts are written)
// or in simple fonts (Latin-1). It is no general PDF reader.
package pdftext

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Run is one piece of text as drawn: its page (from 1), its position in points from the
// page's bottom left, and its text.
type Run struct {
	Page int
	X, Y float64
	Text string
}

// Doc is a PDF's text.
type Doc struct {
	Pages int
	Runs  []Run
}

var (
	objRe      = regexp.MustCompile(`(?s)(\d+) 0 obj\s*(.*?)endobj`)
	kidsRe     = regexp.MustCompile(`/Type\s*/Pages\b[^>]*?/Kids\s*\[([^\]]*)\]`)
	refRe      = regexp.MustCompile(`(\d+) 0 R`)
	contentsRe = regexp.MustCompile(`/Contents\s+(\d+) 0 R`)
	fontsRe    = regexp.MustCompile(`/Font\s*<<([^>]*)>>`)
	fontRefRe  = regexp.MustCompile(`/(\w+)\s+(\d+) 0 R`)
)

// Read extracts the text runs of a PDF, in page order and, within a page, in drawing order.
func Read(pdf []byte) (Doc, error) {
	objs := map[string][]byte{}
	for _, m := range objRe.FindAllSubmatch(pdf, -1) {
		objs[string(m[1])] = m[2]
	}
	if len(objs) == 0 {
		return Doc{}, errors.New("pdftext: no objects")
	}
	// Which fonts are Type0 (two-byte UTF-16 codes), by resource name.
	wide := map[string]bool{}
	for _, body := range objs {
		for _, fm := range fontsRe.FindAllSubmatch(body, -1) {
			for _, r := range fontRefRe.FindAllSubmatch(fm[1], -1) {
				wide[string(r[1])] = bytes.Contains(objs[string(r[2])], []byte("/Subtype /Type0"))
			}
		}
	}
	var kids []string
	for _, body := range objs {
		if m := kidsRe.FindSubmatch(body); m != nil {
			for _, r := range refRe.FindAllSubmatch(m[1], -1) {
				kids = append(kids, string(r[1]))
			}
		}
	}
	if len(kids) == 0 {
		return Doc{}, errors.New("pdftext: no pages")
	}
	doc := Doc{Pages: len(kids)}
	for i, kid := range kids {
		m := contentsRe.FindSubmatch(objs[kid])
		if m == nil {
			continue
		}
		content, err := stream(objs[string(m[1])])
		if err != nil {
			return Doc{}, fmt.Errorf("pdftext: page %d: %w", i+1, err)
		}
		runs, err := show(content, wide)
		if err != nil {
			return Doc{}, fmt.Errorf("pdftext: page %d: %w", i+1, err)
		}
		for _, r := range runs {
			r.Page = i + 1
			doc.Runs = append(doc.Runs, r)
		}
	}
	return doc, nil
}

// stream returns the decoded data of a stream object.
func stream(obj []byte) ([]byte, error) {
	start := bytes.Index(obj, []byte("stream"))
	end := bytes.LastIndex(obj, []byte("endstream"))
	if start < 0 || end < start {
		return nil, errors.New("no stream")
	}
	dict, data := obj[:start], obj[start+len("stream"):end]
	data = bytes.TrimPrefix(data, []byte("\r"))
	data = bytes.TrimPrefix(data, []byte("\n"))
	if !bytes.Contains(dict, []byte("/FlateDecode")) {
		return data, nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out, err := io.ReadAll(zr)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return out, nil
}

// show runs the text operators of a content stream: BT, Td, Tm, Tf, Tj, TJ, ' and ".
func show(content []byte, wide map[string]bool) ([]Run, error) {
	var (
		runs       []Run
		operands   []any
		font       string
		x, y       float64
		lineX      float64
		lineY      float64
		insideText bool
	)
	num := func(i int) float64 {
		if i < 0 || i >= len(operands) {
			return 0
		}
		f, _ := operands[i].(float64)
		return f
	}
	decode := func(raw []byte) string {
		if wide[font] {
			u := make([]uint16, 0, len(raw)/2)
			for i := 0; i+1 < len(raw); i += 2 {
				u = append(u, uint16(raw[i])<<8|uint16(raw[i+1]))
			}
			return string(utf16.Decode(u))
		}
		rs := make([]rune, len(raw))
		for i, b := range raw {
			rs[i] = rune(b)
		}
		return string(rs)
	}
	emit := func(text string) {
		if text != "" {
			runs = append(runs, Run{X: x, Y: y, Text: text})
		}
	}
	lx := lexer{b: content}
	for {
		tok, err := lx.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		op, isOp := tok.(operator)
		if !isOp {
			operands = append(operands, tok)
			continue
		}
		switch op {
		case "BT":
			insideText, x, y, lineX, lineY = true, 0, 0, 0, 0
		case "ET":
			insideText = false
		case "Tf":
			if len(operands) >= 2 {
				if n, ok := operands[len(operands)-2].(name); ok {
					font = string(n)
				}
			}
		case "Td", "TD":
			lineX, lineY = lineX+num(len(operands)-2), lineY+num(len(operands)-1)
			x, y = lineX, lineY
		case "Tm":
			lineX, lineY = num(len(operands)-2), num(len(operands)-1)
			x, y = lineX, lineY
		case "Tj", "'", "\"":
			if s, ok := last[[]byte](operands); ok && insideText {
				emit(decode(s))
			}
		case "TJ":
			if arr, ok := last[[]any](operands); ok && insideText {
				var b strings.Builder
				for _, e := range arr {
					switch v := e.(type) {
					case []byte:
						b.WriteString(decode(v))
					case float64:
						if v < -200 { // a gap of a fifth of an em or more reads as a space
							b.WriteByte(' ')
						}
					}
				}
				emit(b.String())
			}
		}
		operands = operands[:0]
	}
	return runs, nil
}

// last returns the last operand if it has type T.
func last[T any](operands []any) (T, bool) {
	var zero T
	if len(operands) == 0 {
		return zero, false
	}
	v, ok := operands[len(operands)-1].(T)
	return v, ok
}

// The lexer's tokens besides numbers (float64), strings ([]byte) and arrays ([]any).
type (
	operator string
	name     string
)

// lexer splits a content stream into tokens.
type lexer struct {
	b []byte
	i int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool { return strings.IndexByte("()<>[]{}/%", c) >= 0 }

func (l *lexer) next() (any, error) {
	for l.i < len(l.b) && isSpace(l.b[l.i]) {
		l.i++
	}
	if l.i >= len(l.b) {
		return nil, io.EOF
	}
	c := l.b[l.i]
	switch {
	case c == '%':
		for l.i < len(l.b) && l.b[l.i] != '\n' && l.b[l.i] != '\r' {
			l.i++
		}
		return l.next()
	case c == '(':
		return l.literal()
	case c == '<' && l.i+1 < len(l.b) && l.b[l.i+1] == '<':
		l.i += 2
		return operator("<<"), nil
	case c == '>' && l.i+1 < len(l.b) && l.b[l.i+1] == '>':
		l.i += 2
		return operator(">>"), nil
	case c == '<':
		return l.hex()
	case c == '[':
		l.i++
		var arr []any
		for {
			for l.i < len(l.b) && isSpace(l.b[l.i]) {
				l.i++
			}
			if l.i >= len(l.b) {
				return nil, errors.New("unterminated array")
			}
			if l.b[l.i] == ']' {
				l.i++
				return arr, nil
			}
			tok, err := l.next()
			if err != nil {
				return nil, err
			}
			arr = append(arr, tok)
		}
	case c == '/':
		l.i++
		start := l.i
		for l.i < len(l.b) && !isSpace(l.b[l.i]) && !isDelim(l.b[l.i]) {
			l.i++
		}
		return name(l.b[start:l.i]), nil
	}
	start := l.i
	for l.i < len(l.b) && !isSpace(l.b[l.i]) && !isDelim(l.b[l.i]) {
		l.i++
	}
	if l.i == start { // a stray delimiter
		l.i++
		return operator(l.b[start:l.i]), nil
	}
	word := string(l.b[start:l.i])
	if f, err := strconv.ParseFloat(word, 64); err == nil {
		return f, nil
	}
	return operator(word), nil
}

// literal reads a (string) with its escapes and balanced parentheses.
func (l *lexer) literal() ([]byte, error) {
	l.i++ // (
	var out []byte
	depth := 1
	for l.i < len(l.b) {
		c := l.b[l.i]
		l.i++
		switch c {
		case '\\':
			if l.i >= len(l.b) {
				return nil, errors.New("unterminated string")
			}
			e := l.b[l.i]
			l.i++
			switch e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\r', '\n':
				if e == '\r' && l.i < len(l.b) && l.b[l.i] == '\n' {
					l.i++
				}
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := int(e - '0')
				for k := 0; k < 2 && l.i < len(l.b) && l.b[l.i] >= '0' && l.b[l.i] <= '7'; k++ {
					v = v*8 + int(l.b[l.i]-'0')
					l.i++
				}
				out = append(out, byte(v))
			default:
				out = append(out, e)
			}
		case '(':
			depth++
			out = append(out, c)
		case ')':
			depth--
			if depth == 0 {
				return out, nil
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return nil, errors.New("unterminated string")
}

// hex reads a <hex string>.
func (l *lexer) hex() ([]byte, error) {
	l.i++ // <
	var digits []byte
	for l.i < len(l.b) && l.b[l.i] != '>' {
		if !isSpace(l.b[l.i]) {
			digits = append(digits, l.b[l.i])
		}
		l.i++
	}
	if l.i >= len(l.b) {
		return nil, errors.New("unterminated hex string")
	}
	l.i++ // >
	if len(digits)%2 == 1 {
		digits = append(digits, '0')
	}
	out := make([]byte, len(digits)/2)
	for i := range out {
		v, err := strconv.ParseUint(string(digits[2*i:2*i+2]), 16, 8)
		if err != nil {
			return nil, fmt.Errorf("bad hex string: %w", err)
		}
		out[i] = byte(v)
	}
	return out, nil
}

// Lines joins each page's runs into lines of text, top to bottom and left to right (runs whose
// baselines lie within tolerance points of a line's first run belong to that line, joined
// with a space), each as "page N: text", so that tests read a PDF as a person does.
func (d Doc) Lines(tolerance float64) []string {
	var out []string
	for page := 1; page <= d.Pages; page++ {
		var runs []Run
		for _, r := range d.Runs {
			if r.Page == page {
				runs = append(runs, r)
			}
		}
		sort.SliceStable(runs, func(i, j int) bool { return runs[i].Y > runs[j].Y })
		for len(runs) > 0 {
			n := 1
			for n < len(runs) && runs[0].Y-runs[n].Y <= tolerance {
				n++
			}
			line := runs[:n]
			sort.SliceStable(line, func(i, j int) bool { return line[i].X < line[j].X })
			parts := make([]string, 0, n)
			for _, r := range line {
				if t := strings.TrimSpace(r.Text); t != "" {
					parts = append(parts, t)
				}
			}
			if len(parts) > 0 {
				out = append(out, fmt.Sprintf("page %d: %s", page, strings.Join(parts, " ")))
			}
			runs = runs[n:]
		}
	}
	return out
}

// Text is the whole text, runs joined by newlines, for simple "contains" checks.
func (d Doc) Text() string {
	parts := make([]string, len(d.Runs))
	for i, r := range d.Runs {
		parts[i] = r.Text
	}
	return strings.Join(parts, "\n")
}
