package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/hookevent"
	"github.com/parleychat/parley/backend/restapi"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// client calls the API over real HTTP and checks every answer against the OpenAPI document:
// an answer whose shape or status the document does not describe fails the test.
type client struct {
	t     *testing.T
	base  string
	token string
	v     validator.Validator
}

func newValidator(t *testing.T) validator.Validator {
	t.Helper()
	doc, err := libopenapi.NewDocument(restapi.Document())
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("document: %v", errs)
	}
	return v
}

// do sends a request and returns the status and the decoded JSON body.
func (c *client) do(method, path string, body any, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
		c.t.Errorf("%s %s: %d with %q, want a problem", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if c.v != nil {
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		vreq, _ := http.NewRequest(method, "http://x"+path, nil)
		if ok, errs := c.v.ValidateHttpResponse(vreq, resp); !ok {
			for _, e := range errs {
				c.t.Errorf("%s %s: %d answer does not match the document: %s %s %v", method, path, resp.StatusCode, e.Message, e.Reason, e.SchemaValidationErrors)
			}
		}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}

// fixture is a server with the demo tenant, a bot user with a token of every scope, and a
// second tenant with its own token.
type fixture struct {
	env            *servertest.Env
	st             *store.Store
	bot            store.User
	all, other     *client
	tenant, other2 int64
}

func start(t *testing.T, pg bool, configure func(*config.Config)) fixture {
	t.Helper()
	env := servertest.Start(t, servertest.Options{Postgres: pg, Configure: configure})
	ctx := context.Background()
	st := env.Server.Store()
	bot, err := st.CreateUser(ctx, store.User{TenantID: env.Demo.TenantID, Login: "answerbot", Name: "Answer Bot", Role: store.RoleAgent, Active: true, Bot: true})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := st.CreateAPIToken(ctx, store.APIToken{TenantID: env.Demo.TenantID, UserID: bot.ID, Name: "bot", Scopes: store.APIScopes})
	if err != nil {
		t.Fatal(err)
	}
	t2, err := st.CreateTenant(ctx, store.Tenant{Name: "Elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	admin2, err := st.CreateUser(ctx, store.User{TenantID: t2.ID, Login: "admin2", Name: "Admin Two", Role: store.RoleAdmin, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	_, secret2, err := st.CreateAPIToken(ctx, store.APIToken{TenantID: t2.ID, UserID: admin2.ID, Name: "other", Scopes: store.APIScopes})
	if err != nil {
		t.Fatal(err)
	}
	v := newValidator(t)
	return fixture{env: env, st: st, bot: bot, tenant: env.Demo.TenantID, other2: t2.ID,
		all: &client{t: t, base: env.URL, token: secret, v: v}, other: &client{t: t, base: env.URL, token: secret2, v: v}}
}

func dialects(t *testing.T, f func(t *testing.T, pg bool)) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) { f(t, db == "postgres") })
	}
}

