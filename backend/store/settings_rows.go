package store

import (
	"strings"
	"time"

	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/shared/survey"
)

// The settings tables (surveys, canned responses, tenant settings, IP blacklist). Their row
// types are listed in allRows (rows.go) after the tables they reference.

type surveyFieldRow struct {
	ID               int64         `gorm:"primaryKey"`
	TenantID         int64         `gorm:"not null;index"`
	Tenant           *tenantRow    `gorm:"constraint:OnDelete:CASCADE"`
	ConnectorID      int64         `gorm:"not null;uniqueIndex:ux_survey_field_name,priority:1"`
	Connector        *connectorRow `gorm:"constraint:OnDelete:CASCADE"`
	Kind             string        `gorm:"not null;uniqueIndex:ux_survey_field_name,priority:2"`
	FieldName        string        `gorm:"not null;uniqueIndex:ux_survey_field_name,priority:3"`
	Sort             int
	FieldType        string `gorm:"not null"`
	Prompt           string
	Required         bool
	Length           int
	MultiLine        bool
	Lines            int
	Password         bool
	ChangeCase       int
	Mask             string
	DefaultValue     string
	DefaultDateToday bool
	DefaultTimeToday bool
	SelectType       string
	SelectOptions    string
	ValidateLow      int
	ValidateHigh     int
	// Texts are the field's prompt and option labels in other languages (survey.Field.Texts)
	// as JSON; "" for none.
	Texts string `gorm:"not null"`
}

func (surveyFieldRow) TableName() string { return "survey_fields" }

type cannedFolderRow struct {
	ID       int64            `gorm:"primaryKey"`
	TenantID int64            `gorm:"not null;index"`
	Tenant   *tenantRow       `gorm:"constraint:OnDelete:CASCADE"`
	ParentID *int64           `gorm:"index"`
	Parent   *cannedFolderRow `gorm:"constraint:OnDelete:CASCADE"`
	Name     string           `gorm:"not null"`
}

func (cannedFolderRow) TableName() string { return "canned_folders" }

type cannedResponseRow struct {
	ID       int64            `gorm:"primaryKey"`
	TenantID int64            `gorm:"not null;index"`
	Tenant   *tenantRow       `gorm:"constraint:OnDelete:CASCADE"`
	FolderID *int64           `gorm:"index"`
	Folder   *cannedFolderRow `gorm:"constraint:OnDelete:CASCADE"`
	Title    string           `gorm:"not null"`
	Text     string
}

func (cannedResponseRow) TableName() string { return "canned_responses" }

type tenantSettingsRow struct {
	TenantID        int64      `gorm:"primaryKey;autoIncrement:false"`
	Tenant          *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	MaxAttachmentKB int        `gorm:"column:max_attachment_kb"`
	AllowedTypes    string
	RestrictedTypes string
	MaxChatsPerIP   int `gorm:"column:max_chats_per_ip"`
	// MaxChatsPerVisitor is stored as given, 0 (no limit) too: no gorm default, which would
	// replace a zero.
	MaxChatsPerVisitor int    `gorm:"not null"`
	AgentIdleSeconds   int    `gorm:"not null"`
	WhosOnAuth         string `gorm:"column:whoson_auth;not null"`
	WhosOnAPIKey       string `gorm:"column:whoson_api_key;not null"`
	TranslateEnabled   bool   `gorm:"not null"`
	TranslateProvider  string `gorm:"not null"`
	TranslateURL       string `gorm:"column:translate_url;not null"`
	TranslateAPIKey    string `gorm:"column:translate_api_key;not null"`
	TranslateLanguages string `gorm:"not null"` // comma-separated codes
}

func (tenantSettingsRow) TableName() string { return "tenant_settings" }

type ipBlockRow struct {
	ID        int64      `gorm:"primaryKey"`
	TenantID  int64      `gorm:"not null;uniqueIndex:ux_ip_block,priority:1"`
	Tenant    *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	Prefix    string     `gorm:"not null;uniqueIndex:ux_ip_block,priority:2"`
	Note      string
	CreatedAt time.Time
}

func (ipBlockRow) TableName() string { return "ip_blocks" }

