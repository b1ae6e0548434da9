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
	return h.leftPage(c, fiber.StatusOK, nil)
}

// leftPage draws the list; form is a reply that was refused, shown again under its message.
func (h *handlers) leftPage(c *fiber.Ctx, status int, form *leftReplyForm) error {
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
	p := h.page(c, "Left messages", "left")
	if c.Query("sent") != "" {
		p.Flash = tr(ctx, "Reply saved. It is sent by e-mail; the delivery log shows when.")
	}
	return render(c, status, leftMessagesPage(p, left, names, form))
}

// leftContact is how a left message can be answered: e-mail and phone, as given.
func leftContact(m store.LeftMessage) (email, phone string) {
	return m.Chat.VisitorEmail, m.Chat.VisitorPhone
}
