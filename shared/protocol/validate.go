package protocol

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
)

// checkRunes refuses a string that is not valid UTF-8, holds a NUL character or is longer
// than max characters.
func checkRunes(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return &Error{Code: CodeInvalid, Field: field, Message: field + " is not valid UTF-8"}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return errNUL(field)
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

// errNUL refuses text with the NUL character, which no text field may hold (databases refuse it,
// and C-based tools cut text at it).
func errNUL(field string) *Error {
	msg := "text must not contain the NUL character (U+0000)"
	if field != "" {
		msg = field + " must not contain the NUL character (U+0000)"
	}
	return &Error{Code: CodeInvalid, Field: field, Message: msg}
}

// MaxSafeInteger is the largest integer a browser's number holds exactly (2^53 - 1): no id or
// sequence number on the wire may exceed it.
const MaxSafeInteger = 1<<53 - 1

// checkSafe refuses a number a browser could not hold exactly.
func checkSafe(field string, v uint64) error {
	if v > MaxSafeInteger {
		return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf("%s must be at most %d", field, uint64(MaxSafeInteger))}
	}
	return nil
}

// hasEscapedNUL reports whether a JSON text holds the escape \u0000 outside another escape,
// that is a NUL character in some string. (A raw NUL byte is not valid JSON at all.)
func hasEscapedNUL(frame []byte) bool {
	for i := 0; i+6 <= len(frame); i++ {
		if frame[i] != '\\' {
			continue
		}
		if string(frame[i+1:i+6]) == "u0000" {
			return true
		}
		i++ // skip the escaped character: in \\u0000 the backslash is escaped, "u0000" is text
	}
	return false
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
