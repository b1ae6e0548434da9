package agentapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/time/rate"

	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/transcript"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// TranscriptMailer drafts and sends chats' transcript e-mails for agents (*mail.Transcripts
// has it); its errors are package mail's.
type TranscriptMailer interface {
	Draft(ctx context.Context, chatID string) (api.TranscriptDraft, error)
	// SendAs sends the transcript; a non-empty key makes it idempotent: the same key again
	// returns the mail written the first time.
	SendAs(ctx context.Context, chatID, to, subject, key string) (store.OutboxMail, error)
}

// Each agent may send a transcript every agentMailEvery on average, agentMailBurst at once,
// on top of the bound on each chat's transcripts: an agent's account cannot be used to send
// mail in bulk.
const (
	agentMailEvery = 20 * time.Second
	agentMailBurst = 10
)

// mailLimits holds every agent's transcript budget.
type mailLimits struct {
	mu sync.Mutex
	by map[int64]*rate.Limiter
}

func (l *mailLimits) allow(user int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[int64]*rate.Limiter{}
	}
	lim := l.by[user]
	if lim == nil {
		if len(l.by) > 10000 {
			clear(l.by)
		}
		lim = rate.NewLimiter(rate.Every(agentMailEvery), agentMailBurst)
		l.by[user] = lim
	}
	return lim.Allow()
}

// registerTranscriptMail mounts the transcript e-mail form's draft and send.
func (h handlers) registerTranscriptMail(g fiber.Router) {
	m := h.opts.TranscriptMail
	if m == nil {
		return
	}
	lim := &mailLimits{}
	path := strings.TrimPrefix(api.TranscriptMailPath(":id"), "/api")
	g.Get(path, func(c *fiber.Ctx) error {
		id, ok := h.mayMailTranscript(c)
		if !ok {
			return nil
		}
		d, err := m.Draft(c.UserContext(), id)
		if err != nil {
			return h.transcriptMailError(c, id, err)
		}
		c.Set(fiber.HeaderCacheControl, "private, no-store")
		return c.JSON(d)
	})
	g.Post(path, func(c *fiber.Ctx) error {
		u, ok := h.signedIn(c)
		if !ok {
			return nil
		}
		id, ok := h.mayMailTranscript(c)
		if !ok {
			return nil
		}
		var req api.TranscriptMailRequest
		if err := c.BodyParser(&req); err != nil || !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
			return apiError(c, fiber.StatusBadRequest, protocol.CodeBadJSON, "send JSON with to and subject")
		}
		if !api.ValidTranscriptMailKey(req.Key) {
			return apiError(c, fiber.StatusBadRequest, protocol.CodeBadJSON, "key: up to 64 letters, digits, - and _")
		}
		key := ""
		if req.Key != "" {
			key = fmt.Sprint(u.ID) + ":" + req.Key // one agent's key never names another's send
		}
		if !lim.allow(u.ID) {
			c.Set(fiber.HeaderRetryAfter, "20")
			return apiError(c, fiber.StatusTooManyRequests, protocol.CodeRateLimited, "you sent many transcripts in a short time; wait a moment")
		}
		out, err := m.SendAs(c.UserContext(), id, req.To, req.Subject, key)
		if err != nil {
			return h.transcriptMailError(c, id, err)
		}
		h.opts.Logger.Info("transcript e-mailed by an agent", "chat", id, "user", u.ID, "outbox", out.ID)
		return c.Status(fiber.StatusAccepted).JSON(api.TranscriptMailSent{To: out.To})
	})
}

// mayMailTranscript answers 404 (as for a chat that does not exist) unless the signed-in
// agent took part in the chat or supervises its tenant ([transcript.MayRead]).
func (h handlers) mayMailTranscript(c *fiber.Ctx) (string, bool) {
	u, ok := h.signedIn(c)
	if !ok {
		return "", false
	}
	ctx := c.UserContext()
	id := strings.Clone(c.Params("id"))
	ch, err := h.st.Chat(ctx, id)
	var parts []store.Participant
	if err == nil {
		parts, err = h.st.Participants(ctx, ch.ID)
	}
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && (ch.Kind == store.ChatDirect || !transcript.MayRead(u, ch, parts))):
		_ = apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such chat")
		return "", false
	case err != nil:
		h.opts.Logger.Error("transcript mail", "chat", id, "err", err)
		_ = apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the chat could not be read; try again")
		return "", false
	}
	return id, true
}

// transcriptMailError answers an error of the mailer: the person's to correct with its field.
func (h handlers) transcriptMailError(c *fiber.Ctx, id string, err error) error {
	switch {
	case errors.Is(err, mail.ErrBadAddress):
		return c.Status(fiber.StatusBadRequest).JSON(api.ErrorBody{Error: protocol.Error{Code: protocol.CodeInvalid, Field: "to",
			Message: "enter one e-mail address like name@example.com"}})
	case errors.Is(err, mail.ErrBadSubject):
		return c.Status(fiber.StatusBadRequest).JSON(api.ErrorBody{Error: protocol.Error{Code: protocol.CodeInvalid, Field: "subject",
			Message: "the subject must be one line of at most 500 characters"}})
	case errors.Is(err, mail.ErrUnknownChat):
		return apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such chat")
	case errors.Is(err, mail.ErrTooMany):
		return apiError(c, fiber.StatusTooManyRequests, protocol.CodeRateLimited, "this chat's transcript was sent 5 times already")
	}
	h.opts.Logger.Error("transcript mail", "chat", id, "err", err)
	return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the transcript could not be sent; try again")
}
