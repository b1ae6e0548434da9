package store

// This file holds the chat report export of connectors (package reportexport): each
// connector's settings and the exports of closed chats. An export is written in the same
// transaction as the close it reports (see writeReportExports, called by the group
// committer), so that a restart between closing and sending loses nothing; package
// reportexport renders the report when it sends, retries and records the outcome here,
// which is also the delivery log.

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/parleychat/parley/shared/protocol"
)

// ReportExport is a connector's chat report export: jtel's REST settings. The texts hold
// $ placeholders (package reportexport checks and fills them).
type ReportExport struct {
	ConnectorID int64
	TenantID    int64
	// Enabled sends a report of every chat of the connector that closes.
	Enabled bool
	// The token post, made first when TokenURL is set; its answer is $tokenResponse.
	TokenURL, TokenHeader, TokenBody string
	// The report export post.
	ExportURL, ExportHeader, ExportBody string
	// XMLTemplate is the document $xmlTemplate.encoded.base64 encodes.
	XMLTemplate string
	UpdatedAt   time.Time
}

type reportExportRow struct {
	ConnectorID  int64         `gorm:"primaryKey;autoIncrement:false"`
	Connector    *connectorRow `gorm:"constraint:OnDelete:CASCADE"`
	TenantID     int64         `gorm:"not null"`
	Tenant       *tenantRow    `gorm:"constraint:OnDelete:CASCADE"`
	Enabled      bool          `gorm:"not null"`
	TokenURL     string        `gorm:"column:token_url;not null"`
	TokenHeader  string        `gorm:"not null"`
	TokenBody    string        `gorm:"not null"`
	ExportURL    string        `gorm:"column:export_url;not null"`
	ExportHeader string        `gorm:"not null"`
	ExportBody   string        `gorm:"not null"`
	XMLTemplate  string        `gorm:"column:xml_template;not null"`
	UpdatedAt    time.Time     `gorm:"not null"`
}

func (reportExportRow) TableName() string { return "report_exports" }

func (r reportExportRow) domain() ReportExport {
	return ReportExport{ConnectorID: r.ConnectorID, TenantID: r.TenantID, Enabled: r.Enabled, TokenURL: r.TokenURL, TokenHeader: r.TokenHeader,
		TokenBody: r.TokenBody, ExportURL: r.ExportURL, ExportHeader: r.ExportHeader, ExportBody: r.ExportBody, XMLTemplate: r.XMLTemplate,
		UpdatedAt: normTime(r.UpdatedAt)}
}

// The states of a report export delivery.
const (
	// ExportPending waits for its first or next attempt.
	ExportPending = WebhookPending
	// ExportDelivered was answered with a 2xx status by the export post.
	ExportDelivered = WebhookDelivered
	// ExportFailed was given up, its last error kept.
	ExportFailed = WebhookFailed
)

// ExportDelivery is the export of one closed chat's report (or a test) to its connector's
// service, and its log.
type ExportDelivery struct {
	ID          int64
	TenantID    int64
	ConnectorID int64
	ChatID      string
	// Test marks a test export, which reports the connector's newest closed chat or, when
	// it has none, a sample chat.
	Test     bool
	State    string
	Attempts int
	// NextAttemptAt is when a pending delivery is due (a claimed one: when its claim lapses).
	NextAttemptAt time.Time
	LastError     string
	// ResponseCode and Latency are those of the last attempt's last post (0: no answer).
	ResponseCode int
	Latency      time.Duration
	// ReplayOf is the delivery this one repeats, 0 for an original.
	ReplayOf    int64
	CreatedAt   time.Time
	DeliveredAt time.Time
}

