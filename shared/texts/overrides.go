package texts

import (
	"slices"
	"strings"
)

// MaxLanguages bounds the languages one connector has texts for (Parley's three included), so
// that an import cannot make the texts form endless.
const MaxLanguages = 30

// LanguagesOf returns the languages a connector's resources give texts for: Parley's
// [Languages] first, then the others by tag. Tags differing only in case count once, as the
// first in sorted order spells it.
func LanguagesOf(resources map[string]string) []string {
	out := slices.Clone(Languages)
	var extra []string
	for k := range resources {
		if _, lang, ok := strings.Cut(k, "#"); ok && lang != "" {
			extra = append(extra, lang)
		}
	}
	slices.Sort(extra)
	for _, l := range extra {
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, l) }) {
			out = append(out, l)
		}
	}
	return out
}

// Cell returns the connector's text for key exactly in lang ("" for its plain text of every
// language), without falling back to another language or a default: what the texts form shows
// in that cell.
func Cell(resources map[string]string, key, lang string) string {
	if lang == "" {
		return resources[key]
	}
	v, _ := variant(resources, key, lang)
	return v
}

// Minimal returns resources without what changes nothing a visitor sees: blank texts, and
// language texts equal to what the visitor would get without them (Parley's default, or the
// connector's plain text, or the text of the base language for a region). title is the
// connector's one master-data title, which a visitor sees before Parley's default title, so a
// "title#fr" equal to the French default is kept when the master title would replace it.
// Texts are stored with line breaks as "\n" and without surrounding white space, so that
// saving a form writes only the real overrides.
func Minimal(resources map[string]string, title string) map[string]string {
	out := make(map[string]string, len(resources))
	for k, v := range resources {
		v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
		if v != "" {
			out[k] = v
		}
	}
	// Base languages before regions ("fr" before "fr-BE"), so that a region is compared with
	// what its base language finally resolves to.
	names := make([]string, 0, len(out))
	for k := range out {
		if strings.Contains(k, "#") {
			names = append(names, k)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		if d := strings.Count(a, "-") - strings.Count(b, "-"); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	for _, k := range names {
		key, lang, _ := strings.Cut(k, "#")
		v := out[k]
		delete(out, k)
		if resolveWithTitle(out, key, lang, title) != v {
			out[k] = v
		}
	}
	return out
}

// resolveWithTitle is [Resolve], but for the title key the connector's master-data title
// (when set) comes after its own texts and before Parley's default, as the widget shows it.
func resolveWithTitle(resources map[string]string, key, lang, title string) string {
	if key == Title && strings.TrimSpace(title) != "" {
		if v, ok := Own(resources, key, lang); ok {
			return v
		}
		return title
	}
	return Resolve(resources, key, lang)
}
