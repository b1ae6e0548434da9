package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/signin"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
)

// The roles as levels: a page names the least level it needs.
const (
	roleNone = iota
	roleAgent
	roleSupervisor
	roleAdmin
	roleSuperAdmin
)

func roleLevel(role string) int {
	switch role {
	case store.RoleSuperAdmin:
		return roleSuperAdmin
	case store.RoleAdmin:
		return roleAdmin
	case store.RoleSupervisor:
		return roleSupervisor
	case store.RoleAgent:
		return roleAgent
	}
	return roleNone
}

const (
	// loginCSRFCookie carries the double-submit token of the sign-in form, which has no
	// session yet to tie a token to.
	loginCSRFCookie = "parley_admin_login"
	// tenantCookie remembers which tenant a super-admin is working on.
	tenantCookie = "parley_admin_tenant"
	csrfField    = "_csrf"
	csrfHeader   = "X-CSRF-Token"
	localsKey    = "parley.admin.session"
)

// sess is the signed-in user's request context: who, in which tenant, and the CSRF token
// every form of the page must carry.
type sess struct {
	User    store.User
	Level   int
	Token   string // raw session token (never shown)
	CSRF    string
	Tenant  store.Tenant   // the tenant the pages work on; ID 0 when there is none yet
	Tenants []store.Tenant // for the super-admin's switcher
}

func current(c *fiber.Ctx) *sess {
	s, _ := c.Locals(localsKey).(*sess)
	return s
}

// csrfFor derives the session's synchronizer token: an HMAC keyed with the session token,
// which only the browser holding the HttpOnly cookie can present, so nothing extra is stored
// and every server node agrees.
func csrfFor(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("parley admin csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// securityHeaders sets a strict Content-Security-Policy and friends on every admin response.
// Pages may loosen script-src for a hashed inline script (the widget preview).
func (h *handlers) securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	c.Set(fiber.HeaderXFrameOptions, "SAMEORIGIN")
	if !strings.HasPrefix(c.Path(), "/admin/static/") {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return c.Next()
}

// session loads the signed-in user, if any, and the tenant the pages work on.
func (h *handlers) session(c *fiber.Ctx) error {
	token := session.FromCookie(c)
	if token == "" {
		return c.Next()
	}
	ctx := c.UserContext()
	u, err := h.st.SessionUser(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return c.Next()
	}
	if err != nil {
		return err
	}
	s := &sess{User: u, Level: roleLevel(u.Role), Token: token, CSRF: csrfFor(token)}
	if s.Level == roleSuperAdmin {
		if s.Tenants, err = h.st.Tenants(ctx); err != nil {
			return err
		}
		want, _ := strconv.ParseInt(c.Cookies(tenantCookie), 10, 64)
		for _, t := range s.Tenants {
			if t.ID == want || s.Tenant.ID == 0 {
				s.Tenant = t
			}
		}
	} else if s.Tenant, err = h.st.Tenant(ctx, u.TenantID); err != nil {
		return err
	}
	c.Locals(localsKey, s)
	return c.Next()
}

// checkCSRF refuses every state-changing request that does not carry the token of the
// session (or, for the sign-in form, of the double-submit cookie), and cross-site requests.
func (h *handlers) checkCSRF(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return c.Next()
	}
	if c.Get("Sec-Fetch-Site") == "cross-site" {
		return h.csrfRefused(c)
	}
	got := c.FormValue(csrfField)
	if got == "" {
		got = c.Get(csrfHeader)
	}
	want := ""
	if s := current(c); s != nil {
		want = s.CSRF
	} else if c.Path() == "/admin/login" {
		want = c.Cookies(loginCSRFCookie)
	}
	if !token.Equal(got, want) {
		return h.csrfRefused(c)
	}
	return c.Next()
}

func (h *handlers) csrfRefused(c *fiber.Ctx) error {
	h.log.Warn("admin form refused: missing or wrong CSRF token", "path", c.Path(), "ip", c.IP())
	return h.fail(c, fiber.StatusForbidden, "This form could not be accepted: it has expired or did not come from this site. Go back, reload the page and submit it again.")
}

// need admits users with at least the given role; others are sent to the sign-in page (not
// signed in) or shown a 403 page.
func (h *handlers) need(level int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s := current(c)
		if s == nil {
			next := c.OriginalURL()
			if c.Method() != fiber.MethodGet {
				next = "/admin/"
			}
			return c.Redirect("/admin/login?next="+url.QueryEscape(next), fiber.StatusSeeOther)
		}
		if s.Level < level {
			return h.fail(c, fiber.StatusForbidden, tr(c.UserContext(), "Your role ({0}) may not open this page. Ask an administrator if you need it.", roleName(c.UserContext(), s.User.Role)))
		}
		if level >= roleSupervisor && level < roleSuperAdmin && s.Tenant.ID == 0 {
			return h.fail(c, fiber.StatusConflict, "There is no tenant yet. Create one under Tenants first.")
		}
		return c.Next()
	}
}

