// Package survey owns the survey-field model of Parley (WhosOn's: [Field] and the list of
// field types, [Types]) and normalizes and validates the answers to pre-chat, post-chat and
// agent-requested fields, so that the visitor widget refuses an answer for the same reason the
// server does, and both store the same normalized value. The protocol, the store, the admin
// pages, the widget and the agent app all take the model from here, so a field type or a
// field setting is added in one place.
//
// It imports only the standard library and builds for GOOS=js GOARCH=wasm. The regular
// expression engine is the one part too big for the widget (about 100 KB brotli), so mask
// checking is injectable: [Check] and [CheckAll] use Go's RE2 engine through [MatchMask],
// while a [Checker] takes any [MaskFunc] (the widget passes the browser's RegExp), or none.
// An unused [MatchMask] is dropped by the linker.
package survey

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
)

// Rating scales: a rating field's ValidateHigh is its number of stars; without one it has
// DefaultStars, and never more than MaxStars, so that a mistyped setting cannot draw a
// hundred stars.
const (
	DefaultStars = 5
	MaxStars     = 10
)

// The normalized boolean answers, as WhosOn's DefaultValue "Y" suggests.
const (
	Yes = "Y"
	No  = "N"
)

// Formats of date and time answers, as HTML's date and time inputs give them.
const (
	DateLayout = "2006-01-02"
	TimeLayout = "15:04"
)

// Code says why an answer was refused. Clients choose their localized message by code, never
// by the English [FieldError.Message]. Adding a code is an API change; renaming one breaks
// clients.
type Code string

// The codes of refused answers.
const (
	CodeRequired    Code = "required"      // no answer (a required checkbox left unticked)
	CodeTooLong     Code = "too_long"      // more characters than Length (or limits.DataValueRunes)
	CodeBadNumber   Code = "bad_number"    // a numeric or rating answer that is not a number
	CodeOutOfRange  Code = "out_of_range"  // a number outside ValidateLow..ValidateHigh, a rating outside 1..stars
	CodeBadDate     Code = "bad_date"      // not a date as YYYY-MM-DD
	CodeBadTime     Code = "bad_time"      // not a time as HH:MM
	CodeBadEmail    Code = "bad_email"     // not an e-mail address
	CodeNotAnOption Code = "not_an_option" // a choice that is not offered (or a boolean that is not yes or no)
	CodeMask        Code = "mask"          // does not match the field's Mask
	CodeTooMany     Code = "too_many"      // CheckAll: more answers than limits.DataEntries
	CodeBadKey      Code = "bad_key"       // CheckAll: an extra answer's name is empty or too long
)

// FieldError is a refused answer: the field's name, a stable code and a plain-English message
// (for logs and API clients; people see a localized text chosen by Code).
type FieldError struct {
	Field   string
	Code    Code
	Message string
}

// Error implements error as "field: message".
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Errors lists every refused answer of a form in field order, so a form can mark each field
// at once. errors.As finds the first one as a *FieldError.
type Errors []*FieldError

// Error implements error: the first refusal, and how many more there are.
func (e Errors) Error() string {
	switch len(e) {
	case 0:
		return "no errors"
	case 1:
		return e[0].Error()
	}
	return e[0].Error() + " (and " + strconv.Itoa(len(e)-1) + " more)"
}

// Unwrap lets errors.Is and errors.As look at each refusal.
func (e Errors) Unwrap() []error {
	out := make([]error, len(e))
	for i, fe := range e {
		out[i] = fe
	}
	return out
}

// Of returns the refusal of the named field, or nil.
func (e Errors) Of(field string) *FieldError {
	for _, fe := range e {
		if fe.Field == field {
			return fe
		}
	}
	return nil
}

// MaskFunc reports whether value matches pattern as a whole (like HTML's pattern attribute:
// the pattern is anchored at both ends). valid is false when pattern is not a regular
// expression the engine understands; the mask is then ignored.
type MaskFunc func(pattern, value string) (match, valid bool)

// Checker validates answers with a chosen mask engine. The zero Checker skips mask checks: fit
// for a client, since the server checks masks anyway.
type Checker struct {
	// Mask matches a field's Mask; nil skips mask checks.
	Mask MaskFunc
}

// Check validates one answer (as [Normalize] would store it) with masks matched by Go's RE2
// engine. The error is a *FieldError.
func Check(f Field, value string) error {
	// The checker is made here, not held in a variable, so that a program that never calls
	// Check (the widget) does not link the regular expression engine.
	return Checker{Mask: MatchMask}.Check(f, value)
}

// CheckAll validates a set of answers with masks matched by Go's RE2 engine; see
// [Checker.CheckAll].
func CheckAll(fields []Field, answers map[string]string) (map[string]string, error) {
	return Checker{Mask: MatchMask}.CheckAll(fields, answers)
}

