package survey

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text is what a visitor of one language reads of a field: its question and the labels of a
// choice field's options. The options' values stay those of [Field.Options] in every language,
// so that answers and reports compare across languages; only what is shown changes.
type Text struct {
	// Prompt is the question in this language; "" falls back (see [Localize]).
	Prompt string `json:"prompt,omitempty"`
	// Options maps an option's value (one of the field's Options) to its label in this
	// language; a value without a label falls back.
	Options map[string]string `json:"options,omitempty"`
}

// Bounds of a field's texts, as the administrators' forms enforce them.
const (
	// MaxTextRunes is the longest prompt or option label, in characters: a question, not a
	// page.
	MaxTextRunes = 1000
	// MaxLanguages bounds the languages a field has texts for, so that a form stays usable
	// (the connector texts' bound).
	MaxLanguages = 30
)

// Localize returns the field as a visitor of lang reads it: Prompt and Labels chosen in the
// order lang, its base language ("de" for "de-AT"), the fallback language (the connector's
// default language), its base language, and last the field's own base texts (Prompt and the
// option values). Language tags match without regard to case and blank texts count as unset,
// as the connector texts do. Options, the values answers are stored by, are unchanged; Labels
// is left nil when every option reads as its value. Texts is dropped: the visitor needs only
// its own language, and a client that knows nothing of languages still shows Prompt.
func Localize(f Field, lang, fallback string) Field {
	order := langOrder(lang, fallback)
	f.Prompt = pick(f, order, "", true)
	f.Labels = nil
	for i, o := range f.Options {
		if l := pick(f, order, o, false); l != o {
			if f.Labels == nil {
				f.Labels = slices.Clone(f.Options)
			}
			f.Labels[i] = l
		}
	}
	f.Texts = nil
	return f
}

// Label returns the label of the option at index i as a client shows it: its entry in
// Labels, else the option's value.
func Label(f Field, i int) string {
	if i < len(f.Labels) && strings.TrimSpace(f.Labels[i]) != "" {
		return f.Labels[i]
	}
	return f.Options[i]
}

// AnswerIn returns a stored answer as a reader of lang reads it: a choice field's option value
// becomes its label in lang (with [Localize]'s fallbacks); any other answer is itself.
func AnswerIn(f Field, value, lang, fallback string) string {
	if f.Type != TypeSelect || !slices.Contains(f.Options, value) {
		return value
	}
	return pick(f, langOrder(lang, fallback), value, false)
}

