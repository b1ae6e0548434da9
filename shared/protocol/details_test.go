package protocol

import (
	"errors"
	"strings"
	"testing"
)

// The write-first and consent examples join the README's, after the others.
func init() {
	commandExamples = append(commandExamples,
		Command{ID: "c33", Chat: "ch_8ZqM2x", Body: &DetailsSubmit{Name: "Thomas Martin", Email: "thomas@example.com", Fields: map[string]string{"Company": "Acme SA"}}},
		Command{ID: "c34", Chat: "ch_8ZqM2x", Body: &PreviewConsent{On: false}},
	)
}

func TestWriteFirstValidate(t *testing.T) {
	cases := []struct {
		name string
		c    CommandBody
		code Code
	}{
		{"request without a name", &ChatRequest{Question: "Hi"}, CodeInvalid},
		{"later request without a name", &ChatRequest{Question: "Hi", Later: true}, ""},
		{"later request with a huge name", &ChatRequest{Name: strings.Repeat("n", 101), Later: true}, CodeTooLarge},
		{"later request with NUL", &ChatRequest{Question: "a\x00b", Later: true}, CodeInvalid},
		{"details", &DetailsSubmit{Name: "Ann", Fields: map[string]string{"Company": "Acme"}}, ""},
		{"details without anything", &DetailsSubmit{}, ""},
		{"details with a huge name", &DetailsSubmit{Name: strings.Repeat("n", 101)}, CodeTooLarge},
		{"details with a huge e-mail", &DetailsSubmit{Email: strings.Repeat("e", 300)}, CodeTooLarge},
		{"details with NUL", &DetailsSubmit{Name: "a\x00b"}, CodeInvalid},
		{"consent", &PreviewConsent{On: true}, ""},
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

func TestWriteFirstCommandsAreVisitorsOnly(t *testing.T) {
	for _, frame := range []string{
		`{"v":1,"id":"x","type":"details.submit","chat":"c","body":{"name":"Ann"}}`,
		`{"v":1,"id":"x","type":"preview.consent","chat":"c","body":{"on":true}}`,
	} {
		if _, err := DecodeCommand([]byte(frame), RoleVisitor); err != nil {
			t.Errorf("visitor: %s: %v", frame, err)
		}
		if _, err := DecodeCommand([]byte(frame), RoleAgent); err == nil {
			t.Errorf("agent may send %s", frame)
		}
		noChat := strings.Replace(frame, `"chat":"c",`, "", 1)
		if _, err := DecodeCommand([]byte(noChat), RoleVisitor); err == nil {
			t.Errorf("accepted without a chat: %s", noChat)
		}
	}
}