// TestAPIChatsAndContacts walks the API as an integrator does, on SQLite and PostgreSQL:
// a bot sends into a visitor's open chat and the visitor gets the line live over the
// WebSocket, the chat is listed, found by its words, read with its transcript and closed;
// its contact is listed, read and changed; settings and a report are read. Every answer is
// checked against the OpenAPI document. Another tenant's token finds none of it.
func TestAPIChatsAndContacts(t *testing.T) {
	dialects(t, func(t *testing.T, pg bool) {
		f := start(t, pg, nil)
		vis, chatID := f.env.VisitorChat(t, "api-visitor", protocol.ChatRequest{Name: "Vera", Email: "vera@example.com", Question: "Where is my parcel?"}, false)
		// A bot sends into the open chat; the visitor sees it live.
		var out restapi.MessageOut
		if st := f.all.do("POST", "/api/v1/chats/"+chatID+"/messages", restapi.MessageIn{ID: "m1", Text: "Hello Vera, I am the bot"}, &out); st != 201 || out.Seq == 0 {
			t.Fatalf("send: %d %+v", st, out)
		}
		waitLine(t, vis, "Hello Vera, I am the bot")
		// A retry with the same id is answered as the first time and not sent again.
		var again restapi.MessageOut
		if st := f.all.do("POST", "/api/v1/chats/"+chatID+"/messages", restapi.MessageIn{ID: "m1", Text: "Hello Vera, I am the bot"}, &again); st != 201 || again.Seq != out.Seq {
			t.Errorf("retry: %d %+v, want seq %d", st, again, out.Seq)
		}
		var p restapi.Problem
		if st := f.all.do("POST", "/api/v1/chats/"+chatID+"/messages", restapi.MessageIn{ID: "m1", Text: "another"}, &p); st != 409 {
			t.Errorf("same id, other text: %d %+v", st, p)
		}
		if st := f.all.do("POST", "/api/v1/chats/"+chatID+"/messages", restapi.MessageIn{Text: "  "}, &p); st != 422 || len(p.Errors) == 0 || p.Errors[0].Field != "text" {
			t.Errorf("empty text: %d %+v", st, p)
		}
		if st := f.all.do("POST", "/api/v1/chats/"+chatID+"/messages", map[string]any{"text": "x", "bogus": 1}, &p); st != 422 {
			t.Errorf("unknown field: %d", st)
		}
		// Lists, search, get, transcript.
		var page restapi.ChatPage
		if st := f.all.do("GET", "/api/v1/chats?state=queued&state=active&limit=5", nil, &page); st != 200 || len(page.Items) == 0 || page.Items[0].ID != chatID {
			t.Fatalf("list: %d %+v", st, page)
		}
		if st := f.all.do("GET", "/api/v1/chats?limit=500", nil, &p); st != 422 || p.Errors[0].Field != "limit" {
			t.Errorf("limit 500: %d %+v", st, p)
		}
		if st := f.all.do("GET", "/api/v1/chats?from=yesterday", nil, &p); st != 422 || p.Errors[0].Field != "from" {
			t.Errorf("bad date: %d %+v", st, p)
		}
		var hits restapi.SearchPage
		waitFor(t, func() bool {
			return f.all.do("GET", "/api/v1/chats/search?q=parcel", nil, &hits) == 200 && len(hits.Items) > 0
		})
		if hits.Items[0].Chat.ID != chatID {
			t.Errorf("search: %+v", hits)
		}
		var ch restapi.Chat
		if st := f.all.do("GET", "/api/v1/chats/"+chatID, nil, &ch); st != 200 || ch.VisitorName != "Vera" {
			t.Errorf("get: %d %+v", st, ch)
		}
		var tr restapi.Transcript
		if st := f.all.do("GET", "/api/v1/chats/"+chatID+"/transcript", nil, &tr); st != 200 || !hasLine(tr, "Hello Vera, I am the bot") {
			t.Errorf("transcript: %d %+v", st, tr)
		}
		// Tenant isolation: the other tenant's token finds nothing of this tenant.
		for _, path := range []string{"/api/v1/chats/" + chatID, "/api/v1/chats/" + chatID + "/transcript"} {
			if st := f.other.do("GET", path, nil, &p); st != 404 {
				t.Errorf("other tenant %s: %d", path, st)
			}
		}
		if st := f.other.do("POST", "/api/v1/chats/"+chatID+"/messages", restapi.MessageIn{Text: "intruder"}, &p); st != 404 {
			t.Errorf("other tenant sends: %d %+v", st, p)
		}
		var otherPage restapi.ChatPage
		if st := f.other.do("GET", "/api/v1/chats", nil, &otherPage); st != 200 || len(otherPage.Items) != 0 {
			t.Errorf("other tenant lists %+v", otherPage)
		}
		// Contacts.
		link := f.env.ChatContact(t, chatID)
		var cp restapi.ContactPage
		if st := f.all.do("GET", "/api/v1/contacts?q=vera&limit=1", nil, &cp); st != 200 || len(cp.Items) != 1 || cp.Items[0].ID != link.ContactID {
			t.Fatalf("contacts: %d %+v", st, cp)
		}
		cid := "/api/v1/contacts/" + itoa(link.ContactID)
		company := "Parcel Ltd"
		var k restapi.Contact
		if st := f.all.do("PATCH", cid, restapi.ContactEdit{Company: &company}, &k); st != 200 || k.Company != company || k.Email != "vera@example.com" {
			t.Errorf("patch: %d %+v", st, k)
		}
		if st := f.all.do("GET", cid, nil, &k); st != 200 || k.Company != company {
			t.Errorf("get contact: %d %+v", st, k)
		}
		if st := f.other.do("GET", cid, nil, &p); st != 404 {
			t.Errorf("other tenant's contact: %d", st)
		}
		long := strings.Repeat("x", 100000)
		if st := f.all.do("PATCH", cid, restapi.ContactEdit{Notes: &long}, &p); st != 422 {
			t.Errorf("huge notes: %d %+v", st, p)
		}
		// Settings and reports.
		var conns restapi.ConnectorList
		if st := f.all.do("GET", "/api/v1/connectors", nil, &conns); st != 200 || len(conns.Items) == 0 {
			t.Errorf("connectors: %d %+v", st, conns)
		}
		var users restapi.UserList
		if st := f.all.do("GET", "/api/v1/users", nil, &users); st != 200 || !hasBot(users) {
			t.Errorf("users: %d %+v", st, users)
		}
		var sts restapi.StatusList
		if st := f.all.do("GET", "/api/v1/statuses", nil, &sts); st != 200 || len(sts.Items) == 0 {
			t.Errorf("statuses: %d %+v", st, sts)
		}
		var rep restapi.Report
		if st := f.all.do("GET", "/api/v1/reports/summary", nil, &rep); st != 200 || rep.Requested < 1 {
			t.Errorf("report: %d %+v", st, rep)
		}
		if st := f.all.do("GET", "/api/v1/reports/summary?from=2026-02-30", nil, &p); st != 422 {
			t.Errorf("bad report date: %d", st)
		}
		// Close; then the chat takes no more messages.
		var done restapi.Done
		if st := f.all.do("POST", "/api/v1/chats/"+chatID+"/close", restapi.CloseIn{}, &done); st != 200 || !done.OK {
			t.Fatalf("close: %d %+v", st, done)
		}
		if st := f.all.do("POST", "/api/v1/chats/"+chatID+"/messages", restapi.MessageIn{Text: "late"}, &p); st != 409 {
			t.Errorf("send into a closed chat: %d %+v", st, p)
		}
		if st := f.all.do("POST", "/api/v1/chats/nosuchchat/close", restapi.CloseIn{}, &p); st != 404 {
			t.Errorf("close unknown: %d", st)
		}
	})
}

