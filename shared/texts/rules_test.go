package texts

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/limits"
)

func kinds(ps []Problem) string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.Kind)+p.Placeholder)
	}
	return strings.Join(out, ",")
}

func TestCheckText(t *testing.T) {
	tests := []struct {
		name, key, lang, text, want string
	}{
		{"blank is the default", AgentTyping, "de", "  \n ", ""},
		{"plain text", Bye, "de", "Tschüss", ""},
		{"allowed placeholder kept", AgentTyping, "de", "$agent tippt", ""},
		{"allowed placeholder twice", AgentTyping, "en", "$agent, $agent", ""},
		{"placeholder dropped", AgentTyping, "de", "Jemand tippt", "missing$agent"},
		{"placeholder dropped from the text of every language", AgentTyping, "", "typing", "missing$agent"},
		{"placeholder dropped in a language Parley lacks", QueueMessage, "it", "In coda: $position", "missing$of"},
		{"placeholder in the wrong case", AgentTyping, "en", "$Agent types", "unknown$Agent,missing$agent"},
		{"placeholder of another key", Bye, "en", "Bye from $agent", "unknown$agent"},
		{"MiCC form", Bye, "en", "Bye from $AgentName$", "unknown$AgentName$"},
		{".NET form", AgentTyping, "en", "{0} is typing ($agent)", "unknown{0}"},
		{"jtel form with a closing dollar", AgentTyping, "en", "$agent$ is typing", "unknown$agent$,missing$agent"},
		{"unknown placeholder named once", Bye, "en", "$x $x $y", "unknown$x,unknown$y"},
		{"a price is no placeholder", Bye, "en", "Orders over $50 ship free. US$ only.", ""},
		{"queue, both kept", QueueMessage, "fr", "Position $position sur $of", ""},
		{"idle warning", IdleWarning, "de", "Noch $seconds Sekunden", ""},
		{"NUL byte", Bye, "de", "Tsch\x00üss", "nul"},
		{"control character", Bye, "de", "Tsch\x1büss", "control"},
		{"tabs and line breaks in a message", Bye, "de", "Tschüss\n\tbis bald\r\n", ""},
		{"line break in the title", Title, "de", "Chat\nmit uns", "linebreak"},
		{"line break in the message box hint", EditorPlaceholder, "", "a\rb", "linebreak"},
		{"invalid UTF-8", Bye, "de", "Tsch\xffss", "utf8"},
		{"title at the limit", Title, "de", strings.Repeat("ü", limits.LabelRunes), ""},
		{"title over the limit", Title, "de", strings.Repeat("ü", limits.LabelRunes+1), "toolong"},
		{"message at the limit", Bye, "de", strings.Repeat("€", limits.MessageRunes), ""},
		{"message over the limit", Bye, "de", strings.Repeat("€", limits.MessageRunes+1), "toolong"},
		{"SQL in a text is just text", Bye, "de", "'; DROP TABLE connectors; --", ""},
		{"unknown key takes no placeholders", "nope", "de", "$agent", "unknown$agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kinds(CheckText(tt.key, tt.lang, tt.text)); got != tt.want {
				t.Errorf("CheckText(%q, %q, %q) = %s, want %s", tt.key, tt.lang, tt.text, got, tt.want)
			}
		})
	}
}

