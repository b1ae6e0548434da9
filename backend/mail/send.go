package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/parleychat/parley/backend/store"
)

// ErrNotConfigured means the tenant has no SMTP server or sender yet.
var ErrNotConfigured = errors.New("e-mail is not set up: enter the SMTP server and the sender address in the admin pages (E-mail)")

// SMTP sends messages over SMTP with a tenant's settings, one connection per message.
type SMTP struct {
	// Timeout bounds connecting and each command (30 s when zero).
	Timeout time.Duration
	// TLSConfig is the base TLS configuration (nil: the system's roots). Its ServerName is
	// always the settings' host.
	TLSConfig *tls.Config
	// HELO is the name this side gives in HELO/EHLO ("localhost" when empty).
	HELO string
}

// Send delivers m with settings set.
func (s SMTP) Send(ctx context.Context, set store.MailSettings, m store.OutboxMail) error {
	if !set.Configured() {
		return ErrNotConfigured
	}
	msg, err := build(set, m)
	if err != nil {
		return err
	}
	c, err := s.client(set)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// client makes the mail library's client for set.
func (s SMTP) client(set store.MailSettings) (*gomail.Client, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	var tc *tls.Config
	if s.TLSConfig != nil {
		tc = s.TLSConfig.Clone()
	} else {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tc.ServerName = set.Host
	opts := []gomail.Option{gomail.WithPort(set.Port), gomail.WithTimeout(timeout), gomail.WithTLSConfig(tc)}
	if s.HELO != "" {
		opts = append(opts, gomail.WithHELO(s.HELO))
	}
	switch set.TLS {
	case store.MailTLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case store.MailTLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if set.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if set.TLS == store.MailTLSNone {
			// The admin chose a plain connection: the password goes as it would with any
			// client configured so (a relay on a trusted network).
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(set.Username), gomail.WithPassword(set.Password))
	}
	c, err := gomail.NewClient(set.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return c, nil
}

// build turns an outbox message into a MIME message: text body (with its HTML alternative),
// attachments, the fixed Message-ID, the date it was written, and the message's own sender
// when it has one.
func build(set store.MailSettings, m store.OutboxMail) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	fromName, fromAddr := set.FromName, set.FromAddress
	if m.FromAddress != "" {
		fromName, fromAddr = m.FromName, m.FromAddress
	}
	if err := msg.FromFormat(fromName, fromAddr); err != nil {
		return nil, fmt.Errorf("%w: sender %q: %w", errUnbuildable, fromAddr, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("%w: recipient %q: %w", errUnbuildable, m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	thread(msg, m)
	msg.SetDateWithValue(m.CreatedAt)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	if m.HTMLBody != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTMLBody)
	}
	for _, a := range m.Attachments {
		msg.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
	}
	return msg, nil
}
