package texts

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	// A connector that overrides some texts, as in jtel's documented example, plus a Belgian
	// French variant, an upper-case region and a blank override.
	res := map[string]string{
		Bye:                    "See you.",
		Bye + "#de":            "Tschüss.",
		Bye + "#fr-BE":         "À tantôt.",
		WelcomeMessage + "#de": "Moin!",
		NoAgents:               "   ",
		NoAgents + "#de":       "\t\n",
		AgentTyping + "#FR":    "$agent tape...",
		"unknownKey":           "kept",
	}
	tests := []struct {
		name      string
		resources map[string]string
		key, lang string
		want      string
	}{
		{"exact key#lang", res, Bye, "de", "Tschüss."},
		{"key#lang with region", res, Bye, "fr-BE", "À tantôt."},
		{"region matches without regard to case", res, Bye, "FR-be", "À tantôt."},
		{"lang is trimmed", res, Bye, "  de  ", "Tschüss."},
		{"base language of a region", res, Bye, "de-AT", "Tschüss."},
		{"plain key when no variant", res, Bye, "fr", "See you."},
		{"plain key for another region", res, Bye, "fr-CH", "See you."},
		{"plain key for a language Parley lacks", res, Bye, "it", "See you."},
		{"plain key for an empty lang", res, Bye, "", "See you."},
		{"connector language tag in upper case", res, AgentTyping, "fr", "$agent tape..."},
		{"connector upper-case tag serves a region", res, AgentTyping, "fr-CA", "$agent tape..."},
		{"default for lang", res, WelcomeMessage, "fr", "Bienvenue !"},
		{"connector variant beats default", res, WelcomeMessage, "de-CH", "Moin!"},
		{"default for base language", nil, WelcomeMessage, "fr-BE", "Bienvenue !"},
		{"English default for unknown language", nil, WelcomeMessage, "it", "Welcome!"},
		{"English default for empty lang", nil, WelcomeMessage, "", "Welcome!"},
		{"English default for nonsense lang", nil, WelcomeMessage, "#-", "Welcome!"},
		{"blank overrides are ignored (plain)", res, NoAgents, "en", defaults[NoAgents+"#en"]},
		{"blank overrides are ignored (variant)", res, NoAgents, "de", defaults[NoAgents+"#de"]},
		{"unknown key without resource", nil, "nope", "de", ""},
		{"unknown key present in resources", res, "unknownKey", "de", "kept"},
		{"nil resources, German", nil, Bye, "de", "Danke, dass Sie unseren Service genutzt haben. Auf Wiedersehen."},
		{"empty resources, French", map[string]string{}, EditorPlaceholder, "fr", "Saisissez votre message ici."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Resolve(tt.resources, tt.key, tt.lang); got != tt.want {
				t.Errorf("Resolve(%q, %q) = %q, want %q", tt.key, tt.lang, got, tt.want)
			}
		})
	}
}

func TestResolveCaseCollisionIsDeterministic(t *testing.T) {
	res := map[string]string{Bye + "#fr-be": "lower", Bye + "#FR-BE": "upper", Bye + "#Fr-Be": "mixed"}
	// The exact (lower-cased) key wins when it exists.
	if got := Resolve(res, Bye, "fr-BE"); got != "lower" {
		t.Errorf("Resolve = %q, want the exact key's text", got)
	}
	delete(res, Bye+"#fr-be")
	for i := 0; i < 50; i++ {
		if got := Resolve(res, Bye, "fr-BE"); got != "upper" { // "bye#FR-BE" < "bye#Fr-Be"
			t.Fatalf("Resolve = %q, want the smallest matching key's text", got)
		}
	}
}

func TestResolveAll(t *testing.T) {
	for _, lang := range Languages {
		got := ResolveAll(nil, lang)
		if len(got) != len(Keys) {
			t.Errorf("%s: %d texts, want %d", lang, len(got), len(Keys))
		}
		for _, k := range Keys {
			text, ok := got[k]
			if !ok || strings.TrimSpace(text) == "" {
				t.Errorf("%s: key %q has no text", lang, k)
			}
			if text != defaults[k+"#"+lang] {
				t.Errorf("%s: %q = %q, want the %s default", lang, k, text, lang)
			}
		}
	}
	over := ResolveAll(map[string]string{Bye + "#de": "Servus."}, "de-AT")
	if over[Bye] != "Servus." || over[WelcomeMessage] != "Herzlich willkommen!" {
		t.Errorf("ResolveAll with an override = %v", over)
	}
}

