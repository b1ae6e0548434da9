package agentapi

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// langStore saves a person's language setting; the store has it, and the route is mounted
// only when the API's store does.
type langStore interface {
	SetUserLang(ctx context.Context, userID int64, lang string) error
}

// setLang keeps the language the agent chose in the app's menu as their setting, for the
// admin pages and their next sign-in on another device.
func (h handlers) setLang(ls langStore) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, ok := h.signedIn(c)
		if !ok {
			return nil
		}
		if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
			return apiError(c, fiber.StatusUnsupportedMediaType, protocol.CodeBadJSON, "send the language as JSON")
		}
		var req api.LangRequest
		if err := c.BodyParser(&req); err != nil {
			return apiError(c, fiber.StatusBadRequest, protocol.CodeBadJSON, "send JSON with lang")
		}
		err := ls.SetUserLang(c.UserContext(), u.ID, strings.TrimSpace(req.Lang))
		switch {
		case errors.Is(err, store.ErrInvalid):
			return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, "lang is a language tag such as de or fr-BE, or empty")
		case err != nil:
			h.opts.Logger.Error("set language", "user", u.ID, "err", err)
			return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the language could not be saved; try again")
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}
