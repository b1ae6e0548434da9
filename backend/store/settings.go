package store

// This file holds the administrators' settings that are not routing master data: the typed
// forms of a connector's opening hours and widget (toolbox) options, pre- and post-chat
// survey fields, canned responses in folders, the attachment policy and the security
// settings (IP blacklist, chats per IP). The admin pages write them; the chat service, the
// widget and the agent app read them.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/shared/filename"
	"github.com/parleychat/parley/shared/i18n"
	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/survey"
)

// ---- opening hours ----

// Weekdays are the keys of [OpeningHours.Days], Sunday first as in time.Weekday.
var Weekdays = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// OpeningHours is the JSON shape of Connector.OpeningHours: when a connector takes chats,
// in wall-clock time of the tenant's time zone. An empty document (no JSON at all) means
// "always open"; once a document is set, a weekday without intervals is closed.
//
//	{"days": {"mon": ["08:00-12:30", "13:30-17:00"], "sat": ["10:00-14:00"]},
//	 "closed": ["2026-12-25", "2026-12-26"]}
//
// Intervals are "HH:MM-HH:MM", start inclusive, end exclusive, end at most "24:00", sorted
// and not overlapping after [ParseOpeningHours]. Closed lists dates ("YYYY-MM-DD") on which
// the connector stays closed all day (public holidays).
type OpeningHours struct {
	Days   map[string][]string `json:"days,omitempty"`
	Closed []string            `json:"closed,omitempty"`
}

// HourRange is one parsed opening interval: offsets from midnight.
type HourRange struct {
	Start, End time.Duration
}

// ParseOpeningHours decodes and validates a connector's opening hours. It returns nil for an
// empty document (always open). The error says what is wrong in words an admin understands;
// it wraps ErrInvalid.
func ParseOpeningHours(raw json.RawMessage) (*OpeningHours, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var h OpeningHours
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, invalid("opening hours are not valid JSON of the form {\"days\":{\"mon\":[\"09:00-17:00\"]},\"closed\":[\"2026-12-25\"]}: %v", err)
	}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return &h, nil
}

// Validate checks every weekday name, interval and date; it wraps ErrInvalid.
func (h OpeningHours) Validate() error {
	for day, list := range h.Days {
		if !slices.Contains(Weekdays[:], day) {
			return rule("\"{0}\" is not a weekday; use {1}.", day, strings.Join(Weekdays[:], ", "))
		}
		if _, err := ParseHourRanges(list); err != nil {
			return fmt.Errorf("%w (%s)", err, day)
		}
	}
	for _, d := range h.Closed {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return rule("The closed date \"{0}\" is not a date like 2026-12-25.", d)
		}
	}
	return nil
}

// ParseHourRanges parses "HH:MM-HH:MM" intervals, sorted by start; overlapping or empty
// intervals are an error wrapping ErrInvalid.
func ParseHourRanges(list []string) ([]HourRange, error) {
	out := make([]HourRange, 0, len(list))
	for _, s := range list {
		a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
		if !ok {
			return nil, rule("The interval \"{0}\" is not like 09:00-17:00.", s)
		}
		start, err1 := clock(strings.TrimSpace(a))
		end, err2 := clock(strings.TrimSpace(b))
		if err1 != nil || err2 != nil {
			return nil, rule("The interval \"{0}\" is not like 09:00-17:00.", s)
		}
		if end <= start {
			return nil, rule("The interval \"{0}\" ends before it starts.", s)
		}
		out = append(out, HourRange{Start: start, End: end})
	}
	slices.SortFunc(out, func(x, y HourRange) int { return int(x.Start - y.Start) })
	for i := 1; i < len(out); i++ {
		if out[i].Start < out[i-1].End {
			return nil, rule("The intervals {0} and {1} overlap.", formatRange(out[i-1]), formatRange(out[i]))
		}
	}
	return out, nil
}

// clock parses "HH:MM" (00:00 to 24:00) into an offset from midnight.
func clock(s string) (time.Duration, error) {
	digit := func(b byte) bool { return b >= '0' && b <= '9' }
	if len(s) != 5 || s[2] != ':' || !digit(s[0]) || !digit(s[1]) || !digit(s[3]) || !digit(s[4]) {
		return 0, errors.New("bad clock")
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, errors.New("bad clock")
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

func formatRange(r HourRange) string {
	f := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60) }
	return f(r.Start) + "-" + f(r.End)
}

// Weekly returns the parsed intervals per weekday, indexed by time.Weekday, for the routing
// engine's schedule. Call it on validated hours (invalid entries are skipped).
func (h OpeningHours) Weekly() [7][]HourRange {
	var out [7][]HourRange
	for i, day := range Weekdays {
		r, err := ParseHourRanges(h.Days[day])
		if err == nil {
			out[i] = r
		}
	}
	return out
}

// ClosedDates returns the closed dates as midnight UTC times (only the date counts).
func (h OpeningHours) ClosedDates() []time.Time {
	out := make([]time.Time, 0, len(h.Closed))
	for _, d := range h.Closed {
		if t, err := time.Parse(time.DateOnly, d); err == nil {
			out = append(out, t)
		}
	}
	return out
}

