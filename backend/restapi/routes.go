package restapi

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/language"

	"github.com/parleychat/parley/backend/archive"
	"github.com/parleychat/parley/backend/report"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/backend/transcript"
	"github.com/parleychat/parley/shared/protocol"
)

// route is one endpoint: what the document says of it and the handler that serves it.
type route struct {
	method, path, op, summary, scope string
	// query are its query parameters; body is the request body's type (nil: none); status
	// and resp are its success answer; fails are the problem statuses beyond the common
	// 401, 403 and 429.
	query  []param
	body   any
	status int
	resp   any
	fails  []int
	handle func(a *api, c *fiber.Ctx, who caller) error
}

// param is a query parameter.
type param struct {
	name, kind, doc string
	repeat          bool
}

// Page sizes.
const (
	defaultLimit = 30
	maxLimit     = 100
)

var pageParams = []param{
	{name: "limit", kind: "integer", doc: "items per page, 1 to 100 (default 30)"},
}

var chatFilterParams = append([]param{
	{name: "from", kind: "date", doc: "first day the chats started (YYYY-MM-DD, UTC)"},
	{name: "to", kind: "date", doc: "last day the chats started, inclusive"},
	{name: "state", kind: "string", doc: "queued, offered, active or closed", repeat: true},
	{name: "connector", kind: "integer", doc: "connector id", repeat: true},
	{name: "group", kind: "integer", doc: "ACD group id"},
	{name: "agent", kind: "integer", doc: "an agent who took part"},
	{name: "visitor", kind: "string", doc: "part of the visitor's name or e-mail address"},
	{name: "contact", kind: "integer", doc: "contact id"},
	{name: "tag", kind: "integer", doc: "tag id", repeat: true},
	{name: "outcome", kind: "integer", doc: "outcome id", repeat: true},
	{name: "after", kind: "string", doc: "the cursor of the next page (from the next link)"},
}, pageParams...)

// routes is the API's route table, in the document's order.
func routes() []route {
	return []route{
		{method: "GET", path: "/chats", op: "listChats", summary: "List chats, newest first", scope: store.ScopeChatsRead,
			query: chatFilterParams, status: 200, resp: ChatPage{}, fails: []int{422}, handle: (*api).listChats},
		{method: "GET", path: "/chats/search", op: "searchChats", summary: "Find messages by their words", scope: store.ScopeChatsRead,
			query: append([]param{{name: "q", kind: "string", doc: "the words to find (required)"}}, chatFilterParams...), status: 200, resp: SearchPage{}, fails: []int{422}, handle: (*api).searchChats},
		{method: "GET", path: "/chats/{id}", op: "getChat", summary: "Get a chat", scope: store.ScopeChatsRead,
			status: 200, resp: Chat{}, fails: []int{404}, handle: (*api).getChat},
		{method: "GET", path: "/chats/{id}/transcript", op: "getTranscript", summary: "Get a chat's transcript", scope: store.ScopeChatsRead,
			status: 200, resp: Transcript{}, fails: []int{404}, handle: (*api).getTranscript},
		{method: "POST", path: "/chats/{id}/messages", op: "sendMessage", summary: "Send a message into an open chat as the token's agent or bot user", scope: store.ScopeChatsWrite,
			body: MessageIn{}, status: 201, resp: MessageOut{}, fails: []int{404, 409, 422, 503}, handle: (*api).sendMessage},
		{method: "POST", path: "/chats/{id}/close", op: "closeChat", summary: "Close a chat", scope: store.ScopeChatsWrite,
			body: CloseIn{}, status: 200, resp: Done{}, fails: []int{404, 409, 422, 503}, handle: (*api).closeChat},
		{method: "POST", path: "/chats/{id}/transfer", op: "transferChat", summary: "Transfer a chat to an agent, a group or a connector", scope: store.ScopeChatsWrite,
			body: TransferIn{}, status: 202, resp: Done{}, fails: []int{404, 409, 422, 503}, handle: (*api).transferChat},
		{method: "GET", path: "/contacts", op: "listContacts", summary: "List or find contacts", scope: store.ScopeContactsRead,
			query: append([]param{{name: "q", kind: "string", doc: "part of a name, e-mail address, phone number or company"},
				{name: "offset", kind: "integer", doc: "how many to skip"}}, pageParams...), status: 200, resp: ContactPage{}, fails: []int{422}, handle: (*api).listContacts},
		{method: "GET", path: "/contacts/{id}", op: "getContact", summary: "Get a contact", scope: store.ScopeContactsRead,
			status: 200, resp: Contact{}, fails: []int{404}, handle: (*api).getContact},
		{method: "PATCH", path: "/contacts/{id}", op: "updateContact", summary: "Change a contact", scope: store.ScopeContactsWrite,
			body: ContactEdit{}, status: 200, resp: Contact{}, fails: []int{404, 415, 422}, handle: (*api).updateContact},
		{method: "GET", path: "/connectors", op: "listConnectors", summary: "List the connectors", scope: store.ScopeSettingsRead,
			status: 200, resp: ConnectorList{}, handle: (*api).listConnectors},
		{method: "GET", path: "/users", op: "listUsers", summary: "List the users", scope: store.ScopeSettingsRead,
			status: 200, resp: UserList{}, handle: (*api).listUsers},
		{method: "GET", path: "/statuses", op: "listStatuses", summary: "List the agent statuses", scope: store.ScopeSettingsRead,
			status: 200, resp: StatusList{}, handle: (*api).listStatuses},
		{method: "GET", path: "/reports/summary", op: "getReport", summary: "Summarize the chats of a date range", scope: store.ScopeReportsRead,
			query: []param{{name: "from", kind: "date", doc: "first day (YYYY-MM-DD, in the tenant's time zone; default a week ago)"},
				{name: "to", kind: "date", doc: "last day, inclusive (default today)"}}, status: 200, resp: Report{}, fails: []int{422}, handle: (*api).getReport},
	}
}

