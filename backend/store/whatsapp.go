package store

// This file holds WhatsApp chats (package tyntec): which chat belongs to which customer number
// and when the customer last wrote, the outbox of the agents' lines to WhatsApp and their
// delivery and read status, and the inbound message ids already applied. An agent's line is
// written to the outbox in the same transaction as the line (writeWhatsApp, called by the
// group committer), so that a restart between writing and sending loses nothing.

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// WhatsAppChat is a chat that a customer started on WhatsApp.
type WhatsAppChat struct {
	ChatID      string
	TenantID    int64
	ConnectorID int64
	// Phone is the customer's number in E.164 form.
	Phone string
	// LastInbound is when the customer last wrote: the 24-hour rule counts from it.
	LastInbound time.Time
	// VisitorToken is the resume token of the customer's visitor connection (the chat
	// request's ack), with which the bridge re-joins the open chat after a restart.
	VisitorToken string
	CreatedAt    time.Time
}

type whatsappChatRow struct {
	ChatID        string `gorm:"primaryKey"`
	TenantID      int64
	ConnectorID   int64
	Phone         string
	LastInboundAt time.Time
	VisitorToken  string
	CreatedAt     time.Time
}

func (whatsappChatRow) TableName() string { return "whatsapp_chats" }

func (r whatsappChatRow) domain() WhatsAppChat {
	return WhatsAppChat{ChatID: r.ChatID, TenantID: r.TenantID, ConnectorID: r.ConnectorID, Phone: r.Phone,
		LastInbound: normTime(r.LastInboundAt), VisitorToken: r.VisitorToken, CreatedAt: normTime(r.CreatedAt)}
}

// CreateWhatsAppChat records that chat c.ChatID is with the WhatsApp number c.Phone.
func (s *Store) CreateWhatsAppChat(ctx context.Context, c WhatsAppChat) error {
	if c.ChatID == "" || c.Phone == "" || c.ConnectorID == 0 {
		return wrap("create whatsapp chat", invalid("a WhatsApp chat needs its chat, connector and number"))
	}
	t := now()
	row := whatsappChatRow{ChatID: c.ChatID, TenantID: c.TenantID, ConnectorID: c.ConnectorID, Phone: c.Phone,
		LastInboundAt: normTime(c.LastInbound), VisitorToken: c.VisitorToken, CreatedAt: t}
	if row.LastInboundAt.IsZero() {
		row.LastInboundAt = t
	}
	return wrap("create whatsapp chat", s.w.WithContext(ctx).Create(&row).Error)
}

// WhatsAppChat returns the WhatsApp side of a chat; ErrNotFound when the chat did not come
// from WhatsApp.
func (s *Store) WhatsAppChat(ctx context.Context, chatID string) (WhatsAppChat, error) {
	var row whatsappChatRow
	err := s.r.WithContext(ctx).Where("chat_id = ?", chatID).Take(&row).Error
	return row.domain(), wrap("whatsapp chat", err)
}

// LatestWhatsAppChat returns the newest chat with a number on a connector; ErrNotFound when
// there is none.
func (s *Store) LatestWhatsAppChat(ctx context.Context, connectorID int64, phone string) (WhatsAppChat, error) {
	var row whatsappChatRow
	err := s.r.WithContext(ctx).Where("connector_id = ? AND phone = ?", connectorID, phone).
		Order("created_at DESC").Limit(1).Take(&row).Error
	return row.domain(), wrap("latest whatsapp chat", err)
}

