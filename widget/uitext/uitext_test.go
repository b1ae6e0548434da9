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
