package store

// This file holds a tenant's webhooks: the endpoints it registered and the deliveries to
// them. A delivery is written in the same transaction as the chat event it reports (see
// writeWebhooks, called by the group committer), complete with its JSON body, so that a
// restart between writing and sending loses nothing; package webhook delivers it, retries it
// and records the outcome here, which is also the delivery log.

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/hookevent"
	"github.com/parleychat/parley/backend/token"
)

// WebhookURLBytes caps an endpoint's URL.
const WebhookURLBytes = 2000

// WebhookEndpoint is a URL of a tenant's that receives the events it subscribed to.
type WebhookEndpoint struct {
	ID       int64
	TenantID int64
	URL      string
	// Secret signs every delivery (package webhook); it is made by the store and shown to the
	// admin once, when made.
	Secret string
	// Events are the hookevent kinds the endpoint receives.
	Events    []string
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Wants reports whether the endpoint receives events of kind.
func (e WebhookEndpoint) Wants(kind string) bool { return e.Enabled && slices.Contains(e.Events, kind) }

// Validate checks the URL's form (http or https, a host, no user name or password, no
// fragment) and the events; whether the address may be reached is package webhook's to
// decide. It wraps ErrInvalid with a *FieldError naming the field.
func (e *WebhookEndpoint) Validate() error {
	e.URL = strings.TrimSpace(e.URL)
	u, err := url.Parse(e.URL)
	switch {
	case e.URL == "":
		return fieldErr("URL", "Enter the address that receives the events.")
	case len(e.URL) > WebhookURLBytes || strings.ContainsAny(e.URL, " \t\r\n\x00"):
		return fieldErr("URL", "The address must be one line of at most {0} characters.", strconv.Itoa(WebhookURLBytes))
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "":
		return fieldErr("URL", "Enter an address starting with https:// and a host name.")
	case u.User != nil || u.Fragment != "":
		return fieldErr("URL", "The address may not hold a user name, a password or a #fragment.")
	}
	seen := map[string]bool{}
	events := e.Events[:0:0]
	for _, k := range e.Events {
		if !hookevent.Known(k) {
			return fieldErr("Events", "\"{0}\" is not an event.", string(k))
		}
		if !seen[k] {
			seen[k] = true
			events = append(events, k)
		}
	}
	if len(events) == 0 {
		return fieldErr("Events", "Choose at least one event.")
	}
	e.Events = events
	return nil
}

type webhookEndpointRow struct {
	ID        int64      `gorm:"primaryKey"`
	TenantID  int64      `gorm:"not null"`
	Tenant    *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	URL       string     `gorm:"column:url;not null"`
	Secret    string     `gorm:"not null"`
	Events    string     `gorm:"not null"`
	Enabled   bool       `gorm:"not null"`
	CreatedAt time.Time  `gorm:"not null"`
	UpdatedAt time.Time  `gorm:"not null"`
}

func (webhookEndpointRow) TableName() string { return "webhook_endpoints" }

func (r webhookEndpointRow) domain() WebhookEndpoint {
	var events []string
	if r.Events != "" {
		events = strings.Split(r.Events, ",")
	}
	return WebhookEndpoint{ID: r.ID, TenantID: r.TenantID, URL: r.URL, Secret: r.Secret, Events: events, Enabled: r.Enabled,
		CreatedAt: normTime(r.CreatedAt), UpdatedAt: normTime(r.UpdatedAt)}
}

// newWebhookSecret makes an endpoint's signing secret.
func newWebhookSecret() string { return "whsec_" + token.New(32) }

// WebhookEndpoints lists a tenant's endpoints, oldest first.
func (s *Store) WebhookEndpoints(ctx context.Context, tenantID int64) ([]WebhookEndpoint, error) {
	var rows []webhookEndpointRow
	if err := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("webhook endpoints", err)
	}
	out := make([]WebhookEndpoint, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// WebhookEndpoint returns one of a tenant's endpoints; ErrNotFound when the tenant has no
// such endpoint.
func (s *Store) WebhookEndpoint(ctx context.Context, tenantID, id int64) (WebhookEndpoint, error) {
	var r webhookEndpointRow
	err := s.r.WithContext(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Take(&r).Error
	return r.domain(), wrap("webhook endpoint", err)
}

// CreateWebhookEndpoint validates and stores a new endpoint with a new secret, which the
// returned endpoint holds.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) (WebhookEndpoint, error) {
	if err := e.Validate(); err != nil {
		return WebhookEndpoint{}, wrap("create webhook endpoint", err)
	}
	t := now()
	row := webhookEndpointRow{TenantID: e.TenantID, URL: e.URL, Secret: newWebhookSecret(), Events: strings.Join(e.Events, ","),
		Enabled: e.Enabled, CreatedAt: t, UpdatedAt: t}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&tenantRow{}).Where("id = ?", e.TenantID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return invalid("tenant %d does not exist", e.TenantID)
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return WebhookEndpoint{}, wrap("create webhook endpoint", err)
	}
	return row.domain(), nil
}

// UpdateWebhookEndpoint changes an endpoint's URL, events and whether it is enabled; its
// secret stays. Deliveries already written keep going to the URL they were written for
// only until their next attempt: every attempt reads the endpoint's current URL.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) (WebhookEndpoint, error) {
	if err := e.Validate(); err != nil {
		return WebhookEndpoint{}, wrap("update webhook endpoint", err)
	}
	res := s.w.WithContext(ctx).Model(&webhookEndpointRow{}).Where("id = ? AND tenant_id = ?", e.ID, e.TenantID).
		Updates(map[string]any{"url": e.URL, "events": strings.Join(e.Events, ","), "enabled": e.Enabled, "updated_at": now()})
	if res.Error != nil {
		return WebhookEndpoint{}, wrap("update webhook endpoint", res.Error)
	}
	if res.RowsAffected == 0 {
		return WebhookEndpoint{}, wrap("update webhook endpoint", ErrNotFound)
	}
	return s.WebhookEndpoint(ctx, e.TenantID, e.ID)
}

