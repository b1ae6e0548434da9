// Package audit records who changed what: every state-changing request that passes its
// middleware is written to the audit log (store.AuditEntry) with the user, the tenant, the
// action, its target, a summary of what was submitted with secrets masked, and how it ended.
//
// It is one middleware on a router rather than a line in every handler, so that no new page
// can forget it. The entry is written before the handler runs and completed after it: a
// request whose entry cannot be written is refused (503) and changes nothing, and one that
// the server did not finish stays in the log with no outcome. Nothing changes unrecorded.
package audit

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
)

// Recorder writes entries; *store.Store implements it.
type Recorder interface {
	AppendAudit(ctx context.Context, e store.AuditEntry) (int64, error)
	FinishAudit(ctx context.Context, e store.AuditEntry) error
}

// Actor is the signed-in user a request acts as, and the tenant it works on.
type Actor struct {
	TenantID int64
	UserID   int64
	Login    string
	Role     string
}

// Options configure the middleware.
type Options struct {
	Recorder Recorder
	// Who names the request's user; it is asked before the handler runs.
	Who func(*fiber.Ctx) Actor
	// Prefix is cut from paths to name actions ("/admin/" makes "/admin/users/:id" "users/:id").
	Prefix string
	// Skip lists paths not recorded (the sign-in form, whose attempts the sign-in guard logs).
	Skip   []string
	Logger *slog.Logger
}

// recordTimeout bounds the writes of an entry.
const recordTimeout = 5 * time.Second

// Middleware records every request other than GET, HEAD and OPTIONS; see the package comment.
func Middleware(o Options) fiber.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return func(c *fiber.Ctx) error {
		switch c.Method() {
		case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
			return c.Next()
		}
		path := c.Path()
		if slices.Contains(o.Skip, path) {
			return c.Next()
		}
		who := o.Who(c)
		// Each write has its own deadline, counted from its start: the handler between them may
		// take long (hashing a password), and its entry must still be completed.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), recordTimeout)
		defer cancel()
		e := store.AuditEntry{TenantID: who.TenantID, UserID: who.UserID, UserLogin: who.Login, UserRole: who.Role,
			Action: c.Method() + " " + strings.TrimPrefix(path, o.Prefix), Summary: Summary(c), IP: c.IP()}
		id, err := o.Recorder.AppendAudit(ctx, e)
		if err != nil {
			o.Logger.Error("audit: a change was refused because it could not be recorded", "path", path, "err", err)
			return c.Status(fiber.StatusServiceUnavailable).SendString("The change was not made: it could not be recorded in the audit log. Try again in a moment.")
		}
		herr := c.Next()
		e.ID, e.Outcome = id, c.Response().StatusCode()
		if herr != nil {
			e.Outcome = fiber.StatusInternalServerError
			var fe *fiber.Error
			if errors.As(herr, &fe) {
				e.Outcome = fe.Code
			}
		}
		e.Action, e.Target = action(c, o.Prefix)
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), recordTimeout)
		defer fcancel()
		if err := o.Recorder.FinishAudit(fctx, e); err != nil {
			o.Logger.Error("audit: the outcome of a recorded change could not be stored", "id", id, "path", path, "err", err)
		}
		return herr
	}
}

// action names the request by its route ("users/:id/password") and its target by the
// route's parameters ("id=7"), so that the log can be filtered by kind of change.
func action(c *fiber.Ctx, prefix string) (string, string) {
	r := c.Route()
	name := strings.TrimPrefix(r.Path, prefix)
	if name == "" || strings.HasSuffix(r.Path, "*") || r.Path == "/" {
		name = strings.TrimPrefix(c.Path(), prefix) // not a named route (a 404)
	}
	var target []string
	for _, p := range r.Params {
		if p == "*" || p == "*1" {
			continue
		}
		target = append(target, p+"="+c.Params(p))
	}
	return name, strings.Join(target, " ")
}

// summaryValueRunes caps one value in a summary.
const summaryValueRunes = 120

// secret reports whether a form field holds a secret, whose value is never recorded.
func secret(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"password", "secret", "token", "key", "auth", "hash", "csrf"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// Summary lists a request's submitted fields as "name=value" pairs in name order: secrets
// as "(hidden)" (or "(empty)" when none was given), long values cut, uploaded files by name
// and size, a customer's phone number by its last four digits. The CSRF token is left out.
func Summary(c *fiber.Ctx) string {
	vals := url.Values{}
	files := map[string][]string{}
	if form, err := c.MultipartForm(); err == nil {
		for k, v := range form.Value {
			vals[k] = v
		}
		for k, fs := range form.File {
			for _, f := range fs {
				files[k] = append(files[k], f.Filename+" ("+strconv.FormatInt(f.Size, 10)+" bytes)")
			}
		}
	} else {
		c.Request().PostArgs().VisitAll(func(k, v []byte) { vals.Add(string(k), string(v)) })
	}
	keys := make([]string, 0, len(vals)+len(files))
	for k := range vals {
		keys = append(keys, k)
	}
	for k := range files {
		if _, ok := vals[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		if k == "_csrf" {
			continue
		}
		var shown []string
		for _, v := range vals[k] {
			switch {
			case secret(k) && v == "":
				shown = append(shown, "(empty)")
			case secret(k):
				shown = append(shown, "(hidden)")
			case customerPhone(k):
				shown = append(shown, LastDigits(v))
			default:
				shown = append(shown, clip(v))
			}
		}
		shown = append(shown, files[k]...)
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(clip(k))
		b.WriteString("=")
		b.WriteString(strings.Join(shown, ", "))
	}
	return b.String()
}

// customerPhone reports whether a form field holds a customer's phone number (a field named
// "customer_phone", as the WhatsApp log's test form has), which the log keeps by its last four
// digits only, as the admin pages show it.
func customerPhone(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), "customer_phone")
}

// LastDigits shows a number by its last four digits only: enough to tell customers apart
// where every administrator reads (the audit log, the WhatsApp log).
func LastDigits(v string) string {
	var digits []rune
	for _, r := range v {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	if len(digits) > 4 {
		digits = digits[len(digits)-4:]
	}
	return "…" + string(digits)
}

// clip makes a value one readable line of at most summaryValueRunes characters.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == 0:
			return -1
		case r < ' ' || r == 0x7f:
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= summaryValueRunes {
		return s
	}
	return string([]rune(s)[:summaryValueRunes-1]) + "…"
}
