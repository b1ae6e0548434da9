package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/changes"
)

// MaxLangLen bounds a user's language setting: a BCP 47 tag such as "fr-BE" is far shorter.
const MaxLangLen = 35

// SetUserLang saves the language a person chose in the admin pages or the agent app ("" for
// their browser's), which both read at sign-in; only that column changes, so that a choice
// made in one window never overwrites a profile edited in another. The tag is checked as the
// profile form checks it: letters, digits and hyphens.
func (s *Store) SetUserLang(ctx context.Context, userID int64, lang string) error {
	if len(lang) > MaxLangLen {
		return fmt.Errorf("%w: a language tag has at most %d characters", ErrInvalid, MaxLangLen)
	}
	for _, r := range lang {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("%w: a language tag is letters, digits and hyphens", ErrInvalid)
		}
	}
	var cur userRow
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Select("id", "tenant_id").Take(&cur, "id = ?", userID).Error; err != nil {
			return err
		}
		return tx.Model(&userRow{}).Where("id = ?", userID).
			Updates(map[string]any{"lang": lang, "updated_at": now()}).Error
	})
	if err := s.published(err, changes.Setting{Kind: changes.KindUser, TenantID: idVal(cur.TenantID), ID: userID}); err != nil {
		return wrap("set user language", err)
	}
	return nil
}
