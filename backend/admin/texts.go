package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/i18n"
	"github.com/parleychat/parley/shared/texts"
)

// textRow is one text of the texts form: its key, a name a person understands and where the
// visitor meets it, so that nobody has to know jtel's key names to change a text.
type textRow struct {
	Key, Label, Where string
}

// textGroup is a heading of the texts form, the texts in the order a visitor meets them.
type textGroup struct {
	Title string
	Rows  []textRow
}

// textGroups orders every key of package texts under a heading; a test checks that none is
// missing, so a new key shows up in the form.
var textGroups = []textGroup{
	{msgKey("The widget"), []textRow{
		{texts.Title, msgKey("Title"), msgKey("The heading at the top of the chat widget.")},
		{texts.EditorPlaceholder, msgKey("Message box hint"), msgKey("Shown in the empty box where the visitor types.")},
	}},
	{msgKey("Starting and waiting"), []textRow{
		{texts.WelcomeMessage, msgKey("Welcome"), msgKey("The first line of every chat.")},
		{texts.Waiting1, msgKey("First waiting message"), msgKey("Sent while no agent has answered yet (time set on the Settings tab).")},
		{texts.Waiting2, msgKey("Second waiting message"), msgKey("Sent later while the visitor still waits.")},
		{texts.WaitingFinal, msgKey("Final waiting message"), msgKey("Sent when the visitor has waited too long and the chat ends.")},
		{texts.QueueMessage, msgKey("Queue position"), msgKey("Sent once a minute to a queued visitor.")},
	}},
	{msgKey("During the chat"), []textRow{
		{texts.AgentTyping, msgKey("Agent typing"), msgKey("Shown while the agent writes.")},
		{texts.Transferring, msgKey("Transfer"), msgKey("Shown when the chat is handed to another agent.")},
		{texts.IdleWarning, msgKey("Idle warning"), msgKey("Sent to a visitor who has not written for a while, before the chat closes.")},
	}},
	{msgKey("No agents and goodbye"), []textRow{
		{texts.NoAgents, msgKey("No agents"), msgKey("Shown when no agent can take the chat.")},
		{texts.OutOfService, msgKey("Out of service"), msgKey("Shown when the connector is out of service or closed.")},
		{texts.Bye, msgKey("Goodbye"), msgKey("Sent when the chat ends.")},
		{texts.ByeNoAgent, msgKey("Goodbye without agent"), msgKey("Sent when the chat ends before an agent joined.")},
	}},
}

// languageNames name Parley's languages in the column headings; other tags stand for
// themselves.
var languageNames = map[string]string{"en": msgKey("English"), "de": msgKey("German"), "fr": msgKey("French")}

// textsData is what the texts page shows: the form's columns, the rules its script checks
// with, the connector's texts as JSON for export.
type textsData struct {
	Conn   store.Connector
	Groups []textGroup
	// Langs are the language columns; the form has a column for the text of every language
	// ("") before them.
	Langs []string
	// Rules is the JSON the page's script reads (see textRules).
	Rules string
	// JSON is the connector's texts in the import/export format.
	JSON string
	// ImportOpen opens the import section (after a refused import).
	ImportOpen bool
}

// cellName is the form field of key's text in lang ("" for every language).
func cellName(key, lang string) string {
	if lang == "" {
		return "t." + key
	}
	return "t." + key + "." + lang
}

// cellID is the element id of a cell, safe in CSS selectors and fragment links.
func cellID(key, lang string) string {
	return "t-" + key + "-" + strings.NewReplacer("-", "_").Replace(lang)
}

// languageLabel names a column's language in the request's language: "German (de)".
func languageLabel(ctx context.Context, lang string) string {
	switch {
	case lang == "":
		return tr(ctx, "Any language")
	case languageNames[lang] != "":
		return tr(ctx, "{0} ({1})", shown(ctx, languageNames[lang]), lang)
	}
	return lang
}

// cellLabel names a cell for screen readers: the text and the language.
func cellLabel(ctx context.Context, r textRow, lang string) string {
	return tr(ctx, "{0}, {1}", shown(ctx, r.Label), languageLabel(ctx, lang))
}

// textsForm fills the form from a connector's texts.
func textsForm(conn store.Connector, langs []string) *Form {
	f := newForm(nil)
	for _, k := range texts.Keys {
		f.Set(cellName(k, ""), texts.Cell(conn.Texts, k, ""))
		for _, l := range langs {
			f.Set(cellName(k, l), texts.Cell(conn.Texts, k, l))
		}
	}
	return f
}

