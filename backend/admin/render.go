package admin

import (
	"context"
	"embed"
	"errors"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/admin/adminmsg"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/i18n"
)

// render is the one way a page reaches the browser: a templ component written straight into
// Fiber's response body.
func render(c *fiber.Ctx, status int, comp templ.Component) error {
	c.Status(status)
	c.Type("html", "utf-8")
	return comp.Render(c.UserContext(), c.Response().BodyWriter())
}

//go:embed static
var staticFS embed.FS

// serveStatic serves the admin style sheet and script, embedded in the binary.
func serveStatic(c *fiber.Ctx) error {
	name := path.Base(c.Params("file"))
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		return c.Status(fiber.StatusNotFound).SendString("no such file")
	}
	c.Set(fiber.HeaderContentType, mime.TypeByExtension(path.Ext(name)))
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(b)
}

// Page is what the layout needs to draw the frame around every page.
type Page struct {
	Title   string
	Active  string // the navigation entry to highlight
	User    store.User
	Level   int
	Tenant  store.Tenant
	Tenants []store.Tenant
	CSRF    string
	Flash   string
	// Refresh makes admin.js update the main content every this many seconds (the live
	// overview), which a person can pause.
	Refresh int
	// Back links to the parent page ("" for none).
	Back, BackLabel string
	// Path is the page's address, where the language menu comes back to.
	Path string
}

// page builds the layout data for the signed-in user.
func (h *handlers) page(c *fiber.Ctx, title, active string) *Page {
	p := &Page{Title: shown(c.UserContext(), title), Active: active, Path: c.OriginalURL()}
	if s := current(c); s != nil {
		p.User, p.Level, p.Tenant, p.Tenants, p.CSRF = s.User, s.Level, s.Tenant, s.Tenants, s.CSRF
	}
	if c.Query("saved") != "" {
		p.Flash = tr(c.UserContext(), "Saved. The change is in effect now.")
	}
	return p
}

// fail renders an error page with a message that says what to do.
func (h *handlers) fail(c *fiber.Ctx, status int, msg string) error {
	title := msgKey("Not allowed")
	switch status {
	case fiber.StatusNotFound:
		title = msgKey("Not found")
	case fiber.StatusConflict:
		title = msgKey("Not possible yet")
	case fiber.StatusUnprocessableEntity:
		title = msgKey("Not possible")
	case fiber.StatusInternalServerError:
		title = msgKey("Something went wrong")
	}
	return render(c, status, errorPage(h.page(c, title, ""), shown(c.UserContext(), msg)))
}

// notFound turns a store lookup failure into a 404 page (a row of another tenant counts as
// not found) or an internal error.
func (h *handlers) notFound(c *fiber.Ctx, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return h.fail(c, fiber.StatusNotFound, "This item does not exist (any more). Go back to the list.")
	}
	return err
}

