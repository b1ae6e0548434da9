package admin

import (
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
)

var (
	colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	shortRE = regexp.MustCompile(`^\S{0,4}$`)
)

// strategyOptions are the ACD groups' choice strategies.
var strategyOptions = []option{
	{store.StrategyLongestIdle, "Longest idle agent first"},
	{store.StrategyLeastBusy, "Least busy agent first"},
	{store.StrategyRoundRobin, "Round robin"},
}

// ---- tenants ----

func (h *handlers) tenants(c *fiber.Ctx) error {
	list, err := h.st.Tenants(c.UserContext())
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, tenantsPage(h.page(c, "All tenants", "tenants"), list))
}

func tenantForm(t store.Tenant) *Form {
	f := newForm(nil)
	f.Set("name", t.Name)
	f.Set("time_zone", t.TimeZone)
	f.Set("default_lang", t.DefaultLang)
	return f
}

func (h *handlers) tenantPage(c *fiber.Ctx, status int, t store.Tenant, f *Form) error {
	title, active := msgKey("New tenant"), "tenants"
	if t.ID != 0 {
		title = t.Name
		if current(c).Level < roleSuperAdmin {
			active = "tenant"
		}
	}
	p := h.page(c, title, active)
	if current(c).Level == roleSuperAdmin {
		p.Back, p.BackLabel = "/admin/tenants", "All tenants"
	}
	return render(c, status, tenantPage(p, t, f))
}

func (h *handlers) tenantNew(c *fiber.Ctx) error {
	return h.tenantPage(c, fiber.StatusOK, store.Tenant{}, tenantForm(store.Tenant{TimeZone: "UTC", DefaultLang: "en"}))
}

// tenantOf loads a tenant the user may edit: any for a super-admin, their own otherwise.
func (h *handlers) tenantOf(c *fiber.Ctx) (store.Tenant, error) {
	s := current(c)
	id := paramID(c, "id")
	if s.Level < roleSuperAdmin && id != s.User.TenantID {
		return store.Tenant{}, store.ErrNotFound
	}
	return h.st.Tenant(c.UserContext(), id)
}

func (h *handlers) tenantEdit(c *fiber.Ctx) error {
	t, err := h.tenantOf(c)
	if err != nil {
		return h.notFound(c, err)
	}
	return h.tenantPage(c, fiber.StatusOK, t, tenantForm(t))
}

func parseTenant(f *Form, t *store.Tenant) {
	t.Name = strings.TrimSpace(f.Get("name"))
	t.TimeZone = strings.TrimSpace(f.Get("time_zone"))
	t.DefaultLang = strings.TrimSpace(f.Get("default_lang"))
	if t.Name == "" {
		f.Errors["name"] = "Enter the tenant's name."
	}
	if _, err := time.LoadLocation(t.TimeZone); err != nil || t.TimeZone == "" || t.TimeZone == "Local" {
		f.Errors["time_zone"] = "Enter a time zone name like Europe/Berlin or UTC."
	}
	if !langRE.MatchString(t.DefaultLang) {
		f.Errors["default_lang"] = "Enter a language code like en, de or fr."
	}
}

func (h *handlers) tenantCreate(c *fiber.Ctx) error {
	f := newForm(formValues(c))
	var t store.Tenant
	parseTenant(f, &t)
	if !f.OK() {
		return h.tenantPage(c, fiber.StatusUnprocessableEntity, store.Tenant{}, f)
	}
	t, err := h.st.CreateTenant(c.UserContext(), t)
	if err != nil {
		if f.storeError(err) {
			return h.tenantPage(c, fiber.StatusUnprocessableEntity, store.Tenant{}, f)
		}
		return err
	}
	h.log.Info("tenant created", "by", current(c).User.ID, "tenant", t.ID)
	return saved(c, "/admin/tenants/"+i64(t.ID))
}

func (h *handlers) tenantSave(c *fiber.Ctx) error {
	t, err := h.tenantOf(c)
	if err != nil {
		return h.notFound(c, err)
	}
	f := newForm(formValues(c))
	parseTenant(f, &t)
	if !f.OK() {
		return h.tenantPage(c, fiber.StatusUnprocessableEntity, t, f)
	}
	if _, err := h.st.UpdateTenant(c.UserContext(), t); err != nil {
		if f.storeError(err) {
			return h.tenantPage(c, fiber.StatusUnprocessableEntity, t, f)
		}
		return err
	}
	return saved(c, "/admin/tenants/"+i64(t.ID))
}

// ---- agent statuses ----

func (h *handlers) statuses(c *fiber.Ctx) error {
	list, err := h.st.Statuses(c.UserContext(), current(c).Tenant.ID)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, statusesPage(h.page(c, "Agent statuses", "statuses"), list))
}

func statusForm(a store.AgentStatus) *Form {
	f := newForm(nil)
	f.Set("name", a.Name)
	f.Set("short", a.Short)
	f.Set("font_color", a.FontColor)
	f.Set("background_color", a.BackgroundColor)
	f.SetBool("allows_chat", a.AllowsChat)
	f.SetBool("agent_settable", a.AgentSettable)
	f.Set("sort", itoa(a.Sort))
	return f
}

func (h *handlers) statusPage(c *fiber.Ctx, status int, a store.AgentStatus, f *Form) error {
	title := msgKey("New agent status")
	if a.ID != 0 {
		title = a.Name
	}
	p := h.page(c, title, "statuses")
	p.Back, p.BackLabel = "/admin/statuses", "Agent statuses"
	return render(c, status, statusPage(p, a, f))
}

