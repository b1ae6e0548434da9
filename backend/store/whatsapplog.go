package store

// This file holds what the admin pages' WhatsApp log adds to the outbox (whatsapp.go): sending
// a failed line again, an administrator's test message to a typed number, the log of inbound
// messages, and status reports that arrive before the send's answer.

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// EarlyStatusKept is how long a status report of a message id no line has recorded is kept:
// TynTec answers a send within seconds, so a report older than a day belongs to no send of
// this server.
const EarlyStatusKept = 24 * time.Hour

type whatsappEarlyStatusRow struct {
	ConnectorID int64  `gorm:"primaryKey"`
	MessageID   string `gorm:"primaryKey"`
	Status      string
	Reason      string
	At          time.Time
}

func (whatsappEarlyStatusRow) TableName() string { return "whatsapp_early_status" }

func init() { allRows = append(allRows, &whatsappEarlyStatusRow{}, &whatsappInboundLogRow{}) }

// lockWhatsAppMessage serialises, in tx, the status report of a message id and the recording
// of that id by the send's answer, so that a report is either applied to the line or kept
// for it, never lost between them: a PostgreSQL advisory lock for the transaction (SQLite has
// one writer already).
func (s *Store) lockWhatsAppMessage(tx *gorm.DB, connectorID int64, messageID string) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	h := fnv.New32a()
	fmt.Fprint(h, connectorID, "/", messageID)
	return tx.Exec("SELECT pg_advisory_xact_lock(38, ?)", int32(h.Sum32())).Error
}

// keepEarlyStatus keeps a report of a message id no line has recorded, the furthest state
// winning, and drops the reports older than EarlyStatusKept.
func keepEarlyStatus(tx *gorm.DB, connectorID int64, messageID, status, reason string, at time.Time) error {
	if err := tx.Where("at < ?", normTime(at.Add(-EarlyStatusKept))).Delete(&whatsappEarlyStatusRow{}).Error; err != nil {
		return err
	}
	var old []whatsappEarlyStatusRow
	if err := tx.Where("connector_id = ? AND message_id = ?", connectorID, messageID).Limit(1).Find(&old).Error; err != nil {
		return err
	}
	if len(old) == 1 && statusRank(old[0].Status) >= statusRank(status) {
		return nil
	}
	row := whatsappEarlyStatusRow{ConnectorID: connectorID, MessageID: messageID, Status: status, Reason: reason, At: normTime(at)}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "connector_id"}, {Name: "message_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"status", "reason", "at"})}).Create(&row).Error
}

// SendWhatsAppAgain puts a failed line of a tenant back in the outbox, due at at, with a new
// count of attempts: one conditional update, so that it changes nothing while the line is
// pending or in flight, after it was sent, or when clicked twice (again is false then).
// ErrNotFound when the tenant has no such line.
func (s *Store) SendWhatsAppAgain(ctx context.Context, tenantID, id int64, at time.Time) (line WhatsAppOut, again bool, err error) {
	db := s.w.WithContext(ctx)
	res := db.Model(&whatsappOutRow{}).
		Where("id = ? AND tenant_id = ? AND (state = ? OR (state = ? AND status = ?))", id, tenantID, WhatsAppFailed, WhatsAppSent, WhatsAppFailed).
		Updates(map[string]any{"state": WhatsAppPending, "status": "", "attempts": 0, "next_attempt_at": normTime(at),
			"last_error": "", "message_id": "", "sent_at": nil})
	if res.Error != nil {
		return WhatsAppOut{}, false, wrap("send whatsapp again", res.Error)
	}
	var row whatsappOutRow
	if err := db.Omit("body").Where("id = ? AND tenant_id = ?", id, tenantID).Take(&row).Error; err != nil {
		return WhatsAppOut{}, false, wrap("send whatsapp again", err)
	}
	return row.domain(), res.RowsAffected == 1, nil
}

// EnqueueWhatsAppTest writes an administrator's test message to a typed number (phone, in
// E.164 form) into the outbox of a tenant's connector: it goes out as the agents' lines do,
// with no chat, and shows in the log as a test.
func (s *Store) EnqueueWhatsAppTest(ctx context.Context, tenantID, connectorID int64, phone, text string) (WhatsAppOut, error) {
	if phone == "" || text == "" {
		return WhatsAppOut{}, wrap("whatsapp test", invalid("a test message needs its number and text"))
	}
	if err := s.tenantConnector(ctx, tenantID, connectorID); err != nil {
		return WhatsAppOut{}, wrap("whatsapp test", err)
	}
	body, err := json.Marshal(map[string]string{"role": "agent", "text": text})
	if err != nil {
		return WhatsAppOut{}, wrap("whatsapp test", err)
	}
	t := now()
	row := whatsappOutRow{TenantID: tenantID, ConnectorID: connectorID, Test: true, Phone: phone, Body: string(body),
		State: WhatsAppPending, NextAttemptAt: t, CreatedAt: t}
	if err := s.w.WithContext(ctx).Create(&row).Error; err != nil {
		return WhatsAppOut{}, wrap("whatsapp test", err)
	}
	return row.domain(), nil
}