// fallbackOf is the placeholder of a cell: what the visitor sees while the cell is empty.
func fallbackOf(ctx context.Context, conn store.Connector, f *Form, key, lang string) string {
	if lang == "" {
		return tr(ctx, "Each language's default")
	}
	if v := strings.TrimSpace(f.Get(cellName(key, ""))); v != "" {
		return v
	}
	if key == texts.Title && conn.Title != "" {
		return conn.Title
	}
	return texts.Resolve(nil, key, lang)
}

// keyRule is what the page's script knows of one key.
type keyRule struct {
	Allowed  []string            `json:"allowed"`
	Required map[string][]string `json:"required"` // by language; "" for every other
	Max      int                 `json:"max"`
	Single   bool                `json:"single"`
	Defaults map[string]string   `json:"defaults"`
	TooLong  string              `json:"tooLong"`
	Unknown  string              `json:"unknown"` // with {p} for the placeholder
}

// problemText says what is wrong with a text in the request's language, as
// texts.Problem.Error does in English.
func problemText(ctx context.Context, p texts.Problem) string {
	switch p.Kind {
	case texts.ProblemNUL:
		return tr(ctx, "The text contains a NUL character; remove it.")
	case texts.ProblemControl:
		return tr(ctx, "The text contains an invisible control character; remove it.")
	case texts.ProblemInvalidUTF8:
		return tr(ctx, "The text is not valid UTF-8; type it again.")
	case texts.ProblemLineBreak:
		return tr(ctx, "This text is shown on one line; remove the line break.")
	case texts.ProblemTooLong:
		return tr(ctx, "At most {0} characters.", printerOf(ctx).Int(int64(p.Max)))
	case texts.ProblemUnknown:
		if len(p.Allowed) == 0 {
			return tr(ctx, "{0} is not filled in here; this text takes no placeholders.", p.Placeholder)
		}
		return tr(ctx, "{0} is not filled in here; use {1}.", p.Placeholder, strings.Join(p.Allowed, ", "))
	case texts.ProblemMissing:
		return tr(ctx, "Keep the placeholder {0}: it is where the value goes.", p.Placeholder)
	}
	return p.Error()
}

// textRules are the rules of package texts for the page's script, with the messages the server
// gives in the request's language, so that the live check and the save say the same.
func textRules(ctx context.Context, conn store.Connector) string {
	const mark = "\x00P"
	keys := map[string]keyRule{}
	for _, k := range texts.Keys {
		r := keyRule{Allowed: texts.Placeholders(k), Required: map[string][]string{"": texts.Required(k, "")},
			Max: texts.MaxRunes(k), Single: texts.SingleLine(k), Defaults: map[string]string{},
			TooLong: problemText(ctx, texts.Problem{Kind: texts.ProblemTooLong, Max: texts.MaxRunes(k)}),
			Unknown: strings.ReplaceAll(problemText(ctx, texts.Problem{Kind: texts.ProblemUnknown, Placeholder: mark, Allowed: texts.Placeholders(k)}), mark, "{p}")}
		if r.Allowed == nil {
			r.Allowed = []string{}
		}
		for _, l := range texts.Languages {
			r.Required[l] = texts.Required(k, l)
			r.Defaults[l] = texts.Resolve(nil, k, l)
		}
		keys[k] = r
	}
	messages := map[string]string{}
	for _, kind := range []texts.ProblemKind{texts.ProblemNUL, texts.ProblemControl, texts.ProblemLineBreak} {
		messages[string(kind)] = problemText(ctx, texts.Problem{Kind: kind})
	}
	messages["missing"] = strings.ReplaceAll(problemText(ctx, texts.Problem{Kind: texts.ProblemMissing, Placeholder: mark}), mark, "{p}")
	b, _ := json.Marshal(map[string]any{
		"pattern": texts.PlaceholderPattern, "keys": keys, "messages": messages, "title": conn.Title,
		"samples": previewSamples,
	})
	return string(b)
}

func (h *handlers) textsPage(c *fiber.Ctx, status int, conn store.Connector, langs []string, f *Form, importOpen bool) error {
	p := h.page(c, tr(c.UserContext(), "Texts of {0}", conn.Name), "connectors")
	p.Back, p.BackLabel = "/admin/connectors/"+i64(conn.ID), conn.Name
	d := textsDataOf(c.UserContext(), conn, langs, importOpen)
	if !f.Values.Has("json") {
		f.Set("json", d.JSON)
	}
	return render(c, status, textsPage(p, d, f))
}

