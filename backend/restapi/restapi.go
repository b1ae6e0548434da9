// Package restapi is Parley's REST API v1 for integrators and bots: chats (list, search, get,
// transcript, close, transfer), messages sent as the token's agent or bot user, contacts,
// connectors, users, statuses and reports, under /api/v1, with the OpenAPI 3.1 document that
// describes it at /api/v1/openapi.json.
//
// It is a thin layer: reads go to the store and packages archive, transcript and report as
// the agent app and the admin pages use them, and commands on chats go through the chat
// service ([chat.Service.Act]) with the rules, commit and live delivery of the agent app's.
// Callers authenticate with a tenant's API token (Authorization: Bearer), which acts as one
// of the tenant's users within its scopes; each token has its own request rate, and every
// error is an RFC 9457 problem. The routes and the document come from one table (routes.go),
// so that the document cannot forget a route.
package restapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/time/rate"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Actor runs agents' commands on chats; *chat.Service is one.
type Actor interface {
	Act(ctx context.Context, user store.User, cmd protocol.Command) (*protocol.Ack, error)
}

// Options configure the API.
type Options struct {
	Store *store.Store
	Chats Actor
	// PerMinute is each token's request budget per minute, Burst how many may come at once
	// (defaults 600 and 60).
	PerMinute int
	Burst     int
	Logger    *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// api is the mounted API.
type api struct {
	o      Options
	mu     sync.Mutex
	limits map[int64]*rate.Limiter
}

// Register mounts the API on app.
func Register(app fiber.Router, o Options) {
	if o.PerMinute <= 0 {
		o.PerMinute = 600
	}
	if o.Burst <= 0 {
		o.Burst = 60
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &api{o: o, limits: map[int64]*rate.Limiter{}}
	g := app.Group(Prefix)
	doc := Document()
	g.Get("/openapi.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "application/json")
		c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
		return c.Send(doc)
	})
	for _, r := range routes() {
		r := r
		g.Add(r.method, fiberPath(r.path), func(c *fiber.Ctx) error { return a.serve(c, r) })
	}
	// Everything else under the prefix is a problem too, not the web app's page.
	g.Use(func(c *fiber.Ctx) error {
		for _, r := range routes() {
			if matches(fiberPath(r.path), c.Path()[len(Prefix):]) {
				c.Set(fiber.HeaderAllow, allowed(c.Path()[len(Prefix):]))
				return problem(c, fiber.StatusMethodNotAllowed, protocol.CodeUnsupported, c.Method()+" is not allowed here")
			}
		}
		return problem(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such endpoint: "+c.Path())
	})
}

// serve authenticates, checks the scope and the rate, and runs the route's handler.
func (a *api) serve(c *fiber.Ctx, r route) error {
	raw, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="parley"`)
		return problem(c, fiber.StatusUnauthorized, protocol.CodeUnauthorized, "send an API token: Authorization: Bearer <token>")
	}
	ctx := c.UserContext()
	tok, err := a.o.Store.APITokenBySecret(ctx, strings.TrimSpace(raw))
	if errors.Is(err, store.ErrNotFound) {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="parley", error="invalid_token"`)
		return problem(c, fiber.StatusUnauthorized, protocol.CodeUnauthorized, "the API token is not valid or was revoked")
	}
	if err != nil {
		return a.failed(c, err)
	}
	if wait, ok := a.allow(tok.ID); !ok {
		secs := int(wait/time.Second) + 1
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		return problem(c, fiber.StatusTooManyRequests, protocol.CodeRateLimited, "too many requests with this token; retry after "+strconv.Itoa(secs)+" s")
	}
	user, err := a.o.Store.User(ctx, tok.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!user.Active || user.TenantID != tok.TenantID)) {
		return problem(c, fiber.StatusForbidden, protocol.CodeForbidden, "the token's user is no longer active")
	}
	if err != nil {
		return a.failed(c, err)
	}
	if !tok.Has(r.scope) {
		return problem(c, fiber.StatusForbidden, protocol.CodeForbidden, "the token lacks the scope "+r.scope)
	}
	if err := a.o.Store.TouchAPIToken(ctx, tok.ID, a.o.Now()); err != nil {
		a.o.Logger.Warn("api token last use", "token", tok.ID, "err", err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if err := r.handle(a, c, caller{token: tok, user: user}); !errors.Is(err, errAnswered) {
		return err
	}
	return nil
}

// errAnswered stops a handler whose helper has answered the request already (with a problem).
var errAnswered = errors.New("restapi: answered")

// answered turns a helper's answer into errAnswered, so that the handler stops there: problem
// returns nil once the answer is written, and nil would let the handler go on.
func answered(err error) error {
	if err != nil {
		return err
	}
	return errAnswered
}

// caller is who a request acts as.
type caller struct {
	token store.APIToken
	user  store.User
}

// allow takes one request from the token's budget, or says how long until there is one.
func (a *api) allow(id int64) (time.Duration, bool) {
	a.mu.Lock()
	l := a.limits[id]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(float64(a.o.PerMinute)/60), a.o.Burst)
		a.limits[id] = l
	}
	a.mu.Unlock()
	now := a.o.Now()
	r := l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// problem answers an RFC 9457 problem.
func problem(c *fiber.Ctx, status int, code protocol.Code, detail string, fields ...FieldProblem) error {
	b, _ := json.Marshal(Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Code: string(code), Errors: fields})
	c.Status(status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.Send(b)
}

// failed logs an unexpected error and answers 500.
func (a *api) failed(c *fiber.Ctx, err error) error {
	a.o.Logger.Error("api request failed", "path", c.Path(), "err", err)
	return problem(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the request could not be completed; try again")
}

// commandProblem answers a chat command's refusal with its status.
func commandProblem(c *fiber.Ctx, err error) error {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		pe = protocol.Errorf(protocol.CodeInternal, "the command could not be completed; retry it with the same id")
	}
	status := fiber.StatusInternalServerError
	switch pe.Code {
	case protocol.CodeNotFound:
		status = fiber.StatusNotFound
	case protocol.CodeForbidden, protocol.CodeUnauthorized:
		status = fiber.StatusForbidden
	case protocol.CodeConflict, protocol.CodeOutOfService:
		status = fiber.StatusConflict
	case protocol.CodeInvalid, protocol.CodeTooLarge:
		status = fiber.StatusUnprocessableEntity
	case protocol.CodeBusy:
		status = fiber.StatusServiceUnavailable
		c.Set(fiber.HeaderRetryAfter, "1")
	case protocol.CodeUnsupported:
		status = fiber.StatusBadRequest
	}
	var fields []FieldProblem
	if pe.Field != "" {
		fields = []FieldProblem{{Field: pe.Field, Message: pe.Message}}
	}
	return problem(c, status, pe.Code, pe.Message, fields...)
}

// fiberPath turns a document path (/chats/{id}) into Fiber's (/chats/:id).
func fiberPath(p string) string {
	return strings.NewReplacer("{", ":", "}", "").Replace(p)
}

// matches reports whether a Fiber path pattern matches a path (parameters match one segment).
func matches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], ":") && ps[i] != xs[i] {
			return false
		}
	}
	return true
}

// allowed lists the methods of the routes matching a path.
func allowed(path string) string {
	var ms []string
	for _, r := range routes() {
		if matches(fiberPath(r.path), path) {
			ms = append(ms, r.method)
		}
	}
	return strings.Join(ms, ", ")
}
