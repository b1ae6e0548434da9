package protocol

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// Every visitor connection begins with visitor.connect, and every page view opens one: its
// decoding through encoding/json (the envelope, then the body by a second decoder that refuses
// unknown fields) was a tenth of the server's work for a connect. Every line anyone writes is a
// message.send, whose decoding that way was a tenth of the server's work at the message rate's
// ceiling. quickCommand decodes the frames clients send for these two, flat objects of plain
// strings, numbers and booleans, by hand, and declines every other frame; DecodeCommand then
// decodes that one in full, so a frame means the same whichever way it went.

// quickCommand decodes a visitor.connect or message.send frame whose every field has exactly
// its [Envelope] or body ([VisitorConnect], [Send]) name, once, and a value of its own type
// without an escape sequence: the envelope's v the number 1, its type, id and chat strings and
// its data an object of the body's fields (strings, visitor.connect's integer tz_offset,
// message.send's booleans). ok is false for any other frame (not UTF-8, another field or type,
// a repeated field, an escape, null, a frame naming both types), which encoding/json then
// judges.
func quickCommand(frame []byte) (env Envelope, body CommandBody, ok bool) {
	if bytes.IndexByte(frame, '\\') >= 0 {
		return Envelope{}, nil, false
	}
	connect := bytes.Contains(frame, []byte(`"`+TypeVisitorConnect+`"`))
	send := bytes.Contains(frame, []byte(`"`+TypeSend+`"`))
	var want Type
	switch {
	case connect && !send:
		want = TypeVisitorConnect
	case send && !connect:
		want = TypeSend
	default:
		return Envelope{}, nil, false
	}
	if !utf8.Valid(frame) {
		return Envelope{}, nil, false
	}
	p := scan{b: frame}
	var data func() bool
	if want == TypeVisitorConnect {
		b := &VisitorConnect{}
		body, data = b, func() bool { return p.connectBody(b) }
	} else {
		b := &Send{}
		body, data = b, func() bool { return p.sendBody(b) }
	}
	seen, ok := p.fields(envelopeFields, func(i int) bool {
		switch i {
		case 0:
			n, ok := p.integer()
			env.V = n
			return ok && n == Version
		case 1:
			s, ok := p.str()
			env.Type = Type(s)
			return ok && env.Type == want
		case 2:
			s, ok := p.str()
			env.ID = s
			return ok
		case 3:
			s, ok := p.str()
			env.Chat = s
			return ok
		default:
			return data()
		}
	})
	p.space()
	if !ok || p.i != len(p.b) || seen&0b11 != 0b11 { // v and type are required
		return Envelope{}, nil, false
	}
	return env, body, true
}

// connectBody reads the data object of a visitor.connect into body.
func (p *scan) connectBody(body *VisitorConnect) bool {
	_, ok := p.fields(connectFields, func(i int) bool {
		if i == 6 {
			n, ok := p.integer()
			body.TZOffset = n
			return ok
		}
		s, ok := p.str()
		switch i {
		case 0:
			body.Connector = s
		case 1:
			body.Lang = s
		case 2:
			body.Page = s
		case 3:
			body.Referrer = s
		case 4:
			body.UserAgent = s
		default:
			body.VisitorID = s
		}
		return ok
	})
	return ok
}

// sendBody reads the data object of a message.send into body.
func (p *scan) sendBody(body *Send) bool {
	_, ok := p.fields(sendFields, func(i int) bool {
		if i == 0 {
			s, ok := p.str()
			body.Text = s
			return ok
		}
		b, ok := p.boolean()
		if i == 1 {
			body.HideLocal = b
		} else {
			body.Internal = b
		}
		return ok
	})
	return ok
}

// The fields quickCommand reads, in the order its readers number them.
var (
	envelopeFields = []string{"v", "type", "id", "chat", "data"}
	connectFields  = []string{"connector", "lang", "page", "referrer", "user_agent", "visitor_id", "tz_offset"}
	sendFields     = []string{"text", "hide_local", "internal"}
)

// fields reads an object whose keys are among names, each at most once, value reading each
// one's value by its index in names; seen has bit i set when names[i] was there.
func (p *scan) fields(names []string, value func(i int) bool) (seen uint32, ok bool) {
	ok = p.object(func(key string) bool {
		i := slices.Index(names, key)
		if i < 0 || seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		return value(i)
	})
	return seen, ok
}

// scan reads JSON text from b at i, the little of it quickCommand accepts.
type scan struct {
	b []byte
	i int
}

// space skips JSON whitespace.
func (p *scan) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// object reads an object, calling member for each key with the scanner at the key's value.
func (p *scan) object(member func(key string) bool) bool {
	p.space()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return false
	}
	p.i++
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return true
	}
	for {
		p.space()
		key, ok := p.str()
		if !ok {
			return false
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return false
		}
		p.i++
		p.space()
		if !member(key) {
			return false
		}
		p.space()
		if p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}

// str reads a string without escapes or control characters (the frame has no backslash).
func (p *scan) str() (string, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	start := p.i + 1
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			p.i = j + 1
			return string(p.b[start:j]), true
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

// boolean reads true or false.
func (p *scan) boolean() (bool, bool) {
	rest := p.b[p.i:]
	switch {
	case bytes.HasPrefix(rest, []byte("true")):
		p.i += 4
		return true, true
	case bytes.HasPrefix(rest, []byte("false")):
		p.i += 5
		return false, true
	}
	return false, false
}

// integer reads a JSON number that is an integer of at most 15 digits.
func (p *scan) integer() (int, bool) {
	j := p.i
	neg := j < len(p.b) && p.b[j] == '-'
	if neg {
		j++
	}
	start, n := j, 0
	for j < len(p.b) && p.b[j] >= '0' && p.b[j] <= '9' {
		n = 10*n + int(p.b[j]-'0')
		j++
	}
	digits := j - start
	if digits == 0 || digits > 15 || digits > 1 && p.b[start] == '0' {
		return 0, false
	}
	if j < len(p.b) {
		switch p.b[j] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	p.i = j
	if neg {
		n = -n
	}
	return n, true
}