func (h *handlers) statusNew(c *fiber.Ctx) error {
	return h.statusPage(c, fiber.StatusOK, store.AgentStatus{},
		statusForm(store.AgentStatus{FontColor: "#ffffff", BackgroundColor: "#2e7d32", AgentSettable: true, Sort: 100}))
}

func (h *handlers) statusEdit(c *fiber.Ctx) error {
	a, err := h.st.Status(c.UserContext(), paramID(c, "id"))
	if err == nil && a.TenantID != current(c).Tenant.ID {
		err = store.ErrNotFound
	}
	if err != nil {
		return h.notFound(c, err)
	}
	return h.statusPage(c, fiber.StatusOK, a, statusForm(a))
}

func (h *handlers) statusSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := current(c)
	a := store.AgentStatus{TenantID: s.Tenant.ID}
	if id := paramID(c, "id"); c.Params("id") != "" {
		var err error
		a, err = h.st.Status(ctx, id)
		if err == nil && a.TenantID != s.Tenant.ID {
			err = store.ErrNotFound
		}
		if err != nil {
			return h.notFound(c, err)
		}
	}
	before := a
	f := newForm(formValues(c))
	a.Name, a.Short = strings.TrimSpace(f.Get("name")), strings.TrimSpace(f.Get("short"))
	a.FontColor, a.BackgroundColor = strings.TrimSpace(f.Get("font_color")), strings.TrimSpace(f.Get("background_color"))
	a.AllowsChat, a.AgentSettable = f.Checked("allows_chat"), f.Checked("agent_settable")
	a.Sort = f.Int("sort", 0, 100000, 0)
	if a.Name == "" {
		f.Errors["name"] = "Enter a name, e.g. Available."
	}
	if !shortRE.MatchString(a.Short) {
		f.Errors["short"] = "At most 4 characters without spaces, e.g. Av."
	}
	if !colorRE.MatchString(a.FontColor) {
		f.Errors["font_color"] = "Enter a colour like #ffffff."
	}
	if !colorRE.MatchString(a.BackgroundColor) {
		f.Errors["background_color"] = "Enter a colour like #2e7d32."
	}
	if !f.OK() {
		return h.statusPage(c, fiber.StatusUnprocessableEntity, before, f)
	}
	var err error
	if a.ID == 0 {
		a, err = h.st.CreateStatus(ctx, a)
	} else {
		a, err = h.st.UpdateStatus(ctx, a)
	}
	if err != nil {
		if f.storeError(err) {
			return h.statusPage(c, fiber.StatusUnprocessableEntity, before, f)
		}
		return err
	}
	return saved(c, "/admin/statuses/"+i64(a.ID))
}

// ---- ACD groups ----

func (h *handlers) groups(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := current(c)
	list, err := h.st.Groups(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	users, err := h.st.Users(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	members := map[int64]int{}
	for _, u := range users {
		for _, g := range u.Groups {
			members[g]++
		}
	}
	return render(c, fiber.StatusOK, groupsPage(h.page(c, "ACD groups", "groups"), list, members))
}

func (h *handlers) groupPage(c *fiber.Ctx, status int, g store.ACDGroup, f *Form) error {
	title := msgKey("New ACD group")
	if g.ID != 0 {
		title = g.Name
	}
	p := h.page(c, title, "groups")
	p.Back, p.BackLabel = "/admin/groups", "ACD groups"
	return render(c, status, groupPage(p, g, f))
}

func (h *handlers) groupNew(c *fiber.Ctx) error {
	f := newForm(nil)
	f.Set("strategy", store.StrategyLongestIdle)
	return h.groupPage(c, fiber.StatusOK, store.ACDGroup{}, f)
}

func (h *handlers) tenantGroup(c *fiber.Ctx) (store.ACDGroup, error) {
	g, err := h.st.Group(c.UserContext(), paramID(c, "id"))
	if err == nil && g.TenantID != current(c).Tenant.ID {
		err = store.ErrNotFound
	}
	return g, err
}

func (h *handlers) groupEdit(c *fiber.Ctx) error {
	g, err := h.tenantGroup(c)
	if err != nil {
		return h.notFound(c, err)
	}
	f := newForm(nil)
	f.Set("name", g.Name)
	f.Set("strategy", g.Strategy)
	return h.groupPage(c, fiber.StatusOK, g, f)
}

func (h *handlers) groupSave(c *fiber.Ctx) error {
	g := store.ACDGroup{TenantID: current(c).Tenant.ID}
	if c.Params("id") != "" {
		var err error
		if g, err = h.tenantGroup(c); err != nil {
			return h.notFound(c, err)
		}
	}
	before := g
	f := newForm(formValues(c))
	g.Name, g.Strategy = strings.TrimSpace(f.Get("name")), f.Get("strategy")
	if g.Name == "" {
		f.Errors["name"] = "Enter a name, e.g. Support."
	}
	if !validOption(strategyOptions, g.Strategy) {
		f.Errors["strategy"] = "Choose a strategy."
	}
	if !f.OK() {
		return h.groupPage(c, fiber.StatusUnprocessableEntity, before, f)
	}
	var err error
	if g.ID == 0 {
		g, err = h.st.CreateGroup(c.UserContext(), g)
	} else {
		g, err = h.st.UpdateGroup(c.UserContext(), g)
	}
	if err != nil {
		if f.storeError(err) {
			return h.groupPage(c, fiber.StatusUnprocessableEntity, before, f)
		}
		return err
	}
	return saved(c, "/admin/groups/"+i64(g.ID))
}

func validOption(opts []option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}
