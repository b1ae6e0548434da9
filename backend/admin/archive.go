package admin

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/archive"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/transcript"
	"github.com/parleychat/parley/shared/survey"
)

// archivePage is how many chats or search hits one page of the archive shows.
const archivePage = 50

// registerArchive mounts the archive: the chat list with its filters and search, one chat's
// transcript, and the exports. Supervisors and administrators see every chat of their tenant.
func (h *handlers) registerArchive(g fiber.Router, sup fiber.Handler) {
	g.Get("/chats", sup, h.archiveList)
	g.Get("/chats/export.csv", sup, h.archiveExport)
	g.Get("/chats/export.json", sup, h.archiveExport)
	g.Get("/chats/:id/transcript.pdf", sup, h.archivePDF)
	g.Get("/chats/:id", sup, h.archiveChat)
	g.Post("/chats/:id/labels", sup, h.archiveRelabel)
}

// archiveData is what the chat list page shows.
type archiveData struct {
	Form     archive.Form
	Error    string // a filter or search that could not be read, in words
	Field    string // the form field Error is about
	Chats    []store.Chat
	Hits     []archiveHit
	Terms    []string
	Next     string // the link of the next page; "" on the last
	Export   string // the query of the export links
	Names    archive.Names
	Groups   []store.ACDGroup
	Agents   []store.User
	Conns    []store.Connector
	Tags     []store.Label
	Outcomes []store.Label
	// Contact names the contact the list is narrowed to, when it is.
	Contact  string
	Location *time.Location
}

// archiveHit is a search hit with its snippet, already escaped and marked.
type archiveHit struct {
	Hit     store.SearchHit
	Snippet string
}

// archiveList shows the tenant's chats newest first, filtered, or, with a search text, the
// messages that contain it with the words marked.
func (h *handlers) archiveList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tenant := current(c).Tenant
	d, err := h.archiveLookups(c)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	bad := func(field, msg string) {
		d.Field, d.Error, status = field, msg, fiber.StatusBadRequest
	}
	form, err := archive.ParseFilter(queryValues(c), tenant.ID, d.Location)
	d.Form = form
	if id := form.Filter.ContactID; id != 0 && err == nil {
		// Another tenant's contact or a merged-away one lists no chats under a plain number.
		d.Contact = "#" + i64(id)
		if k, cerr := h.st.Contact(ctx, tenant.ID, id); cerr == nil {
			d.Contact = cmp.Or(k.Name, k.Email, d.Contact)
		}
	}
	var fe *archive.FilterError
	switch {
	case errors.As(err, &fe):
		bad(fe.Field, fe.Message)
	case form.Query != "":
		terms, err := archive.Terms(form.Query)
		if err != nil {
			bad("q", err.Error())
			break
		}
		d.Terms = terms
		after, err := archive.ParseSearchCursor(form.After)
		if err != nil {
			bad("after", err.Error())
			break
		}
		hits, err := h.st.SearchMessages(ctx, form.Filter, terms, after, archivePage)
		if errors.Is(err, store.ErrInvalid) {
			bad("after", archive.ErrBadCursor.Error())
			break
		}
		if err != nil {
			return err
		}
		for _, hit := range hits {
			d.Hits = append(d.Hits, archiveHit{Hit: hit, Snippet: archive.Snippet(archive.HitText(hit.Message), terms)})
		}
		if len(hits) == archivePage {
			d.Next = nextLink(form, archive.SearchCursor(hits[len(hits)-1]))
		}
	default:
		after, err := archive.ParseCursor(form.After)
		if err != nil {
			bad("after", err.Error())
			break
		}
		chats, err := h.st.ArchiveChats(ctx, form.Filter, after, archivePage)
		if err != nil {
			return err
		}
		d.Chats = chats
		if len(chats) == archivePage {
			d.Next = nextLink(form, archive.Cursor(chats[len(chats)-1]))
		}
	}
	exp := form.Values()
	exp.Del("q")
	d.Export = exp.Encode()
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return render(c, status, archiveListPage(h.page(c, "Chats", "chats"), d))
}