func TestProblemMessagesSayWhatToDo(t *testing.T) {
	for _, tt := range []struct {
		p    Problem
		want string
	}{
		{Problem{Kind: ProblemUnknown, Placeholder: "$Agent", Allowed: []string{"$agent"}}, "$Agent is not filled in here; use $agent."},
		{Problem{Kind: ProblemUnknown, Placeholder: "{0}"}, "{0} is not filled in here; this text takes no placeholders."},
		{Problem{Kind: ProblemMissing, Placeholder: "$of"}, "Keep the placeholder $of: it is where the value goes."},
		{Problem{Kind: ProblemTooLong, Max: 200}, "At most 200 characters."},
		{Problem{Kind: ProblemNUL}, "The text contains a NUL character; remove it."},
	} {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestDefaultsPassTheirOwnRules(t *testing.T) {
	for _, k := range Keys {
		for _, l := range append([]string{""}, Languages...) {
			if ps := CheckText(k, l, Resolve(nil, k, l)); len(ps) > 0 {
				t.Errorf("default %s#%s: %v", k, l, ps)
			}
		}
	}
}

func TestPlaceholdersAreThoseOfTheDefaults(t *testing.T) {
	// The allowed set is what the English default uses, and what the server fills in; a key
	// with placeholders in its default but none declared would refuse its own default.
	re := regexp.MustCompile(PlaceholderPattern)
	for _, k := range Keys {
		got := re.FindAllString(defaults[k+"#en"], -1)
		slices.Sort(got)
		want := Placeholders(k)
		slices.Sort(want)
		if !slices.Equal(slices.Compact(got), want) {
			t.Errorf("%s: default has %v, declared %v", k, got, want)
		}
	}
	// Placeholders returns a copy.
	p := Placeholders(AgentTyping)
	p[0] = "$x"
	if Placeholders(AgentTyping)[0] != "$agent" {
		t.Error("Placeholders returned the shared slice")
	}
}

func TestMinimal(t *testing.T) {
	in := map[string]string{
		Bye + "#de":             defaults[Bye+"#de"],            // the default: dropped
		Bye + "#fr":             "  Salut  ",                    // trimmed, kept
		Bye + "#fr-BE":          "Salut",                        // as its base language: dropped
		Bye + "#fr-CA":          "Allô",                         // kept
		WelcomeMessage:          "Hi!",                          // every language: kept
		WelcomeMessage + "#de":  defaults[WelcomeMessage+"#de"], // the default, but "Hi!" would show: kept
		WelcomeMessage + "#fr":  "Hi!",                          // as the plain text: dropped
		Title + "#de":           "   ",                          // blank: dropped
		AgentTyping + "#de":     "Agent $agent tippt\r\nnoch",   // line breaks as \n
		Waiting1 + "#en":        defaults[Waiting1+"#en"],       // the default: dropped
		QueueMessage:            "",                             // blank: dropped
		IdleWarning + "#it":     "Ancora $seconds secondi",      // a language Parley lacks: kept
		IdleWarning + "#es":     defaults[IdleWarning+"#en"],    // what Spanish shows anyway: dropped
		Transferring + "#de-AT": defaults[Transferring+"#de"],   // as the German default: dropped
	}
	want := map[string]string{
		Bye + "#fr":            "Salut",
		Bye + "#fr-CA":         "Allô",
		WelcomeMessage:         "Hi!",
		WelcomeMessage + "#de": defaults[WelcomeMessage+"#de"],
		AgentTyping + "#de":    "Agent $agent tippt\nnoch",
		IdleWarning + "#it":    "Ancora $seconds secondi",
	}
	for i := 0; i < 20; i++ {
		got := Minimal(in, "")
		if !maps.Equal(got, want) {
			t.Fatalf("Minimal =\n%v\nwant\n%v", got, want)
		}
	}
	// What a visitor reads is the same before and after, in every language.
	got := Minimal(in, "")
	for _, k := range Keys {
		for _, l := range []string{"en", "de", "de-AT", "fr", "fr-BE", "fr-CA", "it", "es", ""} {
			before := strings.TrimSpace(strings.ReplaceAll(Resolve(in, k, l), "\r\n", "\n"))
			if after := Resolve(got, k, l); after != before {
				t.Errorf("%s in %q: %q became %q", k, l, before, after)
			}
		}
	}
	if len(Minimal(nil, "Support")) != 0 {
		t.Error("Minimal(nil) is not empty")
	}
	// With a master-data title, a title equal to Parley's default is an override (it replaces
	// the master title), and one equal to the master title is not.
	titles := map[string]string{Title + "#fr": defaults[Title+"#fr"], Title + "#de": "Support", Title + "#it": "Chat"}
	if got, want := Minimal(titles, "Support"), map[string]string{Title + "#fr": defaults[Title+"#fr"], Title + "#it": "Chat"}; !maps.Equal(got, want) {
		t.Errorf("Minimal with a master title = %v, want %v", got, want)
	}
	if got, want := Minimal(titles, ""), map[string]string{Title + "#de": "Support", Title + "#it": "Chat"}; !maps.Equal(got, want) {
		t.Errorf("Minimal without a master title = %v, want %v", got, want)
	}
}

func TestLanguagesOf(t *testing.T) {
	got := LanguagesOf(map[string]string{Bye: "x", Bye + "#it": "x", Title + "#IT": "y", Bye + "#fr-BE": "z", Bye + "#DE": "w", Bye + "#": "v"})
	if want := []string{"en", "de", "fr", "IT", "fr-BE"}; !slices.Equal(got, want) {
		t.Errorf("LanguagesOf = %v, want %v", got, want)
	}
	if got := LanguagesOf(nil); !slices.Equal(got, Languages) {
		t.Errorf("LanguagesOf(nil) = %v", got)
	}
}

func TestCell(t *testing.T) {
	res := map[string]string{Bye: "Bye!", Bye + "#DE": "Tschö", Title + "#fr": "Salut"}
	for _, tt := range []struct{ key, lang, cell string }{
		{Bye, "", "Bye!"},
		{Bye, "de", "Tschö"},
		{Bye, "fr", ""},
		{Title, "fr", "Salut"},
		{Title, "it", ""},
	} {
		if got := Cell(res, tt.key, tt.lang); got != tt.cell {
			t.Errorf("Cell(%s, %q) = %q, want %q", tt.key, tt.lang, got, tt.cell)
		}
	}
}

// BenchmarkSaveCheck measures what saving a full texts form costs the server: every cell of
// every key in Parley's three languages, "any language" and an extra one checked, then reduced
// to the overrides that matter.
func BenchmarkSaveCheck(b *testing.B) {
	cells := map[string]string{}
	for _, k := range Keys {
		cells[k] = Resolve(nil, k, "en")
		for _, l := range append(slices.Clone(Languages), "it") {
			cells[k+"#"+l] = Resolve(nil, k, l) + " (edited)"
		}
	}
	for b.Loop() {
		for k, v := range cells {
			key, lang, _ := strings.Cut(k, "#")
			if len(CheckText(key, lang, v)) > 0 {
				b.Fatal(k)
			}
		}
		_ = Minimal(cells, "Support")
	}
}
