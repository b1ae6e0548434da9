package admin

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/admin/adminmsg"
	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/backend/store"
)

// leftReplyForm is a reply that could not be sent, shown again under its message with why.
type leftReplyForm struct {
	ChatID string
	Text   string
	// Message is the reason, an English sentence with placeholders Args fill.
	Message string
	Args    []string
}

// leftMail is the sender of replies to left messages: the server's (which wakes the outbox)
// or one that leaves delivery to the outbox's next poll.
func (h *handlers) leftMail() *mail.Left {
	if h.opts.Left != nil {
		return h.opts.Left
	}
	return &mail.Left{Store: h.st}
}

// leftReply sends a reply to a left message by e-mail and stores it with the message; a
// reply that cannot be sent comes back under its message with the reason.
func (h *handlers) leftReply(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := current(c)
	id := c.Params("id")
	text := c.FormValue("text")
	_, err := h.leftMail().Reply(ctx, s.Tenant.ID, id, s.User, text)
	var re *store.RuleError
	switch {
	case err == nil:
		return c.Redirect("/admin/left?sent="+id+"#left-"+id, fiber.StatusSeeOther)
	case errors.Is(err, store.ErrNotFound):
		return h.notFound(c, err)
	case errors.As(err, &re):
		return h.leftPage(c, fiber.StatusUnprocessableEntity, &leftReplyForm{ChatID: id, Text: text, Message: re.Message, Args: re.Args})
	default:
		return err
	}
}

// leftMailState says how far a reply's e-mail got.
func leftMailState(ctx context.Context, r store.LeftReply) string {
	switch r.MailState {
	case store.MailSent:
		return tr(ctx, "e-mail sent")
	case store.MailFailed:
		return tr(ctx, "e-mail failed: {0}", r.MailError)
	default:
		return tr(ctx, "e-mail pending")
	}
}

// leftDraft is the text of a refused reply to chatID, kept for another try.
func leftDraft(form *leftReplyForm, chatID string) string {
	if form == nil || form.ChatID != chatID {
		return ""
	}
	return form.Text
}

// messageIn is the reason in the reader's language (a store rule, kept in the catalogue).
func (f *leftReplyForm) messageIn(ctx context.Context) string {
	return adminmsg.T(ctx, f.Message, f.Args...)
}
