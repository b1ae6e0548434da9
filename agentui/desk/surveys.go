package desk

import (
	"maps"
	"slices"
	"strings"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// Surveys are the survey fields of the tenant's connectors, with their texts in every
// language, as the server sent them (protocol.AgentReady.Surveys). The app reads a visitor's
// answers through them in the agent's own language: it alone knows that language, which
// follows the browser when the agent chose none, and a change of language needs no round
// trip. A server that sends none leaves answers shown by field name and stored value.
type Surveys struct {
	byConnector map[int64]protocol.ConnectorSurvey
	// Fallback is the tenant's default language, tried after the agent's.
	Fallback string
}

// set replaces the lists.
func (s *Surveys) set(list []protocol.ConnectorSurvey, fallback string) {
	s.byConnector = make(map[int64]protocol.ConnectorSurvey, len(list))
	for _, cs := range list {
		s.byConnector[cs.ConnectorID] = cs
	}
	s.Fallback = fallback
}

// Field finds the field that stores answers under name on a connector: among the post-chat
// fields first for a post-chat answer (post), else among the pre-chat fields first.
func (s *Surveys) Field(connector int64, name string, post bool) (protocol.SurveyField, bool) {
	cs, ok := s.byConnector[connector]
	if !ok {
		return protocol.SurveyField{}, false
	}
	lists := [][]protocol.SurveyField{cs.PreChat, cs.PostChat}
	if post {
		lists[0], lists[1] = lists[1], lists[0]
	}
	for _, l := range lists {
		for _, f := range l {
			if f.Name == name {
				return f, true
			}
		}
	}
	return protocol.SurveyField{}, false
}

// Answer is a stored survey answer as an agent reading t's language sees it: the field's
// prompt in that language (else the tenant's default language, else its base text) without
// a trailing colon or question mark, and the answer with a choice's option label in that
// language, yes or no, or stars. An answer no field of the connector stores shows as its
// name and value.
func (s *Surveys) Answer(t catalog.Printer, connector int64, name, value string, post bool) (label, shown string) {
	f, ok := s.Field(connector, name, post)
	if !ok {
		return name, value
	}
	lang := t.Lang()
	label = strings.TrimRight(strings.TrimSpace(survey.Localize(f, lang, s.Fallback).Prompt), ":?： ")
	if label == "" {
		label = name
	}
	return label, ShowValue(t, f, survey.AnswerIn(f, value, lang, s.Fallback))
}

// Answers lists a chat's stored answers as an agent reading t's language sees them (see
// [Surveys.Answer]): those of the connector's pre-chat fields, then its post-chat fields, in
// the surveys' order, then any others by name. Blank answers are left out.
func (s *Surveys) Answers(t catalog.Printer, connector int64, fields map[string]string) []FieldEntry {
	var out []FieldEntry
	done := map[string]bool{}
	add := func(name string, post bool) {
		v, ok := fields[name]
		if !ok || done[name] || strings.TrimSpace(v) == "" {
			return
		}
		done[name] = true
		label, shown := s.Answer(t, connector, name, v, post)
		out = append(out, FieldEntry{Name: name, Label: label, Value: shown})
	}
	cs := s.byConnector[connector]
	for _, f := range cs.PreChat {
		add(f.Name, false)
	}
	for _, f := range cs.PostChat {
		add(f.Name, true)
	}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		add(name, false)
	}
	return out
}
