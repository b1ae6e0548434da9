package desk

import (
	"strings"
	"unicode"
	"unicode/utf16"
)

// Insert puts s into text at pos, counted in UTF-16 code units as a browser's text field
// counts its cursor (a pos outside the text means its end), and returns the new text and the
// cursor after s. Text that is only white space (a stray new line) is not kept. With spaced
// (an emoji), a space goes before s when the text before the cursor does not end in white
// space, so that the emoji does not stick to the word before it; at the very start none does.
func Insert(text string, pos int, s string, spaced bool) (string, int) {
	units := utf16.Encode([]rune(text))
	if pos < 0 || pos > len(units) {
		pos = len(units)
	}
	if strings.TrimSpace(text) == "" {
		units, pos = nil, 0
	}
	if spaced && pos > 0 {
		before := utf16.Decode(units[:pos])
		if len(before) > 0 && !unicode.IsSpace(before[len(before)-1]) {
			s = " " + s
		}
	}
	ins := utf16.Encode([]rune(s))
	out := make([]uint16, 0, len(units)+len(ins))
	out = append(append(append(out, units[:pos]...), ins...), units[pos:]...)
	return string(utf16.Decode(out)), pos + len(ins)
}
