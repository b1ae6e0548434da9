package admin

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/admin/adminmsg"
	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/backend/store"
)

// The E-mail pages: the tenant's SMTP server and sender, a test message sent while the admin
// waits, and the delivery log of the outbox (package mail delivers it).

// mailLogShown is how many of the newest outbox messages the delivery log lists.
const mailLogShown = 200

// mailTestTimeout bounds a test message, so that an unreachable server answers in time.
const mailTestTimeout = 20 * time.Second

var mailTLSOptions = []option{
	{store.MailTLSStartTLS, "STARTTLS (usually port 587)"},
	{store.MailTLSImplicit, "TLS from the start (SMTPS, usually port 465)"},
	{store.MailTLSNone, "None: plain SMTP (a relay on a trusted network)"},
}

// mailData is what the settings page shows beside the form.
type mailData struct {
	// HasPassword says a password is stored (it is never shown).
	HasPassword bool
	// Test is the outcome of a test message, when one was just sent.
	Test *mailTestResult
}

// mailTestResult is the outcome of a test message.
type mailTestResult struct {
	To  string
	Err string // "" when the server accepted it
}

func mailForm(m store.MailSettings) *Form {
	f := newForm(nil)
	f.Set("host", m.Host)
	f.Set("port", itoa(m.Port))
	f.Set("tls", m.TLS)
	f.Set("username", m.Username)
	f.Set("from_address", m.FromAddress)
	f.Set("from_name", m.FromName)
	return f
}

func (h *handlers) mailPage(c *fiber.Ctx, status int, f *Form, d mailData) error {
	return render(c, status, mailPage(h.page(c, "E-mail", "mail"), f, d))
}

func (h *handlers) mailSettings(c *fiber.Ctx) error {
	m, err := h.st.MailSettings(c.UserContext(), current(c).Tenant.ID)
	if err != nil {
		return err
	}
	return h.mailPage(c, fiber.StatusOK, mailForm(m), mailData{HasPassword: m.Password != ""})
}

func (h *handlers) mailSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := h.st.MailSettings(ctx, current(c).Tenant.ID)
	if err != nil {
		return err
	}
	f := newForm(formValues(c))
	m.Host, m.TLS, m.Username = f.Get("host"), f.Get("tls"), f.Get("username")
	m.FromAddress, m.FromName = f.Get("from_address"), f.Get("from_name")
	m.Port = f.Int("port", 1, 65535, m.Port)
	// The password is never shown: an empty field keeps the stored one.
	switch {
	case f.Checked("clear_password"):
		m.Password = ""
	case f.Get("password") != "":
		m.Password = f.Get("password")
	}
	if f.OK() {
		if _, err := h.st.SaveMailSettings(ctx, m); err != nil && !f.storeError(err) {
			return err
		}
	}
	if !f.OK() {
		f.Set("password", "")
		return h.mailPage(c, fiber.StatusUnprocessableEntity, f, mailData{HasPassword: m.Password != ""})
	}
	return saved(c, "/admin/mail")
}

// mailTest sends a test message with the saved settings while the admin waits, and shows
// the server's answer.
func (h *handlers) mailTest(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := h.st.MailSettings(ctx, current(c).Tenant.ID)
	if err != nil {
		return err
	}
	to := strings.TrimSpace(c.FormValue("test_to"))
	res := &mailTestResult{To: to}
	var re *store.RuleError
	if err := store.CheckMailAddress(to); errors.As(err, &re) {
		res.Err = adminmsg.T(ctx, re.Message, re.Args...)
	} else if err != nil {
		res.Err = err.Error()
	} else {
		tctx, cancel := context.WithTimeout(ctx, mailTestTimeout)
		defer cancel()
		msg := store.OutboxMail{TenantID: m.TenantID, Kind: "test", MessageID: mail.NewMessageID(m), To: to, CreatedAt: time.Now(),
			Subject: "Parley test message", Body: "This is a test message from Parley's admin pages (" + current(c).Tenant.Name + ").\nE-mail is set up correctly.\n"}
		if err := h.mailSender().Send(tctx, m, msg); err != nil {
			res.Err = err.Error()
		}
	}
	return h.mailPage(c, fiber.StatusOK, mailForm(m), mailData{HasPassword: m.Password != "", Test: res})
}

// testForm is the test message's form: the address last tried, else the admin's own.
func testForm(p *Page, d mailData) *Form {
	f := newForm(nil)
	f.Set("test_to", p.User.Email)
	if d.Test != nil {
		f.Set("test_to", d.Test.To)
	}
	return f
}

func (h *handlers) mailSender() mail.Sender {
	if h.opts.MailSender != nil {
		return h.opts.MailSender
	}
	return mail.SMTP{}
}

// mailLog lists the newest outbox messages: to whom, what, how far delivery got and why not.
func (h *handlers) mailLog(c *fiber.Ctx) error {
	list, err := h.st.OutboxLog(c.UserContext(), current(c).Tenant.ID, mailLogShown)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, mailLogPage(h.page(c, "E-mail delivery log", "maillog"), list, zoneOf(c.UserContext())))
}
