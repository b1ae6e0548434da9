package protocol

import (
	"encoding/json"
	"strconv"
)

// Frames of durable events are written around the event's stored JSON body instead of through
// json.Marshal of an [Envelope]: the body was encoded once, when it was stored, and marshalling
// the envelope would reflect over it and scan and copy the body a second time. The bytes are
// the same as json.Marshal's (TestEnvelopeMatchesMarshalRandom); a body json.Marshal would
// rewrite (spaces, characters it escapes for HTML) or refuse (not JSON) goes through
// json.Marshal instead, so the output and the errors stay its own. The body is checked by one
// pass of canonicalJSON, which costs a fraction of encoding/json's scanner.

// appendEnvelope appends the frame of an event with the given header and body to dst. trusted
// says data came straight out of json.Marshal (valid, compact, HTML-escaped), so it is not
// checked. It returns ok false when data needs json.Marshal's rewriting or validation.
func appendEnvelope(dst []byte, t Type, id, chat string, seq uint64, data []byte, trusted bool) ([]byte, bool) {
	if len(data) > 0 && !trusted && !canonicalJSON(data) {
		return dst, false
	}
	dst = append(dst, `{"v":`...)
	dst = strconv.AppendInt(dst, Version, 10)
	dst = append(dst, `,"type":`...)
	dst = appendJSONString(dst, string(t))
	if id != "" {
		dst = append(dst, `,"id":`...)
		dst = appendJSONString(dst, id)
	}
	if chat != "" {
		dst = append(dst, `,"chat":`...)
		dst = appendJSONString(dst, chat)
	}
	if seq != 0 {
		dst = append(dst, `,"seq":`...)
		dst = strconv.AppendUint(dst, seq, 10)
	}
	if len(data) > 0 {
		dst = append(dst, `,"data":`...)
		dst = append(dst, data...)
	}
	return append(dst, '}'), true
}

// frameSize is what a frame takes beside its body and strings, to size its buffer once.
const frameSize = len(`{"v":1,"type":"","id":"","chat":"","seq":18446744073709551615,"data":}`)

// appendJSONString appends s as json.Marshal writes a string: strings of plain printable
// ASCII (ids, types) as they are, anything else through json.Marshal itself.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// canonicalJSON reports whether json.Marshal would copy b unchanged: b is one JSON value
// with no white space outside strings and none of the characters json.Marshal escapes for HTML
// (<, >, &, U+2028, U+2029). It is stricter than encoding/json where that is simpler (nesting
// deeper than maxNesting), never laxer: a false sends the body through json.Marshal.
func canonicalJSON(b []byte) bool {
	v := validator{b: b}
	return v.value(0) && v.i == len(b)
}

// maxNesting bounds the arrays and objects within each other that canonicalJSON follows.
const maxNesting = 256

// validator reads one JSON value from b at i.
type validator struct {
	b []byte
	i int
}

func (v *validator) value(depth int) bool {
	if v.i >= len(v.b) || depth > maxNesting {
		return false
	}
	switch c := v.b[v.i]; {
	case c == '"':
		return v.string()
	case c == '{' || c == '[':
		return v.container(depth, c == '{')
	case c == 't':
		return v.literal("true")
	case c == 'f':
		return v.literal("false")
	case c == 'n':
		return v.literal("null")
	default:
		return v.number()
	}
}

// container reads an object or an array from its opening bracket.
func (v *validator) container(depth int, object bool) bool {
	end := byte(']')
	if object {
		end = '}'
	}
	v.i++
	if v.i < len(v.b) && v.b[v.i] == end {
		v.i++
		return true
	}
	for {
		if object && (v.i >= len(v.b) || v.b[v.i] != '"' || !v.string() || v.i >= len(v.b) || v.b[v.i] != ':') {
			return false
		}
		if object {
			v.i++
		}
		if !v.value(depth + 1) {
			return false
		}
		if v.i < len(v.b) && v.b[v.i] == ',' {
			v.i++
			continue
		}
		if v.i < len(v.b) && v.b[v.i] == end {
			v.i++
			return true
		}
		return false
	}
}

func (v *validator) literal(s string) bool {
	if len(v.b)-v.i < len(s) || string(v.b[v.i:v.i+len(s)]) != s {
		return false
	}
	v.i += len(s)
	return true
}

// string reads a string from its opening quote. Bytes that are not UTF-8 pass, as json.Marshal
// copies them.
func (v *validator) string() bool {
	b := v.b
	for i := v.i + 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			v.i = i + 1
			return true
		case c == '\\':
			i++
			if i >= len(b) {
				return false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return false
				}
				i += 4
			default:
				return false
			}
		case c < 0x20, c == '<', c == '>', c == '&':
			return false
		case c == 0xE2: // U+2028 and U+2029 are E2 80 A8 and E2 80 A9
			if i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9) {
				return false
			}
		}
	}
	return false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// number reads a number as JSON spells it: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (v *validator) number() bool {
	b, i := v.b, v.i
	digits := func() bool {
		start := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		digits()
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	v.i = i
	return true
}