// langOrder lists the language tags to look up, lower case, without repeats.
func langOrder(lang, fallback string) []string {
	var out []string
	for _, l := range []string{lang, fallback} {
		l = strings.ToLower(strings.TrimSpace(l))
		base, _, _ := strings.Cut(l, "-")
		for _, t := range []string{l, base} {
			if t != "" && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// pick returns the field's prompt (prompt true) or the label of option value in the first
// language of order that has one, else the base text. Should two tags of the field differ
// only in case, the smaller one wins, so that the answer does not depend on map order.
func pick(f Field, order []string, value string, prompt bool) string {
	for _, want := range order {
		found, text := "", ""
		for tag, t := range f.Texts {
			if !strings.EqualFold(tag, want) || (found != "" && tag > found) {
				continue
			}
			v := t.Options[value]
			if prompt {
				v = t.Prompt
			}
			if strings.TrimSpace(v) != "" {
				found, text = tag, v
			}
		}
		if found != "" {
			return text
		}
	}
	if prompt {
		return f.Prompt
	}
	return value
}

// Languages lists the languages the field has texts for, sorted.
func Languages(f Field) []string {
	out := make([]string, 0, len(f.Texts))
	for tag := range f.Texts {
		out = append(out, tag)
	}
	slices.Sort(out)
	return out
}

// TextProblem is one text of a field that cannot be kept: its language, which text (Option
// is the option's value, "" for the prompt; Lang alone for the language tag itself) and why.
type TextProblem struct {
	Lang   string
	Option string
	Prompt bool
	Code   TextCode
}

// TextCode says what is wrong with a text; forms choose their message by it.
type TextCode string

// The codes of [TextProblem].
const (
	TextBadLang      TextCode = "bad_lang"      // not a language tag like de or fr-BE
	TextTooManyLangs TextCode = "too_many"      // more than MaxLanguages languages
	TextTooLong      TextCode = "too_long"      // more than MaxTextRunes characters
	TextControl      TextCode = "control"       // a control character (NUL, escape, a line break)
	TextBadUTF8      TextCode = "bad_utf8"      // not valid UTF-8
	TextDuplicate    TextCode = "duplicate_tag" // a second tag differing only in case
)

// Error implements error, for logs and API clients.
func (p TextProblem) Error() string {
	what := "the prompt"
	switch {
	case !p.Prompt && p.Option == "":
		what = "the language"
	case !p.Prompt:
		what = "the label of " + strconv.Quote(p.Option)
	}
	return p.Lang + ": " + what + ": " + string(p.Code)
}

// TidyTexts trims the field's texts, drops blank ones, labels of values that are no longer
// options and languages left without a text, and writes language tags in lower case. It is
// part of [CheckSettings]; a form calls it before [CheckTexts] to judge what will be kept.
func TidyTexts(f *Field) {
	if len(f.Texts) == 0 {
		f.Texts = nil
		return
	}
	out := make(map[string]Text, len(f.Texts))
	for _, tag := range Languages(*f) {
		t := f.Texts[tag]
		clean := Text{Prompt: strings.TrimSpace(t.Prompt)}
		for v, l := range t.Options {
			if l = strings.TrimSpace(l); l != "" && isOption(*f, v) {
				if clean.Options == nil {
					clean.Options = map[string]string{}
				}
				clean.Options[strings.TrimSpace(v)] = l
			}
		}
		if clean.Prompt == "" && len(clean.Options) == 0 {
			continue
		}
		key := strings.TrimSpace(tag)
		if ValidLang(key) {
			key = strings.ToLower(key)
		} // else kept as given, so that CheckTexts names it
		if _, dup := out[key]; !dup { // of tags differing in case, the first in order wins
			out[key] = clean
		}
	}
	f.Texts = out
	if len(out) == 0 {
		f.Texts = nil
	}
}

// CheckTexts lists every problem of the field's texts, by language in sorted order, the
// prompt before the options in the order of Options, so that a form can mark each cell.
func CheckTexts(f Field) []TextProblem {
	var out []TextProblem
	seen := map[string]bool{}
	langs := Languages(f)
	for i, tag := range langs {
		t := f.Texts[tag]
		low := strings.ToLower(tag)
		switch {
		case !ValidLang(tag):
			out = append(out, TextProblem{Lang: tag, Code: TextBadLang})
		case seen[low]:
			out = append(out, TextProblem{Lang: tag, Code: TextDuplicate})
		case i >= MaxLanguages:
			out = append(out, TextProblem{Lang: tag, Code: TextTooManyLangs})
		}
		seen[low] = true
		if c := textCode(t.Prompt); c != "" {
			out = append(out, TextProblem{Lang: tag, Prompt: true, Code: c})
		}
		for _, o := range f.Options {
			if c := textCode(t.Options[o]); c != "" {
				out = append(out, TextProblem{Lang: tag, Option: o, Code: c})
			}
		}
	}
	return out
}

// textCode judges one prompt or label: "" when it may be kept.
func textCode(s string) TextCode {
	switch {
	case !utf8.ValidString(s):
		return TextBadUTF8
	case utf8.RuneCountInString(s) > MaxTextRunes:
		return TextTooLong
	case strings.ContainsFunc(s, unicode.IsControl):
		return TextControl
	}
	return ""
}

// ValidLang accepts language tags like "de", "fr-BE", "zh-Hant" or "es-419": a primary
// language of two to eight ASCII letters and an optional subtag of two to eight ASCII letters
// or digits, as the connector texts take them.
func ValidLang(tag string) bool {
	primary, sub, hasSub := strings.Cut(tag, "-")
	if len(primary) < 2 || len(primary) > 8 || hasSub && (len(sub) < 2 || len(sub) > 8) {
		return false
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !(letter || i > len(primary) && c >= '0' && c <= '9' || i == len(primary) && c == '-') {
			return false
		}
	}
	return true
}
