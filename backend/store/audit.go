package store

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// AuditEntry is one state-changing request of an admin (or of a signed-in user changing
// settings): who did what to which thing in which tenant, when, and how it ended. It exists so
// that a tenant can answer "who changed this, and when" without reading server logs.
type AuditEntry struct {
	ID       int64
	TenantID int64 // the tenant the user worked on; 0 when there was none (e.g. a failed sign-in)
	At       time.Time
	UserID   int64 // 0 when nobody was signed in
	// UserLogin and UserRole are copied, so that the entry still names the user after the
	// account was renamed or deleted.
	UserLogin string
	UserRole  string
	// Action names the kind of request, e.g. "users/:id/password"; Target the thing it acted
	// on, e.g. "id=7".
	Action string
	Target string
	// Summary lists what was submitted, with secrets masked (package audit).
	Summary string
	// Outcome is the HTTP status the request ended with; 0 means it has not finished (or the
	// server stopped while it ran).
	Outcome int
	IP      string
}

// Audit field limits, so that a flood of huge forms cannot fill the database.
const (
	AuditActionBytes  = 200
	AuditTargetBytes  = 500
	AuditSummaryBytes = 4000
)

type auditRow struct {
	ID        int64     `gorm:"primaryKey"`
	TenantID  int64     `gorm:"not null;default:0;index:ix_audit_log_tenant_at,priority:1"`
	At        time.Time `gorm:"not null;index:ix_audit_log_tenant_at,priority:2;index:ix_audit_log_at"`
	UserID    int64     `gorm:"not null;default:0"`
	UserLogin string    `gorm:"not null;default:''"`
	UserRole  string    `gorm:"not null;default:''"`
	Action    string    `gorm:"not null"`
	Target    string    `gorm:"not null;default:''"`
	Summary   string    `gorm:"not null;default:''"`
	Outcome   int       `gorm:"not null;default:0"`
	IP        string    `gorm:"column:ip;not null;default:''"`
}

func (auditRow) TableName() string { return "audit_log" }

func (r auditRow) domain() AuditEntry {
	return AuditEntry{ID: r.ID, TenantID: r.TenantID, At: normTime(r.At), UserID: r.UserID, UserLogin: r.UserLogin, UserRole: r.UserRole,
		Action: r.Action, Target: r.Target, Summary: r.Summary, Outcome: r.Outcome, IP: r.IP}
}

// auditText makes s storable in a text column of both databases (valid UTF-8, no NUL bytes)
// and at most max bytes long, cut at a character boundary.
func auditText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// AppendAudit records an entry and returns its id. The time is the store's clock unless e.At
// is set.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) (int64, error) {
	if strings.TrimSpace(e.Action) == "" {
		return 0, wrap("append audit", invalid("an audit entry needs an action"))
	}
	at := normTime(e.At)
	if at.IsZero() {
		at = now()
	}
	row := auditRow{TenantID: e.TenantID, At: at, UserID: e.UserID, UserLogin: auditText(e.UserLogin, 200), UserRole: auditText(e.UserRole, 50),
		Action: auditText(e.Action, AuditActionBytes), Target: auditText(e.Target, AuditTargetBytes),
		Summary: auditText(e.Summary, AuditSummaryBytes), Outcome: e.Outcome, IP: auditText(e.IP, 64)}
	if err := s.w.WithContext(ctx).Create(&row).Error; err != nil {
		return 0, wrap("append audit", err)
	}
	return row.ID, nil
}

// FinishAudit completes an entry written before its request ran: the action and target as
// the router resolved them, the tenant and user as they were afterwards (a sign-in), and the
// outcome.
func (s *Store) FinishAudit(ctx context.Context, e AuditEntry) error {
	upd := map[string]any{"action": auditText(e.Action, AuditActionBytes), "target": auditText(e.Target, AuditTargetBytes), "outcome": e.Outcome}
	if e.UserID != 0 {
		upd["user_id"], upd["user_login"], upd["user_role"] = e.UserID, auditText(e.UserLogin, 200), auditText(e.UserRole, 50)
	}
	if e.TenantID != 0 {
		upd["tenant_id"] = e.TenantID
	}
	res := s.w.WithContext(ctx).Model(&auditRow{}).Where("id = ?", e.ID).Updates(upd)
	if res.Error != nil {
		return wrap("finish audit", res.Error)
	}
	if res.RowsAffected == 0 {
		return wrap("finish audit", ErrNotFound)
	}
	return nil
}

// AuditQuery filters a tenant's audit log. Zero fields filter nothing.
type AuditQuery struct {
	TenantID int64
	// From and To bound At: From <= At < To.
	From, To time.Time
	UserID   int64
	Action   string
	// BeforeID pages backwards: only entries with a smaller id (the last one of the previous
	// page).
	BeforeID int64
	// Limit caps the entries (at most 500; 0 means 50).
	Limit int
}

// AuditLog returns a tenant's audit entries matching q, newest first.
func (s *Store) AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	db := s.r.WithContext(ctx).Where("tenant_id = ?", q.TenantID)
	if !q.From.IsZero() {
		db = db.Where("at >= ?", normTime(q.From))
	}
	if !q.To.IsZero() {
		db = db.Where("at < ?", normTime(q.To))
	}
	if q.UserID != 0 {
		db = db.Where("user_id = ?", q.UserID)
	}
	if q.Action != "" {
		db = db.Where("action = ?", q.Action)
	}
	if q.BeforeID > 0 {
		db = db.Where("id < ?", q.BeforeID)
	}
	var rows []auditRow
	if err := db.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("audit log", err)
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// AuditActions lists the actions a tenant's audit log holds, for the filter's choices.
func (s *Store) AuditActions(ctx context.Context, tenantID int64) ([]string, error) {
	var out []string
	err := s.r.WithContext(ctx).Model(&auditRow{}).Where("tenant_id = ?", tenantID).Distinct("action").Order("action").Pluck("action", &out).Error
	return out, wrap("audit actions", err)
}

// PurgeAudit deletes at most limit of the tenant's audit entries older than before (oldest
// first) and returns how many it deleted; fewer than limit means none are left.
func (s *Store) PurgeAudit(ctx context.Context, tenantID int64, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, MaxPurgeBatch)
	sub := s.w.Model(&auditRow{}).Select("id").Where("tenant_id = ? AND at < ?", tenantID, normTime(before)).Order("id").Limit(limit)
	res := s.w.WithContext(ctx).Where("id IN (?)", sub).Delete(&auditRow{})
	if res.Error != nil {
		return 0, wrap("purge audit", res.Error)
	}
	return int(res.RowsAffected), nil
}
