package chat

import (
	"fmt"
	"slices"
	"testing"

	"github.com/parleychat/parley/backend/store"
)

func seqsOf(msgs []store.Message) []uint64 {
	var out []uint64
	for _, m := range msgs {
		out = append(out, m.Seq)
	}
	return out
}

// The lines translated again for an agent coming into a chat are the visitor's lines not
// already in the agent's language.
func TestRetranslationLines(t *testing.T) {
	msgs := []store.Message{
		{Seq: 3, Role: "visitor", Text: "Guten Tag", Lang: "de", Translation: "Good day", TranslationLang: "en"},
		{Seq: 4, Role: "agent", Text: "Hello", Lang: "en", Translation: "Hallo", TranslationLang: "de"},
		{Seq: 5, Role: "system", Text: "Anna joined"},
		{Seq: 6, Role: "visitor", Text: "Ohne Übersetzung"},                         // translation was off
		{Seq: 7, Role: "visitor", Text: "Danke", Lang: "de", TranslationLang: "en"}, // failed
		{Seq: 8, Role: "visitor", Text: "Schon", Lang: "de", Translation: "Déjà", TranslationLang: "fr"},
		{Seq: 9, Role: "visitor", Text: "  "},
		{Seq: 10, Role: "visitor", Text: "Intern", Internal: true},
		{Seq: 11, Role: "visitor", Text: "Bonjour", Lang: "fr"},
	}
	for _, c := range []struct {
		lang string
		want []uint64
	}{
		{"fr", []uint64{3, 6, 7}},
		{"en", []uint64{6, 7, 8, 11}},
		{"de", []uint64{11}},
	} {
		if got := seqsOf(retranslationLines(msgs, "de", c.lang, RetranslateLines)); !slices.Equal(got, c.want) {
			t.Errorf("into %s: lines %v, want %v", c.lang, got, c.want)
		}
	}
	if got := retranslationLines(msgs[3:4], "", "fr", RetranslateLines); len(got) != 0 {
		t.Errorf("a line of no known language: %v", seqsOf(got))
	}
}

// At most the latest lines are translated again.
func TestRetranslationLinesLatest(t *testing.T) {
	var msgs []store.Message
	for i := 1; i <= 250; i++ {
		msgs = append(msgs, store.Message{Seq: uint64(i), Role: "visitor", Text: fmt.Sprint("Zeile ", i), Lang: "de", Translation: "x", TranslationLang: "en"})
	}
	got := retranslationLines(msgs, "de", "fr", RetranslateLines)
	if len(got) != RetranslateLines || got[0].Seq != 51 || got[len(got)-1].Seq != 250 {
		t.Fatalf("%d lines, %v…%v", len(got), got[0].Seq, got[len(got)-1].Seq)
	}
	if got := retranslationLines(msgs, "de", "fr", 0); len(got) != 0 {
		t.Fatalf("max 0: %d lines", len(got))
	}
}
