package admin

import (
	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
)

// leftMessagesShown is how many of the newest left messages the page lists.
const leftMessagesShown = 100

// leftMessages lists the messages visitors left when no chat could be had, newest first, with
// their contact details, so that someone answers them.
func (h *handlers) leftMessages(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tid := current(c).Tenant.ID
	left, err := h.st.LeftMessages(ctx, tid, leftMessagesShown)
	if err != nil {
		return err
	}
	conns, err := h.st.Connectors(ctx, tid)
	if err != nil {
		return err
	}
	names := make(map[int64]string, len(conns))
	for _, k := range conns {
		names[k.ID] = k.Name
	}
	return render(c, fiber.StatusOK, leftMessagesPage(h.page(c, "Left messages", "left"), left, names))
}

// leftContact is how a left message can be answered: e-mail and phone, as given.
func leftContact(m store.LeftMessage) (email, phone string) {
	return m.Chat.VisitorEmail, m.Chat.VisitorPhone
}
