package archive

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// States are the chat states a list may be filtered by, in the order a form offers them.
var States = []string{"queued", "offered", "active", "closed"}

// ErrBadCursor: a page cursor that this package did not make (edited by hand, cut off).
var ErrBadCursor = errors.New("that page link is not valid any more; start from the first page")

// FilterError is a filter value that cannot be read; Field names the form field and the
// message says what to write instead.
type FilterError struct {
	Field, Message string
}

func (e *FilterError) Error() string { return e.Field + ": " + e.Message }

// Form is what a list or search request asks for: the filter, the search text (empty: a list
// of chats) and where the page starts. It is read from query parameters by [ParseFilter] and
// written back by [Form.Values], so that a page link, a CSV link and the form agree.
type Form struct {
	Filter store.ArchiveFilter
	// From and To are the dates as written (YYYY-MM-DD), To inclusive.
	From, To string
	Query    string
	After    string
}

// ParseFilter reads a list's filters for tenantID from query parameters: from and to (dates,
// YYYY-MM-DD, in loc; to includes its whole day), connector (repeatable), group, agent,
// state (repeatable), visitor (part of a name or e-mail address), rating_min and rating_max
// (1 to 10 stars, either may be left out: "rated 2 or lower" is rating_max=2), tag and
// outcome (ids, repeatable, any of them), contact (an id), q (the search) and after (the
// page cursor, checked later). A value that cannot be read is a *FilterError naming the
// field. Ids are not checked against the tenant's lists here: the store confines every
// filter to the tenant, so another tenant's id finds nothing.
func ParseFilter(v url.Values, tenantID int64, loc *time.Location) (Form, error) {
	if loc == nil {
		loc = time.UTC
	}
	f := Form{Filter: store.ArchiveFilter{TenantID: tenantID}}
	f.From, f.To = strings.TrimSpace(v.Get("from")), strings.TrimSpace(v.Get("to"))
	if f.From != "" {
		d, err := time.ParseInLocation(time.DateOnly, f.From, loc)
		if err != nil {
			return f, &FilterError{"from", "write a date as YYYY-MM-DD"}
		}
		f.Filter.From = d
	}
	if f.To != "" {
		d, err := time.ParseInLocation(time.DateOnly, f.To, loc)
		if err != nil {
			return f, &FilterError{"to", "write a date as YYYY-MM-DD"}
		}
		f.Filter.To = d.AddDate(0, 0, 1)
	}
	if !f.Filter.From.IsZero() && !f.Filter.To.IsZero() && !f.Filter.From.Before(f.Filter.To) {
		return f, &FilterError{"to", "the last day is before the first"}
	}
	var err error
	if f.Filter.ConnectorIDs, err = idList(v["connector"]); err != nil {
		return f, &FilterError{"connector", "choose a connector from the list"}
	}
	if f.Filter.GroupID, err = optionalID(v.Get("group")); err != nil {
		return f, &FilterError{"group", "choose a group from the list"}
	}
	if f.Filter.AgentID, err = optionalID(v.Get("agent")); err != nil {
		return f, &FilterError{"agent", "choose an agent from the list"}
	}
	for _, s := range v["state"] {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !slices.Contains(States, s) {
			return f, &FilterError{"state", "choose a state from the list"}
		}
		f.Filter.States = append(f.Filter.States, s)
	}
	f.Filter.Visitor = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(v.Get("visitor"), "\x00", ""), ""))
	if len(f.Filter.Visitor) > 200 {
		return f, &FilterError{"visitor", "use at most 200 characters"}
	}
	if f.Filter.RatingMin, err = rating(v.Get("rating_min")); err != nil {
		return f, &FilterError{"rating_min", "choose a rating from 1 to 10"}
	}
	if f.Filter.RatingMax, err = rating(v.Get("rating_max")); err != nil {
		return f, &FilterError{"rating_max", "choose a rating from 1 to 10"}
	}
	if f.Filter.RatingMin > 0 && f.Filter.RatingMax > 0 && f.Filter.RatingMin > f.Filter.RatingMax {
		return f, &FilterError{"rating_max", "the highest rating is below the lowest"}
	}
	if f.Filter.TagIDs, err = idList(v["tag"]); err != nil {
		return f, &FilterError{"tag", "choose tags from the list"}
	}
	if f.Filter.OutcomeIDs, err = idList(v["outcome"]); err != nil {
		return f, &FilterError{"outcome", "choose an outcome from the list"}
	}
	if f.Filter.ContactID, err = optionalID(v.Get("contact")); err != nil {
		return f, &FilterError{"contact", "open the list from a contact's page"}
	}
	f.Query = strings.TrimSpace(v.Get("q"))
	f.After = v.Get("after")
	return f, nil
}