// queryValues is the request's query string as url.Values (repeated keys kept).
func queryValues(c *fiber.Ctx) url.Values {
	v, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return url.Values{}
	}
	return v
}

// nextLink is the address of the page after cursor.
func nextLink(f archive.Form, cursor string) string {
	v := f.Values()
	v.Set("after", cursor)
	return "/admin/chats?" + v.Encode()
}

// archiveLookups reads the names the archive shows and offers as filters.
func (h *handlers) archiveLookups(c *fiber.Ctx) (archiveData, error) {
	ctx := c.UserContext()
	tenant := current(c).Tenant
	d := archiveData{Location: time.UTC, Names: archive.Names{Connectors: map[int64]string{}, Agents: map[int64]string{}}}
	if loc, err := time.LoadLocation(tenant.TimeZone); err == nil && tenant.TimeZone != "" {
		d.Location = loc
	}
	var err error
	if d.Conns, err = h.st.Connectors(ctx, tenant.ID); err != nil {
		return d, err
	}
	if d.Groups, err = h.st.Groups(ctx, tenant.ID); err != nil {
		return d, err
	}
	if d.Agents, err = h.st.Users(ctx, tenant.ID); err != nil {
		return d, err
	}
	if d.Tags, err = h.st.Labels(ctx, store.LabelTag, tenant.ID); err != nil {
		return d, err
	}
	if d.Outcomes, err = h.st.Labels(ctx, store.LabelOutcome, tenant.ID); err != nil {
		return d, err
	}
	for _, k := range d.Conns {
		d.Names.Connectors[k.ID] = k.Name
	}
	for _, u := range d.Agents {
		d.Names.Agents[u.ID] = u.Name
	}
	d.Names.Tags, d.Names.Outcomes = labelNames(d.Tags), labelNames(d.Outcomes)
	d.Names.RatingFields = map[int64][]string{}
	for _, k := range d.Conns {
		post, err := h.st.SurveyFields(ctx, k.ID, store.SurveyPostChat)
		if err != nil {
			return d, err
		}
		for _, f := range post {
			if f.Type == survey.TypeRating {
				d.Names.RatingFields[k.ID] = append(d.Names.RatingFields[k.ID], f.Name)
			}
		}
	}
	d.Names.ChatTags = func(chatIDs []string) (map[string][]int64, error) { return h.st.TagsOfChats(ctx, tenant.ID, chatIDs) }
	return d, nil
}

// labelNames maps each label's id to its name.
func labelNames(ls []store.Label) map[int64]string {
	m := make(map[int64]string, len(ls))
	for _, l := range ls {
		m[l.ID] = l.Name
	}
	return m
}

// archiveExport streams the filtered list as CSV or JSON, every chat of it, a page at a time
// from the database to the response.
func (h *handlers) archiveExport(c *fiber.Ctx) error {
	tenant := current(c).Tenant
	d, err := h.archiveLookups(c)
	if err != nil {
		return err
	}
	form, err := archive.ParseFilter(queryValues(c), tenant.ID, d.Location)
	if err != nil {
		return h.fail(c, fiber.StatusBadRequest, err.Error())
	}
	asJSON := strings.HasSuffix(c.Path(), ".json")
	name := "chats-" + time.Now().In(d.Location).Format("2006-01-02")
	if asJSON {
		c.Set(fiber.HeaderContentType, "application/json; charset=utf-8")
		name += ".json"
	} else {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		name += ".csv"
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	// The request's context ends when the handler returns; the stream runs after, so it
	// gets its own bound.
	st, filter, names, log := h.st, form.Filter, d.Names, h.log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		each := func(fn func([]store.Chat) error) error { return st.EachArchivePage(ctx, filter, fn) }
		var err error
		if asJSON {
			err = archive.WriteJSON(w, each, names)
		} else {
			err = archive.WriteCSV(w, each, names)
		}
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			log.Warn("archive export", "tenant", filter.TenantID, "err", err)
		}
	})
	return nil
}