type exportDeliveryRow struct {
	ID            int64         `gorm:"primaryKey"`
	TenantID      int64         `gorm:"not null"`
	Tenant        *tenantRow    `gorm:"constraint:OnDelete:CASCADE"`
	ConnectorID   int64         `gorm:"not null"`
	Connector     *connectorRow `gorm:"constraint:OnDelete:CASCADE"`
	ChatID        string        `gorm:"not null"`
	Test          bool          `gorm:"not null"`
	State         string        `gorm:"not null"`
	Attempts      int           `gorm:"not null"`
	NextAttemptAt time.Time     `gorm:"not null"`
	LastError     string        `gorm:"not null"`
	ResponseCode  int           `gorm:"not null"`
	LatencyMs     int64         `gorm:"not null"`
	ReplayOf      int64         `gorm:"not null"`
	CreatedAt     time.Time     `gorm:"not null"`
	DeliveredAt   *time.Time
}

func (exportDeliveryRow) TableName() string { return "report_export_deliveries" }

func (r exportDeliveryRow) domain() ExportDelivery {
	d := ExportDelivery{ID: r.ID, TenantID: r.TenantID, ConnectorID: r.ConnectorID, ChatID: r.ChatID, Test: r.Test, State: r.State,
		Attempts: r.Attempts, NextAttemptAt: normTime(r.NextAttemptAt), LastError: r.LastError, ResponseCode: r.ResponseCode,
		Latency: time.Duration(r.LatencyMs) * time.Millisecond, ReplayOf: r.ReplayOf, CreatedAt: normTime(r.CreatedAt)}
	if r.DeliveredAt != nil {
		d.DeliveredAt = normTime(*r.DeliveredAt)
	}
	return d
}

func init() { allRows = append(allRows, &reportExportRow{}, &exportDeliveryRow{}) }

// ReportExport returns a tenant's connector's export settings; a connector that has none
// stored yet has found false and zero settings. ErrNotFound when the tenant has no such
// connector.
func (s *Store) ReportExport(ctx context.Context, tenantID, connectorID int64) (set ReportExport, found bool, err error) {
	if err := s.tenantConnector(ctx, tenantID, connectorID); err != nil {
		return ReportExport{}, false, wrap("report export", err)
	}
	var rows []reportExportRow
	if err := s.r.WithContext(ctx).Where("connector_id = ?", connectorID).Limit(1).Find(&rows).Error; err != nil {
		return ReportExport{}, false, wrap("report export", err)
	}
	if len(rows) == 0 {
		return ReportExport{ConnectorID: connectorID, TenantID: tenantID}, false, nil
	}
	return rows[0].domain(), true, nil
}

// tenantConnector is ErrNotFound unless the tenant has the connector.
func (s *Store) tenantConnector(ctx context.Context, tenantID, connectorID int64) error {
	var n int64
	if err := s.r.WithContext(ctx).Model(&connectorRow{}).Where("id = ? AND tenant_id = ?", connectorID, tenantID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// SaveReportExport stores a connector's export settings, which package reportexport has
// validated; the store refuses only text it cannot keep (invalid UTF-8, NUL).
func (s *Store) SaveReportExport(ctx context.Context, set ReportExport) (ReportExport, error) {
	for _, t := range []string{set.TokenURL, set.TokenHeader, set.TokenBody, set.ExportURL, set.ExportHeader, set.ExportBody, set.XMLTemplate} {
		if !utf8.ValidString(t) || strings.ContainsRune(t, 0) {
			return ReportExport{}, wrap("save report export", rule("The export settings must be text without NUL characters."))
		}
	}
	row := reportExportRow{ConnectorID: set.ConnectorID, TenantID: set.TenantID, Enabled: set.Enabled, TokenURL: set.TokenURL,
		TokenHeader: set.TokenHeader, TokenBody: set.TokenBody, ExportURL: set.ExportURL, ExportHeader: set.ExportHeader,
		ExportBody: set.ExportBody, XMLTemplate: set.XMLTemplate, UpdatedAt: now()}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&connectorRow{}).Where("id = ? AND tenant_id = ?", set.ConnectorID, set.TenantID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "connector_id"}}, UpdateAll: true}).Create(&row).Error
	})
	if err != nil {
		return ReportExport{}, wrap("save report export", err)
	}
	return row.domain(), nil
}

