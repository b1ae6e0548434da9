package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// RetentionPolicy is how long a tenant keeps what its visitors and admins leave behind. It
// exists because a contact center may keep personal data only as long as it needs it: the
// store deletes what is older on the retention worker's schedule (package retention).
type RetentionPolicy struct {
	TenantID int64
	// ChatDays deletes closed chats (with their messages, events, files, participants,
	// survey answers and e-mail outbox rows) this many days after they closed; 0 keeps them.
	ChatDays int
	// LeftMessageDays does the same for messages visitors left; 0 keeps them.
	LeftMessageDays int
	// AuditDays deletes audit log entries older than this; 0 keeps them.
	AuditDays int
	UpdatedAt time.Time
}

// Retention limits.
const (
	// DefaultAuditDays is how long the audit log is kept when a tenant set nothing: a year,
	// long enough to answer "who changed this" in a yearly review.
	DefaultAuditDays = 365
	// MaxRetentionDays bounds every period (100 years), so that adding it to a time cannot
	// overflow.
	MaxRetentionDays = 36500
)

// DefaultRetentionPolicy is the policy of a tenant that has not chosen one: chats and left
// messages are kept, the audit log for DefaultAuditDays.
func DefaultRetentionPolicy(tenantID int64) RetentionPolicy {
	return RetentionPolicy{TenantID: tenantID, AuditDays: DefaultAuditDays}
}

// Validate checks that every period is between 0 and MaxRetentionDays.
func (p *RetentionPolicy) Validate() error {
	limit := strconv.Itoa(MaxRetentionDays)
	for _, d := range []struct {
		days int
		err  error
	}{{p.ChatDays, rule("Keep chats: the period must be between 0 (keep) and {0} days.", limit)},
		{p.LeftMessageDays, rule("Keep left messages: the period must be between 0 (keep) and {0} days.", limit)},
		{p.AuditDays, rule("Keep the audit log: the period must be between 0 (keep) and {0} days.", limit)}} {
		if d.days < 0 || d.days > MaxRetentionDays {
			return d.err
		}
	}
	return nil
}

type retentionRow struct {
	TenantID int64      `gorm:"primaryKey;autoIncrement:false"`
	Tenant   *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	// No gorm defaults: 0 ("keep") must be written, not replaced by the column's default.
	ChatDays        int       `gorm:"not null"`
	LeftMessageDays int       `gorm:"not null"`
	AuditDays       int       `gorm:"not null"`
	UpdatedAt       time.Time `gorm:"not null"`
}

func (retentionRow) TableName() string { return "retention_policies" }

func (r retentionRow) domain() RetentionPolicy {
	return RetentionPolicy{TenantID: r.TenantID, ChatDays: r.ChatDays, LeftMessageDays: r.LeftMessageDays, AuditDays: r.AuditDays,
		UpdatedAt: normTime(r.UpdatedAt)}
}

func init() { allRows = append(allRows, &retentionRow{}, &auditRow{}) }

// RetentionPolicy returns the tenant's policy, or the default one when it has not saved any.
func (s *Store) RetentionPolicy(ctx context.Context, tenantID int64) (RetentionPolicy, error) {
	var row retentionRow
	err := s.r.WithContext(ctx).Take(&row, "tenant_id = ?", tenantID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return DefaultRetentionPolicy(tenantID), nil
	}
	if err != nil {
		return RetentionPolicy{}, wrap("retention policy", err)
	}
	return row.domain(), nil
}

// SaveRetentionPolicy validates and stores a tenant's policy.
func (s *Store) SaveRetentionPolicy(ctx context.Context, p RetentionPolicy) (RetentionPolicy, error) {
	if err := p.Validate(); err != nil {
		return RetentionPolicy{}, wrap("save retention policy", err)
	}
	row := retentionRow{TenantID: p.TenantID, ChatDays: p.ChatDays, LeftMessageDays: p.LeftMessageDays, AuditDays: p.AuditDays, UpdatedAt: now()}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&tenantRow{}).Where("id = ?", p.TenantID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return invalid("tenant %d does not exist", p.TenantID)
		}
		return tx.Save(&row).Error
	})
	if err != nil {
		return RetentionPolicy{}, wrap("save retention policy", err)
	}
	return row.domain(), nil
}

