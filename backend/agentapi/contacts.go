package agentapi

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// ContactStore is what the contact panel needs of the store.
type ContactStore interface {
	ChatContact(ctx context.Context, tenantID int64, chatID string) (store.ChatContact, error)
	Contact(ctx context.Context, tenantID, id int64) (store.Contact, error)
	ContactTimeline(ctx context.Context, tenantID, id int64, limit int) ([]store.TimelineEntry, error)
	UpdateContact(ctx context.Context, c store.Contact) (store.Contact, error)
}

// contactTimelineChats bounds how many of a contact's chats the earlier-chats panel reads.
const contactTimelineChats = 20

// contactTimeline returns the contact of chat cur and its chats, newest first; a nil contact
// when the chat is not linked to one (yet).
func (h handlers) contactTimeline(ctx context.Context, cur store.Chat) (*api.ContactInfo, []store.Chat, error) {
	link, err := h.st.ChatContact(ctx, cur.TenantID, cur.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	k, err := h.st.Contact(ctx, cur.TenantID, link.ContactID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil // merged away between the two reads; the next look finds it
	}
	if err != nil {
		return nil, nil, err
	}
	tl, err := h.st.ContactTimeline(ctx, cur.TenantID, k.ID, contactTimelineChats+1)
	if err != nil {
		return nil, nil, err
	}
	chats := make([]store.Chat, 0, len(tl))
	for _, e := range tl {
		chats = append(chats, e.Chat)
	}
	return &api.ContactInfo{ID: k.ID, Name: k.Name, Email: k.Email, Phone: k.Phone, Company: k.Company, Notes: k.Notes,
		UserID: link.UserID, UserVerified: link.UserVerified}, chats, nil
}

// contactSave saves an agent's edit of a contact of their tenant.
func (h handlers) contactSave(c *fiber.Ctx) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such contact")
	}
	// Only a script of the app's own origin can send JSON (a cross-site form cannot).
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return apiError(c, fiber.StatusUnsupportedMediaType, protocol.CodeBadJSON, "send the contact as JSON")
	}
	var e api.ContactEdit
	if err := json.Unmarshal(c.Body(), &e); err != nil {
		return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, "the contact could not be read; reload and try again")
	}
	k, err := h.st.UpdateContact(c.UserContext(), store.Contact{ID: id, TenantID: u.TenantID, Name: e.Name, Email: e.Email,
		Phone: e.Phone, Company: e.Company, Notes: e.Notes})
	var re *store.RuleError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such contact")
	case errors.As(err, &re):
		// The app shows the message as it is: in the agent's language.
		return apiError(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, userText(c, u, re.Message, re.Args...))
	case errors.Is(err, store.ErrInvalid):
		return apiError(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, "the contact was not saved: a field is too long or holds characters that cannot be stored")
	case err != nil:
		h.opts.Logger.Error("contact save", "err", err)
		return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the contact could not be saved; try again")
	}
	return c.JSON(api.ContactInfo{ID: k.ID, Name: k.Name, Email: k.Email, Phone: k.Phone, Company: k.Company, Notes: k.Notes})
}
