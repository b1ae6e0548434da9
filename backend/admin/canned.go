package admin

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
)

// cannedData is the canned responses page: the folder tree and the responses in it.
type cannedData struct {
	Folders   []store.CannedFolder // sorted by path
	Paths     map[int64]string
	Responses []store.CannedResponse
	Folder    store.CannedFolder   // the folder being edited
	Response  store.CannedResponse // the response being edited
}

// depth is how deep a folder sits (0 at the top), for indenting the tree.
func (d cannedData) depth(id int64) int { return strings.Count(d.Paths[id], " / ") }

// inFolder lists the responses directly in a folder (0 = top level).
func (d cannedData) inFolder(id int64) []store.CannedResponse {
	var out []store.CannedResponse
	for _, r := range d.Responses {
		if r.FolderID == id {
			out = append(out, r)
		}
	}
	return out
}

func (d cannedData) folderOptions(top string, skip int64) []option {
	out := []option{{"0", top}}
	for _, f := range d.Folders {
		if skip != 0 && (f.ID == skip || strings.HasPrefix(d.Paths[f.ID], d.Paths[skip]+" / ")) {
			continue
		}
		out = append(out, option{i64(f.ID), d.Paths[f.ID]})
	}
	return out
}

func (h *handlers) cannedData(c *fiber.Ctx) (cannedData, error) {
	tid := current(c).Tenant.ID
	var d cannedData
	var err error
	if d.Folders, d.Paths, err = h.st.CannedFolders(c.UserContext(), tid); err != nil {
		return d, err
	}
	d.Responses, err = h.st.CannedResponses(c.UserContext(), tid)
	return d, err
}

func (h *handlers) cannedPage(c *fiber.Ctx, status int, ff, rf *Form) error {
	d, err := h.cannedData(c)
	if err != nil {
		return err
	}
	return render(c, status, cannedPage(h.page(c, "Canned responses", "canned"), d, ff, rf))
}

func (h *handlers) canned(c *fiber.Ctx) error {
	rf := newForm(nil)
	rf.Set("folder_id", c.Query("folder"))
	return h.cannedPage(c, fiber.StatusOK, newForm(nil), rf)
}

func formID(f *Form, name string) int64 {
	id, _ := strconv.ParseInt(f.Get(name), 10, 64)
	return id
}

func (h *handlers) folderCreate(c *fiber.Ctx) error {
	f := newForm(formValues(c))
	_, err := h.st.CreateCannedFolder(c.UserContext(), store.CannedFolder{TenantID: current(c).Tenant.ID,
		ParentID: formID(f, "parent_id"), Name: f.Get("name")})
	if err != nil {
		if f.storeError(err) {
			return h.cannedPage(c, fiber.StatusUnprocessableEntity, f, newForm(nil))
		}
		return err
	}
	return saved(c, "/admin/canned")
}

func (h *handlers) tenantFolder(c *fiber.Ctx, d cannedData) (store.CannedFolder, error) {
	id := paramID(c, "id")
	for _, f := range d.Folders {
		if f.ID == id {
			return f, nil
		}
	}
	return store.CannedFolder{}, store.ErrNotFound
}

func (h *handlers) folderPage(c *fiber.Ctx, status int, d cannedData, f *Form) error {
	p := h.page(c, tr(c.UserContext(), "Folder {0}", d.Folder.Name), "canned")
	p.Back, p.BackLabel = "/admin/canned", "Canned responses"
	return render(c, status, folderPage(p, d, f))
}

func (h *handlers) folderEdit(c *fiber.Ctx) error {
	d, err := h.cannedData(c)
	if err != nil {
		return err
	}
	if d.Folder, err = h.tenantFolder(c, d); err != nil {
		return h.notFound(c, err)
	}
	f := newForm(nil)
	f.Set("name", d.Folder.Name)
	f.Set("parent_id", i64(d.Folder.ParentID))
	return h.folderPage(c, fiber.StatusOK, d, f)
}