// OpenWhatsAppChats lists the WhatsApp chats that are not closed, oldest first: the
// conversations the bridge re-joins after a start. connectorID and phone narrow the list to
// one customer when connectorID is not 0.
func (s *Store) OpenWhatsAppChats(ctx context.Context, connectorID int64, phone string) ([]WhatsAppChat, error) {
	q := s.r.WithContext(ctx).Table("whatsapp_chats AS w").Select("w.*").Joins("JOIN chats c ON c.id = w.chat_id").
		Where("c.state <> ?", stateClosed)
	if connectorID != 0 {
		q = q.Where("w.connector_id = ? AND w.phone = ?", connectorID, phone)
	}
	var rows []whatsappChatRow
	if err := q.Order("w.created_at, w.chat_id").Find(&rows).Error; err != nil {
		return nil, wrap("open whatsapp chats", err)
	}
	out := make([]WhatsAppChat, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// WhatsAppCustomerWrote moves a chat's last inbound time to at, never backwards (TynTec may
// deliver webhooks out of order).
func (s *Store) WhatsAppCustomerWrote(ctx context.Context, chatID string, at time.Time) error {
	return wrap("whatsapp customer wrote", s.w.WithContext(ctx).Model(&whatsappChatRow{}).
		Where("chat_id = ? AND last_inbound_at < ?", chatID, normTime(at)).Update("last_inbound_at", normTime(at)).Error)
}

type whatsappInboundRow struct {
	ConnectorID int64  `gorm:"primaryKey"`
	MessageID   string `gorm:"primaryKey"`
	At          time.Time
}

func (whatsappInboundRow) TableName() string { return "whatsapp_inbound" }

// FirstWhatsAppInbound records an inbound message id of a connector and reports whether it is
// new: false when TynTec delivered it before, so that a retried webhook is applied once.
func (s *Store) FirstWhatsAppInbound(ctx context.Context, connectorID int64, messageID string) (bool, error) {
	res := s.w.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&whatsappInboundRow{ConnectorID: connectorID, MessageID: messageID, At: now()})
	if res.Error != nil {
		return false, wrap("whatsapp inbound", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ForgetWhatsAppInbound removes an inbound message id again, when applying the message failed
// and TynTec's retry should be applied.
func (s *Store) ForgetWhatsAppInbound(ctx context.Context, connectorID int64, messageID string) error {
	return wrap("forget whatsapp inbound", s.w.WithContext(ctx).
		Where("connector_id = ? AND message_id = ?", connectorID, messageID).Delete(&whatsappInboundRow{}).Error)
}

// The states of a line in the WhatsApp outbox.
const (
	WhatsAppPending = "pending"
	WhatsAppSent    = "sent"
	WhatsAppFailed  = "failed"
)

// The delivery states TynTec reports of a sent line, in the order they follow each other.
const (
	WhatsAppAccepted  = "accepted"
	WhatsAppDelivered = "delivered"
	WhatsAppRead      = "read"
)

// WhatsAppOut is an agent's line on its way to a WhatsApp customer, and what became of it.
type WhatsAppOut struct {
	ID          int64
	TenantID    int64
	ConnectorID int64
	// ChatID is the chat of an agent's line; "" for an administrator's test message.
	ChatID string
	// Test marks an administrator's test message to a typed number (EnqueueWhatsAppTest).
	Test bool
	// Seq is the chat event of the line.
	Seq   uint64
	Phone string
	// Body is the line as the chat wrote it (a protocol message event's data).
	Body          json.RawMessage
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	// MessageID is TynTec's id of the sent message; Status what TynTec last reported of it
	// (accepted, delivered, read, failed).
	MessageID string
	Status    string
	CreatedAt time.Time
	SentAt    *time.Time
}

type whatsappOutRow struct {
	ID            int64 `gorm:"primaryKey"`
	TenantID      int64
	ConnectorID   int64
	ChatID        *string
	Test          bool
	Seq           uint64
	Phone         string
	Body          string
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	MessageID     string
	Status        string
	CreatedAt     time.Time
	SentAt        *time.Time
}

func (whatsappOutRow) TableName() string { return "whatsapp_outbox" }

func (r whatsappOutRow) domain() WhatsAppOut {
	chatID := ""
	if r.ChatID != nil {
		chatID = *r.ChatID
	}
	return WhatsAppOut{ID: r.ID, TenantID: r.TenantID, ConnectorID: r.ConnectorID, ChatID: chatID, Test: r.Test, Seq: r.Seq, Phone: r.Phone,
		Body: json.RawMessage(r.Body), State: r.State, Attempts: r.Attempts, NextAttemptAt: normTime(r.NextAttemptAt),
		LastError: r.LastError, MessageID: r.MessageID, Status: r.Status, CreatedAt: normTime(r.CreatedAt), SentAt: normTimePtr(r.SentAt)}
}

// whatsappOuts turns outbox rows into lines.
func whatsappOuts(rows []whatsappOutRow) []WhatsAppOut {
	out := make([]WhatsAppOut, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out
}

// whatsappLine is what writeWhatsApp reads of a message event.
type whatsappLine struct {
	Role     string          `json:"role"`
	Internal bool            `json:"internal"`
	File     json.RawMessage `json:"file"`
	Text     string          `json:"text"`
}

// writeWhatsApp writes, in the group committer's transaction tx, an outbox line for every
// committed agent message the customer of a WhatsApp chat is to see. It reads the WhatsApp
// chats only when the batch has such messages in chats the numbering found to be WhatsApp's.
func writeWhatsApp(tx *gorm.DB, events []numbered) (int, error) {
	var cand []numbered
	var chats []string
	for _, n := range events {
		if !n.whatsapp || n.ev.Type != "message" || n.row.VisitorSeq == 0 {
			continue
		}
		var l whatsappLine
		if json.Unmarshal(n.ev.Data, &l) != nil || l.Role != "agent" || l.Internal {
			continue
		}
		cand = append(cand, n)
		chats = append(chats, n.row.ChatID)
	}
	if len(cand) == 0 {
		return 0, nil
	}
	var rows []whatsappChatRow
	if err := tx.Where("chat_id IN ?", chats).Find(&rows).Error; err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nil
	}
	byChat := make(map[string]whatsappChatRow, len(rows))
	for _, r := range rows {
		byChat[r.ChatID] = r
	}
	t := now()
	var out []whatsappOutRow
	for _, n := range cand {
		c, ok := byChat[n.row.ChatID]
		if !ok {
			continue
		}
		out = append(out, whatsappOutRow{TenantID: c.TenantID, ConnectorID: c.ConnectorID, ChatID: &c.ChatID, Seq: n.row.Seq, Phone: c.Phone,
			Body: string(n.ev.Data), State: WhatsAppPending, NextAttemptAt: t, CreatedAt: t})
	}
	if len(out) == 0 {
		return 0, nil
	}
	return len(out), tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&out, 100).Error
}

// firstPending keeps the lines of the outbox o that no earlier line of their chat waits
// before: a customer reads the agents' lines in the order they were written, so a line waits
// while the one before it is retried.
const firstPending = "NOT EXISTS (SELECT 1 FROM whatsapp_outbox e WHERE e.chat_id = o.chat_id AND e.state = 'pending' AND e.seq < o.seq)"

// DueWhatsApp lists up to limit pending lines due at now, the longest due first, each the
// first of its chat still pending (see firstPending).
func (s *Store) DueWhatsApp(ctx context.Context, now time.Time, limit int) ([]WhatsAppOut, error) {
	var rows []whatsappOutRow
	err := s.r.WithContext(ctx).Table("whatsapp_outbox AS o").Omit("body").
		Where("o.state = ? AND o.next_attempt_at <= ?", WhatsAppPending, normTime(now)).Where(firstPending).
		Order("o.next_attempt_at, o.id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrap("due whatsapp", err)
	}
	return whatsappOuts(rows), nil
}

// NextWhatsAppDue is when the earliest pending line that DueWhatsApp may list is due; ok is false when none is.
func (s *Store) NextWhatsAppDue(ctx context.Context) (at time.Time, ok bool, err error) {
	var rows []whatsappOutRow
	err = s.r.WithContext(ctx).Table("whatsapp_outbox AS o").Select("o.next_attempt_at").Where("o.state = ?", WhatsAppPending).
		Where(firstPending).Order("o.next_attempt_at").Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return time.Time{}, false, wrap("next whatsapp due", err)
	}
	return normTime(rows[0].NextAttemptAt), true, nil
}

// ClaimWhatsApp takes line o (as DueWhatsApp listed it) for one attempt: it counts the attempt
// and moves the due time to until, so that no other worker takes it meanwhile and, if this
// one dies before recording the outcome, it is tried again after until. ok is false when
// another worker claimed it first or it is no longer pending. The claimed line has its body.
func (s *Store) ClaimWhatsApp(ctx context.Context, o WhatsAppOut, until time.Time) (claimed WhatsAppOut, ok bool, err error) {
	db := s.w.WithContext(ctx)
	res := db.Model(&whatsappOutRow{}).Where("id = ? AND state = ? AND attempts = ?", o.ID, WhatsAppPending, o.Attempts).
		Updates(map[string]any{"attempts": o.Attempts + 1, "next_attempt_at": normTime(until)})
	if res.Error != nil {
		return WhatsAppOut{}, false, wrap("claim whatsapp", res.Error)
	}
	if res.RowsAffected == 0 {
		return WhatsAppOut{}, false, nil
	}
	var row whatsappOutRow
	if err := db.Where("id = ?", o.ID).Take(&row).Error; err != nil {
		return WhatsAppOut{}, false, wrap("claim whatsapp", err)
	}
	return row.domain(), true, nil
}

// WhatsAppAttempt is the outcome of one attempt at sending a line.
type WhatsAppAttempt struct {
	// MessageID is TynTec's id of the accepted message.
	MessageID string
	// Err is why the attempt failed, "" when TynTec accepted the message.
	Err string
	// Next is when a failed line is due again; GiveUp fails it for good instead.
	Next   time.Time
	GiveUp bool
}

// WhatsAppAttempted records the outcome of an attempt at line id made at at.
func (s *Store) WhatsAppAttempted(ctx context.Context, id int64, at time.Time, a WhatsAppAttempt) error {
	_, err := s.WhatsAppAttemptedLine(ctx, id, at, a)
	return err
}

// WhatsAppAttemptedLine records the outcome of an attempt at line id made at at, and returns
// the line as recorded (without its body). When TynTec accepted the message, a status report
// of it that arrived before this answer (kept by WhatsAppStatus) is applied in the same
// transaction, so the returned line may already be delivered or read.
func (s *Store) WhatsAppAttemptedLine(ctx context.Context, id int64, at time.Time, a WhatsAppAttempt) (WhatsAppOut, error) {
	errText := a.Err
	if n := 2000; len(errText) > n {
		errText = errText[:n] + "…"
	}
	errText = strings.ToValidUTF8(strings.ReplaceAll(errText, "\x00", ""), "")
	u := map[string]any{"last_error": errText}
	switch {
	case a.Err == "":
		u["state"], u["sent_at"], u["message_id"], u["status"] = WhatsAppSent, normTime(at), a.MessageID, WhatsAppAccepted
	case a.GiveUp:
		u["state"], u["status"] = WhatsAppFailed, WhatsAppFailed
	default:
		u["next_attempt_at"] = normTime(a.Next)
	}
	var line WhatsAppOut
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row whatsappOutRow
		if err := tx.Omit("body").Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		if a.Err == "" {
			if err := s.lockWhatsAppMessage(tx, row.ConnectorID, a.MessageID); err != nil {
				return err
			}
			var early whatsappEarlyStatusRow
			err := tx.Where("connector_id = ? AND message_id = ?", row.ConnectorID, a.MessageID).Take(&early).Error
			switch {
			case err == nil:
				if statusRank(early.Status) > statusRank(WhatsAppAccepted) {
					u["status"] = early.Status
					if early.Status == WhatsAppFailed && early.Reason != "" {
						u["last_error"] = early.Reason
					}
				}
				if err := tx.Where("connector_id = ? AND message_id = ?", row.ConnectorID, a.MessageID).Delete(&whatsappEarlyStatusRow{}).Error; err != nil {
					return err
				}
			case !errors.Is(err, gorm.ErrRecordNotFound):
				return err
			}
		}
		if err := tx.Model(&whatsappOutRow{}).Where("id = ?", id).Updates(u).Error; err != nil {
			return err
		}
		if err := tx.Omit("body").Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		line = row.domain()
		return nil
	})
	return line, wrap("whatsapp attempted", err)
}