// home sends each role to where its work is.
func (h *handlers) home(c *fiber.Ctx) error {
	s := current(c)
	switch {
	case s == nil:
		return c.Redirect("/admin/login", fiber.StatusSeeOther)
	case s.Level == roleSuperAdmin && s.Tenant.ID == 0:
		return c.Redirect("/admin/tenants", fiber.StatusSeeOther)
	case s.Level >= roleAdmin:
		return c.Redirect("/admin/connectors", fiber.StatusSeeOther)
	case s.Level == roleSupervisor:
		return c.Redirect("/admin/overview", fiber.StatusSeeOther)
	default:
		return c.Redirect("/admin/profile", fiber.StatusSeeOther)
	}
}

// safeNext keeps a post-sign-in redirect on the admin pages.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/admin/"
	}
	return next
}

func (h *handlers) loginPage(c *fiber.Ctx) error {
	if current(c) != nil {
		return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
	}
	return h.renderLogin(c, fiber.StatusOK, newForm(url.Values{"next": {c.Query("next")}}))
}

// renderLogin shows the sign-in form with a fresh double-submit token.
func (h *handlers) renderLogin(c *fiber.Ctx, status int, f *Form) error {
	csrf := token.NewSecret()
	c.Cookie(&fiber.Cookie{Name: loginCSRFCookie, Value: csrf, Path: "/admin/login", HTTPOnly: true,
		Secure: h.opts.SecureCookies, SameSite: fiber.CookieSameSiteStrictMode})
	return render(c, status, loginPage(f, csrf))
}

func (h *handlers) loginRefused(c *fiber.Ctx, status int, msg string) error {
	f := newForm(formValues(c))
	f.Values.Del("password")
	f.Message = msg
	return h.renderLogin(c, status, f)
}

func (h *handlers) login(c *fiber.Ctx) error {
	f := newForm(formValues(c))
	login, pw := strings.TrimSpace(f.Get("login")), f.Get("password")
	f.Values.Del("password")
	if login == "" {
		f.Errors["login"] = "Enter your login."
	}
	if pw == "" {
		f.Errors["password"] = "Enter your password."
	}
	if !f.OK() {
		return h.renderLogin(c, fiber.StatusUnprocessableEntity, f)
	}
	u, err := h.opts.SignIn.SignIn(c.UserContext(), c.IP(), login, pw)
	var limited *signin.LimitedError
	switch {
	case errors.As(err, &limited):
		h.log.Info("admin sign-in refused", "ip", c.IP(), "reason", limited.Error())
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(limited.RetryAfterSeconds()))
		return h.loginRefused(c, fiber.StatusTooManyRequests, limitedMessage(c.UserContext(), limited))
	case errors.Is(err, signin.ErrWrong):
		h.log.Info("admin sign-in failed", "ip", c.IP())
		f.Message = msgKey("The login or password is wrong.")
		return h.renderLogin(c, fiber.StatusUnauthorized, f)
	case err != nil:
		return err
	}
	if _, err := h.sessions.Start(c, u.ID); err != nil {
		return err
	}
	h.log.Info("admin signed in", "user", u.ID, "role", u.Role)
	c.Cookie(&fiber.Cookie{Name: loginCSRFCookie, Value: "", Path: "/admin/login", HTTPOnly: true, MaxAge: -1, Expires: time.Unix(0, 0)})
	return c.Redirect(safeNext(f.Get("next")), fiber.StatusSeeOther)
}

func (h *handlers) logout(c *fiber.Ctx) error {
	if err := h.sessions.End(c); err != nil {
		h.log.Error("admin sign-out", "err", err)
	}
	return c.Redirect("/admin/login", fiber.StatusSeeOther)
}

// switchTenant lets a super-admin choose the tenant the pages work on.
func (h *handlers) switchTenant(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.FormValue("tenant_id"), 10, 64)
	if _, err := h.st.Tenant(c.UserContext(), id); err != nil {
		return h.notFound(c, err)
	}
	c.Cookie(&fiber.Cookie{Name: tenantCookie, Value: strconv.FormatInt(id, 10), Path: "/admin", HTTPOnly: true,
		Secure: h.opts.SecureCookies, SameSite: fiber.CookieSameSiteStrictMode})
	return c.Redirect("/admin/", fiber.StatusSeeOther)
}
