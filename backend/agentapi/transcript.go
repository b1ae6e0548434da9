package agentapi

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/transcript"
	"github.com/parleychat/parley/shared/protocol"
)

// transcript answers a chat's transcript as a PDF download, for the agents who took part in
// it and the supervisors and administrators of its tenant (see [transcript.MayRead]). Anyone
// else gets the same 404 as for a chat that does not exist, so that no one learns of another
// tenant's chats.
func (h handlers) transcript(c *fiber.Ctx) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	ctx := c.UserContext()
	chatID := strings.Clone(c.Params("id"))
	notFound := func() error { return apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such chat") }
	failed := func(err error) error {
		h.opts.Logger.Error("transcript", "chat", chatID, "user", u.ID, "err", err)
		return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the transcript could not be made; try again")
	}
	ch, err := h.st.Chat(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return failed(err)
	}
	parts, err := h.st.Participants(ctx, ch.ID)
	if err != nil {
		return failed(err)
	}
	if !transcript.MayRead(u, ch, parts) {
		return notFound()
	}
	tr, err := transcript.Load(ctx, h.st, ch, time.Now(), readerLang(c, u))
	if err != nil {
		return failed(err)
	}
	var buf bytes.Buffer
	if err := transcript.Render(&buf, tr); err != nil {
		return failed(err)
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename(tr)+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return c.Send(buf.Bytes())
}

// filename is the name a transcript is saved under: the day the chat started in the tenant's
// zone and the chat's id (URL-safe base64, so safe in a file name), such as
// "chat-2025-03-04-AbC123.pdf".
func filename(tr transcript.Transcript) string {
	loc := tr.Location
	if loc == nil {
		loc = time.UTC
	}
	id := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, tr.ChatID)
	return "chat-" + tr.Started.In(loc).Format("2006-01-02") + "-" + id + ".pdf"
}

// readerLang is the language a transcript's survey answers are labelled in for u: their
// language setting, which the agent app follows, else the first language the browser asks
// for, as the app falls back to the browser's.
func readerLang(c *fiber.Ctx, u store.User) string {
	if l := strings.TrimSpace(u.Lang); l != "" {
		return l
	}
	first, _, _ := strings.Cut(c.Get(fiber.HeaderAcceptLanguage), ",")
	first, _, _ = strings.Cut(first, ";")
	return strings.TrimSpace(first)
}
