package chat

import (
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// A tenant that translates offers the chat's languages; the visitor picks one, the request
// asks for it, and the agent's lines translated into it read translated with the original
// kept. A line translated into another language, or not at all, reads as written.
func TestTranslatedChat(t *testing.T) {
	h := newHarness(t, Config{})
	c := open()
	c.TranslateLanguages = []string{"en", "de", "fr"}
	h.connect(c)
	if !slices.Equal(h.m.ChatLanguages(), []string{"en", "de", "fr"}) {
		t.Fatalf("languages %v", h.m.ChatLanguages())
	}
	h.m.SetChatLanguage("es") // not offered: the widget's own
	if h.m.chatLang() != "en" {
		t.Fatalf("chat language %q", h.m.chatLang())
	}
	h.m.SetChatLanguage("fr")
	h.m.StartChat("Ann", "", "", nil)
	out := h.sent()
	if req := out[0].Body.(*protocol.ChatRequest); req.Lang != "fr" {
		t.Fatalf("request lang %q", req.Lang)
	}
	h.event("", 0, out[0].ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	h.durable(&protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: "How can I help?", At: h.now,
		Translation: &protocol.Translation{From: "en", To: "fr", Text: "Comment puis-je aider ?"}})
	h.durable(&protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: "One moment", At: h.now,
		Translation: &protocol.Translation{From: "en", To: "fr", Failed: true}})
	h.durable(&protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: "Hallo", At: h.now,
		Translation: &protocol.Translation{From: "en", To: "de", Text: "Hallo!"}})
	var got [][2]string
	for _, it := range h.m.Items {
		if it.Kind == ItemAgent {
			got = append(got, [2]string{it.Text, it.Original})
		}
	}
	want := [][2]string{{"Comment puis-je aider ?", "How can I help?"}, {"One moment", ""}, {"Hallo", ""}}
	if !slices.Equal(got, want) {
		t.Fatalf("agent lines %v, want %v", got, want)
	}

	// Without translation there is no choice.
	h2 := newHarness(t, Config{})
	h2.connect(open())
	if h2.m.ChatLanguages() != nil {
		t.Fatalf("languages offered without translation: %v", h2.m.ChatLanguages())
	}
}

// A page load in the middle of a translated chat keeps the chat's language and the originals:
// the next agent line still reads translated.
func TestTranslatedChatSurvivesAPageLoad(t *testing.T) {
	h := newHarness(t, Config{})
	c := open()
	c.TranslateLanguages = []string{"en", "fr"}
	h.connect(c)
	h.m.SetChatLanguage("fr")
	h.m.StartChat("Ann", "", "", nil)
	out := h.sent()
	h.event("", 0, out[0].ID, &protocol.Ack{Chat: "chat1", Token: "tok1"})
	h.durable(&protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: "Hello", At: h.now,
		Translation: &protocol.Translation{From: "en", To: "fr", Text: "Bonjour"}})
	m := Restore(Config{Connector: "HASH", IDPrefix: "p"}, h.m.Snapshot(h.now), h.now, time.Hour)
	if m.ChatLang != "fr" {
		t.Fatalf("chat language %q after the load", m.ChatLang)
	}
	last := m.Items[len(m.Items)-1]
	if last.Text != "Bonjour" || last.Original != "Hello" {
		t.Fatalf("restored line %+v", last)
	}
	m.Handle(protocol.Event{Chat: "chat1", Seq: m.LastSeq + 1, Body: &protocol.Message{Role: protocol.RoleAgent, Name: "Bea", Text: "Bye", At: h.now,
		Translation: &protocol.Translation{From: "en", To: "fr", Text: "Au revoir"}}}, h.now)
	if last := m.Items[len(m.Items)-1]; last.Text != "Au revoir" || last.Original != "Bye" {
		t.Fatalf("next line %+v", last)
	}
}
