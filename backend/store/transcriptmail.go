package store

// This file holds each connector's transcript e-mail: subject and body templates with MiCC's
// $Placeholder$ identifiers (package mailtemplate), the sender, and when transcripts go out
// without a visitor asking. The outbox columns a transcript needs beyond a plain message (an
// HTML body, the connector's sender) are written by enqueueMail in mail.go.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/mailtemplate"
)

// TranscriptMail is a connector's transcript e-mail. The zero value (no row saved) is Parley's
// default subject and text, sent from the tenant's sender, only when asked for.
type TranscriptMail struct {
	ConnectorID int64
	TenantID    int64
	// Subject and Template are templates with mailtemplate's identifiers; empty means
	// Parley's default subject or body. Template is HTML when HTML is set (sanitised when
	// saved), text otherwise.
	Subject  string
	Template string
	HTML     bool
	// FromAddress and FromName are the sender of this connector's transcripts; empty falls
	// back to the tenant's e-mail settings.
	FromAddress string
	FromName    string
	// AutoSend e-mails the transcript to the visitor's known address when a chat closes.
	AutoSend bool
	// OpenOnClose opens the prefilled transcript e-mail form in the agent app when the
	// agent closes a chat (MiCC's "Open Transcript E-mail on Close").
	OpenOnClose bool
	UpdatedAt   time.Time
}

// Validate tidies and checks the settings; template errors name the placeholder. It returns
// a *FieldError naming the struct field at fault.
func (t *TranscriptMail) Validate() error {
	t.Subject = strings.TrimSpace(t.Subject)
	t.FromAddress = strings.TrimSpace(t.FromAddress)
	t.FromName = strings.TrimSpace(t.FromName)
	if err := mailtemplate.Check(t.Subject, true); err != nil {
		return templateErr("Subject", err)
	}
	if err := mailtemplate.Check(t.Template, false); err != nil {
		return templateErr("Template", err)
	}
	if t.HTML && t.Template != "" {
		t.Template = mailtemplate.SanitizeHTML(t.Template)
	}
	if t.FromAddress != "" {
		if err := CheckMailAddress(t.FromAddress); err != nil {
			return fieldRule("FromAddress", err)
		}
	}
	if strings.ContainsAny(t.FromName, "\r\n\x00") || !utf8.ValidString(t.FromName) || utf8.RuneCountInString(t.FromName) > 100 {
		return fieldErr("FromName", "The sender name must be one line of at most 100 characters.")
	}
	return nil
}

// templateErr tells what mailtemplate.Check found wrong with the subject or the template as a
// *FieldError.
func templateErr(field string, err error) error {
	var unknown *mailtemplate.UnknownError
	switch {
	case errors.As(err, &unknown):
		return fieldErr(field, "${0}$ is not a placeholder; use one of {1}.", unknown.Name, "$"+strings.Join(mailtemplate.Identifiers, "$, $")+"$")
	case errors.Is(err, mailtemplate.ErrNotInSubject):
		return fieldErr(field, "$Transcript$ belongs in the template, not in the subject.")
	case field == "Subject":
		return fieldErr(field, "The subject must be one line of at most {0} characters, without NUL characters.", strconv.Itoa(mailtemplate.MaxSubjectRunes))
	}
	return fieldErr(field, "The template must be UTF-8 text of at most {0} KB, without NUL characters.", strconv.Itoa(mailtemplate.MaxTemplateBytes>>10))
}

type transcriptMailRow struct {
	ConnectorID int64         `gorm:"primaryKey;autoIncrement:false"`
	Connector   *connectorRow `gorm:"constraint:OnDelete:CASCADE"`
	TenantID    int64         `gorm:"not null"`
	Subject     string        `gorm:"not null"`
	Template    string        `gorm:"not null"`
	HTML        bool          `gorm:"column:html;not null"`
	FromAddress string        `gorm:"not null"`
	FromName    string        `gorm:"not null"`
	AutoSend    bool          `gorm:"not null"`
	OpenOnClose bool          `gorm:"not null"`
	UpdatedAt   time.Time     `gorm:"not null"`
}

