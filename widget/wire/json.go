// Package wire is the visitor widget's codec for the Parley protocol: it turns server frames
// into [protocol.Event] values and [protocol.Command] values into frames, byte-compatible with
// the protocol package's own codec.
//
// Why not call protocol.DecodeEvent and EncodeCommand? They use encoding/json, whose
// reflection adds about 250 KB (brotli) to the widget's WebAssembly, a third of its size
// budget. This package has a small JSON reader and writer of its own and maps only the types a
// visitor sends and receives; its tests check it against the protocol package's codec.
package wire

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the JSON type of a [Value].
type Kind uint8

// The JSON kinds. Null is the zero value, so a missing member reads as null.
const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
)

// Value is one parsed JSON value. Accessors never fail: asking an object for a missing member,
// or a string for its number, gives the zero value, which is what a tolerant client wants from
// a server that may add fields.
type Value struct {
	kind Kind
	b    bool
	num  float64
	str  string
	arr  []*Value
	keys []string
	obj  map[string]*Value
	raw  string
}

var null = &Value{}

// Kind returns the value's JSON type.
func (v *Value) Kind() Kind {
	if v == nil {
		return KindNull
	}
	return v.kind
}

// Get returns an object's member, or null.
func (v *Value) Get(key string) *Value {
	if v == nil || v.kind != KindObject {
		return null
	}
	if m, ok := v.obj[key]; ok {
		return m
	}
	return null
}

// Str returns a string value, or "".
func (v *Value) Str() string {
	if v == nil || v.kind != KindString {
		return ""
	}
	return v.str
}

// Num returns a number value, or 0.
func (v *Value) Num() float64 {
	if v == nil || v.kind != KindNumber {
		return 0
	}
	return v.num
}

// Int returns a number value as an int, or 0.
func (v *Value) Int() int { return int(v.Num()) }

// Bool returns a boolean value, or false.
func (v *Value) Bool() bool { return v != nil && v.kind == KindBool && v.b }

// Len returns the number of elements of an array, or 0.
func (v *Value) Len() int {
	if v == nil || v.kind != KindArray {
		return 0
	}
	return len(v.arr)
}

// Index returns an array element, or null.
func (v *Value) Index(i int) *Value {
	if v == nil || v.kind != KindArray || i < 0 || i >= len(v.arr) {
		return null
	}
	return v.arr[i]
}

// Keys returns an object's member names in document order.
func (v *Value) Keys() []string {
	if v == nil || v.kind != KindObject {
		return nil
	}
	return v.keys
}

// Raw returns the value's JSON text as it appeared in the input.
func (v *Value) Raw() string {
	if v == nil {
		return "null"
	}
	return v.raw
}

// StrMap returns an object of strings as a map; non-string members are skipped.
func (v *Value) StrMap() map[string]string {
	if v.Kind() != KindObject {
		return nil
	}
	out := make(map[string]string, len(v.keys))
	for _, k := range v.keys {
		if m := v.obj[k]; m.kind == KindString {
			out[k] = m.str
		}
	}
	return out
}

// errSyntax is returned for any malformed input; the widget only needs to know it failed.
var errSyntax = errors.New("wire: malformed JSON")

// maxDepth bounds nesting so that a hostile frame cannot exhaust the stack.
const maxDepth = 64

// Parse reads one JSON document.
func Parse(s string) (*Value, error) {
	p := parser{s: s}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, errSyntax
	}
	return v, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) lit(word string) bool {
	if len(p.s)-p.i >= len(word) && p.s[p.i:p.i+len(word)] == word {
		p.i += len(word)
		return true
	}
	return false
}

