// Package catalog is the agent app's one message catalogue: every text the app shows, in
// English, German and French, and the app's dates, times, numbers and sizes for the same
// three languages.
//
// A message's key is its English text, as gettext does: code reads as what the agent sees,
// English needs no table, and the German and French tables (de.go, fr.go) map the English
// text to theirs. Placeholders are numbered, "{0}", "{1}", so that a translation may put them
// in another order. Every call of [Printer.T] and [Printer.N] names its message as a string
// literal, so that a test finds each one in the source and fails when a language lacks it,
// when a translation's placeholders differ from the English ones, or when a translation is
// no longer used. Plain Go maps keep the WebAssembly small: golang.org/x/text would add far
// more than three tables.
package catalog

import (
	"sync"
	"time"

	"github.com/parleychat/parley/shared/i18n"
	"github.com/parleychat/parley/shared/numfmt"
)

// Languages are the languages the app speaks, English first (the fallback).
var Languages = []string{"en", "de", "fr"}

// names are the languages' names in themselves, for the language menu.
var names = map[string]string{"en": "English", "de": "Deutsch", "fr": "Français"}

// Name is a language's name in itself ("Deutsch"); a language the app does not speak is its
// tag.
func Name(lang string) string {
	if n, ok := names[lang]; ok {
		return n
	}
	return lang
}

// tables maps a language to its messages; English is the keys themselves. The tables are
// built on first use rather than when the package loads: an agent working in English never
// needs them, and building them (some thousand map entries) would otherwise cost every start
// of the app.
var tables = sync.OnceValue(func() map[string]map[string]string {
	de, fr := deMessages(), frMessages()
	for _, add := range []func(de, fr map[string]string){addContact, addLeft, addPush, addTemplates, addTranslation, addWhatsApp} {
		add(de, fr)
	}
	return map[string]map[string]string{"de": de, "fr": fr}
})

// table returns a language's messages: none for English (or a language the app does not
// speak), whose messages are their keys, so that English never builds the tables.
func table(lang string) map[string]string {
	if lang == "" || lang == "en" {
		return nil
	}
	return tables()[lang]
}

// Match picks the app's language from preferences in order (the agent's choice, their
// setting on the server, the browser's languages; BCP 47 tags such as "de-AT"): the first
// the app speaks, else English.
func Match(prefs ...string) string { return i18n.Match(Languages, prefs...) }

// Translations returns a copy of a language's table (English message to translation; empty
// for English), so that a browser test can check that a page in that language shows none of
// the English messages the language translates.
func Translations(lang string) map[string]string {
	t := table(lang)
	out := make(map[string]string, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}

// Printer turns messages, numbers and dates into one language. The zero Printer speaks
// English.
type Printer struct {
	lang string
	m    map[string]string
}

// For returns the printer of a language tag (see [Match]).
func For(lang string) Printer {
	l := Match(lang)
	return Printer{lang: l, m: table(l)}
}

// Lang is the printer's language: "en", "de" or "fr".
func (p Printer) Lang() string {
	if p.lang == "" {
		return "en"
	}
	return p.lang
}

// T translates a message, given by its English text as a string literal, and fills its
// placeholders "{0}", "{1}"... with args. A message a language lacks shows in English.
func (p Printer) T(msg string, args ...string) string {
	if s, ok := p.m[msg]; ok {
		msg = s
	}
	return fill(msg, args)
}

// N translates the form of a message that fits the count n, given by its English singular
// and plural as string literals; "{0}" is n, formatted for the language, and args fill
// "{1}" on. French uses the singular for 0 and 1, English and German for 1 only.
func (p Printer) N(one, other string, n int, args ...string) string {
	msg := other
	if i18n.One(p.Lang(), int64(n)) {
		msg = one
	}
	if s, ok := p.m[msg]; ok {
		msg = s
	}
	return fill(msg, append([]string{p.Int(int64(n))}, args...))
}

// fill replaces "{i}" with args[i] (see [i18n.Fill]).
func fill(msg string, args []string) string { return i18n.Fill(msg, args) }

// Int formats a count with the language's digit grouping.
func (p Printer) Int(n int64) string { return numfmt.Int(p.Lang(), n) }

// Size formats a file size as the visitor's widget does (shared/numfmt); unknown (zero or
// less) is "".
func (p Printer) Size(bytes int64) string {
	if bytes <= 0 {
		return ""
	}
	return numfmt.Size(p.Lang(), bytes)
}

// months are the abbreviated month names, January first.
var months = map[string][12]string{
	"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	"de": {"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."},
	"fr": {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
}

// Date formats a day without its year: "2 Jan", "2. Jan.", "2 janv.".
func (p Printer) Date(t time.Time) string {
	day, mon := itoa(t.Day()), months[p.Lang()][t.Month()-1]
	if p.Lang() == "de" {
		return day + ". " + mon
	}
	return day + " " + mon
}

// Time formats a time of day on the 24-hour clock the three languages share in Europe:
// "15:04".
func (p Printer) Time(t time.Time) string { return t.Format("15:04") }

// Clock formats a message's time in the local zone: the time today, the day and time before.
func (p Printer) Clock(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return p.Time(t)
	}
	return p.Date(t) + " " + p.Time(t)
}

// itoa formats a small non-negative number.
func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
