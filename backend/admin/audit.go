package admin

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/audit"
	"github.com/parleychat/parley/backend/store"
)

// auditPageSize is how many audit entries one page lists.
const auditPageSize = 50

// auditMiddleware records every state-changing admin request (package audit); the sign-in
// form is left out, as the sign-in guard logs its attempts.
func (h *handlers) auditMiddleware() fiber.Handler {
	return audit.Middleware(audit.Options{Recorder: h.st, Prefix: "/admin/", Skip: []string{"/admin/login"}, Logger: h.log,
		Who: func(c *fiber.Ctx) audit.Actor {
			s := current(c)
			if s == nil {
				return audit.Actor{}
			}
			return audit.Actor{TenantID: s.Tenant.ID, UserID: s.User.ID, Login: s.User.Login, Role: s.User.Role}
		}})
}

// auditData is what the audit log page shows.
type auditData struct {
	Entries []store.AuditEntry
	Users   []option
	Actions []option
	// Next links to the following (older) page, "" on the last.
	Next string
}

// auditLog lists the tenant's audit entries, newest first, filtered by date range (days of
// the tenant's time zone, both included, as every other page counts its days), user and
// action, a page at a time.
func (h *handlers) auditLog(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tid := current(c).Tenant.ID
	f := newForm(url.Values{})
	for _, k := range []string{"from", "to", "user", "action", "before"} {
		if v := strings.TrimSpace(c.Query(k)); v != "" {
			f.Set(k, v)
		}
	}
	q := store.AuditQuery{TenantID: tid, Action: f.Get("action"), Limit: auditPageSize}
	loc := zoneOf(ctx)
	q.From = f.day("from", loc)
	if to := f.day("to", loc); !to.IsZero() {
		q.To = to.AddDate(0, 0, 1).UTC() // the next midnight there, a DST change counted
	}
	q.From = q.From.UTC()
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		f.Errors["to"] = "The end date must not be before the start date."
	}
	q.UserID = int64(f.Int("user", 0, 1<<53, 0))
	q.BeforeID = int64(f.Int("before", 0, 1<<53, 0))
	d := auditData{}
	if f.OK() {
		var err error
		if d.Entries, err = h.st.AuditLog(ctx, q); err != nil {
			return err
		}
	}
	users, err := h.st.Users(ctx, tid)
	if err != nil {
		return err
	}
	d.Users = []option{{"", "Everyone"}}
	for _, u := range users {
		d.Users = append(d.Users, option{strconv.FormatInt(u.ID, 10), u.Name + " (" + u.Login + ")"})
	}
	actions, err := h.st.AuditActions(ctx, tid)
	if err != nil {
		return err
	}
	d.Actions = []option{{"", "All actions"}}
	for _, a := range actions {
		d.Actions = append(d.Actions, option{a, actionLabel(a)})
	}
	if len(d.Entries) == auditPageSize {
		next := url.Values{}
		for _, k := range []string{"from", "to", "user", "action"} {
			if v := f.Get(k); v != "" {
				next.Set(k, v)
			}
		}
		next.Set("before", strconv.FormatInt(d.Entries[len(d.Entries)-1].ID, 10))
		d.Next = "/admin/audit?" + next.Encode()
	}
	status := fiber.StatusOK
	if !f.OK() {
		status = fiber.StatusUnprocessableEntity
	}
	return render(c, status, auditPage(h.page(c, "Audit log", "audit"), f, d))
}

// day parses a date field (YYYY-MM-DD) as the start of that day in loc, recording an error;
// empty is the zero time.
func (f *Form) day(name string, loc *time.Location) time.Time {
	s := f.Get(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil || t.Year() < 2000 || t.Year() > 9999 {
		f.Errors[name] = "Enter a date as YYYY-MM-DD."
		return time.Time{}
	}
	return t
}

// actionLabel shows an action as its path with the method: "POST users/:id/password".
func actionLabel(a string) string { return a }

// auditWhen formats an entry's time in the tenant's time zone, in which the filter's dates
// are read too.
func auditWhen(ctx context.Context, t time.Time) string { return mailWhenIn(ctx, t, zoneOf(ctx)) }