// ---- chats ----

func wireChat(ch store.Chat) Chat {
	return Chat{ID: ch.ID, State: ch.State, Kind: ch.Kind, ConnectorID: ch.ConnectorID, AgentID: ch.AgentID, VisitorName: ch.VisitorName,
		VisitorEmail: ch.VisitorEmail, Lang: ch.Lang, CreatedAt: ch.CreatedAt, AcceptedAt: ch.AcceptedAt, ClosedAt: ch.ClosedAt,
		CloseCause: ch.CloseCause, OutcomeID: ch.OutcomeID}
}

// limit reads the page size.
func limit(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, answered(problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, "limit must be a number from 1 to 100",
			FieldProblem{Field: "limit", Message: "a number from 1 to 100"}))
	}
	return n, nil
}

// filterOf reads the chat filters the caller may use: what their user may see of the tenant.
func filterOf(c *fiber.Ctx, who caller) (archive.Form, url.Values, error) {
	v, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	form, err := archive.ParseFilter(v, who.token.TenantID, time.UTC)
	var fe *archive.FilterError
	if errors.As(err, &fe) {
		return form, v, answered(problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, fe.Error(), FieldProblem{Field: fe.Field, Message: fe.Message}))
	}
	form.Filter.Scope = archive.ScopeFor(who.user)
	return form, v, err
}

// nextLink is the link to the page after this one: the same query with the cursor changed.
func nextLink(c *fiber.Ctx, v url.Values, key, value string) string {
	v.Set(key, value)
	return c.Path() + "?" + v.Encode()
}

func (a *api) listChats(c *fiber.Ctx, who caller) error {
	n, err := limit(c)
	if err != nil {
		return err
	}
	form, v, err := filterOf(c, who)
	if err != nil {
		return err
	}
	after, err := archive.ParseCursor(form.After)
	if err != nil {
		return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, err.Error(), FieldProblem{Field: "after", Message: err.Error()})
	}
	chats, err := a.o.Store.ArchiveChats(c.UserContext(), form.Filter, after, n)
	if err != nil {
		return a.failed(c, err)
	}
	out := ChatPage{Items: make([]Chat, 0, len(chats))}
	for _, ch := range chats {
		out.Items = append(out.Items, wireChat(ch))
	}
	if len(chats) == n {
		out.Next = nextLink(c, v, "after", archive.Cursor(chats[len(chats)-1]))
	}
	return c.JSON(out)
}