func (transcriptMailRow) TableName() string { return "transcript_mail" }

// TranscriptMail returns connector connectorID's transcript e-mail settings, the defaults
// when none were saved; ErrNotFound when the connector does not exist.
func (s *Store) TranscriptMail(ctx context.Context, connectorID int64) (TranscriptMail, error) {
	var r transcriptMailRow
	err := s.r.WithContext(ctx).Where("connector_id = ?", connectorID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		c, err := s.Connector(ctx, connectorID)
		if err != nil {
			return TranscriptMail{}, err
		}
		return TranscriptMail{ConnectorID: c.ID, TenantID: c.TenantID}, nil
	}
	if err != nil {
		return TranscriptMail{}, wrap("transcript mail", err)
	}
	return TranscriptMail{ConnectorID: r.ConnectorID, TenantID: r.TenantID, Subject: r.Subject, Template: r.Template, HTML: r.HTML,
		FromAddress: r.FromAddress, FromName: r.FromName, AutoSend: r.AutoSend, OpenOnClose: r.OpenOnClose, UpdatedAt: normTime(r.UpdatedAt)}, nil
}

// SaveTranscriptMail validates and stores a connector's transcript e-mail settings. The
// connector must belong to t.TenantID.
func (s *Store) SaveTranscriptMail(ctx context.Context, t TranscriptMail) (TranscriptMail, error) {
	if err := t.Validate(); err != nil {
		return TranscriptMail{}, wrap("save transcript mail", err)
	}
	row := transcriptMailRow{ConnectorID: t.ConnectorID, TenantID: t.TenantID, Subject: t.Subject, Template: t.Template, HTML: t.HTML,
		FromAddress: t.FromAddress, FromName: t.FromName, AutoSend: t.AutoSend, OpenOnClose: t.OpenOnClose, UpdatedAt: now()}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&connectorRow{}).Where("id = ? AND tenant_id = ?", t.ConnectorID, t.TenantID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return tx.Save(&row).Error
	})
	if err != nil {
		return TranscriptMail{}, wrap("save transcript mail", err)
	}
	return s.TranscriptMail(ctx, t.ConnectorID)
}

func init() { allRows = append(allRows, &transcriptMailRow{}) }

// transcriptMailMigration adds the connectors' transcript e-mail settings and the outbox
// columns a transcript needs: an HTML alternative and a sender other than the tenant's.
var transcriptMailMigration = migration{version: 24, name: "transcript mail", up: sqlUp(
	`CREATE TABLE transcript_mail (connector_id integer PRIMARY KEY REFERENCES connectors(id) ON DELETE CASCADE,
 tenant_id integer NOT NULL, subject text NOT NULL DEFAULT '', template text NOT NULL DEFAULT '', html numeric NOT NULL DEFAULT false,
 from_address text NOT NULL DEFAULT '', from_name text NOT NULL DEFAULT '', auto_send numeric NOT NULL DEFAULT false,
 open_on_close numeric NOT NULL DEFAULT false, updated_at datetime NOT NULL);
ALTER TABLE outbox ADD COLUMN html_body text NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN from_address text NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN from_name text NOT NULL DEFAULT '';`,
	`CREATE TABLE transcript_mail (connector_id bigint PRIMARY KEY REFERENCES connectors(id) ON DELETE CASCADE,
 tenant_id bigint NOT NULL, subject text NOT NULL DEFAULT '', template text NOT NULL DEFAULT '', html boolean NOT NULL DEFAULT false,
 from_address text NOT NULL DEFAULT '', from_name text NOT NULL DEFAULT '', auto_send boolean NOT NULL DEFAULT false,
 open_on_close boolean NOT NULL DEFAULT false, updated_at timestamptz NOT NULL);
ALTER TABLE outbox ADD COLUMN html_body text NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN from_address text NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN from_name text NOT NULL DEFAULT '';`)}
