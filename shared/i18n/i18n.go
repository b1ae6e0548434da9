// Package i18n is the part of a message catalogue that does not depend on its messages:
// picking a language from a person's preferences (BCP 47 tags, an Accept-Language header),
// filling numbered placeholders, and choosing the singular or plural form. The agent app's
// catalogue (agentui/catalog) and the admin pages' (backend/admin/adminmsg) share it, so that
// both speak the same way; it is plain Go without tables, so the WebAssembly stays small.
package i18n

import (
	"sort"
	"strconv"
	"strings"
)

// Match picks from langs (the languages a catalogue speaks, its fallback first) the first
// that one of prefs names, in order; a preference is a BCP 47 tag such as "de-AT" or "fr_BE",
// compared by its base language. No match is langs[0].
func Match(langs []string, prefs ...string) string {
	for _, p := range prefs {
		b, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(p)), "-")
		b, _, _ = strings.Cut(b, "_")
		for _, l := range langs {
			if b == l {
				return l
			}
		}
	}
	if len(langs) == 0 {
		return ""
	}
	return langs[0]
}

// AcceptLanguage lists the languages of an HTTP Accept-Language header, most wanted first
// ("fr-CH, fr;q=0.9, de;q=0.7" is fr-CH, fr, de); a language with q=0 and "*" are left out,
// and so is anything that is not a tag. A header of any length is read, at most 32 entries.
func AcceptLanguage(header string) []string {
	type pref struct {
		tag string
		q   float64
	}
	var prefs []pref
	for i, part := range strings.Split(header, ",") {
		if i >= 32 {
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		if tag == "" || tag == "*" || !isTag(tag) {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if q > 0 {
			prefs = append(prefs, pref{tag, q})
		}
	}
	sort.SliceStable(prefs, func(i, j int) bool { return prefs[i].q > prefs[j].q })
	out := make([]string, len(prefs))
	for i, p := range prefs {
		out[i] = p.tag
	}
	return out
}

// isTag reports whether s looks like a language tag: letters, digits and hyphens, at most
// 35 characters.
func isTag(s string) bool {
	if len(s) > 35 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Fill replaces each placeholder "{i}" (one digit) of msg with args[i]; a placeholder without
// an argument stays as it is, and an argument is never read as a placeholder itself.
func Fill(msg string, args []string) string {
	if len(args) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '{')
		if i < 0 || i+2 >= len(msg) || msg[i+2] != '}' || msg[i+1] < '0' || msg[i+1] > '9' || int(msg[i+1]-'0') >= len(args) {
			if i < 0 {
				b.WriteString(msg)
				return b.String()
			}
			b.WriteString(msg[:i+1])
			msg = msg[i+1:]
			continue
		}
		b.WriteString(msg[:i])
		b.WriteString(args[msg[i+1]-'0'])
		msg = msg[i+3:]
	}
}

// One reports whether a count takes the singular in a language: French uses it for 0 and 1,
// English and German for 1 only.
func One(lang string, n int64) bool {
	return n == 1 || (lang == "fr" && n == 0)
}
