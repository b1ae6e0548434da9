package agentapi

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/archive"
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
				Internal: hit.Message.Internal, Snippet: archive.Snippet(hit.Message.Text, terms)})
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

// archiveChat answers one chat's transcript to someone who may read it ([transcript.MayRead],
// or a supervisor of the chat's group); anyone else is told it does not exist.
func (h handlers) archiveChat(c *fiber.Ctx, as ArchiveStore) error {
	u, ok := h.signedIn(c)
	if !ok {
		return nil
	}
	ctx := c.UserContext()
	notFound := func() error { return apiError(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such chat") }
	ch, err := h.st.Chat(ctx, strings.Clone(c.Params("id")))
	if errors.Is(err, store.ErrNotFound) || (err == nil && ch.TenantID != u.TenantID && u.Role != store.RoleSuperAdmin) {
		return notFound()
	}
	if err != nil {
		return h.archiveFailed(c, err)
	}
	parts, err := as.Participants(ctx, ch.ID)
	if err != nil {
		return h.archiveFailed(c, err)
	}
	if !transcript.MayRead(u, ch, parts) {
		return notFound()
	}
	tr, err := transcript.Load(ctx, h.st, ch, time.Now())
	if err != nil {
		return h.archiveFailed(c, err)
	}
	names, err := archiveNames(ctx, as, ch.TenantID)
	if err != nil {
		return h.archiveFailed(c, err)
	}
	out := api.ArchiveTranscript{Chat: archiveChatOf(ch, names), Lines: make([]api.ArchiveLine, 0, len(tr.Lines))}
	for _, l := range tr.Lines {
		out.Lines = append(out.Lines, api.ArchiveLine{Sender: l.Sender, Role: string(l.Role), At: l.At, Text: l.Text, File: l.File,
			System: l.Kind == transcript.LineSystem, Internal: l.Internal})
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(out)
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
