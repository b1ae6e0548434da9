// Package agentapi is the HTTP API of the agent app: sign-in, sign-out, who is signed in, and
// the reads the app makes besides the WebSocket (a visitor's earlier chats, canned responses,
// a chat's transcript as PDF). The session token
// is set as an HttpOnly cookie, which the agent WebSocket handshake carries, and returned in the
// body for clients that are not browsers (the load tool, tests). The JSON shapes are in
// shared/api, which the app reads them with.
package agentapi

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/admin/adminmsg"
	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/signin"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/transcript"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// Store is what the API needs from persistence.
type Store interface {
	UserByLogin(ctx context.Context, login string) (store.User, error)
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error)
	SessionUser(ctx context.Context, rawToken string) (store.User, error)
	DeleteSession(ctx context.Context, rawToken string) error
	User(ctx context.Context, id int64) (store.User, error)
	Chat(ctx context.Context, id string) (store.Chat, error)
	Connector(ctx context.Context, id int64) (store.Connector, error)
	ChatsOfVisitor(ctx context.Context, tenantID int64, v store.Visitor, limit int) ([]store.Chat, error)
	Messages(ctx context.Context, chatID string, limit int) ([]store.Message, error)
	CannedResponses(ctx context.Context, tenantID int64) ([]store.CannedResponse, error)
	// The transcript reads the chat's tenant, participants, survey fields and events.
	transcript.Store
	// The contact panel reads and edits the chat's contact.
	ContactStore
}

// Options configure the API.
type Options struct {
	SessionTTL    time.Duration
	SecureCookies bool
	// SignIn checks sign-ins; pass the server's one guard so that the admin pages share its
	// budgets. Nil makes one for this API alone.
	SignIn *signin.Guard
	Logger *slog.Logger
	// Colleagues answers GET /api/agents from the live chat service (who is connected, in
	// which status, with how many chats). Nil leaves the route unmounted.
	Colleagues Colleagues
	// Push gives the VAPID public key of Web Push; nil leaves the push routes unmounted.
	Push PushKeys
	// TranscriptMail drafts and sends transcript e-mails (api.TranscriptMailPath); nil
	// leaves the route unmounted.
	TranscriptMail TranscriptMailer
	// Left sends the replies to left messages: the server's, which wakes its mail outbox (the
	// admin pages use the same). Nil sends through the store, for the outbox's next poll.
	Left *mail.Left
}

// Colleagues lists a signed-in agent's colleagues with their presence and load; the chat
// service implements it, since presence lives there.
type Colleagues interface {
	Colleagues(ctx context.Context, me store.User) ([]api.Colleague, error)
}

// Register mounts the API under /api.
func Register(r fiber.Router, st Store, opts Options) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SignIn == nil {
		opts.SignIn = signin.New(st, signin.Limits{}, opts.Logger)
	}
	h := handlers{st: st, opts: opts, sessions: session.Issuer{Store: st, TTL: opts.SessionTTL, Secure: opts.SecureCookies}}
	g := r.Group("/api")
	g.Post("/login", h.login)
	g.Post("/logout", h.logout)
	g.Get("/me", h.me)
	g.Get("/chats/:id/previous", h.previous)
	g.Post("/contacts/:id", h.contactSave)
	g.Get("/canned", h.canned)
	if opts.Colleagues != nil {
		g.Get(strings.TrimPrefix(api.ColleaguesPath, "/api"), h.colleagues)
	}
	g.Get("/chats/:id/transcript.pdf", h.transcript)
	h.registerArchive(g)
	if ts, ok := st.(targetStore); ok {
		g.Get(strings.TrimPrefix(api.TransferTargetsPath, "/api"), h.transferTargets(ts))
	}
	h.registerPush(g)
	h.registerTranscriptMail(g)
	h.registerLeft(g)
	h.registerTemplates(g)
	if ls, ok := st.(langStore); ok {
		g.Put(strings.TrimPrefix(api.LangPath, "/api"), h.setLang(ls))
	}
}

type handlers struct {
	st       Store
	opts     Options
	sessions session.Issuer
}

func apiError(c *fiber.Ctx, status int, code protocol.Code, msg string) error {
	return c.Status(status).JSON(api.ErrorBody{Error: protocol.Error{Code: code, Message: msg}})
}

// userText is a store's message (a *store.FieldError's or *store.RuleError's literal and
// arguments) in u's language: their setting, else their browser's. The store's messages are
// kept in the admin pages' catalogue, which speaks the agent app's languages.
func userText(c *fiber.Ctx, u store.User, msg string, args ...string) string {
	return adminmsg.For(adminmsg.Pick(u.Lang, c.Get(fiber.HeaderAcceptLanguage))).T(msg, args...)
}

