package agentapi

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// templateStore is what the WhatsApp templates need besides [Store]; *store.Store has it.
type templateStore interface {
	WhatsAppChat(ctx context.Context, chatID string) (store.WhatsAppChat, error)
}

// registerTemplates mounts the WhatsApp templates of a chat when the store keeps WhatsApp
// chats.
func (h handlers) registerTemplates(g fiber.Router) {
	ts, ok := h.st.(templateStore)
	if !ok {
		return
	}
	g.Get("/chats/:id"+api.TemplatesSuffix, func(c *fiber.Ctx) error { return h.templates(c, ts) })
}

// templates answers the approved templates of a WhatsApp chat's connector, for an agent of the
// chat's tenant.
func (h handlers) templates(c *fiber.Ctx, ts templateStore) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	ctx := c.UserContext()
	id := c.Params("id")
	ch, err := h.st.Chat(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ch.TenantID != u.TenantID) {
		return apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such chat")
	}
	if err != nil {
		return h.templatesFailed(c, err)
	}
	wa, err := ts.WhatsAppChat(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "the chat is not on WhatsApp")
	}
	if err != nil {
		return h.templatesFailed(c, err)
	}
	conn, err := h.st.Connector(ctx, wa.ConnectorID)
	if err != nil {
		return h.templatesFailed(c, err)
	}
	out := api.WhatsAppTemplates{WindowOpen: tyntec.WindowOpen(wa.LastInbound, time.Now()), Templates: []api.WhatsAppTemplate{}}
	tpls, _ := tyntec.ParseTemplates(conn.WhatsAppTemplates) // the admin pages keep only what parses
	for _, t := range tpls {
		out.Templates = append(out.Templates, api.WhatsAppTemplate{Name: t.Name, Language: t.Language, Params: t.Params})
	}
	return c.JSON(out)
}

func (h handlers) templatesFailed(c *fiber.Ctx, err error) error {
	h.opts.Logger.Error("whatsapp templates", "err", err)
	return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the templates could not be read; try again")
}
