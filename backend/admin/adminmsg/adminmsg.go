// Package adminmsg is the admin pages' one message catalogue: every text the pages show, in
// English, German and French, with their dates, times and numbers for the same languages.
//
// It works as the agent app's catalogue (agentui/catalog) does: a message's key is its
// English text, English needs no table, and de.go and fr.go map the English text to theirs;
// placeholders are numbered ("{0}") so that a translation may reorder them. The admin pages
// are rendered on the server, so a page finds its printer in the request's context ([With],
// [From]): templ components call [T] with the context they are given. Labels handed to the
// form components (input, selectField, ...) and messages set on a form are English and are
// translated where they are shown; the test in this package knows those places and fails
// when a language lacks a message the code names, or keeps one nobody names any more.
package adminmsg

import (
	"context"
	"strconv"
	"time"

	"github.com/parleychat/parley/shared/i18n"
	"github.com/parleychat/parley/shared/numfmt"
)

// Languages are the languages the admin pages speak, English first (the fallback).
var Languages = []string{"en", "de", "fr"}

// names are the languages' names in themselves, for the language menu.
var names = map[string]string{"en": "English", "de": "Deutsch", "fr": "Français"}

// Name is a language's name in itself ("Deutsch"); a language the pages do not speak is its
// tag.
func Name(lang string) string {
	if n, ok := names[lang]; ok {
		return n
	}
	return lang
}

// tables maps a language to its messages; English is the keys themselves.
var tables = map[string]map[string]string{"de": de, "fr": fr}

// Pick chooses the pages' language for a person: their own setting (User.Lang, which the
// agent app follows too), else the browser's Accept-Language header, else English.
func Pick(userLang, acceptLanguage string) string {
	if Speaks(userLang) {
		return i18n.Match(Languages, userLang)
	}
	return i18n.Match(Languages, i18n.AcceptLanguage(acceptLanguage)...)
}

// Speaks reports whether lang (a tag such as "de-AT") names a language the pages speak.
func Speaks(lang string) bool {
	return i18n.Match(append([]string{""}, Languages...), lang) != ""
}

// Translations returns a copy of a language's table (English message to translation; empty
// for English), so that a browser test can check that a page in that language shows none of
// the English messages the language translates.
func Translations(lang string) map[string]string {
	out := make(map[string]string, len(tables[lang]))
	for k, v := range tables[lang] {
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

// For returns the printer of a language tag ("de-AT" is German; unknown is English).
func For(lang string) Printer {
	l := i18n.Match(Languages, lang)
	return Printer{lang: l, m: tables[l]}
}

// Lang is the printer's language: "en", "de" or "fr".
func (p Printer) Lang() string {
	if p.lang == "" {
		return "en"
	}
	return p.lang
}

// T translates a message, given by its English text, and fills its placeholders "{0}",
// "{1}"... with args. A message the language lacks (a name, a value) shows as it is.
func (p Printer) T(msg string, args ...string) string {
	if s, ok := p.m[msg]; ok {
		msg = s
	}
	return i18n.Fill(msg, args)
}

// N translates the form of a message that fits the count n, given by its English singular
// and plural; "{0}" is n, formatted for the language, and args fill "{1}" on.
func (p Printer) N(one, other string, n int, args ...string) string {
	msg := other
	if i18n.One(p.Lang(), int64(n)) {
		msg = one
	}
	return p.T(msg, append([]string{p.Int(int64(n))}, args...)...)
}

// Int formats a whole number with the language's digit grouping ("1,234", "1.234",
// "1 234").
func (p Printer) Int(n int64) string { return numfmt.Int(p.Lang(), n) }

// months are the abbreviated month names, January first.
var months = map[string][12]string{
	"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	"de": {"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."},
	"fr": {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
}

// Date formats a day with its year: "2 Mar 2026", "2. März 2026", "2 mars 2026".
func (p Printer) Date(t time.Time) string {
	day, mon, year := strconv.Itoa(t.Day()), months[p.Lang()][t.Month()-1], strconv.Itoa(t.Year())
	if p.Lang() == "de" {
		return day + ". " + mon + " " + year
	}
	return day + " " + mon + " " + year
}

// days are the weekday names, Sunday first as time.Weekday counts, full and short.
var days = map[string][7]string{
	"en": {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	"de": {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
	"fr": {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
}

var shortDays = map[string][7]string{
	"en": {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	"de": {"So.", "Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa."},
	"fr": {"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."},
}

// Weekday names a day of the week: "Monday", "Montag", "lundi".
func (p Printer) Weekday(d time.Weekday) string { return days[p.Lang()][d] }

// ShortWeekday abbreviates a day of the week for axis labels: "Mon", "Mo.", "lun.".
func (p Printer) ShortWeekday(d time.Weekday) string { return shortDays[p.Lang()][d] }

// Week lists the days of the week in the order the language's calendars show them: Sunday
// first in English (as in the United States), Monday first in German and French (ISO 8601).
func (p Printer) Week() [7]time.Weekday {
	if p.Lang() == "en" {
		return [7]time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	}
	return [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
}

// DayMonth formats a day without its year, for axis labels: "2 Mar", "2. März", "2 mars".
func (p Printer) DayMonth(t time.Time) string {
	day, mon := strconv.Itoa(t.Day()), months[p.Lang()][t.Month()-1]
	if p.Lang() == "de" {
		return day + ". " + mon
	}
	return day + " " + mon
}

// Time formats a time of day on the 24-hour clock, with seconds when asked.
func (p Printer) Time(t time.Time, seconds bool) string {
	if seconds {
		return t.Format("15:04:05")
	}
	return t.Format("15:04")
}

// DateTime formats a moment as day and time: "2 Mar 2026, 15:04", "2. März 2026, 15:04",
// "2 mars 2026 à 15:04". A zero time is "".
func (p Printer) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if p.Lang() == "fr" {
		return p.Date(t) + " à " + p.Time(t, false)
	}
	return p.Date(t) + ", " + p.Time(t, false)
}

// ctxKey keys the printer in a request's context.
type ctxKey struct{}

// With returns ctx carrying p, for the components that render one request's page.
func With(ctx context.Context, p Printer) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the printer ctx carries, English when none.
func From(ctx context.Context) Printer {
	if ctx == nil {
		return Printer{}
	}
	p, _ := ctx.Value(ctxKey{}).(Printer)
	return p
}

// T translates a message with the printer ctx carries (see [Printer.T]); templ components
// call it with their ctx.
func T(ctx context.Context, msg string, args ...string) string { return From(ctx).T(msg, args...) }