// Normalize returns the answer as it is stored: valid UTF-8, line breaks as "\n" in a
// multi-line field and as spaces elsewhere, trimmed; then per type: booleans as "Y" or "N",
// times as HH:MM, and text, name, company and e-mail answers in the field's ChangeCase.
// Choices keep their case, since they must equal an option.
func Normalize(f Field, value string) string {
	v := value
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	if strings.ContainsAny(v, "\r\n") {
		sep := " "
		if f.MultiLine {
			sep = "\n"
		}
		v = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", sep), "\r", sep), "\n", sep)
	}
	v = strings.TrimSpace(v)
	switch f.Type {
	case TypeBoolean:
		if b, ok := parseBool(v); ok {
			return b
		}
	case TypeTime:
		if t, err := time.Parse(TimeLayout, v); err == nil {
			return t.Format(TimeLayout)
		}
	case TypeNumeric, TypeRating, TypeDate, TypeSelect:
	default:
		v = changeCase(v, f.ChangeCase)
	}
	return v
}

// parseBool reads the yes/no spellings clients send: Y/N, yes/no, true/false, 1/0, on/off.
func parseBool(v string) (string, bool) {
	switch strings.ToLower(v) {
	case "y", "yes", "true", "1", "on":
		return Yes, true
	case "n", "no", "false", "0", "off":
		return No, true
	}
	return "", false
}

// changeCase applies WhosOn's ChangeCase. Capitalizing makes the first letter of each word
// upper case and the rest lower case (as word processors do); a word runs over letters,
// digits and apostrophes, so "o'neil-smith" becomes "O'neil-Smith".
func changeCase(v string, mode int) string {
	switch mode {
	case CaseUpper:
		return strings.ToUpper(v)
	case CaseLower:
		return strings.ToLower(v)
	case CaseCapitalize:
		var b strings.Builder
		b.Grow(len(v))
		inWord := false
		for _, r := range v {
			switch {
			case unicode.IsLetter(r):
				if inWord {
					r = unicode.ToLower(r)
				} else {
					r = unicode.ToUpper(r)
				}
				inWord = true
			case unicode.IsDigit(r) || unicode.IsMark(r) || r == '\'' || r == '’':
				inWord = inWord || unicode.IsDigit(r)
			default:
				inWord = false
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	return v
}

// MaxRunes is the longest answer the field takes, in characters: its Length when set, and
// never more than a protocol map value may hold (limits.DataValueRunes).
func MaxRunes(f Field) int {
	if f.Length > 0 && f.Length < limits.DataValueRunes {
		return f.Length
	}
	return limits.DataValueRunes
}

// Range returns the bounds a numeric or rating answer must keep, -1 for none: a numeric
// field's ValidateLow and ValidateHigh (WhosOn's unset 0 and 0 mean no bounds), a rating's 1
// to its number of stars. Other types have none.
func Range(f Field) (low, high int) {
	switch f.Type {
	case TypeRating:
		high = f.ValidateHigh
		if high <= 0 {
			high = DefaultStars
		}
		return 1, min(high, MaxStars)
	case TypeNumeric:
		low, high = f.ValidateLow, f.ValidateHigh
		if low == 0 && high == 0 {
			return -1, -1
		}
		return max(low, -1), max(high, -1)
	}
	return -1, -1
}

// Default is the value a form shows before the visitor types: today's date or the current
// time (in now's time zone, so pass the visitor's local time) when the field asks for it,
// else its DefaultValue normalized; "" when that is not one of a choice field's options.
func Default(f Field, now time.Time) string {
	switch {
	case f.Type == TypeDate && f.DefaultDateToday:
		return now.Format(DateLayout)
	case f.Type == TypeTime && f.DefaultTimeToday:
		return now.Format(TimeLayout)
	}
	v := Normalize(f, f.Default)
	if f.Type == TypeSelect && !isOption(f, v) {
		return ""
	}
	return v
}

func isOption(f Field, v string) bool {
	for _, o := range f.Options {
		if strings.TrimSpace(o) == v {
			return true
		}
	}
	return false
}

// IsEmail reports whether the field takes an e-mail address: type email, or a text field
// whose HTML5Type is email (as WhosOn's transcript address field).
func IsEmail(f Field) bool {
	return f.Type == TypeEmail || strings.EqualFold(f.HTML5Type, "email")
}

func fieldErr(f Field, code Code, msg string) *FieldError {
	return &FieldError{Field: f.Name, Code: code, Message: msg}
}

// Check validates one answer, as [Normalize] would store it, against the field's rules, in
// this order: required (a required boolean must be "Y": a box to tick), length, the type's
// format (number, rating, date, time, e-mail, choice, yes or no), the numeric range, and the
// mask. An empty answer to a field that is not required passes. The error is a *FieldError.
func (c Checker) Check(f Field, value string) error {
	if fe := c.check(f, Normalize(f, value)); fe != nil {
		return fe
	}
	return nil
}

// check validates a normalized answer.
func (c Checker) check(f Field, v string) *FieldError {
	if v == "" || (f.Type == TypeBoolean && f.Required && v == No) {
		if f.Required {
			return fieldErr(f, CodeRequired, "an answer is required")
		}
		return nil
	}
	if n, maxRunes := utf8.RuneCountInString(v), MaxRunes(f); n > maxRunes {
		return fieldErr(f, CodeTooLong, "at most "+strconv.Itoa(maxRunes)+" characters are allowed, not "+strconv.Itoa(n))
	}
	switch f.Type {
	case TypeNumeric:
		x, ok := parseNumber(v)
		if !ok {
			return fieldErr(f, CodeBadNumber, "must be a number like 42 or 3.5")
		}
		if low, high := Range(f); (low >= 0 && x < float64(low)) || (high >= 0 && x > float64(high)) {
			return fieldErr(f, CodeOutOfRange, rangeText(low, high))
		}
	case TypeRating:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fieldErr(f, CodeBadNumber, "must be a whole number of stars")
		}
		if low, high := Range(f); n < low || n > high {
			return fieldErr(f, CodeOutOfRange, rangeText(low, high))
		}
		return nil
	case TypeDate:
		if _, err := time.Parse(DateLayout, v); err != nil {
			return fieldErr(f, CodeBadDate, "must be a date as YYYY-MM-DD")
		}
	case TypeTime:
		if _, err := time.Parse(TimeLayout, v); err != nil || len(v) != len(TimeLayout) {
			return fieldErr(f, CodeBadTime, "must be a time as HH:MM")
		}
	case TypeBoolean:
		if v != Yes && v != No {
			return fieldErr(f, CodeNotAnOption, "must be Y or N")
		}
		return nil
	case TypeSelect:
		if !isOption(f, v) {
			return fieldErr(f, CodeNotAnOption, "must be one of the options")
		}
		return nil
	}
	if IsEmail(f) && !validEmail(v) {
		return fieldErr(f, CodeBadEmail, "must be an e-mail address like name@example.com")
	}
	if f.Mask != "" && c.Mask != nil {
		if match, valid := c.Mask(f.Mask, v); valid && !match {
			return fieldErr(f, CodeMask, "does not have the required format")
		}
	}
	return nil
}

func rangeText(low, high int) string {
	switch {
	case low >= 0 && high >= 0:
		return "must be from " + strconv.Itoa(low) + " to " + strconv.Itoa(high)
	case low >= 0:
		return "must be at least " + strconv.Itoa(low)
	}
	return "must be at most " + strconv.Itoa(high)
}

// parseNumber reads a plain decimal number: an optional sign, digits and at most one decimal
// point (what a number input gives). Exponents, hexadecimal, "Inf" and "NaN", which ParseFloat
// would take, are refused.
func parseNumber(v string) (float64, bool) {
	s := v
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	x, err := strconv.ParseFloat(v, 64)
	return x, err == nil
}

// validEmail is a deliberately simple check that catches typing mistakes without refusing
// real addresses: one @, a local part of printable characters without spaces, and a domain
// of at least two dot-separated labels of letters, digits and hyphens (any script, for
// internationalized domains).
func validEmail(v string) bool {
	if utf8.RuneCountInString(v) > limits.EmailRunes {
		return false
	}
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at > 64 || at == len(v)-1 {
		return false
	}
	local, domain := v[:at], v[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		if r <= ' ' || r == 0x7f || strings.ContainsRune("\"(),:;<>@[\\]", r) || unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 || utf8.RuneCountInString(labels[len(labels)-1]) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
				return false
			}
		}
	}
	return true
}

