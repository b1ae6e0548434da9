package protocol

import "github.com/parleychat/parley/shared/survey"

// SurveyField describes one pre-chat, post-chat or requested field, with the WhosOn field
// model. The model is package survey's ([survey.Field]); the protocol carries it as it is, so
// the JSON of a field is the same wherever it is written.
type SurveyField = survey.Field

// SurveyError turns a refusal of survey answers by [survey.Check] or [survey.CheckAll] into
// the error event a client gets: code invalid (too_large for a too long answer or too many),
// Field "fields.<name>" as the protocol names map entries, so that a client can put the
// message next to the field. It returns nil for any other error.
func SurveyError(err error) *Error {
	var fe *survey.FieldError
	switch e := err.(type) {
	case *survey.FieldError:
		fe = e
	case survey.Errors:
		if len(e) > 0 {
			fe = e[0]
		}
	}
	if fe == nil {
		return nil
	}
	code := CodeInvalid
	if fe.Code == survey.CodeTooLong || fe.Code == survey.CodeTooMany {
		code = CodeTooLarge
	}
	field := "fields"
	if fe.Field != "" {
		field += "." + fe.Field
	}
	return &Error{Code: code, Field: field, Message: fe.Error()}
}
