package reportexport

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Stage is the step of an export a text belongs to: what its placeholders may name depends
// on what is known by then.
type Stage int

// The stages, in the order an export runs them.
const (
	// StageToken is the token post: the chat's and the connector's fields.
	StageToken Stage = iota
	// StageXML is the XML template: also the report.
	StageXML
	// StageExport is the report export post: also the token response and the XML template.
	StageExport
)

// Connector is the connector a chat came through, as placeholders show it.
type Connector struct {
	ID    int64
	Name  string
	Title string
}

// Chat is a closed chat as placeholders show it.
type Chat struct {
	ID, Name, Email, Phone, CustomerID, Language, Page, CloseCause string
	// Agent is the name of the agent who handled the chat last ("" when none did).
	Agent           string
	Started, Closed time.Time
	// PData and UData are the page and user data of the embed snippet (jtel pdata, udata).
	PData, UData map[string]string
}

// Values are what the placeholders of one export stand for.
type Values struct {
	Connector Connector
	Chat      Chat
	// Report is the chat report: the chat's PDF transcript.
	Report []byte
	// XML is the XML template with its placeholders replaced (known at StageExport).
	XML string
	// TokenResponse is the body of the token post's answer (known at StageExport).
	TokenResponse []byte
}

// The names of the fixed placeholders (without the "$") and the stage from which each is
// known. $chat.pdata.<key>, $chat.udata.<key> and $tokenResponse.body.JSON.<path> are the
// open-ended ones.
var fixed = map[string]Stage{
	"chatConnector.id": StageToken, "chatConnector.name": StageToken, "chatConnector.title": StageToken,
	"chat.id": StageToken, "chat.name": StageToken, "chat.email": StageToken, "chat.phone": StageToken,
	"chat.customerId": StageToken, "chat.language": StageToken, "chat.page": StageToken, "chat.agent": StageToken,
	"chat.started": StageToken, "chat.closed": StageToken, "chat.closeCause": StageToken,
	"chat.sender": StageToken, "chat.receiver": StageToken,
	"chat.userdata": StageToken, "chat.userdata2": StageToken, "chat.userdata3": StageToken,
	"report.bytes": StageXML, "report.encoded.base64": StageXML,
	"xmlTemplate.encoded.base64": StageExport,
	"tokenResponse.body":         StageExport,
}

// Open-ended placeholder prefixes and the stage from which they are known.
const (
	pdataPrefix = "chat.pdata."
	udataPrefix = "chat.udata."
	jsonPrefix  = "tokenResponse.body.JSON."
)

// stageOf is the stage from which placeholder name is known; ok is false for a name that is
// not a placeholder.
func stageOf(name string) (s Stage, ok bool) {
	if s, ok := fixed[name]; ok {
		return s, true
	}
	switch {
	case strings.HasPrefix(name, pdataPrefix), strings.HasPrefix(name, udataPrefix):
		return StageToken, true
	case strings.HasPrefix(name, jsonPrefix):
		return StageExport, true
	}
	return 0, false
}

// Names lists the fixed placeholders, for the admin pages' help.
var Names = []string{
	"$chatConnector.id", "$chatConnector.name", "$chatConnector.title",
	"$chat.id", "$chat.name", "$chat.email", "$chat.phone", "$chat.customerId", "$chat.language", "$chat.page",
	"$chat.agent", "$chat.started", "$chat.closed", "$chat.closeCause",
	"$chat.sender", "$chat.receiver", "$chat.userdata", "$chat.userdata2", "$chat.userdata3",
	"$chat.pdata.<key>", "$chat.udata.<key>",
	"$report.bytes", "$report.encoded.base64", "$xmlTemplate.encoded.base64",
	"$tokenResponse.body", "$tokenResponse.body.JSON.<path>",
}

// piece is a run of literal text or one placeholder.
type piece struct {
	lit  string
	name string // placeholder name without "$"; "" for literal text
}