// ReportExportFor returns the export settings of connector id, whatever its tenant, for the
// sender; found is false when it has none.
func (s *Store) ReportExportFor(ctx context.Context, connectorID int64) (set ReportExport, found bool, err error) {
	var rows []reportExportRow
	if err := s.r.WithContext(ctx).Where("connector_id = ?", connectorID).Limit(1).Find(&rows).Error; err != nil {
		return ReportExport{}, false, wrap("report export", err)
	}
	if len(rows) == 0 {
		return ReportExport{}, false, nil
	}
	return rows[0].domain(), true, nil
}

// writeReportExports writes, in the group committer's transaction tx, an export of every
// chat that closed in events and whose connector exports reports. It reads the settings
// only when a chat closed, so the transaction of a batch without closes is unchanged.
func writeReportExports(tx *gorm.DB, events []numbered) (int, error) {
	closed := closedChats(events)
	if len(closed) == 0 {
		return 0, nil
	}
	var chats []struct {
		ID          string
		TenantID    int64
		ConnectorID int64
	}
	if err := tx.Model(&chatRow{}).Select("id, tenant_id, connector_id").Where("id IN ? AND connector_id <> 0", closed).Find(&chats).Error; err != nil {
		return 0, err
	}
	if len(chats) == 0 {
		return 0, nil
	}
	var conns []int64
	for _, c := range chats {
		if !slices.Contains(conns, c.ConnectorID) {
			conns = append(conns, c.ConnectorID)
		}
	}
	var on []int64
	if err := tx.Model(&reportExportRow{}).Where("connector_id IN ? AND enabled = ?", conns, true).Pluck("connector_id", &on).Error; err != nil {
		return 0, err
	}
	t := now()
	var out []exportDeliveryRow
	for _, c := range chats {
		if slices.Contains(on, c.ConnectorID) {
			out = append(out, exportDeliveryRow{TenantID: c.TenantID, ConnectorID: c.ConnectorID, ChatID: c.ID, State: ExportPending, NextAttemptAt: t, CreatedAt: t})
		}
	}
	if len(out) == 0 {
		return 0, nil
	}
	return len(out), tx.CreateInBatches(&out, 100).Error
}

// closedChats lists the chats that closed in events, each once.
func closedChats(events []numbered) []string {
	var closed []string
	for _, n := range events {
		if protocol.Type(n.row.Type) != protocol.TypeChatState || n.tenant == 0 {
			continue
		}
		var st protocol.ChatState
		if json.Unmarshal(n.ev.Data, &st) != nil || st.State != protocol.StateClosed || slices.Contains(closed, n.row.ChatID) {
			continue
		}
		closed = append(closed, n.row.ChatID)
	}
	return closed
}

// EnqueueReportExportTest writes a test export of a tenant's connector, due at once, and
// returns it: it reports the connector's newest closed chat, or a sample chat when there
// is none, whether or not the export is enabled.
func (s *Store) EnqueueReportExportTest(ctx context.Context, tenantID, connectorID int64) (ExportDelivery, error) {
	var row exportDeliveryRow
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&connectorRow{}).Where("id = ? AND tenant_id = ?", connectorID, tenantID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		var ids []string
		if err := tx.Model(&chatRow{}).Where("connector_id = ? AND state = ?", connectorID, "closed").Order("closed_at DESC").Limit(1).Pluck("id", &ids).Error; err != nil {
			return err
		}
		t := now()
		row = exportDeliveryRow{TenantID: tenantID, ConnectorID: connectorID, Test: true, State: ExportPending, NextAttemptAt: t, CreatedAt: t}
		if len(ids) > 0 {
			row.ChatID = ids[0]
		}
		return tx.Create(&row).Error
	})
	return row.domain(), wrap("enqueue report export test", err)
}

