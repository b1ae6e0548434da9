package protocol

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The proactive examples join the README's, after the others.
func init() {
	commandExamples = append(commandExamples, Command{ID: "c31", Body: &VisitorInvite{Visitor: "pv_8Jk2", Text: "Hello! Can I help you choose a plan?"}})
	eventExamples = append(eventExamples, eventExample{To: "agent", Event: Event{Body: &VisitorsOnline{Visitors: []OnlineVisitor{{
		ID: "pv_8Jk2", Connector: "Website FR", Page: "https://www.example.com/pricing", Title: "Pricing",
		Referrer: "https://www.google.com/", Since: exampleTime.Add(-3 * time.Minute), Returning: true,
	}}}}})
}

func TestVisitorInviteValidate(t *testing.T) {
	cases := []struct {
		name string
		c    VisitorInvite
		code Code
	}{
		{"fine", VisitorInvite{Visitor: "pv_1", Text: "Hello"}, ""},
		{"no visitor", VisitorInvite{Text: "Hello"}, CodeInvalid},
		{"no text", VisitorInvite{Visitor: "pv_1", Text: "  "}, CodeInvalid},
		{"NUL", VisitorInvite{Visitor: "pv_1", Text: "a\x00b"}, CodeInvalid},
		{"huge visitor id", VisitorInvite{Visitor: strings.Repeat("v", 129), Text: "Hello"}, CodeTooLarge},
		{"huge text", VisitorInvite{Visitor: "pv_1", Text: strings.Repeat("x", 4001)}, CodeTooLarge},
	}
	for _, c := range cases {
		err := c.c.Validate()
		var pe *Error
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.code != "" && (!errors.As(err, &pe) || pe.Code != c.code):
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		}
	}
}
