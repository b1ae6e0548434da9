package chat

import (
	"context"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// surveyLists puts the survey fields of the tenant's connectors, with their texts in every
// language, and the tenant's default language into an agent's start event, so that the app
// shows the visitors' answers in the agent's language (protocol.AgentReady.Surveys).
func (s *Service) surveyLists(ctx context.Context, tenantID int64, ready *protocol.AgentReady) error {
	t, err := s.st.Tenant(ctx, tenantID)
	if err != nil {
		return err
	}
	conns, err := s.st.Connectors(ctx, tenantID)
	if err != nil {
		return err
	}
	ready.SurveyLang, ready.Surveys = t.DefaultLang, nil
	for _, c := range conns {
		fields, err := s.st.SurveyFields(ctx, c.ID, "")
		if err != nil {
			return err
		}
		cs := protocol.ConnectorSurvey{ConnectorID: c.ID}
		for _, f := range fields {
			if f.Kind == store.SurveyPostChat {
				cs.PostChat = append(cs.PostChat, f.Field)
			} else {
				cs.PreChat = append(cs.PreChat, f.Field)
			}
		}
		if len(cs.PreChat)+len(cs.PostChat) > 0 {
			ready.Surveys = append(ready.Surveys, cs)
		}
	}
	return nil
}

// surveysChanged shows a tenant's signed-in agents its connectors' survey fields as they are
// now, after a survey, a connector or the tenant's default language changed.
func (s *Service) surveysChanged(ctx context.Context, tenantID int64) error {
	var ready protocol.AgentReady
	if err := s.surveyLists(ctx, tenantID, &ready); err != nil {
		return err
	}
	s.toAgentsOf(tenantID, "surveys", &protocol.SettingsChanged{Kind: "surveys", Surveys: ready.Surveys, SurveyLang: ready.SurveyLang})
	return nil
}
