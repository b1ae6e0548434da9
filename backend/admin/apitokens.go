package admin

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
)

// The API tokens page: a tenant's tokens for the REST API (package restapi), each acting as
// one of its users with the scopes it was given; a new token's secret is shown once; a token
// is revoked, never edited. Creating and revoking are recorded in the audit log like every
// admin change.

// apiScopeLabels label the scopes a token may be given.
var apiScopeLabels = []option{
	{store.ScopeChatsRead, "Read chats and transcripts"},
	{store.ScopeChatsWrite, "Send messages, close and transfer chats"},
	{store.ScopeContactsRead, "Read contacts"},
	{store.ScopeContactsWrite, "Change contacts"},
	{store.ScopeReportsRead, "Read reports"},
	{store.ScopeSettingsRead, "Read connectors, users and statuses"},
}

// apiTokensData is the page.
type apiTokensData struct {
	Tokens []store.APIToken
	Users  []store.User
	New    *Form
	// Secret is the secret of the token just made, shown this once.
	Secret string
}

// userName names a token's user.
func (d apiTokensData) userName(id int64) string {
	for _, u := range d.Users {
		if u.ID == id {
			return u.Name
		}
	}
	return "#" + i64(id)
}

func (d apiTokensData) userOptions() []option {
	out := []option{{"", "Choose a user"}}
	for _, u := range d.Users {
		if u.Active {
			out = append(out, option{i64(u.ID), u.Name + " (" + u.Login + ")"})
		}
	}
	return out
}

func (h *handlers) apiTokensPage(c *fiber.Ctx, status int, d apiTokensData) error {
	ctx := c.UserContext()
	tid := current(c).Tenant.ID
	var err error
	if d.Tokens, err = h.st.APITokens(ctx, tid); err != nil {
		return err
	}
	if d.Users, err = h.st.Users(ctx, tid); err != nil {
		return err
	}
	if d.New == nil {
		d.New = newForm(nil)
		d.New.Values.Add("scopes", store.ScopeChatsRead)
	}
	return render(c, status, apiTokensPage(h.page(c, "API tokens", "apitokens"), d))
}

func (h *handlers) apiTokens(c *fiber.Ctx) error {
	return h.apiTokensPage(c, fiber.StatusOK, apiTokensData{})
}

func (h *handlers) apiTokenCreate(c *fiber.Ctx) error {
	f := newForm(formValues(c))
	uid, _ := strconv.ParseInt(f.Get("user"), 10, 64)
	t := store.APIToken{TenantID: current(c).Tenant.ID, UserID: uid, Name: f.Get("name"), Scopes: f.All("scopes"), CreatedBy: current(c).User.ID}
	_, secret, err := h.st.CreateAPIToken(c.UserContext(), t)
	if err == nil {
		return h.apiTokensPage(c, fiber.StatusOK, apiTokensData{Secret: secret})
	}
	var fe *store.FieldError
	if errors.As(err, &fe) && fe.Field == "UserID" {
		f.errorf("user", "Choose an active user of this tenant.")
	} else if !f.storeError(err) {
		return err
	}
	return h.apiTokensPage(c, fiber.StatusUnprocessableEntity, apiTokensData{New: f})
}

func (h *handlers) apiTokenRevoke(c *fiber.Ctx) error {
	if _, err := h.st.RevokeAPIToken(c.UserContext(), current(c).Tenant.ID, paramID(c, "id")); err != nil {
		return h.notFound(c, err)
	}
	return saved(c, "/admin/apitokens")
}
