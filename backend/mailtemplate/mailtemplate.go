// Package mailtemplate fills the subject and body templates of transcript e-mails with a
// chat's data. Administrators write the templates per connector with MiCC's `$Placeholder$`
// identifiers, so that the templates people bring from MiCC work unchanged. It is pure: the
// values come from the caller, the clock is the caller's, nothing is read or written.
//
// A template is checked when it is saved ([Check]): an identifier this package does not know
// is refused there with its name, so a typo never reaches a customer as a literal
// `$Agnet$`. Rendering ([Render]) then only substitutes. An HTML template gets its values
// HTML-escaped; the template itself is sanitised by [SanitizeHTML] so that what an
// administrator pasted cannot carry scripts into customers' mail clients.
package mailtemplate

import (
	"errors"
	"fmt"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
)

// The identifiers of MiCC's transcript e-mail, as its documentation lists them. Each is
// written between dollar signs in a template: `$Agent.Name$`.
const (
	Transcript        = "Transcript"
	Date              = "Date"
	Time              = "Time"
	Received          = "Received"
	ReceivedDate      = "Received.Date"
	ReceivedTime      = "Received.Time"
	ServiceGroup      = "ServiceGroup"
	ServiceGroupName  = "ServiceGroup.Name"
	ServiceGroupEmail = "ServiceGroup.Email"
	Agent             = "Agent"
	AgentName         = "Agent.Name"
	AgentFirstName    = "Agent.FirstName"
	AgentLastName     = "Agent.LastName"
	AgentChatName     = "Agent.ChatName"
	Customer          = "Customer"
	CustomerName      = "Customer.Name"
	CustomerEmail     = "Customer.Email"
	CustomerNumber    = "Customer.Number"
)

// Identifiers lists every identifier in the order the admin pages show them.
var Identifiers = []string{Transcript, Date, Time, Received, ReceivedDate, ReceivedTime, ServiceGroup, ServiceGroupName,
	ServiceGroupEmail, Agent, AgentName, AgentFirstName, AgentLastName, AgentChatName, Customer, CustomerName,
	CustomerEmail, CustomerNumber}

// Limits of what is saved and produced, so that one template cannot fill the outbox.
const (
	// MaxSubjectRunes caps a subject template and a rendered subject.
	MaxSubjectRunes = 500
	// MaxTemplateBytes caps a body template.
	MaxTemplateBytes = 64 << 10
	// MaxValueBytes caps one substituted value other than the transcript; longer values are
	// cut at a character boundary.
	MaxValueBytes = 4 << 10
)

// Errors of [Check]; each comes wrapped with the detail (the identifier, the position).
var (
	// ErrUnknown means a `$Name$` that is not one of [Identifiers].
	ErrUnknown = errors.New("unknown placeholder")
	// ErrNotInSubject means `$Transcript$` in a subject, where MiCC does not allow it.
	ErrNotInSubject = errors.New("placeholder not allowed in the subject")
	// ErrBadText means text that is not UTF-8, holds NUL, or is too long.
	ErrBadText = errors.New("invalid template text")
)

// UnknownError names the identifier a template used that is not known.
type UnknownError struct {
	// Name is the identifier between the dollar signs.
	Name string
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("unknown placeholder $%s$; known are %s", e.Name, "$"+strings.Join(Identifiers, "$, $")+"$")
}

// Unwrap makes errors.Is(err, ErrUnknown) true.
func (e *UnknownError) Unwrap() error { return ErrUnknown }

var known = func() map[string]bool {
	m := make(map[string]bool, len(Identifiers))
	for _, id := range Identifiers {
		m[id] = true
	}
	return m
}()

// Known reports whether name is one of [Identifiers].
func Known(name string) bool { return known[name] }

// isIdent reports whether s looks like an identifier: letters, digits and dots, starting
// with a letter. A `$` pair around anything else (prices: "$5 or $10") is text.
func isIdent(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case i > 0 && (r >= '0' && r <= '9' || r == '.' || r == '_'):
		default:
			return false
		}
	}
	return true
}

// scan calls fn for each `$Name$` of tmpl that looks like an identifier, with its byte
// offsets, and returns the first error fn returns.
func scan(tmpl string, fn func(name string, start, end int) error) error {
	for i := 0; i < len(tmpl); {
		j := strings.IndexByte(tmpl[i:], '$')
		if j < 0 {
			return nil
		}
		start := i + j
		k := strings.IndexByte(tmpl[start+1:], '$')
		if k < 0 {
			return nil
		}
		end := start + 1 + k + 1
		name := tmpl[start+1 : end-1]
		if !isIdent(name) {
			i = end - 1 // the closing $ may open the next identifier
			continue
		}
		if err := fn(name, start, end); err != nil {
			return err
		}
		i = end
	}
	return nil
}

