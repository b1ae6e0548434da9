// Package presence holds the visitors who are on a tenant's sites now, as their loaders report
// them over /ws/presence: which page, where they came from, since when, whether the browser was
// seen before, and whether an agent invited them into a chat.
//
// The list is ephemeral (memory only: a restart forgets it, and the loaders report again when
// they reconnect) and bounded, because any page on the Internet can open presence sockets: each
// address and each connector has a cap, and a visitor who sends nothing for the idle time is
// dropped. The rules take the time as an argument and do no I/O, so that they are tested with a
// fake clock; the chat service drives them and owns the sockets.
package presence

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
)

// Limits bound the registry. Zero values take the defaults.
type Limits struct {
	// PerAddress is how many visitors one client address (an IPv6 client's /64) may have on one
	// tenant's sites at once (20): enough for a family or an office behind one address, few for
	// a script flooding page views.
	PerAddress int
	// PerConnector is how many visitors one connector lists at once (500); more are refused
	// until some leave, so that the memory of a tenant stays bounded.
	PerConnector int
	// Idle is how long a visitor may send nothing (no page view, no heartbeat) before being
	// dropped (3 minutes; the loader beats every 30 s while its page is visible).
	Idle time.Duration
	// LeftGrace is how long an invited visitor whose page went away may take to come back on
	// the next page of the site before the invitation counts as left unanswered (15 s).
	LeftGrace time.Duration
}

func (l *Limits) defaults() {
	if l.PerAddress <= 0 {
		l.PerAddress = 20
	}
	if l.PerConnector <= 0 {
		l.PerConnector = 500
	}
	if l.Idle <= 0 {
		l.Idle = 3 * time.Minute
	}
	if l.LeftGrace <= 0 {
		l.LeftGrace = 15 * time.Second
	}
}

// Errors of [Registry.Join] and [Registry.Invite].
var (
	ErrAddressFull   = errors.New("presence: too many visitors from this address")
	ErrConnectorFull = errors.New("presence: too many visitors on this connector")
	ErrNotFound      = errors.New("presence: no such visitor on the tenant's sites")
	ErrInvited       = errors.New("presence: the visitor is already invited")
)

// Visitor is one visitor on a site, as the registry keeps them.
type Visitor struct {
	// ID names the visitor to agents; the caller makes it (random, unguessable).
	ID            string
	TenantID      int64
	ConnectorID   int64
	ConnectorName string
	// Address is the client's address bucket (package clientip), for the per-address cap.
	Address string
	// VisitorID is the loader's own id for this browser; Returning says it was found in the
	// page's storage rather than made now.
	VisitorID string
	Returning bool
	Page      string
	Title     string
	Referrer  string
	// Lang is the visitor's language as the loader reported it (a base language, "" when
	// unknown).
	Lang     string
	Since    time.Time
	LastSeen time.Time
	// Chat is the proactive chat the visitor was invited into, until they answer, dismiss or
	// leave.
	Chat string
	// Talking is the proactive chat the visitor answered, while it is open: they are not
	// invited again meanwhile.
	Talking string
	// goneAt is when the invited visitor's page went away (zero while connected).
	goneAt time.Time
}

// Left is an invited visitor who went away without answering.
type Left struct {
	ID   string
	Chat string
}

// Registry is the visitors online, per tenant. It is safe for concurrent use.
type Registry struct {
	lim Limits

	mu      sync.Mutex
	byID    map[string]*Visitor
	byConn  map[int64]int
	byAddr  map[addrKey]int
	byChat  map[string]string // invited chat -> visitor id
	byTalk  map[string]string // answered chat -> visitor id
	tenants map[int64]map[string]*Visitor
	dirty   map[int64]bool
}

type addrKey struct {
	tenant int64
	addr   string
}

// New returns an empty registry with the given limits.
func New(lim Limits) *Registry {
	lim.defaults()
	return &Registry{lim: lim, byID: map[string]*Visitor{}, byConn: map[int64]int{}, byAddr: map[addrKey]int{},
		byChat: map[string]string{}, byTalk: map[string]string{}, tenants: map[int64]map[string]*Visitor{}, dirty: map[int64]bool{}}
}

// Limits returns the limits in force, defaults applied.
func (r *Registry) Limits() Limits { return r.lim }

