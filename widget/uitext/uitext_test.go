package uitext

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/texts"
)

func TestLookupOrder(t *testing.T) {
	tx := Texts{
		Lang:      "de-AT",
		Overrides: map[string]string{"startChat#de": "Los geht's", "send": "Ab damit"},
		Connector: map[string]string{"bye": "Servus!"},
	}
	for key, want := range map[string]string{
		StartChat:      "Los geht's",                // page override for the base language
		Send:           "Ab damit",                  // page override without a language
		"bye":          "Servus!",                   // the connector's resolved text
		"agentTyping":  "Agent $agent schreibt ...", // shared default for a connector key
		EnterName:      "Ihr Name",                  // widget default for the base language
		"no such key":  "no such key",               // unknown keys show themselves
		texts.NoAgents: "Es tut uns leid, aber derzeit sind keine Agenten verfügbar. Bitte probieren Sie es etwas später noch einmal.",
	} {
		if got := tx.Get(key); got != want {
			t.Errorf("Get(%q) = %q, want %q", key, got, want)
		}
	}
	if got := (Texts{Lang: "es"}).Get(StartChat); got != "Start chat" {
		t.Errorf("unshipped language falls back to English, got %q", got)
	}
}

func TestEveryKeyInEveryLanguage(t *testing.T) {
	d := Defaults()
	for k := range d {
		key, _, _ := strings.Cut(k, "#")
		for _, l := range texts.Languages {
			if d[key+"#"+l] == "" {
				t.Errorf("%s has no %s text", key, l)
			}
		}
	}
}

func TestWait(t *testing.T) {
	tx := Texts{Lang: "fr"}
	for secs, want := range map[int]string{-1: "", 0: "moins d'une minute", 59: "moins d'une minute", 60: "environ 1 minute", 150: "environ 3 minutes"} {
		if got := tx.Wait(secs); got != want {
			t.Errorf("Wait(%d) = %q, want %q", secs, got, want)
		}
	}
}

func TestSize(t *testing.T) {
	en, de, fr := Texts{Lang: "en-GB"}, Texts{Lang: "de"}, Texts{Lang: "fr"}
	for _, c := range []struct {
		tx    Texts
		bytes int64
		want  string
	}{
		{en, 0, "0 B"}, {en, 1, "1 B"}, {en, 1024, "1 KB"}, {en, 1291, "1.3 KB"}, {de, 1291, "1,3 KB"}, {fr, 1291, "1,3 Ko"},
		{en, 500 * 1024, "500 KB"}, {en, 1024*1024 - 1, "1 MB"}, {en, 1024 * 1024, "1 MB"}, {en, 1536 * 1024, "1.5 MB"},
		{de, 1536 * 1024, "1,5 MB"}, {fr, 1536 * 1024, "1,5 Mo"}, {fr, 12 * 1024, "12 Ko"}, {en, 5 * 1024 * 1024, "5 MB"},
		{en, 12*1024*1024 + 400*1024, "12 MB"}, {en, 9*1024*1024 + 1000*1024, "10 MB"},
	} {
		if got := c.tx.Size(c.bytes); got != c.want {
			t.Errorf("Size(%d) in %s = %q, want %q", c.bytes, c.tx.Lang, got, c.want)
		}
	}
}

// The optional texts say nothing until a page or connector words them.
func TestOptionalTexts(t *testing.T) {
	if got := (Texts{Lang: "de"}).Get(PostText); got != "" {
		t.Fatalf("postText without words: %q", got)
	}
	tx := Texts{Lang: "de", Connector: map[string]string{PostURL: "https://example.com"}, Overrides: map[string]string{PostText + "#de": "Danke"}}
	if tx.Get(PostText) != "Danke" || tx.Get(PostURL) != "https://example.com" {
		t.Fatalf("%q %q", tx.Get(PostText), tx.Get(PostURL))
	}
}
