package survey

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// topic is a choice field in German with English and French texts, the French one partial.
func topic() Field {
	return Field{Name: "Topic", Type: TypeSelect, Enabled: true, Prompt: "Worum geht es?", SelectType: SelectDropDown,
		Options: []string{"Bestellung", "Rechnung", "Anderes"}, ValidateLow: -1, ValidateHigh: -1,
		Texts: map[string]Text{
			"en": {Prompt: "What is it about?", Options: map[string]string{"Bestellung": "Order", "Rechnung": "Invoice", "Anderes": "Something else"}},
			"fr": {Prompt: "De quoi s'agit-il ?", Options: map[string]string{"Bestellung": "Commande", "Rechnung": " "}},
		}}
}

func TestLocalizeFallbacks(t *testing.T) {
	for _, c := range []struct {
		name, lang, fallback string
		prompt               string
		labels               []string
	}{
		{"the visitor's language", "fr", "en", "De quoi s'agit-il ?", []string{"Commande", "Invoice", "Something else"}},
		{"a region falls back to its language", "fr-BE", "", "De quoi s'agit-il ?", []string{"Commande", "Rechnung", "Anderes"}},
		{"tags match without regard to case", "EN-gb", "", "What is it about?", []string{"Order", "Invoice", "Something else"}},
		{"an unknown language gets the connector's default", "it", "en", "What is it about?", []string{"Order", "Invoice", "Something else"}},
		{"the default's base language", "it", "en-US", "What is it about?", []string{"Order", "Invoice", "Something else"}},
		{"no text in either gives the base texts", "it", "es", "Worum geht es?", nil},
		{"no language at all gives the base texts", "", "", "Worum geht es?", nil},
		{"the base texts' language needs a text when there is a default", "de", "en", "What is it about?", []string{"Order", "Invoice", "Something else"}},
		{"the base texts' language without a default", "de", "", "Worum geht es?", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := topic()
			got := Localize(f, c.lang, c.fallback)
			if got.Prompt != c.prompt || !reflect.DeepEqual(got.Labels, c.labels) {
				t.Errorf("Localize(%q, %q) = %q %q, want %q %q", c.lang, c.fallback, got.Prompt, got.Labels, c.prompt, c.labels)
			}
			if !reflect.DeepEqual(got.Options, f.Options) || got.Texts != nil {
				t.Errorf("options %q, texts %v: the values stay, the texts go", got.Options, got.Texts)
			}
			for i, o := range f.Options {
				if want := AnswerIn(f, o, c.lang, c.fallback); Label(got, i) != want {
					t.Errorf("option %d reads %q, the answer %q", i, Label(got, i), want)
				}
			}
		})
	}
}

func TestLocalizeKeepsAnswersComparable(t *testing.T) {
	f := topic()
	de, fr := Localize(f, "de", ""), Localize(f, "fr", "")
	for _, v := range []Field{de, fr} {
		if err := Check(v, "Rechnung"); err != nil {
			t.Errorf("the value is an answer in every language: %v", err)
		}
		if err := Check(v, "Commande"); err == nil {
			t.Error("a label is not an answer")
		}
	}
	if got := AnswerIn(f, "Bestellung", "fr", "en"); got != "Commande" {
		t.Errorf("a French agent reads %q", got)
	}
	if got := AnswerIn(f, "not offered", "fr", "en"); got != "not offered" {
		t.Errorf("an answer that is not an option reads %q", got)
	}
	if got := AnswerIn(Field{Type: TypeText, Options: []string{"a"}}, "a", "fr", ""); got != "a" {
		t.Errorf("a text answer reads %q", got)
	}
}

// Two tags differing only in case do not make the result depend on map order.
func TestLocalizeCaseTwins(t *testing.T) {
	f := Field{Prompt: "base", Texts: map[string]Text{"DE": {Prompt: "upper"}, "de": {Prompt: "lower"}}}
	for range 20 {
		if got := Localize(f, "de", "").Prompt; got != "upper" {
			t.Fatalf("got %q", got)
		}
	}
}

func TestLabelWithoutLabels(t *testing.T) {
	f := Field{Options: []string{"a", "b"}, Labels: []string{"A"}}
	if Label(f, 0) != "A" || Label(f, 1) != "b" {
		t.Errorf("labels %q %q", Label(f, 0), Label(f, 1))
	}
}

