package texts

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
)

// fills name, per key, what the server or the widget fills into that key's text. It is
// data, not code, so that the admin pages, the server and the widget agree on what a text may
// contain: anything else that looks like a placeholder would reach visitors verbatim.
var fills = map[string][]string{
	AgentTyping:  {"$agent"},
	QueueMessage: {"$position", "$of"},
	IdleWarning:  {"$seconds"},
}

// singleLine are the keys shown on one line (the widget's heading, the message box's hint),
// where a line break has no place.
var singleLine = map[string]bool{Title: true, EditorPlaceholder: true}

// PlaceholderPattern finds whatever looks like a placeholder in a text: jtel's "$agent", MiCC's
// "$Placeholder$" and .NET's "{0}". It is a pattern both Go and JavaScript read alike, so that
// the admin page's live check finds what the server finds.
const PlaceholderPattern = `\$[A-Za-z][A-Za-z0-9_]*\$?|\{[0-9]+\}`

var placeholderFinder = regexp.MustCompile(PlaceholderPattern)

// Placeholders returns the placeholders key's text may use, in the order they are documented;
// nil for a key that takes none.
func Placeholders(key string) []string { return slices.Clone(fills[key]) }

// Required returns the placeholders key's text in lang must keep: those of its default text (for
// a language Parley lacks, and for lang "" — the text of every language — the English one).
func Required(key, lang string) []string {
	def := Resolve(nil, key, lang)
	var out []string
	for _, p := range fills[key] {
		if strings.Contains(def, p) {
			out = append(out, p)
		}
	}
	return out
}

// MaxRunes is the longest text key may have: a one-line heading or hint fits limits.LabelRunes,
// every other text is sent as a chat line and fits limits.MessageRunes.
func MaxRunes(key string) int {
	if singleLine[key] {
		return limits.LabelRunes
	}
	return limits.MessageRunes
}

// SingleLine reports whether key's text is shown on one line, so it may not hold a line break.
func SingleLine(key string) bool { return singleLine[key] }

// ProblemKind says what is wrong with a text.
type ProblemKind string

// The kinds of problem a text can have; the admin page's script names them the same way.
const (
	ProblemNUL         ProblemKind = "nul"
	ProblemControl     ProblemKind = "control"
	ProblemLineBreak   ProblemKind = "linebreak"
	ProblemTooLong     ProblemKind = "toolong"
	ProblemUnknown     ProblemKind = "unknown"
	ProblemMissing     ProblemKind = "missing"
	ProblemInvalidUTF8 ProblemKind = "utf8"
)

// Problem is one thing wrong with a text, precise enough for a message next to its field.
type Problem struct {
	Kind ProblemKind
	// Placeholder is the unknown or missing placeholder.
	Placeholder string
	// Allowed lists the key's placeholders, for the message about an unknown one.
	Allowed []string
	// Max is the length limit that was exceeded.
	Max int
}

// Error says what is wrong and what to do, in English.
func (p Problem) Error() string {
	switch p.Kind {
	case ProblemNUL:
		return "The text contains a NUL character; remove it."
	case ProblemControl:
		return "The text contains an invisible control character; remove it."
	case ProblemInvalidUTF8:
		return "The text is not valid UTF-8; type it again."
	case ProblemLineBreak:
		return "This text is shown on one line; remove the line break."
	case ProblemTooLong:
		return fmt.Sprintf("At most %d characters.", p.Max)
	case ProblemUnknown:
		if len(p.Allowed) == 0 {
			return fmt.Sprintf("%s is not filled in here; this text takes no placeholders.", p.Placeholder)
		}
		return fmt.Sprintf("%s is not filled in here; use %s.", p.Placeholder, strings.Join(p.Allowed, ", "))
	case ProblemMissing:
		return fmt.Sprintf("Keep the placeholder %s: it is where the value goes.", p.Placeholder)
	}
	return string(p.Kind)
}

// CheckText lists what is wrong with text as key's text in lang ("" for the connector's text of
// every language without its own). A blank text is fine: it means Parley's default. Problems
// come in a stable order: characters, length, unknown placeholders, missing ones.
func CheckText(key, lang, text string) []Problem {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var out []Problem
	if !utf8.ValidString(text) {
		return []Problem{{Kind: ProblemInvalidUTF8}}
	}
	switch {
	case strings.ContainsRune(text, 0):
		out = append(out, Problem{Kind: ProblemNUL})
	case strings.ContainsFunc(text, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }):
		out = append(out, Problem{Kind: ProblemControl})
	}
	if singleLine[key] && strings.ContainsAny(text, "\r\n") {
		out = append(out, Problem{Kind: ProblemLineBreak})
	}
	if n := MaxRunes(key); utf8.RuneCountInString(text) > n {
		out = append(out, Problem{Kind: ProblemTooLong, Max: n})
	}
	allowed := fills[key]
	var seen []string
	found := placeholderFinder.FindAllString(text, -1)
	for _, p := range found {
		if !slices.Contains(allowed, p) && !slices.Contains(seen, p) {
			seen = append(seen, p)
			out = append(out, Problem{Kind: ProblemUnknown, Placeholder: p, Allowed: slices.Clone(allowed)})
		}
	}
	for _, p := range Required(key, lang) {
		if !slices.Contains(found, p) {
			out = append(out, Problem{Kind: ProblemMissing, Placeholder: p})
		}
	}
	return out
}