// statusRank orders the delivery states: a report never moves a line backwards (TynTec may
// report "delivered" after "read").
func statusRank(s string) int {
	switch s {
	case WhatsAppAccepted:
		return 1
	case WhatsAppDelivered:
		return 2
	case WhatsAppRead:
		return 3
	case WhatsAppFailed:
		return 4
	}
	return 0
}

// WhatsAppStatus records what TynTec reports of its message messageID on a connector and
// returns the line it concerns; changed is false when the report moves nothing (an older
// state than the one recorded). ErrNotFound when no line has the id (yet): the report is
// then kept for a day, for a send whose answer TynTec has not given yet.
func (s *Store) WhatsAppStatus(ctx context.Context, connectorID int64, messageID, status string) (line WhatsAppOut, changed bool, err error) {
	return s.WhatsAppStatusWhy(ctx, connectorID, messageID, status, "")
}

// WhatsAppStatusWhy is WhatsAppStatus with TynTec's reason for a failure, kept with a report
// that comes before the send's answer.
func (s *Store) WhatsAppStatusWhy(ctx context.Context, connectorID int64, messageID, status, reason string) (line WhatsAppOut, changed bool, err error) {
	kept := false
	if statusRank(status) == 0 || messageID == "" {
		return WhatsAppOut{}, false, wrap("whatsapp status", invalid("unknown delivery state %q", status))
	}
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockWhatsAppMessage(tx, connectorID, messageID); err != nil {
			return err
		}
		var row whatsappOutRow
		err := tx.Omit("body").Where("connector_id = ? AND message_id = ?", connectorID, messageID).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			// TynTec may report before it answers the send: keep the report for the line
			// that will record this id (WhatsAppAttemptedLine).
			kept = true
			return keepEarlyStatus(tx, connectorID, messageID, status, reason, now())
		}
		if err != nil {
			return err
		}
		line = row.domain()
		if statusRank(status) <= statusRank(row.Status) {
			return nil
		}
		if err := tx.Model(&whatsappOutRow{}).Where("id = ?", row.ID).Update("status", status).Error; err != nil {
			return err
		}
		line.Status, changed = status, true
		return nil
	})
	if err == nil && kept {
		err = ErrNotFound
	}
	return line, changed, wrap("whatsapp status", err)
}

