package store

// This file holds the Web Push outbox (package push delivers it): one row per push to one
// browser subscription, written before the push is sent, so that a restart loses nothing that
// was still worth sending. A push is worth something only until its TTL: a row whose TTL
// passed before it could be sent is marked expired, never sent late. The rows are also the
// delivery log of the admin pages.

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// pushOutboxMigration adds the Web Push outbox and its log.
var pushOutboxMigration = migration{version: 35, name: "web push outbox", up: sqlUp(
	`CREATE TABLE push_deliveries (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE, subscription_id integer NOT NULL, kind text NOT NULL,
 chat_id text NOT NULL DEFAULT '', visitor text NOT NULL DEFAULT '', preview text NOT NULL DEFAULT '',
 state text NOT NULL DEFAULT 'pending', attempts integer NOT NULL DEFAULT 0, next_attempt_at datetime NOT NULL,
 expires_at datetime NOT NULL, last_error text NOT NULL DEFAULT '', response_code integer NOT NULL DEFAULT 0,
 replay_of integer NOT NULL DEFAULT 0, created_at datetime NOT NULL, sent_at datetime);
CREATE INDEX ix_push_deliveries_due ON push_deliveries (state, next_attempt_at);
CREATE INDEX ix_push_deliveries_tenant ON push_deliveries (tenant_id, id);`,
	`CREATE TABLE push_deliveries (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE, subscription_id bigint NOT NULL, kind text NOT NULL,
 chat_id text NOT NULL DEFAULT '', visitor text NOT NULL DEFAULT '', preview text NOT NULL DEFAULT '',
 state text NOT NULL DEFAULT 'pending', attempts bigint NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL,
 expires_at timestamptz NOT NULL, last_error text NOT NULL DEFAULT '', response_code bigint NOT NULL DEFAULT 0,
 replay_of bigint NOT NULL DEFAULT 0, created_at timestamptz NOT NULL, sent_at timestamptz);
CREATE INDEX ix_push_deliveries_due ON push_deliveries (state, next_attempt_at);
CREATE INDEX ix_push_deliveries_tenant ON push_deliveries (tenant_id, id);`)}

// The states of a push delivery.
const (
	// PushPending waits for its first attempt, or is retried (Attempts > 0).
	PushPending = "pending"
	// PushSent was taken by the push service.
	PushSent = "sent"
	// PushExpired was not sent: its TTL passed first (a busy push service, a restart).
	PushExpired = "expired"
	// PushFailed was refused for good, or its attempts were used up; its last error is kept.
	PushFailed = "failed"
	// PushGone went to a subscription the push service no longer knows (404, 410), or one
	// removed meanwhile; the subscription is removed.
	PushGone = "gone"
)

// PushKindTest is the kind of a test push sent from the admin pages (the others are package
// push's offer and message).
const PushKindTest = "test"

// The bounds of a stored notice's texts: the notification shows less.
const (
	pushVisitorRunes = 200
	pushPreviewRunes = 300
)

// PushNotice is what an agent should hear about, to be pushed to each of their subscriptions
// until Expires. A [Write] carries the notices of what it stores (a visitor's message), so
// that the message and its pushes are committed together or not at all.
type PushNotice struct {
	UserID  int64
	Kind    string
	ChatID  string
	Visitor string
	Text    string
	Expires time.Time
	// If, when set, is asked in the transaction that writes the notice with its [Write], just
	// before it is written: false leaves the notice out. The chat service asks there whether
	// the agent has a live connection, so that the answer is the one of the moment the
	// message is stored, not of the moment it was queued. It must be quick and must not call
	// the store.
	If func() bool
}

// PushDelivery is one push to one subscription, and its log.
type PushDelivery struct {
	ID             int64
	TenantID       int64
	UserID         int64
	SubscriptionID int64
	Kind           string
	ChatID         string
	Visitor        string
	Preview        string
	State          string
	// Attempts counts the attempts made so far.
	Attempts int
	// NextAttemptAt is when a pending push is due (a claimed one: when its claim lapses).
	NextAttemptAt time.Time
	// ExpiresAt is the end of the push's TTL: it is not sent later.
	ExpiresAt    time.Time
	LastError    string
	ResponseCode int
	// ReplayOf is the push this one repeats, 0 for an original.
	ReplayOf int64
	// ReplayedBy is the push that repeats this one, 0 while it has not been sent again: a
	// push is sent again at most once.
	ReplayedBy int64
	CreatedAt  time.Time
	SentAt     time.Time
	// Subscription is the one to send to, as ClaimPush found it; its ID is 0 when it was
	// removed meanwhile.
	Subscription PushSubscription
}