// archiveChat shows one chat's transcript: its data, its tags and outcome (which may be
// changed there), then every line in order, agents-only lines marked.
func (h *handlers) archiveChat(c *fiber.Ctx) error {
	return h.archiveChatWith(c, fiber.StatusOK, "")
}

// archiveChatWith is the transcript page with the relabelling refused for reason (or none).
func (h *handlers) archiveChatWith(c *fiber.Ctx, status int, reason string) error {
	ch, ok, err := h.tenantChat(c)
	if !ok || err != nil {
		return err
	}
	ctx := c.UserContext()
	ts, err := transcript.Load(ctx, h.st, ch, time.Now(), printerOf(ctx).Lang())
	if err != nil {
		return err
	}
	d := chatLabels{Chat: ch, Error: reason}
	if d.Tags, err = h.st.Labels(ctx, store.LabelTag, ch.TenantID); err != nil {
		return err
	}
	if d.Outcomes, err = h.st.Labels(ctx, store.LabelOutcome, ch.TenantID); err != nil {
		return err
	}
	if d.On, err = h.st.ChatTags(ctx, ch.TenantID, ch.ID); err != nil {
		return err
	}
	p := h.page(c, tr(ctx, "Chat with {0}", visitorLabel(ctx, ts)), "chats")
	p.Back, p.BackLabel = "/admin/chats", "Chats"
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return render(c, status, archiveChatPage(p, ts, d))
}

// chatLabels is a chat's classification as its transcript page shows and changes it.
type chatLabels struct {
	Chat     store.Chat
	Tags     []store.Label
	Outcomes []store.Label
	On       []int64 // the chat's tags
	Error    string  // a refused change, in words
}

// archiveRelabel changes a chat's tags and, once it is closed, its outcome; the admin audit
// log records who did (package audit).
func (h *handlers) archiveRelabel(c *fiber.Ctx) error {
	ch, ok, err := h.tenantChat(c)
	if !ok || err != nil {
		return err
	}
	r, err := archive.ParseRelabel(formValues(c))
	if err == nil {
		err = r.Apply(c.UserContext(), h.st, ch, current(c).User.ID, time.Now())
	}
	var fe *archive.FilterError
	if errors.As(err, &fe) || errors.Is(err, store.ErrNotFound) {
		msg := "choose tags from the list"
		if fe != nil {
			msg = fe.Message
		}
		return h.archiveChatWith(c, fiber.StatusUnprocessableEntity, msg)
	}
	if err != nil {
		return err
	}
	return saved(c, "/admin/chats/"+ch.ID)
}

// archivePDF answers the chat's transcript as the same PDF the agent app and e-mail give.
func (h *handlers) archivePDF(c *fiber.Ctx) error {
	tr, ok, err := h.archiveTranscript(c)
	if !ok || err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := transcript.Render(&buf, tr); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="chat-`+tr.Started.In(tr.Location).Format("2006-01-02")+`.pdf"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(buf.Bytes())
}

// archiveTranscript loads the transcript of the chat named in the path, when it is the
// current tenant's; any other chat is answered as not found (ok false, the response written).
func (h *handlers) archiveTranscript(c *fiber.Ctx) (transcript.Transcript, bool, error) {
	ch, ok, err := h.tenantChat(c)
	if !ok || err != nil {
		return transcript.Transcript{}, false, err
	}
	tr, err := transcript.Load(c.UserContext(), h.st, ch, time.Now(), printerOf(c.UserContext()).Lang())
	return tr, err == nil, err
}

// tenantChat loads the chat named in the path, when it is the current tenant's; any other
// chat is answered as not found (ok false, the response written).
func (h *handlers) tenantChat(c *fiber.Ctx) (store.Chat, bool, error) {
	ch, err := h.st.Chat(c.UserContext(), strings.Clone(c.Params("id")))
	if err == nil && ch.TenantID != current(c).Tenant.ID {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Chat{}, false, h.notFound(c, err)
	}
	return ch, true, nil
}
