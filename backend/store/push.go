package store

// This file holds Web Push (package push): the installation's VAPID key pair and the push
// subscriptions of agents' browsers. A subscription belongs to one agent; the same browser
// signed in as another agent moves to that agent.

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// pushMigration keeps the VAPID key pair (one row) and the agents' push subscriptions.
var pushMigration = migration{version: 26, name: "web push", up: sqlUp(
	`CREATE TABLE push_keys (id integer PRIMARY KEY, public_key text NOT NULL, private_key text NOT NULL, created_at datetime NOT NULL);
CREATE TABLE push_subscriptions (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE, endpoint text NOT NULL, p256dh text NOT NULL, auth text NOT NULL,
 created_at datetime NOT NULL, updated_at datetime NOT NULL);
CREATE UNIQUE INDEX ux_push_subscriptions_endpoint ON push_subscriptions (endpoint);
CREATE INDEX ix_push_subscriptions_user ON push_subscriptions (user_id);`,
	`CREATE TABLE push_keys (id bigint PRIMARY KEY, public_key text NOT NULL, private_key text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE push_subscriptions (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE, endpoint text NOT NULL, p256dh text NOT NULL, auth text NOT NULL,
 created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE UNIQUE INDEX ux_push_subscriptions_endpoint ON push_subscriptions (endpoint);
CREATE INDEX ix_push_subscriptions_user ON push_subscriptions (user_id);`)}

// The limits of a push subscription's fields. Push services' endpoints are well under 1000
// characters; the keys are 65 and 16 bytes in unpadded base64url.
const (
	PushEndpointBytes = 2000
	PushKeyBytes      = 200
)

// VAPIDKeys is the installation's application server key pair (RFC 8292), both halves in
// unpadded base64url: the uncompressed P-256 public point and the private scalar.
type VAPIDKeys struct {
	Public  string
	Private string
}

type pushKeyRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	PublicKey  string
	PrivateKey string
	CreatedAt  time.Time
}

func (pushKeyRow) TableName() string { return "push_keys" }

func init() { allRows = append(allRows, &pushKeyRow{}, &pushSubscriptionRow{}) }

// EnsureVAPIDKeys returns the installation's VAPID keys, storing the pair gen makes when there
// is none yet. Several servers starting at once agree on the first pair stored.
func (s *Store) EnsureVAPIDKeys(ctx context.Context, gen func() (VAPIDKeys, error)) (VAPIDKeys, error) {
	var row pushKeyRow
	err := s.w.WithContext(ctx).Take(&row, "id = 1").Error
	if err == nil {
		return VAPIDKeys{Public: row.PublicKey, Private: row.PrivateKey}, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return VAPIDKeys{}, wrap("read vapid keys", err)
	}
	k, err := gen()
	if err != nil {
		return VAPIDKeys{}, err
	}
	row = pushKeyRow{ID: 1, PublicKey: k.Public, PrivateKey: k.Private, CreatedAt: now()}
	if err := s.w.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return VAPIDKeys{}, wrap("store vapid keys", err)
	}
	if err := s.w.WithContext(ctx).Take(&row, "id = 1").Error; err != nil {
		return VAPIDKeys{}, wrap("read vapid keys", err)
	}
	return VAPIDKeys{Public: row.PublicKey, Private: row.PrivateKey}, nil
}