// ---- toolbox (widget options) ----

// ToolboxPositions are the six launcher positions of the MiCC toolbox; the first is the
// default.
var ToolboxPositions = []string{"bottom-right", "bottom-left", "top-right", "top-left", "center-right", "center-left"}

// Toolbox is the JSON shape of Connector.Toolbox: the widget options an admin sets per
// connector (MiCC toolbox settings). The widget receives it verbatim in `connected.widget`.
//
//	{"position": "bottom-right", "show_wait_time": true, "hide_agent_name": false,
//	 "idle_timeout": 600, "idle_warning": 60, "max_message_length": 2000}
//
// Durations are whole seconds; zero means "off" (idle) or "the protocol's limit" (length).
type Toolbox struct {
	Position         string `json:"position,omitempty"`
	ShowWaitTime     bool   `json:"show_wait_time"`
	HideAgentName    bool   `json:"hide_agent_name"`
	IdleTimeout      int    `json:"idle_timeout,omitempty"`       // seconds without activity before the chat closes
	IdleWarning      int    `json:"idle_warning,omitempty"`       // seconds before that close the visitor is warned
	MaxMessageLength int    `json:"max_message_length,omitempty"` // characters; 0 = the protocol's limit
	// LeaveMessage lets visitors leave a message when no chat can be had (true when absent).
	LeaveMessage bool `json:"leave_message"`
	// WriteFirst lets the visitor write at once and give name and pre-chat answers while
	// waiting (protocol ChatRequest.Later).
	WriteFirst bool `json:"write_first,omitempty"`
	// MaxWait, in seconds, is the predicted wait above which the widget offers to leave a
	// message before the visitor queues; 0 = never.
	MaxWait int `json:"max_wait,omitempty"`
	// Preview lets agents see what the visitor types before sending it, for visitors who
	// agree (true when absent).
	Preview bool `json:"preview"`
}

// MaxMessageRunes is the upper bound for Toolbox.MaxMessageLength, a survey field's Length and
// a canned response: the protocol's longest chat message.
const MaxMessageRunes = limits.MessageRunes

// MaxWaitSeconds bounds Toolbox.MaxWait: a day.
const MaxWaitSeconds = 86400

// DefaultToolbox is what a connector without a toolbox document behaves like.
func DefaultToolbox() Toolbox {
	return Toolbox{Position: ToolboxPositions[0], ShowWaitTime: true, LeaveMessage: true, Preview: true}
}

// ParseToolbox decodes and validates a connector's toolbox; an empty document gives
// [DefaultToolbox]. Errors wrap ErrInvalid.
func ParseToolbox(raw json.RawMessage) (Toolbox, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return DefaultToolbox(), nil
	}
	t := DefaultToolbox()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return Toolbox{}, invalid("widget options are not valid JSON: %v", err)
	}
	if t.Position == "" {
		t.Position = ToolboxPositions[0]
	}
	return t, t.Validate()
}

// Validate checks the position and the ranges; it wraps ErrInvalid.
func (t Toolbox) Validate() error {
	switch {
	case t.Position != "" && !slices.Contains(ToolboxPositions, t.Position):
		return invalid("position %q is not one of %s", t.Position, strings.Join(ToolboxPositions, ", "))
	case t.IdleTimeout < 0 || t.IdleWarning < 0:
		return invalid("idle times must not be negative")
	case t.IdleWarning > 0 && (t.IdleTimeout == 0 || t.IdleWarning >= t.IdleTimeout):
		return invalid("the idle warning must come before the idle timeout")
	case t.MaxMessageLength < 0 || t.MaxMessageLength > MaxMessageRunes:
		return invalid("max message length must be between 0 and %d", MaxMessageRunes)
	case t.MaxWait < 0 || t.MaxWait > MaxWaitSeconds:
		return invalid("the longest wait before offering a message must be between 0 and %d seconds", MaxWaitSeconds)
	}
	return nil
}

// JSON encodes the toolbox for Connector.Toolbox.
func (t Toolbox) JSON() json.RawMessage {
	b, _ := json.Marshal(t) // a struct of plain fields always encodes
	return b
}

// ---- survey fields ----

// The survey kinds: asked before the chat starts, or after it ends.
const (
	SurveyPreChat  = "pre"
	SurveyPostChat = "post"
)

// SurveyField is one field of a connector's pre-chat or post-chat survey: the field as the
// visitor gets it (the WhosOn field model of package survey) and where it belongs. Enabled is
// true on every read, since an unwanted field is deleted rather than disabled, and HTML5Type
// is not kept (the admin pages do not set it).
type SurveyField struct {
	ID          int64
	TenantID    int64
	ConnectorID int64
	Kind        string // SurveyPreChat or SurveyPostChat
	Sort        int

	survey.Field
}

