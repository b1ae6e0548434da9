package admin

import (
	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
)

// The WhosOn Chat API page: the tenant's authentication string and API key, which WhosOn
// clients send with Connect (package whoson). The translation of their chats is the
// Translation page's, as for every other chat.

func whosonForm(t store.TenantSettings) *Form {
	f := newForm(nil)
	f.Set("whos_on_auth", t.WhosOnAuth)
	f.Set("whos_on_api_key", t.WhosOnAPIKey)
	return f
}

func (h *handlers) whosonPage(c *fiber.Ctx, status int, f *Form) error {
	return render(c, status, whosonPage(h.page(c, "WhosOn Chat API", "whoson"), f, "wss://"+c.Hostname()+"/whoson"))
}

func (h *handlers) whoson(c *fiber.Ctx) error {
	t, err := h.st.TenantSettings(c.UserContext(), current(c).Tenant.ID)
	if err != nil {
		return err
	}
	return h.whosonPage(c, fiber.StatusOK, whosonForm(t))
}

func (h *handlers) whosonSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := h.st.TenantSettings(ctx, current(c).Tenant.ID)
	if err != nil {
		return err
	}
	f := newForm(formValues(c))
	t.WhosOnAuth, t.WhosOnAPIKey = f.Get("whos_on_auth"), f.Get("whos_on_api_key")
	if _, err := h.st.SaveTenantSettings(ctx, t); err != nil && !f.storeError(err) {
		return err
	}
	if !f.OK() {
		return h.whosonPage(c, fiber.StatusUnprocessableEntity, f)
	}
	return saved(c, "/admin/whoson")
}