// CheckAll normalizes and validates the answers to a survey: every enabled field is checked
// (an enabled field without an answer counts as empty), in order, and every refusal is listed
// in the [Errors] it returns. Answers to other names are kept, as WhosOn records extra fields
// against the chat, with their names checked (not empty, at most limits.DataKeyRunes
// characters) and their values trimmed and bounded; the whole set may hold at most
// limits.DataEntries answers. Empty answers are left out of the result. On error the map is
// nil.
func (c Checker) CheckAll(fields []Field, answers map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(answers))
	known := make(map[string]bool, len(fields))
	var errs Errors
	for _, f := range fields {
		if !f.Enabled || known[f.Name] {
			continue
		}
		known[f.Name] = true
		v := Normalize(f, answers[f.Name])
		if fe := c.check(f, v); fe != nil {
			errs = append(errs, fe)
			continue
		}
		if v != "" {
			out[f.Name] = v
		}
	}
	extra := Field{Type: TypeText, MultiLine: true}
	for _, k := range sortedKeys(answers) {
		if known[k] {
			continue
		}
		if strings.TrimSpace(k) == "" || utf8.RuneCountInString(k) > limits.DataKeyRunes || !utf8.ValidString(k) {
			errs = append(errs, &FieldError{Field: k, Code: CodeBadKey, Message: "an answer's name must have 1 to " + strconv.Itoa(limits.DataKeyRunes) + " characters"})
			continue
		}
		extra.Name = k
		v := Normalize(extra, answers[k])
		if fe := c.check(extra, v); fe != nil {
			errs = append(errs, fe)
			continue
		}
		if v != "" {
			out[k] = v
		}
	}
	if len(out) > limits.DataEntries {
		errs = append(errs, &FieldError{Code: CodeTooMany, Message: "at most " + strconv.Itoa(limits.DataEntries) + " answers are allowed, not " + strconv.Itoa(len(out))})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// sortedKeys returns the map's keys in order, so that refusals come in the same order each
// time.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