// ResetWebhookSecret gives an endpoint a new secret and returns it: deliveries signed from
// now on, retries included, verify only with the new one.
func (s *Store) ResetWebhookSecret(ctx context.Context, tenantID, id int64) (string, error) {
	secret := newWebhookSecret()
	res := s.w.WithContext(ctx).Model(&webhookEndpointRow{}).Where("id = ? AND tenant_id = ?", id, tenantID).
		Updates(map[string]any{"secret": secret, "updated_at": now()})
	if res.Error != nil {
		return "", wrap("reset webhook secret", res.Error)
	}
	if res.RowsAffected == 0 {
		return "", wrap("reset webhook secret", ErrNotFound)
	}
	return secret, nil
}

// DeleteWebhookEndpoint removes an endpoint with its deliveries and their log.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, tenantID, id int64) error {
	res := s.w.WithContext(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Delete(&webhookEndpointRow{})
	if res.Error != nil {
		return wrap("delete webhook endpoint", res.Error)
	}
	if res.RowsAffected == 0 {
		return wrap("delete webhook endpoint", ErrNotFound)
	}
	return nil
}

// The states of a webhook delivery.
const (
	// WebhookPending waits for its first or next attempt.
	WebhookPending = "pending"
	// WebhookDelivered was answered with a 2xx status.
	WebhookDelivered = "delivered"
	// WebhookFailed was given up, its last error kept.
	WebhookFailed = "failed"
)

// WebhookDelivery is one report of an event to one endpoint, and its log.
type WebhookDelivery struct {
	ID         int64
	TenantID   int64
	EndpointID int64
	// EventID is the idempotency id (the body's "id"): the same in every attempt and replay.
	EventID string
	Kind    string
	ChatID  string
	Body    string
	State   string
	// Attempts counts the attempts made so far.
	Attempts int
	// NextAttemptAt is when a pending delivery is due (a claimed one: when its claim lapses).
	NextAttemptAt time.Time
	LastError     string
	// ResponseCode and Latency are those of the last attempt (0 when it got no answer).
	ResponseCode int
	Latency      time.Duration
	// ReplayOf is the delivery this one repeats, 0 for an original.
	ReplayOf    int64
	CreatedAt   time.Time
	DeliveredAt time.Time
	// URL and Secret are the endpoint's at the time of the claim (ClaimWebhook fills them).
	URL    string
	Secret string
}

