package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// The row types below map the tables that the migrations (migrations.go)
// create; a change to one needs a migration. They never leave the package:
// each has a conversion to and from its domain struct. Maps and slices are
// JSON text columns (the same on SQLite and PostgreSQL); durations are whole
// seconds. The pointer fields to other rows mirror the foreign keys; they
// are never loaded.

type tenantRow struct {
	ID          int64  `gorm:"primaryKey"`
	Name        string `gorm:"not null"`
	TimeZone    string `gorm:"not null"`
	DefaultLang string `gorm:"not null"`
	CreatedAt   time.Time
}

func (tenantRow) TableName() string { return "tenants" }

type groupRow struct {
	ID       int64      `gorm:"primaryKey"`
	TenantID int64      `gorm:"not null;index"`
	Tenant   *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	Name     string     `gorm:"not null"`
	Strategy string     `gorm:"not null"`
}

func (groupRow) TableName() string { return "acd_groups" }

type statusRow struct {
	ID              int64      `gorm:"primaryKey"`
	TenantID        int64      `gorm:"not null;index"`
	Tenant          *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	Name            string     `gorm:"not null"`
	Short           string
	FontColor       string
	BackgroundColor string
	AllowsChat      bool
	AgentSettable   bool
	Sort            int
}

func (statusRow) TableName() string { return "agent_statuses" }

type connectorRow struct {
	ID                        int64      `gorm:"primaryKey"`
	TenantID                  int64      `gorm:"not null;index"`
	Tenant                    *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	Hash                      string     `gorm:"not null;uniqueIndex"`
	Name                      string     `gorm:"not null"`
	Title                     string
	GroupID                   *int64    `gorm:"index"`
	Group                     *groupRow `gorm:"constraint:OnDelete:SET NULL"`
	MaxChatsAll               int
	Priority                  int
	ConnectWaitSec            int64
	AnswerTimeSec             int64
	FreeAgentSearchSec        int64
	Skills                    string
	IgnoreSkillsAfterSec      int64
	IgnoreSkillsIfNoneSkilled bool
	AllowedOrigins            string
	Texts                     string
	OutOfService              bool
	OpeningHours              string
	Toolbox                   string
	ReconnectWindowSec        int64
	Waiting1Sec               int64
	Waiting2Sec               int64
	WaitingFinalSec           int64
	WhatsAppEnabled           bool   `gorm:"column:whatsapp_enabled"`
	WhatsAppAPIKey            string `gorm:"column:whatsapp_api_key"`
	WhatsAppNumber            string `gorm:"column:whatsapp_number"`
	WhatsAppSecret            string `gorm:"column:whatsapp_secret"`
	WhatsAppTemplates         string `gorm:"column:whatsapp_templates"`
	VisitorPresence           bool
	CreatedAt                 time.Time
	UpdatedAt                 time.Time
}

func (connectorRow) TableName() string { return "connectors" }

