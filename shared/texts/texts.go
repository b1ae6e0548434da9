// Package texts resolves the texts a visitor sees: a connector's message resources in the jtel
// format ("key" and "key#lang" variants, with "$agent" for the agent's nickname), falling back
// to Parley's defaults in English, German and French. It is shared by the server, which sends
// resolved texts to the widget, and by the widget itself.
package texts

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The connector message resource keys (jtel "Code" configuration).
const (
	NoAgents          = "noAgents"
	OutOfService      = "outOfService"
	AgentTyping       = "agentTyping"
	Bye               = "bye"
	ByeNoAgent        = "byeNoAgent"
	WelcomeMessage    = "welcomeMessage"
	EditorPlaceholder = "editorPlaceholder"
	// Waiting1 and Waiting2 are sent while a chat waits for an agent, WaitingFinal when the
	// waiting limit is reached (WhosOn linewaiting1, linewaiting2, final).
	Waiting1     = "waiting1"
	Waiting2     = "waiting2"
	WaitingFinal = "waitingFinal"
	// QueueMessage is sent once a minute to a queued visitor; "$position" and "$of" are
	// replaced (WhosOn queuemessage).
	QueueMessage = "queueMessage"
	// IdleWarning is sent to a visitor who has been idle for a while, before the chat closes
	// (MiCC WarningBeforeIdleTimeout); "$seconds" is replaced.
	IdleWarning = "idleWarning"
	// Title heads the widget; "title#lang" variants give the connector's title per language,
	// ahead of the connector's one master-data title.
	Title = "title"
)

// Keys lists the connector resource keys: jtel's in their documented order, then Parley's
// waiting, queue and idle texts.
var Keys = []string{NoAgents, OutOfService, AgentTyping, Bye, ByeNoAgent, WelcomeMessage, EditorPlaceholder, Waiting1, Waiting2, WaitingFinal, QueueMessage, IdleWarning, Title}

// Languages are the languages Parley ships texts for; the first is the fallback.
var Languages = []string{"en", "de", "fr"}

// Resolve returns the text for key in lang: the connector's "key#lang" variant, then its variant
// for the base language ("de" for "de-AT"), then its plain "key"; failing those Parley's default
// for lang, then for its base language, then the English default. Language tags match without
// regard to case, as in BCP 47 ("bye#fr-BE" serves "fr-be"), and blank texts count as unset.
// Unknown keys resolve to "".
func Resolve(resources map[string]string, key, lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	base, _, _ := strings.Cut(lang, "-")
	for _, l := range []string{lang, base} {
		if v, ok := variant(resources, key, l); ok {
			return v
		}
	}
	if v, ok := resources[key]; ok && strings.TrimSpace(v) != "" {
		return v
	}
	for _, l := range []string{lang, base, Languages[0]} {
		if v, ok := defaults[key+"#"+l]; ok {
			return v
		}
	}
	return ""
}

// Own returns the connector's own text for key in lang, without Parley's defaults: its
// "key#lang" variant, its base language's, then its plain "key"; ok is false when it has none.
func Own(resources map[string]string, key, lang string) (text string, ok bool) {
	lang = strings.ToLower(strings.TrimSpace(lang))
	base, _, _ := strings.Cut(lang, "-")
	for _, l := range []string{lang, base} {
		if v, ok := variant(resources, key, l); ok {
			return v, true
		}
	}
	if v := resources[key]; strings.TrimSpace(v) != "" {
		return v, true
	}
	return "", false
}

// variant returns the connector's non-blank "key#lang" text, lang compared without regard to
// case. Should two keys differ only in the case of their language, the smaller key wins, so the
// answer does not depend on map order.
func variant(resources map[string]string, key, lang string) (string, bool) {
	if lang == "" {
		return "", false
	}
	if v := resources[key+"#"+lang]; strings.TrimSpace(v) != "" {
		return v, true
	}
	text, found := "", ""
	for k, v := range resources {
		name, l, ok := strings.Cut(k, "#")
		if ok && name == key && strings.EqualFold(l, lang) && strings.TrimSpace(v) != "" && (found == "" || k < found) {
			text, found = v, k
		}
	}
	return text, found != ""
}

// ResolveAll returns every known key resolved for lang, as the widget receives them.
func ResolveAll(resources map[string]string, lang string) map[string]string {
	out := make(map[string]string, len(Keys))
	for _, k := range Keys {
		out[k] = Resolve(resources, k, lang)
	}
	return out
}

// WithAgent fills the "$agent" placeholder with the agent's nickname, or with fallback (the
// user's id, as jtel does) when the nickname is empty.
func WithAgent(text, nickname, fallback string) string {
	if nickname == "" {
		nickname = fallback
	}
	return strings.ReplaceAll(text, "$agent", nickname)
}

// Defaults returns Parley's default resources in the jtel format (keys with "#lang"), as the
// admin pages show them beside a connector's own.
func Defaults() map[string]string {
	out := make(map[string]string, len(defaults))
	for k, v := range defaults {
		if strings.HasSuffix(k, "#"+Languages[0]) {
			out[strings.TrimSuffix(k, "#"+Languages[0])] = v
			continue
		}
		out[k] = v
	}
	return out
}

// Check validates a connector's resources: every key must be a known key, optionally with a
// "#lang" suffix of two to eight letters and an optional region. The error names the first
// offending key, in sorted order, so the message is stable.
func Check(resources map[string]string) error {
	known := make(map[string]bool, len(Keys))
	for _, k := range Keys {
		known[k] = true
	}
	names := make([]string, 0, len(resources))
	for k := range resources {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		key, lang, hasLang := strings.Cut(k, "#")
		if !known[key] {
			return fmt.Errorf("unknown text key %q (known keys: %s)", k, strings.Join(Keys, ", "))
		}
		if hasLang && !validLang(lang) {
			return fmt.Errorf("text key %q has an invalid language %q (use e.g. de or fr-BE)", k, lang)
		}
	}
	return nil
}

// validLang accepts "de", "fr-BE", "zh-Hant", "es-419" style tags: a primary language of two to
// eight letters and an optional subtag of two to eight letters or digits.
func validLang(tag string) bool {
	primary, region, hasRegion := strings.Cut(tag, "-")
	if len(primary) < 2 || len(primary) > 8 || (hasRegion && (len(region) < 2 || len(region) > 8)) {
		return false
	}
	for _, r := range primary {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	for _, r := range region {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Negotiate picks the best of the shipped [Languages] for a browser's preference list (an
// Accept-Language header or navigator.languages joined by commas), falling back to English.
// Quality values count as RFC 9110 says: the highest q wins, the earlier entry among equals,
// and q=0 (or a malformed q) means "not this one".
func Negotiate(preferences string) string {
	best, bestQ := Languages[0], 0.0
	for _, part := range strings.Split(preferences, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, param := range strings.Split(params, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(param), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil || !(v >= 0 && v <= 1) {
				v = 0
			}
			q = v
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if q > bestQ && slices.Contains(Languages, base) {
			best, bestQ = base, q
		}
	}
	return best
}
