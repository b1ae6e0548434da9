package survey_test

import (
	"fmt"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// The server checks a chat request's pre-chat answers against the connector's fields and
// stores what CheckAll returns; a refusal becomes the error event the widget shows next to
// the field.
func ExampleCheckAll() {
	fields := []survey.Field{
		{Name: "Company", Type: "company", Enabled: true, Prompt: "Company", ChangeCase: survey.CaseCapitalize, ValidateLow: -1, ValidateHigh: -1},
		{Name: "FindMethod", Type: "select", Enabled: true, Prompt: "How did you find us?", Required: true,
			Options: []string{"Google", "LinkedIn Ad"}, ValidateLow: -1, ValidateHigh: -1},
	}
	answers, err := survey.CheckAll(fields, map[string]string{"Company": " acme gmbh ", "FindMethod": "Google", "Campaign": "spring"})
	fmt.Println(answers, err)

	_, err = survey.CheckAll(fields, map[string]string{"FindMethod": "Bing"})
	fmt.Println(err)
	pe := protocol.SurveyError(err)
	fmt.Println(pe.Code, pe.Field)
	// Output:
	// map[Campaign:spring Company:Acme Gmbh FindMethod:Google] <nil>
	// FindMethod: must be one of the options
	// invalid fields.FindMethod
}

// A client without Go's regular expression engine passes its own; the widget uses the
// browser's RegExp. Without one, masks are left to the server.
func ExampleChecker() {
	order := survey.Field{Name: "Order", Type: "text", Enabled: true, Mask: `[A-Z]{2}\d{4}`, ChangeCase: survey.CaseUpper, ValidateLow: -1, ValidateHigh: -1}
	fmt.Println(survey.Checker{}.Check(order, "x"))
	fmt.Println(survey.Checker{Mask: survey.MatchMask}.Check(order, "x"))
	fmt.Println(survey.Check(order, "ab1234"), survey.Normalize(order, "ab1234"))
	// Output:
	// <nil>
	// Order: does not have the required format
	// <nil> AB1234
}