func TestDefaultsComplete(t *testing.T) {
	// Every key has a non-blank default in every shipped language, and nothing else is there.
	for _, k := range Keys {
		for _, l := range Languages {
			if strings.TrimSpace(defaults[k+"#"+l]) == "" {
				t.Errorf("no default for %s#%s", k, l)
			}
		}
	}
	if want := len(Keys) * len(Languages); len(defaults) != want {
		t.Errorf("%d defaults, want %d", len(defaults), want)
	}
	// The agent typing text names the agent in every language.
	for _, l := range Languages {
		if !strings.Contains(defaults[AgentTyping+"#"+l], "$agent") {
			t.Errorf("agentTyping#%s lacks $agent", l)
		}
	}
}

func TestDefaultsKeepPlaceholders(t *testing.T) {
	// Every translation has the same "$name" placeholders as the English text, so that filling
	// them in works in every language.
	for _, k := range Keys {
		want := placeholders(defaults[k+"#en"])
		for _, l := range Languages[1:] {
			if got := placeholders(defaults[k+"#"+l]); !slices.Equal(got, want) {
				t.Errorf("%s#%s has placeholders %v, English has %v", k, l, got, want)
			}
		}
	}
}

// placeholders lists the sorted "$name" placeholders of a text.
func placeholders(text string) []string {
	out := placeholderRE.FindAllString(text, -1)
	slices.Sort(out)
	return out
}

var placeholderRE = regexp.MustCompile(`\$[A-Za-z]+`)

func TestDefaults(t *testing.T) {
	d := Defaults()
	if want := len(Keys) * len(Languages); len(d) != want {
		t.Errorf("Defaults() has %d entries, want %d", len(d), want)
	}
	for _, k := range Keys {
		// English is the plain key, as in jtel's example; other languages keep their suffix.
		if d[k] != defaults[k+"#en"] {
			t.Errorf("Defaults()[%q] = %q, want the English default", k, d[k])
		}
		if _, ok := d[k+"#en"]; ok {
			t.Errorf("Defaults() has %q; English should be the plain key", k+"#en")
		}
		for _, l := range Languages[1:] {
			if d[k+"#"+l] != defaults[k+"#"+l] {
				t.Errorf("Defaults()[%q] = %q", k+"#"+l, d[k+"#"+l])
			}
		}
	}
	if err := Check(d); err != nil {
		t.Errorf("Check(Defaults()) = %v", err)
	}
	// As a connector's resources, the defaults resolve exactly as no resources do.
	for _, k := range Keys {
		for _, l := range []string{"en", "de", "fr", "de-AT", "fr-BE", "it", ""} {
			if a, b := Resolve(d, k, l), Resolve(nil, k, l); a != b {
				t.Errorf("Resolve(Defaults(), %q, %q) = %q, Resolve(nil) = %q", k, l, a, b)
			}
		}
	}
	// The result is a copy: changing it does not change the defaults.
	d[Bye] = "changed"
	if Resolve(nil, Bye, "en") == "changed" {
		t.Error("Defaults() returned the shared map")
	}
}