// WhatsAppLines lists the outbox lines of a chat in the order of the chat, without bodies:
// what the agent app shows as each line's delivery state.
func (s *Store) WhatsAppLines(ctx context.Context, chatID string) ([]WhatsAppOut, error) {
	var rows []whatsappOutRow
	if err := s.r.WithContext(ctx).Omit("body").Where("chat_id = ?", chatID).Order("seq").Find(&rows).Error; err != nil {
		return nil, wrap("whatsapp lines", err)
	}
	return whatsappOuts(rows), nil
}

// The states the WhatsApp delivery log filters by, besides the outbox states and the delivery
// states: a pending line that failed at least once is retrying.
const WhatsAppRetrying = "retrying"

// WhatsAppLog lists up to limit outbox lines of a tenant, newest first, with their bodies (to
// tell text, media and templates apart): the admin pages' WhatsApp delivery log. state narrows
// the list to pending (never tried or waiting for its first attempt), retrying (pending after a
// failed attempt), sent (accepted by TynTec, not yet delivered), delivered, read or failed; ""
// lists all.
func (s *Store) WhatsAppLog(ctx context.Context, tenantID int64, state string, limit int) ([]WhatsAppOut, error) {
	q := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID)
	switch state {
	case "":
	case WhatsAppPending:
		q = q.Where("state = ? AND last_error = ''", WhatsAppPending)
	case WhatsAppRetrying:
		q = q.Where("state = ? AND last_error <> ''", WhatsAppPending)
	case WhatsAppSent:
		q = q.Where("state = ? AND status = ?", WhatsAppSent, WhatsAppAccepted)
	case WhatsAppDelivered, WhatsAppRead:
		q = q.Where("state = ? AND status = ?", WhatsAppSent, state)
	case WhatsAppFailed:
		q = q.Where("(state = ? OR status = ?)", WhatsAppFailed, WhatsAppFailed)
	default:
		return nil, wrap("whatsapp log", invalid("unknown delivery state %q", state))
	}
	var rows []whatsappOutRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("whatsapp log", err)
	}
	return whatsappOuts(rows), nil
}

// LogState is the state the WhatsApp delivery log shows of a line: pending, retrying, sent,
// delivered, read or failed.
func (o WhatsAppOut) LogState() string {
	switch {
	case o.State == WhatsAppFailed || o.Status == WhatsAppFailed:
		return WhatsAppFailed
	case o.State == WhatsAppPending && o.LastError != "":
		return WhatsAppRetrying
	case o.State == WhatsAppPending:
		return WhatsAppPending
	case o.Status == WhatsAppDelivered || o.Status == WhatsAppRead:
		return o.Status
	}
	return WhatsAppSent
}
