package protocol

import (
	"encoding/json"
	"strings"
	"testing"
)

// The examples of direct.go's types join the canonical ones (examples_test.go).
func init() {
	commandExamples = append(commandExamples,
		Command{ID: "a20", Body: &DirectStart{UserID: 4, Text: "Do you have a minute for a question about an order?"}},
		Command{ID: "a21", Body: &Activity{}})
	eventExamples = append(eventExamples,
		eventExample{"agent", Event{Body: &ColleaguesChanged{}}})
}

// TestDirectStartValidate: the colleague must be named, the text must be a message.
func TestDirectStartValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  DirectStart
		code Code
	}{
		{"ok", DirectStart{UserID: 4, Text: "hi"}, ""},
		{"no colleague", DirectStart{Text: "hi"}, CodeInvalid},
		{"negative colleague", DirectStart{UserID: -1, Text: "hi"}, CodeInvalid},
		{"unsafe id", DirectStart{UserID: 1 << 60, Text: "hi"}, CodeInvalid},
		{"no text", DirectStart{UserID: 4, Text: "  "}, CodeInvalid},
		{"nul", DirectStart{UserID: 4, Text: "a\x00b"}, CodeInvalid},
		{"huge", DirectStart{UserID: 4, Text: strings.Repeat("x", 100000)}, CodeTooLarge},
	} {
		err := tc.cmd.Validate()
		var code Code
		if pe, ok := err.(*Error); ok {
			code = pe.Code
		} else if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if code != tc.code {
			t.Errorf("%s: code %q, want %q (%v)", tc.name, code, tc.code, err)
		}
	}
}

// TestDirectCommandsAgentsOnly: visitors cannot start agent chats or report activity.
func TestDirectCommandsAgentsOnly(t *testing.T) {
	for _, body := range []CommandBody{&DirectStart{UserID: 4, Text: "hi"}, &Activity{}} {
		frame, err := EncodeCommand(Command{ID: "x1", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeCommand(frame, RoleVisitor); err == nil {
			t.Errorf("a visitor sent %s", body.CommandType())
		}
		cmd, err := DecodeCommand(frame, RoleAgent)
		if err != nil {
			t.Fatalf("%s: %v", body.CommandType(), err)
		}
		if b, _ := json.Marshal(cmd.Body); len(b) == 0 {
			t.Fatal("empty body")
		}
	}
}