func (h handlers) login(c *fiber.Ctx) error {
	var req api.LoginRequest
	if err := c.BodyParser(&req); err != nil {
		return apiError(c, fiber.StatusBadRequest, protocol.CodeBadJSON, "send JSON with login and password")
	}
	if strings.TrimSpace(req.Login) == "" || req.Password == "" {
		return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, "login and password are required")
	}
	u, err := h.opts.SignIn.SignIn(c.UserContext(), c.IP(), req.Login, req.Password)
	var limited *signin.LimitedError
	switch {
	case errors.As(err, &limited):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(limited.RetryAfterSeconds()))
		return apiError(c, fiber.StatusTooManyRequests, protocol.CodeRateLimited, limited.Error())
	case errors.Is(err, signin.ErrWrong):
		return apiError(c, fiber.StatusUnauthorized, protocol.CodeUnauthorized, err.Error())
	case err != nil:
		h.opts.Logger.Error("sign-in", "err", err)
		return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "sign-in failed; try again")
	}
	token, err := h.sessions.Start(c, u.ID)
	if err != nil {
		h.opts.Logger.Error("create session", "user", u.ID, "err", err)
		return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "sign-in failed; try again")
	}
	h.opts.Logger.Info("signed in", "user", u.ID, "role", u.Role)
	return c.JSON(api.LoginResponse{Token: token, User: chat.WireUser(u)})
}

func (h handlers) logout(c *fiber.Ctx) error {
	h.forgetPush(c)
	if err := h.sessions.End(c); err != nil {
		h.opts.Logger.Error("delete session", "err", err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h handlers) me(c *fiber.Ctx) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	return c.JSON(chat.WireUser(u))
}

// colleagues answers the signed-in agent's colleagues with their presence and load.
func (h handlers) colleagues(c *fiber.Ctx) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	list, err := h.opts.Colleagues.Colleagues(c.UserContext(), u)
	if err != nil {
		h.opts.Logger.Error("list colleagues", "user", u.ID, "err", err)
		return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "your colleagues could not be listed; try again")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(list)
}

// signedIn returns the user of the request's session, or answers 401.
func (h handlers) signedIn(c *fiber.Ctx) (store.User, bool) {
	u, err := h.st.SessionUser(c.UserContext(), session.Token(c))
	if err != nil || !u.Active {
		_ = apiError(c, fiber.StatusUnauthorized, protocol.CodeUnauthorized, "not signed in")
		return store.User{}, false
	}
	return u, true
}

// previous answers a visitor's contact and earlier chats (its timeline) with their last
// messages, for an agent of the chat's tenant.
func (h handlers) previous(c *fiber.Ctx) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	ctx := c.UserContext()
	chatID := strings.Clone(c.Params("id"))
	cur, err := h.st.Chat(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && cur.TenantID != u.TenantID) {
		return apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such chat")
	}
	if err != nil {
		h.opts.Logger.Error("previous chats", "err", err)
		return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "could not read earlier chats; try again")
	}
	out := api.Previous{Chats: []api.PreviousChat{}}
	info, chats, err := h.contactTimeline(ctx, cur)
	out.Contact = info
	if err == nil && info == nil {
		if cur.VisitorEmail == "" && cur.CustomerID == "" && cur.VisitorID == "" {
			return c.JSON(out)
		}
		chats, err = h.st.ChatsOfVisitor(ctx, u.TenantID, store.Visitor{Email: cur.VisitorEmail, CustomerID: cur.CustomerID, VisitorID: cur.VisitorID}, 20)
	}
	if err != nil {
		h.opts.Logger.Error("previous chats", "err", err)
		return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "could not read earlier chats; try again")
	}
	left := api.PreviousLimit
	names := map[int64]string{}
	connectors := map[int64]string{}
	for _, ch := range chats {
		if ch.ID == cur.ID || left <= 0 {
			continue
		}
		msgs, err := h.st.Messages(ctx, ch.ID, left)
		if err != nil {
			h.opts.Logger.Error("previous chat messages", "chat", ch.ID, "err", err)
			continue
		}
		pc := api.PreviousChat{ID: ch.ID, CreatedAt: ch.CreatedAt, Messages: make([]api.PreviousMessage, 0, len(msgs))}
		if ch.ClosedAt != nil {
			pc.ClosedAt = *ch.ClosedAt
		}
		if _, ok := connectors[ch.ConnectorID]; !ok {
			if k, err := h.st.Connector(ctx, ch.ConnectorID); err == nil {
				connectors[ch.ConnectorID] = k.Name
			}
		}
		pc.Connector = connectors[ch.ConnectorID]
		if ch.AgentID != 0 {
			if _, ok := names[ch.AgentID]; !ok {
				if a, err := h.st.User(ctx, ch.AgentID); err == nil {
					names[ch.AgentID] = chat.DisplayName(a)
				}
			}
			pc.Agent = names[ch.AgentID]
		}
		for _, m := range msgs {
			pc.Messages = append(pc.Messages, api.PreviousMessage{Role: protocol.Role(m.Role), Name: m.Name, Text: m.Text, At: m.At})
		}
		left -= len(msgs)
		out.Chats = append(out.Chats, pc)
	}
	return c.JSON(out)
}

// canned answers the tenant's canned responses, with their folder paths, for the app's
// searchable list.
func (h handlers) canned(c *fiber.Ctx) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	list, err := h.st.CannedResponses(c.UserContext(), u.TenantID)
	if err != nil {
		h.opts.Logger.Error("canned responses", "err", err)
		return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "could not read the canned responses; try again")
	}
	out := make([]api.Canned, 0, len(list))
	for _, r := range list {
		out = append(out, api.Canned{ID: r.ID, Folder: r.Path, Title: r.Title, Text: r.Text})
	}
	return c.JSON(out)
}