// FieldError is a validation failure of one named field of a settings value, so that forms
// can show the message next to the field. Message is an English sentence with numbered
// placeholders ("{0}") that Args fill, as in RuleError: the admin pages and the agent API keep
// it in their catalogue and show it in the reader's language, so Message is a fixed text and
// never holds a value. It wraps ErrInvalid.
type FieldError struct {
	Field   string
	Message string
	Args    []string
}

// Error is the field and the English message with its placeholders filled.
func (e *FieldError) Error() string { return e.Field + ": " + e.Text() }

// Text is the English message with its placeholders filled.
func (e *FieldError) Text() string { return i18n.Fill(e.Message, e.Args) }

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// fieldErr builds a FieldError from a message literal and the values of its placeholders.
func fieldErr(field, msg string, args ...string) error {
	return &FieldError{Field: field, Message: msg, Args: args}
}

// fieldRule puts a RuleError (of a check shared with callers outside a form, such as
// CheckMailAddress) on a field; another error is returned as it is.
func fieldRule(field string, err error) error {
	var re *RuleError
	if errors.As(err, &re) {
		return &FieldError{Field: field, Message: re.Message, Args: re.Args}
	}
	return err
}

// Validate tidies a survey field and checks it against WhosOn's rules (survey.CheckSettings)
// and its kind. The error is a *FieldError naming the struct field at fault.
func (f *SurveyField) Validate() error {
	err := survey.CheckSettings(&f.Field)
	if f.Kind != SurveyPreChat && f.Kind != SurveyPostChat {
		return fieldErr("Kind", "Choose pre-chat or post-chat.")
	}
	var se *survey.SettingError
	if errors.As(err, &se) {
		return &FieldError{Field: se.Setting, Message: se.Message, Args: se.Args}
	}
	return err
}

// CreateSurveyField adds a field to a connector's survey. The connector must belong to
// f.TenantID; Name must be unique within the survey (ErrConflict otherwise).
func (s *Store) CreateSurveyField(ctx context.Context, f SurveyField) (SurveyField, error) {
	if err := f.Validate(); err != nil {
		return SurveyField{}, wrap("create survey field", err)
	}
	var out SurveyField
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := sameTenant(tx, &connectorRow{}, "connector", f.TenantID, f.ConnectorID); err != nil || f.ConnectorID == 0 {
			if err == nil {
				err = invalid("a survey field needs a connector")
			}
			return err
		}
		f.ID = 0
		row, err := surveyFieldToRow(f)
		if err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		out, err = row.domain()
		return err
	})
	err = s.published(err, changes.Setting{Kind: changes.KindSurvey, TenantID: f.TenantID, ID: f.ConnectorID})
	return out, wrap("create survey field", err)
}

// UpdateSurveyField replaces a field's settings; ID and TenantID select the row (a field of
// another tenant is ErrNotFound). Connector and Kind are kept as stored.
func (s *Store) UpdateSurveyField(ctx context.Context, f SurveyField) (SurveyField, error) {
	cur, err := s.SurveyField(ctx, f.TenantID, f.ID)
	if err != nil {
		return SurveyField{}, wrap("update survey field", err)
	}
	f.ConnectorID, f.Kind = cur.ConnectorID, cur.Kind
	if err := f.Validate(); err != nil {
		return SurveyField{}, wrap("update survey field", err)
	}
	row, err := surveyFieldToRow(f)
	if err != nil {
		return SurveyField{}, wrap("update survey field", err)
	}
	res := s.w.WithContext(ctx).Model(&surveyFieldRow{}).Where("id = ? AND tenant_id = ?", f.ID, f.TenantID).
		Select("*").Omit("id", "tenant_id", "connector_id", "kind").Updates(&row)
	if err := s.published(affected(res), changes.Setting{Kind: changes.KindSurvey, TenantID: f.TenantID, ID: f.ConnectorID}); err != nil {
		return SurveyField{}, wrap("update survey field", err)
	}
	return s.SurveyField(ctx, f.TenantID, f.ID)
}

// SurveyField returns one field of the tenant's surveys, or ErrNotFound.
func (s *Store) SurveyField(ctx context.Context, tenantID, id int64) (SurveyField, error) {
	var row surveyFieldRow
	if err := s.r.WithContext(ctx).Take(&row, "id = ? AND tenant_id = ?", id, tenantID).Error; err != nil {
		return SurveyField{}, wrap("survey field", err)
	}
	f, err := row.domain()
	return f, wrap("survey field", err)
}

// SurveyFields lists a connector's survey fields of one kind in display order (Sort, id);
// an empty kind lists both kinds, pre-chat first.
func (s *Store) SurveyFields(ctx context.Context, connectorID int64, kind string) ([]SurveyField, error) {
	q := s.r.WithContext(ctx).Where("connector_id = ?", connectorID)
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	var rows []surveyFieldRow
	if err := q.Order("kind DESC, sort, id").Find(&rows).Error; err != nil {
		return nil, wrap("survey fields", err)
	}
	out := make([]SurveyField, len(rows))
	for i, r := range rows {
		f, err := r.domain()
		if err != nil {
			return nil, wrap("survey fields", err)
		}
		out[i] = f
	}
	return out, nil
}

