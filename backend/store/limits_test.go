package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/survey"
)

// TestSharedLimits: the store's bounds are the protocol's, so what an admin may configure
// is what the widget and the server accept.
func TestSharedLimits(t *testing.T) {
	field := func(name string, length int) *SurveyField {
		return &SurveyField{Kind: SurveyPreChat, Field: survey.Field{Name: name, Type: "text", Prompt: "P", Length: length, ValidateLow: -1, ValidateHigh: -1}}
	}
	var fe *FieldError
	if err := field("a"+strings.Repeat("b", limits.DataKeyRunes-1), limits.MessageRunes).Validate(); err != nil {
		t.Fatalf("longest field name and length refused: %v", err)
	}
	if err := field("a"+strings.Repeat("b", limits.DataKeyRunes), 0).Validate(); !errors.As(err, &fe) || fe.Field != "Name" {
		t.Fatalf("field name over limits.DataKeyRunes: %v", err)
	}
	if err := field("a", limits.MessageRunes+1).Validate(); !errors.As(err, &fe) || fe.Field != "Length" {
		t.Fatalf("length over limits.MessageRunes: %v", err)
	}
	if err := (Toolbox{MaxMessageLength: limits.MessageRunes}).Validate(); err != nil {
		t.Fatalf("MaxMessageLength = limits.MessageRunes refused: %v", err)
	}
	if err := (Toolbox{MaxMessageLength: limits.MessageRunes + 1}).Validate(); err == nil {
		t.Fatal("MaxMessageLength over limits.MessageRunes accepted")
	}
}
