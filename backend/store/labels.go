package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/changes"
	"gorm.io/gorm/clause"
)

// A tenant classifies its chats two ways, both report dimensions and filters: any number of
// tags, added by agents during or after a chat, and one outcome, picked when the chat is
// closed. Both come from lists the tenant's admins keep; the tenant decides whether closing
// a chat requires an outcome.

// LabelKind names one of the two lists.
type LabelKind string

// The two lists a tenant keeps.
const (
	LabelTag     LabelKind = "tags"
	LabelOutcome LabelKind = "outcomes"
)

// MaxLabelName bounds a tag's or outcome's name, in characters: it has to fit a chip in the
// agent app and a report's axis.
const MaxLabelName = 60

// MaxLabels bounds each list of a tenant, so that a picker stays usable.
const MaxLabels = 200

// Label is one entry of a tenant's tag or outcome list.
type Label struct {
	ID       int64
	TenantID int64
	Name     string
	Sort     int
}

// ReportSettings are a tenant's choices about classifying and measuring chats.
type ReportSettings struct {
	TenantID int64
	// OutcomeRequired makes agents pick an outcome before a chat closes.
	OutcomeRequired bool
	// AnswerTarget is the time within which a chat counts as answered in time (the service
	// level of reports and the wallboard).
	AnswerTarget time.Duration
}

// DefaultAnswerTarget is the answer target of a tenant that never set one.
const DefaultAnswerTarget = 30 * time.Second

// MaxAnswerTarget bounds the answer target: a day is past any service level.
const MaxAnswerTarget = 24 * time.Hour

type tagRow struct {
	ID       int64      `gorm:"primaryKey"`
	TenantID int64      `gorm:"not null;uniqueIndex:ux_tags_name,priority:1"`
	Tenant   *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	Name     string     `gorm:"not null;uniqueIndex:ux_tags_name,priority:2"`
	Sort     int        `gorm:"not null;default:0"`
}

func (tagRow) TableName() string { return "tags" }

type outcomeRow struct {
	ID       int64      `gorm:"primaryKey"`
	TenantID int64      `gorm:"not null;uniqueIndex:ux_outcomes_name,priority:1"`
	Tenant   *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	Name     string     `gorm:"not null;uniqueIndex:ux_outcomes_name,priority:2"`
	Sort     int        `gorm:"not null;default:0"`
}

func (outcomeRow) TableName() string { return "outcomes" }

type chatTagRow struct {
	ChatID   string    `gorm:"primaryKey"`
	Chat     *chatRow  `gorm:"constraint:OnDelete:CASCADE"`
	TagID    int64     `gorm:"primaryKey;autoIncrement:false;index:ix_chat_tags_tag,priority:1"`
	Tag      *tagRow   `gorm:"constraint:OnDelete:CASCADE"`
	TenantID int64     `gorm:"not null"`
	AddedBy  int64     `gorm:"not null;default:0"`
	AddedAt  time.Time `gorm:"not null"`
}

func (chatTagRow) TableName() string { return "chat_tags" }

type reportSettingsRow struct {
	TenantID        int64      `gorm:"primaryKey;autoIncrement:false"`
	Tenant          *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	OutcomeRequired bool       `gorm:"not null;default:false"`
	AnswerTargetSec int64      `gorm:"not null;default:30"`
}

func (reportSettingsRow) TableName() string { return "report_settings" }

// labelRow is the one shape both list tables share.
type labelRow struct {
	ID       int64
	TenantID int64
	Name     string
	Sort     int
}

func (k LabelKind) valid() bool { return k == LabelTag || k == LabelOutcome }

// Labels returns a tenant's tags or outcomes in the order the admins gave them.
func (s *Store) Labels(ctx context.Context, kind LabelKind, tenantID int64) ([]Label, error) {
	if !kind.valid() {
		return nil, invalid("unknown list %q", kind)
	}
	var rows []labelRow
	if err := s.r.WithContext(ctx).Table(string(kind)).Where("tenant_id = ?", tenantID).Order("sort, name, id").Find(&rows).Error; err != nil {
		return nil, wrap("labels", err)
	}
	out := make([]Label, len(rows))
	for i, r := range rows {
		out[i] = Label(r)
	}
	return out, nil
}

