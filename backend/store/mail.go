package store

// This file holds what a tenant's e-mail needs: its SMTP settings and the outbox, where a
// message is written before it is delivered (package mail delivers it). A message is stored
// complete — recipient, subject, text, attachments, its Message-ID — so that delivering it
// needs nothing else and a restart between writing and sending loses nothing.

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/changes"
)

// The TLS modes of an SMTP connection.
const (
	// MailTLSNone speaks plain SMTP (a relay on the local network).
	MailTLSNone = "none"
	// MailTLSStartTLS upgrades the connection with STARTTLS and refuses a server that does
	// not offer it (usually port 587).
	MailTLSStartTLS = "starttls"
	// MailTLSImplicit opens the connection with TLS (SMTPS, usually port 465).
	MailTLSImplicit = "tls"
)

// MailSettings are a tenant's SMTP server and sender.
type MailSettings struct {
	TenantID int64
	Host     string
	Port     int
	// TLS is one of MailTLSNone, MailTLSStartTLS, MailTLSImplicit.
	TLS string
	// Username and Password sign in to the server; no username means no authentication.
	Username string
	Password string
	// FromAddress and FromName are the sender of every message.
	FromAddress string
	FromName    string
}

// DefaultMailSettings are the settings of a tenant that saved none: not configured.
func DefaultMailSettings(tenantID int64) MailSettings {
	return MailSettings{TenantID: tenantID, Port: 587, TLS: MailTLSStartTLS}
}

// Configured reports whether the settings name a server and a sender, without which nothing
// can be sent.
func (m MailSettings) Configured() bool { return m.Host != "" && m.FromAddress != "" }

// Validate checks the settings; an empty host is allowed (e-mail off). It wraps ErrInvalid
// with a *FieldError naming the field.
func (m *MailSettings) Validate() error {
	m.Host = strings.TrimSpace(m.Host)
	m.Username = strings.TrimSpace(m.Username)
	m.FromAddress = strings.TrimSpace(m.FromAddress)
	m.FromName = strings.TrimSpace(m.FromName)
	switch {
	case strings.ContainsAny(m.Host, " \t\r\n\x00/:@") || len(m.Host) > 253:
		return fieldErr("Host", "Enter a host name or address, without a port.")
	case m.Port < 1 || m.Port > 65535:
		return fieldErr("Port", "The port is a number from 1 to 65535.")
	case m.TLS != MailTLSNone && m.TLS != MailTLSStartTLS && m.TLS != MailTLSImplicit:
		return fieldErr("TLS", "Choose none, STARTTLS or TLS.")
	case strings.ContainsAny(m.Username, "\r\n\x00") || len(m.Username) > 320:
		return fieldErr("Username", "The user name must be one line of at most 320 characters.")
	case strings.ContainsAny(m.Password, "\r\n\x00") || len(m.Password) > 1000:
		return fieldErr("Password", "The password must be one line of at most 1000 characters.")
	case m.Host != "" && m.FromAddress == "":
		return fieldErr("FromAddress", "Enter the sender address.")
	case strings.ContainsAny(m.FromName, "\r\n\x00") || utf8.RuneCountInString(m.FromName) > 100:
		return fieldErr("FromName", "The sender name must be one line of at most 100 characters.")
	}
	if m.FromAddress != "" {
		if err := CheckMailAddress(m.FromAddress); err != nil {
			return fieldRule("FromAddress", err)
		}
	}
	return nil
}

