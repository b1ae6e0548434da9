package store

// This file ages out the delivery logs: the outboxes that are also logs (Web Push, webhooks,
// chat report exports, e-mail, WhatsApp) and the logs that are only logs (translation calls,
// WhatsApp message ids already applied). A log is for finding what went wrong lately; kept
// for ever it would hold visitors' words and addresses long after the chats they came from
// were deleted. Rows still waiting to be delivered are never aged out.

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// DeliveryLogDays is how long a finished delivery (sent, failed, expired…) is kept when the
// tenant keeps its chats longer: a month answers "did it arrive" and "why did it fail"; a
// tenant that keeps chats for a shorter time keeps their deliveries no longer either.
const DeliveryLogDays = 30

// DeliveryLogPeriod is how many days a tenant's policy keeps finished deliveries: its chat
// period when that is shorter than DeliveryLogDays, else DeliveryLogDays.
func DeliveryLogPeriod(p RetentionPolicy) int {
	if p.ChatDays > 0 && p.ChatDays < DeliveryLogDays {
		return p.ChatDays
	}
	return DeliveryLogDays
}

// deliveryLog is one table that logs deliveries, as the retention worker ages it out.
type deliveryLog struct {
	model any
	// at is the column that holds when the row was made.
	at string
	// finished are the states of rows that are done; nil means every row is done.
	finished []string
	// children are rows of other tables that belong to the log's rows, by the column that
	// names the row.
	children map[string]any
}

// deliveryLogs are the tables aged out by tenant and age (whatsapp_inbound has no tenant; it
// is aged out by its connectors').
var deliveryLogs = []deliveryLog{
	{model: &pushDeliveryRow{}, at: "created_at", finished: []string{PushSent, PushExpired, PushFailed, PushGone}},
	{model: &webhookDeliveryRow{}, at: "created_at", finished: []string{WebhookDelivered, WebhookFailed}},
	{model: &exportDeliveryRow{}, at: "created_at", finished: []string{ExportDelivered, ExportFailed}},
	{model: &outboxRow{}, at: "created_at", finished: []string{MailSent, MailFailed}, children: map[string]any{"outbox_id": &outboxAttachmentRow{}}},
	{model: &whatsappOutRow{}, at: "created_at", finished: []string{WhatsAppSent, WhatsAppFailed}},
	{model: &translationCallRow{}, at: "at"},
	{model: &whatsappInboundLogRow{}, at: "created_at"},
}

// PurgeDeliveryLogs deletes, from each delivery log of the tenant, one batch of at most limit
// (at most MaxPurgeBatch) finished rows made before the given time, each batch in its own
// short transaction, and returns how many rows it deleted in all. Less than limit means
// nothing is left to delete. Pending rows stay whatever their age: they are still to be
// delivered.
//
// Rows are found by the tenant's id index, from the oldest, up to the tenant's first row made
// at or after before: ids grow with time, so a batch reads the old rows it deletes and the
// pending ones it keeps, never the newer log.
func (s *Store) PurgeDeliveryLogs(ctx context.Context, tenantID int64, before time.Time, limit int) (int, error) {
	limit = purgeLimit(limit)
	before = normTime(before)
	total := 0
	for _, l := range deliveryLogs {
		n, err := s.purgeDeliveryLog(ctx, l, tenantID, before, limit)
		if err != nil {
			return total, wrap("purge delivery logs", err)
		}
		total += n
	}
	res := s.w.WithContext(ctx).Where("(connector_id, message_id) IN (?)", s.w.Model(&whatsappInboundRow{}).Select("connector_id, message_id").
		Where("connector_id IN (?) AND at < ?", s.w.Model(&connectorRow{}).Select("id").Where("tenant_id = ?", tenantID), before).
		Limit(limit)).Delete(&whatsappInboundRow{})
	if res.Error != nil {
		return total, wrap("purge delivery logs", res.Error)
	}
	return total + int(res.RowsAffected), nil
}

// purgeDeliveryLog deletes one batch of one log.
func (s *Store) purgeDeliveryLog(ctx context.Context, l deliveryLog, tenantID int64, before time.Time, limit int) (int, error) {
	db := s.w.WithContext(ctx)
	var bound []int64
	if err := db.Model(l.model).Where("tenant_id = ? AND "+l.at+" >= ?", tenantID, before).Order("id").Limit(1).Pluck("id", &bound).Error; err != nil {
		return 0, err
	}
	n := 0
	err := db.Transaction(func(tx *gorm.DB) error {
		sel := tx.Model(l.model).Where("tenant_id = ? AND "+l.at+" < ?", tenantID, before)
		if len(bound) > 0 {
			sel = sel.Where("id < ?", bound[0])
		}
		if l.finished != nil {
			sel = sel.Where("state IN ?", l.finished)
		}
		var ids []int64
		if err := sel.Order("id").Limit(limit).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
			return err
		}
		for col, child := range l.children {
			if err := tx.Where(col+" IN ?", ids).Delete(child).Error; err != nil {
				return err
			}
		}
		res := tx.Where("id IN ?", ids).Delete(l.model)
		n = int(res.RowsAffected)
		return res.Error
	})
	return n, err
}

// CompactSearchIndex makes the search index forget the words of deleted messages for good.
// SQLite's FTS5 index only marks a deleted message's words as deleted, in a newer part of
// the index, and keeps them in its pages until parts are merged; after a privacy erasure or a
// retention round they must be gone, so the index is merged into one part, which drops them.
// That rewrites the whole index, holding the writer (about 0.25 s for 100,000 messages, so
// some seconds for millions; BenchmarkCompactSearchIndex), so it runs once after the
// deletions, not per batch. PostgreSQL keeps a message's search vector in its row, gone with
// it: nothing to do.
func (s *Store) CompactSearchIndex(ctx context.Context) error {
	if s.dialect != DialectSQLite {
		return nil
	}
	return wrap("compact search index", s.w.WithContext(ctx).Exec("INSERT INTO messages_fts(messages_fts) VALUES ('optimize')").Error)
}
