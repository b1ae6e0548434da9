package desk

import (
	"testing"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
)

// A translated chat: the visitor's line reads in the agent's language with the original
// kept, the agent's own line says what the visitor read, a failure is marked; the switch sends
// chat.translate and follows the server's chat.translation.
func TestTranslatedLines(t *testing.T) {
	d := newDesk()
	d.Msg = catalog.For("en")
	d.Apply(protocol.Event{Body: &protocol.AgentReady{User: protocol.User{ID: 1, Name: "Anna", Lang: "en"},
		Chats: []protocol.ChatSummary{{ID: "c", State: protocol.StateActive, Translation: "on"}}}}, t0)
	c := d.Chat("c")
	visitor := &protocol.Message{Role: protocol.RoleVisitor, Name: "Greta", Text: "Ich suche ein Buch", At: t0,
		Translation: &protocol.Translation{From: "de", To: "en", Text: "I am looking for a book"}}
	agent := &protocol.Message{Role: protocol.RoleAgent, Name: "Anna", Text: "Here it is", At: t0,
		Translation: &protocol.Translation{From: "en", To: "de", Text: "Hier ist es"}}
	failed := &protocol.Message{Role: protocol.RoleVisitor, Name: "Greta", Text: "Danke", At: t0,
		Translation: &protocol.Translation{From: "de", To: "en", Failed: true}}
	d.Focused = false
	body := ""
	for i, m := range []*protocol.Message{visitor, agent, failed} {
		alerts, _ := d.Apply(protocol.Event{Chat: "c", Seq: uint64(i + 1), Body: m}, t0)
		for _, a := range alerts {
			if a.Kind == AlertNotify && body == "" {
				body = a.Body
			}
		}
	}
	d.Focused = true
	if body != "I am looking for a book" {
		t.Errorf("the notification reads %q", body)
	}
	if len(c.Lines) != 3 {
		t.Fatalf("lines %+v", c.Lines)
	}
	want := []struct{ text, original, note, other string }{
		{"I am looking for a book", "Ich suche ein Buch", "Translated from German", ""},
		{"Here it is", "", "The visitor read it in German:", "Hier ist es"},
		{"Danke", "", "Not translated: the translation service did not answer", ""},
	}
	for i, w := range want {
		text, original := c.Lines[i].Shown("en")
		note, other := c.Lines[i].TranslationNote(d.Msg, "en")
		if text != w.text || original != w.original || note != w.note || other != w.other {
			t.Errorf("line %d: %q %q %q %q, want %+v", i, text, original, note, other, w)
		}
	}
	// An agent of another language reads the original: the translation is not theirs.
	if text, original := c.Lines[0].Shown("fr"); text != "Ich suche ein Buch" || original != "" {
		t.Errorf("French agent reads %q (%q)", text, original)
	}
	if got, _ := c.Lines[0].TranslationNote(catalog.For("de"), "en"); got != "Übersetzt, Original auf Deutsch" {
		t.Errorf("German mark %q", got)
	}

	if !c.CanTranslate() || !c.Translating() {
		t.Fatal("the chat should offer its switch, on")
	}
	cmd, ok := d.SetTranslation("c", false)
	if b, isSet := cmd.Body.(*protocol.TranslateSet); !ok || !isSet || b.On || cmd.Chat != "c" {
		t.Fatalf("switch off: %+v %v", cmd, ok)
	}
	if c.Translating() {
		t.Fatal("the switch shows off at once")
	}
	if _, again := d.SetTranslation("c", false); again {
		t.Fatal("off twice")
	}
	// Another agent turns it on again: the switch follows, the conversation says so.
	d.Apply(protocol.Event{Chat: "c", Seq: 4, Body: &protocol.ChatTranslation{On: true, UserID: 2, Name: "Ben"}}, t0)
	if !c.Translating() || c.Lines[len(c.Lines)-1].Text != "Ben turned translation on" {
		t.Fatalf("after chat.translation: %q, %+v", c.Translation, c.Lines[len(c.Lines)-1])
	}
}

