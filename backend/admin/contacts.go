package admin

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/contact"
	"github.com/parleychat/parley/backend/store"
)

// contactsPerPage is how many contacts the list shows at once.
const contactsPerPage = 50

// contactRoutes mounts the contact pages (for supervisors and admins of the tenant) and the
// connectors' identity-verification pages (for admins).
func (h *handlers) contactRoutes(g fiber.Router, sup, adm fiber.Handler) {
	g.Get("/contacts", sup, h.contacts)
	g.Get("/contacts/:id", sup, h.contactEdit)
	g.Post("/contacts/:id", sup, h.contactSave)
	g.Post("/contacts/:id/merge", sup, h.contactMerge)
	g.Get("/connectors/:id/identity", adm, h.identity)
	g.Post("/connectors/:id/identity", adm, h.identityRegenerate)
}

// contactList is what the list page shows.
type contactList struct {
	Query      string
	Page       store.ContactPage
	Offset     int
	Prev, Next string // links to the neighbouring pages, "" for none
}

// contacts lists and searches the tenant's contacts, seen last first.
func (h *handlers) contacts(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	off, _ := strconv.Atoi(c.Query("offset"))
	off = max(off, 0)
	page, err := h.st.Contacts(c.UserContext(), current(c).Tenant.ID, q, contactsPerPage, off)
	if err != nil {
		return err
	}
	d := contactList{Query: q, Page: page, Offset: off}
	at := func(o int) string {
		v := url.Values{"offset": {strconv.Itoa(o)}}
		if q != "" {
			v.Set("q", q)
		}
		return "/admin/contacts?" + v.Encode()
	}
	if off > 0 {
		d.Prev = at(max(off-contactsPerPage, 0))
	}
	if int64(off+contactsPerPage) < page.Total {
		d.Next = at(off + contactsPerPage)
	}
	return render(c, fiber.StatusOK, contactsPage(h.page(c, "Contacts", "contacts"), d))
}

// contactData is what a contact's page shows.
type contactData struct {
	Contact    store.Contact
	Merges     []store.ContactMerge
	Timeline   []store.TimelineEntry
	Connectors map[int64]string
	Users      map[int64]string
}

func (h *handlers) contactEdit(c *fiber.Ctx) error {
	return h.contactPageFor(c, fiber.StatusOK, nil, newForm(nil))
}

// contactPageFor renders a contact's page; a nil edited fills the form from the stored contact.
func (h *handlers) contactPageFor(c *fiber.Ctx, status int, edited url.Values, f *Form) error {
	ctx := c.UserContext()
	tid := current(c).Tenant.ID
	k, err := h.st.Contact(ctx, tid, paramID(c, "id"))
	if err != nil {
		return h.notFound(c, err)
	}
	d := contactData{Contact: k, Connectors: map[int64]string{}, Users: map[int64]string{}}
	if d.Merges, err = h.st.ContactMerges(ctx, tid, k.ID); err != nil {
		return err
	}
	if d.Timeline, err = h.st.ContactTimeline(ctx, tid, k.ID, 200); err != nil {
		return err
	}
	conns, err := h.st.Connectors(ctx, tid)
	if err != nil {
		return err
	}
	for _, x := range conns {
		d.Connectors[x.ID] = x.Name
	}
	for _, m := range d.Merges {
		if m.ByUserID != 0 {
			if u, err := h.st.User(ctx, m.ByUserID); err == nil && u.TenantID == tid {
				d.Users[u.ID] = u.Name
			}
		}
	}
	for _, e := range d.Timeline {
		if id := e.Chat.AgentID; id != 0 {
			if _, ok := d.Users[id]; !ok {
				if u, err := h.st.User(ctx, id); err == nil && u.TenantID == tid {
					d.Users[id] = u.Name
				}
			}
		}
	}
	if edited == nil {
		for name, v := range map[string]string{"name": k.Name, "email": k.Email, "phone": k.Phone, "company": k.Company, "notes": k.Notes} {
			f.Set(name, v)
		}
	}
	title := k.Name
	if title == "" {
		title = tr(c.UserContext(), "Contact {0}", i64(k.ID))
	}
	p := h.page(c, title, "contacts")
	p.Back, p.BackLabel = "/admin/contacts", "Contacts"
	return render(c, status, contactPage(p, d, f))
}