// DeleteSurveyField removes a field of the tenant's surveys (ErrNotFound if there is none).
func (s *Store) DeleteSurveyField(ctx context.Context, tenantID, id int64) error {
	var cur surveyFieldRow
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Select("connector_id").Take(&cur, "id = ? AND tenant_id = ?", id, tenantID).Error; err != nil {
			return err
		}
		return affected(tx.Where("id = ? AND tenant_id = ?", id, tenantID).Delete(&surveyFieldRow{}))
	})
	err = s.published(err, changes.Setting{Kind: changes.KindSurvey, TenantID: tenantID, ID: cur.ConnectorID})
	return wrap("delete survey field", err)
}

// ---- canned responses ----

// CannedFolder is a folder of canned responses (a MiCC response file); ParentID 0 is the top.
type CannedFolder struct {
	ID       int64
	TenantID int64
	ParentID int64
	Name     string
}

// CannedResponse is a prepared answer an agent can insert. Path is filled by reads: the names
// of its folder and the folder's ancestors joined by " / " ("" at the top).
type CannedResponse struct {
	ID       int64
	TenantID int64
	FolderID int64 // 0 = top level
	Path     string
	Title    string
	Text     string
}

// maxFolderDepth bounds the folder tree, so that a path stays readable and walks are short.
const maxFolderDepth = 8

// CreateCannedFolder adds a folder; the parent must be a folder of the same tenant.
func (s *Store) CreateCannedFolder(ctx context.Context, f CannedFolder) (CannedFolder, error) {
	f.Name = strings.TrimSpace(f.Name)
	if f.Name == "" {
		return CannedFolder{}, wrap("create canned folder", fieldErr("Name", "Enter a folder name."))
	}
	var out CannedFolder
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.checkParent(tx, f.TenantID, 0, f.ParentID); err != nil {
			return err
		}
		row := cannedFolderRow{TenantID: f.TenantID, ParentID: idPtr(f.ParentID), Name: f.Name}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		out = row.domain()
		return nil
	})
	err = s.published(err, cannedChange(f.TenantID))
	return out, wrap("create canned folder", err)
}

// checkParent makes sure parent (0 = top) is a folder of the tenant, that the move does not
// put folder id inside itself, and that the tree stays within maxFolderDepth.
func (s *Store) checkParent(tx *gorm.DB, tenantID, id, parent int64) error {
	depth := 1
	for p := parent; p != 0; depth++ {
		if p == id {
			return fieldErr("ParentID", "A folder cannot be moved into itself.")
		}
		if depth >= maxFolderDepth {
			return fieldErr("ParentID", "Folders nest at most {0} deep.", strconv.Itoa(maxFolderDepth))
		}
		var row cannedFolderRow
		if err := tx.Take(&row, "id = ? AND tenant_id = ?", p, tenantID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fieldErr("ParentID", "The parent folder does not exist.")
			}
			return err
		}
		p = idVal(row.ParentID)
	}
	return nil
}

// UpdateCannedFolder renames or moves a folder of the tenant.
func (s *Store) UpdateCannedFolder(ctx context.Context, f CannedFolder) (CannedFolder, error) {
	f.Name = strings.TrimSpace(f.Name)
	if f.Name == "" {
		return CannedFolder{}, wrap("update canned folder", fieldErr("Name", "Enter a folder name."))
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.checkParent(tx, f.TenantID, f.ID, f.ParentID); err != nil {
			return err
		}
		res := tx.Model(&cannedFolderRow{}).Where("id = ? AND tenant_id = ?", f.ID, f.TenantID).
			Updates(map[string]any{"name": f.Name, "parent_id": idPtr(f.ParentID)})
		return affected(res)
	})
	if err := s.published(err, cannedChange(f.TenantID)); err != nil {
		return CannedFolder{}, wrap("update canned folder", err)
	}
	return f, nil
}

