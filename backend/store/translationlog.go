package store

// This file holds the translation call log: per tenant, the newest calls to its translation
// service (package translate), what the admin pages show so that an admin sees a failing
// service. A call keeps when, which service, which languages, how many characters, how long
// and how it went, never the text. Each tenant keeps at most TranslationLogSize calls; every
// write prunes the older ones, so the table stays small without a sweeper.

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// translationLogMigration makes the call log.
var translationLogMigration = migration{version: 37, name: "translation call log", up: sqlUp(
	`CREATE TABLE translation_calls (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 at datetime NOT NULL, provider text NOT NULL, from_lang text NOT NULL, to_lang text NOT NULL, chars integer NOT NULL,
 latency_ms integer NOT NULL, outcome text NOT NULL, error text NOT NULL DEFAULT '');
CREATE INDEX ix_translation_calls_tenant ON translation_calls (tenant_id, id);`,
	`CREATE TABLE translation_calls (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 at timestamptz NOT NULL, provider text NOT NULL, from_lang text NOT NULL, to_lang text NOT NULL, chars bigint NOT NULL,
 latency_ms bigint NOT NULL, outcome text NOT NULL, error text NOT NULL DEFAULT '');
CREATE INDEX ix_translation_calls_tenant ON translation_calls (tenant_id, id);`)}

// TranslationLogSize is how many calls a tenant's log keeps: enough for a day of a small
// tenant's chats and the last minutes of a busy one, which is what finding a failing service
// needs.
const TranslationLogSize = 500

// translationErrorRunes bounds a call's error text: a service's message, not a document.
const translationErrorRunes = 500

// TranslationCall is one logged call to a tenant's translation service.
type TranslationCall struct {
	ID       int64
	TenantID int64
	At       time.Time
	// Provider is the service's API (translate.Provider's value).
	Provider string
	From, To string
	Chars    int
	Latency  time.Duration
	// Outcome is "ok", "failed" or "timeout" (translate.Outcome's values).
	Outcome string
	Error   string
}

type translationCallRow struct {
	ID        int64 `gorm:"primaryKey"`
	TenantID  int64
	At        time.Time
	Provider  string
	FromLang  string
	ToLang    string
	Chars     int
	LatencyMS int64 `gorm:"column:latency_ms"`
	Outcome   string
	Error     string
}

func (translationCallRow) TableName() string { return "translation_calls" }

func init() { allRows = append(allRows, &translationCallRow{}) }

func (r translationCallRow) domain() TranslationCall {
	return TranslationCall{ID: r.ID, TenantID: r.TenantID, At: r.At, Provider: r.Provider, From: r.FromLang, To: r.ToLang,
		Chars: r.Chars, Latency: time.Duration(r.LatencyMS) * time.Millisecond, Outcome: r.Outcome, Error: r.Error}
}

// cleanLogText makes a text storable in a log column: valid UTF-8 without NUL, at most n
// characters.
func cleanLogText(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return s
}

// AddTranslationCalls writes calls into their tenants' logs in one transaction and prunes each
// of those tenants' logs to its newest TranslationLogSize calls. Calls of tenants that no
// longer exist are skipped.
func (s *Store) AddTranslationCalls(ctx context.Context, calls []TranslationCall) error {
	if len(calls) == 0 {
		return nil
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		asked := map[int64]bool{}
		for _, c := range calls {
			asked[c.TenantID] = true
		}
		var ids []int64
		if err := tx.Model(&tenantRow{}).Where("id IN ?", slices.Collect(maps.Keys(asked))).Pluck("id", &ids).Error; err != nil {
			return err
		}
		exists := make(map[int64]bool, len(ids))
		for _, id := range ids {
			exists[id] = true
		}
		rows := make([]translationCallRow, 0, len(calls))
		tenants := map[int64]bool{}
		for _, c := range calls {
			if !exists[c.TenantID] {
				continue
			}
			tenants[c.TenantID] = true
			rows = append(rows, translationCallRow{TenantID: c.TenantID, At: c.At.UTC(), Provider: cleanLogText(c.Provider, 40),
				FromLang: cleanLogText(c.From, 20), ToLang: cleanLogText(c.To, 20), Chars: c.Chars, LatencyMS: c.Latency.Milliseconds(),
				Outcome: cleanLogText(c.Outcome, 20), Error: cleanLogText(c.Error, translationErrorRunes)})
		}
		if len(rows) == 0 {
			return nil
		}
		if err := tx.CreateInBatches(rows, 100).Error; err != nil {
			return err
		}
		for id := range tenants {
			var cut []int64
			if err := tx.Model(&translationCallRow{}).Where("tenant_id = ?", id).Order("id DESC").
				Offset(TranslationLogSize).Limit(1).Pluck("id", &cut).Error; err != nil {
				return err
			}
			if len(cut) == 1 {
				if err := tx.Where("tenant_id = ? AND id <= ?", id, cut[0]).Delete(&translationCallRow{}).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	return wrap("add translation calls", err)
}

// TranslationLog lists a tenant's newest limit logged calls, newest first; a non-empty
// outcome shows only the calls that ended so.
func (s *Store) TranslationLog(ctx context.Context, tenantID int64, outcome string, limit int) ([]TranslationCall, error) {
	q := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if outcome != "" {
		q = q.Where("outcome = ?", outcome)
	}
	var rows []translationCallRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("translation log", err)
	}
	out := make([]TranslationCall, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
