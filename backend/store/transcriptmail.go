package store

// This file holds each connector's transcript e-mail: subject and body templates with MiCC's
// $Placeholder$ identifiers (package mailtemplate), the sender, and when transcripts go out
// without a visitor asking. The outbox columns a transcript needs beyond a plain message (an
// HTML body, the connector's sender) are written by enqueueMail in mail.go.

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/mailtemplate"
	"github.com/parleychat/parley/shared/protocol"
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

// MailComposing is the state of an outbox message written before its content: an automatic
// transcript, written in the transaction that closes its chat (so that a crash after the
// close cannot lose it), and composed by the outbox worker at its first attempt
// ([Store.ComposedMail]), after which it is pending like any other message.
const MailComposing = "composing"

// writeAutoTranscripts writes, in the group committer's transaction tx, the transcript
// e-mail of every chat that closed in events whose connector sends transcripts
// automatically, whose visitor's e-mail address is known, and that has no transcript yet (a
// chat closed because its visitor left a message has none).
// The message is addressed but empty (MailComposing): the transcript is rendered when it is
// sent. Batches without closes read nothing.
func writeAutoTranscripts(tx *gorm.DB, events []numbered) error {
	closed := closedChats(events)
	if len(closed) == 0 {
		return nil
	}
	var chats []struct {
		ID           string
		TenantID     int64
		ConnectorID  int64
		VisitorEmail string
	}
	if err := tx.Model(&chatRow{}).Select("id, tenant_id, connector_id, visitor_email").
		Where("id IN ? AND connector_id <> 0 AND visitor_email <> '' AND kind <> ? AND COALESCE(close_cause, '') <> ?", closed, ChatDirect, string(protocol.CauseLeftMessage)).Find(&chats).Error; err != nil {
		return err
	}
	if len(chats) == 0 {
		return nil
	}
	var conns, ids []int64
	var chatIDs []string
	for _, c := range chats {
		if !slices.Contains(conns, c.ConnectorID) {
			conns = append(conns, c.ConnectorID)
		}
		chatIDs = append(chatIDs, c.ID)
	}
	if err := tx.Model(&transcriptMailRow{}).Where("connector_id IN ? AND auto_send = ?", conns, true).Pluck("connector_id", &ids).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	var sent []string
	if err := tx.Model(&outboxRow{}).Where("chat_id IN ? AND kind = ?", chatIDs, KindTranscriptMail).Distinct().Pluck("chat_id", &sent).Error; err != nil {
		return err
	}
	t := now()
	var out []outboxRow
	for _, c := range chats {
		if slices.Contains(ids, c.ConnectorID) && !slices.Contains(sent, c.ID) && CheckMailAddress(c.VisitorEmail) == nil {
			out = append(out, outboxRow{TenantID: c.TenantID, Kind: KindTranscriptMail, ChatID: c.ID, ToAddress: c.VisitorEmail,
				State: MailComposing, NextAttemptAt: t, CreatedAt: t})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return tx.CreateInBatches(&out, 100).Error
}

// KindTranscriptMail is the outbox kind of a transcript (package mail's KindTranscript).
const KindTranscriptMail = "transcript"

// ComposedMail gives message m, claimed while MailComposing, its content (subject, bodies,
// sender, Message-ID, attachments; m.To is kept as written) and makes it pending, in one
// transaction. ok is false when the message was composed already (by another worker).
func (s *Store) ComposedMail(ctx context.Context, m OutboxMail) (composed OutboxMail, ok bool, err error) {
	var row outboxRow
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", m.ID).Take(&row).Error; err != nil {
			return err
		}
		if row.State != MailComposing {
			return nil
		}
		m.To, m.TenantID, m.Kind, m.ChatID = row.ToAddress, row.TenantID, row.Kind, row.ChatID
		if err := m.Validate(); err != nil {
			return err
		}
		res := tx.Model(&outboxRow{}).Where("id = ? AND state = ?", m.ID, MailComposing).Updates(map[string]any{
			"message_id": m.MessageID, "in_reply_to": m.InReplyTo, "thread_refs": strings.Join(m.References, " "),
			"subject": m.Subject, "body": m.Body, "html_body": m.HTMLBody, "from_address": m.FromAddress, "from_name": m.FromName,
			"state": MailPending})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		for _, a := range m.Attachments {
			ar := outboxAttachmentRow{OutboxID: m.ID, Name: a.Name, ContentType: a.ContentType, Data: a.Data}
			if ar.Data == nil {
				ar.Data = []byte{}
			}
			if err := tx.Create(&ar).Error; err != nil {
				return err
			}
		}
		ok = true
		return tx.Where("id = ?", m.ID).Take(&row).Error
	})
	if err != nil || !ok {
		return OutboxMail{}, false, wrap("composed mail", err)
	}
	composed = row.domain()
	composed.Attachments = m.Attachments
	return composed, true, nil
}
