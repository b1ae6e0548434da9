// Package session is how a signed-in person is recognised on requests: the session cookie with
// its Secure, HttpOnly and SameSite rules, and the bearer header that clients which are not
// browsers send instead.
//
// A session is a random secret token (package token) whose hash the store keeps with the user
// and an expiry. This package is the part that travels with requests, kept in one place so
// that the agent API, the admin pages, uploads and the agent WebSocket all set, read and clear
// it the same way: the cookie is HttpOnly (no script can read it), SameSite=Strict (no other
// site can make a browser send it, which also protects the WebSocket handshake) and Secure when
// the server is served over TLS.
package session

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Cookie is the name of the session cookie, shared by the agent app and the admin pages and
// carried by the agent WebSocket handshake.
const Cookie = "parley_session"

// Token returns a request's session token: the session cookie, or else a bearer token
// (Authorization: Bearer …) for clients that are not browsers. It is "" when there is none.
// The result is a copy, safe to keep after the request.
func Token(c *fiber.Ctx) string {
	if v := FromCookie(c); v != "" {
		return v
	}
	if raw, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer "); ok {
		return strings.Clone(strings.TrimSpace(raw))
	}
	return ""
}

// FromCookie returns the session cookie's token only, for pages whose forms are tied to the
// cookie (the admin pages' CSRF tokens). The result is a copy.
func FromCookie(c *fiber.Ctx) string { return strings.Clone(c.Cookies(Cookie)) }

// Store is what starting and ending sessions needs from persistence; *store.Store implements it.
type Store interface {
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error)
	DeleteSession(ctx context.Context, rawToken string) error
}

// Issuer starts and ends sessions: the stored row and the cookie together.
type Issuer struct {
	Store Store
	// TTL is how long a session lasts.
	TTL time.Duration
	// Secure marks the cookie Secure: set it whenever the server is reached over TLS.
	Secure bool
}

// Start creates a session for the user, sets its cookie on the response and returns the raw
// token (for clients that are not browsers, which send it as a bearer token).
func (i Issuer) Start(c *fiber.Ctx, userID int64) (string, error) {
	raw, err := i.Store.CreateSession(c.UserContext(), userID, i.TTL)
	if err != nil {
		return "", err
	}
	i.setCookie(c, raw, time.Now().Add(i.TTL), 0)
	return raw, nil
}

// End deletes the request's session, if it has one, and clears the cookie. Ending a session
// twice is harmless; the cookie is cleared even when the deletion fails, whose error is
// returned for the log.
func (i Issuer) End(c *fiber.Ctx) error {
	var err error
	if raw := Token(c); raw != "" {
		err = i.Store.DeleteSession(c.UserContext(), raw)
	}
	i.setCookie(c, "", time.Unix(0, 0), -1)
	return err
}

// setCookie writes the session cookie with the rules every session cookie follows.
func (i Issuer) setCookie(c *fiber.Ctx, value string, expires time.Time, maxAge int) {
	c.Cookie(&fiber.Cookie{
		Name: Cookie, Value: value, Path: "/", Expires: expires, MaxAge: maxAge,
		HTTPOnly: true, Secure: i.Secure, SameSite: fiber.CookieSameSiteStrictMode,
	})
}