func (a *api) searchChats(c *fiber.Ctx, who caller) error {
	n, err := limit(c)
	if err != nil {
		return err
	}
	form, v, err := filterOf(c, who)
	if err != nil {
		return err
	}
	terms, err := archive.Terms(form.Query)
	if err == nil && len(terms) == 0 {
		err = errors.New("enter the words to find")
	}
	if err != nil {
		return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, "q: "+err.Error(), FieldProblem{Field: "q", Message: err.Error()})
	}
	after, err := archive.ParseSearchCursor(form.After)
	if err != nil {
		return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, err.Error(), FieldProblem{Field: "after", Message: err.Error()})
	}
	hits, err := a.o.Store.SearchMessages(c.UserContext(), form.Filter, terms, after, n)
	if errors.Is(err, store.ErrInvalid) {
		return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, archive.ErrBadCursor.Error(), FieldProblem{Field: "after", Message: archive.ErrBadCursor.Error()})
	}
	if err != nil {
		return a.failed(c, err)
	}
	out := SearchPage{Items: make([]SearchHit, 0, len(hits))}
	for _, h := range hits {
		out.Items = append(out.Items, SearchHit{Chat: wireChat(h.Chat), Sender: h.Message.Name, At: h.Message.At, Internal: h.Message.Internal,
			Snippet: archive.Snippet(archive.HitText(h.Message), terms)})
	}
	if len(hits) == n {
		out.Next = nextLink(c, v, "after", archive.SearchCursor(hits[len(hits)-1]))
	}
	return c.JSON(out)
}

// openChat finds a chat the caller may read; another tenant's, or one their user may not
// see, is not found, so that nobody learns of it.
func (a *api) openChat(c *fiber.Ctx, who caller) (store.Chat, bool, error) {
	ctx := c.UserContext()
	ch, err := a.o.Store.Chat(ctx, c.Params("id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && ch.TenantID != who.token.TenantID) {
		return ch, false, problem(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such chat")
	}
	if err != nil {
		return ch, false, a.failed(c, err)
	}
	parts, err := a.o.Store.Participants(ctx, ch.ID)
	if err != nil {
		return ch, false, a.failed(c, err)
	}
	if !transcript.MayRead(who.user, ch, parts) {
		return ch, false, problem(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such chat")
	}
	return ch, true, nil
}

func (a *api) getChat(c *fiber.Ctx, who caller) error {
	ch, ok, err := a.openChat(c, who)
	if !ok {
		return err
	}
	return c.JSON(wireChat(ch))
}

func (a *api) getTranscript(c *fiber.Ctx, who caller) error {
	ch, ok, err := a.openChat(c, who)
	if !ok {
		return err
	}
	tr, err := transcript.Load(c.UserContext(), a.o.Store, ch, a.o.Now(), readerLang(c))
	if err != nil {
		return a.failed(c, err)
	}
	out := Transcript{Chat: wireChat(ch), Lines: make([]Line, 0, len(tr.Lines))}
	for _, l := range tr.Lines {
		out.Lines = append(out.Lines, Line{Sender: l.Sender, Role: string(l.Role), At: l.At, Text: l.Text, System: l.Kind == transcript.LineSystem, Internal: l.Internal,
			Lang: l.Lang, Translation: l.Translation, TranslationLang: l.TranslationLang})
	}
	return c.JSON(out)
}

// readJSON decodes a JSON body into v, answering the problem when it cannot.
func readJSON(c *fiber.Ctx, v any) error {
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return answered(problem(c, fiber.StatusUnsupportedMediaType, protocol.CodeBadJSON, "send the body as application/json"))
	}
	d := json.NewDecoder(strings.NewReader(string(c.Body())))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return answered(problem(c, fiber.StatusUnprocessableEntity, protocol.CodeBadJSON, "the body could not be read: "+err.Error()))
	}
	return nil
}

// commandID is the id that makes a command's retry safe: the body's, the Idempotency-Key
// header's, or a new one.
func commandID(c *fiber.Ctx, id string) (string, error) {
	if id == "" {
		id = c.Get("Idempotency-Key")
	}
	if id == "" {
		return "api-" + token.New(12), nil
	}
	if len(id) > 100 || strings.ContainsAny(id, "\x00\r\n") {
		return "", answered(problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, "the id must be one line of at most 100 characters",
			FieldProblem{Field: "id", Message: "one line of at most 100 characters"}))
	}
	return "api-" + id, nil
}