func TestWithAgent(t *testing.T) {
	tests := []struct {
		text, nickname, fallback, want string
	}{
		{"Agent $agent is typing...", "Anna", "17", "Agent Anna is typing..."},
		{"Agent $agent is typing...", "", "17", "Agent 17 is typing..."},
		{"Agent $agent is typing...", "", "", "Agent  is typing..."},
		{"$agent and $agent", "Bo", "1", "Bo and Bo"},
		{"no placeholder", "Anna", "17", "no placeholder"},
		{"$agentX", "Anna", "", "AnnaX"},
		{"$agent", "$agent", "", "$agent"}, // replaced once, not recursively
		{"", "Anna", "17", ""},
	}
	for _, tt := range tests {
		if got := WithAgent(tt.text, tt.nickname, tt.fallback); got != tt.want {
			t.Errorf("WithAgent(%q, %q, %q) = %q, want %q", tt.text, tt.nickname, tt.fallback, got, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		resources map[string]string
		wantErr   string // substring; "" means valid
	}{
		{"nil", nil, ""},
		{"empty", map[string]string{}, ""},
		{"every key plain", map[string]string{NoAgents: "a", OutOfService: "b", AgentTyping: "c", Bye: "d", ByeNoAgent: "e", WelcomeMessage: "f", EditorPlaceholder: "g"}, ""},
		{"language variants", map[string]string{Bye + "#de": "a", Bye + "#fr-BE": "b", Bye + "#zh-Hant": "c", Bye + "#es-419": "d", Bye + "#DE": "e"}, ""},
		{"eight-letter subtags", map[string]string{Bye + "#abcdefgh-abcdefgh": "x"}, ""},
		{"unknown key", map[string]string{"goodbye": "x"}, `unknown text key "goodbye"`},
		{"unknown key with lang", map[string]string{"goodbye#de": "x"}, `unknown text key "goodbye#de"`},
		{"key case matters", map[string]string{"Bye": "x"}, `unknown text key "Bye"`},
		{"empty key", map[string]string{"": "x"}, `unknown text key ""`},
		{"empty lang", map[string]string{Bye + "#": "x"}, `invalid language ""`},
		{"one-letter lang", map[string]string{Bye + "#d": "x"}, `invalid language "d"`},
		{"nine-letter lang", map[string]string{Bye + "#abcdefghi": "x"}, `invalid language "abcdefghi"`},
		{"digits in primary language", map[string]string{Bye + "#12": "x"}, `invalid language "12"`},
		{"dangling hyphen", map[string]string{Bye + "#de-": "x"}, `invalid language "de-"`},
		{"one-letter region", map[string]string{Bye + "#de-A": "x"}, `invalid language "de-A"`},
		{"underscore", map[string]string{Bye + "#de_AT": "x"}, `invalid language "de_AT"`},
		{"three subtags", map[string]string{Bye + "#de-CH-1996": "x"}, `invalid language "de-CH-1996"`},
		{"non-ASCII letters", map[string]string{Bye + "#dé": "x"}, `invalid language "dé"`},
		{"second hash", map[string]string{Bye + "#de#x": "x"}, `invalid language "de#x"`},
		// The first offending key in sorted order is named, whatever the map order.
		{"first in sorted order", map[string]string{"zzz": "x", "aaa": "y", Bye + "#1": "z"}, `unknown text key "aaa"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := 0; i < 20; i++ { // map order varies between runs
				err := Check(tt.resources)
				switch {
				case tt.wantErr == "" && err != nil:
					t.Fatalf("Check = %v, want nil", err)
				case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
					t.Fatalf("Check = %v, want an error containing %s", err, tt.wantErr)
				}
			}
		})
	}
}

func TestCheckErrorHelpsTheAdmin(t *testing.T) {
	err := Check(map[string]string{"goodbye": "x"})
	for _, k := range Keys {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error %q does not list the known key %q", err, k)
		}
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct{ prefs, want string }{
		{"", "en"},
		{"   ", "en"},
		{"de", "de"},
		{"fr", "fr"},
		{"en", "en"},
		{"DE-de", "de"},
		{"de-AT,de;q=0.9,en;q=0.8", "de"},
		{"fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"},
		{"it-IT,it;q=0.9,fr;q=0.8,en;q=0.7", "fr"}, // the best shipped one, not the first
		{"it, es, pt", "en"},                       // nothing shipped: English
		{"*", "en"},
		{"en;q=0.1, de;q=0.9", "de"},   // the highest quality wins, not the first
		{"de;q=0, fr", "fr"},           // q=0 means "not this one"
		{"de;q=0", "en"},               // nothing acceptable: English
		{"fr;q=0.5, de;q=0.5", "fr"},   // equal quality: the earlier one
		{"de;q=0.5, fr;q=0.500", "de"}, // equal written differently
		{"de;q=abc, fr;q=0.1", "fr"},   // a malformed q disqualifies its entry
		{"de;q=2, fr;q=0.1", "fr"},     // q above 1 is malformed
		{"de;q=-1, fr;q=0.1", "fr"},    // so is a negative q
		{"de;Q=0.9 , fr;q=0.2", "de"},  // parameter names are case-insensitive
		{"de; level=1; q=0.3, fr;q=0.2", "de"},
		{"de;level=1, fr", "de"}, // other parameters keep q=1
		{",,,de,,", "de"},
		{"de-Latn-DE, fr", "de"},
		{"deu, fr", "fr"}, // three-letter codes are not "de"
		{"de;q=NaN, fr;q=0.1", "fr"},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.prefs); got != tt.want {
			t.Errorf("Negotiate(%q) = %q, want %q", tt.prefs, got, tt.want)
		}
	}
}

func TestNegotiatedLanguageResolves(t *testing.T) {
	// Whatever a browser sends, the negotiated language has a full set of texts.
	for _, prefs := range []string{"", "de-AT", "fr-BE;q=0.9", "zh-CN", "en-GB,en;q=0.5"} {
		lang := Negotiate(prefs)
		for k, v := range ResolveAll(nil, lang) {
			if v == "" || v != defaults[k+"#"+lang] {
				t.Errorf("%q → %s: %q = %q", prefs, lang, k, v)
			}
		}
	}
}

func TestKeysAndLanguages(t *testing.T) {
	if Languages[0] != "en" {
		t.Errorf("the fallback language is %q, want en", Languages[0])
	}
	seen := map[string]bool{}
	for _, k := range Keys {
		if seen[k] || strings.Contains(k, "#") || k == "" {
			t.Errorf("bad or duplicate key %q", k)
		}
		seen[k] = true
	}
}

func BenchmarkResolve(b *testing.B) {
	res := map[string]string{Bye: "See you.", Bye + "#de": "Tschüss.", WelcomeMessage + "#fr-BE": "Salut"}
	for b.Loop() {
		_ = ResolveAll(res, "fr-BE")
	}
}