// DeleteCannedFolder removes a folder of the tenant with everything in it.
func (s *Store) DeleteCannedFolder(ctx context.Context, tenantID, id int64) error {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var all []cannedFolderRow
		if err := tx.Where("tenant_id = ?", tenantID).Find(&all).Error; err != nil {
			return err
		}
		doomed := subtree(all, id)
		if len(doomed) == 0 {
			return ErrNotFound
		}
		if err := tx.Where("tenant_id = ? AND folder_id IN ?", tenantID, doomed).Delete(&cannedResponseRow{}).Error; err != nil {
			return err
		}
		// Children first, so that no row points at a deleted parent.
		for i := len(doomed) - 1; i >= 0; i-- {
			if err := tx.Where("id = ? AND tenant_id = ?", doomed[i], tenantID).Delete(&cannedFolderRow{}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	err = s.published(err, cannedChange(tenantID))
	return wrap("delete canned folder", err)
}

// subtree returns id and its descendants, parents before children; nil when id is absent.
func subtree(all []cannedFolderRow, id int64) []int64 {
	found := false
	for _, f := range all {
		found = found || f.ID == id
	}
	if !found {
		return nil
	}
	out := []int64{id}
	for i := 0; i < len(out); i++ {
		for _, f := range all {
			if idVal(f.ParentID) == out[i] {
				out = append(out, f.ID)
			}
		}
	}
	return out
}

// CannedFolders lists a tenant's folders with their paths, sorted by path.
func (s *Store) CannedFolders(ctx context.Context, tenantID int64) ([]CannedFolder, map[int64]string, error) {
	var rows []cannedFolderRow
	if err := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&rows).Error; err != nil {
		return nil, nil, wrap("canned folders", err)
	}
	paths := folderPaths(rows)
	out := make([]CannedFolder, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	slices.SortStableFunc(out, func(a, b CannedFolder) int { return strings.Compare(paths[a.ID], paths[b.ID]) })
	return out, paths, nil
}

// folderPaths gives each folder its " / "-joined path from the top.
func folderPaths(rows []cannedFolderRow) map[int64]string {
	byID := make(map[int64]cannedFolderRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	paths := make(map[int64]string, len(rows))
	for _, r := range rows {
		names := []string{r.Name}
		p := idVal(r.ParentID)
		for depth := 0; p != 0 && depth < maxFolderDepth+1; depth++ {
			parent, ok := byID[p]
			if !ok {
				break
			}
			names = append(names, parent.Name)
			p = idVal(parent.ParentID)
		}
		slices.Reverse(names)
		paths[r.ID] = strings.Join(names, " / ")
	}
	return paths
}

func prepareCanned(r CannedResponse) (CannedResponse, error) {
	r.Title = strings.TrimSpace(r.Title)
	switch {
	case r.Title == "":
		return r, fieldErr("Title", "Enter a title.")
	case strings.TrimSpace(r.Text) == "":
		return r, fieldErr("Text", "Enter the text of the response.")
	case len([]rune(r.Text)) > MaxMessageRunes:
		return r, fieldErr("Text", "Use at most {0} characters (one chat message).", strconv.Itoa(MaxMessageRunes))
	}
	return r, nil
}

// CreateCannedResponse adds a response to a folder of the tenant (0 = top level).
func (s *Store) CreateCannedResponse(ctx context.Context, r CannedResponse) (CannedResponse, error) {
	r, err := prepareCanned(r)
	if err != nil {
		return CannedResponse{}, wrap("create canned response", err)
	}
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := sameTenant(tx, &cannedFolderRow{}, "folder", r.TenantID, r.FolderID); err != nil {
			return fieldErr("FolderID", "The folder does not exist.")
		}
		row := cannedResponseRow{TenantID: r.TenantID, FolderID: idPtr(r.FolderID), Title: r.Title, Text: r.Text}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		r.ID = row.ID
		return nil
	})
	if err := s.published(err, cannedChange(r.TenantID)); err != nil {
		return CannedResponse{}, wrap("create canned response", err)
	}
	return s.CannedResponse(ctx, r.TenantID, r.ID)
}

// UpdateCannedResponse replaces a response of the tenant (title, text, folder).
func (s *Store) UpdateCannedResponse(ctx context.Context, r CannedResponse) (CannedResponse, error) {
	r, err := prepareCanned(r)
	if err != nil {
		return CannedResponse{}, wrap("update canned response", err)
	}
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := sameTenant(tx, &cannedFolderRow{}, "folder", r.TenantID, r.FolderID); err != nil {
			return fieldErr("FolderID", "The folder does not exist.")
		}
		res := tx.Model(&cannedResponseRow{}).Where("id = ? AND tenant_id = ?", r.ID, r.TenantID).
			Updates(map[string]any{"folder_id": idPtr(r.FolderID), "title": r.Title, "text": r.Text})
		return affected(res)
	})
	if err := s.published(err, cannedChange(r.TenantID)); err != nil {
		return CannedResponse{}, wrap("update canned response", err)
	}
	return s.CannedResponse(ctx, r.TenantID, r.ID)
}

// DeleteCannedResponse removes a response of the tenant.
func (s *Store) DeleteCannedResponse(ctx context.Context, tenantID, id int64) error {
	res := s.w.WithContext(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Delete(&cannedResponseRow{})
	return wrap("delete canned response", s.published(affected(res), cannedChange(tenantID)))
}

// cannedChange is the change of any canned response or folder: agents reload the tenant's
// whole tree.
func cannedChange(tenantID int64) changes.Setting {
	return changes.Setting{Kind: changes.KindCanned, TenantID: tenantID}
}

// CannedResponse returns one response of the tenant with its folder path, or ErrNotFound.
func (s *Store) CannedResponse(ctx context.Context, tenantID, id int64) (CannedResponse, error) {
	all, err := s.CannedResponses(ctx, tenantID)
	if err != nil {
		return CannedResponse{}, err
	}
	for _, r := range all {
		if r.ID == id {
			return r, nil
		}
	}
	return CannedResponse{}, wrap("canned response", ErrNotFound)
}

// CannedResponses returns the tenant's whole response tree flattened: every response with
// the path of its folder, sorted by path, then title. The agent app reads it.
func (s *Store) CannedResponses(ctx context.Context, tenantID int64) ([]CannedResponse, error) {
	db := s.r.WithContext(ctx)
	var folders []cannedFolderRow
	if err := db.Where("tenant_id = ?", tenantID).Find(&folders).Error; err != nil {
		return nil, wrap("canned responses", err)
	}
	var rows []cannedResponseRow
	if err := db.Where("tenant_id = ?", tenantID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("canned responses", err)
	}
	paths := folderPaths(folders)
	out := make([]CannedResponse, len(rows))
	for i, r := range rows {
		out[i] = CannedResponse{ID: r.ID, TenantID: r.TenantID, FolderID: idVal(r.FolderID),
			Path: paths[idVal(r.FolderID)], Title: r.Title, Text: r.Text}
	}
	slices.SortStableFunc(out, func(a, b CannedResponse) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
	})
	return out, nil
}