// CheckMailAddress checks that s is one bare e-mail address (name@domain, no display name,
// no line breaks), as a recipient or sender must be. The error is a *RuleError.
func CheckMailAddress(s string) error {
	if s == "" {
		return rule("Enter an e-mail address.")
	}
	if len(s) > 254 || strings.ContainsAny(s, "\r\n\x00<>, ") {
		return rule("\"{0}\" is not an e-mail address.", s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return rule("\"{0}\" is not an e-mail address.", s)
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.HasPrefix(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return rule("\"{0}\" is not an e-mail address.", s)
	}
	return nil
}

type mailSettingsRow struct {
	TenantID    int64      `gorm:"primaryKey;autoIncrement:false"`
	Tenant      *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	Host        string     `gorm:"not null"`
	Port        int        `gorm:"not null"`
	TLSMode     string     `gorm:"column:tls_mode;not null"`
	Username    string     `gorm:"not null"`
	Password    string     `gorm:"not null"`
	FromAddress string     `gorm:"not null"`
	FromName    string     `gorm:"not null"`
}

func (mailSettingsRow) TableName() string { return "mail_settings" }

// MailSettings returns a tenant's SMTP settings, the defaults (not configured) when it saved
// none.
func (s *Store) MailSettings(ctx context.Context, tenantID int64) (MailSettings, error) {
	var r mailSettingsRow
	err := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return DefaultMailSettings(tenantID), nil
	}
	if err != nil {
		return MailSettings{}, wrap("mail settings", err)
	}
	return MailSettings{TenantID: r.TenantID, Host: r.Host, Port: r.Port, TLS: r.TLSMode, Username: r.Username,
		Password: r.Password, FromAddress: r.FromAddress, FromName: r.FromName}, nil
}

// SaveMailSettings validates and stores a tenant's SMTP settings.
func (s *Store) SaveMailSettings(ctx context.Context, m MailSettings) (MailSettings, error) {
	if err := m.Validate(); err != nil {
		return MailSettings{}, wrap("save mail settings", err)
	}
	row := mailSettingsRow{TenantID: m.TenantID, Host: m.Host, Port: m.Port, TLSMode: m.TLS, Username: m.Username,
		Password: m.Password, FromAddress: m.FromAddress, FromName: m.FromName}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&tenantRow{}).Where("id = ?", m.TenantID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return invalid("tenant %d does not exist", m.TenantID)
		}
		return tx.Save(&row).Error
	})
	if err := s.published(err, changes.Setting{Kind: changes.KindMail, TenantID: m.TenantID}); err != nil {
		return MailSettings{}, wrap("save mail settings", err)
	}
	return s.MailSettings(ctx, m.TenantID)
}

// The states of an outbox message.
const (
	// MailPending waits for its first or next attempt.
	MailPending = "pending"
	// MailSent was accepted by the SMTP server.
	MailSent = "sent"
	// MailFailed was given up, its last error kept.
	MailFailed = "failed"
)

// Limits of an outbox message, so that one bad caller cannot fill the database.
const (
	// MailSubjectRunes caps a subject.
	MailSubjectRunes = 500
	// MailBodyBytes caps a text body.
	MailBodyBytes = 1 << 20
	// MailAttachmentBytes caps all attachments of a message together.
	MailAttachmentBytes = 20 << 20
)

// OutboxMail is one message of the outbox.
type OutboxMail struct {
	ID       int64
	TenantID int64
	// Kind says what the message is ("transcript", "test"); ChatID the chat it is about.
	Kind   string
	ChatID string
	// MessageID is the Message-ID header, fixed when the message is written, so that a message
	// sent again after a crash carries the same one.
	MessageID string
	// InReplyTo and References thread the message under earlier ones (the headers of the same
	// names, Message-IDs without angle brackets); empty for a message that starts a thread.
	InReplyTo  string
	References []string
	To         string
	Subject    string
	Body       string
	// HTMLBody, when set, is the HTML alternative of Body (a transcript with an HTML template).
	HTMLBody string
	// FromAddress and FromName, when set, replace the tenant's sender (a connector's own).
	FromAddress string
	FromName    string
	// Attachments are read by ClaimMail only; lists leave them out.
	Attachments []MailAttachment
	State       string
	Attempts    int
	// NextAttemptAt is when a pending message is due (a claimed one: when its claim lapses).
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	// SentAt is zero until the message is sent.
	SentAt time.Time
}