func (p *parser) value(depth int) (*Value, error) {
	if depth > maxDepth || p.i >= len(p.s) {
		return nil, errSyntax
	}
	start := p.i
	v := &Value{}
	switch c := p.s[p.i]; {
	case c == '{':
		v.kind = KindObject
		v.obj = map[string]*Value{}
		p.i++
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			break
		}
		for {
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, errSyntax
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, errSyntax
			}
			p.i++
			p.space()
			m, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if _, dup := v.obj[k]; !dup {
				v.keys = append(v.keys, k)
			}
			v.obj[k] = m
			p.space()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				break
			}
			return nil, errSyntax
		}
	case c == '[':
		v.kind = KindArray
		p.i++
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			break
		}
		for {
			p.space()
			e, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			v.arr = append(v.arr, e)
			p.space()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ']' {
				p.i++
				break
			}
			return nil, errSyntax
		}
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		v.kind, v.str = KindString, s
	case c == 't' || c == 'f':
		v.kind = KindBool
		if p.lit("true") {
			v.b = true
		} else if !p.lit("false") {
			return nil, errSyntax
		}
	case c == 'n':
		if !p.lit("null") {
			return nil, errSyntax
		}
	case c == '-' || c >= '0' && c <= '9':
		j, ok := numberEnd(p.s, p.i)
		if !ok {
			return nil, errSyntax
		}
		n, err := strconv.ParseFloat(p.s[p.i:j], 64)
		if err != nil {
			return nil, errSyntax
		}
		v.kind, v.num = KindNumber, n
		p.i = j
	default:
		return nil, errSyntax
	}
	v.raw = p.s[start:p.i]
	return v, nil
}

// numberEnd checks the JSON number grammar from i and returns where the number ends:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func numberEnd(s string, i int) (int, bool) {
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return i, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return i, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return i, false
		}
	}
	return i, true
}

// str reads a string literal starting at the opening quote.
func (p *parser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			if !utf8.ValidString(s) {
				return toValidUTF8(s), nil
			}
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.i++
	}
	buf := []byte(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return toValidUTF8(string(buf)), nil
		case c < 0x20:
			return "", errSyntax
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", errSyntax
		}
		esc := p.s[p.i+1]
		p.i += 2
		switch esc {
		case '"', '\\', '/':
			buf = append(buf, esc)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", errSyntax
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.lit(`\u`) {
					if r2, ok = p.hex4(); !ok {
						return "", errSyntax
					}
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
				} else {
					buf = utf8.AppendRune(buf, utf8.RuneError)
					if r2 < 0 {
						continue
					}
					r = r2
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", errSyntax
		}
	}
	return "", errSyntax
}

func (p *parser) hex4() (rune, bool) {
	if len(p.s)-p.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// toValidUTF8 replaces invalid bytes with U+FFFD, as encoding/json does.
func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = append(out, r)
	}
	return string(out)
}

// appendString writes s as a JSON string literal, escaping what JSON requires and the line
// and paragraph separators that break JavaScript, as encoding/json does (HTML characters
// included, so frames look the same whoever wrote them).
func appendString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexd[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// Object writes a JSON object member by member, for the widget's own storage records.
type Object struct{ o obj }

// NewObject starts an object.
func NewObject() *Object {
	w := &Object{}
	w.o.open()
	return w
}

// Str adds a string member; an empty one is left out.
func (w *Object) Str(k, v string) *Object { w.o.str(k, v, true); return w }

// Int adds a number member; zero is left out.
func (w *Object) Int(k string, v int64) *Object { w.o.num(k, v, true); return w }

// Bool adds a true member; false is left out.
func (w *Object) Bool(k string, v bool) *Object { w.o.boolean(k, v, true); return w }

// StrMap adds an object of strings with sorted keys; an empty map is left out.
func (w *Object) StrMap(k string, m map[string]string) *Object { w.o.strMap(k, m); return w }

// Raw adds a member whose JSON text the caller made (an array of objects, say).
func (w *Object) Raw(k string, json []byte) *Object { w.o.raw(k, json); return w }

// Bytes closes the object and returns its JSON text.
func (w *Object) Bytes() []byte { w.o.close(); return w.o.b }

// Array joins JSON texts into an array.
func Array(elems [][]byte) []byte {
	b := []byte{'['}
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e...)
	}
	return append(b, ']')
}
