package protocol

import (
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/survey"
)

func TestSurveyError(t *testing.T) {
	order := SurveyField{Name: "Order", Type: survey.TypeText, Enabled: true, Prompt: "?", Length: 2, ValidateLow: -1, ValidateHigh: -1}
	_, err := survey.CheckAll([]SurveyField{order}, map[string]string{"Order": "abc"})
	pe := SurveyError(err)
	if pe == nil || pe.Code != CodeTooLarge || pe.Field != "fields.Order" || !strings.Contains(pe.Message, "at most 2") {
		t.Errorf("SurveyError = %#v", pe)
	}
	email := SurveyField{Name: "F", Type: survey.TypeEmail, Enabled: true, Prompt: "?", Required: true, ValidateLow: -1, ValidateHigh: -1}
	pe = SurveyError(survey.Check(email, ""))
	if pe == nil || pe.Code != CodeInvalid || pe.Field != "fields.F" {
		t.Errorf("SurveyError = %#v", pe)
	}
	if SurveyError(errors.New("other")) != nil || SurveyError(nil) != nil || SurveyError(survey.Errors{}) != nil {
		t.Error("SurveyError of a foreign error")
	}
}

// FieldAsk takes exactly the survey model's field types.
func TestFieldAskTakesTheModelsTypes(t *testing.T) {
	ask := func(typ string) error {
		f := SurveyField{Name: "F", Type: typ, Enabled: true, Prompt: "?", Options: []string{"a"}, ValidateLow: -1, ValidateHigh: -1}
		return (&FieldAsk{Field: f}).Validate()
	}
	for _, typ := range survey.TypeNames() {
		if err := ask(typ); err != nil {
			t.Errorf("type %s refused: %v", typ, err)
		}
	}
	for _, typ := range []string{"", "colour", "Text"} {
		if err := ask(typ); err == nil {
			t.Errorf("type %q taken", typ)
		}
	}
}