// parse splits a text into literal runs and placeholders. A placeholder is "$" and a name of
// dot-separated parts of letters, digits and underscores, starting with a letter; a dot
// after the name (the end of a sentence) is not part of it. "$$" is a literal "$", and so is
// a "$" not followed by a letter.
func parse(s string) []piece {
	var out []piece
	var lit strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' {
			lit.WriteByte(c)
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			lit.WriteByte('$')
			i += 2
			continue
		}
		j := i + 1
		if j >= len(s) || !isLetter(s[j]) {
			lit.WriteByte('$')
			i++
			continue
		}
		for j < len(s) && (isWord(s[j]) || s[j] == '.' && j+1 < len(s) && isWord(s[j+1])) {
			j++
		}
		if lit.Len() > 0 {
			out = append(out, piece{lit: lit.String()})
			lit.Reset()
		}
		out = append(out, piece{name: s[i+1 : j]})
		i = j
	}
	if lit.Len() > 0 {
		out = append(out, piece{lit: lit.String()})
	}
	return out
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isWord(c byte) bool   { return isLetter(c) || c >= '0' && c <= '9' || c == '_' }

// PlaceholderError is a placeholder a text may not hold: unknown, or not yet known at the
// text's stage.
type PlaceholderError struct {
	Name string
	// Later is true when the placeholder exists but is known only at a later stage.
	Later bool
}

func (e *PlaceholderError) Error() string {
	if e.Later {
		return fmt.Sprintf("$%s is not known yet at this step", e.Name)
	}
	return fmt.Sprintf("$%s is not a placeholder", e.Name)
}

// Check reports the first placeholder of text that is unknown or not known at stage.
func Check(text string, stage Stage) error {
	for _, p := range parse(text) {
		if p.name == "" {
			continue
		}
		s, ok := stageOf(p.name)
		if !ok {
			return &PlaceholderError{Name: p.name}
		}
		if s > stage {
			return &PlaceholderError{Name: p.name, Later: true}
		}
	}
	return nil
}

// Uses reports whether text holds a placeholder whose name starts with prefix.
func Uses(text, prefix string) bool {
	for _, p := range parse(text) {
		if p.name != "" && strings.HasPrefix(p.name, prefix) {
			return true
		}
	}
	return false
}

// Escape makes a placeholder's value fit the text it is put in; an error refuses the value.
type Escape func(string) (string, error)

// The escapes of the kinds of text an export sends.
var (
	// Raw puts values in as they are.
	Raw Escape = func(s string) (string, error) { return s, nil }
	// XMLText escapes values for XML character data and attribute values; characters XML
	// cannot hold (NUL and other controls) become U+FFFD.
	XMLText Escape = func(s string) (string, error) {
		var b strings.Builder
		for _, r := range s {
			switch {
			case r == '&':
				b.WriteString("&amp;")
			case r == '<':
				b.WriteString("&lt;")
			case r == '>':
				b.WriteString("&gt;")
			case r == '"':
				b.WriteString("&quot;")
			case r == '\'':
				b.WriteString("&apos;")
			case r == '\t' || r == '\n' || r == '\r':
				fmt.Fprintf(&b, "&#x%X;", r)
			case r < 0x20 || r == 0xFFFE || r == 0xFFFF || r >= 0xD800 && r < 0xE000:
				b.WriteRune('\uFFFD')
			default:
				b.WriteRune(r)
			}
		}
		return b.String(), nil
	}
	// JSONString escapes values for the inside of a JSON string (the template holds the
	// quotes).
	JSONString Escape = func(s string) (string, error) {
		b, err := json.Marshal(strings.ToValidUTF8(s, "\uFFFD"))
		if err != nil {
			return "", err
		}
		return string(b[1 : len(b)-1]), nil
	}
	// FormValue escapes values for application/x-www-form-urlencoded bodies.
	FormValue Escape = func(s string) (string, error) { return url.QueryEscape(s), nil }
	// URLPart escapes values for a URL's path or query.
	URLPart Escape = func(s string) (string, error) { return url.PathEscape(s), nil }
	// HeaderValue refuses values that would end a header line.
	HeaderValue Escape = func(s string) (string, error) {
		if strings.ContainsAny(s, "\r\n\x00") {
			return "", fmt.Errorf("a value holds a line break or NUL, which a header cannot carry")
		}
		return s, nil
	}
)