// ---- attachment policy and security ----

// DefaultMaxAttachmentKB is the attachment size limit after MiCC: 5 MB; by default any type
// except programs and scripts may be sent (see DefaultRestrictedTypes).
const DefaultMaxAttachmentKB = 5120

// MaxAttachmentKBLimit is the highest attachment limit an admin may set: files live in the
// database and pass through memory whole, so they stay small (25 MB).
const MaxAttachmentKBLimit = 25600

// DefaultRestrictedTypes are the file extensions refused unless the admin says otherwise.
var DefaultRestrictedTypes = []string{"exe", "bat", "cmd", "com", "vbs"}

// TenantSettings are a tenant's attachment policy and visitor limits: one row per tenant,
// read with defaults when the admin has not saved any.
type TenantSettings struct {
	TenantID int64
	// MaxAttachmentKB is the largest file a visitor or agent may send (MiCC MaxAttachmentSize).
	MaxAttachmentKB int
	// AllowedTypes lists the file extensions allowed (lower case, no dot); empty allows every
	// type not restricted (MiCC AllowedAttachmentTypes).
	AllowedTypes []string
	// RestrictedTypes lists extensions always refused (MiCC RestrictedAttachmentTypes).
	RestrictedTypes []string
	// MaxChatsPerIP bounds the chats open at once from one visitor address; 0 = no limit.
	MaxChatsPerIP int
	// MaxChatsPerVisitor bounds the chats one visitor (one browser) has open at once; 0 = no
	// limit.
	MaxChatsPerVisitor int
	// AgentIdle is how long a signed-in agent may go without activity in the agent app before
	// colleagues see them as away (Znuny ChatEngine::AgentOnlineThreshold); whole seconds,
	// 10 s to 24 h.
	AgentIdle time.Duration
	// WhosOnAuth and WhosOnAPIKey are what a WhosOn Chat API client must send with its Connect
	// command (the server authentication string and the API key, package whoson); the API is
	// closed to the tenant while either is empty.
	WhosOnAuth   string
	WhosOnAPIKey string
	// TranslateEnabled turns on the translation of chats whose visitor speaks another language
	// than the agent, through the service of TranslateProvider's API (LibreTranslate or DeepL,
	// package translate) at TranslateURL (http or https; DeepL's own address when empty) with
	// TranslateAPIKey (empty when a LibreTranslate service wants none; never shown back by the
	// admin pages). TranslateLanguages are the languages offered to visitors (ISO 639-1 codes,
	// lower case); the tenant's default language is offered too.
	TranslateEnabled   bool
	TranslateProvider  translate.Provider
	TranslateURL       string
	TranslateAPIKey    string
	TranslateLanguages []string
}

// The per-address and per-visitor limits of a tenant that saved no settings: enough for a
// family or an office behind one address, too few for a flood.
const (
	DefaultMaxChatsPerIP      = 20
	DefaultMaxChatsPerVisitor = 3
	// DefaultAgentIdle is the idle threshold of a tenant that set none: five minutes, long
	// enough to read a chat or a ticket without touching the app.
	DefaultAgentIdle = 5 * time.Minute
)

// DefaultTenantSettings are the settings of a tenant that saved none.
func DefaultTenantSettings(tenantID int64) TenantSettings {
	return TenantSettings{TenantID: tenantID, MaxAttachmentKB: DefaultMaxAttachmentKB,
		RestrictedTypes: slices.Clone(DefaultRestrictedTypes), MaxChatsPerIP: DefaultMaxChatsPerIP, MaxChatsPerVisitor: DefaultMaxChatsPerVisitor,
		AgentIdle: DefaultAgentIdle, TranslateProvider: translate.LibreTranslate}
}

var extRE = regexp.MustCompile(`^[a-z0-9]{1,16}$`)

