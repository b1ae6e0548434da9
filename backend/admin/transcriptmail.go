package admin

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/backend/mailtemplate"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/transcript"
	"github.com/parleychat/parley/shared/protocol"
)

// The connector's Transcript e-mail page: MiCC's transcript subject and template with its
// $Placeholder$ identifiers, text or HTML, the connector's sender and automatic sending, with
// a preview filled with a sample chat.

// transcriptMailData is what the page shows beside the form.
type transcriptMailData struct {
	Conn store.Connector
	// TenantSender is the tenant's sender, used when the connector names none.
	TenantSender string
	// Subject, Text and HTML are the preview; HTML is empty for a text template. HTML is
	// shown as it is: its template was sanitised and its values escaped (transcriptPreview).
	Subject, Text, HTML string
}

func transcriptMailForm(t store.TranscriptMail) *Form {
	f := newForm(nil)
	f.Set("subject", t.Subject)
	f.Set("template", t.Template)
	f.SetBool("html", t.HTML)
	f.Set("from_address", t.FromAddress)
	f.Set("from_name", t.FromName)
	f.SetBool("auto_send", t.AutoSend)
	f.SetBool("open_on_close", t.OpenOnClose)
	return f
}

// sampleTranscript is the chat the preview shows.
func sampleTranscript(conn store.Connector, now time.Time) transcript.Transcript {
	start := now.Add(-15 * time.Minute)
	return transcript.Transcript{ChatID: "ch_sample", Connector: conn.Name, Lang: "en", Started: start, Ended: now,
		Visitor: transcript.Visitor{Name: "Zoë Weber", Email: "zoe@example.com", Phone: "+49 30 1234567"},
		Lines: []transcript.Line{
			{Role: protocol.RoleVisitor, Sender: "Zoë Weber", At: start.Add(time.Minute), Text: "Where is my order?"},
			{Role: protocol.RoleAgent, Sender: "Anna", At: start.Add(2 * time.Minute), Text: "It left our store today."},
		}}
}

// transcriptPreview fills t's templates with the sample chat as the e-mail would be sent.
func transcriptPreview(t store.TranscriptMail, conn store.Connector, sender string, loc *time.Location) (subject, text, html string) {
	now := time.Now().In(loc)
	tr := sampleTranscript(conn, now)
	tr.Location = loc
	if t.FromAddress != "" {
		sender = t.FromAddress
	}
	vals := mail.TranscriptValues(tr, store.User{Name: "Anna Berg", Nickname: "Anna"}, sender, now)
	subject, text = mail.TranscriptSubject(tr), mail.TranscriptText(tr)
	if t.Subject != "" {
		subject = mailtemplate.RenderSubject(t.Subject, vals)
	}
	switch {
	case t.Template != "" && t.HTML:
		tmpl := mailtemplate.SanitizeHTML(t.Template)
		text = mailtemplate.Render(mailtemplate.PlainText(tmpl), vals, false)
		vals[mailtemplate.Transcript] = mail.TranscriptHTML(tr)
		html = mailtemplate.Render(tmpl, vals, true)
	case t.Template != "":
		text = mailtemplate.Render(t.Template, vals, false)
	}
	return subject, text, html
}

func (h *handlers) transcriptMailPage(c *fiber.Ctx, status int, conn store.Connector, t store.TranscriptMail, f *Form) error {
	ctx := c.UserContext()
	p := h.page(c, tr(ctx, "Transcript e-mail of {0}", conn.Name), "connectors")
	p.Back, p.BackLabel = "/admin/connectors/"+i64(conn.ID), conn.Name
	set, err := h.st.MailSettings(ctx, conn.TenantID)
	if err != nil {
		return err
	}
	d := transcriptMailData{Conn: conn, TenantSender: set.FromAddress}
	if f.OK() {
		d.Subject, d.Text, d.HTML = transcriptPreview(t, conn, set.FromAddress, zoneOf(ctx))
	}
	return render(c, status, transcriptMailPage(p, d, f))
}

func (h *handlers) transcriptMailEdit(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	t, err := h.st.TranscriptMail(c.UserContext(), conn.ID)
	if err != nil {
		return err
	}
	return h.transcriptMailPage(c, fiber.StatusOK, conn, t, transcriptMailForm(t))
}

func (h *handlers) transcriptMailSave(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	f := newForm(formValues(c))
	t := store.TranscriptMail{ConnectorID: conn.ID, TenantID: conn.TenantID, Subject: f.Get("subject"),
		Template: strings.ReplaceAll(f.Get("template"), "\r\n", "\n"), HTML: f.Checked("html"),
		FromAddress: f.Get("from_address"), FromName: f.Get("from_name"), AutoSend: f.Checked("auto_send"),
		OpenOnClose: f.Checked("open_on_close")}
	if _, err := h.st.SaveTranscriptMail(c.UserContext(), t); err != nil {
		if !f.storeError(err) {
			return err
		}
		return h.transcriptMailPage(c, fiber.StatusUnprocessableEntity, conn, t, f)
	}
	return saved(c, "/admin/connectors/"+i64(conn.ID)+"/transcript")
}