func (h *handlers) contactSave(c *fiber.Ctx) error {
	v := formValues(c)
	f := newForm(v)
	k := store.Contact{ID: paramID(c, "id"), TenantID: current(c).Tenant.ID, Name: f.Get("name"), Email: f.Get("email"),
		Phone: f.Get("phone"), Company: f.Get("company"), Notes: strings.ReplaceAll(f.Get("notes"), "\r\n", "\n")}
	if e := strings.TrimSpace(k.Email); e != "" && contact.Normalize(contact.KindEmail, e) == "" {
		f.Errors["email"] = "Enter an e-mail address such as name@example.com, or leave it empty."
	}
	if !f.OK() {
		return h.contactPageFor(c, fiber.StatusUnprocessableEntity, v, f)
	}
	if _, err := h.st.UpdateContact(c.UserContext(), k); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return h.notFound(c, err)
		}
		if f.storeError(err) {
			return h.contactPageFor(c, fiber.StatusUnprocessableEntity, v, f)
		}
		return err
	}
	return saved(c, "/admin/contacts/"+i64(k.ID))
}

// contactMerge merges the contact named in the form ("other", its number) into this one.
func (h *handlers) contactMerge(c *fiber.Ctx) error {
	v := formValues(c)
	f := newForm(v)
	into := paramID(c, "id")
	from, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(f.Get("other")), "#"), 10, 64)
	if err != nil || from <= 0 {
		f.Errors["other"] = "Enter the number of the contact to merge into this one, e.g. 42 (shown on its page and in the list)."
		return h.contactPageFor(c, fiber.StatusUnprocessableEntity, nil, f)
	}
	s := current(c)
	err = h.st.MergeContacts(c.UserContext(), s.Tenant.ID, into, from, s.User.ID)
	switch {
	case err == nil:
		return saved(c, "/admin/contacts/"+i64(into))
	case errors.Is(err, store.ErrNotFound):
		if _, e := h.st.Contact(c.UserContext(), s.Tenant.ID, into); e != nil {
			return h.notFound(c, e)
		}
		f.errorf("other", "There is no contact {0}. Check the number in the contact list.", i64(from))
	case errors.Is(err, store.ErrConflict):
		f.Errors["other"] = "Both contacts have a verified user id, and they differ: they are two people and cannot be merged."
	case errors.Is(err, store.ErrInvalid):
		f.Errors["other"] = "A contact cannot be merged with itself. Enter the number of another contact."
	default:
		return err
	}
	return h.contactPageFor(c, fiber.StatusUnprocessableEntity, nil, f)
}

// chatLink is where a chat's transcript is shown.
func chatLink(id string) string { return "/admin/chats/" + url.PathEscape(id) }

// identityData is what a connector's identity-verification page shows.
type identityData struct {
	Conn   store.Connector
	Secret string
	Base   string
}

func (h *handlers) identity(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	secret, err := h.st.IdentitySecret(c.UserContext(), conn.ID)
	if err != nil {
		return err
	}
	p := h.page(c, tr(c.UserContext(), "Identity verification of {0}", conn.Name), "connectors")
	p.Back, p.BackLabel = "/admin/connectors/"+i64(conn.ID), conn.Name
	return render(c, fiber.StatusOK, identityPage(p, identityData{Conn: conn, Secret: secret, Base: c.BaseURL()}))
}

func (h *handlers) identityRegenerate(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	if _, err := h.st.RegenerateIdentitySecret(c.UserContext(), conn.TenantID, conn.ID); err != nil {
		return err
	}
	return saved(c, "/admin/connectors/"+i64(conn.ID)+"/identity")
}

// identitySnippet is the embed example with a signed user id.
func identitySnippet(d identityData) string {
	return `<script>
  window.parleyConfig = {
    hash: '` + d.Conn.Hash + `',
    userId: '4711',               // the signed-in user's id
    userHash: '<HMAC made on your server>'
  };
</script>
<script src="` + d.Base + `/widget.js" data-connector="` + d.Conn.Hash + `" async></script>`
}