func (a *api) sendMessage(c *fiber.Ctx, who caller) error {
	var in MessageIn
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Text) == "" {
		return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, "the message is empty", FieldProblem{Field: "text", Message: "write a message"})
	}
	id, err := commandID(c, in.ID)
	if err != nil {
		return err
	}
	chatID := c.Params("id")
	ack, err := a.o.Chats.Act(c.UserContext(), who.user, protocol.Command{ID: id, Chat: chatID, Body: &protocol.Send{Text: in.Text, Internal: in.Internal}})
	if err != nil {
		return commandProblem(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(MessageOut{ChatID: chatID, ID: strings.TrimPrefix(id, "api-"), Seq: ack.Seq})
}

func (a *api) closeChat(c *fiber.Ctx, who caller) error {
	var in CloseIn
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if _, err := a.o.Chats.Act(c.UserContext(), who.user, protocol.Command{ID: "api-close", Chat: c.Params("id"), Body: &protocol.Close{Outcome: in.OutcomeID}}); err != nil {
		return commandProblem(c, err)
	}
	return c.JSON(Done{OK: true})
}

func (a *api) transferChat(c *fiber.Ctx, who caller) error {
	var in TransferIn
	if err := readJSON(c, &in); err != nil {
		return err
	}
	n := 0
	for _, id := range []int64{in.UserID, in.GroupID, in.ConnectorID} {
		if id > 0 {
			n++
		}
	}
	if n != 1 {
		return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, "name exactly one of userId, groupId and connectorId",
			FieldProblem{Field: "userId", Message: "name exactly one of userId, groupId and connectorId"})
	}
	id, err := commandID(c, in.ID)
	if err != nil {
		return err
	}
	body := &protocol.ChatTransfer{UserID: in.UserID, GroupID: in.GroupID, ConnectorID: in.ConnectorID, Note: in.Note}
	if _, err := a.o.Chats.Act(c.UserContext(), who.user, protocol.Command{ID: id, Chat: c.Params("id"), Body: body}); err != nil {
		return commandProblem(c, err)
	}
	return c.Status(fiber.StatusAccepted).JSON(Done{OK: true})
}

// ---- contacts ----

func wireContact(k store.Contact) Contact {
	return Contact{ID: k.ID, Name: k.Name, Email: k.Email, Phone: k.Phone, Company: k.Company, Notes: k.Notes, CreatedAt: k.CreatedAt, LastSeenAt: k.LastSeenAt}
}

func (a *api) listContacts(c *fiber.Ctx, who caller) error {
	n, err := limit(c)
	if err != nil {
		return err
	}
	off := 0
	if v := c.Query("offset"); v != "" {
		if off, err = strconv.Atoi(v); err != nil || off < 0 || off > 1_000_000 {
			return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, "offset must be a number from 0", FieldProblem{Field: "offset", Message: "a number from 0"})
		}
	}
	q := c.Query("q")
	if len(q) > 200 || strings.ContainsRune(q, 0) {
		return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, "q: use at most 200 characters", FieldProblem{Field: "q", Message: "at most 200 characters"})
	}
	page, err := a.o.Store.Contacts(c.UserContext(), who.token.TenantID, q, n, off)
	if err != nil {
		return a.failed(c, err)
	}
	out := ContactPage{Items: make([]Contact, 0, len(page.Contacts)), Total: page.Total}
	for _, k := range page.Contacts {
		out.Items = append(out.Items, wireContact(k))
	}
	if int64(off+len(page.Contacts)) < page.Total && len(page.Contacts) > 0 {
		v, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
		out.Next = nextLink(c, v, "offset", strconv.Itoa(off+len(page.Contacts)))
	}
	return c.JSON(out)
}