// Retrying reports whether a pending push was tried before.
func (d PushDelivery) Retrying() bool { return d.State == PushPending && d.Attempts > 0 }

type pushDeliveryRow struct {
	ID             int64      `gorm:"primaryKey"`
	TenantID       int64      `gorm:"not null"`
	Tenant         *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	UserID         int64      `gorm:"not null"`
	User           *userRow   `gorm:"constraint:OnDelete:CASCADE"`
	SubscriptionID int64      `gorm:"not null"`
	Kind           string     `gorm:"not null"`
	ChatID         string     `gorm:"not null"`
	Visitor        string     `gorm:"not null"`
	Preview        string     `gorm:"not null"`
	State          string     `gorm:"not null"`
	Attempts       int        `gorm:"not null"`
	NextAttemptAt  time.Time  `gorm:"not null"`
	ExpiresAt      time.Time  `gorm:"not null"`
	LastError      string     `gorm:"not null"`
	ResponseCode   int        `gorm:"not null"`
	ReplayOf       int64      `gorm:"not null"`
	ReplayedBy     int64      `gorm:"not null"`
	CreatedAt      time.Time  `gorm:"not null"`
	SentAt         *time.Time
}

func (pushDeliveryRow) TableName() string { return "push_deliveries" }

func init() { allRows = append(allRows, &pushDeliveryRow{}) }

func (r pushDeliveryRow) domain() PushDelivery {
	d := PushDelivery{ID: r.ID, TenantID: r.TenantID, UserID: r.UserID, SubscriptionID: r.SubscriptionID, Kind: r.Kind, ChatID: r.ChatID,
		Visitor: r.Visitor, Preview: r.Preview, State: r.State, Attempts: r.Attempts, NextAttemptAt: normTime(r.NextAttemptAt),
		ExpiresAt: normTime(r.ExpiresAt), LastError: r.LastError, ResponseCode: r.ResponseCode, ReplayOf: r.ReplayOf, ReplayedBy: r.ReplayedBy,
		CreatedAt: normTime(r.CreatedAt)}
	if r.SentAt != nil {
		d.SentAt = normTime(*r.SentAt)
	}
	return d
}

// cleanText keeps at most n runes of valid UTF-8 without NUL.
func cleanText(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

// EnqueuePushes writes, in one transaction, a pending push for every subscription of each
// notice's agent, due at once, and returns how many it wrote. A notice whose agent has no
// subscription writes nothing; one already expired is written as expired, for the log. (The
// chat service writes its notices with the chat's events instead: [Write.Pushes].)
func (s *Store) EnqueuePushes(ctx context.Context, notices []PushNotice) (int, error) {
	if len(notices) == 0 {
		return 0, nil
	}
	var n int
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rows, err := insertPushes(tx, notices)
		n = len(rows)
		return err
	})
	if err != nil {
		return 0, wrap("enqueue pushes", err)
	}
	return n, nil
}

// duePushes returns the push notices of a group commit's units whose If agrees, asking each
// If once per attempt at the transaction: whether there are any decides how it is written.
func duePushes(units []*commitItem) []PushNotice {
	var notices []PushNotice
	for _, u := range units {
		for _, w := range u.ws {
			for _, n := range w.Pushes {
				if n.If == nil || n.If() {
					notices = append(notices, n)
				}
			}
		}
	}
	return notices
}