type webhookDeliveryRow struct {
	ID            int64               `gorm:"primaryKey"`
	TenantID      int64               `gorm:"not null"`
	Tenant        *tenantRow          `gorm:"constraint:OnDelete:CASCADE"`
	EndpointID    int64               `gorm:"not null"`
	Endpoint      *webhookEndpointRow `gorm:"constraint:OnDelete:CASCADE"`
	EventID       string              `gorm:"not null"`
	Kind          string              `gorm:"not null"`
	ChatID        string              `gorm:"not null"`
	Body          string              `gorm:"not null"`
	State         string              `gorm:"not null"`
	Attempts      int                 `gorm:"not null"`
	NextAttemptAt time.Time           `gorm:"not null"`
	LastError     string              `gorm:"not null"`
	ResponseCode  int                 `gorm:"not null"`
	LatencyMs     int64               `gorm:"not null"`
	ReplayOf      int64               `gorm:"not null"`
	CreatedAt     time.Time           `gorm:"not null"`
	DeliveredAt   *time.Time
}

func (webhookDeliveryRow) TableName() string { return "webhook_deliveries" }

func (r webhookDeliveryRow) domain() WebhookDelivery {
	d := WebhookDelivery{ID: r.ID, TenantID: r.TenantID, EndpointID: r.EndpointID, EventID: r.EventID, Kind: r.Kind, ChatID: r.ChatID,
		Body: r.Body, State: r.State, Attempts: r.Attempts, NextAttemptAt: normTime(r.NextAttemptAt), LastError: r.LastError,
		ResponseCode: r.ResponseCode, Latency: time.Duration(r.LatencyMs) * time.Millisecond, ReplayOf: r.ReplayOf, CreatedAt: normTime(r.CreatedAt)}
	if r.DeliveredAt != nil {
		d.DeliveredAt = normTime(*r.DeliveredAt)
	}
	return d
}

// writeWebhooks writes, in the group committer's transaction tx, a delivery for every
// committed event some enabled endpoint of its tenant subscribed to. It reads the endpoints
// only when an event is of a kind webhooks report and its tenant has an enabled endpoint (as
// the numbering found), so the transaction of a batch without such events is unchanged.
func writeWebhooks(tx *gorm.DB, events []numbered) (int, error) {
	type report struct {
		e     hookevent.Event
		kinds []string
	}
	var (
		reports []report
		tenants []int64
	)
	for _, n := range events {
		if !n.hooks || n.tenant == 0 {
			continue
		}
		e := hookevent.Event{TenantID: n.tenant, ChatID: n.row.ChatID, Seq: n.row.Seq, Type: n.ev.Type, Data: n.ev.Data,
			AgentsOnly: n.row.VisitorSeq == 0, At: n.row.At}
		if kinds := hookevent.Classify(e); len(kinds) > 0 {
			reports = append(reports, report{e, kinds})
			if !slices.Contains(tenants, n.tenant) {
				tenants = append(tenants, n.tenant)
			}
		}
	}
	if len(reports) == 0 {
		return 0, nil
	}
	var rows []webhookEndpointRow
	if err := tx.Where("tenant_id IN ? AND enabled = ?", tenants, true).Order("id").Find(&rows).Error; err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nil
	}
	t := now()
	var out []webhookDeliveryRow
	for _, r := range reports {
		for _, row := range rows {
			ep := row.domain()
			if ep.TenantID != r.e.TenantID {
				continue
			}
			for _, kind := range r.kinds {
				if !ep.Wants(kind) {
					continue
				}
				body, err := hookevent.Body(r.e, kind)
				if err != nil {
					return 0, err
				}
				out = append(out, webhookDeliveryRow{TenantID: ep.TenantID, EndpointID: ep.ID, EventID: hookevent.ID(r.e, kind), Kind: kind,
					ChatID: r.e.ChatID, Body: string(body), State: WebhookPending, NextAttemptAt: t, CreatedAt: t})
			}
		}
	}
	if len(out) == 0 {
		return 0, nil
	}
	return len(out), tx.CreateInBatches(&out, 100).Error
}