// BodyEscape is the escape of a body sent with the given Content-Type: JSON strings for
// JSON, form values for forms, XML text for XML, the values as they are otherwise.
func BodyEscape(contentType string) Escape {
	ct := strings.ToLower(contentType)
	switch {
	case strings.Contains(ct, "json"):
		return JSONString
	case strings.Contains(ct, "x-www-form-urlencoded"):
		return FormValue
	case strings.Contains(ct, "xml"):
		return XMLText
	}
	return Raw
}

// Expand replaces the placeholders of text known at stage with their values in v, each
// escaped by esc.
func Expand(text string, stage Stage, v *Values, esc Escape) (string, error) {
	var b strings.Builder
	for _, p := range parse(text) {
		if p.name == "" {
			b.WriteString(p.lit)
			continue
		}
		s, ok := stageOf(p.name)
		if !ok {
			return "", &PlaceholderError{Name: p.name}
		}
		if s > stage {
			return "", &PlaceholderError{Name: p.name, Later: true}
		}
		val, err := v.lookup(p.name)
		if err != nil {
			return "", err
		}
		if val, err = esc(val); err != nil {
			return "", fmt.Errorf("$%s: %w", p.name, err)
		}
		b.WriteString(val)
	}
	return b.String(), nil
}

// stamp is how times are written: RFC 3339 in UTC, empty for none.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// lookup is the value of placeholder name, which stageOf knows.
func (v *Values) lookup(name string) (string, error) {
	c := v.Chat
	switch name {
	case "chatConnector.id":
		return strconv.FormatInt(v.Connector.ID, 10), nil
	case "chatConnector.name":
		return v.Connector.Name, nil
	case "chatConnector.title":
		return v.Connector.Title, nil
	case "chat.id":
		return c.ID, nil
	case "chat.name":
		return first(c.Name, c.PData["name"]), nil
	case "chat.email":
		return first(c.Email, c.PData["email"]), nil
	case "chat.phone":
		return c.Phone, nil
	case "chat.customerId":
		return c.CustomerID, nil
	case "chat.language":
		return c.Language, nil
	case "chat.page":
		return c.Page, nil
	case "chat.agent":
		return c.Agent, nil
	case "chat.started":
		return stamp(c.Started), nil
	case "chat.closed":
		return stamp(c.Closed), nil
	case "chat.closeCause":
		return c.CloseCause, nil
	case "chat.sender", "chat.receiver", "chat.userdata", "chat.userdata2", "chat.userdata3":
		return c.PData[strings.TrimPrefix(name, "chat.")], nil
	case "report.bytes":
		return strconv.Itoa(len(v.Report)), nil
	case "report.encoded.base64":
		return base64.StdEncoding.EncodeToString(v.Report), nil
	case "xmlTemplate.encoded.base64":
		return base64.StdEncoding.EncodeToString([]byte(v.XML)), nil
	case "tokenResponse.body":
		return string(v.TokenResponse), nil
	}
	switch {
	case strings.HasPrefix(name, pdataPrefix):
		return c.PData[strings.TrimPrefix(name, pdataPrefix)], nil
	case strings.HasPrefix(name, udataPrefix):
		return c.UData[strings.TrimPrefix(name, udataPrefix)], nil
	}
	return JSONPath(v.TokenResponse, strings.TrimPrefix(name, jsonPrefix))
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// JSONPath is the value at path (dot-separated object keys and array indexes) of the JSON
// document doc: a string as it is, any other value as compact JSON. A path that does not
// lead to a value is an error naming it.
func JSONPath(doc []byte, path string) (string, error) {
	var cur any
	d := json.NewDecoder(strings.NewReader(string(doc)))
	d.UseNumber()
	if err := d.Decode(&cur); err != nil {
		return "", fmt.Errorf("the token response is not JSON, so it has no %q: %w", path, err)
	}
	for _, key := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[key]
			if !ok {
				return "", fmt.Errorf("the token response has no %q", path)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(x) {
				return "", fmt.Errorf("the token response has no %q", path)
			}
			cur = x[i]
		default:
			return "", fmt.Errorf("the token response has no %q", path)
		}
	}
	switch x := cur.(type) {
	case string:
		return x, nil
	case nil:
		return "", fmt.Errorf("the token response's %q is null", path)
	}
	b, err := json.Marshal(cur)
	return string(b), err
}
