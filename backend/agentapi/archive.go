package agentapi

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/archive"
	"github.com/parleychat/parley/backend/audit"
	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/transcript"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// ArchiveStore is what the history needs besides [Store]; *store.Store has it.
type ArchiveStore interface {
	ArchiveChats(ctx context.Context, f store.ArchiveFilter, after store.ArchiveCursor, limit int) ([]store.Chat, error)
	SearchMessages(ctx context.Context, f store.ArchiveFilter, terms []string, after string, limit int) ([]store.SearchHit, error)
	Participants(ctx context.Context, chatID string) ([]store.Participant, error)
	Connectors(ctx context.Context, tenantID int64) ([]store.Connector, error)
	Users(ctx context.Context, tenantID int64) ([]store.User, error)
}

// archivePageSize is how many chats or hits one page of the history holds.
const archivePageSize = 30

// registerArchive mounts the history when the store can serve it.
func (h handlers) registerArchive(g fiber.Router) {
	as, ok := h.st.(ArchiveStore)
	if !ok {
		return
	}
	g.Get(strings.TrimPrefix(api.ArchivePath, "/api"), func(c *fiber.Ctx) error { return h.archiveList(c, as) })
	g.Get(strings.TrimPrefix(api.ArchiveChatPath, "/api")+":id", func(c *fiber.Ctx) error { return h.archiveChat(c, as) })
	// Changing a chat's classification is recorded in the audit log; without one, it is not
	// offered.
	rs, ok := h.st.(relabelStore)
	if !ok {
		return
	}
	rec := h.audited(rs)
	g.Post(strings.TrimPrefix(api.ArchiveChatPath, "/api")+":id"+api.ArchiveLabelsSuffix, rec, func(c *fiber.Ctx) error { return h.archiveRelabel(c, as, rs) })
}

// audited records the requests it guards in the audit log, as the signed-in user's.
func (h handlers) audited(rec audit.Recorder) fiber.Handler {
	return audit.Middleware(audit.Options{Recorder: rec, Prefix: "/api/", Logger: h.opts.Logger, Who: func(c *fiber.Ctx) audit.Actor {
		u, err := h.st.SessionUser(c.UserContext(), session.Token(c))
		if err != nil {
			return audit.Actor{}
		}
		return audit.Actor{TenantID: u.TenantID, UserID: u.ID, Login: u.Login, Role: u.Role}
	}})
}

// relabelStore is what changing a chat's tags and outcome needs; *store.Store has it.
type relabelStore interface {
	audit.Recorder
	archive.Labeller
	ChatTags(ctx context.Context, tenantID int64, chatID string) ([]int64, error)
}

// archiveRelabel changes the tags and, once it is closed, the outcome of a chat the user took
// part in (an administrator: any chat of the tenant), from a form (tag repeated, outcome).
// A chat the user may not open is not found; one they may open but did not handle is
// forbidden.
func (h handlers) archiveRelabel(c *fiber.Ctx, as ArchiveStore, rs relabelStore) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	ctx := c.UserContext()
	ch, parts, ok, err := h.archiveOpen(c, as, u)
	if !ok || err != nil {
		return err
	}
	admin := u.Role == store.RoleAdmin || u.Role == store.RoleSuperAdmin
	if !admin && !archive.TookPart(u.ID, ch, parts) {
		return apiError(c, fiber.StatusForbidden, protocol.CodeForbidden, "only the agents who handled the chat may change its tags and outcome")
	}
	v, err := url.ParseQuery(string(c.Body()))
	if err != nil {
		return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, "send the tags and outcome as a form")
	}
	r, err := archive.ParseRelabel(v)
	if err == nil {
		err = r.Apply(ctx, rs, ch, u.ID, time.Now())
	}
	var fe *archive.FilterError
	switch {
	case errors.As(err, &fe):
		return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, fe.Error())
	case errors.Is(err, store.ErrNotFound):
		return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, "tag: choose tags from the list")
	case err != nil:
		return h.archiveFailed(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// archiveList answers a page of the signed-in user's history: what [archive.ScopeFor] lets
// them see of their tenant, filtered, or the messages matching a search.
func (h handlers) archiveList(c *fiber.Ctx, as ArchiveStore) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	if u.TenantID == 0 {
		return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, "the history is a tenant's: sign in as one of its users")
	}
	ctx := c.UserContext()
	v, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	form, err := archive.ParseFilter(v, u.TenantID, time.UTC)
	if err != nil {
		return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, err.Error())
	}
	form.Filter.Scope = archive.ScopeFor(u)
	names, err := archiveNames(ctx, as, u.TenantID)
	if err != nil {
		return h.archiveFailed(c, err)
	}
	out := api.Archive{Chats: []api.ArchiveChat{}, Hits: []api.ArchiveHit{}}
	if form.Query != "" {
		terms, err := archive.Terms(form.Query)
		if err != nil {
			return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, err.Error())
		}
		after, err := archive.ParseSearchCursor(form.After)
		if err != nil {
			return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, err.Error())
		}
		hits, err := as.SearchMessages(ctx, form.Filter, terms, after, archivePageSize)
		if errors.Is(err, store.ErrInvalid) {
			return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, archive.ErrBadCursor.Error())
		}
		if err != nil {
			return h.archiveFailed(c, err)
		}
		for _, hit := range hits {
			out.Hits = append(out.Hits, api.ArchiveHit{Chat: archiveChatOf(hit.Chat, names), Name: hit.Message.Name, At: hit.Message.At,
				Internal: hit.Message.Internal, Snippet: archive.Snippet(archive.HitText(hit.Message), terms)})
		}
		if len(hits) == archivePageSize {
			out.Next = archive.SearchCursor(hits[len(hits)-1])
		}
		return c.JSON(out)
	}
	after, err := archive.ParseCursor(form.After)
	if err != nil {
		return apiError(c, fiber.StatusBadRequest, protocol.CodeInvalid, err.Error())
	}
	chats, err := as.ArchiveChats(ctx, form.Filter, after, archivePageSize)
	if err != nil {
		return h.archiveFailed(c, err)
	}
	for _, ch := range chats {
		out.Chats = append(out.Chats, archiveChatOf(ch, names))
	}
	if len(chats) == archivePageSize {
		out.Next = archive.Cursor(chats[len(chats)-1])
	}
	return c.JSON(out)
}