func (h *handlers) folderSave(c *fiber.Ctx) error {
	d, err := h.cannedData(c)
	if err != nil {
		return err
	}
	if d.Folder, err = h.tenantFolder(c, d); err != nil {
		return h.notFound(c, err)
	}
	f := newForm(formValues(c))
	fo := d.Folder
	fo.Name, fo.ParentID = f.Get("name"), formID(f, "parent_id")
	if _, err := h.st.UpdateCannedFolder(c.UserContext(), fo); err != nil {
		if f.storeError(err) {
			return h.folderPage(c, fiber.StatusUnprocessableEntity, d, f)
		}
		return err
	}
	return saved(c, "/admin/canned")
}

func (h *handlers) folderDelete(c *fiber.Ctx) error {
	if err := h.st.DeleteCannedFolder(c.UserContext(), current(c).Tenant.ID, paramID(c, "id")); err != nil {
		return h.notFound(c, err)
	}
	return saved(c, "/admin/canned")
}

func (h *handlers) responseCreate(c *fiber.Ctx) error {
	f := newForm(formValues(c))
	r, err := h.st.CreateCannedResponse(c.UserContext(), store.CannedResponse{TenantID: current(c).Tenant.ID,
		FolderID: formID(f, "folder_id"), Title: f.Get("title"), Text: f.Get("text")})
	if err != nil {
		if f.storeError(err) {
			return h.cannedPage(c, fiber.StatusUnprocessableEntity, newForm(nil), f)
		}
		return err
	}
	return saved(c, "/admin/canned#r"+i64(r.ID))
}

func (h *handlers) responsePage(c *fiber.Ctx, status int, d cannedData, f *Form) error {
	p := h.page(c, d.Response.Title, "canned")
	p.Back, p.BackLabel = "/admin/canned", "Canned responses"
	return render(c, status, responsePage(p, d, f))
}

func (h *handlers) tenantResponse(c *fiber.Ctx) (cannedData, error) {
	d, err := h.cannedData(c)
	if err != nil {
		return d, err
	}
	d.Response, err = h.st.CannedResponse(c.UserContext(), current(c).Tenant.ID, paramID(c, "id"))
	return d, err
}

func (h *handlers) responseEdit(c *fiber.Ctx) error {
	d, err := h.tenantResponse(c)
	if err != nil {
		return h.notFound(c, err)
	}
	f := newForm(nil)
	f.Set("folder_id", i64(d.Response.FolderID))
	f.Set("title", d.Response.Title)
	f.Set("text", d.Response.Text)
	return h.responsePage(c, fiber.StatusOK, d, f)
}

func (h *handlers) responseSave(c *fiber.Ctx) error {
	d, err := h.tenantResponse(c)
	if err != nil {
		return h.notFound(c, err)
	}
	f := newForm(formValues(c))
	r := d.Response
	r.FolderID, r.Title, r.Text = formID(f, "folder_id"), f.Get("title"), f.Get("text")
	if _, err := h.st.UpdateCannedResponse(c.UserContext(), r); err != nil {
		if f.storeError(err) {
			return h.responsePage(c, fiber.StatusUnprocessableEntity, d, f)
		}
		return err
	}
	return saved(c, "/admin/canned#r"+i64(r.ID))
}

func (h *handlers) responseDelete(c *fiber.Ctx) error {
	if err := h.st.DeleteCannedResponse(c.UserContext(), current(c).Tenant.ID, paramID(c, "id")); err != nil {
		return h.notFound(c, err)
	}
	return saved(c, "/admin/canned")
}

// ---- attachments and security ----

func settingsForm(t store.TenantSettings) *Form {
	f := newForm(nil)
	f.Set("max_attachment_kb", itoa(t.MaxAttachmentKB))
	f.Set("allowed_types", strings.Join(t.AllowedTypes, ", "))
	f.Set("restricted_types", strings.Join(t.RestrictedTypes, ", "))
	f.Set("max_chats_per_ip", itoa(t.MaxChatsPerIP))
	f.Set("max_chats_per_visitor", itoa(t.MaxChatsPerVisitor))
	f.Set("agent_idle_seconds", itoa(int(agentIdle(t)/time.Second)))
	return f
}

