package agentapi

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// PushStore keeps the agents' push subscriptions.
type PushStore interface {
	SavePushSubscription(ctx context.Context, p store.PushSubscription) (store.PushSubscription, error)
	DeletePushSubscription(ctx context.Context, userID int64, endpoint string) error
}

// PushKeys gives the VAPID public key the app subscribes with.
type PushKeys interface {
	PublicKey() string
}

// registerPush mounts the Web Push routes (shared/api PushKeyPath, PushSubscriptionPath).
func (h handlers) registerPush(g fiber.Router) {
	ps, ok := h.st.(PushStore)
	if !ok || h.opts.Push == nil {
		return
	}
	g.Get(strings.TrimPrefix(api.PushKeyPath, "/api"), func(c *fiber.Ctx) error {
		if _, ok := h.signedIn(c); !ok {
			return nil
		}
		return c.JSON(api.PushKey{PublicKey: h.opts.Push.PublicKey()})
	})
	path := strings.TrimPrefix(api.PushSubscriptionPath, "/api")
	g.Put(path, func(c *fiber.Ctx) error {
		u, req, ok := h.pushRequest(c)
		if !ok {
			return nil
		}
		_, err := ps.SavePushSubscription(c.UserContext(), store.PushSubscription{TenantID: u.TenantID, UserID: u.ID,
			Endpoint: req.Endpoint, P256dh: req.Keys.P256dh, Auth: req.Keys.Auth})
		var fe *store.FieldError
		switch {
		case errors.As(err, &fe):
			// The app shows the message as it is: in the agent's language.
			msg := userText(c, u, fe.Message, fe.Args...)
			return c.Status(fiber.StatusBadRequest).JSON(api.ErrorBody{Error: protocol.Error{Code: protocol.CodeInvalid, Message: msg, Field: fe.Field}})
		case err != nil:
			h.opts.Logger.Error("save push subscription", "user", u.ID, "err", err)
			return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "notifications could not be switched on; try again")
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
	g.Delete(path, func(c *fiber.Ctx) error {
		u, req, ok := h.pushRequest(c)
		if !ok {
			return nil
		}
		if err := ps.DeletePushSubscription(c.UserContext(), u.ID, strings.TrimSpace(req.Endpoint)); err != nil {
			h.opts.Logger.Error("delete push subscription", "user", u.ID, "err", err)
			return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "notifications could not be switched off; try again")
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
}

// pushRequest reads a subscription sent as JSON by the signed-in agent, or answers the error.
func (h handlers) pushRequest(c *fiber.Ctx) (store.User, api.PushSubscription, bool) {
	var req api.PushSubscription
	u, ok := h.signedIn(c)
	if !ok {
		return u, req, false
	}
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		_ = apiError(c, fiber.StatusUnsupportedMediaType, protocol.CodeBadJSON, "send the subscription as JSON")
		return u, req, false
	}
	if err := c.BodyParser(&req); err != nil {
		_ = apiError(c, fiber.StatusBadRequest, protocol.CodeBadJSON, "send the subscription as JSON with endpoint and keys")
		return u, req, false
	}
	return u, req, true
}

// forgetPush removes the push subscription a signing-out browser names, before its session
// ends.
func (h handlers) forgetPush(c *fiber.Ctx) {
	ps, ok := h.st.(PushStore)
	if !ok || len(c.Body()) == 0 {
		return
	}
	var req api.LogoutRequest
	if c.BodyParser(&req) != nil || strings.TrimSpace(req.PushEndpoint) == "" {
		return
	}
	u, err := h.st.SessionUser(c.UserContext(), session.Token(c))
	if err != nil {
		return
	}
	if err := ps.DeletePushSubscription(c.UserContext(), u.ID, strings.TrimSpace(req.PushEndpoint)); err != nil {
		h.opts.Logger.Error("delete push subscription at sign-out", "user", u.ID, "err", err)
	}
}
