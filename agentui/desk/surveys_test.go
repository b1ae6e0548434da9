package desk

import (
	"slices"
	"testing"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// surveyReady is an agent's start event with connector 1's survey: a choice with German and
// French texts and a rating after the chat, German the tenant's default language.
func surveyReady(chats ...protocol.ChatSummary) protocol.Event {
	ev := ready(chats...)
	r := ev.Body.(*protocol.AgentReady)
	r.SurveyLang = "de"
	r.Surveys = []protocol.ConnectorSurvey{{ConnectorID: 1,
		PreChat: []protocol.SurveyField{{Name: "topic", Type: survey.TypeSelect, Prompt: "Topic?", Options: []string{"bill", "ship"},
			Texts: map[string]survey.Text{
				"de": {Prompt: "Thema?", Options: map[string]string{"bill": "Rechnung", "ship": "Versand"}},
				"fr": {Prompt: "Sujet ?", Options: map[string]string{"bill": "Facture"}},
			}}},
		PostChat: []protocol.SurveyField{{Name: "stars", Type: survey.TypeRating, Prompt: "Rating", ValidateHigh: 5,
			Texts: map[string]survey.Text{"de": {Prompt: "Bewertung"}}}},
	}}
	return ev
}

// The details panel, the conversation's lines and the History view show a visitor's survey
// answers with the prompt and the option label of the agent's language, falling back to the
// tenant's default language; an answer of a field the connector no longer has, or of another
// connector, shows as stored; a later "surveys" change replaces the lists.
func TestSurveyAnswersInTheAgentsLanguage(t *testing.T) {
	d := newDesk()
	s := summary("a", 1)
	s.Visitor.Fields = map[string]string{"topic": "bill", "gone": "x"}
	d.Apply(surveyReady(s), t0)
	d.Apply(msg("a", 1, protocol.RoleVisitor, "Hi"), t0)
	c := d.Chat("a")
	entries := func() []FieldEntry { return c.Fields(FieldPreChat) }
	for _, tc := range []struct {
		lang string
		want []FieldEntry
	}{
		{"en", []FieldEntry{{Name: "gone", Label: "gone", Value: "x"}, {Name: "topic", Label: "Thema", Value: "Rechnung"}}},
		{"de-AT", []FieldEntry{{Name: "gone", Label: "gone", Value: "x"}, {Name: "topic", Label: "Thema", Value: "Rechnung"}}},
		{"fr", []FieldEntry{{Name: "gone", Label: "gone", Value: "x"}, {Name: "topic", Label: "Sujet", Value: "Facture"}}},
	} {
		d.Msg = catalog.For(tc.lang)
		if got := entries(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.lang, got, tc.want)
		}
	}

	// A post-chat answer arrives: its line and the feedback block in French, the prompt
	// falling back to German, the rating in stars.
	d.Apply(protocol.Event{Chat: "a", Seq: 2, Body: &protocol.FieldSet{Fields: map[string]string{"stars": "4"}, Survey: "post"}}, t0)
	if got := c.Fields(FieldFeedback); len(got) != 1 || got[0].Label != "Bewertung" || got[0].Value != d.Msg.T("{0} of {1} stars", "4", "5") {
		t.Errorf("feedback %+v", got)
	}
	if l := c.Lines[len(c.Lines)-1].Text; l != d.Msg.T("Visitor feedback, {0}: {1}", "Bewertung", d.Msg.T("{0} of {1} stars", "4", "5")) {
		t.Errorf("feedback line %q", l)
	}
	// Details given later by a write-first visitor count as pre-chat answers.
	d.Apply(protocol.Event{Chat: "a", Seq: 3, Body: &protocol.FieldSet{Fields: map[string]string{"topic": "ship"}, Survey: "pre"}}, t0)
	if l := c.Lines[len(c.Lines)-1].Text; l != d.Msg.T("Visitor answered {0}: {1}", "Sujet", "Versand") {
		t.Errorf("pre-chat line %q", l)
	}

	// The History view: the survey's order, then the others; another connector's chat shows
	// names and values.
	d.Msg = catalog.For("de")
	got := d.Surveys.Answers(d.Msg, 1, map[string]string{"zz": "1", "stars": "2", "topic": "ship", "blank": " "})
	want := []FieldEntry{{Name: "topic", Label: "Thema", Value: "Versand"}, {Name: "stars", Label: "Bewertung", Value: d.Msg.T("{0} of {1} stars", "2", "5")}, {Name: "zz", Label: "zz", Value: "1"}}
	if !slices.Equal(got, want) {
		t.Errorf("history %+v, want %+v", got, want)
	}
	if got := d.Surveys.Answers(d.Msg, 9, map[string]string{"topic": "bill"}); !slices.Equal(got, []FieldEntry{{Name: "topic", Label: "topic", Value: "bill"}}) {
		t.Errorf("other connector %+v", got)
	}

	// The lists change: the field is gone, its answer reads as stored.
	d.Apply(protocol.Event{Body: &protocol.SettingsChanged{Kind: "surveys", SurveyLang: "fr"}}, t0)
	if got := d.Surveys.Answers(d.Msg, 1, map[string]string{"topic": "bill"}); !slices.Equal(got, []FieldEntry{{Name: "topic", Label: "topic", Value: "bill"}}) {
		t.Errorf("after the change %+v", got)
	}
}
