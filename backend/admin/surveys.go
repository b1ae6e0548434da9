package admin

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/admin/adminmsg"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/survey"
	"github.com/parleychat/parley/shared/texts"
)

var (
	kindOptions       = []option{{store.SurveyPreChat, "Pre-chat (before the chat starts)"}, {store.SurveyPostChat, "Post-chat (after it ends)"}}
	fieldTypeOptions  = typeOptions()
	changeCaseOptions = []option{{itoa(survey.CaseNone), "Leave as typed"}, {itoa(survey.CaseUpper), "UPPER CASE"}, {itoa(survey.CaseCapitalize), "Capitalise Each Word"}, {itoa(survey.CaseLower), "lower case"}}
	selectTypeOptions = []option{{survey.SelectDropDown, "Drop-down list"}, {survey.SelectRadio, "Radio buttons"}}
)

// typeLabels name the survey model's field types for the catalogue, which translates them
// where the form shows them; a type added to survey.Types without one shows its own label.
var typeLabels = map[string]string{
	survey.TypeText:    msgKey("Text"),
	survey.TypeNumeric: msgKey("Number"),
	survey.TypeDate:    msgKey("Date"),
	survey.TypeTime:    msgKey("Time"),
	survey.TypeBoolean: msgKey("Yes / no"),
	survey.TypeSelect:  msgKey("Choice"),
	survey.TypeRating:  msgKey("Rating"),
	survey.TypeCompany: msgKey("Company"),
	survey.TypeEmail:   msgKey("E-mail"),
	survey.TypeName:    msgKey("Visitor name (replaces the name field)"),
}

// typeOptions offers the survey model's field types, in its order and with its labels.
func typeOptions() []option {
	opts := make([]option, len(survey.Types))
	for i, t := range survey.Types {
		label, ok := typeLabels[t.Name]
		if !ok {
			label = t.Label
		}
		opts[i] = option{t.Name, label}
	}
	return opts
}

// surveysData is what the survey pages show.
type surveysData struct {
	Conn  store.Connector
	Pre   []store.SurveyField
	Post  []store.SurveyField
	Field store.SurveyField // the field being edited; ID 0 for a new one
	// Langs are the language columns of the field's texts: Parley's languages, the field's
	// own, then those added on the form.
	Langs []string
	// Options are the option values the texts form has a label row for.
	Options []string
}

// promptCell and labelCell name the form fields of a field's prompt and of an option's label
// in one language; a language tag holds no dot, so the value after it may hold anything.
func promptCell(lang string) string       { return "tp." + lang }
func labelCell(lang, value string) string { return "tl." + lang + "." + value }

// surveyCellID is the HTML id of the prompt (option -1) or an option's label in lang.
func surveyCellID(lang string, option int) string {
	if option < 0 {
		return "tp-" + lang
	}
	return "tl-" + lang + "-" + itoa(option)
}

// langHeading names a language column: its name in itself and its tag, "Deutsch (de)".
func langHeading(lang string) string {
	if n := adminmsg.Name(lang); n != lang {
		return n + " (" + lang + ")"
	}
	return lang
}