// TestAPIAuth: no token, a wrong, a revoked token and a missing scope are refused with
// problems; unknown endpoints and methods under /api/v1 are problems too.
func TestAPIAuth(t *testing.T) {
	f := start(t, false, nil)
	ctx := context.Background()
	var p restapi.Problem
	anon := &client{t: t, base: f.env.URL, v: f.all.v}
	if st := anon.do("GET", "/api/v1/chats", nil, &p); st != 401 || p.Status != 401 || p.Code != "unauthorized" {
		t.Errorf("no token: %d %+v", st, p)
	}
	for _, bad := range []string{"prl_nope", "prl_\xff\xfe\x80", strings.Repeat("a", 3000)} {
		c := &client{t: t, base: f.env.URL, token: bad, v: f.all.v}
		if st := c.do("GET", "/api/v1/users", nil, &p); st != 401 {
			t.Errorf("token %.10q: %d", bad, st)
		}
	}
	tok, secret, err := f.st.CreateAPIToken(ctx, store.APIToken{TenantID: f.tenant, UserID: f.bot.ID, Name: "read only", Scopes: []string{store.ScopeChatsRead}})
	if err != nil {
		t.Fatal(err)
	}
	ro := &client{t: t, base: f.env.URL, token: secret, v: f.all.v}
	if st := ro.do("GET", "/api/v1/chats", nil, nil); st != 200 {
		t.Errorf("read: %d", st)
	}
	for _, path := range []string{"/api/v1/users", "/api/v1/contacts", "/api/v1/reports/summary"} {
		if st := ro.do("GET", path, nil, &p); st != 403 || !strings.Contains(p.Detail, "scope") {
			t.Errorf("%s without its scope: %d %+v", path, st, p)
		}
	}
	if st := ro.do("POST", "/api/v1/chats/x/messages", restapi.MessageIn{Text: "hi"}, &p); st != 403 {
		t.Errorf("write without chats:write: %d", st)
	}
	if _, err := f.st.RevokeAPIToken(ctx, f.tenant, tok.ID); err != nil {
		t.Fatal(err)
	}
	if st := ro.do("GET", "/api/v1/chats", nil, &p); st != 401 {
		t.Errorf("revoked: %d", st)
	}
	list, _ := f.st.APITokens(ctx, f.tenant)
	for _, l := range list {
		if l.ID == tok.ID && l.LastUsedAt == nil {
			t.Error("the token's last use was not recorded")
		}
	}
	raw := &client{t: t, base: f.env.URL, token: f.all.token}
	if st := raw.do("GET", "/api/v1/nothing", nil, &p); st != 404 || p.Code != "not_found" {
		t.Errorf("unknown endpoint: %d %+v", st, p)
	}
	if st := raw.do("DELETE", "/api/v1/chats", nil, &p); st != 405 {
		t.Errorf("wrong method: %d %+v", st, p)
	}
	req, _ := http.NewRequest("POST", f.env.URL+"/api/v1/chats/x/close", strings.NewReader("outcomeId=1"))
	req.Header.Set("Authorization", "Bearer "+f.all.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Errorf("a form body: %d", resp.StatusCode)
	}
}