// WhatsAppLine returns one outbox line of a tenant, without its body; ErrNotFound when the
// tenant has none with that id.
func (s *Store) WhatsAppLine(ctx context.Context, tenantID, id int64) (WhatsAppOut, error) {
	var row whatsappOutRow
	err := s.r.WithContext(ctx).Omit("body").Where("id = ? AND tenant_id = ?", id, tenantID).Take(&row).Error
	return row.domain(), wrap("whatsapp line", err)
}

// What became of an inbound message, as the WhatsApp log shows it.
const (
	// WhatsAppReceived: the message was written into a chat.
	WhatsAppReceived = "received"
	// WhatsAppDuplicate: TynTec delivered a message already applied (a retry).
	WhatsAppDuplicate = "duplicate"
	// WhatsAppRefused: the message was sent to a number that is not the connector's.
	WhatsAppRefused = "refused"
)

// WhatsAppIn is an inbound message as the WhatsApp log keeps it.
type WhatsAppIn struct {
	ID          int64
	TenantID    int64
	ConnectorID int64
	// MessageID is TynTec's id of the message.
	MessageID string
	// Phone is the customer's number (E.164); To the number the message was sent to.
	Phone string
	To    string
	// ChatID is the chat the message went to ("" when refused); the entry is deleted with
	// the chat.
	ChatID string
	// Outcome is received, duplicate or refused; Kind TynTec's content type.
	Outcome   string
	Kind      string
	CreatedAt time.Time
}

type whatsappInboundLogRow struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	ConnectorID int64
	MessageID   string
	Phone       string
	ToNumber    string
	ChatID      *string
	Outcome     string
	Kind        string
	CreatedAt   time.Time
}

func (whatsappInboundLogRow) TableName() string { return "whatsapp_inbound_log" }

func (r whatsappInboundLogRow) domain() WhatsAppIn {
	in := WhatsAppIn{ID: r.ID, TenantID: r.TenantID, ConnectorID: r.ConnectorID, MessageID: r.MessageID, Phone: r.Phone, To: r.ToNumber,
		Outcome: r.Outcome, Kind: r.Kind, CreatedAt: normTime(r.CreatedAt)}
	if r.ChatID != nil {
		in.ChatID = *r.ChatID
	}
	return in
}

// LogWhatsAppInbound records an inbound message in the log. A duplicate without a chat is
// given the chat its first delivery went to.
func (s *Store) LogWhatsAppInbound(ctx context.Context, in WhatsAppIn) error {
	switch in.Outcome {
	case WhatsAppReceived, WhatsAppDuplicate, WhatsAppRefused:
	default:
		return wrap("log whatsapp inbound", invalid("unknown outcome %q", in.Outcome))
	}
	db := s.w.WithContext(ctx)
	row := whatsappInboundLogRow{TenantID: in.TenantID, ConnectorID: in.ConnectorID, MessageID: in.MessageID, Phone: in.Phone,
		ToNumber: in.To, Outcome: in.Outcome, Kind: in.Kind, CreatedAt: now()}
	if in.ChatID != "" {
		row.ChatID = &in.ChatID
	} else if in.Outcome == WhatsAppDuplicate {
		var first []whatsappInboundLogRow
		if err := db.Where("connector_id = ? AND message_id = ? AND outcome = ?", in.ConnectorID, in.MessageID, WhatsAppReceived).
			Order("id").Limit(1).Find(&first).Error; err != nil {
			return wrap("log whatsapp inbound", err)
		}
		if len(first) == 1 {
			row.ChatID = first[0].ChatID
		}
	}
	return wrap("log whatsapp inbound", db.Create(&row).Error)
}

// WhatsAppInboundLog lists up to limit inbound messages of a tenant, newest first; outcome
// narrows the list to received, duplicate or refused, "" lists all.
func (s *Store) WhatsAppInboundLog(ctx context.Context, tenantID int64, outcome string, limit int) ([]WhatsAppIn, error) {
	q := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID)
	switch outcome {
	case "":
	case WhatsAppReceived, WhatsAppDuplicate, WhatsAppRefused:
		q = q.Where("outcome = ?", outcome)
	default:
		return nil, wrap("whatsapp inbound log", invalid("unknown outcome %q", outcome))
	}
	var rows []whatsappInboundLogRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("whatsapp inbound log", err)
	}
	out := make([]WhatsAppIn, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