// Check validates a template before it is saved: subject says whether it is a subject
// (one line, no `$Transcript$`). It returns an *UnknownError for an identifier it does not
// know, and wraps ErrNotInSubject or ErrBadText otherwise.
func Check(tmpl string, subject bool) error {
	switch {
	case !utf8.ValidString(tmpl) || strings.ContainsRune(tmpl, 0):
		return fmt.Errorf("%w: the text must be UTF-8 without NUL characters", ErrBadText)
	case subject && strings.ContainsAny(tmpl, "\r\n"):
		return fmt.Errorf("%w: the subject must be one line", ErrBadText)
	case subject && utf8.RuneCountInString(tmpl) > MaxSubjectRunes:
		return fmt.Errorf("%w: the subject must be at most %d characters", ErrBadText, MaxSubjectRunes)
	case !subject && len(tmpl) > MaxTemplateBytes:
		return fmt.Errorf("%w: the template must be at most %d bytes", ErrBadText, MaxTemplateBytes)
	}
	return scan(tmpl, func(name string, _, _ int) error {
		if !known[name] {
			return &UnknownError{Name: name}
		}
		if subject && name == Transcript {
			return fmt.Errorf("%w: $%s$ is only for the body", ErrNotInSubject, name)
		}
		return nil
	})
}

// Values are what the identifiers stand for, by identifier. A missing identifier renders
// empty, as MiCC's "if defined".
type Values map[string]string

// Render substitutes vals into tmpl. With escapeHTML every value is HTML-escaped except
// `$Transcript$`, which the caller gives as HTML already when the template is HTML. Values
// are stripped of NUL and cut to [MaxValueBytes]; an unknown identifier (a template saved
// before it was checked) is left as written.
func Render(tmpl string, vals Values, escapeHTML bool) string {
	var b strings.Builder
	last := 0
	_ = scan(tmpl, func(name string, start, end int) error {
		if !known[name] {
			return nil
		}
		b.WriteString(tmpl[last:start])
		v := vals[name]
		if name != Transcript {
			v = clean(v)
			if escapeHTML {
				v = html.EscapeString(v)
			}
		} else {
			v = strings.ReplaceAll(v, "\x00", "")
		}
		b.WriteString(v)
		last = end
		return nil
	})
	b.WriteString(tmpl[last:])
	return b.String()
}

// RenderSubject renders a subject template: one line, at most [MaxSubjectRunes].
func RenderSubject(tmpl string, vals Values) string {
	s := Render(tmpl, vals, false)
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > MaxSubjectRunes {
		s = string([]rune(s)[:MaxSubjectRunes])
	}
	return strings.TrimSpace(s)
}

// clean makes a value safe to substitute: valid UTF-8, no NUL, at most MaxValueBytes.
func clean(v string) string {
	v = strings.ToValidUTF8(strings.ReplaceAll(v, "\x00", ""), "\uFFFD")
	if len(v) > MaxValueBytes {
		cut := MaxValueBytes
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut] + "…"
	}
	return v
}

var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowElements("html", "head", "body", "title", "center", "font", "span", "div")
	p.AllowStyles("color", "background-color", "font-family", "font-size", "font-weight", "font-style", "text-align",
		"text-decoration", "margin", "padding", "border", "width").Globally()
	p.AllowAttrs("color", "face", "size").OnElements("font")
	p.AllowAttrs("align", "bgcolor", "width", "height", "border", "cellpadding", "cellspacing", "valign").Globally()
	return p
}()

// SanitizeHTML removes from an HTML template what mail must not carry (scripts, event
// handlers, forms, frames) and keeps the formatting mail clients show. The identifiers are
// text to the sanitiser and survive it.
func SanitizeHTML(tmpl string) string { return policy.Sanitize(tmpl) }

var (
	textPolicy = bluemonday.StrictPolicy()
	breaks     = strings.NewReplacer("</p>", "</p>\n", "<br>", "<br>\n", "<br/>", "<br/>\n", "<br />", "<br />\n", "</tr>", "</tr>\n",
		"</div>", "</div>\n", "</h1>", "</h1>\n", "</h2>", "</h2>\n", "</h3>", "</h3>\n", "</li>", "</li>\n")
)

// PlainText is the text of an HTML template, for the text part sent beside the HTML one:
// tags removed, a line break after each block.
func PlainText(htmlTmpl string) string {
	s := html.UnescapeString(textPolicy.Sanitize(breaks.Replace(htmlTmpl)))
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