// RetentionPolicies returns every tenant's policy (the default for tenants without one), for
// the retention worker's round.
func (s *Store) RetentionPolicies(ctx context.Context) ([]RetentionPolicy, error) {
	var ids []int64
	if err := s.r.WithContext(ctx).Model(&tenantRow{}).Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, wrap("retention policies", err)
	}
	var rows []retentionRow
	if err := s.r.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, wrap("retention policies", err)
	}
	saved := make(map[int64]RetentionPolicy, len(rows))
	for _, r := range rows {
		saved[r.TenantID] = r.domain()
	}
	out := make([]RetentionPolicy, len(ids))
	for i, id := range ids {
		p, ok := saved[id]
		if !ok {
			p = DefaultRetentionPolicy(id)
		}
		out[i] = p
	}
	return out, nil
}

// ExpiredChats selects one batch of a tenant's closed chats to delete.
type ExpiredChats struct {
	TenantID int64
	// LeftMessages selects messages visitors left instead of chats.
	LeftMessages bool
	// ClosedBefore: chats that closed before this time.
	ClosedBefore time.Time
	// Limit caps the chats of the batch (at most MaxPurgeBatch; 0 means 200).
	Limit int
}

// MaxPurgeBatch bounds one deleting transaction, so that it never holds the database's
// write lock for long: on SQLite the chats' group commit waits for it.
const MaxPurgeBatch = 1000

// purgeLimit is the size of a deleting batch asked for as limit: 200 when not positive, at
// most MaxPurgeBatch.
func purgeLimit(limit int) int {
	if limit <= 0 {
		return 200
	}
	return min(limit, MaxPurgeBatch)
}

// Purged counts what one deletion removed.
type Purged struct {
	Chats    int
	Messages int
	Events   int
	Files    int
	// FileBytes is the size of the removed files' contents.
	FileBytes int64
	Outbox    int
	// Deliveries counts the chats' other deliveries and their logs: Web Push, webhooks, chat
	// report exports, WhatsApp lines, and the e-mail replies to left messages.
	Deliveries int
}

// Add sums two counts.
func (p Purged) Add(q Purged) Purged {
	return Purged{Chats: p.Chats + q.Chats, Messages: p.Messages + q.Messages, Events: p.Events + q.Events,
		Files: p.Files + q.Files, FileBytes: p.FileBytes + q.FileBytes, Outbox: p.Outbox + q.Outbox, Deliveries: p.Deliveries + q.Deliveries}
}

// PurgeExpiredChats deletes one batch of the tenant's chats that closed before q.ClosedBefore,
// oldest first, in one short transaction, with everything that belongs to them. Fewer chats
// than the limit means nothing is left to delete. Open chats are never selected, and a chat
// is deleted only if it is still closed when the deleting statement runs. Two servers may run
// it at once: on PostgreSQL they take different chats (SKIP LOCKED), and a chat already gone
// counts nowhere.
func (s *Store) PurgeExpiredChats(ctx context.Context, q ExpiredChats) (Purged, error) {
	limit := purgeLimit(q.Limit)
	before := normTime(q.ClosedBefore)
	var out Purged
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sel := tx.Model(&chatRow{}).Where("tenant_id = ? AND state = ? AND closed_at < ?", q.TenantID, stateClosed, before)
		if q.LeftMessages {
			sel = sel.Where("close_cause = ?", CloseCauseLeftMessage)
		} else {
			sel = sel.Where("(close_cause <> ? OR close_cause IS NULL)", CloseCauseLeftMessage)
		}
		sel = sel.Order("closed_at").Limit(limit)
		if s.dialect == DialectPostgres {
			sel = sel.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var ids []string
		if err := sel.Pluck("id", &ids).Error; err != nil {
			return err
		}
		var err error
		out, err = purgeChats(tx, q.TenantID, ids)
		return err
	})
	if err != nil {
		return Purged{}, wrap("purge expired chats", err)
	}
	return out, nil
}