// TestAPIRateLimit: a token over its budget gets 429 with Retry-After; another token is not
// held back by it.
func TestAPIRateLimit(t *testing.T) {
	f := start(t, false, func(c *config.Config) { c.APIRequestsPerMinute = 30 })
	var p restapi.Problem
	got429 := 0
	for range 10 {
		req, _ := http.NewRequest("GET", f.env.URL+"/api/v1/statuses", nil)
		req.Header.Set("Authorization", "Bearer "+f.all.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 429 {
			got429++
			if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
				t.Errorf("Retry-After %q", ra)
			}
		}
	}
	if got429 == 0 {
		t.Fatal("ten requests at once with a budget of 3 were all served")
	}
	if st := f.all.do("GET", "/api/v1/statuses", nil, &p); st != 429 || p.Code != "rate_limited" {
		t.Errorf("over budget: %d %+v", st, p)
	}
	if st := f.other.do("GET", "/api/v1/statuses", nil, nil); st != 200 {
		t.Errorf("another token: %d", st)
	}
}

// TestBotAnswersVisitor: a small bot is a test HTTP server receiving the tenant's webhooks;
// when a visitor asks for a chat, it answers through the API, and the visitor reads the
// answer on their WebSocket. On SQLite and PostgreSQL.
func TestBotAnswersVisitor(t *testing.T) {
	dialects(t, func(t *testing.T, pg bool) {
		f := start(t, pg, func(c *config.Config) { c.WebhookAllowPrivate = true })
		var mu sync.Mutex
		var errs []string
		bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var ev struct {
				Type   string `json:"type"`
				ChatID string `json:"chat_id"`
			}
			if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || ev.Type != hookevent.ChatRequested {
				w.WriteHeader(204)
				return
			}
			w.WriteHeader(204)
			go func() {
				body, _ := json.Marshal(restapi.MessageIn{ID: "greet-" + ev.ChatID, Text: "Bot here: how can I help?"})
				req, _ := http.NewRequest("POST", f.env.URL+"/api/v1/chats/"+ev.ChatID+"/messages", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+f.all.token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err.Error())
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 201 {
					errs = append(errs, resp.Status)
				}
			}()
		}))
		defer bot.Close()
		if _, err := f.st.CreateWebhookEndpoint(context.Background(), store.WebhookEndpoint{TenantID: f.tenant, URL: bot.URL + "/hook",
			Events: []string{hookevent.ChatRequested}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		vis, _ := f.env.VisitorChat(t, "bot-visitor", protocol.ChatRequest{Name: "Bob", Question: "Anyone there?"}, false)
		waitLine(t, vis, "Bot here: how can I help?")
		mu.Lock()
		defer mu.Unlock()
		if len(errs) > 0 {
			t.Errorf("bot's calls: %v", errs)
		}
	})
}