// Join adds a visitor whose loader reported its first page view at now. A visitor invited
// earlier who moved to another page of the site is taken up again, whether the old page's
// socket went away already or not (a browser may open the next page before it closes the
// last): the returned id is theirs, and their invitation goes on on the new page. Join refuses
// a visitor over the address's or the connector's cap.
func (r *Registry) Join(now time.Time, v Visitor) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v.Page, v.Title, v.Referrer = clip(v.Page, limits.URLRunes), clip(v.Title, limits.NameRunes*2), clip(v.Referrer, limits.URLRunes)
	if v.VisitorID != "" {
		for _, o := range r.tenants[v.TenantID] {
			if (!o.goneAt.IsZero() || o.Chat != "") && o.ConnectorID == v.ConnectorID && o.VisitorID == v.VisitorID && o.Address == v.Address {
				o.goneAt = time.Time{}
				o.Page, o.Title, o.Referrer, o.LastSeen = v.Page, v.Title, v.Referrer, now
				if v.Lang != "" {
					o.Lang = v.Lang
				}
				r.dirty[o.TenantID] = true
				return o.ID, nil
			}
		}
	}
	ak := addrKey{v.TenantID, v.Address}
	if r.byAddr[ak] >= r.lim.PerAddress {
		return "", ErrAddressFull
	}
	if r.byConn[v.ConnectorID] >= r.lim.PerConnector {
		return "", ErrConnectorFull
	}
	v.Since, v.LastSeen, v.Chat, v.goneAt = now, now, "", time.Time{}
	nv := v
	r.byID[v.ID] = &nv
	r.byAddr[ak]++
	r.byConn[v.ConnectorID]++
	t := r.tenants[v.TenantID]
	if t == nil {
		t = map[string]*Visitor{}
		r.tenants[v.TenantID] = t
	}
	t[v.ID] = &nv
	r.dirty[v.TenantID] = true
	return v.ID, nil
}

// View records the visitor's move to another page.
func (r *Registry) View(now time.Time, id, page, title, referrer string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v := r.byID[id]; v != nil {
		v.Page, v.Title, v.Referrer = clip(page, limits.URLRunes), clip(title, limits.NameRunes*2), clip(referrer, limits.URLRunes)
		v.LastSeen = now
		r.dirty[v.TenantID] = true
	}
}

// Beat records a heartbeat: the visitor's page is still open and visible.
func (r *Registry) Beat(now time.Time, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v := r.byID[id]; v != nil {
		v.LastSeen = now
	}
}

// Disconnect records that the visitor's page went away at now. A visitor with an open
// invitation is kept for the grace time, in case the next page of the site reports them again;
// anyone else is forgotten at once.
func (r *Registry) Disconnect(now time.Time, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := r.byID[id]
	if v == nil {
		return
	}
	if v.Chat != "" {
		v.goneAt = now
		r.dirty[v.TenantID] = true
		return
	}
	r.remove(v)
}

// Invite marks the visitor of the tenant invited into chat. A visitor of another tenant is
// not found, as an unknown one.
func (r *Registry) Invite(tenantID int64, id, chat string) (Visitor, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := r.byID[id]
	if v == nil || v.TenantID != tenantID || !v.goneAt.IsZero() {
		return Visitor{}, ErrNotFound
	}
	if v.Chat != "" || v.Talking != "" {
		return Visitor{}, ErrInvited
	}
	v.Chat = chat
	r.byChat[chat] = id
	r.dirty[v.TenantID] = true
	return *v, nil
}

// Invited returns the visitor invited into chat, if the invitation is open.
func (r *Registry) Invited(chat string) (Visitor, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v := r.byID[r.byChat[chat]]; v != nil {
		return *v, true
	}
	return Visitor{}, false
}

// Answered ends the invitation into chat because the visitor wrote in it: the visitor is
// listed as talking in that chat until it ends ([Registry.EndInvite]), and is not invited
// again meanwhile. It reports false when the invitation was over already.
func (r *Registry) Answered(chat string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.byChat[chat]
	if !ok {
		return false
	}
	delete(r.byChat, chat)
	if v := r.byID[id]; v != nil {
		v.Chat, v.Talking = "", chat
		r.byTalk[chat] = id
		r.dirty[v.TenantID] = true
		if !v.goneAt.IsZero() {
			r.remove(v)
		}
	}
	return true
}

