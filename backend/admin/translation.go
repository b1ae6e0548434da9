package admin

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/shared/protocol"
)

// The Translation page: the tenant's translation service (package translate), which every
// chat uses, the widget's and the agent app's as WhosOn clients': the service's API, address
// and key (never shown back) and the languages offered; a test that translates a sample
// sentence through the saved service; and the log of the recent calls (store.TranslationLog),
// which shows how the service answers the chats without their text.

// translationLogShown is how many calls the page lists.
const translationLogShown = 200

// translationTestText is the sample sentence of the test, in English.
const translationTestText = "Hello! How can I help you today?"

// translationTestWait bounds the test's call and the wait for it to reach the log.
const translationTestWait = 10 * time.Second

// translationOutcomes are the log's filter and the outcomes' names.
var translationOutcomes = []option{
	{"", "All outcomes"},
	{string(translate.OutcomeOK), "Translated"},
	{string(translate.OutcomeFailed), "Failed"},
	{string(translate.OutcomeTimeout), "Timed out"},
}

// translationTestResult is what the test got: the translation, or the error.
type translationTestResult struct {
	To, Text, Err string
}

// translationData is the page's content besides the settings form.
type translationData struct {
	HasKey    bool
	Providers []option
	// Targets are the languages the test offers to translate the sample into.
	Targets []option
	Test    *translationTestResult
	Filter  *Form
	Log     []store.TranslationCall
}

// TranslationLog is the translation call log's writer as the pages need it: Flush waits until
// the calls made so far are written, so that a test shows its own call (package translog).
type TranslationLog interface {
	Flush(ctx context.Context)
}

func translationForm(t store.TenantSettings) *Form {
	f := newForm(nil)
	if t.TranslateEnabled {
		f.Set("translate_enabled", "on")
	}
	f.Set("translate_provider", string(t.TranslateProvider))
	f.Set("translate_url", t.TranslateURL)
	f.Set("translate_languages", strings.Join(t.TranslateLanguages, ", "))
	return f
}

// translationTargets are the languages a test may translate into: the offered ones, the
// tenant's own, German and French; never English, the sample's language.
func translationTargets(t store.TenantSettings, tenantLang string) []option {
	seen := map[string]bool{"en": true}
	var out []option
	for _, l := range append(append([]string{}, t.TranslateLanguages...), protocol.BaseLang(tenantLang), "de", "fr") {
		if l != "" && !seen[l] {
			seen[l] = true
			out = append(out, option{Value: l, Label: l})
		}
	}
	return out
}

// translationTestForm is the test's form: the language last tried.
func translationTestForm(d translationData) *Form {
	f := newForm(nil)
	if d.Test != nil {
		f.Set("test_to", d.Test.To)
	}
	return f
}

func (h *handlers) translationPage(c *fiber.Ctx, status int, f *Form, t store.TenantSettings, test *translationTestResult) error {
	ctx := c.UserContext()
	d := translationData{HasKey: t.TranslateAPIKey != "", Targets: translationTargets(t, current(c).Tenant.DefaultLang), Test: test}
	for _, p := range translate.Providers {
		d.Providers = append(d.Providers, option{Value: string(p), Label: p.Name()})
	}
	d.Filter = newForm(nil)
	outcome := c.Query("outcome")
	if optionLabel(translationOutcomes, outcome) == outcome {
		outcome = "" // not one of the outcomes
	}
	d.Filter.Set("outcome", outcome)
	var err error
	if d.Log, err = h.st.TranslationLog(ctx, t.TenantID, outcome, translationLogShown); err != nil {
		return err
	}
	return render(c, status, translationPage(h.page(c, "Translation", "translation"), f, d, zoneOf(ctx)))
}

func (h *handlers) translation(c *fiber.Ctx) error {
	t, err := h.st.TenantSettings(c.UserContext(), current(c).Tenant.ID)
	if err != nil {
		return err
	}
	return h.translationPage(c, fiber.StatusOK, translationForm(t), t, nil)
}

func (h *handlers) translationSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := h.st.TenantSettings(ctx, current(c).Tenant.ID)
	if err != nil {
		return err
	}
	f := newForm(formValues(c))
	t.TranslateEnabled, t.TranslateURL = f.Checked("translate_enabled"), f.Get("translate_url")
	t.TranslateProvider = translate.Provider(f.Get("translate_provider"))
	t.TranslateLanguages = strings.Split(f.Get("translate_languages"), ",")
	// The key is never shown: an empty field keeps the stored one.
	switch {
	case f.Checked("clear_translate_api_key"):
		t.TranslateAPIKey = ""
	case f.Get("translate_api_key") != "":
		t.TranslateAPIKey = f.Get("translate_api_key")
	}
	if _, err := h.st.SaveTenantSettings(ctx, t); err != nil && !f.storeError(err) {
		return err
	}
	if !f.OK() {
		f.Set("translate_api_key", "")
		return h.translationPage(c, fiber.StatusUnprocessableEntity, f, t, nil)
	}
	return saved(c, "/admin/translation")
}

// translationTest translates the sample sentence through the saved service, whether
// translation is on or not, and shows what came back; the call is logged like a chat's.
func (h *handlers) translationTest(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := h.st.TenantSettings(ctx, current(c).Tenant.ID)
	if err != nil {
		return err
	}
	to := c.FormValue("test_to")
	if optionLabel(translationTargets(t, current(c).Tenant.DefaultLang), to) != to || to == "" {
		to = "de"
	}
	res := &translationTestResult{To: to}
	tctx, cancel := context.WithTimeout(ctx, translationTestWait)
	defer cancel()
	svc := translate.Service{Provider: t.TranslateProvider, URL: t.TranslateURL, APIKey: t.TranslateAPIKey, Tenant: t.TenantID}
	if got, err := h.translator().Translate(tctx, svc, translationTestText, "en", to, false); err != nil {
		res.Err = err.Error()
	} else {
		res.Text = got
	}
	if h.opts.TranslationLog != nil {
		h.opts.TranslationLog.Flush(tctx)
	}
	return h.translationPage(c, fiber.StatusOK, translationForm(t), t, res)
}

func (h *handlers) translator() *translate.Client {
	if h.opts.Translator != nil {
		return h.opts.Translator
	}
	return &translate.Client{}
}

// outcomeBadge is the badge class of a call's outcome.
func outcomeBadge(outcome string) string {
	switch translate.Outcome(outcome) {
	case translate.OutcomeOK:
		return "on"
	case translate.OutcomeFailed:
		return "off"
	}
	return "warn"
}

// latency is a call's latency in milliseconds, as the log shows it.
func latency(d time.Duration) string {
	return i64(d.Milliseconds()) + " ms"
}
