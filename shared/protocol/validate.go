package protocol

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
)

// checkRunes refuses a string that is not valid UTF-8 or longer than max characters.
func checkRunes(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return &Error{Code: CodeInvalid, Field: field, Message: field + " is not valid UTF-8"}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return &Error{Code: CodeTooLarge, Field: field, Message: fmt.Sprintf("%s has %d characters, at most %d are allowed", field, n, max)}
	}
	return nil
}

// required refuses a string that is empty after trimming white space.
func required(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return &Error{Code: CodeInvalid, Field: field, Message: field + " is required"}
	}
	return nil
}

// checkData refuses free-form maps with too many entries or oversized keys and values.
func checkData(field string, m map[string]string) error {
	if len(m) > limits.DataEntries {
		return &Error{Code: CodeTooLarge, Field: field, Message: fmt.Sprintf("%s has %d entries, at most %d are allowed", field, len(m), limits.DataEntries)}
	}
	for k, v := range m {
		if k == "" {
			return &Error{Code: CodeInvalid, Field: field, Message: field + " has an empty key"}
		}
		if err := checkRunes(field+"."+k, k, limits.DataKeyRunes); err != nil {
			return err
		}
		if err := checkRunes(field+"."+k, v, limits.DataValueRunes); err != nil {
			return err
		}
	}
	return nil
}

// firstErr returns the first non-nil error, so that a Validate method reads as a list of checks.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// CheckMessage validates a chat message text: not blank and at most max characters (max ≤ 0
// means [limits.MessageRunes]). Clients call it before sending, the server on receipt.
func CheckMessage(text string, max int) error {
	if max <= 0 || max > limits.MessageRunes {
		max = limits.MessageRunes
	}
	return firstErr(required("text", text), checkRunes("text", text, max))
}
