package admin

import (
	"bytes"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/contact"
	"github.com/parleychat/parley/backend/privacy"
	"github.com/parleychat/parley/backend/store"
)

// privacyData is what the privacy page shows besides its forms.
type privacyData struct {
	// Found counts the chats and left messages of the identity asked about (erase
	// confirmation), and Open those still open.
	Found, Open int
	Confirm     bool
}

// deliveryLogDays is how long the delivery logs keep finished deliveries, as the retention
// panel says it.
func deliveryLogDays() string { return strconv.Itoa(store.DeliveryLogDays) }

// identityKinds are the kinds a privacy request may name, labelled as the contact pages label them.
var identityKinds = func() []option {
	out := make([]option, len(privacy.Kinds))
	for i, k := range privacy.Kinds {
		out[i] = option{Value: string(k), Label: identityKindNames[k]}
	}
	return out
}()

func (h *handlers) privacyPage(c *fiber.Ctx, status int, rf, qf *Form, d privacyData) error {
	p := h.page(c, "Privacy and retention", "privacy")
	if n := c.Query("erased"); n != "" {
		erased, _ := strconv.Atoi(n)
		p.Flash = trn(c.UserContext(), "Erased {0} chat or left message with everything in it.", "Erased {0} chats and left messages with everything in them.", erased)
		if k, _ := strconv.Atoi(c.Query("kept")); k > 0 {
			p.Flash += " " + trn(c.UserContext(), "{0} open chat was kept: erase again once it is closed.", "{0} open chats were kept: erase again once they are closed.", k)
		}
	}
	return render(c, status, privacyPage(p, rf, qf, d))
}

// privacy shows the retention periods and the forms to export or erase a visitor's data.
func (h *handlers) privacy(c *fiber.Ctx) error {
	pol, err := h.st.RetentionPolicy(c.UserContext(), current(c).Tenant.ID)
	if err != nil {
		return err
	}
	qf := newForm(url.Values{"kind": {string(contact.KindEmail)}})
	return h.privacyPage(c, fiber.StatusOK, retentionForm(pol), qf, privacyData{})
}

func retentionForm(p store.RetentionPolicy) *Form {
	return newForm(url.Values{"chat_days": {strconv.Itoa(p.ChatDays)}, "left_message_days": {strconv.Itoa(p.LeftMessageDays)},
		"audit_days": {strconv.Itoa(p.AuditDays)}})
}

// retentionSave stores the tenant's retention periods.
func (h *handlers) retentionSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := newForm(formValues(c))
	p := store.RetentionPolicy{TenantID: current(c).Tenant.ID,
		ChatDays:        f.Int("chat_days", 0, store.MaxRetentionDays, 0),
		LeftMessageDays: f.Int("left_message_days", 0, store.MaxRetentionDays, 0),
		AuditDays:       f.Int("audit_days", 0, store.MaxRetentionDays, store.DefaultAuditDays)}
	if f.OK() {
		if _, err := h.st.SaveRetentionPolicy(ctx, p); err != nil && !f.storeError(err) {
			return err
		}
	}
	if !f.OK() {
		return h.privacyPage(c, fiber.StatusUnprocessableEntity, f, newForm(url.Values{"kind": {string(contact.KindEmail)}}), privacyData{})
	}
	return saved(c, "/admin/privacy")
}

// identity reads the visitor a request is about, recording what is wrong on the form.
func identity(f *Form) (privacy.Identity, store.Visitor, bool) {
	id := privacy.Identity{Kind: contact.Kind(f.Get("kind")), Value: f.Get("value")}
	v, err := id.Visitor()
	if err != nil {
		f.Errors["value"] = sentence(err.Error())
		return id, v, false
	}
	return id, v, true
}

// privacyExport sends everything stored about one visitor as a JSON file or a ZIP archive
// with the shared files.
func (h *handlers) privacyExport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := current(c)
	qf := newForm(formValues(c))
	id, v, ok := identity(qf)
	var recs []store.VisitorRecord
	if ok {
		var err error
		if recs, err = h.st.VisitorRecords(ctx, s.Tenant.ID, v); err != nil {
			return err
		}
		if len(recs) == 0 {
			qf.Message = privacyNothing(c.UserContext(), id.Kind)
		}
	}
	if !qf.OK() {
		pol, err := h.st.RetentionPolicy(ctx, s.Tenant.ID)
		if err != nil {
			return err
		}
		return h.privacyPage(c, fiber.StatusUnprocessableEntity, retentionForm(pol), qf, privacyData{})
	}
	now := time.Now()
	exp := privacy.Build(s.Tenant.Name, id, recs, now)
	var buf bytes.Buffer
	name := "parley-data-export-" + now.UTC().Format("2006-01-02")
	if qf.Get("format") == "zip" {
		if err := privacy.WriteZIP(ctx, &buf, exp, recs, h.st); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "application/zip")
		name += ".zip"
	} else {
		if err := privacy.WriteJSON(&buf, exp); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "application/json; charset=utf-8")
		name += ".json"
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(buf.Bytes())
}

// privacyErase deletes one visitor's closed chats and left messages after a confirmation
// step that says how much will go.
func (h *handlers) privacyErase(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := current(c)
	qf := newForm(formValues(c))
	_, v, ok := identity(qf)
	pol, err := h.st.RetentionPolicy(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	if !ok {
		return h.privacyPage(c, fiber.StatusUnprocessableEntity, retentionForm(pol), qf, privacyData{})
	}
	if qf.Get("confirm") != "yes" {
		chats, err := h.st.ChatsOfPerson(ctx, s.Tenant.ID, v)
		if err != nil {
			return err
		}
		d := privacyData{Found: len(chats), Confirm: len(chats) > 0}
		for _, ch := range chats {
			if ch.State != "closed" {
				d.Open++
			}
		}
		if len(chats) == 0 {
			qf.Message = privacyNothing(c.UserContext(), contact.Kind(qf.Get("kind")))
			return h.privacyPage(c, fiber.StatusUnprocessableEntity, retentionForm(pol), qf, d)
		}
		return h.privacyPage(c, fiber.StatusOK, retentionForm(pol), qf, d)
	}
	er, err := h.st.EraseVisitor(ctx, s.Tenant.ID, v)
	if err != nil && !errors.Is(err, store.ErrInvalid) {
		return err
	}
	h.log.Info("admin: visitor data erased", "tenant", s.Tenant.ID, "user", s.User.ID, "chats", er.Chats, "open_kept", er.OpenKept)
	return c.Redirect("/admin/privacy?erased="+strconv.Itoa(er.Chats)+"&kept="+strconv.Itoa(er.OpenKept), fiber.StatusSeeOther)
}