// TestDocumentCoversRoutes: every route the server registers under /api/v1 is in the
// document, and the document's every path is served.
func TestDocumentCoversRoutes(t *testing.T) {
	f := start(t, false, nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	c := &client{t: t, base: f.env.URL}
	if st := c.do("GET", "/api/v1/openapi.json", nil, &doc); st != 200 || doc.OpenAPI != "3.1.0" {
		t.Fatalf("document: %d %q", st, doc.OpenAPI)
	}
	served := map[string]bool{}
	for _, r := range f.env.Server.App().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, restapi.Prefix+"/") || r.Method == "HEAD" || r.Path == restapi.Prefix+"/openapi.json" {
			continue
		}
		p := r.Path
		for _, seg := range strings.Split(p, "/") {
			if strings.HasPrefix(seg, ":") {
				p = strings.Replace(p, seg, "{"+seg[1:]+"}", 1)
			}
		}
		key := strings.ToLower(r.Method) + " " + p
		served[key] = true
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s is served but not documented", key)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !served[m+" "+p] {
				t.Errorf("%s %s is documented but not served", m, p)
			}
		}
	}
}

// TestValidatorCatchesDrift proves the checks can fail: an answer missing a required field,
// or with a field the document does not have, is refused by the validator the tests use.
func TestValidatorCatchesDrift(t *testing.T) {
	v := newValidator(t)
	for _, body := range []string{
		`{"id":"a","state":"active","connectorId":1,"agentId":0,"visitorName":"V","visitorEmail":"","lang":"en","outcomeId":0}`,
		`{"id":"a","state":"active","connectorId":1,"agentId":0,"visitorName":"V","visitorEmail":"","lang":"en","createdAt":"2026-01-01T00:00:00Z","outcomeId":0,"extra":1}`,
		`{"id":7,"state":"active","connectorId":1,"agentId":0,"visitorName":"V","visitorEmail":"","lang":"en","createdAt":"2026-01-01T00:00:00Z","outcomeId":0}`,
	} {
		req, _ := http.NewRequest("GET", "http://x/api/v1/chats/a", nil)
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}
		if ok, _ := v.ValidateHttpResponse(req, resp); ok {
			t.Errorf("accepted %s", body)
		}
	}
	good := `{"id":"a","state":"active","connectorId":1,"agentId":0,"visitorName":"V","visitorEmail":"","lang":"en","createdAt":"2026-01-01T00:00:00Z","outcomeId":0}`
	req, _ := http.NewRequest("GET", "http://x/api/v1/chats/a", nil)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(good)), Request: req}
	if ok, errs := v.ValidateHttpResponse(req, resp); !ok {
		t.Errorf("refused a good chat: %v", errs)
	}
}

// waitLine waits for the visitor to receive a chat line with text.
func waitLine(t *testing.T, vis interface {
	Next(context.Context) (protocol.Event, error)
}, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		ev, err := vis.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %q: %v", text, err)
		}
		if m, ok := ev.Body.(*protocol.Message); ok && m.Text == text {
			if m.Role != protocol.RoleAgent {
				t.Errorf("line %q from %s", text, m.Role)
			}
			return
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met in time")
}

func hasLine(tr restapi.Transcript, text string) bool {
	for _, l := range tr.Lines {
		if l.Text == text {
			return true
		}
	}
	return false
}

func hasBot(u restapi.UserList) bool {
	for _, x := range u.Items {
		if x.Bot {
			return true
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