// An offer sent again with its question's translation replaces the card without ringing again,
// and the agent reads the question in their language; one in another language reads it as
// written.
func TestOfferTranslationReplacesTheOffer(t *testing.T) {
	d := newDesk()
	d.Msg = catalog.For("fr")
	d.Apply(protocol.Event{Body: &protocol.AgentReady{User: protocol.User{ID: 2, Name: "Ben", Lang: "fr"}}}, t0)
	o := protocol.Offer{Chat: "c", Visitor: "Greta", Question: "Wo ist meine Bestellung?", Expires: t0.Add(30e9)}
	alerts, _ := d.Apply(protocol.Event{Chat: "c", Body: &o}, t0)
	if len(alerts) == 0 || len(d.Offers) != 1 {
		t.Fatalf("first offer: alerts %+v, offers %d", alerts, len(d.Offers))
	}
	if text, from := QuestionShown(d.Offers[0].Offer, "fr"); text != "Wo ist meine Bestellung?" || from != "" {
		t.Fatalf("before the translation: %q from %q", text, from)
	}
	o.Translation = &protocol.Translation{From: "de", To: "fr", Text: "Où est ma commande ?"}
	alerts, _ = d.Apply(protocol.Event{Chat: "c", Body: &o}, t0)
	if len(alerts) != 0 || len(d.Offers) != 1 {
		t.Fatalf("offer sent again: alerts %+v, offers %d", alerts, len(d.Offers))
	}
	if text, from := QuestionShown(d.Offers[0].Offer, "fr"); text != "Où est ma commande ?" || from != "de" {
		t.Fatalf("after the translation: %q from %q", text, from)
	}
	if text, from := QuestionShown(d.Offers[0].Offer, "en"); text != "Wo ist meine Bestellung?" || from != "" {
		t.Fatalf("an English reader: %q from %q", text, from)
	}
}

// A chat.retranslation gives the lines it names their translation into its language: an agent
// of that language reads it, the first translation stays for others.
func TestRetranslationEvent(t *testing.T) {
	d := newDesk()
	d.Msg = catalog.For("fr")
	d.Apply(protocol.Event{Body: &protocol.AgentReady{User: protocol.User{ID: 2, Name: "Ben", Lang: "fr"},
		Chats: []protocol.ChatSummary{{ID: "c", State: protocol.StateActive, Translation: "on"}}}}, t0)
	c := d.Chat("c")
	d.Apply(protocol.Event{Chat: "c", Seq: 1, Body: &protocol.Message{Role: protocol.RoleVisitor, Name: "Greta", Text: "Ich suche ein Buch", At: t0,
		Translation: &protocol.Translation{From: "de", To: "en", Text: "I am looking for a book"}}}, t0)
	d.Apply(protocol.Event{Chat: "c", Seq: 2, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Anna", Text: "Which one?", At: t0}}, t0)
	if text, _ := c.Lines[0].Shown("fr"); text != "Ich suche ein Buch" {
		t.Fatalf("before: %q", text)
	}
	d.Apply(protocol.Event{Chat: "c", Seq: 3, Body: &protocol.ChatRetranslation{Lang: "fr", Lines: []protocol.RetranslatedLine{
		{Seq: 1, Translation: protocol.Translation{From: "de", To: "fr", Text: "Je cherche un livre"}},
		{Seq: 2, Translation: protocol.Translation{From: "en", To: "fr", Text: "Lequel ?"}},
	}}}, t0)
	if text, original := c.Lines[0].Shown("fr"); text != "Je cherche un livre" || original != "Ich suche ein Buch" {
		t.Fatalf("a French reader: %q (%q)", text, original)
	}
	if note, _ := c.Lines[0].TranslationNote(d.Msg, "fr"); note != "Traduit, original en allemand" {
		t.Fatalf("mark %q", note)
	}
	if text, _ := c.Lines[0].Shown("en"); text != "I am looking for a book" {
		t.Fatalf("an English reader: %q", text)
	}
	if text, _ := c.Lines[1].Shown("fr"); text != "Which one?" || c.Lines[1].Retranslation != nil {
		t.Fatalf("the agent's line changed: %q %+v", text, c.Lines[1].Retranslation)
	}
}