// MailAttachment is a file sent with a message.
type MailAttachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Validate checks a message before it is written; it wraps ErrInvalid.
func (m *OutboxMail) Validate() error {
	if err := CheckMailAddress(m.To); err != nil {
		return invalid("%v", err)
	}
	if !utf8.ValidString(m.Subject) {
		return invalid("the subject is not UTF-8 text")
	}
	m.Subject = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 || r == '\t' {
			return ' '
		}
		return r
	}, m.Subject)
	switch {
	case m.TenantID <= 0:
		return invalid("a message needs its tenant")
	case utf8.RuneCountInString(m.Subject) > MailSubjectRunes:
		return invalid("the subject must be text of at most %d characters", MailSubjectRunes)
	case !utf8.ValidString(m.Body) || strings.ContainsRune(m.Body, 0) || len(m.Body) > MailBodyBytes:
		return invalid("the body must be text of at most %d bytes", MailBodyBytes)
	case !utf8.ValidString(m.HTMLBody) || strings.ContainsRune(m.HTMLBody, 0) || len(m.HTMLBody) > MailBodyBytes:
		return invalid("the HTML body must be text of at most %d bytes", MailBodyBytes)
	case strings.ContainsAny(m.FromName, "\r\n\x00") || !utf8.ValidString(m.FromName):
		return invalid("the sender name must be one line")
	case m.FromAddress != "" && CheckMailAddress(m.FromAddress) != nil:
		return invalid("the sender %q is not an e-mail address", m.FromAddress)
	case m.MessageID == "" || strings.ContainsAny(m.MessageID, "\r\n\x00 <>"):
		return invalid("a message needs a Message-ID")
	case strings.ContainsAny(m.InReplyTo, "\r\n\x00 <>"):
		return invalid("In-Reply-To must be one Message-ID")
	}
	for _, r := range m.References {
		if r == "" || strings.ContainsAny(r, "\r\n\x00 <>") {
			return invalid("References must be Message-IDs")
		}
	}
	total := 0
	for _, a := range m.Attachments {
		total += len(a.Data)
		if a.Name == "" || strings.ContainsAny(a.Name, "\r\n\x00/\\") || a.ContentType == "" || strings.ContainsAny(a.ContentType, "\r\n\x00") {
			return invalid("an attachment needs a plain file name and a content type")
		}
	}
	if total > MailAttachmentBytes {
		return invalid("the attachments are larger than %d bytes", MailAttachmentBytes)
	}
	return nil
}

type outboxRow struct {
	ID            int64      `gorm:"primaryKey"`
	TenantID      int64      `gorm:"not null"`
	Tenant        *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	Kind          string     `gorm:"not null"`
	ChatID        string     `gorm:"not null"`
	MessageID     string     `gorm:"not null"`
	InReplyTo     string     `gorm:"not null"`
	ThreadRefs    string     `gorm:"not null"`
	ToAddress     string     `gorm:"not null"`
	Subject       string     `gorm:"not null"`
	Body          string     `gorm:"not null"`
	HTMLBody      string     `gorm:"column:html_body;not null"`
	FromAddress   string     `gorm:"not null"`
	FromName      string     `gorm:"not null"`
	State         string     `gorm:"not null"`
	Attempts      int        `gorm:"not null"`
	NextAttemptAt time.Time  `gorm:"not null"`
	LastError     string     `gorm:"not null"`
	CreatedAt     time.Time  `gorm:"not null"`
	SentAt        *time.Time
}

func (outboxRow) TableName() string { return "outbox" }

type outboxAttachmentRow struct {
	ID          int64      `gorm:"primaryKey"`
	OutboxID    int64      `gorm:"not null"`
	Outbox      *outboxRow `gorm:"constraint:OnDelete:CASCADE"`
	Name        string     `gorm:"not null"`
	ContentType string     `gorm:"not null"`
	Data        []byte     `gorm:"not null"`
}

func (outboxAttachmentRow) TableName() string { return "outbox_attachments" }

