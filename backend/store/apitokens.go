package store

// This file holds a tenant's API tokens: the secrets integrators send to the REST API
// (package restapi). A token acts as one of the tenant's users (an agent, or a bot user that
// answers chats) within the scopes it was given; it is kept only as its SHA-256, shown once
// when made, and revoked rather than deleted so that the list still says who used what.

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/token"
)

// The scopes an API token may be given: each names what the token may read or change.
const (
	ScopeChatsRead     = "chats:read"
	ScopeChatsWrite    = "chats:write"
	ScopeContactsRead  = "contacts:read"
	ScopeContactsWrite = "contacts:write"
	ScopeReportsRead   = "reports:read"
	ScopeSettingsRead  = "settings:read"
)

// APIScopes lists every scope, in the order the admin pages offer them.
var APIScopes = []string{ScopeChatsRead, ScopeChatsWrite, ScopeContactsRead, ScopeContactsWrite, ScopeReportsRead, ScopeSettingsRead}

// APITokenPrefix starts every API token, so that a leaked one is recognised (secret scanners)
// and told apart from a session token.
const APITokenPrefix = "prl_"

// APITokenNameRunes caps a token's name.
const APITokenNameRunes = 100

// APIToken is one of a tenant's API tokens, without its secret.
type APIToken struct {
	ID       int64
	TenantID int64
	// UserID is the user the token acts as: messages it sends carry their name, and it sees
	// what they may see.
	UserID int64
	Name   string
	// Prefix is the start of the secret, shown in lists so that a token can be recognised.
	Prefix     string
	Scopes     []string
	CreatedBy  int64
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Has reports whether the token was given scope.
func (t APIToken) Has(scope string) bool { return slices.Contains(t.Scopes, scope) }

// Validate tidies the name and scopes and checks them; it wraps ErrInvalid with a
// *FieldError naming the field.
func (t *APIToken) Validate() error {
	t.Name = strings.TrimSpace(t.Name)
	switch {
	case t.Name == "":
		return fieldErr("Name", "Enter a name that says who uses the token.")
	case !utf8.ValidString(t.Name) || utf8.RuneCountInString(t.Name) > APITokenNameRunes || strings.ContainsAny(t.Name, "\x00\r\n"):
		return fieldErr("Name", "The name must be one line of at most {0} characters.", strconv.Itoa(APITokenNameRunes))
	case t.UserID <= 0:
		return fieldErr("UserID", "Choose the user the token acts as.")
	}
	var scopes []string
	for _, sc := range APIScopes {
		if slices.Contains(t.Scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	for _, sc := range t.Scopes {
		if !slices.Contains(APIScopes, sc) {
			return fieldErr("Scopes", "\"{0}\" is not a scope.", string(sc))
		}
	}
	if len(scopes) == 0 {
		return fieldErr("Scopes", "Choose at least one scope.")
	}
	t.Scopes = scopes
	return nil
}

type apiTokenRow struct {
	ID         int64      `gorm:"primaryKey"`
	TenantID   int64      `gorm:"not null"`
	Tenant     *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	UserID     int64      `gorm:"not null"`
	User       *userRow   `gorm:"constraint:OnDelete:CASCADE"`
	Name       string     `gorm:"not null"`
	Prefix     string     `gorm:"not null"`
	Hash       string     `gorm:"not null"`
	Scopes     string     `gorm:"not null"`
	CreatedBy  int64      `gorm:"not null"`
	CreatedAt  time.Time  `gorm:"not null"`
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (apiTokenRow) TableName() string { return "api_tokens" }

func (r apiTokenRow) domain() APIToken {
	var scopes []string
	if r.Scopes != "" {
		scopes = strings.Split(r.Scopes, ",")
	}
	return APIToken{ID: r.ID, TenantID: r.TenantID, UserID: r.UserID, Name: r.Name, Prefix: r.Prefix, Scopes: scopes,
		CreatedBy: r.CreatedBy, CreatedAt: normTime(r.CreatedAt), LastUsedAt: normTimePtr(r.LastUsedAt), RevokedAt: normTimePtr(r.RevokedAt)}
}

// APITokens lists a tenant's tokens, revoked ones included, newest first.
func (s *Store) APITokens(ctx context.Context, tenantID int64) ([]APIToken, error) {
	var rows []apiTokenRow
	if err := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, wrap("api tokens", err)
	}
	out := make([]APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// CreateAPIToken validates and stores a new token acting as one of the tenant's active users
// and returns it with its secret, which is not kept and cannot be read again.
func (s *Store) CreateAPIToken(ctx context.Context, t APIToken) (APIToken, string, error) {
	if err := t.Validate(); err != nil {
		return APIToken{}, "", wrap("create api token", err)
	}
	secret := APITokenPrefix + token.NewSecret()
	row := apiTokenRow{TenantID: t.TenantID, UserID: t.UserID, Name: t.Name, Prefix: secret[:len(APITokenPrefix)+6],
		Hash: token.Hash(secret), Scopes: strings.Join(t.Scopes, ","), CreatedBy: t.CreatedBy, CreatedAt: now()}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u userRow
		err := tx.Where("id = ? AND tenant_id = ?", t.UserID, t.TenantID).Take(&u).Error
		if err == gorm.ErrRecordNotFound || (err == nil && !u.Active) {
			return fieldErr("UserID", "Choose an active user of this tenant.")
		}
		if err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return APIToken{}, "", wrap("create api token", err)
	}
	return row.domain(), secret, nil
}

// RevokeAPIToken ends a token of the tenant's for good; revoking a revoked token succeeds.
// ErrNotFound when the tenant has no such token.
func (s *Store) RevokeAPIToken(ctx context.Context, tenantID, id int64) (APIToken, error) {
	var row apiTokenRow
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND tenant_id = ?", id, tenantID).Take(&row).Error; err != nil {
			return err
		}
		if row.RevokedAt != nil {
			return nil
		}
		t := now()
		row.RevokedAt = &t
		return tx.Model(&apiTokenRow{}).Where("id = ?", id).Update("revoked_at", t).Error
	})
	return row.domain(), wrap("revoke api token", err)
}

// APITokenBySecret finds the token whose secret is raw; ErrNotFound for an unknown, revoked
// or malformed one.
func (s *Store) APITokenBySecret(ctx context.Context, raw string) (APIToken, error) {
	if !strings.HasPrefix(raw, APITokenPrefix) || len(raw) > 200 {
		return APIToken{}, wrap("api token", ErrNotFound)
	}
	var row apiTokenRow
	err := s.r.WithContext(ctx).Where("hash = ? AND revoked_at IS NULL", token.Hash(raw)).Take(&row).Error
	return row.domain(), wrap("api token", err)
}

// TouchAPIToken records that a token was used at t; the list shows it. A use within a minute
// of the last recorded one is not written again, so that a busy token costs no write per call.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, t time.Time) error {
	t = t.UTC().Truncate(time.Microsecond)
	err := s.w.WithContext(ctx).Model(&apiTokenRow{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, t.Add(-time.Minute)).
		Update("last_used_at", t).Error
	return wrap("touch api token", err)
}