// purgeChats deletes the tenant's closed chats among ids and everything that belongs to them,
// inside tx. The dependent rows are deleted explicitly (rather than left to ON DELETE
// CASCADE) so that the counts are exact and triggers on them (full-text indexes) run; that
// includes every delivery of the chat, whatever its state (what was still to be sent is not
// sent any more: its chat is gone), and its WhatsApp customer's number. SQLite's search index
// still holds the deleted messages' words until [Store.CompactSearchIndex].
func purgeChats(tx *gorm.DB, tenantID int64, ids []string) (Purged, error) {
	var out Purged
	if len(ids) == 0 {
		return out, nil
	}
	// Only chats that are still closed; a chat that was reopened meanwhile keeps its rows.
	if err := tx.Model(&chatRow{}).Where("tenant_id = ? AND state = ? AND id IN ?", tenantID, stateClosed, ids).Pluck("id", &ids).Error; err != nil {
		return out, err
	}
	if len(ids) == 0 {
		return out, nil
	}
	var fb struct{ N int64 }
	if err := tx.Model(&fileRow{}).Select("COALESCE(SUM(size), 0) AS n").Where("chat_id IN ?", ids).Scan(&fb).Error; err != nil {
		return out, err
	}
	out.FileBytes = fb.N
	var participants, deliveries, whatsapp int
	steps := []struct {
		n     *int
		model any
		where string
		args  []any
	}{
		{&out.Files, &fileRow{}, "chat_id IN ?", []any{ids}},
		{&out.Messages, &messageRow{}, "chat_id IN ?", []any{ids}},
		{&out.Events, &eventRow{}, "chat_id IN ?", []any{ids}},
		{&participants, &participantRow{}, "chat_id IN ?", []any{ids}},
		{&out.Outbox, &outboxRow{}, "tenant_id = ? AND chat_id IN ?", []any{tenantID, ids}},
		{&deliveries, &pushDeliveryRow{}, "tenant_id = ? AND chat_id IN ?", []any{tenantID, ids}},
		{&deliveries, &webhookDeliveryRow{}, "tenant_id = ? AND chat_id IN ?", []any{tenantID, ids}},
		{&deliveries, &exportDeliveryRow{}, "tenant_id = ? AND chat_id IN ?", []any{tenantID, ids}},
		{&deliveries, &whatsappOutRow{}, "chat_id IN ?", []any{ids}},
		{&deliveries, &leftReplyRow{}, "chat_id IN ?", []any{ids}},
		{&whatsapp, &whatsappChatRow{}, "chat_id IN ?", []any{ids}},
		{&out.Chats, &chatRow{}, "tenant_id = ? AND state = ? AND id IN ?", []any{tenantID, stateClosed, ids}},
	}
	// A line's event is in its message row (migrations_messageevents.go): it counts among
	// the events, and goes with the message.
	var lineEvents int64
	if err := tx.Model(&messageRow{}).Where("chat_id IN ? AND event_data <> ''", ids).Count(&lineEvents).Error; err != nil {
		return Purged{}, err
	}
	out.Events = int(lineEvents)
	for _, st := range steps {
		res := tx.Where(st.where, st.args...).Delete(st.model)
		if res.Error != nil {
			return Purged{}, res.Error
		}
		*st.n += int(res.RowsAffected)
	}
	out.Deliveries = deliveries
	return out, nil
}

// PurgeOrphanContacts deletes one batch of the tenant's contacts that have no chat left (their
// chats expired or were erased) and were last seen and last changed before the given time,
// with their identities and merge records, in one short transaction. It returns how many
// contacts it deleted; fewer than limit (at most MaxPurgeBatch) means none is left. A contact
// that got a chat meanwhile is kept: the deleting statement checks again.
func (s *Store) PurgeOrphanContacts(ctx context.Context, tenantID int64, before time.Time, limit int) (int, error) {
	limit = purgeLimit(limit)
	before = normTime(before)
	n := 0
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockTenantContacts(tx, tenantID); err != nil {
			return err
		}
		var ids []int64
		if err := tx.Model(&contactRow{}).
			Where("tenant_id = ? AND last_seen_at < ? AND updated_at < ?", tenantID, before, before).
			Where("NOT EXISTS (SELECT 1 FROM contact_chats WHERE contact_chats.contact_id = contacts.id)").
			Order("last_seen_at, id").Limit(limit).Pluck("id", &ids).Error; err != nil {
			return err
		}
		var err error
		n, err = deleteContacts(tx, tenantID, ids)
		return err
	})
	if err != nil {
		return 0, wrap("purge orphan contacts", err)
	}
	return n, nil
}

// deleteContacts deletes the tenant's contacts among ids that have no chat, with their
// identities and merge records, inside tx, and returns how many it deleted. The dependent rows
// are deleted explicitly, as purgeChats does.
func deleteContacts(tx *gorm.DB, tenantID int64, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	if err := tx.Model(&contactRow{}).Where("tenant_id = ? AND id IN ?", tenantID, ids).
		Where("NOT EXISTS (SELECT 1 FROM contact_chats WHERE contact_chats.contact_id = contacts.id)").
		Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	for _, m := range []any{&contactIdentityRow{}, &contactMergeRow{}} {
		if err := tx.Where("tenant_id = ? AND contact_id IN ?", tenantID, ids).Delete(m).Error; err != nil {
			return 0, err
		}
	}
	res := tx.Where("tenant_id = ? AND id IN ?", tenantID, ids).Delete(&contactRow{})
	return int(res.RowsAffected), res.Error
}