// PushSubscription is a browser's Push API subscription of an agent: where to post and the
// keys to encrypt for (RFC 8291), as PushSubscription.toJSON() gives them.
type PushSubscription struct {
	ID        int64
	TenantID  int64
	UserID    int64
	Endpoint  string
	P256dh    string
	Auth      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks the subscription's form: an https endpoint (http only for a loopback host,
// as tests and local push services use) and keys of base64url characters. It wraps
// ErrInvalid with a *FieldError naming the field.
func (p *PushSubscription) Validate() error {
	p.Endpoint = strings.TrimSpace(p.Endpoint)
	p.P256dh, p.Auth = strings.TrimSpace(p.P256dh), strings.TrimSpace(p.Auth)
	u, err := url.Parse(p.Endpoint)
	switch {
	case p.Endpoint == "":
		return fieldErr("endpoint", "The subscription has no endpoint.")
	case len(p.Endpoint) > PushEndpointBytes || strings.ContainsAny(p.Endpoint, " \t\r\n\x00"):
		return fieldErr("endpoint", "The endpoint must be one line of at most {0} characters.", strconv.Itoa(PushEndpointBytes))
	case err != nil || u.Host == "" || u.User != nil:
		return fieldErr("endpoint", "The endpoint is not an address.")
	case u.Scheme != "https" && !(u.Scheme == "http" && loopbackHost(u.Hostname())):
		return fieldErr("endpoint", "The endpoint must start with https://.")
	}
	for _, k := range []struct{ name, v string }{{"p256dh", p.P256dh}, {"auth", p.Auth}} {
		if k.v == "" || len(k.v) > PushKeyBytes || strings.Trim(k.v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") != "" {
			return fieldErr(k.name, "The key {0} must be base64url of at most {1} characters.", k.name, strconv.Itoa(PushKeyBytes))
		}
	}
	return nil
}

// loopbackHost reports whether host names this machine.
func loopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

type pushSubscriptionRow struct {
	ID        int64 `gorm:"primaryKey"`
	TenantID  int64
	UserID    int64
	Endpoint  string
	P256dh    string `gorm:"column:p256dh"`
	Auth      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (pushSubscriptionRow) TableName() string { return "push_subscriptions" }

func (r pushSubscriptionRow) domain() PushSubscription {
	return PushSubscription{ID: r.ID, TenantID: r.TenantID, UserID: r.UserID, Endpoint: r.Endpoint, P256dh: r.P256dh, Auth: r.Auth,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// SavePushSubscription stores a subscription for its user, or updates the one with the same
// endpoint (its keys changed, or another agent signed in on that browser).
func (s *Store) SavePushSubscription(ctx context.Context, p PushSubscription) (PushSubscription, error) {
	if err := p.Validate(); err != nil {
		return PushSubscription{}, err
	}
	if p.UserID == 0 || p.TenantID == 0 {
		return PushSubscription{}, fieldErr("user", "The subscription has no agent.")
	}
	t := now()
	row := pushSubscriptionRow{TenantID: p.TenantID, UserID: p.UserID, Endpoint: p.Endpoint, P256dh: p.P256dh, Auth: p.Auth, CreatedAt: t, UpdatedAt: t}
	err := s.w.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "endpoint"}},
		DoUpdates: clause.AssignmentColumns([]string{"tenant_id", "user_id", "p256dh", "auth", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return PushSubscription{}, wrap("save push subscription", err)
	}
	if err := s.w.WithContext(ctx).Take(&row, "endpoint = ?", p.Endpoint).Error; err != nil {
		return PushSubscription{}, wrap("read push subscription", err)
	}
	return row.domain(), nil
}

// PushSubscriptions lists an agent's subscriptions, oldest first.
func (s *Store) PushSubscriptions(ctx context.Context, userID int64) ([]PushSubscription, error) {
	var rows []pushSubscriptionRow
	if err := s.r.WithContext(ctx).Where("user_id = ?", userID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("push subscriptions", err)
	}
	out := make([]PushSubscription, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// DeletePushSubscription removes the subscription with endpoint; userID, when not 0, limits
// it to that agent's (an agent may only remove their own). Removing one that is gone is not an
// error.
func (s *Store) DeletePushSubscription(ctx context.Context, userID int64, endpoint string) error {
	q := s.w.WithContext(ctx).Where("endpoint = ?", endpoint)
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	}
	return wrap("delete push subscription", q.Delete(&pushSubscriptionRow{}).Error)
}