// archiveChat answers one chat's transcript, with its tags and outcome, to someone who may
// open it (see [handlers.archiveOpen]); anyone else is told it does not exist.
func (h handlers) archiveChat(c *fiber.Ctx, as ArchiveStore) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	ctx := c.UserContext()
	ch, parts, ok, err := h.archiveOpen(c, as, u)
	if !ok || err != nil {
		return err
	}
	tr, err := transcript.Load(ctx, h.st, ch, time.Now(), readerLang(c, u))
	if err != nil {
		return h.archiveFailed(c, err)
	}
	names, err := archiveNames(ctx, as, ch.TenantID)
	if err != nil {
		return h.archiveFailed(c, err)
	}
	out := api.ArchiveTranscript{Chat: archiveChatOf(ch, names), Lines: make([]api.ArchiveLine, 0, len(tr.Lines)), Outcome: ch.OutcomeID,
		ConnectorID: ch.ConnectorID, Fields: ch.Fields,
		MayRelabel: u.Role == store.RoleAdmin || u.Role == store.RoleSuperAdmin || archive.TookPart(u.ID, ch, parts)}
	if rs, ok := h.st.(relabelStore); ok {
		if out.Tags, err = rs.ChatTags(ctx, ch.TenantID, ch.ID); err != nil {
			return h.archiveFailed(c, err)
		}
	} else {
		out.MayRelabel = false
	}
	for _, l := range tr.Lines {
		out.Lines = append(out.Lines, api.ArchiveLine{Sender: l.Sender, Role: string(l.Role), At: l.At, Text: l.Text, File: l.File,
			System: l.Kind == transcript.LineSystem, Internal: l.Internal, Lang: l.Lang, Translation: l.Translation, TranslationLang: l.TranslationLang})
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(out)
}

// archiveOpen loads the chat named in the path for u when u may open it: when
// [transcript.MayRead] lets them and the chat is within their history's scope
// ([archive.ScopeFor]: an agent's own chats, a supervisor's and their groups'). Any other
// chat, of the tenant or not, is answered as not found (ok false, the response written), so
// that no one learns which chats exist.
func (h handlers) archiveOpen(c *fiber.Ctx, as ArchiveStore, u store.User) (store.Chat, []store.Participant, bool, error) {
	ctx := c.UserContext()
	notFound := func() error { return apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such chat") }
	ch, err := h.st.Chat(ctx, strings.Clone(c.Params("id")))
	if errors.Is(err, store.ErrNotFound) || (err == nil && ch.TenantID != u.TenantID && u.Role != store.RoleSuperAdmin) {
		return ch, nil, false, notFound()
	}
	if err != nil {
		return ch, nil, false, h.archiveFailed(c, err)
	}
	parts, err := as.Participants(ctx, ch.ID)
	if err != nil {
		return ch, nil, false, h.archiveFailed(c, err)
	}
	if !transcript.MayRead(u, ch, parts) {
		return ch, nil, false, notFound()
	}
	var group int64
	if scope := archive.ScopeFor(u); scope != nil && len(scope.GroupIDs) > 0 && !archive.TookPart(u.ID, ch, parts) {
		conns, err := as.Connectors(ctx, ch.TenantID)
		if err != nil {
			return ch, nil, false, h.archiveFailed(c, err)
		}
		for _, k := range conns {
			if k.ID == ch.ConnectorID {
				group = k.GroupID
			}
		}
	}
	if u.Role != store.RoleSuperAdmin && !archive.InScope(archive.ScopeFor(u), ch, parts, group) {
		return ch, nil, false, notFound()
	}
	return ch, parts, true, nil
}

func (h handlers) archiveFailed(c *fiber.Ctx, err error) error {
	h.opts.Logger.Error("archive", "err", err)
	return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the history could not be read; try again")
}

// archiveNames reads the tenant's connector and agent names for the list.
func archiveNames(ctx context.Context, as ArchiveStore, tenantID int64) (archive.Names, error) {
	n := archive.Names{Connectors: map[int64]string{}, Agents: map[int64]string{}}
	conns, err := as.Connectors(ctx, tenantID)
	if err != nil {
		return n, err
	}
	for _, k := range conns {
		n.Connectors[k.ID] = k.Name
	}
	users, err := as.Users(ctx, tenantID)
	if err != nil {
		return n, err
	}
	for _, u := range users {
		n.Agents[u.ID] = u.Name
	}
	return n, nil
}

func archiveChatOf(ch store.Chat, n archive.Names) api.ArchiveChat {
	out := api.ArchiveChat{ID: ch.ID, Visitor: ch.VisitorName, Email: ch.VisitorEmail, Connector: n.Connectors[ch.ConnectorID],
		Agent: n.Agents[ch.AgentID], State: ch.State, CreatedAt: ch.CreatedAt}
	if ch.ClosedAt != nil {
		out.ClosedAt = *ch.ClosedAt
	}
	return out
}
