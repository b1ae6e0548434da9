package desk

import (
	"github.com/parleychat/parley/agentui/catalog"

	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// The agent asks the visitor for a field (WhosOn requestfield): the desk keeps the "Ask for…"
// form of each chat, checks it with the protocol's rules before anything is sent, and follows
// each request from field.ask through its ack to the visitor's answer (a field.set).

// AskPart names a part of the "Ask for…" form, for its inputs and its error messages.
type AskPart string

// The parts of the form. AskGeneral holds a message that belongs to no one input.
const (
	AskGeneral  AskPart = ""
	AskPrompt   AskPart = "prompt"
	AskName     AskPart = "name"
	AskType     AskPart = "type"
	AskOptions  AskPart = "options"
	AskRequired AskPart = "required"
	// AskFileTypes is the file types of a request for a file (fileask.go).
	AskFileTypes AskPart = "file-types"
)

// AnswerType is an answer type the form offers, with its label.
type AnswerType struct {
	Type  string
	Label string
}

// AnswerTypes are the answer types an agent picks from, in the order shown: the types of the
// survey model (survey.Types) that make sense to ask for during a chat.
var AnswerTypes = []AnswerType{
	{survey.TypeText, "Text"},
	{survey.TypeNumeric, "Number"},
	{survey.TypeDate, "Date"},
	{survey.TypeEmail, "E-mail address"},
	{survey.TypeSelect, "Choice"},
	{survey.TypeBoolean, "Yes / no"},
	{survey.TypeRating, "Rating (1 to 5 stars)"},
}

// RatingStars is the scale of a rating the agent asks for.
const RatingStars = survey.DefaultStars

// maxNameRunes bounds a field name derived from the prompt; the agent may type a longer one
// up to limits.DataKeyRunes.
const maxNameRunes = 40

// maxAsksKept bounds the requests remembered per chat.
const maxAsksKept = 30

// Presets are the fields agents ask for most, one click each.
var Presets = []protocol.SurveyField{
	askField("OrderNumber", "text", "Order number"),
	askField("Email", "email", "E-mail address"),
	withHTML5(askField("Phone", "text", "Phone number"), "tel"),
	askField("CustomerNumber", "text", "Customer number"),
}

// askField is a required field as the form sends it: enabled, no numeric bounds.
func askField(name, typ, prompt string) protocol.SurveyField {
	return protocol.SurveyField{Name: name, Type: typ, Enabled: true, Prompt: prompt, Required: true, ValidateLow: -1, ValidateHigh: -1}
}

func withHTML5(f protocol.SurveyField, t string) protocol.SurveyField {
	f.HTML5Type = t
	return f
}

// AskForm is the "Ask for…" form of a chat as the agent fills it in. The field name follows
// the prompt until the agent edits it.
type AskForm struct {
	// Custom is set when the agent chose Custom instead of a preset.
	Custom   bool
	Prompt   string
	Name     string
	Type     string
	Options  string // one per line
	Required bool
	// NameEdited is set once the agent typed a name of their own.
	NameEdited bool
	// Errors are the messages to show next to the inputs, by part.
	Errors map[AskPart]string
	// Sending is the id of the field.ask (or file.ask) awaiting its ack; the form waits and
	// then closes.
	Sending string
	// FileTypes are the file types of a request for a file, as the agent typed them
	// ("pdf, png"); none asks for any type the site takes.
	FileTypes string
}

// Field is the field the form describes, as field.ask sends it.
func (f *AskForm) Field() protocol.SurveyField {
	sf := askField(strings.TrimSpace(f.Name), f.Type, strings.TrimSpace(f.Prompt))
	sf.Required = f.Required
	switch f.Type {
	case survey.TypeSelect:
		sf.Options = OptionLines(f.Options)
		sf.SelectType = survey.SelectDropDown
		if len(sf.Options) <= 4 {
			sf.SelectType = survey.SelectRadio
		}
	case survey.TypeRating:
		sf.ValidateHigh = RatingStars
	}
	return sf
}

// OptionLines splits the options typed one per line, without blank lines and repeats.
func OptionLines(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// CheckField checks a field before it is asked for, with the rules of field.ask, and returns
// a message for each part that is wrong (none when the field may be sent).
// The messages are in the agent's language.
func CheckField(t catalog.Printer, f protocol.SurveyField) map[AskPart]string {
	errs := map[AskPart]string{}
	switch n := utf8.RuneCountInString(f.Prompt); {
	case strings.TrimSpace(f.Prompt) == "":
		errs[AskPrompt] = t.T("Enter what the visitor is asked.")
	case n > 200:
		errs[AskPrompt] = t.T("The question is too long: at most {0} characters.", "200")
	}
	switch {
	case f.Name == "":
		errs[AskName] = t.T("Enter a field name.")
	case utf8.RuneCountInString(f.Name) > limits.DataKeyRunes:
		errs[AskName] = t.T("The field name is too long.")
	case !survey.ValidName(f.Name):
		errs[AskName] = t.T("Use letters and digits only, starting with a letter.")
	}
	if !survey.KnownType(f.Type) {
		errs[AskType] = t.T("Choose an answer type.")
	}
	if f.Type == survey.TypeSelect {
		switch {
		case len(f.Options) == 0:
			errs[AskOptions] = t.T("Enter at least one option, one per line.")
		case len(f.Options) > limits.DataEntries:
			errs[AskOptions] = t.T("Too many options.")
		}
		for _, o := range f.Options {
			if utf8.RuneCountInString(o) > 200 {
				errs[AskOptions] = t.T("An option is too long: at most {0} characters.", "200")
			}
		}
	}
	if len(errs) == 0 {
		// The protocol's own check is the last word, so that nothing it refuses is sent.
		if err := (&protocol.FieldAsk{Field: f}).Validate(); err != nil {
			errs[partOf(err)] = errText(t, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// fold spells common accented letters in ASCII, for field names.
var fold = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'Ä': "Ae", 'Ö': "Oe", 'Ü': "Ue", 'ß': "ss",
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'å': "a", 'ç': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ñ': "n", 'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ø': "o",
	'ù': "u", 'ú': "u", 'û': "u", 'ý': "y", 'ÿ': "y", 'æ': "ae", 'œ': "oe",
	'À': "A", 'Á': "A", 'Â': "A", 'Å': "A", 'Ç': "C", 'È': "E", 'É': "E", 'Ê': "E", 'Ñ': "N", 'Ó': "O", 'Ø': "O", 'Ú': "U",
}

// FieldName derives a field name from a prompt: its words in CamelCase, letters and digits
// only, starting with a letter ("Your order number?" gives "YourOrderNumber").
func FieldName(prompt string) string {
	var b strings.Builder
	n := 0
	upper := true
	for _, r := range prompt {
		s := string(r)
		if f, ok := fold[r]; ok {
			s = f
		} else if !(isLetter(r) || r >= '0' && r <= '9') {
			upper = true
			continue
		}
		for _, c := range s {
			if n == 0 && !isLetter(c) {
				continue // a name starts with a letter
			}
			if n >= maxNameRunes {
				return b.String()
			}
			if upper {
				c = []rune(strings.ToUpper(string(c)))[0]
				upper = false
			}
			b.WriteRune(c)
			n++
		}
	}
	return b.String()
}

// partOf maps the field of a protocol error ("field.name") to the form's part.
func partOf(err error) AskPart {
	pe, ok := err.(*protocol.Error)
	if !ok {
		return AskGeneral
	}
	switch strings.TrimPrefix(pe.Field, "field.") {
	case "prompt":
		return AskPrompt
	case "name":
		return AskName
	case "type":
		return AskType
	case "options":
		return AskOptions
	}
	return AskGeneral
}

// errText is an error's message for the agent, starting with a capital letter.
func errText(t catalog.Printer, err error) string {
	msg := err.Error()
	if pe, ok := err.(*protocol.Error); ok {
		msg = pe.Message
	}
	if msg == "" {
		return t.T("The visitor could not be asked.")
	}
	r, size := utf8.DecodeRuneInString(msg)
	return strings.ToUpper(string(r)) + msg[size:]
}

// Ask is a field the agent asked the visitor for in a chat.
type Ask struct {
	// ID is the id of the field.ask command.
	ID    string               `json:"id"`
	Field protocol.SurveyField `json:"field"`
	At    time.Time            `json:"at"`
	// After is the chat's sequence number when it was asked: only a later field.set answers it.
	After uint64 `json:"after,omitempty"`
	// Acked is set when the server sent the request to the visitor.
	Acked bool `json:"acked,omitempty"`
	// Answered is set when the visitor's answer arrived, Answer holding it.
	Answered bool   `json:"answered,omitempty"`
	Answer   string `json:"answer,omitempty"`

	lined bool // its "Asked the visitor" line is in the conversation
}

// Label is how the agent sees the field: its prompt without a trailing colon or question
// mark, else its name.
func (a *Ask) Label() string {
	if l := strings.TrimRight(strings.TrimSpace(a.Field.Prompt), ":?： "); l != "" {
		return l
	}
	return a.Field.Name
}

// ShowValue is an answer as the agent reads it: yes or no for a yes/no field, stars for a
// rating, the value itself otherwise.
func ShowValue(t catalog.Printer, f protocol.SurveyField, v string) string {
	switch f.Type {
	case survey.TypeBoolean:
		switch v {
		case survey.Yes:
			return t.T("Yes")
		case survey.No:
			return t.T("No")
		}
	case survey.TypeRating:
		high := f.ValidateHigh
		if high <= 0 {
			high = RatingStars
		}
		if v != "" {
			return t.T("{0} of {1} stars", v, strconv.Itoa(high))
		}
	}
	return v
}

// Waiting are the requests of the chat the visitor has not answered yet, oldest first; none
// once the chat has ended.
func (c *Chat) Waiting() []*Ask {
	if c.Closed {
		return nil
	}
	var out []*Ask
	for _, a := range c.Asks {
		if !a.Answered {
			out = append(out, a)
		}
	}
	return out
}

// asked returns the newest request for the field name, or nil.
func (c *Chat) asked(name string) *Ask {
	for i := len(c.Asks) - 1; i >= 0; i-- {
		if c.Asks[i].Field.Name == name {
			return c.Asks[i]
		}
	}
	return nil
}

// FieldOrigin says how a visitor's field came to be.
type FieldOrigin int

// The origins of fields.
const (
	// FieldPreChat: given with the chat request (the pre-chat form), or not known otherwise.
	FieldPreChat FieldOrigin = iota
	// FieldAsked: the visitor answered an agent's request.
	FieldAsked
	// FieldFeedback: a post-chat survey answer.
	FieldFeedback
)

// FieldEntry is one of the visitor's fields as the details panel shows it.
type FieldEntry struct {
	Name  string
	Label string
	Value string
	// Waiting is set for a request not yet answered (Value is empty).
	Waiting bool
}

// Fields returns the visitor's fields of one origin: those asked for in the order they were
// asked, followed by the requests still waiting for an answer; the others by name.
func (c *Chat) Fields(origin FieldOrigin) []FieldEntry {
	var out []FieldEntry
	for k, v := range c.Visitor.Fields {
		if c.origin[k] != origin {
			continue
		}
		e := FieldEntry{Name: k, Label: k, Value: v}
		switch {
		case origin == FieldAsked:
			if a := c.asked(k); a != nil {
				e.Label, e.Value = a.Label(), ShowValue(c.printer(), a.Field, v)
			}
		case c.surveys != nil:
			e.Label, e.Value = c.surveys.Answer(c.printer(), c.ConnectorID, k, v, origin == FieldFeedback)
		}
		out = append(out, e)
	}
	// Fields asked for come in the order they were asked, the others by name.
	rank := func(name string) int {
		if origin == FieldAsked {
			for i, a := range c.Asks {
				if a.Field.Name == name {
					return i
				}
			}
		}
		return len(c.Asks)
	}
	sort.Slice(out, func(i, j int) bool {
		if ri, rj := rank(out[i].Name), rank(out[j].Name); ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	if origin == FieldAsked {
		for _, a := range c.Waiting() {
			out = append(out, FieldEntry{Name: a.Field.Name, Label: a.Label(), Waiting: true})
		}
	}
	return out
}

// OpenAsk opens the "Ask for…" form of chat id, or closes it when it is open. It reports
// whether the form is open.
func (d *Desk) OpenAsk(id string) bool {
	c := d.Chat(id)
	if c == nil {
		return false
	}
	if c.Form != nil {
		if c.Form.Sending == "" {
			c.Form = nil
		}
		return c.Form != nil
	}
	if c.Closed {
		return false
	}
	c.Form = &AskForm{Type: "text", Required: true}
	return true
}

// CloseAsk closes the form of chat id, unless its request is on its way.
func (d *Desk) CloseAsk(id string) {
	if c := d.Chat(id); c != nil && c.Form != nil && c.Form.Sending == "" {
		c.Form = nil
	}
}

// EditAsk takes what the agent typed or chose in one part of the form of chat id; for the
// required checkbox any value but "" and "false" ticks it. Changing the prompt changes the
// field name too, until the agent typed a name of their own.
func (d *Desk) EditAsk(id string, part AskPart, value string) {
	c := d.Chat(id)
	if c == nil || c.Form == nil || c.Form.Sending != "" {
		return
	}
	f := c.Form
	switch part {
	case AskPrompt:
		f.Prompt = value
		if !f.NameEdited {
			f.Name = FieldName(value)
			delete(f.Errors, AskName)
		}
	case AskName:
		f.Name = value
		f.NameEdited = strings.TrimSpace(value) != ""
		if !f.NameEdited {
			f.Name = FieldName(f.Prompt)
		}
	case AskType:
		f.Type = value
		if value == survey.TypeSelect || value == survey.TypeBoolean || value == survey.TypeRating {
			delete(f.Errors, AskOptions)
		}
	case AskOptions:
		f.Options = value
	case AskRequired:
		f.Required = value != "" && value != "false"
	case AskFileTypes:
		f.FileTypes = value
	}
	delete(f.Errors, part)
	delete(f.Errors, AskGeneral)
}

// ChooseCustom shows the custom field's inputs in the form of chat id ("Custom…").
func (d *Desk) ChooseCustom(id string) {
	if c := d.Chat(id); c != nil && c.Form != nil && c.Form.Sending == "" {
		c.Form.Custom = true
	}
}

// AskCustom asks for the field the form of chat id describes; see [Desk.Ask].
func (d *Desk) AskCustom(id string, now time.Time) (protocol.Command, bool) {
	c := d.Chat(id)
	if c == nil || c.Form == nil {
		return protocol.Command{}, false
	}
	return d.Ask(id, c.Form.Field(), now)
}

// Ask asks the visitor of chat id for field f. A field the protocol would refuse is not sent:
// the reasons show in the chat's form, next to the parts concerned. The request waits for
// its ack like a message, and is re-sent after a reconnect.
func (d *Desk) Ask(id string, f protocol.SurveyField, now time.Time) (protocol.Command, bool) {
	c := d.Chat(id)
	if c == nil {
		return protocol.Command{}, false
	}
	if c.Form == nil {
		c.Form = &AskForm{Type: "text", Required: true}
	}
	form := c.Form
	if form.Sending != "" {
		return protocol.Command{}, false
	}
	f.Enabled = true
	if c.Closed {
		form.Errors = map[AskPart]string{AskGeneral: d.Msg.T("This chat has ended.")}
		return protocol.Command{}, false
	}
	if errs := CheckField(d.Msg, f); errs != nil {
		if !form.Custom {
			// A preset is fine by construction; should it not be, say so in the form.
			for _, p := range []AskPart{AskGeneral, AskPrompt, AskName, AskType, AskOptions} {
				if msg, ok := errs[p]; ok {
					errs = map[AskPart]string{AskGeneral: msg}
					break
				}
			}
		}
		form.Errors = errs
		return protocol.Command{}, false
	}
	cmd := d.command(id, &protocol.FieldAsk{Field: f})
	form.Sending, form.Errors = cmd.ID, nil
	c.addAsk(&Ask{ID: cmd.ID, Field: f, At: now, After: c.LastSeq})
	return cmd, true
}

// addAsk records a request; one for the same field replaces an unanswered earlier one, as the
// server keeps one open request per field.
func (c *Chat) addAsk(a *Ask) {
	for i, x := range c.Asks {
		if x.Field.Name == a.Field.Name && !x.Answered {
			c.Asks = append(c.Asks[:i], c.Asks[i+1:]...)
			break
		}
	}
	c.Asks = append(c.Asks, a)
	if n := len(c.Asks) - maxAsksKept; n > 0 {
		c.Asks = append(c.Asks[:0], c.Asks[n:]...)
	}
}

// askAcked settles a field.ask the server took: the form closes, the conversation says what
// the visitor was asked, and the request waits for the answer.
func (d *Desk) askAcked(cmd protocol.Command, b *protocol.FieldAsk, now time.Time) {
	c := d.Chat(cmd.Chat)
	if c == nil {
		return
	}
	if c.Form != nil && c.Form.Sending == cmd.ID {
		c.Form = nil
	}
	a := c.askByID(cmd.ID)
	if a == nil {
		// Restored from before a reload without its record: rebuild it from the command.
		a = &Ask{ID: cmd.ID, Field: b.Field, At: now, After: c.LastSeq}
		c.addAsk(a)
	}
	a.Acked = true
	c.placeAskLines()
}

// placeAskLines puts the "Asked the visitor" line of each acknowledged request into the
// conversation, after the durable line the chat had when it was asked. The line is the app's
// own, not the server's: after a reload the requests kept come back first, and each line
// takes its place once the replayed history has reached it.
func (c *Chat) placeAskLines() {
	for _, a := range c.Asks {
		if !a.Acked || a.lined || c.LastSeq < a.After {
			continue
		}
		p := 0
		for i, l := range c.Lines {
			if l.Seq != 0 && l.Seq <= a.After {
				p = i + 1
			}
		}
		for p < len(c.Lines) && c.Lines[p].Seq == 0 && c.Lines[p].Kind == LineEvent {
			p++ // after the lines of earlier requests
		}
		l := Line{Kind: LineEvent, Text: c.msgT("Asked the visitor: {0}", strings.TrimSpace(a.Field.Prompt)), At: a.At}
		c.Lines = append(c.Lines, Line{})
		copy(c.Lines[p+1:], c.Lines[p:])
		c.Lines[p] = l
		a.lined = true
	}
}

// askRefused settles a field.ask the server refused: the reason shows in the form, next to
// the part concerned; it reports whether there was a form to show it in.
func (d *Desk) askRefused(cmd protocol.Command, e *protocol.Error) bool {
	c := d.Chat(cmd.Chat)
	if c == nil {
		return false
	}
	for i, a := range c.Asks {
		if a.ID == cmd.ID {
			c.Asks = append(c.Asks[:i], c.Asks[i+1:]...)
			break
		}
	}
	if c.Form == nil || c.Form.Sending != cmd.ID {
		return false
	}
	c.Form.Sending = ""
	part := partOf(e)
	if !c.Form.Custom {
		part = AskGeneral
	}
	c.Form.Errors = map[AskPart]string{part: errText(d.Msg, e)}
	return true
}

// askByID returns the request sent by command id, or nil.
func (c *Chat) askByID(id string) *Ask {
	for _, a := range c.Asks {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// Asks returns the requests of every chat, for the app to keep across a reload of the tab.
func (d *Desk) Asks() map[string][]Ask {
	out := map[string][]Ask{}
	for _, c := range d.Chats {
		for _, a := range c.Asks {
			kept := *a
			kept.lined = false // a new page shows no line yet
			out[c.ID] = append(out[c.ID], kept)
		}
	}
	return out
}

// RestoreAsks puts back the requests kept across a reload; each chat takes its own when it
// appears.
func (d *Desk) RestoreAsks(asks map[string][]Ask) {
	if d.restored == nil {
		d.restored = map[string][]Ask{}
	}
	for id, list := range asks {
		if c := d.Chat(id); c != nil {
			for i := range list {
				if c.askByID(list[i].ID) == nil {
					a := list[i]
					c.addAsk(&a)
				}
			}
			continue
		}
		d.restored[id] = list
	}
}

// takeRestored gives a chat that just appeared its requests from before a reload.
func (d *Desk) takeRestored(c *Chat) {
	for i := range d.restored[c.ID] {
		a := d.restored[c.ID][i]
		c.addAsk(&a)
	}
	delete(d.restored, c.ID)
}

// answered records the visitor's answer to a request; it returns the request, or nil when the
// field was not asked for (in this chat since seq).
func (c *Chat) answered(name, value string, seq uint64) *Ask {
	for _, a := range c.Asks {
		if a.Field.Name == name && !a.Answered && (seq == 0 || seq > a.After) {
			a.Answered, a.Answer = true, value
			return a
		}
	}
	return nil
}