func (r outboxRow) domain() OutboxMail {
	m := OutboxMail{ID: r.ID, TenantID: r.TenantID, Kind: r.Kind, ChatID: r.ChatID, MessageID: r.MessageID, InReplyTo: r.InReplyTo,
		References: strings.Fields(r.ThreadRefs), To: r.ToAddress,
		Subject: r.Subject, Body: r.Body, HTMLBody: r.HTMLBody, FromAddress: r.FromAddress, FromName: r.FromName, State: r.State, Attempts: r.Attempts, NextAttemptAt: normTime(r.NextAttemptAt),
		LastError: r.LastError, CreatedAt: normTime(r.CreatedAt)}
	if r.SentAt != nil {
		m.SentAt = normTime(*r.SentAt)
	}
	return m
}

// EnqueueMail writes a message to the outbox, due at once; it returns the message as stored.
func (s *Store) EnqueueMail(ctx context.Context, m OutboxMail) (OutboxMail, error) {
	var out OutboxMail
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		out, err = enqueueMail(tx, m)
		return err
	})
	return out, wrap("enqueue mail", err)
}

// EnqueueChatMail writes a message about chat m.ChatID to the outbox and, in the same
// transaction, records email as the chat's visitor e-mail address (when not empty): a
// visitor who asks for a transcript gives the address it goes to.
func (s *Store) EnqueueChatMail(ctx context.Context, m OutboxMail, email string) (OutboxMail, error) {
	var out OutboxMail
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if email != "" {
			res := tx.Model(&chatRow{}).Where("id = ? AND tenant_id = ?", m.ChatID, m.TenantID).
				Updates(map[string]any{"visitor_email": email, "visitor_email_key": emailKey(email)})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return fmt.Errorf("chat %q: %w", m.ChatID, ErrNotFound)
			}
		}
		var err error
		out, err = enqueueMail(tx, m)
		return err
	})
	return out, wrap("enqueue chat mail", err)
}

func enqueueMail(tx *gorm.DB, m OutboxMail) (OutboxMail, error) {
	if err := m.Validate(); err != nil {
		return OutboxMail{}, err
	}
	t := now()
	row := outboxRow{TenantID: m.TenantID, Kind: m.Kind, ChatID: m.ChatID, MessageID: m.MessageID, InReplyTo: m.InReplyTo,
		ThreadRefs: strings.Join(m.References, " "), ToAddress: m.To,
		Subject: m.Subject, Body: m.Body, HTMLBody: m.HTMLBody, FromAddress: m.FromAddress, FromName: m.FromName, State: MailPending, NextAttemptAt: t, CreatedAt: t}
	if err := tx.Create(&row).Error; err != nil {
		return OutboxMail{}, err
	}
	for _, a := range m.Attachments {
		ar := outboxAttachmentRow{OutboxID: row.ID, Name: a.Name, ContentType: a.ContentType, Data: a.Data}
		if ar.Data == nil {
			ar.Data = []byte{}
		}
		if err := tx.Create(&ar).Error; err != nil {
			return OutboxMail{}, err
		}
	}
	out := row.domain()
	out.Attachments = m.Attachments
	return out, nil
}

// ChatMailByLocalID is the outbox message of a kind about chat chatID whose Message-ID has the
// local part local (the part before "@"), without its attachments; ErrNotFound when there is
// none. Keyed transcripts are found by it before they are composed again.
func (s *Store) ChatMailByLocalID(ctx context.Context, chatID, kind, local string) (OutboxMail, error) {
	if local == "" || strings.ContainsAny(local, "@%_\\") {
		return OutboxMail{}, wrap("chat mail by id", invalid("local part %q", local))
	}
	var r outboxRow
	err := s.w.WithContext(ctx).Where("chat_id = ? AND kind = ? AND message_id LIKE ?", chatID, kind, local+"@%").
		Order("id").Take(&r).Error
	if err != nil {
		return OutboxMail{}, wrap("chat mail by id", err)
	}
	return r.domain(), nil
}

// ChatMailCount counts the outbox messages of a kind written about a chat, whatever became of
// them.
func (s *Store) ChatMailCount(ctx context.Context, chatID, kind string) (int, error) {
	var n int64
	err := s.r.WithContext(ctx).Model(&outboxRow{}).Where("chat_id = ? AND kind = ?", chatID, kind).Count(&n).Error
	return int(n), wrap("chat mail count", err)
}

