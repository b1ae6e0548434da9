package i18n

import (
	"reflect"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	langs := []string{"en", "de", "fr"}
	for _, c := range []struct {
		prefs []string
		want  string
	}{
		{nil, "en"},
		{[]string{"", "de-AT"}, "de"},
		{[]string{"es-ES", "fr-CA", "de"}, "fr"},
		{[]string{"DE_ch"}, "de"},
		{[]string{"x\x00de", "it"}, "en"},
	} {
		if got := Match(langs, c.prefs...); got != c.want {
			t.Errorf("Match(%q) = %q, want %q", c.prefs, got, c.want)
		}
	}
	if Match(nil, "de") != "" {
		t.Error("no languages match nothing")
	}
}

func TestAcceptLanguage(t *testing.T) {
	for _, c := range []struct {
		header string
		want   []string
	}{
		{"", []string{}},
		{"de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", []string{"de-DE", "de", "en-US", "en"}},
		{"en;q=0.2, fr-CH, de;q=0.5", []string{"fr-CH", "de", "en"}},
		{"fr;q=0, de", []string{"de"}},
		{"*, it;q=0.9", []string{"it"}},
		{"de;q=abc, fr;q=2, en", []string{"en"}},
		{"d\x00e, fr", []string{"fr"}},
		{"'; DROP TABLE users;--, fr", []string{"fr"}},
	} {
		if got := AcceptLanguage(c.header); !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("AcceptLanguage(%q) = %q, want %q", c.header, got, c.want)
		}
	}
	if got := AcceptLanguage(strings.Repeat("de,", 100000)); len(got) != 32 {
		t.Errorf("a huge header gives %d entries, want at most 32", len(got))
	}
}

func TestFill(t *testing.T) {
	for _, c := range []struct {
		msg  string
		args []string
		want string
	}{
		{"Chat request from {0}", []string{"Otto"}, "Chat request from Otto"},
		{"Chat request from {0}", []string{"{1}{0}"}, "Chat request from {1}{0}"},
		{"{0} on {1}", nil, "{0} on {1}"},
		{"{0} on {1}", []string{"Chrome"}, "Chrome on {1}"},
		{"{1} before {0}", []string{"a", "b"}, "b before a"},
		{"odd { and {x} and {", []string{"a"}, "odd { and {x} and {"},
	} {
		if got := Fill(c.msg, c.args); got != c.want {
			t.Errorf("Fill(%q, %q) = %q, want %q", c.msg, c.args, got, c.want)
		}
	}
}

func TestOne(t *testing.T) {
	if !One("en", 1) || One("en", 0) || !One("fr", 0) || One("fr", 2) || One("de", -1) {
		t.Error("One")
	}
}