func textsDataOf(ctx context.Context, conn store.Connector, langs []string, importOpen bool) textsData {
	return textsData{Conn: conn, Groups: textGroups, Langs: langs, Rules: textRules(ctx, conn), JSON: textsJSON(conn.Texts), ImportOpen: importOpen}
}

func (h *handlers) textsEdit(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	langs := texts.LanguagesOf(conn.Texts)
	return h.textsPage(c, fiber.StatusOK, conn, langs, textsForm(conn, langs), false)
}

// postedLanguages reads the form's language columns: Parley's languages always, then the
// posted ones that are valid tags, each once, at most texts.MaxLanguages.
func postedLanguages(f *Form) []string {
	langs := slices.Clone(texts.Languages)
	for _, l := range f.All("lang") {
		l = strings.TrimSpace(l)
		if len(langs) < texts.MaxLanguages && texts.Check(map[string]string{texts.Title + "#" + l: ""}) == nil &&
			!slices.ContainsFunc(langs, func(o string) bool { return strings.EqualFold(o, l) }) {
			langs = append(langs, l)
		}
	}
	return langs
}

// cellsOf checks every cell of the posted form, recording problems next to their cells in the
// request's language, and returns the texts it holds.
func cellsOf(ctx context.Context, f *Form, langs []string) map[string]string {
	out := map[string]string{}
	for _, k := range texts.Keys {
		for _, l := range append([]string{""}, langs...) {
			v := strings.ReplaceAll(f.Get(cellName(k, l)), "\r\n", "\n")
			if problems := texts.CheckText(k, l, v); len(problems) > 0 {
				f.Errors[cellName(k, l)] = joinProblems(ctx, problems)
				continue
			}
			if l == "" {
				out[k] = v
			} else {
				out[k+"#"+l] = v
			}
		}
	}
	return out
}

// joinProblems says everything wrong with one text, in the request's language.
func joinProblems(ctx context.Context, problems []texts.Problem) string {
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = problemText(ctx, p)
	}
	return strings.Join(msgs, " ")
}

func (h *handlers) textsSave(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	f := newForm(formValues(c))
	langs := postedLanguages(f)
	if f.Get("action") == "add-lang" {
		return h.textsAddLanguage(c, conn, langs, f)
	}
	cells := cellsOf(c.UserContext(), f, langs)
	if !f.OK() {
		return h.textsPage(c, fiber.StatusUnprocessableEntity, conn, langs, f, false)
	}
	conn.Texts = texts.Minimal(cells, conn.Title)
	if conn, err = h.st.UpdateConnector(c.UserContext(), conn); err != nil {
		return err
	}
	h.log.Info("connector texts saved", "by", current(c).User.ID, "connector", conn.ID)
	return saved(c, "/admin/connectors/"+i64(conn.ID)+"/texts")
}

// textsAddLanguage shows the form again with a column for one more language, keeping what was
// typed; nothing is saved until the admin saves.
func (h *handlers) textsAddLanguage(c *fiber.Ctx, conn store.Connector, langs []string, f *Form) error {
	l := strings.TrimSpace(f.Get("new_lang"))
	switch {
	case l == "":
		f.errorf("new_lang", "Enter a language code, e.g. it or fr-BE.")
	case texts.Check(map[string]string{texts.Title + "#" + l: ""}) != nil:
		f.errorf("new_lang", "\"{0}\" is not a language code like it or fr-BE.", l)
	case slices.ContainsFunc(langs, func(o string) bool { return strings.EqualFold(o, l) }):
		f.errorf("new_lang", "There is a column for {0} already.", l)
	case len(langs) >= texts.MaxLanguages:
		f.errorf("new_lang", "A connector has texts for at most {0} languages.", itoa(texts.MaxLanguages))
	}
	if !f.OK() {
		return h.textsPage(c, fiber.StatusUnprocessableEntity, conn, langs, f, false)
	}
	f.Values.Del("new_lang")
	return h.textsPage(c, fiber.StatusOK, conn, append(langs, l), f, false)
}