// cleanLabelName trims a name and checks it: not empty, not too long, printable.
func cleanLabelName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	switch {
	case name == "":
		return "", rule("A name is required.")
	case !utf8.ValidString(name) || strings.ContainsRune(name, 0):
		return "", rule("The name has characters that cannot be shown.")
	case utf8.RuneCountInString(name) > MaxLabelName:
		return "", rule("The name is longer than {0} characters.", strconv.Itoa(MaxLabelName))
	}
	return name, nil
}

// SaveLabel creates (ID 0) or renames an entry of a tenant's list and returns its id. A name
// the list already has is refused with ErrConflict.
func (s *Store) SaveLabel(ctx context.Context, kind LabelKind, l Label) (int64, error) {
	if !kind.valid() {
		return 0, invalid("unknown list %q", kind)
	}
	name, err := cleanLabelName(l.Name)
	if err != nil {
		return 0, wrap("save label", err)
	}
	row := labelRow{ID: l.ID, TenantID: l.TenantID, Name: name, Sort: l.Sort}
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if row.ID == 0 {
			var n int64
			if err := tx.Table(string(kind)).Where("tenant_id = ?", row.TenantID).Count(&n).Error; err != nil {
				return err
			}
			if n >= MaxLabels {
				return rule("A list holds at most {0} entries.", strconv.Itoa(MaxLabels))
			}
			return tx.Table(string(kind)).Create(&row).Error
		}
		res := tx.Table(string(kind)).Where("id = ? AND tenant_id = ?", row.ID, row.TenantID).
			Updates(map[string]any{"name": row.Name, "sort": row.Sort})
		return affected(res)
	})
	err = s.published(err, changes.Setting{Kind: changes.KindLabels, TenantID: row.TenantID})
	if err != nil {
		return 0, wrap("save label", err)
	}
	return row.ID, nil
}

// DeleteLabel removes an entry of a tenant's list. A deleted tag leaves every chat it was on;
// chats closed with a deleted outcome keep its number and show in reports as "Deleted
// outcome".
func (s *Store) DeleteLabel(ctx context.Context, kind LabelKind, tenantID, id int64) error {
	if !kind.valid() {
		return invalid("unknown list %q", kind)
	}
	res := s.w.WithContext(ctx).Table(string(kind)).Where("id = ? AND tenant_id = ?", id, tenantID).Delete(&labelRow{})
	err := s.published(affected(res), changes.Setting{Kind: changes.KindLabels, TenantID: tenantID})
	return wrap("delete label", err)
}

// ReportSettingsOf returns a tenant's report settings, the defaults when it never saved any.
func (s *Store) ReportSettingsOf(ctx context.Context, tenantID int64) (ReportSettings, error) {
	var rows []reportSettingsRow
	if err := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID).Limit(1).Find(&rows).Error; err != nil {
		return ReportSettings{}, wrap("report settings", err)
	}
	if len(rows) == 0 {
		return ReportSettings{TenantID: tenantID, AnswerTarget: DefaultAnswerTarget}, nil
	}
	r := rows[0]
	return ReportSettings{TenantID: r.TenantID, OutcomeRequired: r.OutcomeRequired, AnswerTarget: duration(r.AnswerTargetSec)}, nil
}

// SaveReportSettings stores a tenant's report settings.
func (s *Store) SaveReportSettings(ctx context.Context, rs ReportSettings) error {
	if rs.AnswerTarget < time.Second || rs.AnswerTarget > MaxAnswerTarget {
		return wrap("save report settings", rule("The answer target must be between 1 second and {0} hours.", strconv.Itoa(int(MaxAnswerTarget/time.Hour))))
	}
	row := reportSettingsRow{TenantID: rs.TenantID, OutcomeRequired: rs.OutcomeRequired, AnswerTargetSec: seconds(rs.AnswerTarget)}
	err := s.w.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "tenant_id"}}, UpdateAll: true}).Create(&row).Error
	err = s.published(err, changes.Setting{Kind: changes.KindLabels, TenantID: rs.TenantID})
	return wrap("save report settings", err)
}