func TestCheckSettingsTidiesTexts(t *testing.T) {
	f := topic()
	f.Texts["FR"] = Text{Prompt: "second French, differing in case"}
	f.Texts["it"] = Text{Prompt: "  ", Options: map[string]string{"Anderes": " "}}
	f.Texts["en"].Options["Gone"] = "an option that was removed"
	f.Texts["es "] = Text{Prompt: " ¿De qué se trata? "}
	f.Labels = []string{"stale"}
	if err := CheckSettings(&f); err != nil {
		t.Fatal(err)
	}
	if got := Languages(f); !reflect.DeepEqual(got, []string{"en", "es", "fr"}) {
		t.Errorf("languages %q", got)
	}
	if f.Texts["fr"].Prompt != "second French, differing in case" {
		t.Errorf("of tags differing in case the first in order is kept: %q", f.Texts["fr"].Prompt)
	}
	if _, ok := f.Texts["en"].Options["Gone"]; ok {
		t.Error("the label of a removed option is kept")
	}
	if f.Texts["es"].Prompt != "¿De qué se trata?" || f.Labels != nil {
		t.Errorf("es %q, labels %q", f.Texts["es"].Prompt, f.Labels)
	}
	if _, ok := f.Texts["fr"].Options["Rechnung"]; ok {
		t.Error("a blank label is kept")
	}
	noTexts := Field{Name: "A", Type: TypeText, Prompt: "p", Texts: map[string]Text{"de": {}}}
	if err := CheckSettings(&noTexts); err != nil || noTexts.Texts != nil {
		t.Errorf("empty texts: %v %v", err, noTexts.Texts)
	}
}

func TestCheckTexts(t *testing.T) {
	huge := strings.Repeat("ü", MaxTextRunes+1)
	for _, c := range []struct {
		name  string
		texts map[string]Text
		want  []TextProblem
	}{
		{"NUL in a prompt", map[string]Text{"de": {Prompt: "a\x00b"}}, []TextProblem{{Lang: "de", Prompt: true, Code: TextControl}}},
		{"a line break in a label", map[string]Text{"de": {Options: map[string]string{"Rechnung": "a\nb"}}}, []TextProblem{{Lang: "de", Option: "Rechnung", Code: TextControl}}},
		{"a huge prompt", map[string]Text{"fr": {Prompt: huge}}, []TextProblem{{Lang: "fr", Prompt: true, Code: TextTooLong}}},
		{"a huge label", map[string]Text{"fr": {Options: map[string]string{"Anderes": huge}}}, []TextProblem{{Lang: "fr", Option: "Anderes", Code: TextTooLong}}},
		{"broken UTF-8", map[string]Text{"fr": {Prompt: "\xff"}}, []TextProblem{{Lang: "fr", Prompt: true, Code: TextBadUTF8}}},
		{"not a language", map[string]Text{"x": {Prompt: "p"}, "de_DE": {Prompt: "p"}, "de-": {Prompt: "p"}, "1a": {Prompt: "p"}},
			[]TextProblem{{Lang: "1a", Code: TextBadLang}, {Lang: "de-", Code: TextBadLang}, {Lang: "de_DE", Code: TextBadLang}, {Lang: "x", Code: TextBadLang}}},
		{"a region and a script are languages", map[string]Text{"fr-BE": {Prompt: "p"}, "zh-Hant": {Prompt: "p"}, "es-419": {Prompt: "p"}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := topic()
			f.Texts = c.texts
			if got := CheckTexts(f); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			err := CheckSettings(&f)
			var se *SettingError
			if (c.want == nil) != (err == nil) || err != nil && (!errors.As(err, &se) || se.Setting != "Texts") {
				t.Errorf("CheckSettings: %v", err)
			}
		})
	}
}

func TestTooManyLanguages(t *testing.T) {
	f := topic()
	f.Texts = map[string]Text{}
	for i := range MaxLanguages + 1 {
		f.Texts["l"+string(rune('a'+i/26))+string(rune('a'+i%26))] = Text{Prompt: "p"}
	}
	problems := CheckTexts(f)
	if len(problems) != 1 || problems[0].Code != TextTooManyLangs || problems[0].Lang != "lbe" {
		t.Errorf("problems %v", problems)
	}
}

func TestBasePromptAndOptionsAreChecked(t *testing.T) {
	for _, f := range []Field{
		{Name: "A", Type: TypeText, Prompt: "a\x00b"},
		{Name: "A", Type: TypeText, Prompt: strings.Repeat("x", MaxTextRunes+1)},
		{Name: "A", Type: TypeSelect, Prompt: "p", Options: []string{"a\x00"}},
	} {
		if err := CheckSettings(&f); err == nil {
			t.Errorf("%q %q taken", f.Prompt, f.Options)
		}
	}
}
