package protocol

import (
	"errors"
	"strings"
	"testing"
)

func TestChatTransferValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		c     ChatTransfer
		field string
		code  Code
	}{
		{"no target", ChatTransfer{}, "user_id", CodeInvalid},
		{"two targets", ChatTransfer{UserID: 1, GroupID: 2}, "user_id", CodeInvalid},
		{"negative", ChatTransfer{GroupID: -1}, "group_id", CodeInvalid},
		{"unsafe id", ChatTransfer{ConnectorID: MaxSafeInteger + 1}, "connector_id", CodeInvalid},
		{"NUL in note", ChatTransfer{UserID: 1, Note: "a\x00b"}, "note", CodeInvalid},
		{"huge note", ChatTransfer{UserID: 1, Note: strings.Repeat("é", 4001)}, "note", CodeTooLarge},
		{"bad UTF-8", ChatTransfer{UserID: 1, Note: "\xff"}, "note", CodeInvalid},
		{"agent", ChatTransfer{UserID: 1, Note: "Kunde möchte Französisch"}, "", ""},
		{"group", ChatTransfer{GroupID: 1}, "", ""},
		{"connector", ChatTransfer{ConnectorID: 1}, "", ""},
	} {
		err := tc.c.Validate()
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != tc.code || pe.Field != tc.field {
			t.Errorf("%s: %#v, want %s on %s", tc.name, err, tc.code, tc.field)
		}
	}
}