// commitPushes writes a group commit's due push notices (duePushes) in its transaction tx and
// returns the first row written (nil when none was), by which a commit whose outcome is
// unknown is looked for.
func commitPushes(tx *gorm.DB, notices []PushNotice) (*pushDeliveryRow, error) {
	if len(notices) == 0 {
		return nil, nil
	}
	rows, err := insertPushes(tx, notices)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// insertPushes writes, in tx, a pending push for every subscription of each notice's agent,
// due at once, and returns the rows written.
func insertPushes(tx *gorm.DB, notices []PushNotice) ([]pushDeliveryRow, error) {
	users := make([]int64, 0, len(notices))
	for _, n := range notices {
		users = append(users, n.UserID)
	}
	var subs []pushSubscriptionRow
	if err := tx.Select("id", "tenant_id", "user_id").Where("user_id IN ?", users).Order("id").Find(&subs).Error; err != nil {
		return nil, err
	}
	t := now()
	var out []pushDeliveryRow
	for _, n := range notices {
		for _, sub := range subs {
			if sub.UserID != n.UserID {
				continue
			}
			row := pushDeliveryRow{TenantID: sub.TenantID, UserID: sub.UserID, SubscriptionID: sub.ID, Kind: cleanText(n.Kind, 20),
				ChatID: cleanText(n.ChatID, 100), Visitor: cleanText(n.Visitor, pushVisitorRunes), Preview: cleanText(n.Text, pushPreviewRunes),
				State: PushPending, NextAttemptAt: t, ExpiresAt: normTime(n.Expires), CreatedAt: t}
			if !n.Expires.After(t) {
				row.State = PushExpired
			}
			out = append(out, row)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, tx.CreateInBatches(&out, 100).Error
}

// EnqueuePushTest writes a test push to one subscription of user userID of tenant tenantID,
// due at once and worth sending until expires; ErrNotFound when it is not that user's.
func (s *Store) EnqueuePushTest(ctx context.Context, tenantID, userID, subscriptionID int64, expires time.Time) (PushDelivery, error) {
	var row pushDeliveryRow
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&pushSubscriptionRow{}).Where("id = ? AND user_id = ? AND tenant_id = ?", subscriptionID, userID, tenantID).
			Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		t := now()
		row = pushDeliveryRow{TenantID: tenantID, UserID: userID, SubscriptionID: subscriptionID, Kind: PushKindTest, State: PushPending,
			NextAttemptAt: t, ExpiresAt: normTime(expires), CreatedAt: t}
		return tx.Create(&row).Error
	})
	return row.domain(), wrap("enqueue push test", err)
}

// ReplayPush writes a new push of a tenant's failed push id to the same subscription, with
// the same notice and TTL end, due at once, and returns it. Only a failed push whose TTL has
// not passed at now may be replayed: a push after its TTL rings late and wrong.
//
// A push is sent again once: when it was replayed before, ReplayPush writes nothing and returns
// that first replay as it stands (pending, sent, failed). Two replays at once take turns: on
// PostgreSQL the second waits for the original's row lock, which the first holds until it
// has written its replay; on SQLite the single writer orders them.
func (s *Store) ReplayPush(ctx context.Context, tenantID, id int64, at time.Time) (PushDelivery, error) {
	var row pushDeliveryRow
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var orig pushDeliveryRow
		q := tx.Where("id = ? AND tenant_id = ?", id, tenantID)
		if s.dialect == DialectPostgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Take(&orig).Error; err != nil {
			return err
		}
		if orig.ReplayedBy != 0 {
			return tx.Where("id = ?", orig.ReplayedBy).Take(&row).Error
		}
		if orig.State != PushFailed {
			return rule("Only a failed push can be sent again.")
		}
		if !orig.ExpiresAt.After(at) {
			return rule("This push is past its time to live; it would arrive late and wrong.")
		}
		t := now()
		row = pushDeliveryRow{TenantID: tenantID, UserID: orig.UserID, SubscriptionID: orig.SubscriptionID, Kind: orig.Kind, ChatID: orig.ChatID,
			Visitor: orig.Visitor, Preview: orig.Preview, State: PushPending, NextAttemptAt: t, ExpiresAt: orig.ExpiresAt, ReplayOf: orig.ID, CreatedAt: t}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return tx.Model(&pushDeliveryRow{}).Where("id = ?", orig.ID).Update("replayed_by", row.ID).Error
	})
	return row.domain(), wrap("replay push", err)
}