// NormalizeExtensions lower-cases, strips dots and de-duplicates file extensions; an
// extension that is not 1-16 letters or digits is an error naming it.
func NormalizeExtensions(list []string) ([]string, error) {
	var out []string
	for _, e := range list {
		e = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(e)), ".")
		if e == "" {
			continue
		}
		if !extRE.MatchString(e) {
			return nil, rule("\"{0}\" is not a file extension like pdf.", e)
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Validate checks and normalises the settings; errors are *FieldError.
func (t *TenantSettings) Validate() error {
	var err error
	if t.AllowedTypes, err = NormalizeExtensions(t.AllowedTypes); err != nil {
		return fieldRule("AllowedTypes", err)
	}
	if t.RestrictedTypes, err = NormalizeExtensions(t.RestrictedTypes); err != nil {
		return fieldRule("RestrictedTypes", err)
	}
	for _, a := range t.AllowedTypes {
		if slices.Contains(t.RestrictedTypes, a) {
			return fieldErr("AllowedTypes", "{0} is both allowed and restricted.", a)
		}
	}
	switch {
	case t.MaxAttachmentKB < 0 || t.MaxAttachmentKB > MaxAttachmentKBLimit:
		return fieldErr("MaxAttachmentKB", "Enter 0 (no attachments) to 25600 KB.")
	case t.MaxChatsPerIP < 0 || t.MaxChatsPerIP > 1000:
		return fieldErr("MaxChatsPerIP", "Enter 0 (no limit) to 1000.")
	case t.MaxChatsPerVisitor < 0 || t.MaxChatsPerVisitor > 100:
		return fieldErr("MaxChatsPerVisitor", "Enter 0 (no limit) to 100.")
	case t.AgentIdle != 0 && (t.AgentIdle < 10*time.Second || t.AgentIdle > 24*time.Hour || t.AgentIdle%time.Second != 0):
		return fieldErr("AgentIdle", "Enter 10 to 86400 seconds.")
	}
	t.WhosOnAuth, t.WhosOnAPIKey = strings.TrimSpace(t.WhosOnAuth), strings.TrimSpace(t.WhosOnAPIKey)
	switch {
	case len(t.WhosOnAuth) > 200 || strings.ContainsFunc(t.WhosOnAuth, unicode.IsControl):
		return fieldErr("WhosOnAuth", "Enter at most 200 printable characters.")
	case len(t.WhosOnAPIKey) > 200 || strings.ContainsFunc(t.WhosOnAPIKey, unicode.IsControl):
		return fieldErr("WhosOnAPIKey", "Enter at most 200 printable characters.")
	}
	return t.validateTranslation()
}

var langRE = regexp.MustCompile(`^[a-z]{2,3}$`)

// validateTranslation checks and normalises the translation settings.
func (t *TenantSettings) validateTranslation() error {
	t.TranslateURL, t.TranslateAPIKey = strings.TrimSpace(t.TranslateURL), strings.TrimSpace(t.TranslateAPIKey)
	if t.TranslateProvider == "" {
		t.TranslateProvider = translate.LibreTranslate
	}
	if !t.TranslateProvider.Valid() {
		return fieldErr("TranslateProvider", "Choose LibreTranslate or DeepL.")
	}
	if t.TranslateURL != "" {
		u, err := url.Parse(t.TranslateURL)
		if err != nil || len(t.TranslateURL) > 500 || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.ContainsFunc(t.TranslateURL, unicode.IsControl) {
			return fieldErr("TranslateURL", "Enter an http or https address like https://translate.example.com.")
		}
	}
	if len(t.TranslateAPIKey) > 200 || strings.ContainsFunc(t.TranslateAPIKey, unicode.IsControl) {
		return fieldErr("TranslateAPIKey", "Enter at most 200 printable characters.")
	}
	var langs []string
	for _, l := range t.TranslateLanguages {
		l = strings.ToLower(strings.TrimSpace(l))
		if l == "" {
			continue
		}
		if !langRE.MatchString(l) {
			return fieldErr("TranslateLanguages", "\"{0}\" is not a language code like fr.", l)
		}
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	if len(langs) > 50 {
		return fieldErr("TranslateLanguages", "Enter at most 50 languages.")
	}
	t.TranslateLanguages = langs
	if t.TranslateEnabled && t.TranslateURL == "" && t.TranslateProvider.NeedsURL() {
		return fieldErr("TranslateURL", "Enter the translation service's address to turn translation on.")
	}
	if t.TranslateEnabled && t.TranslateAPIKey == "" && t.TranslateProvider.NeedsKey() {
		return fieldErr("TranslateAPIKey", "Enter the service's API key to turn translation on.")
	}
	return nil
}

// AllowsAttachment reports whether a file of that name and size passes the policy. The type
// is read from the cleaned name (shared/filename), as the visitor's widget reads it, so that
// "setup.exe." counts as an exe.
func (t TenantSettings) AllowsAttachment(name string, sizeBytes int64) bool {
	if sizeBytes > int64(t.MaxAttachmentKB)*1024 {
		return false
	}
	return t.AllowsType(filename.Type(name))
}

// AllowsType reports whether files of an extension (lower case, no dot) pass the policy's
// type lists, whatever their size: what an agent may ask a visitor to upload.
func (t TenantSettings) AllowsType(ext string) bool {
	// As in MiCC, the restricted list is only checked when no allowed list is defined.
	if len(t.AllowedTypes) > 0 {
		return slices.Contains(t.AllowedTypes, ext)
	}
	return !slices.Contains(t.RestrictedTypes, ext)
}

// TenantSettings returns the tenant's settings, or the defaults when none were saved.
func (s *Store) TenantSettings(ctx context.Context, tenantID int64) (TenantSettings, error) {
	var row tenantSettingsRow
	err := s.r.WithContext(ctx).Take(&row, "tenant_id = ?", tenantID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return DefaultTenantSettings(tenantID), nil
	}
	if err != nil {
		return TenantSettings{}, wrap("tenant settings", err)
	}
	out, err := row.domain()
	return out, wrap("tenant settings", err)
}

// SaveTenantSettings validates and stores the tenant's settings (insert or replace).
func (s *Store) SaveTenantSettings(ctx context.Context, t TenantSettings) (TenantSettings, error) {
	if err := t.Validate(); err != nil {
		return TenantSettings{}, wrap("save tenant settings", err)
	}
	row, err := tenantSettingsToRow(t)
	if err != nil {
		return TenantSettings{}, wrap("save tenant settings", err)
	}
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&tenantRow{}).Where("id = ?", t.TenantID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return invalid("tenant %d does not exist", t.TenantID)
		}
		return tx.Save(&row).Error
	})
	if err := s.published(err, changes.Setting{Kind: changes.KindTenantSettings, TenantID: t.TenantID}); err != nil {
		return TenantSettings{}, wrap("save tenant settings", err)
	}
	return s.TenantSettings(ctx, t.TenantID)
}

