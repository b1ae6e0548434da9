package admin

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
)

// labelsData is the Tags & outcomes page: the two lists and the settings about them.
type labelsData struct {
	Tags, Outcomes []store.Label
	Settings       *Form
	// Add holds the add form of each list; Edit the rename form of the entry that was refused.
	Add    map[store.LabelKind]*Form
	EditID int64
	Edit   *Form
}

// labelKind reads the list a URL names; only the two lists exist.
func labelKind(c *fiber.Ctx) (store.LabelKind, bool) {
	switch k := store.LabelKind(c.Params("kind")); k {
	case store.LabelTag, store.LabelOutcome:
		return k, true
	}
	return "", false
}

func (h *handlers) labelsData(c *fiber.Ctx) (labelsData, error) {
	ctx := c.UserContext()
	tid := current(c).Tenant.ID
	d := labelsData{Add: map[store.LabelKind]*Form{store.LabelTag: newForm(nil), store.LabelOutcome: newForm(nil)}, Edit: newForm(nil)}
	var err error
	if d.Tags, err = h.st.Labels(ctx, store.LabelTag, tid); err != nil {
		return d, err
	}
	if d.Outcomes, err = h.st.Labels(ctx, store.LabelOutcome, tid); err != nil {
		return d, err
	}
	rs, err := h.st.ReportSettingsOf(ctx, tid)
	if err != nil {
		return d, err
	}
	d.Settings = newForm(nil)
	d.Settings.SetBool("outcome_required", rs.OutcomeRequired)
	d.Settings.Set("answer_target", itoa(int(rs.AnswerTarget/time.Second)))
	return d, nil
}

func (h *handlers) labels(c *fiber.Ctx) error {
	d, err := h.labelsData(c)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, labelsPage(h.page(c, "Tags & outcomes", "labels"), d))
}

func (h *handlers) labelSettingsSave(c *fiber.Ctx) error {
	d, err := h.labelsData(c)
	if err != nil {
		return err
	}
	f := newForm(formValues(c))
	target := f.Int("answer_target", 1, int(store.MaxAnswerTarget/time.Second), int(store.DefaultAnswerTarget/time.Second))
	if f.OK() {
		err := h.st.SaveReportSettings(c.UserContext(), store.ReportSettings{TenantID: current(c).Tenant.ID,
			OutcomeRequired: f.Checked("outcome_required"), AnswerTarget: time.Duration(target) * time.Second})
		if err != nil && !f.storeError(err) {
			return err
		}
	}
	if !f.OK() {
		d.Settings = f
		return render(c, fiber.StatusUnprocessableEntity, labelsPage(h.page(c, "Tags & outcomes", "labels"), d))
	}
	return saved(c, "/admin/labels")
}

func (h *handlers) labelCreate(c *fiber.Ctx) error {
	return h.labelWrite(c, 0)
}

func (h *handlers) labelSave(c *fiber.Ctx) error {
	id := paramID(c, "id")
	if id == 0 {
		return h.fail(c, fiber.StatusNotFound, "There is no such entry. Use the list on the Tags & outcomes page.")
	}
	return h.labelWrite(c, id)
}

// labelWrite adds (id 0) or renames an entry of a list; a refused name comes back in its form
// with the reason next to it.
func (h *handlers) labelWrite(c *fiber.Ctx, id int64) error {
	kind, ok := labelKind(c)
	if !ok {
		return h.fail(c, fiber.StatusNotFound, "There is no such list. Use the Tags & outcomes page.")
	}
	f := newForm(formValues(c))
	sort := f.Int("sort", 0, 10000, 0)
	if f.OK() {
		_, err := h.st.SaveLabel(c.UserContext(), kind, store.Label{ID: id, TenantID: current(c).Tenant.ID, Name: f.Get("name"), Sort: sort})
		switch {
		case errors.Is(err, store.ErrNotFound):
			return h.notFound(c, err)
		case errors.Is(err, store.ErrConflict) && kind == store.LabelOutcome:
			f.errorf("name", "There is already an outcome with this name.")
		case errors.Is(err, store.ErrConflict):
			f.errorf("name", "There is already a tag with this name.")
		case err != nil && f.storeError(err):
			if msg := f.Message; msg != "" {
				f.errorf("name", msg, f.messageArgs...)
				f.Message = ""
			}
		case err != nil:
			return err
		}
	}
	if !f.OK() {
		d, err := h.labelsData(c)
		if err != nil {
			return err
		}
		if id == 0 {
			d.Add[kind] = f
		} else {
			d.EditID, d.Edit = id, f
		}
		return render(c, fiber.StatusUnprocessableEntity, labelsPage(h.page(c, "Tags & outcomes", "labels"), d))
	}
	return saved(c, "/admin/labels")
}

func (h *handlers) labelDelete(c *fiber.Ctx) error {
	kind, ok := labelKind(c)
	if !ok {
		return h.fail(c, fiber.StatusNotFound, "There is no such list. Use the Tags & outcomes page.")
	}
	if err := h.st.DeleteLabel(c.UserContext(), kind, current(c).Tenant.ID, paramID(c, "id")); err != nil {
		return h.notFound(c, err)
	}
	return saved(c, "/admin/labels")
}