// DuePushes lists up to limit pending pushes due at now, the longest due first.
func (s *Store) DuePushes(ctx context.Context, now time.Time, limit int) ([]PushDelivery, error) {
	var rows []pushDeliveryRow
	err := s.r.WithContext(ctx).Where("state = ? AND next_attempt_at <= ?", PushPending, normTime(now)).
		Order("next_attempt_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrap("due pushes", err)
	}
	out := make([]PushDelivery, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// NextPushDue is when the earliest pending push is due; ok is false when none is.
func (s *Store) NextPushDue(ctx context.Context) (at time.Time, ok bool, err error) {
	var rows []pushDeliveryRow
	err = s.r.WithContext(ctx).Select("next_attempt_at").Where("state = ?", PushPending).Order("next_attempt_at").Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return time.Time{}, false, wrap("next push due", err)
	}
	return normTime(rows[0].NextAttemptAt), true, nil
}

// ClaimPush takes push d (as DuePushes listed it) for one attempt: it counts the attempt and
// moves the due time to until, so that no other worker takes it meanwhile and, if this one
// dies before recording the outcome, it is tried again after until. ok is false when another
// worker claimed it first or it is no longer pending. The claimed push comes with its
// subscription (ID 0 when it was removed).
func (s *Store) ClaimPush(ctx context.Context, d PushDelivery, until time.Time) (claimed PushDelivery, ok bool, err error) {
	db := s.w.WithContext(ctx)
	res := db.Model(&pushDeliveryRow{}).Where("id = ? AND state = ? AND attempts = ?", d.ID, PushPending, d.Attempts).
		Updates(map[string]any{"attempts": d.Attempts + 1, "next_attempt_at": normTime(until)})
	if res.Error != nil {
		return PushDelivery{}, false, wrap("claim push", res.Error)
	}
	if res.RowsAffected == 0 {
		return PushDelivery{}, false, nil
	}
	var row pushDeliveryRow
	if err := db.Where("id = ?", d.ID).Take(&row).Error; err != nil {
		return PushDelivery{}, false, wrap("claim push", err)
	}
	claimed = row.domain()
	var subs []pushSubscriptionRow
	if err := db.Where("id = ? AND user_id = ?", row.SubscriptionID, row.UserID).Limit(1).Find(&subs).Error; err != nil {
		return PushDelivery{}, false, wrap("claim push", err)
	}
	if len(subs) == 1 {
		claimed.Subscription = subs[0].domain()
	}
	return claimed, true, nil
}

// PushAttempt is the outcome of one attempt at a push.
type PushAttempt struct {
	// ResponseCode is the push service's HTTP status, 0 when it gave none.
	ResponseCode int
	// Err is why the attempt failed, "" when it was sent (or not sent: expired, gone).
	Err string
	// State is the push's state from now: PushSent, PushExpired, PushFailed, PushGone, or
	// PushPending to try again at Next.
	State string
	Next  time.Time
}

// PushAttempted records the outcome of an attempt at push id made at at. The error is kept
// to 2,000 bytes of valid UTF-8 without NUL.
func (s *Store) PushAttempted(ctx context.Context, id int64, at time.Time, a PushAttempt) error {
	u := map[string]any{"last_error": cleanText(a.Err, 2000), "response_code": a.ResponseCode, "state": a.State}
	switch a.State {
	case PushSent:
		u["sent_at"] = normTime(at)
	case PushPending:
		u["next_attempt_at"] = normTime(a.Next)
	}
	return wrap("push attempted", s.w.WithContext(ctx).Model(&pushDeliveryRow{}).Where("id = ?", id).Updates(u).Error)
}

// PushLogFilter narrows the push log; zero fields do not filter.
type PushLogFilter struct {
	State  string
	Kind   string
	UserID int64
}

// PushLog lists a tenant's newest limit pushes that pass f, newest first: the delivery log.
func (s *Store) PushLog(ctx context.Context, tenantID int64, f PushLogFilter, limit int) ([]PushDelivery, error) {
	q := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.UserID != 0 {
		q = q.Where("user_id = ?", f.UserID)
	}
	var rows []pushDeliveryRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("push log", err)
	}
	out := make([]PushDelivery, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