// ReplayReportExport writes a new export of the same chat as a tenant's delivery id, due
// at once, and returns it; the original and its log stay as they are.
func (s *Store) ReplayReportExport(ctx context.Context, tenantID, id int64) (ExportDelivery, error) {
	var row exportDeliveryRow
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var orig exportDeliveryRow
		if err := tx.Where("id = ? AND tenant_id = ?", id, tenantID).Take(&orig).Error; err != nil {
			return err
		}
		t := now()
		row = exportDeliveryRow{TenantID: tenantID, ConnectorID: orig.ConnectorID, ChatID: orig.ChatID, Test: orig.Test, State: ExportPending,
			NextAttemptAt: t, ReplayOf: orig.ID, CreatedAt: t}
		return tx.Create(&row).Error
	})
	return row.domain(), wrap("replay report export", err)
}

// DueReportExports lists up to limit pending exports due at now, the longest due first.
func (s *Store) DueReportExports(ctx context.Context, now time.Time, limit int) ([]ExportDelivery, error) {
	var rows []exportDeliveryRow
	err := s.r.WithContext(ctx).Where("state = ? AND next_attempt_at <= ?", ExportPending, normTime(now)).
		Order("next_attempt_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrap("due report exports", err)
	}
	out := make([]ExportDelivery, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// NextReportExportDue is when the earliest pending export is due; ok is false when none is.
func (s *Store) NextReportExportDue(ctx context.Context) (at time.Time, ok bool, err error) {
	var rows []exportDeliveryRow
	err = s.r.WithContext(ctx).Select("next_attempt_at").Where("state = ?", ExportPending).Order("next_attempt_at").Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return time.Time{}, false, wrap("next report export due", err)
	}
	return normTime(rows[0].NextAttemptAt), true, nil
}

// ClaimReportExport takes export d (as DueReportExports listed it) for one attempt: it
// counts the attempt and moves the due time to until, so that no other worker takes it
// meanwhile and, if this one dies before recording the outcome, it is tried again after
// until. ok is false when another worker claimed it first or it is no longer pending.
func (s *Store) ClaimReportExport(ctx context.Context, d ExportDelivery, until time.Time) (claimed ExportDelivery, ok bool, err error) {
	db := s.w.WithContext(ctx)
	res := db.Model(&exportDeliveryRow{}).Where("id = ? AND state = ? AND attempts = ?", d.ID, ExportPending, d.Attempts).
		Updates(map[string]any{"attempts": d.Attempts + 1, "next_attempt_at": normTime(until)})
	if res.Error != nil {
		return ExportDelivery{}, false, wrap("claim report export", res.Error)
	}
	if res.RowsAffected == 0 {
		return ExportDelivery{}, false, nil
	}
	var row exportDeliveryRow
	if err := db.Where("id = ?", d.ID).Take(&row).Error; err != nil {
		return ExportDelivery{}, false, wrap("claim report export", err)
	}
	return row.domain(), true, nil
}

// ReportExportAttempted records the outcome of an attempt at export id made at at.
func (s *Store) ReportExportAttempted(ctx context.Context, id int64, at time.Time, a WebhookAttempt) error {
	return wrap("report export attempted", s.w.WithContext(ctx).Model(&exportDeliveryRow{}).Where("id = ?", id).Updates(a.updates(at)).Error)
}

// ExportLogFilter narrows the export log; zero fields do not filter.
type ExportLogFilter struct {
	ConnectorID int64
	State       string
	ChatID      string
}

// ReportExportLog lists a tenant's newest limit exports that pass f, newest first.
func (s *Store) ReportExportLog(ctx context.Context, tenantID int64, f ExportLogFilter, limit int) ([]ExportDelivery, error) {
	q := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if f.ConnectorID != 0 {
		q = q.Where("connector_id = ?", f.ConnectorID)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.ChatID != "" {
		q = q.Where("chat_id = ?", f.ChatID)
	}
	var rows []exportDeliveryRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("report export log", err)
	}
	out := make([]ExportDelivery, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