// contactOf reads the path's contact of the caller's tenant.
func (a *api) contactOf(c *fiber.Ctx, who caller) (store.Contact, bool, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Contact{}, false, problem(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such contact")
	}
	k, err := a.o.Store.Contact(c.UserContext(), who.token.TenantID, id)
	if errors.Is(err, store.ErrNotFound) {
		return k, false, problem(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such contact")
	}
	if err != nil {
		return k, false, a.failed(c, err)
	}
	return k, true, nil
}

func (a *api) getContact(c *fiber.Ctx, who caller) error {
	k, ok, err := a.contactOf(c, who)
	if !ok {
		return err
	}
	return c.JSON(wireContact(k))
}

func (a *api) updateContact(c *fiber.Ctx, who caller) error {
	var e ContactEdit
	if err := readJSON(c, &e); err != nil {
		return err
	}
	k, ok, err := a.contactOf(c, who)
	if !ok {
		return err
	}
	for _, f := range []struct {
		v   *string
		dst *string
	}{{e.Name, &k.Name}, {e.Email, &k.Email}, {e.Phone, &k.Phone}, {e.Company, &k.Company}, {e.Notes, &k.Notes}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	k, err = a.o.Store.UpdateContact(c.UserContext(), k)
	var fe *store.FieldError
	switch {
	case errors.As(err, &fe):
		return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, fe.Text(), FieldProblem{Field: fe.Field, Message: fe.Text()})
	case errors.Is(err, store.ErrNotFound):
		return problem(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such contact")
	case errors.Is(err, store.ErrInvalid):
		return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, "the contact was not saved: a field is too long or holds characters that cannot be stored")
	case err != nil:
		return a.failed(c, err)
	}
	return c.JSON(wireContact(k))
}

// ---- settings ----

func (a *api) listConnectors(c *fiber.Ctx, who caller) error {
	list, err := a.o.Store.Connectors(c.UserContext(), who.token.TenantID)
	if err != nil {
		return a.failed(c, err)
	}
	out := ConnectorList{Items: make([]Connector, 0, len(list))}
	for _, k := range list {
		out.Items = append(out.Items, Connector{ID: k.ID, Hash: k.Hash, Name: k.Name, Title: k.Title, GroupID: k.GroupID, OutOfService: k.OutOfService})
	}
	return c.JSON(out)
}

func (a *api) listUsers(c *fiber.Ctx, who caller) error {
	list, err := a.o.Store.Users(c.UserContext(), who.token.TenantID)
	if err != nil {
		return a.failed(c, err)
	}
	out := UserList{Items: make([]User, 0, len(list))}
	for _, u := range list {
		out.Items = append(out.Items, User{ID: u.ID, Login: u.Login, Name: u.Name, Nickname: u.Nickname, Role: u.Role, Active: u.Active, Bot: u.Bot,
			StatusID: u.StatusID, MaxChats: u.MaxChats})
	}
	return c.JSON(out)
}

func (a *api) listStatuses(c *fiber.Ctx, who caller) error {
	list, err := a.o.Store.Statuses(c.UserContext(), who.token.TenantID)
	if err != nil {
		return a.failed(c, err)
	}
	out := StatusList{Items: make([]Status, 0, len(list))}
	for _, s := range list {
		out.Items = append(out.Items, Status{ID: s.ID, Name: s.Name, AllowsChat: s.AllowsChat})
	}
	return c.JSON(out)
}

// ---- reports ----

func (a *api) getReport(c *fiber.Ctx, who caller) error {
	ctx := c.UserContext()
	t, err := a.o.Store.Tenant(ctx, who.token.TenantID)
	if err != nil {
		return a.failed(c, err)
	}
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil || t.TimeZone == "" {
		loc = time.UTC
	}
	today := a.o.Now().In(loc)
	day := func(name string, def time.Time) (time.Time, bool) {
		v := c.Query(name)
		if v == "" {
			return def, true
		}
		d, err := time.ParseInLocation(time.DateOnly, v, loc)
		return d, err == nil && d.Year() >= 2000 && d.Year() <= 2200
	}
	first, ok1 := day("from", today.AddDate(0, 0, -6))
	last, ok2 := day("to", today)
	if !ok1 || !ok2 {
		return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, "write the dates as YYYY-MM-DD", FieldProblem{Field: "from", Message: "YYYY-MM-DD"})
	}
	from, to := report.Days(first, last, loc)
	if !to.After(from) || to.Sub(from) > report.MaxRange {
		return problem(c, fiber.StatusUnprocessableEntity, protocol.CodeInvalid, "the range must run forward and cover at most two years", FieldProblem{Field: "to", Message: "after from, at most two years"})
	}
	rs, err := a.o.Store.ReportSettingsOf(ctx, t.ID)
	if err != nil {
		return a.failed(c, err)
	}
	db, err := a.o.Store.ReadDB()
	if err != nil {
		return a.failed(c, err)
	}
	r, err := report.New(db, a.o.Store.Dialect()).Run(ctx, report.Filter{TenantID: t.ID, From: from, To: to, Loc: loc, AnswerTarget: rs.AnswerTarget})
	if err != nil {
		return a.failed(c, err)
	}
	s := r.Summary
	out := Report{From: first.Format(time.DateOnly), To: last.Format(time.DateOnly), Requested: s.Requested, Answered: s.Answered, Abandoned: s.Abandoned,
		Unanswered: s.Unanswered, Missed: s.Missed, LeftMessages: s.LeftMessages, InTarget: s.InTarget, ServiceLevel: s.ServiceLevel(),
		AnswerRate: s.AnswerRate(), Wait: Stats(r.Wait), Handling: Stats(r.Handling), Agents: make([]Agent, 0, len(r.Agents))}
	for _, ag := range r.Agents {
		out.Agents = append(out.Agents, Agent{ID: ag.AgentID, Name: ag.Name, Answered: ag.Answered, Handling: ag.Handling, Rating: ag.Rating})
	}
	return c.JSON(out)
}

// readerLang is the language a transcript's survey answers are labelled in: the first of the
// request's Accept-Language, or "" (the tenant's default language) without one.
func readerLang(c *fiber.Ctx) string {
	tags, _, err := language.ParseAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
	if err != nil || len(tags) == 0 {
		return ""
	}
	return tags[0].String()
}
