// Package agentapi is the HTTP API of the agent app: sign-in, sign-out and who is signed in.
// The session token is set as an HttpOnly cookie, which the agent WebSocket handshake carries,
// and returned in the body for clients that are not browsers (the load tool, tests).
package agentapi

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Store is what the API needs from persistence.
type Store interface {
	UserByLogin(ctx context.Context, login string) (store.User, error)
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error)
	SessionUser(ctx context.Context, rawToken string) (store.User, error)
	DeleteSession(ctx context.Context, rawToken string) error
}

// Options configure the API.
type Options struct {
	SessionTTL    time.Duration
	SecureCookies bool
	// LoginsPerMinute bounds sign-in attempts per client address (10).
	LoginsPerMinute int
	Logger          *slog.Logger
}

// Register mounts the API under /api.
func Register(r fiber.Router, st Store, opts Options) {
	if opts.LoginsPerMinute <= 0 {
		opts.LoginsPerMinute = 10
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := handlers{st: st, opts: opts}
	api := r.Group("/api")
	api.Post("/login", limiter.New(limiter.Config{
		Max: opts.LoginsPerMinute, Expiration: time.Minute,
		LimitReached: func(c *fiber.Ctx) error {
			return apiError(c, fiber.StatusTooManyRequests, protocol.CodeRateLimited, "too many sign-in attempts; wait a minute and try again")
		},
	}), h.login)
	api.Post("/logout", h.logout)
	api.Get("/me", h.me)
}

type handlers struct {
	st   Store
	opts Options
}

// loginRequest is the sign-in form.
type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// loginResponse answers a successful sign-in.
type loginResponse struct {
	Token string        `json:"token"`
	User  protocol.User `json:"user"`
}

// errorBody is the shape of every API error: a stable code and a message for people.
type errorBody struct {
	Error protocol.Error `json:"error"`
}

func apiError(c *fiber.Ctx, status int, code protocol.Code, msg string) error {
	return c.Status(status).JSON(errorBody{Error: protocol.Error{Code: code, Message: msg}})
}

func (h handlers) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := c.BodyParser(&req); err != nil {
		return apiError(c, fiber.StatusBadRequest, protocol.CodeBadJSON, "send JSON with login and password")
	}
	if strings.TrimSpace(req.Login) == "" || req.Password == "" {
		return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, "login and password are required")
	}
	ctx := c.UserContext()
	u, err := h.st.UserByLogin(ctx, req.Login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.opts.Logger.Error("sign-in lookup", "err", err)
		return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "sign-in failed; try again")
	}
	ok := false
	if err == nil && u.Active {
		ok, err = password.Verify(u.PasswordHash, req.Password)
		if err != nil {
			h.opts.Logger.Error("password verify", "user", u.ID, "err", err)
		}
	}
	if !ok {
		return apiError(c, fiber.StatusUnauthorized, protocol.CodeUnauthorized, "the login or password is wrong")
	}
	token, err := h.st.CreateSession(ctx, u.ID, h.opts.SessionTTL)
	if err != nil {
		h.opts.Logger.Error("create session", "user", u.ID, "err", err)
		return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "sign-in failed; try again")
	}
	h.opts.Logger.Info("signed in", "user", u.ID, "role", u.Role)
	c.Cookie(&fiber.Cookie{
		Name: realtime.SessionCookie, Value: token, Path: "/", HTTPOnly: true, Secure: h.opts.SecureCookies,
		SameSite: fiber.CookieSameSiteStrictMode, Expires: time.Now().Add(h.opts.SessionTTL),
	})
	return c.JSON(loginResponse{Token: token, User: WireUser(u)})
}

func (h handlers) logout(c *fiber.Ctx) error {
	if token := sessionToken(c); token != "" {
		if err := h.st.DeleteSession(c.UserContext(), token); err != nil {
			h.opts.Logger.Error("delete session", "err", err)
		}
	}
	c.Cookie(&fiber.Cookie{Name: realtime.SessionCookie, Value: "", Path: "/", HTTPOnly: true, Secure: h.opts.SecureCookies,
		SameSite: fiber.CookieSameSiteStrictMode, Expires: time.Unix(0, 0), MaxAge: -1})
	return c.SendStatus(fiber.StatusNoContent)
}

func (h handlers) me(c *fiber.Ctx) error {
	u, err := h.st.SessionUser(c.UserContext(), sessionToken(c))
	if err != nil || !u.Active {
		return apiError(c, fiber.StatusUnauthorized, protocol.CodeUnauthorized, "not signed in")
	}
	return c.JSON(WireUser(u))
}

// sessionToken reads the session from the cookie or a bearer token.
func sessionToken(c *fiber.Ctx) string {
	if v := c.Cookies(realtime.SessionCookie); v != "" {
		return strings.Clone(v)
	}
	if auth := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(auth, "Bearer ") {
		return strings.Clone(strings.TrimPrefix(auth, "Bearer "))
	}
	return ""
}

// WireUser is the user as the API and the protocol show them.
func WireUser(u store.User) protocol.User {
	return protocol.User{ID: u.ID, Name: u.Name, Nickname: u.Nickname, Login: u.Login, Role: u.Role, Lang: u.Lang, MaxChats: u.MaxChats}
}