// EnqueueWebhookTest writes a test delivery to one of a tenant's endpoints (enabled or not),
// due at once, and returns it; body is its JSON body.
func (s *Store) EnqueueWebhookTest(ctx context.Context, tenantID, endpointID int64, eventID string, body []byte) (WebhookDelivery, error) {
	var row webhookDeliveryRow
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&webhookEndpointRow{}).Where("id = ? AND tenant_id = ?", endpointID, tenantID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		t := now()
		row = webhookDeliveryRow{TenantID: tenantID, EndpointID: endpointID, EventID: eventID, Kind: hookevent.Test, Body: string(body),
			State: WebhookPending, NextAttemptAt: t, CreatedAt: t}
		return tx.Create(&row).Error
	})
	return row.domain(), wrap("enqueue webhook test", err)
}

// ReplayWebhookDelivery writes a new delivery of a tenant's delivery id to the same endpoint,
// with the same body and idempotency id, due at once, and returns it. The original and its
// log stay as they are.
func (s *Store) ReplayWebhookDelivery(ctx context.Context, tenantID, id int64) (WebhookDelivery, error) {
	var row webhookDeliveryRow
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var orig webhookDeliveryRow
		if err := tx.Where("id = ? AND tenant_id = ?", id, tenantID).Take(&orig).Error; err != nil {
			return err
		}
		t := now()
		row = webhookDeliveryRow{TenantID: tenantID, EndpointID: orig.EndpointID, EventID: orig.EventID, Kind: orig.Kind, ChatID: orig.ChatID,
			Body: orig.Body, State: WebhookPending, NextAttemptAt: t, ReplayOf: orig.ID, CreatedAt: t}
		return tx.Create(&row).Error
	})
	return row.domain(), wrap("replay webhook delivery", err)
}