// EndInvite ends the invitation into chat, or the chat the visitor answered (dismissed,
// closed): the visitor is listed as any other again, or forgotten when their page is gone. It
// reports the visitor's id, and false when there was no such open invitation (it ended
// already, or the visitor had answered it).
func (r *Registry) EndInvite(chat string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.byTalk[chat]; ok {
		delete(r.byTalk, chat)
		if v := r.byID[id]; v != nil && v.Talking == chat {
			v.Talking = ""
			r.dirty[v.TenantID] = true
		}
		return id, false
	}
	id, ok := r.byChat[chat]
	if !ok {
		return "", false
	}
	delete(r.byChat, chat)
	if v := r.byID[id]; v != nil {
		v.Chat = ""
		r.dirty[v.TenantID] = true
		if !v.goneAt.IsZero() {
			r.remove(v)
		}
	}
	return id, true
}

// Sweep drops the visitors idle since before now-Idle (their sockets are to be closed: idle
// lists their ids) and the invited visitors gone for longer than the grace time (left lists
// them with their chat, which ended unanswered).
func (r *Registry) Sweep(now time.Time) (idle []string, left []Left) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.byID {
		switch {
		case !v.goneAt.IsZero():
			if now.Sub(v.goneAt) >= r.lim.LeftGrace {
				left = append(left, Left{ID: v.ID, Chat: v.Chat})
				delete(r.byChat, v.Chat)
				r.remove(v)
			}
		case now.Sub(v.LastSeen) >= r.lim.Idle:
			idle = append(idle, v.ID)
			if v.Chat != "" {
				// Still invited: kept for the grace time, as a page that went away.
				v.goneAt = now
				r.dirty[v.TenantID] = true
				continue
			}
			r.remove(v)
		}
	}
	slices.Sort(idle)
	slices.SortFunc(left, func(a, b Left) int { return strings.Compare(a.ID, b.ID) })
	return idle, left
}

// DropConnector forgets every visitor of a connector (its presence was switched off or it was
// deleted) and returns their ids, whose sockets are to be closed, and the open invitations,
// which end.
func (r *Registry) DropConnector(connectorID int64) (ids []string, chats []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.byID {
		if v.ConnectorID != connectorID {
			continue
		}
		ids = append(ids, v.ID)
		if v.Chat != "" {
			chats = append(chats, v.Chat)
			delete(r.byChat, v.Chat)
		}
		r.remove(v)
	}
	slices.Sort(ids)
	slices.Sort(chats)
	return ids, chats
}

// remove forgets v. Caller holds r.mu.
func (r *Registry) remove(v *Visitor) {
	delete(r.byID, v.ID)
	if v.Talking != "" {
		delete(r.byTalk, v.Talking)
	}
	ak := addrKey{v.TenantID, v.Address}
	if r.byAddr[ak]--; r.byAddr[ak] <= 0 {
		delete(r.byAddr, ak)
	}
	if r.byConn[v.ConnectorID]--; r.byConn[v.ConnectorID] <= 0 {
		delete(r.byConn, v.ConnectorID)
	}
	if t := r.tenants[v.TenantID]; t != nil {
		delete(t, v.ID)
		if len(t) == 0 {
			delete(r.tenants, v.TenantID)
		}
	}
	r.dirty[v.TenantID] = true
}

// Online lists a tenant's visitors whose pages are open, newest first, at most
// [protocol.MaxOnlineVisitors].
func (r *Registry) Online(tenantID int64) []protocol.OnlineVisitor {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]protocol.OnlineVisitor, 0, len(r.tenants[tenantID]))
	for _, v := range r.tenants[tenantID] {
		if !v.goneAt.IsZero() {
			continue
		}
		out = append(out, protocol.OnlineVisitor{ID: v.ID, Connector: v.ConnectorName, Page: v.Page, Title: v.Title,
			Referrer: v.Referrer, Since: v.Since, Returning: v.Returning, Lang: v.Lang, Chat: v.Chat, InChat: v.Talking})
	}
	slices.SortFunc(out, func(a, b protocol.OnlineVisitor) int {
		if c := b.Since.Compare(a.Since); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if len(out) > protocol.MaxOnlineVisitors {
		out = out[:protocol.MaxOnlineVisitors]
	}
	return out
}

// TakeDirty returns the tenants whose list changed since the last call, in order, so that
// their agents get one update for many changes.
func (r *Registry) TakeDirty() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]int64, 0, len(r.dirty))
	for t := range r.dirty {
		out = append(out, t)
	}
	clear(r.dirty)
	slices.Sort(out)
	return out
}

// Len is how many visitors the registry holds, for metrics and tests.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byID)
}

// clip shortens s to at most n runes of valid UTF-8 without NUL, since loaders are not trusted.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