// fieldLangs lists a field's language columns: Parley's languages first, then the field's
// others in order.
func fieldLangs(f survey.Field) []string {
	langs := slices.Clone(texts.Languages)
	for _, l := range survey.Languages(f) {
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	return langs
}

// postedLangs reads the form's language columns: Parley's always, then the posted ones that
// are language tags, once each, at most survey.MaxLanguages in all.
func postedLangs(f *Form) []string {
	langs := slices.Clone(texts.Languages)
	for _, l := range f.All("lang") {
		l = strings.ToLower(strings.TrimSpace(l))
		if survey.ValidLang(l) && !slices.Contains(langs, l) && len(langs) < survey.MaxLanguages {
			langs = append(langs, l)
		}
	}
	return langs
}

// setTexts puts a field's texts into the form's cells.
func setTexts(f *Form, sf survey.Field) {
	for _, l := range fieldLangs(sf) {
		f.Values.Add("lang", l)
		t := sf.Texts[l]
		f.Set(promptCell(l), t.Prompt)
		for v, label := range t.Options {
			f.Set(labelCell(l, v), label)
		}
	}
}

// textsOf reads the field's texts from the form's cells: a prompt and a label for each of
// options in every language column.
func textsOf(f *Form, langs, options []string) map[string]survey.Text {
	out := map[string]survey.Text{}
	for _, l := range langs {
		t := survey.Text{Prompt: f.Get(promptCell(l)), Options: map[string]string{}}
		for _, v := range options {
			if label := f.Get(labelCell(l, v)); label != "" {
				t.Options[v] = label
			}
		}
		out[l] = t
	}
	return out
}

// checkTexts puts a message next to every cell whose text cannot be kept.
func checkTexts(f *Form, sf survey.Field) {
	for _, p := range survey.CheckTexts(sf) {
		name := promptCell(p.Lang)
		if !p.Prompt {
			name = labelCell(p.Lang, p.Option)
		}
		switch p.Code {
		case survey.TextTooLong:
			f.errorf(name, "Use at most {0} characters.", itoa(survey.MaxTextRunes))
		case survey.TextControl, survey.TextBadUTF8:
			f.Errors[name] = "Use one line without control characters."
		default:
			f.Message = "Enter a language code like it, es or fr-BE."
		}
	}
}

// optionValues are the options as the form's Options box lists them, trimmed, blank lines
// left out.
func optionValues(box string) []string {
	var out []string
	for _, o := range strings.Split(box, "\n") {
		if o = strings.TrimSpace(o); o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

func (h *handlers) surveys(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	d := surveysData{Conn: conn}
	if d.Pre, err = h.st.SurveyFields(c.UserContext(), conn.ID, store.SurveyPreChat); err != nil {
		return err
	}
	if d.Post, err = h.st.SurveyFields(c.UserContext(), conn.ID, store.SurveyPostChat); err != nil {
		return err
	}
	p := h.page(c, tr(c.UserContext(), "Surveys of {0}", conn.Name), "connectors")
	p.Back, p.BackLabel = "/admin/connectors/"+i64(conn.ID), conn.Name
	return render(c, fiber.StatusOK, surveysPage(p, d))
}

func surveyForm(sf store.SurveyField) *Form {
	f := newForm(nil)
	f.Set("kind", sf.Kind)
	f.Set("name", sf.Name)
	f.Set("type", sf.Type)
	f.Set("prompt", sf.Prompt)
	f.SetBool("required", sf.Required)
	f.Set("sort", itoa(sf.Sort))
	f.Set("length", itoa(sf.Length))
	f.SetBool("multi_line", sf.MultiLine)
	f.Set("lines", itoa(sf.Lines))
	f.SetBool("password", sf.Password)
	f.Set("change_case", itoa(sf.ChangeCase))
	f.Set("mask", sf.Mask)
	f.Set("default", sf.Default)
	f.SetBool("default_date_today", sf.DefaultDateToday)
	f.SetBool("default_time_today", sf.DefaultTimeToday)
	f.Set("select_type", sf.SelectType)
	f.Set("options", strings.Join(sf.Options, "\n"))
	f.Set("validate_low", itoa(sf.ValidateLow))
	f.Set("validate_high", itoa(sf.ValidateHigh))
	setTexts(f, sf.Field)
	return f
}

func (h *handlers) surveyPage(c *fiber.Ctx, status int, conn store.Connector, sf store.SurveyField, f *Form) error {
	langs := postedLangs(f)
	title := msgKey("New survey field")
	if sf.ID != 0 {
		title = tr(c.UserContext(), "Survey field {0}", sf.Name)
	}
	p := h.page(c, title, "connectors")
	p.Back, p.BackLabel = "/admin/connectors/"+i64(conn.ID)+"/surveys", tr(c.UserContext(), "Surveys of {0}", conn.Name)
	return render(c, status, surveyFieldPage(p, surveysData{Conn: conn, Field: sf, Langs: langs, Options: optionValues(f.Get("options"))}, f))
}

func (h *handlers) surveyNew(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	kind := c.Query("kind")
	if kind != store.SurveyPostChat {
		kind = store.SurveyPreChat
	}
	return h.surveyPage(c, fiber.StatusOK, conn, store.SurveyField{},
		surveyForm(store.SurveyField{Kind: kind, Field: survey.Field{Type: survey.TypeText, SelectType: survey.SelectDropDown, Lines: 3, ValidateLow: -1, ValidateHigh: -1}}))
}

// tenantField loads a survey field of the connector in the URL, which is the tenant's.
func (h *handlers) tenantField(c *fiber.Ctx, conn store.Connector) (store.SurveyField, error) {
	sf, err := h.st.SurveyField(c.UserContext(), conn.TenantID, paramID(c, "fid"))
	if err == nil && sf.ConnectorID != conn.ID {
		err = store.ErrNotFound
	}
	return sf, err
}

func (h *handlers) surveyEdit(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	sf, err := h.tenantField(c, conn)
	if err != nil {
		return h.notFound(c, err)
	}
	return h.surveyPage(c, fiber.StatusOK, conn, sf, surveyForm(sf))
}

func (h *handlers) surveySave(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	sf := store.SurveyField{TenantID: conn.TenantID, ConnectorID: conn.ID}
	if c.Params("fid") != "" {
		if sf, err = h.tenantField(c, conn); err != nil {
			return h.notFound(c, err)
		}
	}
	before := sf
	f := newForm(formValues(c))
	if sf.ID == 0 {
		sf.Kind = f.Get("kind")
	}
	sf.Name, sf.Type, sf.Prompt = f.Get("name"), f.Get("type"), f.Get("prompt")
	sf.Required, sf.MultiLine, sf.Password = f.Checked("required"), f.Checked("multi_line"), f.Checked("password")
	sf.Sort = f.Int("sort", 0, 10000, 0)
	sf.Length = f.Int("length", 0, store.MaxMessageRunes, 0)
	sf.Lines = f.Int("lines", 0, survey.MaxLines, 0)
	sf.ChangeCase = f.Int("change_case", survey.CaseNone, survey.CaseLower, survey.CaseNone)
	sf.Mask = strings.TrimSpace(f.Get("mask"))
	sf.Default = f.Get("default")
	sf.DefaultDateToday, sf.DefaultTimeToday = f.Checked("default_date_today"), f.Checked("default_time_today")
	sf.SelectType = f.Get("select_type")
	sf.Options = strings.Split(strings.ReplaceAll(f.Get("options"), "\r", ""), "\n")
	sf.ValidateLow = f.Int("validate_low", -1, 1000000000, -1)
	sf.ValidateHigh = f.Int("validate_high", -1, 1000000000, -1)
	langs := postedLangs(f)
	sf.Texts = textsOf(f, langs, optionValues(f.Get("options")))
	if f.Get("action") == "add-lang" {
		return h.addSurveyLang(c, conn, before, f, langs)
	}
	checkTexts(f, sf.Field)
	if f.OK() {
		if err := sf.Validate(); err != nil {
			f.storeError(err)
		}
	}
	if !f.OK() {
		return h.surveyPage(c, fiber.StatusUnprocessableEntity, conn, before, f)
	}
	if sf.ID == 0 {
		sf, err = h.st.CreateSurveyField(c.UserContext(), sf)
	} else {
		sf, err = h.st.UpdateSurveyField(c.UserContext(), sf)
	}
	if err != nil {
		if f.storeError(err) {
			if f.Message != "" && strings.Contains(f.Message, "clashes") {
				f.Message = ""
				f.Errors["name"] = "This survey already has a field with this name."
			}
			return h.surveyPage(c, fiber.StatusUnprocessableEntity, conn, before, f)
		}
		return err
	}
	return saved(c, "/admin/connectors/"+i64(conn.ID)+"/surveys")
}

// addSurveyLang shows the field's form again with a column for one more language, keeping
// what was typed; nothing is saved.
func (h *handlers) addSurveyLang(c *fiber.Ctx, conn store.Connector, sf store.SurveyField, f *Form, langs []string) error {
	l := strings.ToLower(strings.TrimSpace(f.Get("new_lang")))
	switch {
	case !survey.ValidLang(l):
		f.Errors["new_lang"] = "Enter a language code like it, es or fr-BE."
	case slices.Contains(langs, l):
		f.Errors["new_lang"] = "This language has a column already."
	case len(langs) >= survey.MaxLanguages:
		f.errorf("new_lang", "A field has texts in at most {0} languages.", itoa(survey.MaxLanguages))
	default:
		f.Values.Add("lang", l)
		f.Set("new_lang", "")
		return h.surveyPage(c, fiber.StatusOK, conn, sf, f)
	}
	return h.surveyPage(c, fiber.StatusUnprocessableEntity, conn, sf, f)
}

func (h *handlers) surveyDelete(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	sf, err := h.tenantField(c, conn)
	if err != nil {
		return h.notFound(c, err)
	}
	if err := h.st.DeleteSurveyField(c.UserContext(), conn.TenantID, sf.ID); err != nil {
		return h.notFound(c, err)
	}
	return saved(c, "/admin/connectors/"+i64(conn.ID)+"/surveys")
}