// paramID reads a numeric path parameter; anything else is 0, which no row has.
func paramID(c *fiber.Ctx, name string) int64 {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// saved redirects after a successful POST, so that a reload does not post again.
func saved(c *fiber.Ctx, to string) error {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	return c.Redirect(to+sep+"saved=1", fiber.StatusSeeOther)
}

// Form holds what the admin typed and what is wrong with it, so a refused form comes back
// exactly as it was sent with a message next to each faulty field.
type Form struct {
	Values url.Values
	// Errors holds each faulty field's message, in English with numbered placeholders
	// filled from args (see errorf); the page translates it where it shows it.
	Errors  map[string]string
	Message string // a problem not tied to one field, in English (see MessageIn)
	args    map[string][]string
	// messageArgs fill the placeholders of Message.
	messageArgs []string
}

func newForm(v url.Values) *Form {
	if v == nil {
		v = url.Values{}
	}
	return &Form{Values: v, Errors: map[string]string{}}
}

// Get returns the first value of a field.
func (f *Form) Get(name string) string { return f.Values.Get(name) }

// All returns every value of a repeated field.
func (f *Form) All(name string) []string { return f.Values[name] }

// Checked reports whether a checkbox was ticked.
func (f *Form) Checked(name string) bool { return f.Values.Get(name) != "" }

// Has reports whether a repeated field holds value (checkbox lists).
func (f *Form) Has(name, value string) bool {
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Err returns the message for a field in English, "" when it is fine.
func (f *Form) Err(name string) string { return i18n.Fill(f.Errors[name], f.args[name]) }

// ErrIn returns the message for a field in the language of the request ctx belongs to.
func (f *Form) ErrIn(ctx context.Context, name string) string {
	if f.Errors[name] == "" {
		return ""
	}
	return adminmsg.T(ctx, f.Errors[name], f.args[name]...)
}

// MessageIn returns the form's message in the language of the request ctx belongs to.
func (f *Form) MessageIn(ctx context.Context) string {
	if f.Message == "" {
		return ""
	}
	return adminmsg.T(ctx, f.Message, f.messageArgs...)
}

// errorf sets a field's message, an English string literal whose placeholders "{0}"...
// args fill, translated where the page shows it.
func (f *Form) errorf(name, msg string, args ...string) {
	f.Errors[name] = msg
	if f.args == nil {
		f.args = map[string][]string{}
	}
	if len(args) > 0 {
		f.args[name] = args
	} else {
		delete(f.args, name)
	}
}

// OK reports whether no problem was found.
func (f *Form) OK() bool { return len(f.Errors) == 0 && f.Message == "" }

// Set stores a value (building a form from a saved entity).
func (f *Form) Set(name, value string) { f.Values.Set(name, value) }

// SetBool ticks a checkbox.
func (f *Form) SetBool(name string, on bool) {
	if on {
		f.Values.Set(name, "on")
	} else {
		f.Values.Del(name)
	}
}

// Int parses a whole number field within [lo, hi], recording an error otherwise. An empty
// field is def.
func (f *Form) Int(name string, lo, hi, def int) int {
	s := strings.TrimSpace(f.Get(name))
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		f.errorf(name, "Enter a whole number from {0} to {1}.", strconv.Itoa(lo), strconv.Itoa(hi))
		return def
	}
	return n
}

// Lines splits a text area into trimmed, non-empty lines (commas also separate).
func (f *Form) Lines(name string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(f.Get(name), func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// storeError puts a store validation error next to its field (the store's *FieldError names
// the struct field; forms use its snake_case name), or at the top of the form. A
// *store.FieldError and a *store.RuleError are shown in the page's language; their messages
// are in the catalogue.
func (f *Form) storeError(err error) bool {
	var fe *store.FieldError
	var re *store.RuleError
	switch {
	case errors.As(err, &fe):
		f.errorf(snake(fe.Field), fe.Message, fe.Args...)
	case errors.As(err, &re):
		f.Message, f.messageArgs = re.Message, re.Args
	case errors.Is(err, store.ErrConflict):
		f.Message = "This clashes with an existing entry (a name or login that must be unique is taken)."
	case errors.Is(err, store.ErrInvalid):
		msg := err.Error()
		if i := strings.LastIndex(msg, store.ErrInvalid.Error()+": "); i >= 0 {
			msg = msg[i+len(store.ErrInvalid.Error())+2:]
		}
		f.Message = sentence(msg)
	default:
		return false
	}
	return true
}

// ruleError puts a *store.RuleError next to a field, in the page's language, and reports
// whether err was one.
func (f *Form) ruleError(name string, err error) bool {
	var re *store.RuleError
	if !errors.As(err, &re) {
		return false
	}
	f.errorf(name, re.Message, re.Args...)
	return true
}

// sentence capitalises a message and ends it with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// snake turns a Go field name into the form field name: "MaxChatsPerIP" → "max_chats_per_ip".
func snake(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		upper := c >= 'A' && c <= 'Z'
		if upper && i > 0 {
			prevLower := r[i-1] >= 'a' && r[i-1] <= 'z' || r[i-1] >= '0' && r[i-1] <= '9'
			nextLower := i+1 < len(r) && r[i+1] >= 'a' && r[i+1] <= 'z'
			if prevLower || (r[i-1] >= 'A' && r[i-1] <= 'Z' && nextLower) {
				b.WriteByte('_')
			}
		}
		if upper {
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formValues copies the posted form (Fiber reuses its buffers after the handler).
func formValues(c *fiber.Ctx) url.Values {
	v := url.Values{}
	c.Request().PostArgs().VisitAll(func(k, val []byte) {
		v.Add(string(k), string(val))
	})
	if mf, err := c.MultipartForm(); err == nil && mf != nil {
		for k, vals := range mf.Value {
			for _, val := range vals {
				v.Add(k, val)
			}
		}
	}
	v.Del(csrfField)
	return v
}

// option is one choice of a select list.
type option struct {
	Value, Label string
}

func itoa(n int) string   { return strconv.Itoa(n) }
func i64(n int64) string  { return strconv.FormatInt(n, 10) }
func secs(d int64) string { return strconv.FormatInt(d, 10) }
func link(parts ...any) templ.SafeURL {
	var b strings.Builder
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			b.WriteString(v)
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case int:
			b.WriteString(strconv.Itoa(v))
		}
	}
	return templ.SafeURL(b.String())
}

func joinSpace(s []string) string { return strings.Join(s, " ") }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func joinComma(s []string) string { return strings.Join(s, ", ") }

// at returns s[i], or "" past the end.
func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// optionLabel returns the label of the option with value v (v itself when unknown).
func optionLabel(opts []option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// commonZones are suggested in the time zone field; any IANA name is accepted.
var commonZones = []string{"UTC", "Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/London", "Europe/Paris",
	"Europe/Amsterdam", "Europe/Madrid", "Europe/Rome", "Europe/Warsaw", "America/New_York", "America/Chicago",
	"America/Los_Angeles", "Asia/Tokyo", "Asia/Singapore", "Australia/Sydney"}
