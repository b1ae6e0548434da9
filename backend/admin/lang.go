package admin

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/admin/adminmsg"
	"github.com/parleychat/parley/backend/signin"
	"github.com/parleychat/parley/backend/store"
)

// tr translates a message of the admin pages (its English text, a string literal) into the
// language of the request ctx belongs to, filling "{0}", "{1}"... with args. Templ components
// call it with their ctx; handlers with c.UserContext().
func tr(ctx context.Context, msg string, args ...string) string {
	return adminmsg.T(ctx, msg, args...)
}

// trn is tr for a count: the singular or plural form, "{0}" being n.
func trn(ctx context.Context, one, other string, n int, args ...string) string {
	return adminmsg.From(ctx).N(one, other, n, args...)
}

// shown translates a text that was named as a message elsewhere (a label handed to a form
// component, an error set on a form, see msgKey) where it is shown; anything else, such as a
// name an admin typed, shows as it is.
func shown(ctx context.Context, s string) string {
	if s == "" {
		return ""
	}
	return adminmsg.From(ctx).T(s)
}

// msgKey marks a string literal as a message that is translated later, where it is shown
// (gettext's N_): the catalogue's test finds it, and the text stays English until then.
func msgKey(msg string) string { return msg }

// language puts the request's printer into its context: the signed-in person's language
// setting, else the browser's Accept-Language, else English. It runs after the session.
func (h *handlers) language(c *fiber.Ctx) error {
	userLang := ""
	if s := current(c); s != nil {
		userLang = s.User.Lang
	}
	lang := adminmsg.Pick(userLang, c.Get(fiber.HeaderAcceptLanguage))
	ctx := adminmsg.With(c.UserContext(), adminmsg.For(lang))
	if s := current(c); s != nil {
		ctx = withZone(ctx, tenantLoc(s.Tenant))
	}
	c.SetUserContext(ctx)
	c.Vary(fiber.HeaderAcceptLanguage)
	return c.Next()
}

// langSave keeps the language chosen in the menu as the person's setting (User.Lang), which
// the agent app follows too, and goes back to the page the menu was on.
func (h *handlers) langSave(c *fiber.Ctx) error {
	s := current(c)
	lang := c.FormValue("lang")
	if lang != "" && !adminmsg.Speaks(lang) {
		return h.fail(c, fiber.StatusUnprocessableEntity, "Choose a language from the menu.")
	}
	if lang != "" {
		lang = adminmsg.For(lang).Lang()
	}
	if err := h.st.SetUserLang(c.UserContext(), s.User.ID, lang); err != nil {
		return err
	}
	return c.Redirect(safeNext(c.FormValue("next")), fiber.StatusSeeOther)
}

// langOption is one entry of the language menu: the tag and the language's name in itself.
type langOption struct{ Lang, Name string }

// langOptions lists the languages of the menu.
func langOptions() []langOption {
	out := make([]langOption, len(adminmsg.Languages))
	for i, l := range adminmsg.Languages {
		out[i] = langOption{l, adminmsg.Name(l)}
	}
	return out
}

// pageLang is the language a page is rendered in, for <html lang>.
func pageLang(ctx context.Context) string { return adminmsg.From(ctx).Lang() }

// roleName is a role as the pages name it ("Administrator"), in the request's language.
func roleName(ctx context.Context, role string) string {
	for _, o := range roleOptions {
		if o.Value == role {
			return shown(ctx, o.Label)
		}
	}
	if role == store.RoleSuperAdmin {
		return tr(ctx, "Super-administrator")
	}
	return role
}

// limitedMessage says why a sign-in was refused unchecked and when to try again.
func limitedMessage(ctx context.Context, e *signin.LimitedError) string {
	s := max(1, int((e.RetryAfter+time.Second-1)/time.Second))
	wait := trn(ctx, "{0} second", "{0} seconds", s)
	if s > 90 {
		wait = trn(ctx, "{0} minute", "{0} minutes", (s+59)/60)
	}
	if e.Login {
		return tr(ctx, "Too many wrong passwords for this login: it is locked, try again in {0}.", wait)
	}
	return tr(ctx, "Too many sign-in attempts from your address: try again in {0}.", wait)
}

// zoneKey keys the time zone a request's pages show times in.
type zoneKey struct{}

// withZone returns ctx carrying the zone the pages show times in: the time zone of the
// tenant the admin works in (Tenant settings), which reports, the chat archive, the
// wallboard and the e-mail log count their days in too, so that a time on one page matches
// the same moment on another.
func withZone(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, zoneKey{}, loc)
}

// zoneOf is the zone the request's pages show times in; UTC when none was set.
func zoneOf(ctx context.Context) *time.Location {
	if loc, ok := ctx.Value(zoneKey{}).(*time.Location); ok && loc != nil {
		return loc
	}
	return time.UTC
}

// localTime is a stored moment as day and time of the request's language, in the zone the
// pages show times in; a zero time is "".
func localTime(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return printerOf(ctx).DateTime(t.In(zoneOf(ctx)))
}

// printerOf is the printer of the request ctx belongs to, for numbers and dates in templ
// components.
func printerOf(ctx context.Context) adminmsg.Printer { return adminmsg.From(ctx) }

// imageLabels name the connector image kinds, as store.ImageKind.Label does in English.
var imageLabels = map[store.ImageKind]string{
	store.ImageAvailable:   msgKey("Chat button, available"),
	store.ImageUnavailable: msgKey("Chat button, not available"),
	store.ImageLogo:        msgKey("Site logo"),
	store.ImageMobileLogo:  msgKey("Site mobile logo"),
}

// imageLabel names an image kind in the request's language.
func imageLabel(ctx context.Context, k store.ImageKind) string {
	if l, ok := imageLabels[k]; ok {
		return shown(ctx, l)
	}
	return k.Label()
}

// mailStates name the outbox states in the delivery log.
var mailStates = map[string]string{
	store.MailPending: msgKey("pending"),
	store.MailSent:    msgKey("sent"),
	store.MailFailed:  msgKey("failed"),
	// A transcript written at a close and not yet composed waits like a pending message.
	store.MailComposing: msgKey("pending"),
}

// mailState names an outbox state in the request's language.
func mailState(ctx context.Context, state string) string {
	if l, ok := mailStates[state]; ok {
		return shown(ctx, l)
	}
	return state
}

// mailWhenIn shows a delivery log time in the tenant's zone, as day and time of the
// request's language with seconds; a zero time is "".
func mailWhenIn(ctx context.Context, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	return printerOf(ctx).Date(t) + " " + printerOf(ctx).Time(t, true)
}