// DueWebhooks lists up to limit pending deliveries due at now, the longest due first.
func (s *Store) DueWebhooks(ctx context.Context, now time.Time, limit int) ([]WebhookDelivery, error) {
	var rows []webhookDeliveryRow
	err := s.r.WithContext(ctx).Omit("body").Where("state = ? AND next_attempt_at <= ?", WebhookPending, normTime(now)).
		Order("next_attempt_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrap("due webhooks", err)
	}
	out := make([]WebhookDelivery, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// NextWebhookDue is when the earliest pending delivery is due; ok is false when none is.
func (s *Store) NextWebhookDue(ctx context.Context) (at time.Time, ok bool, err error) {
	var rows []webhookDeliveryRow
	err = s.r.WithContext(ctx).Select("next_attempt_at").Where("state = ?", WebhookPending).
		Order("next_attempt_at").Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return time.Time{}, false, wrap("next webhook due", err)
	}
	return normTime(rows[0].NextAttemptAt), true, nil
}

// ClaimWebhook takes delivery d (as DueWebhooks listed it) for one attempt: it counts the
// attempt and moves the due time to until, so that no other worker takes it meanwhile and,
// if this one dies before recording the outcome, it is tried again after until. ok is false
// when another worker claimed it first or it is no longer pending. The claimed delivery
// comes with its body and its endpoint's URL and secret.
func (s *Store) ClaimWebhook(ctx context.Context, d WebhookDelivery, until time.Time) (claimed WebhookDelivery, ok bool, err error) {
	db := s.w.WithContext(ctx)
	res := db.Model(&webhookDeliveryRow{}).Where("id = ? AND state = ? AND attempts = ?", d.ID, WebhookPending, d.Attempts).
		Updates(map[string]any{"attempts": d.Attempts + 1, "next_attempt_at": normTime(until)})
	if res.Error != nil {
		return WebhookDelivery{}, false, wrap("claim webhook", res.Error)
	}
	if res.RowsAffected == 0 {
		return WebhookDelivery{}, false, nil
	}
	var row webhookDeliveryRow
	if err := db.Where("id = ?", d.ID).Take(&row).Error; err != nil {
		return WebhookDelivery{}, false, wrap("claim webhook", err)
	}
	var ep webhookEndpointRow
	if err := db.Where("id = ?", row.EndpointID).Take(&ep).Error; err != nil {
		return WebhookDelivery{}, false, wrap("claim webhook", err)
	}
	claimed = row.domain()
	claimed.URL, claimed.Secret = ep.URL, ep.Secret
	return claimed, true, nil
}

// WebhookAttempt is the outcome of one attempt at a delivery.
type WebhookAttempt struct {
	// ResponseCode is the receiver's HTTP status, 0 when it gave none.
	ResponseCode int
	Latency      time.Duration
	// Err is why the attempt failed, "" when it was delivered.
	Err string
	// Next is when a failed delivery is due again; GiveUp fails it for good instead.
	Next   time.Time
	GiveUp bool
}

// WebhookAttempted records the outcome of an attempt at delivery id made at at.
func (s *Store) WebhookAttempted(ctx context.Context, id int64, at time.Time, a WebhookAttempt) error {
	return wrap("webhook attempted", s.w.WithContext(ctx).Model(&webhookDeliveryRow{}).Where("id = ?", id).Updates(a.updates(at)).Error)
}

// updates are the column changes that record attempt a, made at at, of an outbox row with
// webhook-like columns (webhook deliveries, report exports): the answer and, by the
// outcome, delivered, failed or the next attempt. The error is kept to 2,000 bytes of
// valid UTF-8 without NUL.
func (a WebhookAttempt) updates(at time.Time) map[string]any {
	errText := a.Err
	if n := 2000; len(errText) > n {
		errText = strings.ToValidUTF8(errText[:n], "") + "…"
	}
	errText = strings.ToValidUTF8(strings.ReplaceAll(errText, "\x00", ""), "")
	u := map[string]any{"last_error": errText, "response_code": a.ResponseCode, "latency_ms": a.Latency.Milliseconds()}
	switch {
	case a.Err == "":
		u["state"], u["delivered_at"] = WebhookDelivered, normTime(at)
	case a.GiveUp:
		u["state"] = WebhookFailed
	default:
		u["next_attempt_at"] = normTime(a.Next)
	}
	return u
}

// WebhookLogFilter narrows the delivery log; zero fields do not filter.
type WebhookLogFilter struct {
	EndpointID int64
	State      string
	Kind       string
	// EventID or ChatID finds the deliveries about one event or chat.
	EventID string
	ChatID  string
}

// WebhookLog lists a tenant's newest limit deliveries that pass f, newest first: the
// delivery log.
func (s *Store) WebhookLog(ctx context.Context, tenantID int64, f WebhookLogFilter, limit int) ([]WebhookDelivery, error) {
	q := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if f.EndpointID != 0 {
		q = q.Where("endpoint_id = ?", f.EndpointID)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.EventID != "" {
		q = q.Where("event_id = ?", f.EventID)
	}
	if f.ChatID != "" {
		q = q.Where("chat_id = ?", f.ChatID)
	}
	var rows []webhookDeliveryRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("webhook log", err)
	}
	out := make([]WebhookDelivery, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// WebhookDeliveryByID returns one of a tenant's deliveries with its body.
func (s *Store) WebhookDeliveryByID(ctx context.Context, tenantID, id int64) (WebhookDelivery, error) {
	var r webhookDeliveryRow
	err := s.r.WithContext(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Take(&r).Error
	return r.domain(), wrap("webhook delivery", err)
}
