package agentapi

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/audit"
	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// LeftStore is what the left messages need besides [Store]; *store.Store has it.
type LeftStore interface {
	mail.LeftStore
	audit.Recorder
	LeftMessages(ctx context.Context, tenantID int64, limit int) ([]store.LeftMessage, error)
	Connectors(ctx context.Context, tenantID int64) ([]store.Connector, error)
}

// leftListSize is how many of the tenant's newest left messages the list looks through.
const leftListSize = 200

// registerLeft mounts the left messages when the store keeps them; replies are written to the
// audit log.
func (h handlers) registerLeft(g fiber.Router) {
	ls, ok := h.st.(LeftStore)
	if !ok {
		return
	}
	sender := h.opts.Left
	if sender == nil {
		sender = &mail.Left{Store: ls}
	}
	rec := h.audited(ls)
	base := strings.TrimSuffix(strings.TrimPrefix(api.LeftPath, "/api"), "/")
	g.Get(base, func(c *fiber.Ctx) error { return h.leftList(c, ls) })
	g.Post(base+"/:id"+api.LeftReplySuffix, rec, func(c *fiber.Ctx) error { return h.leftReply(c, ls, sender) })
}

// leftConnectors are the connectors whose left messages u answers: those of u's groups; an
// administrator's or supervisor's, all of the tenant's.
func leftConnectors(ctx context.Context, ls LeftStore, u store.User) (map[int64]store.Connector, error) {
	conns, err := ls.Connectors(ctx, u.TenantID)
	if err != nil {
		return nil, err
	}
	all := u.Role == store.RoleAdmin || u.Role == store.RoleSuperAdmin || u.Role == store.RoleSupervisor
	out := map[int64]store.Connector{}
	for _, c := range conns {
		if all || (c.GroupID != 0 && slices.Contains(u.Groups, c.GroupID)) {
			out[c.ID] = c
		}
	}
	return out, nil
}

// leftList answers the left messages of the agent's groups, newest first.
func (h handlers) leftList(c *fiber.Ctx, ls LeftStore) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	ctx := c.UserContext()
	conns, err := leftConnectors(ctx, ls, u)
	if err != nil {
		return h.leftFailed(c, err)
	}
	left, err := ls.LeftMessages(ctx, u.TenantID, leftListSize)
	if err != nil {
		return h.leftFailed(c, err)
	}
	out := api.LeftMessages{Messages: []api.LeftMessage{}}
	for _, m := range left {
		if conn, ok := conns[m.Chat.ConnectorID]; ok {
			out.Messages = append(out.Messages, leftWire(m, conn))
		}
	}
	return c.JSON(out)
}

// leftReply sends the agent's reply to a left message of their groups by e-mail, through
// the same sender as the admin pages, and answers the message with its replies.
func (h handlers) leftReply(c *fiber.Ctx, ls LeftStore, sender *mail.Left) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	ctx := c.UserContext()
	var req api.LeftReplyRequest
	if err := c.BodyParser(&req); err != nil {
		return apiError(c, fiber.StatusBadRequest, protocol.CodeBadJSON, "send JSON with the reply's text")
	}
	id := c.Params("id")
	lm, err := ls.LeftMessage(ctx, u.TenantID, id)
	if errors.Is(err, store.ErrNotFound) {
		return apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such left message")
	}
	if err != nil {
		return h.leftFailed(c, err)
	}
	conns, err := leftConnectors(ctx, ls, u)
	if err != nil {
		return h.leftFailed(c, err)
	}
	conn, mine := conns[lm.Chat.ConnectorID]
	if !mine {
		// Another group's message is not shown to this agent: as if it were not there.
		return apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such left message")
	}
	_, err = sender.Reply(ctx, u.TenantID, id, u, req.Text)
	var re *store.RuleError
	switch {
	case errors.As(err, &re):
		return c.Status(fiber.StatusUnprocessableEntity).JSON(api.LeftRuleError{Message: re.Message, Args: re.Args})
	case err != nil:
		return h.leftFailed(c, err)
	}
	if lm, err = ls.LeftMessage(ctx, u.TenantID, id); err != nil {
		return h.leftFailed(c, err)
	}
	return c.JSON(leftWire(lm, conn))
}

func (h handlers) leftFailed(c *fiber.Ctx, err error) error {
	h.opts.Logger.Error("left messages", "err", err)
	return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the left messages could not be read; try again")
}

// leftWire is a left message as the app reads it.
func leftWire(m store.LeftMessage, conn store.Connector) api.LeftMessage {
	name := conn.Title
	if name == "" {
		name = conn.Name
	}
	out := api.LeftMessage{ID: m.Chat.ID, Connector: name, Name: m.Chat.VisitorName, Email: m.Chat.VisitorEmail, Phone: m.Chat.VisitorPhone,
		Text: m.Text, At: m.Chat.CreatedAt, Answered: m.State() == store.LeftAnswered}
	for _, r := range m.Replies {
		out.Replies = append(out.Replies, api.LeftReply{Author: r.Author, Text: r.Text, At: r.CreatedAt, MailState: r.MailState, MailError: r.MailError})
	}
	return out
}