// DueMail lists up to limit pending (or composing) messages due at now, the longest due first, without
// their attachments.
func (s *Store) DueMail(ctx context.Context, now time.Time, limit int) ([]OutboxMail, error) {
	var rows []outboxRow
	err := s.r.WithContext(ctx).Where("state IN ? AND next_attempt_at <= ?", []string{MailPending, MailComposing}, normTime(now)).
		Order("next_attempt_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrap("due mail", err)
	}
	out := make([]OutboxMail, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// NextMailDue is when the earliest pending (or composing) message is due; ok is false when none is pending.
func (s *Store) NextMailDue(ctx context.Context) (at time.Time, ok bool, err error) {
	var rows []outboxRow
	err = s.r.WithContext(ctx).Select("next_attempt_at").Where("state IN ?", []string{MailPending, MailComposing}).
		Order("next_attempt_at").Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return time.Time{}, false, wrap("next mail due", err)
	}
	return normTime(rows[0].NextAttemptAt), true, nil
}

// ClaimMail takes message m (as DueMail listed it) for one attempt: it counts the attempt and
// moves the message's due time to until, so that no other worker takes it meanwhile and, if
// this one dies before recording the outcome, the message is tried again after until. ok is
// false when another worker claimed it first or it is no longer pending. The claimed message
// comes with its attachments.
func (s *Store) ClaimMail(ctx context.Context, m OutboxMail, until time.Time) (claimed OutboxMail, ok bool, err error) {
	db := s.w.WithContext(ctx)
	res := db.Model(&outboxRow{}).Where("id = ? AND state IN ? AND attempts = ?", m.ID, []string{MailPending, MailComposing}, m.Attempts).
		Updates(map[string]any{"attempts": m.Attempts + 1, "next_attempt_at": normTime(until)})
	if res.Error != nil {
		return OutboxMail{}, false, wrap("claim mail", res.Error)
	}
	if res.RowsAffected == 0 {
		return OutboxMail{}, false, nil
	}
	var row outboxRow
	if err := db.Where("id = ?", m.ID).Take(&row).Error; err != nil {
		return OutboxMail{}, false, wrap("claim mail", err)
	}
	var atts []outboxAttachmentRow
	if err := db.Where("outbox_id = ?", m.ID).Order("id").Find(&atts).Error; err != nil {
		return OutboxMail{}, false, wrap("claim mail", err)
	}
	claimed = row.domain()
	for _, a := range atts {
		claimed.Attachments = append(claimed.Attachments, MailAttachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	return claimed, true, nil
}

// MailSent records that message id was accepted by the server at at.
func (s *Store) MailSent(ctx context.Context, id int64, at time.Time) error {
	err := s.w.WithContext(ctx).Model(&outboxRow{}).Where("id = ?", id).
		Updates(map[string]any{"state": MailSent, "sent_at": normTime(at), "last_error": ""}).Error
	return wrap("mail sent", err)
}

// MailAttemptFailed records a failed attempt of message id with its error: the message is
// due again at next, or, when giveUp, failed for good.
func (s *Store) MailAttemptFailed(ctx context.Context, id int64, errText string, next time.Time, giveUp bool) error {
	if n := 2000; len(errText) > n {
		errText = strings.ToValidUTF8(errText[:n], "") + "…"
	}
	errText = strings.ReplaceAll(errText, "\x00", "")
	u := map[string]any{"last_error": errText, "next_attempt_at": normTime(next)}
	if giveUp {
		u["state"] = MailFailed
	}
	return wrap("mail attempt failed", s.w.WithContext(ctx).Model(&outboxRow{}).Where("id = ?", id).Updates(u).Error)
}

// OutboxLog lists a tenant's newest limit messages, newest first, without attachments: the
// delivery log.
func (s *Store) OutboxLog(ctx context.Context, tenantID int64, limit int) ([]OutboxMail, error) {
	var rows []outboxRow
	err := s.r.WithContext(ctx).Omit("body").Where("tenant_id = ?", tenantID).Order("id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrap("outbox log", err)
	}
	out := make([]OutboxMail, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