// IPBlock is one entry of a tenant's IP blacklist: a single address or a CIDR range whose
// visitors may not start chats.
type IPBlock struct {
	ID        int64
	TenantID  int64
	Prefix    string // "203.0.113.7" or "203.0.113.0/24" or an IPv6 form, normalised
	Note      string
	CreatedAt time.Time
}

// ParseIPPrefix accepts an address or a CIDR range and returns its canonical form
// ("203.0.113.0/24", "2001:db8::/32", a single address without /32). The error is a
// *RuleError.
func ParseIPPrefix(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return "", rule("\"{0}\" is not an address range like 203.0.113.0/24.", s)
		}
		p = p.Masked()
		if p.IsSingleIP() {
			return p.Addr().String(), nil
		}
		return p.String(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", rule("\"{0}\" is not an IP address like 203.0.113.7.", s)
	}
	return a.Unmap().String(), nil
}

// CreateIPBlock adds an entry to the tenant's blacklist; the same range twice is ErrConflict.
func (s *Store) CreateIPBlock(ctx context.Context, b IPBlock) (IPBlock, error) {
	p, err := ParseIPPrefix(b.Prefix)
	if err != nil {
		return IPBlock{}, wrap("create ip block", fieldRule("Prefix", err))
	}
	b.Note = strings.TrimSpace(b.Note)
	if len(b.Note) > 200 {
		return IPBlock{}, wrap("create ip block", fieldErr("Note", "Use at most 200 characters."))
	}
	row := ipBlockRow{TenantID: b.TenantID, Prefix: p, Note: b.Note, CreatedAt: now()}
	err = s.w.WithContext(ctx).Create(&row).Error
	if err := s.published(err, ipBlocksChange(b.TenantID)); err != nil {
		return IPBlock{}, wrap("create ip block", err)
	}
	return row.domain(), nil
}

// IPBlocks lists the tenant's blacklist in the order it was written.
func (s *Store) IPBlocks(ctx context.Context, tenantID int64) ([]IPBlock, error) {
	var rows []ipBlockRow
	if err := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("ip blocks", err)
	}
	out := make([]IPBlock, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// DeleteIPBlock removes an entry of the tenant's blacklist.
func (s *Store) DeleteIPBlock(ctx context.Context, tenantID, id int64) error {
	res := s.w.WithContext(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Delete(&ipBlockRow{})
	return wrap("delete ip block", s.published(affected(res), ipBlocksChange(tenantID)))
}

// ipBlocksChange is the change of a tenant's blacklist, which is checked as a whole.
func ipBlocksChange(tenantID int64) changes.Setting {
	return changes.Setting{Kind: changes.KindIPBlocks, TenantID: tenantID}
}

// IPBlocked reports whether a visitor address is on the tenant's blacklist; an address that
// does not parse is not blocked (the caller logs it).
func (s *Store) IPBlocked(ctx context.Context, tenantID int64, ip string) (bool, error) {
	addr, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return false, nil
	}
	addr = addr.Unmap()
	list, err := s.IPBlocks(ctx, tenantID)
	if err != nil {
		return false, err
	}
	for _, b := range list {
		if strings.Contains(b.Prefix, "/") {
			if p, err := netip.ParsePrefix(b.Prefix); err == nil && p.Contains(addr) {
				return true, nil
			}
		} else if a, err := netip.ParseAddr(b.Prefix); err == nil && a == addr {
			return true, nil
		}
	}
	return false, nil
}