func (h *handlers) attachments(c *fiber.Ctx) error {
	t, err := h.st.TenantSettings(c.UserContext(), current(c).Tenant.ID)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, attachmentsPage(h.page(c, "Attachments", "attachments"), settingsForm(t)))
}

func (h *handlers) attachmentsSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := h.st.TenantSettings(ctx, current(c).Tenant.ID)
	if err != nil {
		return err
	}
	f := newForm(formValues(c))
	t.MaxAttachmentKB = f.Int("max_attachment_kb", 0, store.MaxAttachmentKBLimit, store.DefaultMaxAttachmentKB)
	t.AllowedTypes, t.RestrictedTypes = f.Lines("allowed_types"), f.Lines("restricted_types")
	if f.OK() {
		if _, err := h.st.SaveTenantSettings(ctx, t); err != nil && !f.storeError(err) {
			return err
		}
	}
	if !f.OK() {
		return render(c, fiber.StatusUnprocessableEntity, attachmentsPage(h.page(c, "Attachments", "attachments"), f))
	}
	return saved(c, "/admin/attachments")
}

func (h *handlers) securityPage(c *fiber.Ctx, status int, sf, bf *Form) error {
	blocks, err := h.st.IPBlocks(c.UserContext(), current(c).Tenant.ID)
	if err != nil {
		return err
	}
	return render(c, status, securityPage(h.page(c, "Security", "security"), sf, bf, blocks))
}

func (h *handlers) security(c *fiber.Ctx) error {
	t, err := h.st.TenantSettings(c.UserContext(), current(c).Tenant.ID)
	if err != nil {
		return err
	}
	return h.securityPage(c, fiber.StatusOK, settingsForm(t), newForm(nil))
}

func (h *handlers) securitySave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := h.st.TenantSettings(ctx, current(c).Tenant.ID)
	if err != nil {
		return err
	}
	f := newForm(formValues(c))
	t.MaxChatsPerIP = f.Int("max_chats_per_ip", 0, 1000, 0)
	t.MaxChatsPerVisitor = f.Int("max_chats_per_visitor", 0, 100, 0)
	t.AgentIdle = time.Duration(f.Int("agent_idle_seconds", 10, 86400, int(agentIdle(t)/time.Second))) * time.Second
	if f.OK() {
		if _, err := h.st.SaveTenantSettings(ctx, t); err != nil && !f.storeError(err) {
			return err
		}
	}
	if !f.OK() {
		return h.securityPage(c, fiber.StatusUnprocessableEntity, f, newForm(nil))
	}
	return saved(c, "/admin/security")
}

func (h *handlers) blockCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tid := current(c).Tenant.ID
	bf := newForm(formValues(c))
	_, err := h.st.CreateIPBlock(ctx, store.IPBlock{TenantID: tid, Prefix: bf.Get("prefix"), Note: bf.Get("note")})
	if err != nil {
		if !bf.storeError(err) {
			return err
		}
		if strings.Contains(bf.Message, "clashes") {
			bf.Message = ""
			bf.Errors["prefix"] = "This address is already on the list."
		}
		t, err := h.st.TenantSettings(ctx, tid)
		if err != nil {
			return err
		}
		return h.securityPage(c, fiber.StatusUnprocessableEntity, settingsForm(t), bf)
	}
	return saved(c, "/admin/security")
}

func (h *handlers) blockDelete(c *fiber.Ctx) error {
	if err := h.st.DeleteIPBlock(c.UserContext(), current(c).Tenant.ID, paramID(c, "id")); err != nil {
		return h.notFound(c, err)
	}
	return saved(c, "/admin/security")
}

// agentIdle is the tenant's idle threshold for agents, the default when none was saved.
func agentIdle(t store.TenantSettings) time.Duration {
	if t.AgentIdle <= 0 {
		return store.DefaultAgentIdle
	}
	return t.AgentIdle
}