// optionalID reads an id field that may be empty (0).
func optionalID(s string) (int64, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0, fmt.Errorf("bad id %q", s)
	}
	return id, nil
}

// maxListIDs bounds how many ids one repeatable filter takes: more than any list a tenant
// keeps, few enough for one query.
const maxListIDs = 200

// idList reads a repeatable id field: positive ids, empty values skipped, repeats dropped.
func idList(vals []string) ([]int64, error) {
	var out []int64
	for _, s := range vals {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("bad id %q", s)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
		if len(out) > maxListIDs {
			return nil, fmt.Errorf("more than %d ids", maxListIDs)
		}
	}
	return out, nil
}

// rating reads a rating bound: empty (0) or 1..[store.MaxRating].
func rating(s string) (int, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > store.MaxRating {
		return 0, fmt.Errorf("bad rating %q", s)
	}
	return n, nil
}

// Values is the form as query parameters, without the cursor: the link of its first page.
func (f Form) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("from", f.From)
	set("to", f.To)
	for _, id := range f.Filter.ConnectorIDs {
		v.Add("connector", strconv.FormatInt(id, 10))
	}
	if f.Filter.GroupID != 0 {
		v.Set("group", strconv.FormatInt(f.Filter.GroupID, 10))
	}
	if f.Filter.AgentID != 0 {
		v.Set("agent", strconv.FormatInt(f.Filter.AgentID, 10))
	}
	for _, s := range f.Filter.States {
		v.Add("state", s)
	}
	set("visitor", f.Filter.Visitor)
	if f.Filter.RatingMin > 0 {
		v.Set("rating_min", strconv.Itoa(f.Filter.RatingMin))
	}
	if f.Filter.RatingMax > 0 {
		v.Set("rating_max", strconv.Itoa(f.Filter.RatingMax))
	}
	for _, id := range f.Filter.TagIDs {
		v.Add("tag", strconv.FormatInt(id, 10))
	}
	for _, id := range f.Filter.OutcomeIDs {
		v.Add("outcome", strconv.FormatInt(id, 10))
	}
	if f.Filter.ContactID != 0 {
		v.Set("contact", strconv.FormatInt(f.Filter.ContactID, 10))
	}
	set("q", f.Query)
	return v
}

// Cursor is the page cursor after chat c, for links: opaque, URL-safe.
func Cursor(c store.Chat) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "|" + c.ID))
}

// ParseCursor reads a cursor [Cursor] made; "" is the first page.
func ParseCursor(s string) (store.ArchiveCursor, error) {
	if s == "" {
		return store.ArchiveCursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.ArchiveCursor{}, ErrBadCursor
	}
	micros, id, ok := strings.Cut(string(b), "|")
	us, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil || id == "" {
		return store.ArchiveCursor{}, ErrBadCursor
	}
	return store.ArchiveCursor{CreatedAt: time.UnixMicro(us).UTC(), ID: id}, nil
}

// SearchCursor wraps the store's cursor after a search hit for links.
func SearchCursor(h store.SearchHit) string {
	return base64.RawURLEncoding.EncodeToString([]byte(h.Next))
}

// ParseSearchCursor reads a cursor [SearchCursor] made; "" is the first page.
func ParseSearchCursor(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > 200 {
		return "", ErrBadCursor
	}
	return string(b), nil
}

// InScope reports whether chat ch, with its participants and the ACD group of its connector,
// is within what scope lets its holder see (nil: everything of the tenant): the same rule
// the store applies to lists, for opening one chat by its id.
func InScope(scope *store.ArchiveScope, ch store.Chat, parts []store.Participant, group int64) bool {
	if scope == nil {
		return true
	}
	if scope.UserID != 0 && TookPart(scope.UserID, ch, parts) {
		return true
	}
	return group != 0 && slices.Contains(scope.GroupIDs, group)
}

// TookPart reports whether user took part in ch as an agent: its owner, or a participant
// other than the visitor.
func TookPart(user int64, ch store.Chat, parts []store.Participant) bool {
	if ch.AgentID == user {
		return true
	}
	return slices.ContainsFunc(parts, func(p store.Participant) bool {
		return p.UserID == user && p.Role != store.ParticipantVisitor
	})
}

// ScopeFor is what user u may see of their tenant's archive in the agent app: an
// administrator everything (nil), a supervisor their own chats and those of their ACD
// groups, an agent only the chats they took part in.
func ScopeFor(u store.User) *store.ArchiveScope {
	switch u.Role {
	case store.RoleSuperAdmin, store.RoleAdmin:
		return nil
	case store.RoleSupervisor:
		return &store.ArchiveScope{UserID: u.ID, GroupIDs: slices.Clone(u.Groups)}
	}
	return &store.ArchiveScope{UserID: u.ID}
}
