package admin

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
)

// The WhosOn Chat API page: the tenant's authentication string and API key, which WhosOn
// clients send with Connect (package whoson), and the translation of its chats (package
// translate): the service's API, address and key (never shown back) and the languages offered.

func whosonForm(t store.TenantSettings) *Form {
	f := newForm(nil)
	f.Set("whos_on_auth", t.WhosOnAuth)
	f.Set("whos_on_api_key", t.WhosOnAPIKey)
	if t.TranslateEnabled {
		f.Set("translate_enabled", "on")
	}
	f.Set("translate_provider", string(t.TranslateProvider))
	f.Set("translate_url", t.TranslateURL)
	f.Set("translate_languages", strings.Join(t.TranslateLanguages, ", "))
	return f
}

func (h *handlers) whosonPage(c *fiber.Ctx, status int, f *Form, hasTranslateKey bool) error {
	providers := make([]option, len(translate.Providers))
	for i, p := range translate.Providers {
		providers[i] = option{Value: string(p), Label: p.Name()}
	}
	return render(c, status, whosonPage(h.page(c, "WhosOn Chat API", "whoson"), f, "wss://"+c.Hostname()+"/whoson", hasTranslateKey, providers))
}

func (h *handlers) whoson(c *fiber.Ctx) error {
	t, err := h.st.TenantSettings(c.UserContext(), current(c).Tenant.ID)
	if err != nil {
		return err
	}
	return h.whosonPage(c, fiber.StatusOK, whosonForm(t), t.TranslateAPIKey != "")
}

func (h *handlers) whosonSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := h.st.TenantSettings(ctx, current(c).Tenant.ID)
	if err != nil {
		return err
	}
	f := newForm(formValues(c))
	t.WhosOnAuth, t.WhosOnAPIKey = f.Get("whos_on_auth"), f.Get("whos_on_api_key")
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
		return h.whosonPage(c, fiber.StatusUnprocessableEntity, f, t.TranslateAPIKey != "")
	}
	return saved(c, "/admin/whoson")
}