// textsExport sends the connector's texts as a JSON file in the import format.
func (h *handlers) textsExport(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	c.Set(fiber.HeaderContentType, "application/json; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="texts-%d.json"`, conn.ID))
	return c.SendString(textsJSON(conn.Texts) + "\n")
}

// textsImport replaces the connector's texts with those of a JSON object in the export format.
func (h *handlers) textsImport(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	f := newForm(formValues(c))
	m, err := ParseTexts(f.Get("json"))
	var te *textsError
	switch {
	case errors.As(err, &te):
		msg := te.msg
		f.errorf("json", msg, te.args...)
	case err != nil:
		return err
	}
	if f.OK() {
		m = texts.Minimal(m, conn.Title)
		if langs := texts.LanguagesOf(m); len(langs) > texts.MaxLanguages {
			f.errorf("json", "The texts are in {0} languages; a connector has texts for at most {1}.", itoa(len(langs)), itoa(texts.MaxLanguages))
		}
		for _, k := range sortedKeys(m) {
			key, lang, _ := strings.Cut(k, "#")
			if problems := texts.CheckText(key, lang, m[k]); len(problems) > 0 && f.OK() {
				f.errorf("json", "{0}: {1}", k, joinProblems(c.UserContext(), problems))
			}
		}
	}
	if !f.OK() {
		langs := texts.LanguagesOf(conn.Texts)
		form := textsForm(conn, langs)
		form.Errors, form.args, form.Values["json"] = f.Errors, f.args, []string{f.Get("json")}
		return h.textsPage(c, fiber.StatusUnprocessableEntity, conn, langs, form, true)
	}
	conn.Texts = m
	if conn, err = h.st.UpdateConnector(c.UserContext(), conn); err != nil {
		return err
	}
	h.log.Info("connector texts imported", "by", current(c).User.ID, "connector", conn.ID)
	return saved(c, "/admin/connectors/"+i64(conn.ID)+"/texts")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// textsJSON renders a connector's resources as indented JSON, keys in jtel's order with
// their language variants after each.
func textsJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{\n}"
	}
	keys := sortedKeys(m)
	rank := func(k string) int {
		base, _, _ := strings.Cut(k, "#")
		if i := slices.Index(texts.Keys, base); i >= 0 {
			return i
		}
		return len(texts.Keys)
	}
	sort.SliceStable(keys, func(i, j int) bool { return rank(keys[i]) < rank(keys[j]) })
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, k := range keys {
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(m[k])
		b.WriteString("  " + string(kb) + ": " + string(vb))
		if i < len(keys)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.String()
}

// ParseTexts reads message resources in the jtel JSON form and validates them: broken JSON is
// reported with its line and column, values must be strings, keys must be known (with an
// optional #lang). It exists apart from the handler so that the rule is tested on its own.
//
// Its errors are *textsError, an English message the page shows in the admin's language.
func ParseTexts(src string) (map[string]string, error) {
	if strings.TrimSpace(src) == "" {
		return nil, textsErr("Paste a JSON object of \"key\": \"text\" pairs, e.g. {\"bye#de\": \"Tschüss\"}; {} removes every text.")
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(src))
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(src, se.Offset)
			return nil, textsErr("The JSON is broken at line {0}, column {1}: {2}.", itoa(line), itoa(col), se.Error())
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, textsErr("The texts must be one JSON object of \"key\": \"text\" pairs.")
		}
		return nil, textsErr("The JSON is broken: {0}.", err.Error())
	}
	if raw == nil {
		return nil, textsErr("The texts must be one JSON object of \"key\": \"text\" pairs.")
	}
	if dec.More() {
		return nil, textsErr("The JSON has more after the closing }: send one object.")
	}
	out := make(map[string]string, len(raw))
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		var s string
		if err := json.Unmarshal(raw[k], &s); err != nil {
			return nil, textsErr("The value of \"{0}\" must be a text in quotes.", k)
		}
		key, lang, hasLang := strings.Cut(k, "#")
		switch {
		case !slices.Contains(texts.Keys, key):
			return nil, textsErr("Unknown text key \"{0}\" (known keys: {1}).", k, strings.Join(texts.Keys, ", "))
		case hasLang && texts.Check(map[string]string{key + "#" + lang: ""}) != nil:
			return nil, textsErr("The text key \"{0}\" has an invalid language \"{1}\" (use e.g. de or fr-BE).", k, lang)
		}
		out[k] = s
	}
	return out, nil
}

// textsError is a refused import: an English message with numbered placeholders that args
// fill, shown in the admin's language.
type textsError struct {
	msg  string
	args []string
}

func (e *textsError) Error() string { return i18n.Fill(e.msg, e.args) }

// textsErr builds a textsError from a message literal, which the catalogue's test finds.
func textsErr(msg string, args ...string) error { return &textsError{msg: msg, args: args} }

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(src string, off int64) (int, int) {
	if off > int64(len(src)) {
		off = int64(len(src))
	}
	before := src[:off]
	line := strings.Count(before, "\n") + 1
	col := len([]rune(before[strings.LastIndexByte(before, '\n')+1:]))
	return line, max(col, 1)
}
