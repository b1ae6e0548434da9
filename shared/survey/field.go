package survey

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/parleychat/parley/shared/i18n"
	"github.com/parleychat/parley/shared/limits"
)

// Field is one pre-chat, post-chat or requested survey field, with the WhosOn field model. It
// is the one description of a field in Parley: the protocol carries it as it is
// (protocol.SurveyField is this type, so its JSON is the protocol's), the store keeps the
// administrators' fields in it, the widget's codec reads and writes it, and [Check] judges
// answers by it.
type Field struct {
	// Name is the key the answer is stored under in the chat's fields; see [ValidName].
	Name string `json:"name"`
	// Type is one of [Types]; an unknown or empty type is treated as text.
	Type string `json:"type"`
	// Enabled says the field is asked; a disabled one is skipped.
	Enabled bool `json:"enabled"`
	// Prompt is the question the visitor sees.
	Prompt string `json:"prompt"`
	// Length is the most characters an answer may have; 0 for no limit but the protocol's
	// (see [MaxRunes]).
	Length int `json:"length,omitempty"`
	// MultiLine makes a text field a text area of Lines lines.
	MultiLine bool `json:"multi_line,omitempty"`
	Lines     int  `json:"lines,omitempty"`
	// Password hides what is typed.
	Password bool `json:"password,omitempty"`
	// ChangeCase is how text answers are stored: [CaseNone], [CaseUpper], [CaseCapitalize]
	// or [CaseLower].
	ChangeCase int `json:"change_case,omitempty"`
	// Mask is a regular expression the whole answer must match.
	Mask string `json:"mask,omitempty"`
	// Default is the answer a form shows before the visitor types (see [Default]);
	// DefaultDateToday and DefaultTimeToday make a date or time field start at now instead.
	Default          string `json:"default,omitempty"`
	DefaultDateToday bool   `json:"default_date_today,omitempty"`
	DefaultTimeToday bool   `json:"default_time_today,omitempty"`
	// SelectType draws a choice field as a drop-down list ([SelectDropDown]) or radio
	// buttons ([SelectRadio]).
	SelectType string `json:"select_type,omitempty"`
	// ValidateLow and ValidateHigh bound a numeric answer, -1 for no bound; a rating's
	// ValidateHigh is its number of stars (see [Range]).
	ValidateLow  int `json:"validate_low"`
	ValidateHigh int `json:"validate_high"`
	// Required refuses an empty answer (and an unticked yes/no box).
	Required bool `json:"required,omitempty"`
	// Options are a choice field's choices: the values answers are stored by, and their
	// labels in the field's base language.
	Options []string `json:"options,omitempty"`
	// Texts are the field's prompt and option labels in other languages, by language tag
	// ("de", "fr-BE"); see [Text]. The administrators' fields have them; [Localize] resolves
	// them for one visitor, so the protocol's events carry Prompt and Labels instead.
	Texts map[string]Text `json:"texts,omitempty"`
	// Labels are the options as the visitor reads them, in the order of Options, when
	// [Localize] found a label that differs from its value; a client shows an option with
	// [Label] and answers with its value. A client that knows nothing of labels shows the
	// values, as before.
	Labels []string `json:"labels,omitempty"`
	// HTML5Type is the HTML input type a client should use ("tel", "email", "range"), where
	// the field's type alone does not say.
	HTML5Type string `json:"html5_type,omitempty"`
}

// The field types of the WhosOn field model ([Field.Type]). An unknown or empty type is
// treated as text, so a type added here degrades to a text input in a client built before.
const (
	TypeText    = "text"
	TypeNumeric = "numeric"
	TypeDate    = "date"
	TypeTime    = "time"
	TypeBoolean = "boolean"
	TypeSelect  = "select"
	TypeRating  = "rating"
	TypeCompany = "company"
	TypeEmail   = "email"
	// TypeName takes the place of the visitor's name on the start form.
	TypeName = "name"
)

// FieldType is one type of the WhosOn field model, as forms offer it.
type FieldType struct {
	// Name is what a field's Type holds.
	Name string
	// Label is how an administrator's form offers the type.
	Label string
}

// Types lists every field type, in the order forms offer them. It is the one list of types:
// the store, the protocol's field.ask and the admin pages accept exactly these, and how each
// is normalized, checked and drawn is decided by the functions of this package. A type added
// here needs no other list changed.
var Types = []FieldType{
	{TypeText, "Text"},
	{TypeNumeric, "Number"},
	{TypeDate, "Date"},
	{TypeTime, "Time"},
	{TypeBoolean, "Yes / no"},
	{TypeSelect, "Choice"},
	{TypeRating, "Rating"},
	{TypeCompany, "Company"},
	{TypeEmail, "E-mail"},
	{TypeName, "Visitor name (replaces the name field)"},
}

// KnownType reports whether t is one of [Types].
func KnownType(t string) bool {
	for _, x := range Types {
		if x.Name == t {
			return true
		}
	}
	return false
}

// TypeNames lists the names of [Types], in order, for messages that say what to choose.
func TypeNames() []string {
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = t.Name
	}
	return names
}

// The ChangeCase values of the WhosOn field model.
const (
	CaseNone       = 0
	CaseUpper      = 1
	CaseCapitalize = 2
	CaseLower      = 3
)

// The SelectType values: how a choice field is drawn.
const (
	SelectDropDown = "select"
	SelectRadio    = "radio"
)