// ChatTags returns the ids of the tags on a chat of the tenant, in ascending order.
func (s *Store) ChatTags(ctx context.Context, tenantID int64, chatID string) ([]int64, error) {
	var ids []int64
	err := s.r.WithContext(ctx).Model(&chatTagRow{}).Where("chat_id = ? AND tenant_id = ?", chatID, tenantID).Order("tag_id").Pluck("tag_id", &ids).Error
	return ids, wrap("chat tags", err)
}

// TagsOfChats returns the ids of the tags on each of the tenant's chats chatIDs, in ascending
// order, by chat id (a chat without tags is missing), in one read: an export's page of chats
// costs one query, not one per chat. Other tenants' chats have no tags here.
func (s *Store) TagsOfChats(ctx context.Context, tenantID int64, chatIDs []string) (map[string][]int64, error) {
	out := make(map[string][]int64)
	if len(chatIDs) == 0 {
		return out, nil
	}
	if len(chatIDs) > ArchivePage {
		return nil, wrap("tags of chats", invalid("too many chats"))
	}
	var rows []chatTagRow
	err := s.r.WithContext(ctx).Model(&chatTagRow{}).Select("chat_id", "tag_id").
		Where("tenant_id = ? AND chat_id IN ?", tenantID, chatIDs).Order("chat_id, tag_id").Find(&rows).Error
	if err != nil {
		return nil, wrap("tags of chats", err)
	}
	for _, r := range rows {
		out[r.ChatID] = append(out[r.ChatID], r.TagID)
	}
	return out, nil
}

// SetChatTags makes tagIDs the tags of a chat of the tenant, by user by, at. Every id must be
// one of the tenant's tags and the chat the tenant's: a foreign tenant's chat or tag is
// ErrNotFound.
func (s *Store) SetChatTags(ctx context.Context, tenantID int64, chatID string, tagIDs []int64, by int64, at time.Time) error {
	ids := slices.Clone(tagIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > MaxLabels {
		return wrap("set chat tags", invalid("too many tags"))
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&chatRow{}).Where("id = ? AND tenant_id = ?", chatID, tenantID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		if len(ids) > 0 {
			if err := tx.Model(&tagRow{}).Where("tenant_id = ? AND id IN ?", tenantID, ids).Count(&n).Error; err != nil {
				return err
			}
			if int(n) != len(ids) {
				return ErrNotFound
			}
		}
		var have []int64
		if err := tx.Model(&chatTagRow{}).Where("chat_id = ?", chatID).Pluck("tag_id", &have).Error; err != nil {
			return err
		}
		var gone []int64
		for _, h := range have {
			if !slices.Contains(ids, h) {
				gone = append(gone, h)
			}
		}
		if len(gone) > 0 {
			if err := tx.Where("chat_id = ? AND tag_id IN ?", chatID, gone).Delete(&chatTagRow{}).Error; err != nil {
				return err
			}
		}
		var add []chatTagRow
		for _, id := range ids {
			if !slices.Contains(have, id) {
				add = append(add, chatTagRow{ChatID: chatID, TagID: id, TenantID: tenantID, AddedBy: by, AddedAt: normTime(at)})
			}
		}
		if len(add) == 0 {
			return nil
		}
		return tx.Create(&add).Error
	})
	return wrap("set chat tags", err)
}

// SetChatOutcome records the outcome of a closed chat of the tenant (0 clears it), for an
// outcome picked after the close. The outcome must be the tenant's.
func (s *Store) SetChatOutcome(ctx context.Context, tenantID int64, chatID string, outcomeID int64) error {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if outcomeID != 0 {
			var n int64
			if err := tx.Model(&outcomeRow{}).Where("id = ? AND tenant_id = ?", outcomeID, tenantID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return ErrNotFound
			}
		}
		return affected(tx.Model(&chatRow{}).Where("id = ? AND tenant_id = ?", chatID, tenantID).Update("outcome_id", outcomeID))
	})
	return wrap("set chat outcome", err)
}

// ReadDB is the read pool for reports: package report runs its aggregate SQL on it (read
// only on SQLite, where it never waits for the writer), so that figures never need rows
// loaded into the server.
func (s *Store) ReadDB() (*sql.DB, error) { return s.r.DB() }