type userRow struct {
	ID           int64      `gorm:"primaryKey"`
	TenantID     *int64     `gorm:"index"`
	Tenant       *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	Login        string     `gorm:"not null;uniqueIndex"`
	Name         string
	Nickname     string
	Email        string
	Role         string `gorm:"not null"`
	PasswordHash string
	MaxChats     int
	MissedLimit  int
	// MissedStatusID is not a foreign key: a deleted status only switches the rule off.
	MissedStatusID int64
	Lang           string
	Active         bool
	StatusID       *int64     `gorm:"index"`
	Status         *statusRow `gorm:"constraint:OnDelete:SET NULL"`
	Skills         string
	Department     string `gorm:"not null;default:''"`
	Phone          string `gorm:"not null;default:''"`
	Bot            bool   `gorm:"not null;default:false"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (userRow) TableName() string { return "users" }

// userGroupRow is the membership join table; the index on group_id makes
// "agents of group G" an index scan.
type userGroupRow struct {
	UserID  int64     `gorm:"primaryKey;autoIncrement:false"`
	User    *userRow  `gorm:"constraint:OnDelete:CASCADE"`
	GroupID int64     `gorm:"primaryKey;autoIncrement:false;index"`
	Group   *groupRow `gorm:"constraint:OnDelete:CASCADE"`
}

func (userGroupRow) TableName() string { return "user_groups" }

type sessionRow struct {
	TokenHash string   `gorm:"primaryKey"`
	UserID    int64    `gorm:"not null;index"`
	User      *userRow `gorm:"constraint:OnDelete:CASCADE"`
	CreatedAt time.Time
	ExpiresAt time.Time `gorm:"not null;index"`
}

func (sessionRow) TableName() string { return "sessions" }

type chatRow struct {
	ID               string     `gorm:"primaryKey"`
	TenantID         int64      `gorm:"not null;index:ix_chats_tenant_state,priority:1;index:ix_chats_tenant_email,priority:1;index:ix_chats_tenant_customer,priority:1;index:ix_chats_tenant_visitor,priority:1"`
	Tenant           *tenantRow `gorm:"constraint:OnDelete:CASCADE"`
	ConnectorID      int64      `gorm:"not null;index"`
	State            string     `gorm:"not null;index:ix_chats_tenant_state,priority:2;index:ix_chats_agent_state,priority:2"`
	VisitorName      string
	VisitorEmail     string
	VisitorEmailKey  string `gorm:"index:ix_chats_tenant_email,priority:2"` // lower-cased VisitorEmail
	VisitorPhone     string
	CustomerID       string `gorm:"index:ix_chats_tenant_customer,priority:2"`
	VisitorID        string `gorm:"not null;index:ix_chats_tenant_visitor,priority:2"`
	Lang             string
	VisitorTokenHash string
	PData            string `gorm:"column:pdata"`
	UData            string `gorm:"column:udata"`
	Fields           string
	Page             string
	Referrer         string
	UserAgent        string
	IP               string `gorm:"column:ip"`
	AgentID          int64  `gorm:"not null;index:ix_chats_agent_state,priority:1"`
	LastSeq          uint64 `gorm:"not null"`
	LastVisitorSeq   uint64 `gorm:"not null;default:0"`
	CreatedAt        time.Time
	AcceptedAt       *time.Time
	FirstReplyAt     *time.Time
	ClosedAt         *time.Time
	CloseCause       string
	Kind             string `gorm:"not null;default:''"`
	PeerID           int64  `gorm:"not null;default:0"`
	TargetDepartment string `gorm:"not null;default:''"`
	TargetAgentID    int64  `gorm:"not null;default:0"`
	OutcomeID        int64  `gorm:"not null;default:0"`
	OfferedAt        *time.Time
	MissedOffers     int    `gorm:"not null;default:0"`
	TranslateLang    string `gorm:"not null;default:''"`
	TranslateOff     bool   `gorm:"not null;default:false"`
}

func (chatRow) TableName() string { return "chats" }

// participantRow is keyed, for writes, by chat, user, role and joining time:
// a participation is inserted when someone joins and updated when they leave.
type participantRow struct {
	ID       int64    `gorm:"primaryKey"`
	ChatID   string   `gorm:"not null;index;uniqueIndex:ux_participants_key,priority:1"`
	Chat     *chatRow `gorm:"constraint:OnDelete:CASCADE"`
	Role     string   `gorm:"not null;uniqueIndex:ux_participants_key,priority:3"`
	UserID   int64    `gorm:"uniqueIndex:ux_participants_key,priority:2"`
	Name     string
	JoinedAt time.Time `gorm:"uniqueIndex:ux_participants_key,priority:4"`
	LeftAt   *time.Time
}

func (participantRow) TableName() string { return "participants" }

// messageRow's partial unique index makes a client command id count once
// per sender and chat; it leads with the id (migration 58).
type messageRow struct {
	ChatID   string   `gorm:"primaryKey;uniqueIndex:ux_messages_client,priority:2,where:client_id <> ''"`
	Chat     *chatRow `gorm:"constraint:OnDelete:CASCADE"`
	Seq      uint64   `gorm:"primaryKey;autoIncrement:false"`
	Role     string   `gorm:"not null;uniqueIndex:ux_messages_client,priority:3,where:client_id <> ''"`
	UserID   int64    `gorm:"not null;uniqueIndex:ux_messages_client,priority:4,where:client_id <> ''"`
	Name     string
	Text     string
	ClientID string `gorm:"not null;uniqueIndex:ux_messages_client,priority:1,where:client_id <> ''"`
	Internal bool   `gorm:"not null"`
	At       time.Time
	// Lang, Translation and TranslationLang: see Message.
	Lang            string `gorm:"not null;default:''"`
	Translation     string `gorm:"not null;default:''"`
	TranslationLang string `gorm:"not null;default:''"`
	// VisitorSeq and EventData are the line's event, stored in its row rather than in a row of
	// events of its own (migrations_messageevents.go): its number among the visitor's events
	// (0 for an agents-only line) and its data as clients receive it. EventData is empty for
	// a line whose event is a row of events (written before, or imported).
	VisitorSeq uint64 `gorm:"not null;default:0"`
	EventData  string `gorm:"not null;default:''"`
}

func (messageRow) TableName() string { return "messages" }

// eventRow is an event as stored; agents-only events have visitor_seq 0. The visitor's replay
// reads by the primary key too (eventsAfterText).
type eventRow struct {
	ChatID     string   `gorm:"primaryKey"`
	Chat       *chatRow `gorm:"constraint:OnDelete:CASCADE"`
	Seq        uint64   `gorm:"primaryKey;autoIncrement:false"`
	VisitorSeq uint64   `gorm:"not null;default:0"`
	Type       string   `gorm:"not null"`
	Data       string
	At         time.Time
}

func (eventRow) TableName() string { return "events" }

// allRows lists every row type. The schema comes from the migrations (migrations.go), not
// from these structs; TestRowsMatchSchema uses the list to check that the migrations create
// every column a struct declares.
var allRows = []any{
	&tenantRow{}, &groupRow{}, &statusRow{}, &connectorRow{}, &userRow{},
	&userGroupRow{}, &sessionRow{}, &chatRow{}, &participantRow{}, &messageRow{}, &eventRow{},
	&surveyFieldRow{}, &cannedFolderRow{}, &cannedResponseRow{}, &tenantSettingsRow{}, &ipBlockRow{},
	&fileRow{}, &miccServiceRow{}, &connectorImageRow{}, &mailSettingsRow{}, &outboxRow{}, &outboxAttachmentRow{},
	&tagRow{}, &outcomeRow{}, &chatTagRow{}, &reportSettingsRow{}, &webhookEndpointRow{}, &webhookDeliveryRow{},
	&whatsappChatRow{}, &whatsappOutRow{}, &whatsappInboundRow{}, &apiTokenRow{},
}

// ---- conversions ----

func seconds(d time.Duration) int64    { return int64(d / time.Second) }
func duration(sec int64) time.Duration { return time.Duration(sec) * time.Second }

// idPtr maps the domain's "0 = none" to SQL NULL.
func idPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func idVal(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// jsonText encodes a collection for a text column; an empty one is stored
// as "" and comes back nil.
func jsonText[T any](v T, empty bool) (string, error) {
	if empty {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return string(b), nil
}

func mapText[V any](m map[string]V) (string, error) { return jsonText(m, len(m) == 0) }

func fromJSONText[T any](s string, dst *T) error {
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		return fmt.Errorf("store: corrupt JSON column: %w", err)
	}
	return nil
}

func rawText(r json.RawMessage) string { return string(r) }

func textRaw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func tenantToRow(t Tenant) tenantRow {
	return tenantRow{ID: t.ID, Name: t.Name, TimeZone: t.TimeZone, DefaultLang: t.DefaultLang, CreatedAt: normTime(t.CreatedAt)}
}

func (r tenantRow) domain() Tenant {
	return Tenant{ID: r.ID, Name: r.Name, TimeZone: r.TimeZone, DefaultLang: r.DefaultLang, CreatedAt: normTime(r.CreatedAt)}
}

func groupToRow(g ACDGroup) groupRow {
	return groupRow{ID: g.ID, TenantID: g.TenantID, Name: g.Name, Strategy: g.Strategy}
}

func (r groupRow) domain() ACDGroup {
	return ACDGroup{ID: r.ID, TenantID: r.TenantID, Name: r.Name, Strategy: r.Strategy}
}

func statusToRow(a AgentStatus) statusRow {
	return statusRow{ID: a.ID, TenantID: a.TenantID, Name: a.Name, Short: a.Short, FontColor: a.FontColor,
		BackgroundColor: a.BackgroundColor, AllowsChat: a.AllowsChat, AgentSettable: a.AgentSettable, Sort: a.Sort}
}

func (r statusRow) domain() AgentStatus {
	return AgentStatus{ID: r.ID, TenantID: r.TenantID, Name: r.Name, Short: r.Short, FontColor: r.FontColor,
		BackgroundColor: r.BackgroundColor, AllowsChat: r.AllowsChat, AgentSettable: r.AgentSettable, Sort: r.Sort}
}

type skillJSON struct {
	Skill          string `json:"skill"`
	Min            int    `json:"min"`
	IgnoreAfterSec int64  `json:"ignore_after_s"`
}

func connectorToRow(c Connector) (connectorRow, error) {
	var skills [3]skillJSON
	used := false
	for i, sk := range c.Skills {
		skills[i] = skillJSON{Skill: sk.Skill, Min: sk.Min, IgnoreAfterSec: seconds(sk.IgnoreAfter)}
		used = used || sk != SkillRequirement{}
	}
	skillsText, err := jsonText(skills, !used)
	if err != nil {
		return connectorRow{}, err
	}
	origins, err := jsonText(c.AllowedOrigins, len(c.AllowedOrigins) == 0)
	if err != nil {
		return connectorRow{}, err
	}
	texts, err := mapText(c.Texts)
	if err != nil {
		return connectorRow{}, err
	}
	return connectorRow{
		ID: c.ID, TenantID: c.TenantID, Hash: c.Hash, Name: c.Name, Title: c.Title,
		GroupID: idPtr(c.GroupID), MaxChatsAll: c.MaxChatsAll, Priority: c.Priority,
		ConnectWaitSec: seconds(c.ConnectWait), AnswerTimeSec: seconds(c.AnswerTime),
		FreeAgentSearchSec: seconds(c.FreeAgentSearch), Skills: skillsText,
		IgnoreSkillsAfterSec: seconds(c.IgnoreSkillsAfter), IgnoreSkillsIfNoneSkilled: c.IgnoreSkillsIfNoneSkilled,
		AllowedOrigins: origins, Texts: texts, OutOfService: c.OutOfService,
		OpeningHours: rawText(c.OpeningHours), Toolbox: rawText(c.Toolbox),
		ReconnectWindowSec: seconds(c.ReconnectWindow),
		Waiting1Sec:        seconds(c.Waiting1), Waiting2Sec: seconds(c.Waiting2), WaitingFinalSec: seconds(c.WaitingFinal),
		WhatsAppEnabled: c.WhatsAppEnabled, WhatsAppAPIKey: c.WhatsAppAPIKey, WhatsAppNumber: c.WhatsAppNumber,
		WhatsAppSecret: c.WhatsAppSecret, WhatsAppTemplates: c.WhatsAppTemplates,
		VisitorPresence: c.VisitorPresence,
		CreatedAt:       normTime(c.CreatedAt), UpdatedAt: normTime(c.UpdatedAt),
	}, nil
}

func (r connectorRow) domain() (Connector, error) {
	c := Connector{
		ID: r.ID, TenantID: r.TenantID, Hash: r.Hash, Name: r.Name, Title: r.Title,
		GroupID: idVal(r.GroupID), MaxChatsAll: r.MaxChatsAll, Priority: r.Priority,
		ConnectWait: duration(r.ConnectWaitSec), AnswerTime: duration(r.AnswerTimeSec),
		FreeAgentSearch: duration(r.FreeAgentSearchSec), IgnoreSkillsAfter: duration(r.IgnoreSkillsAfterSec),
		IgnoreSkillsIfNoneSkilled: r.IgnoreSkillsIfNoneSkilled, OutOfService: r.OutOfService,
		OpeningHours: textRaw(r.OpeningHours), Toolbox: textRaw(r.Toolbox),
		ReconnectWindow: duration(r.ReconnectWindowSec),
		Waiting1:        duration(r.Waiting1Sec), Waiting2: duration(r.Waiting2Sec), WaitingFinal: duration(r.WaitingFinalSec),
		WhatsAppEnabled: r.WhatsAppEnabled, WhatsAppAPIKey: r.WhatsAppAPIKey, WhatsAppNumber: r.WhatsAppNumber,
		WhatsAppSecret: r.WhatsAppSecret, WhatsAppTemplates: r.WhatsAppTemplates,
		VisitorPresence: r.VisitorPresence,
		CreatedAt:       normTime(r.CreatedAt), UpdatedAt: normTime(r.UpdatedAt),
	}
	var skills [3]skillJSON
	if err := fromJSONText(r.Skills, &skills); err != nil {
		return Connector{}, err
	}
	for i, sk := range skills {
		c.Skills[i] = SkillRequirement{Skill: sk.Skill, Min: sk.Min, IgnoreAfter: duration(sk.IgnoreAfterSec)}
	}
	if err := fromJSONText(r.AllowedOrigins, &c.AllowedOrigins); err != nil {
		return Connector{}, err
	}
	if err := fromJSONText(r.Texts, &c.Texts); err != nil {
		return Connector{}, err
	}
	return c, nil
}

func userToRow(u User) (userRow, error) {
	skills, err := mapText(u.Skills)
	if err != nil {
		return userRow{}, err
	}
	return userRow{
		ID: u.ID, TenantID: idPtr(u.TenantID), Login: u.Login, Name: u.Name, Nickname: u.Nickname,
		Email: u.Email, Role: u.Role, PasswordHash: u.PasswordHash, MaxChats: u.MaxChats, Lang: u.Lang,
		MissedLimit: u.MissedLimit, MissedStatusID: u.MissedStatusID,
		Active: u.Active, StatusID: idPtr(u.StatusID), Skills: skills,
		Department: u.Department, Phone: u.Phone, Bot: u.Bot,
		CreatedAt: normTime(u.CreatedAt), UpdatedAt: normTime(u.UpdatedAt),
	}, nil
}

// domain converts without Groups, which live in their own table.
func (r userRow) domain() (User, error) {
	u := User{
		ID: r.ID, TenantID: idVal(r.TenantID), Login: r.Login, Name: r.Name, Nickname: r.Nickname,
		Email: r.Email, Role: r.Role, PasswordHash: r.PasswordHash, MaxChats: r.MaxChats, Lang: r.Lang,
		MissedLimit: r.MissedLimit, MissedStatusID: r.MissedStatusID,
		Active: r.Active, StatusID: idVal(r.StatusID),
		Department: r.Department, Phone: r.Phone, Bot: r.Bot,
		CreatedAt: normTime(r.CreatedAt), UpdatedAt: normTime(r.UpdatedAt),
	}
	if err := fromJSONText(r.Skills, &u.Skills); err != nil {
		return User{}, err
	}
	return u, nil
}

func (r sessionRow) domain() Session {
	return Session{TokenHash: r.TokenHash, UserID: r.UserID, CreatedAt: normTime(r.CreatedAt), ExpiresAt: normTime(r.ExpiresAt)}
}

func chatToRow(c *Chat) (chatRow, error) {
	pdata, err := mapText(c.PData)
	if err != nil {
		return chatRow{}, err
	}
	udata, err := mapText(c.UData)
	if err != nil {
		return chatRow{}, err
	}
	fields, err := mapText(c.Fields)
	if err != nil {
		return chatRow{}, err
	}
	return chatRow{
		ID: c.ID, TenantID: c.TenantID, ConnectorID: c.ConnectorID, State: c.State,
		VisitorName: c.VisitorName, VisitorEmail: c.VisitorEmail, VisitorEmailKey: emailKey(c.VisitorEmail),
		VisitorPhone: c.VisitorPhone, CustomerID: c.CustomerID, VisitorID: c.VisitorID, Lang: c.Lang, VisitorTokenHash: c.VisitorTokenHash,
		PData: pdata, UData: udata, Fields: fields,
		Page: c.Page, Referrer: c.Referrer, UserAgent: c.UserAgent, IP: c.IP,
		AgentID: c.AgentID, LastSeq: c.LastSeq, LastVisitorSeq: c.LastVisitorSeq, CreatedAt: normTime(c.CreatedAt),
		AcceptedAt: normTimePtr(c.AcceptedAt), FirstReplyAt: normTimePtr(c.FirstReplyAt),
		ClosedAt: normTimePtr(c.ClosedAt), CloseCause: c.CloseCause, Kind: c.Kind, PeerID: c.PeerID,
		TargetDepartment: c.TargetDepartment, TargetAgentID: c.TargetAgentID,
		OutcomeID: c.OutcomeID, OfferedAt: normTimePtr(c.OfferedAt), MissedOffers: c.MissedOffers,
		TranslateLang: c.TranslateLang, TranslateOff: c.TranslateOff,
	}, nil
}

func (r chatRow) domain() (Chat, error) {
	c := Chat{
		ID: r.ID, TenantID: r.TenantID, ConnectorID: r.ConnectorID, State: r.State,
		VisitorName: r.VisitorName, VisitorEmail: r.VisitorEmail, VisitorPhone: r.VisitorPhone,
		CustomerID: r.CustomerID, VisitorID: r.VisitorID, Lang: r.Lang, VisitorTokenHash: r.VisitorTokenHash,
		Page: r.Page, Referrer: r.Referrer, UserAgent: r.UserAgent, IP: r.IP,
		AgentID: r.AgentID, LastSeq: r.LastSeq, LastVisitorSeq: r.LastVisitorSeq, CreatedAt: normTime(r.CreatedAt),
		AcceptedAt: normTimePtr(r.AcceptedAt), FirstReplyAt: normTimePtr(r.FirstReplyAt),
		ClosedAt: normTimePtr(r.ClosedAt), CloseCause: r.CloseCause, Kind: r.Kind, PeerID: r.PeerID,
		TargetDepartment: r.TargetDepartment, TargetAgentID: r.TargetAgentID,
		OutcomeID: r.OutcomeID, OfferedAt: normTimePtr(r.OfferedAt), MissedOffers: r.MissedOffers,
		TranslateLang: r.TranslateLang, TranslateOff: r.TranslateOff,
	}
	for _, f := range []struct {
		text string
		dst  *map[string]string
	}{{r.PData, &c.PData}, {r.UData, &c.UData}, {r.Fields, &c.Fields}} {
		if err := fromJSONText(f.text, f.dst); err != nil {
			return Chat{}, err
		}
	}
	return c, nil
}

func participantToRow(p *Participant) participantRow {
	return participantRow{ID: p.ID, ChatID: p.ChatID, Role: p.Role, UserID: p.UserID, Name: p.Name,
		JoinedAt: normTime(p.JoinedAt), LeftAt: normTimePtr(p.LeftAt)}
}

func (r participantRow) domain() Participant {
	return Participant{ID: r.ID, ChatID: r.ChatID, Role: r.Role, UserID: r.UserID, Name: r.Name,
		JoinedAt: normTime(r.JoinedAt), LeftAt: normTimePtr(r.LeftAt)}
}

func messageToRow(m *Message) messageRow {
	return messageRow{ChatID: m.ChatID, Seq: m.Seq, Role: m.Role, UserID: m.UserID, Name: m.Name,
		Text: m.Text, ClientID: m.ClientID, Internal: m.Internal, At: normTime(m.At),
		Lang: m.Lang, Translation: m.Translation, TranslationLang: m.TranslationLang}
}

func (r messageRow) domain() Message {
	return Message{ChatID: r.ChatID, Seq: r.Seq, Role: r.Role, UserID: r.UserID, Name: r.Name,
		Text: r.Text, ClientID: r.ClientID, Internal: r.Internal, At: normTime(r.At),
		Lang: r.Lang, Translation: r.Translation, TranslationLang: r.TranslationLang}
}

func eventToRow(e *Event) eventRow {
	return eventRow{ChatID: e.ChatID, Seq: e.Seq, VisitorSeq: e.VisitorSeq, Type: e.Type, Data: rawText(e.Data), At: normTime(e.At)}
}

func (r eventRow) domain() Event {
	return Event{ChatID: r.ChatID, Seq: r.Seq, VisitorSeq: r.VisitorSeq, AgentsOnly: r.VisitorSeq == 0,
		Type: r.Type, Data: textRaw(r.Data), At: normTime(r.At)}
}