// Bounds of a field's settings, as the administrators' forms enforce them.
const (
	// MaxLines is the tallest text area.
	MaxLines = 20
	// MaxMaskBytes bounds a mask, so that a pattern stays readable and quick to compile.
	MaxMaskBytes = 500
)

// ValidName reports whether name may name a field: an ASCII letter, then ASCII letters,
// digits or _, at most limits.DataKeyRunes in all (the key of a chat's fields in every
// system that reads them).
func ValidName(name string) bool {
	if name == "" || len(name) > limits.DataKeyRunes {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '_')) {
			return false
		}
	}
	return true
}

// SettingError is a field definition an administrator got wrong: the setting at fault (the
// name of the [Field] member, such as "Options") and what to write instead, so that a form
// can put the message next to its input. Message is an English sentence whose numbered
// placeholders ("{0}") Args fill; it is a fixed text, so that the admin pages can show it in
// the reader's language.
type SettingError struct {
	Setting string
	Message string
	Args    []string
}

// Error implements error as "setting: message" with the placeholders filled.
func (e *SettingError) Error() string { return e.Setting + ": " + i18n.Fill(e.Message, e.Args) }

func settingErr(setting, msg string, args ...string) error {
	return &SettingError{Setting: setting, Message: msg, Args: args}
}

// CheckSettings tidies a field definition, as an administrator's form gives it, and checks it
// against WhosOn's rules. It trims the name and the prompt, drops blank options and makes a
// choice field a drop-down list unless it asks for radio buttons; then the first setting
// that is wrong, in the order of the form, is returned as a *SettingError; the texts of other
// languages are tidied by [TidyTexts] and their first problem of [CheckTexts] is a
// *SettingError of the setting "Texts". Masks are
// compiled with Go's RE2 engine, so only the server calls it. It is a function rather than a
// method of Field so that the browser apps, whose UI libraries look methods up by reflection,
// do not link it.
func CheckSettings(f *Field) error {
	f.Name = strings.TrimSpace(f.Name)
	f.Prompt = strings.TrimSpace(f.Prompt)
	if f.SelectType == "" {
		f.SelectType = SelectDropDown
	}
	clean := f.Options[:0:0]
	for _, o := range f.Options {
		if o = strings.TrimSpace(o); o != "" {
			clean = append(clean, o)
		}
	}
	f.Options = clean
	TidyTexts(f)
	f.Labels = nil
	switch {
	case !ValidName(f.Name):
		return settingErr("Name", "Use a letter, then letters, digits or _ (at most {0}).", strconv.Itoa(limits.DataKeyRunes))
	case !KnownType(f.Type):
		return settingErr("Type", "Choose one of {0}.", strings.Join(TypeNames(), ", "))
	case f.Prompt == "":
		return settingErr("Prompt", "Enter the question the visitor sees.")
	case textCode(f.Prompt) != "":
		return settingErr("Prompt", "Use at most {0} characters on one line.", strconv.Itoa(MaxTextRunes))
	case f.Length < 0 || f.Length > limits.MessageRunes:
		return settingErr("Length", "Enter 0 (no limit) to {0}.", strconv.Itoa(limits.MessageRunes))
	case f.MultiLine && (f.Lines < 1 || f.Lines > MaxLines):
		return settingErr("Lines", "A multi-line field needs 1 to {0} lines.", strconv.Itoa(MaxLines))
	case f.ChangeCase < CaseNone || f.ChangeCase > CaseLower:
		return settingErr("ChangeCase", "Choose none, upper, capitalise or lower.")
	case f.SelectType != SelectDropDown && f.SelectType != SelectRadio:
		return settingErr("SelectType", "Choose a drop-down list or radio buttons.")
	case f.Type == TypeSelect && len(f.Options) == 0:
		return settingErr("Options", "A choice field needs at least one option.")
	case slices.ContainsFunc(f.Options, func(o string) bool { return textCode(o) != "" }):
		return settingErr("Options", "An option may have at most {0} characters, without control characters.", strconv.Itoa(MaxTextRunes))
	case f.ValidateLow < -1 || f.ValidateHigh < -1:
		return settingErr("ValidateLow", "Use -1 for no limit.")
	case f.ValidateLow >= 0 && f.ValidateHigh >= 0 && f.ValidateLow > f.ValidateHigh:
		return settingErr("ValidateHigh", "The highest value must not be below the lowest.")
	case f.DefaultDateToday && f.Type != TypeDate:
		return settingErr("DefaultDateToday", "Only a date field can default to today.")
	case f.DefaultTimeToday && f.Type != TypeTime:
		return settingErr("DefaultTimeToday", "Only a time field can default to now.")
	case len(f.Mask) > MaxMaskBytes:
		return settingErr("Mask", "The pattern is too long.")
	}
	if f.Mask != "" {
		if _, err := regexp.Compile(f.Mask); err != nil {
			return settingErr("Mask", "This is not a regular expression Parley understands (RE2 syntax).")
		}
	}
	if f.Type == TypeSelect && f.Default != "" && !isOption(*f, f.Default) {
		return settingErr("Default", "The default must be one of the options.")
	}
	if problems := CheckTexts(*f); len(problems) > 0 {
		return settingErr("Texts", "The texts in {0} cannot be kept: use a language code like it, es or fr-BE, and one line of at most {1} characters each.", problems[0].Lang, strconv.Itoa(MaxTextRunes))
	}
	return nil
}