func surveyFieldToRow(f SurveyField) (surveyFieldRow, error) {
	opts, err := jsonText(f.Options, len(f.Options) == 0)
	if err != nil {
		return surveyFieldRow{}, err
	}
	langs, err := mapText(f.Texts)
	if err != nil {
		return surveyFieldRow{}, err
	}
	return surveyFieldRow{
		ID: f.ID, TenantID: f.TenantID, ConnectorID: f.ConnectorID, Kind: f.Kind, Sort: f.Sort,
		FieldName: f.Name, FieldType: f.Type, Prompt: f.Prompt, Required: f.Required,
		Length: f.Length, MultiLine: f.MultiLine, Lines: f.Lines, Password: f.Password, ChangeCase: f.ChangeCase,
		Mask: f.Mask, DefaultValue: f.Default, DefaultDateToday: f.DefaultDateToday, DefaultTimeToday: f.DefaultTimeToday,
		SelectType: f.SelectType, SelectOptions: opts, ValidateLow: f.ValidateLow, ValidateHigh: f.ValidateHigh,
		Texts: langs,
	}, nil
}

func (r surveyFieldRow) domain() (SurveyField, error) {
	f := SurveyField{
		ID: r.ID, TenantID: r.TenantID, ConnectorID: r.ConnectorID, Kind: r.Kind, Sort: r.Sort,
		Field: survey.Field{
			Name: r.FieldName, Type: r.FieldType, Enabled: true, Prompt: r.Prompt, Required: r.Required,
			Length: r.Length, MultiLine: r.MultiLine, Lines: r.Lines, Password: r.Password, ChangeCase: r.ChangeCase,
			Mask: r.Mask, Default: r.DefaultValue, DefaultDateToday: r.DefaultDateToday, DefaultTimeToday: r.DefaultTimeToday,
			SelectType: r.SelectType, ValidateLow: r.ValidateLow, ValidateHigh: r.ValidateHigh,
		},
	}
	if err := fromJSONText(r.SelectOptions, &f.Options); err != nil {
		return f, err
	}
	err := fromJSONText(r.Texts, &f.Texts)
	return f, err
}

func (r cannedFolderRow) domain() CannedFolder {
	return CannedFolder{ID: r.ID, TenantID: r.TenantID, ParentID: idVal(r.ParentID), Name: r.Name}
}

func tenantSettingsToRow(t TenantSettings) (tenantSettingsRow, error) {
	allowed, err := jsonText(t.AllowedTypes, len(t.AllowedTypes) == 0)
	if err != nil {
		return tenantSettingsRow{}, err
	}
	// An empty restricted list is stored as "[]" so that it does not read back as the default.
	restricted, err := jsonText(append([]string{}, t.RestrictedTypes...), false)
	if err != nil {
		return tenantSettingsRow{}, err
	}
	return tenantSettingsRow{TenantID: t.TenantID, MaxAttachmentKB: t.MaxAttachmentKB, AllowedTypes: allowed,
		RestrictedTypes: restricted, MaxChatsPerIP: t.MaxChatsPerIP, MaxChatsPerVisitor: t.MaxChatsPerVisitor,
		AgentIdleSeconds: int(t.AgentIdle / time.Second), WhosOnAuth: t.WhosOnAuth, WhosOnAPIKey: t.WhosOnAPIKey,
		TranslateEnabled: t.TranslateEnabled, TranslateProvider: string(t.TranslateProvider), TranslateURL: t.TranslateURL,
		TranslateAPIKey: t.TranslateAPIKey, TranslateLanguages: strings.Join(t.TranslateLanguages, ",")}, nil
}

func (r tenantSettingsRow) domain() (TenantSettings, error) {
	t := TenantSettings{TenantID: r.TenantID, MaxAttachmentKB: r.MaxAttachmentKB, MaxChatsPerIP: r.MaxChatsPerIP, MaxChatsPerVisitor: r.MaxChatsPerVisitor,
		AgentIdle: time.Duration(r.AgentIdleSeconds) * time.Second, WhosOnAuth: r.WhosOnAuth, WhosOnAPIKey: r.WhosOnAPIKey,
		TranslateEnabled: r.TranslateEnabled, TranslateProvider: translate.Provider(r.TranslateProvider), TranslateURL: r.TranslateURL,
		TranslateAPIKey: r.TranslateAPIKey}
	if r.TranslateLanguages != "" {
		t.TranslateLanguages = strings.Split(r.TranslateLanguages, ",")
	}
	if err := fromJSONText(r.AllowedTypes, &t.AllowedTypes); err != nil {
		return t, err
	}
	if err := fromJSONText(r.RestrictedTypes, &t.RestrictedTypes); err != nil {
		return t, err
	}
	if len(t.RestrictedTypes) == 0 {
		t.RestrictedTypes = nil
	}
	return t, nil
}

func (r ipBlockRow) domain() IPBlock {
	return IPBlock{ID: r.ID, TenantID: r.TenantID, Prefix: r.Prefix, Note: r.Note, CreatedAt: normTime(r.CreatedAt)}
}
