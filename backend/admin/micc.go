package admin

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/micc/toolboxtext"
	"github.com/parleychat/parley/backend/store"
)

// The MiCC tab of a connector: its MiCC Enterprise face (see package micc).

func (h *handlers) miccRender(c *fiber.Ctx, status int, conn store.Connector, f *Form) error {
	p := h.page(c, tr(c.UserContext(), "MiCC settings of {0}", conn.Name), "connectors")
	p.Back, p.BackLabel = "/admin/connectors/"+i64(conn.ID), conn.Name
	return render(c, status, miccPage(p, conn, f))
}

func (h *handlers) miccEdit(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	f := newForm(nil)
	m, err := h.st.MiCCServiceOf(c.UserContext(), conn.TenantID, conn.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		f.Set("micc_tenant", strconv.Itoa(store.MiCCDefaultTenant))
		f.Set("group_name", conn.Name)
	case err != nil:
		return err
	default:
		f.SetBool("enabled", true)
		f.Set("micc_tenant", strconv.Itoa(m.MiCCTenant))
		f.Set("group_id", strconv.Itoa(m.GroupID))
		f.Set("group_name", m.GroupName)
		f.SetBool("ignore_customer_details", m.IgnoreCustomerDetails)
		ids := make([]string, len(m.RejectGroupIDs))
		for i, n := range m.RejectGroupIDs {
			ids[i] = strconv.Itoa(n)
		}
		f.Set("reject_group_ids", strings.Join(ids, ", "))
		f.Set("from_priority", strings.Join(m.FromPriority, ", "))
		if len(m.Texts) > 0 {
			b, _ := json.MarshalIndent(m.Texts, "", "  ")
			f.Set("toolbox_texts", string(b))
		}
	}
	return h.miccRender(c, fiber.StatusOK, conn, f)
}

func (h *handlers) miccSave(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	ctx := c.UserContext()
	f := newForm(formValues(c))
	if !f.Checked("enabled") {
		if err := h.st.DeleteMiCCService(ctx, conn.TenantID, conn.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return saved(c, "/admin/connectors/"+i64(conn.ID)+"/micc")
	}
	m := store.MiCCService{TenantID: conn.TenantID, ConnectorID: conn.ID, MiCCTenant: f.Int("micc_tenant", -1, 1000000, -1),
		GroupID: f.Int("group_id", 1, 1000000, 0), GroupName: strings.TrimSpace(f.Get("group_name")),
		IgnoreCustomerDetails: f.Checked("ignore_customer_details")}
	for _, s := range f.Lines("reject_group_ids") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			f.Errors["reject_group_ids"] = "List service group ids as whole numbers separated by commas."
			break
		}
		m.RejectGroupIDs = append(m.RejectGroupIDs, n)
	}
	for _, s := range f.Lines("from_priority") {
		m.FromPriority = append(m.FromPriority, strings.ToLower(s))
	}
	var ce *toolboxtext.CheckError
	if raw := strings.TrimSpace(f.Get("toolbox_texts")); raw != "" {
		if err := json.Unmarshal([]byte(raw), &m.Texts); err != nil {
			f.Errors["toolbox_texts"] = "Write the texts as a JSON object of names and texts, e.g. {\"StartChat#fr\": \"Démarrer\"}."
		} else if err := toolboxtext.Check(m.Texts); errors.As(err, &ce) {
			f.errorf("toolbox_texts", ce.Message, ce.Args...)
		} else if err != nil {
			return err
		}
	}
	if f.Get("group_id") == "" {
		f.Errors["group_id"] = "Enter the service group id."
	}
	if f.OK() {
		if _, err = h.st.SetMiCCService(ctx, m); err == nil {
			return saved(c, "/admin/connectors/"+i64(conn.ID)+"/micc")
		}
		if !f.storeError(err) {
			return err
		}
	}
	return h.miccRender(c, fiber.StatusUnprocessableEntity, conn, f)
}
