package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// fixture is a running server with one user of every role, a second tenant with its own
// admin and connector, and a signed-in client per role.
type fixture struct {
	t       *testing.T
	env     *servertest.Env
	st      *store.Store
	ids     map[string]string // path placeholders: {conn}, {otherConn}, ...
	clients map[string]*client
}

// client is a browser stand-in: the session cookie and the page's CSRF token.
type client struct {
	base, cookie, csrf string
}

func newFixture(t *testing.T, pg bool) *fixture {
	t.Helper()
	return newFixtureWith(t, servertest.Options{Postgres: pg})
}

// newFixtureWith is newFixture on a server started with opts.
func newFixtureWith(t *testing.T, opts servertest.Options) *fixture {
	t.Helper()
	env := servertest.Start(t, opts)
	ctx := context.Background()
	st := env.Server.Store()
	fx := &fixture{t: t, env: env, st: st, ids: map[string]string{}, clients: map[string]*client{"": {base: env.URL}}}
	demo := env.Demo
	fx.ids["{conn}"] = fmt.Sprint(demo.ConnectorID)
	fx.ids["{tenant}"] = fmt.Sprint(demo.TenantID)
	fx.ids["{group}"] = fmt.Sprint(demo.GroupID)
	for _, s := range must(st.Statuses(ctx, demo.TenantID)) {
		if s.Name == "Away" {
			fx.ids["{away}"] = fmt.Sprint(s.ID)
		}
	}

	other, err := st.CreateTenant(ctx, store.Tenant{Name: "Other Corp"})
	if err != nil {
		t.Fatal(err)
	}
	oconn, err := st.CreateConnector(ctx, store.Connector{TenantID: other.ID, Name: "Their chat"})
	if err != nil {
		t.Fatal(err)
	}
	fx.ids["{otherTenant}"] = fmt.Sprint(other.ID)
	fx.ids["{otherConn}"] = fmt.Sprint(oconn.ID)
	ostatus, err := st.CreateStatus(ctx, store.AgentStatus{TenantID: other.ID, Name: "Their away", FontColor: "#000000", BackgroundColor: "#ffffff"})
	if err != nil {
		t.Fatal(err)
	}
	fx.ids["{otherStatus}"] = fmt.Sprint(ostatus.ID)
	hash, _ := password.HashWithParams("not-used-here-123", cheap)
	mk := func(key string, u store.User) store.User {
		u.Login, u.Name, u.PasswordHash, u.Active = key+"@test.parley", "Test "+key, hash, true
		u, err := st.CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	users := map[string]store.User{
		"super":      mk("super", store.User{Role: store.RoleSuperAdmin}),
		"supervisor": mk("supervisor", store.User{TenantID: demo.TenantID, Role: store.RoleSupervisor}),
		"other":      mk("other", store.User{TenantID: other.ID, Role: store.RoleAdmin}),
	}
	fx.ids["{otherUser}"] = fmt.Sprint(users["other"].ID)
	for _, du := range demo.Users {
		u, err := st.UserByLogin(ctx, du.Login)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case du.Role == store.RoleAdmin:
			users["admin"] = u
			fx.ids["{admin}"] = fmt.Sprint(u.ID)
		case u.Nickname == "Anna":
			users["agent"] = u
			fx.ids["{anna}"] = fmt.Sprint(u.ID)
		}
	}
	for key, u := range users {
		token, err := st.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		c := &client{base: env.URL, cookie: session.Cookie + "=" + token}
		page := c.do(t, "GET", "/admin/profile", nil, "")
		m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("%s: no CSRF token on the profile page (%d)", key, page.status)
		}
		c.csrf = m[1]
		fx.clients[key] = c
	}
	return fx
}

type response struct {
	status   int
	body     string
	location string
}

// do sends a request without following redirects. token "" sends the client's CSRF token
// with a form; "-" sends none.
func (c *client) do(t *testing.T, method, path string, form url.Values, token string) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		form = cloneValues(form)
		switch token {
		case "":
			form.Set("_csrf", c.csrf)
		case "-":
		default:
			form.Set("_csrf", token)
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	return send(t, req)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func (fx *fixture) expand(s string) string {
	for k, v := range fx.ids {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// expandForm fills the path placeholders into form values (ids of this fixture's rows).
func (fx *fixture) expandForm(form url.Values) url.Values {
	if form == nil {
		return nil
	}
	out := url.Values{}
	for k, vs := range form {
		for _, v := range vs {
			out.Add(k, fx.expand(v))
		}
	}
	return out
}

// scenario is one request and what must come of it.
type scenario struct {
	name    string
	as      string // client key; "" is not signed in
	method  string
	path    string
	form    url.Values
	token   string // "" the session's, "-" none, else this value
	status  int
	want    []string // substrings of the body (or the Location for redirects)
	notWant []string
	after   func(t *testing.T, fx *fixture)
}

// surveyTypeOptions are the options of the survey form's type list: every type of the survey
// model with its label.
func surveyTypeOptions() []string {
	var out []string
	for _, t := range survey.Types {
		out = append(out, `<option value="`+t.Name+`"`, ">"+html.EscapeString(t.Label)+"</option>")
	}
	return out
}

// userForm is a complete form for a new agent as a browser would send it.
func userForm(mod func(url.Values)) url.Values {
	v := url.Values{
		"name": {"Carla Example"}, "nickname": {"Carla"}, "login": {"carla@test.parley"}, "email": {""}, "lang": {"en"},
		"password": {"long-enough-password"}, "role": {"agent"}, "max_chats": {"3"}, "groups": {"{group}"},
		"skill_name": {"english", ""}, "skill_level": {"4", ""}, "missed_limit": {"0"}, "missed_status_id": {"0"},
	}
	if mod != nil {
		mod(v)
	}
	return v
}

// connectorForm is a complete connector form as a browser would send it.
func connectorForm(mod func(url.Values)) url.Values {
	v := url.Values{
		"name": {"Website chat"}, "title": {"Chat with us"}, "group_id": {"1"}, "max_chats_all": {"0"}, "priority": {"0"},
		"connect_wait": {"30"}, "answer_time": {"120"}, "free_agent_search": {"300"}, "reconnect_window": {"60"},
		"waiting1": {"30"}, "waiting2": {"90"}, "waiting_final": {"0"},
		"skill1": {""}, "skill1_min": {""}, "skill1_ignore": {""}, "ignore_skills_after": {"0"},
		"position": {"bottom-right"}, "show_wait_time": {"on"}, "leave_message": {"on"}, "idle_timeout": {"0"}, "idle_warning": {"0"}, "max_message_length": {"0"},
	}
	if mod != nil {
		mod(v)
	}
	return v
}

func scenarios() []scenario {
	return []scenario{
		// Sign-in and roles.
		{name: "anonymous is sent to sign in", method: "GET", path: "/admin/connectors", status: 303, want: []string{"/admin/login?next="}},
		{name: "sign-in page", method: "GET", path: "/admin/login", status: 200, want: []string{"<h1>Sign in</h1>", `name="_csrf"`}},
		{name: "sign-in without the form token", method: "POST", path: "/admin/login", form: url.Values{"login": {"x"}, "password": {"y"}}, token: "-", status: 403, want: []string{"could not be accepted"}},
		{name: "agent may not configure", as: "agent", method: "GET", path: "/admin/connectors", status: 403, want: []string{"may not open this page"}},
		{name: "agent sees own profile", as: "agent", method: "GET", path: "/admin/profile", status: 200, want: []string{"Your profile", "Anna"}, notWant: []string{`href="/admin/connectors"`}},
		{name: "supervisor reads connectors", as: "supervisor", method: "GET", path: "/admin/connectors", status: 200, want: []string{"Website chat"}, notWant: []string{"New connector"}},
		{name: "supervisor may not edit", as: "supervisor", method: "GET", path: "/admin/connectors/{conn}", status: 403},
		{name: "supervisor may not post", as: "supervisor", method: "POST", path: "/admin/groups/new", form: url.Values{"name": {"X"}, "strategy": {"round_robin"}}, status: 403},
		{name: "supervisor live overview", as: "supervisor", method: "GET", path: "/admin/overview", status: 200, want: []string{`data-refresh="5"`, "Waiting chats"}},
		{name: "supervisor left messages", as: "supervisor", method: "GET", path: "/admin/left", status: 200, want: []string{"<h1>Left messages</h1>", "No messages have been left."}},
		{name: "agent may not read left messages", as: "agent", method: "GET", path: "/admin/left", status: 403},
		{name: "admin home goes to connectors", as: "admin", method: "GET", path: "/admin/", status: 303, want: []string{"/admin/connectors"}},
		{name: "admin may not list tenants", as: "admin", method: "GET", path: "/admin/tenants", status: 403},
		// Tenant isolation: another tenant's rows do not exist for this admin.
		{name: "foreign connector hidden", as: "admin", method: "GET", path: "/admin/connectors/{otherConn}", status: 404},
		{name: "foreign connector not changed", as: "admin", method: "POST", path: "/admin/connectors/{otherConn}", form: connectorForm(nil), status: 404,
			after: func(t *testing.T, fx *fixture) {
				c := must(fx.st.Connector(context.Background(), id(fx, "{otherConn}")))
				if c.Name != "Their chat" {
					t.Fatalf("another tenant's connector changed: %q", c.Name)
				}
			}},
		{name: "foreign texts hidden", as: "admin", method: "GET", path: "/admin/connectors/{otherConn}/texts", status: 404},
		{name: "foreign user hidden", as: "admin", method: "GET", path: "/admin/users/{otherUser}", status: 404},
		{name: "foreign user not deactivated", as: "admin", method: "POST", path: "/admin/users/{otherUser}/active", form: url.Values{"active": {"0"}}, status: 404},
		{name: "foreign tenant hidden", as: "admin", method: "GET", path: "/admin/tenants/{otherTenant}", status: 404},
		{name: "other admin sees only own connectors", as: "other", method: "GET", path: "/admin/connectors", status: 200, want: []string{"Their chat"}, notWant: []string{"Website chat"}},
		{name: "super-admin lists tenants", as: "super", method: "GET", path: "/admin/tenants", status: 200, want: []string{"Demo Company", "Other Corp"}},
		{name: "super-admin creates a tenant", as: "super", method: "POST", path: "/admin/tenants/new", form: url.Values{"name": {"Third"}, "time_zone": {"Europe/Vienna"}, "default_lang": {"de"}}, status: 303},
		{name: "tenant time zone validated", as: "admin", method: "POST", path: "/admin/tenants/{tenant}", form: url.Values{"name": {"Demo Company"}, "time_zone": {"Mars/Base"}, "default_lang": {"en"}}, status: 422, want: []string{"Enter a time zone name", `value="Mars/Base"`}},
		// CSRF.
		{name: "post without token refused", as: "admin", method: "POST", path: "/admin/groups/new", form: url.Values{"name": {"Sneaky"}, "strategy": {"round_robin"}}, token: "-", status: 403, want: []string{"could not be accepted"}},
		{name: "post with another session's token refused", as: "admin", method: "POST", path: "/admin/groups/new", form: url.Values{"name": {"Sneaky"}, "strategy": {"round_robin"}}, token: "AAAA", status: 403,
			after: func(t *testing.T, fx *fixture) {
				for _, g := range must(fx.st.Groups(context.Background(), id(fx, "{tenant}"))) {
					if g.Name == "Sneaky" {
						t.Fatal("a refused form was saved")
					}
				}
			}},
		// Validation keeps what was typed and says what is wrong, next to the field.
		{name: "connector validation", as: "admin", method: "POST", path: "/admin/connectors/new",
			form: connectorForm(func(v url.Values) {
				v.Set("name", "")
				v.Set("hours_enabled", "on")
				v.Set("hours_mon", "9-17")
				v.Set("whatsapp_enabled", "on")
				v.Set("whatsapp_number", "030 1234")
				v.Set("allowed_origins", "not a site")
				v.Set("skill1", "English!")
				v.Set("idle_timeout", "60")
				v.Set("idle_warning", "90")
				v.Set("title", "Typed <title>")
			}), status: 422,
			want: []string{"Enter a name", "is not like 09:00-17:00", "E.164", "is not a site origin", "Skill names are lower-case", "The warning must come before",
				`value="9-17"`, `value="Typed &lt;title&gt;"`, `aria-invalid="true"`, "WhatsApp needs the TynTec API key"}},
		// WhatsApp: the approved templates are saved, the webhook URL with the connector's
		// secret is shown once WhatsApp is on, and a template line that is not "name language"
		// is refused next to its field with nothing saved.
		{name: "connector whatsapp templates saved", as: "admin", method: "POST", path: "/admin/connectors/{conn}",
			form: connectorForm(func(v url.Values) {
				v.Set("group_id", "{group}")
				v.Set("whatsapp_enabled", "on")
				v.Set("whatsapp_api_key", "key-1")
				v.Set("whatsapp_number", "+4930123456")
				v.Set("whatsapp_templates", "order_update de\r\nwelcome_back en_US")
			}), status: 303, want: []string{"/admin/connectors/{conn}?saved=1"},
			after: func(t *testing.T, fx *fixture) {
				c := must(fx.st.Connector(context.Background(), id(fx, "{conn}")))
				if c.WhatsAppTemplates != "order_update de\nwelcome_back en_US" || c.WhatsAppSecret == "" {
					t.Fatalf("templates %q secret %q", c.WhatsAppTemplates, c.WhatsAppSecret)
				}
			}},
		{name: "connector whatsapp webhook shown", as: "admin", method: "GET", path: "/admin/connectors/{conn}", status: 200,
			want: []string{`id="tyntec-webhook"`, "/tyntec/", "welcome_back en_US"}},
		{name: "connector whatsapp templates validated", as: "admin", method: "POST", path: "/admin/connectors/{conn}",
			form: connectorForm(func(v url.Values) {
				v.Set("group_id", "{group}")
				v.Set("whatsapp_templates", "order update in German")
			}), status: 422, want: []string{"Write one template a line", "order update in German"}},
		// Waiting messages: saved on update and on create; out of order or negative is refused
		// next to the field, with what was typed kept and nothing saved.
		{name: "connector waiting messages saved", as: "admin", method: "POST", path: "/admin/connectors/{conn}",
			form: connectorForm(func(v url.Values) {
				v.Set("group_id", "{group}")
				v.Set("waiting1", "20")
				v.Set("waiting2", "45")
				v.Set("waiting_final", "240")
			}), status: 303, want: []string{"/admin/connectors/{conn}?saved=1"},
			after: func(t *testing.T, fx *fixture) {
				c := must(fx.st.Connector(context.Background(), id(fx, "{conn}")))
				if c.Waiting1 != 20*time.Second || c.Waiting2 != 45*time.Second || c.WaitingFinal != 240*time.Second {
					t.Fatalf("waiting %v %v %v", c.Waiting1, c.Waiting2, c.WaitingFinal)
				}
			}},
		// The waiting options: write first, the sneak peek and the longest wait are saved;
		// a wait out of range is refused next to its field and nothing is saved.
		{name: "connector waiting options saved", as: "admin", method: "POST", path: "/admin/connectors/{conn}",
			form: connectorForm(func(v url.Values) {
				v.Set("group_id", "{group}")
				v.Set("write_first", "on")
				v.Set("max_wait", "600")
			}), status: 303, want: []string{"/admin/connectors/{conn}?saved=1"},
			after: func(t *testing.T, fx *fixture) {
				tb := must(store.ParseToolbox(must(fx.st.Connector(context.Background(), id(fx, "{conn}"))).Toolbox))
				if !tb.WriteFirst || tb.MaxWait != 600 || tb.Preview {
					t.Fatalf("toolbox %+v", tb)
				}
			}},
		{name: "connector waiting options shown", as: "admin", method: "GET", path: "/admin/connectors/{conn}", status: 200,
			want: []string{`name="write_first" value="on" checked`, `name="max_wait" value="600"`, "Sneak peek"}},
		{name: "connector wait limit validated", as: "admin", method: "POST", path: "/admin/connectors/{conn}",
			form: connectorForm(func(v url.Values) {
				v.Set("group_id", "{group}")
				v.Set("preview", "on")
				v.Set("max_wait", "86401")
			}), status: 422, want: []string{`value="86401"`, `aria-invalid="true"`},
			after: func(t *testing.T, fx *fixture) {
				if tb := must(store.ParseToolbox(must(fx.st.Connector(context.Background(), id(fx, "{conn}"))).Toolbox)); tb.Preview || tb.MaxWait != 600 {
					t.Fatalf("a refused form was saved: %+v", tb)
				}
			}},
		// Visitor presence is switched on and off by the checkbox.
		{name: "connector visitor presence on", as: "admin", method: "POST", path: "/admin/connectors/{conn}",
			form: connectorForm(func(v url.Values) {
				v.Set("group_id", "{group}")
				v.Set("visitor_presence", "on")
				v.Set("waiting1", "20")
				v.Set("waiting2", "45")
				v.Set("waiting_final", "240")
			}), status: 303, want: []string{"/admin/connectors/{conn}?saved=1"},
			after: func(t *testing.T, fx *fixture) {
				if c := must(fx.st.Connector(context.Background(), id(fx, "{conn}"))); !c.VisitorPresence {
					t.Fatal("visitor presence not saved")
				}
			}},
		{name: "connector visitor presence shown", as: "admin", method: "GET", path: "/admin/connectors/{conn}", status: 200,
			want: []string{`name="visitor_presence" value="on" checked`}},
		{name: "connector visitor presence off", as: "admin", method: "POST", path: "/admin/connectors/{conn}",
			form: connectorForm(func(v url.Values) {
				v.Set("group_id", "{group}")
				v.Set("waiting1", "20")
				v.Set("waiting2", "45")
				v.Set("waiting_final", "240")
			}), status: 303,
			after: func(t *testing.T, fx *fixture) {
				if c := must(fx.st.Connector(context.Background(), id(fx, "{conn}"))); c.VisitorPresence {
					t.Fatal("visitor presence not switched off")
				}
			}},
		{name: "connector waiting messages shown", as: "admin", method: "GET", path: "/admin/connectors/{conn}", status: 200,
			want: []string{`name="waiting1" value="20"`, `name="waiting2" value="45"`, `name="waiting_final" value="240"`, "&#34;waitingFinal&#34;"}},
		{name: "connector waiting messages out of order", as: "admin", method: "POST", path: "/admin/connectors/{conn}",
			form: connectorForm(func(v url.Values) {
				v.Set("group_id", "{group}")
				v.Set("waiting1", "90")
				v.Set("waiting2", "60")
				v.Set("waiting_final", "75")
			}), status: 422,
			want: []string{"The second waiting message must come after the first", "The final waiting message must come after the other two",
				`name="waiting1" value="90"`, `name="waiting2" value="60"`, `name="waiting_final" value="75"`, "Please correct the 2 marked fields"},
			after: func(t *testing.T, fx *fixture) {
				c := must(fx.st.Connector(context.Background(), id(fx, "{conn}")))
				if c.Waiting1 != 20*time.Second || c.Waiting2 != 45*time.Second || c.WaitingFinal != 240*time.Second {
					t.Fatalf("a refused form changed the waiting messages: %v %v %v", c.Waiting1, c.Waiting2, c.WaitingFinal)
				}
			}},
		{name: "connector final waiting message before the first", as: "admin", method: "POST", path: "/admin/connectors/{conn}",
			form: connectorForm(func(v url.Values) {
				v.Set("waiting1", "60")
				v.Set("waiting2", "0")
				v.Set("waiting_final", "30")
			}), status: 422, want: []string{"The final waiting message must come after the other two", `name="waiting_final" value="30"`},
			notWant: []string{"The second waiting message must come"}},
		{name: "connector waiting message negative", as: "admin", method: "POST", path: "/admin/connectors/{conn}",
			form: connectorForm(func(v url.Values) {
				v.Set("waiting1", "-5")
				v.Set("waiting2", "abc")
			}), status: 422, want: []string{"Enter a whole number from 0 to 86400", `name="waiting1" value="-5"`, `name="waiting2" value="abc"`}},
		{name: "new connector with waiting messages", as: "admin", method: "POST", path: "/admin/connectors/new",
			form: connectorForm(func(v url.Values) {
				v.Set("name", "Waiting shop")
				v.Set("group_id", "{group}")
				v.Set("waiting1", "0")
				v.Set("waiting2", "50")
				v.Set("waiting_final", "100")
			}), status: 303,
			after: func(t *testing.T, fx *fixture) {
				for _, c := range must(fx.st.Connectors(context.Background(), id(fx, "{tenant}"))) {
					if c.Name == "Waiting shop" {
						if c.Waiting1 != 0 || c.Waiting2 != 50*time.Second || c.WaitingFinal != 100*time.Second {
							t.Fatalf("waiting %v %v %v", c.Waiting1, c.Waiting2, c.WaitingFinal)
						}
						return
					}
				}
				t.Fatal("the new connector was not saved")
			}},
		// The chat report export of a connector (jtel's REST settings).
		{name: "export: form with the document's defaults", as: "admin", method: "GET", path: "/admin/connectors/{conn}/export", status: 200,
			want: []string{`name="token_url"`, "$tokenResponse.body.JSON.access_token", "&lt;chatReport&gt;", "Send a test export", "$chat.udata.&lt;key&gt;"}},
		{name: "export: foreign connector hidden", as: "admin", method: "GET", path: "/admin/connectors/{otherConn}/export", status: 404},
		{name: "export: foreign connector not changed", as: "admin", method: "POST", path: "/admin/connectors/{otherConn}/export",
			form: url.Values{"export_url": {"https://93.184.216.34/x"}}, status: 404},
		{name: "export: unknown placeholder", as: "admin", method: "POST", path: "/admin/connectors/{conn}/export",
			form: url.Values{"enabled": {"on"}, "export_url": {"https://93.184.216.34/x"}, "export_body": {`{"a":"$chat.nmae"}`}}, status: 422,
			want: []string{"$chat.nmae is not a placeholder"}},
		{name: "export: token response without a token post", as: "admin", method: "POST", path: "/admin/connectors/{conn}/export",
			form: url.Values{"export_url": {"https://93.184.216.34/x"}, "export_header": {"Authorization: Bearer $tokenResponse.body.JSON.access_token"}}, status: 422,
			want: []string{"$tokenResponse needs a token post"}},
		{name: "export: broken XML template", as: "admin", method: "POST", path: "/admin/connectors/{conn}/export",
			form: url.Values{"export_url": {"https://93.184.216.34/x"}, "xml_template": {"<a><b>$report.bytes</a>"}}, status: 422,
			want: []string{"not well-formed XML"}},
		{name: "export: private address refused", as: "admin", method: "POST", path: "/admin/connectors/{conn}/export",
			form: url.Values{"enabled": {"on"}, "export_url": {"http://127.0.0.1:9/x"}}, status: 422,
			want: []string{"PARLEY_WEBHOOK_ALLOW_PRIVATE"}},
		{name: "export: saved", as: "admin", method: "POST", path: "/admin/connectors/{conn}/export",
			form: url.Values{"enabled": {"on"}, "token_url": {"https://93.184.216.34/token"}, "token_header": {"Cache-Control: no-cache Authorization: Basic XX"},
				"token_body": {"grant_type=client_credentials"}, "export_url": {"https://93.184.216.34/export"},
				"export_header": {"Content-Type: application/json Authorization: Bearer $tokenResponse.body.JSON.access_token"},
				"export_body":   {`{"CustomerNumber": "$chatConnector.id", "XMLCodedData": "$xmlTemplate.encoded.base64"}`},
				"xml_template":  {"<chatReport><Size>$report.bytes</Size></chatReport>"}}, status: 303,
			after: func(t *testing.T, fx *fixture) {
				c := must(fx.st.Connector(context.Background(), id(fx, "{conn}")))
				set, found, err := fx.st.ReportExport(context.Background(), c.TenantID, c.ID)
				if err != nil || !found || !set.Enabled || set.TokenURL != "https://93.184.216.34/token" || !strings.Contains(set.ExportHeader, "$tokenResponse") {
					t.Fatalf("saved %+v %v %v", set, found, err)
				}
			}},
		{name: "export: test written", as: "admin", method: "POST", path: "/admin/connectors/{conn}/export/test", form: url.Values{}, status: 303},
		{name: "export: log", as: "admin", method: "GET", path: "/admin/exports/log", status: 200, want: []string{"Report export log"}},
		{name: "export: supervisor may not", as: "supervisor", method: "GET", path: "/admin/connectors/{conn}/export", status: 403},
		// The MiCC face of a connector.
		{name: "micc: form", as: "admin", method: "GET", path: "/admin/connectors/{conn}/micc", status: 200, want: []string{"MiCC tenant id", `name="group_name"`, "IgnoreCustomerDetails"}},
		{name: "micc: foreign connector hidden", as: "admin", method: "GET", path: "/admin/connectors/{otherConn}/micc", status: 404},
		{name: "micc: foreign connector not changed", as: "admin", method: "POST", path: "/admin/connectors/{otherConn}/micc",
			form: url.Values{"enabled": {"on"}, "micc_tenant": {"-1"}, "group_id": {"5"}, "group_name": {"Sales"}}, status: 404},
		{name: "micc: invalid", as: "admin", method: "POST", path: "/admin/connectors/{conn}/micc",
			form: url.Values{"enabled": {"on"}, "micc_tenant": {"-5"}, "group_id": {""}, "group_name": {"Sales"}, "reject_group_ids": {"1, x"}, "from_priority": {"fax"}}, status: 422,
			want: []string{"Enter a whole number from -1", "Enter the service group id.", "List service group ids as whole numbers"}},
		{name: "micc: texts keep their placeholders", as: "admin", method: "POST", path: "/admin/connectors/{conn}/micc",
			form: url.Values{"enabled": {"on"}, "micc_tenant": {"-1"}, "group_id": {"5"}, "group_name": {"Sales"}, "toolbox_texts": {`{"NamedAgentJoined#fr": "Un agent"}`}}, status: 422,
			want: []string{"must keep the placeholder {0}"}},
		{name: "micc: texts with an unknown name", as: "admin", method: "POST", path: "/admin/connectors/{conn}/micc",
			form: url.Values{"enabled": {"on"}, "micc_tenant": {"-1"}, "group_id": {"5"}, "group_name": {"Sales"}, "toolbox_texts": {`{"Hello": "x"}`}}, status: 422,
			want: []string{"is not a toolbox text name"}},
		{name: "micc: bad From field", as: "admin", method: "POST", path: "/admin/connectors/{conn}/micc",
			form: url.Values{"enabled": {"on"}, "micc_tenant": {"-1"}, "group_id": {"5"}, "group_name": {"Sales"}, "from_priority": {"fax"}}, status: 422,
			want: []string{"FromPriority field &#34;fax&#34; is not one of phone, email, id"}},
		{name: "micc: saved", as: "admin", method: "POST", path: "/admin/connectors/{conn}/micc",
			form: url.Values{"enabled": {"on"}, "micc_tenant": {"-1"}, "group_id": {"5"}, "group_name": {"Sales"}, "ignore_customer_details": {"on"},
				"reject_group_ids": {"7, 8"}, "from_priority": {"phone, ID"}, "toolbox_texts": {`{"StartChat#fr-BE": "Commencer", "NamedAgentJoined": "{0} est là"}`}}, status: 303,
			after: func(t *testing.T, fx *fixture) {
				m := must(fx.st.MiCCServiceOf(context.Background(), must(fx.st.Connector(context.Background(), id(fx, "{conn}"))).TenantID, id(fx, "{conn}")))
				if m.MiCCTenant != -1 || m.GroupID != 5 || m.GroupName != "Sales" || !m.IgnoreCustomerDetails || len(m.RejectGroupIDs) != 2 || strings.Join(m.FromPriority, ",") != "phone,id" || m.Texts["StartChat#fr-BE"] != "Commencer" {
					t.Fatalf("saved %+v", m)
				}
			}},
		{name: "micc: switched off", as: "admin", method: "POST", path: "/admin/connectors/{conn}/micc", form: url.Values{}, status: 303,
			after: func(t *testing.T, fx *fixture) {
				c := must(fx.st.Connector(context.Background(), id(fx, "{conn}")))
				if _, err := fx.st.MiCCServiceOf(context.Background(), c.TenantID, c.ID); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("still there: %v", err)
				}
			}},
		{name: "survey field validation", as: "admin", method: "POST", path: "/admin/connectors/{conn}/surveys/new",
			form:   url.Values{"kind": {"pre"}, "name": {"order_no"}, "type": {"text"}, "prompt": {"Order number"}, "mask": {"[0-9"}, "select_type": {"select"}, "validate_low": {"-1"}, "validate_high": {"-1"}},
			status: 422, want: []string{"This is not a regular expression Parley understands", `value="[0-9"`}},
		{name: "survey field: the name is checked next to its input", as: "admin", method: "POST", path: "/admin/connectors/{conn}/surveys/new",
			form:   url.Values{"kind": {"pre"}, "name": {"1bad"}, "type": {"text"}, "prompt": {"Order number"}, "select_type": {"select"}, "validate_low": {"-1"}, "validate_high": {"-1"}},
			status: 422, want: []string{"Use a letter, then letters, digits or _ (at most 64).", `id="f-name-err"`, `value="1bad"`}},
		{name: "survey form offers every field type", as: "admin", method: "GET", path: "/admin/connectors/{conn}/surveys/new", status: 200,
			want: surveyTypeOptions()},
		{name: "survey field saved", as: "admin", method: "POST", path: "/admin/connectors/{conn}/surveys/new",
			form:   url.Values{"kind": {"post"}, "name": {"rating"}, "type": {"rating"}, "prompt": {"How did we do?"}, "required": {"on"}, "select_type": {"select"}, "validate_low": {"1"}, "validate_high": {"5"}},
			status: 303, after: func(t *testing.T, fx *fixture) {
				fs := must(fx.st.SurveyFields(context.Background(), id(fx, "{conn}"), store.SurveyPostChat))
				if len(fs) != 1 || fs[0].ValidateHigh != 5 || !fs[0].Required {
					t.Fatalf("fields %+v", fs)
				}
			}},
		{name: "canned folder", as: "admin", method: "POST", path: "/admin/canned/folders", form: url.Values{"name": {"Billing"}, "parent_id": {"0"}}, status: 303},
		{name: "canned response needs text", as: "admin", method: "POST", path: "/admin/canned/responses", form: url.Values{"title": {"Hi"}, "folder_id": {"0"}}, status: 422, want: []string{"Enter the text", `value="Hi"`}},
		{name: "canned response saved", as: "admin", method: "POST", path: "/admin/canned/responses", form: url.Values{"title": {"Hello"}, "text": {"Hello, how can I help?"}, "folder_id": {"0"}}, status: 303,
			after: func(t *testing.T, fx *fixture) {
				rs := must(fx.st.CannedResponses(context.Background(), id(fx, "{tenant}")))
				if len(rs) != 1 || rs[0].Title != "Hello" {
					t.Fatalf("responses %+v", rs)
				}
			}},
		{name: "attachment policy validated", as: "admin", method: "POST", path: "/admin/attachments", form: url.Values{"max_attachment_kb": {"5120"}, "allowed_types": {"pdf, exe"}, "restricted_types": {"exe"}}, status: 422, want: []string{"exe is both allowed and restricted."}},
		{name: "attachment policy defaults shown", as: "admin", method: "GET", path: "/admin/attachments", status: 200, want: []string{`value="5120"`, `value="exe, bat, cmd, com, vbs"`}},
		{name: "ip block validated", as: "admin", method: "POST", path: "/admin/security/blocks", form: url.Values{"prefix": {"300.1.1.1"}}, status: 422, want: []string{"is not an IP address"}},
		{name: "ip block saved", as: "admin", method: "POST", path: "/admin/security/blocks", form: url.Values{"prefix": {"203.0.113.0/24"}, "note": {"spam"}}, status: 303,
			after: func(t *testing.T, fx *fixture) {
				if !must(fx.st.IPBlocked(context.Background(), id(fx, "{tenant}"), "203.0.113.9")) {
					t.Fatal("not blocked")
				}
			}},
		{name: "max chats per ip", as: "admin", method: "POST", path: "/admin/security", form: url.Values{"max_chats_per_ip": {"3"}}, status: 303},
		// The idle threshold after which colleagues see an agent as away.
		{name: "agent idle default shown", as: "admin", method: "GET", path: "/admin/security", status: 200, want: []string{`name="agent_idle_seconds"`, `value="300"`}},
		{name: "agent idle validated", as: "admin", method: "POST", path: "/admin/security", form: url.Values{"agent_idle_seconds": {"5"}}, status: 422, want: []string{"from 10 to 86400"}},
		{name: "agent idle saved", as: "admin", method: "POST", path: "/admin/security", form: url.Values{"agent_idle_seconds": {"45"}}, status: 303,
			after: func(t *testing.T, fx *fixture) {
				if ts := must(fx.st.TenantSettings(context.Background(), id(fx, "{tenant}"))); ts.AgentIdle != 45*time.Second {
					t.Fatalf("idle threshold %v", ts.AgentIdle)
				}
			}},
		{name: "whoson credentials validated", as: "admin", method: "POST", path: "/admin/whoson", form: url.Values{"whos_on_auth": {"bad\x01"}, "whos_on_api_key": {"k"}}, status: 422, want: []string{"Enter at most 200 printable characters", `id="f-whos_on_auth-err"`}},
		{name: "whoson credentials saved", as: "admin", method: "POST", path: "/admin/whoson", form: url.Values{"whos_on_auth": {" myauthstring "}, "whos_on_api_key": {"abcdefg12345"}}, status: 303,
			after: func(t *testing.T, fx *fixture) {
				ts := must(fx.st.TenantSettings(context.Background(), id(fx, "{tenant}")))
				if ts.WhosOnAuth != "myauthstring" || ts.WhosOnAPIKey != "abcdefg12345" || ts.MaxAttachmentKB == 0 {
					t.Fatalf("settings %+v", ts)
				}
			}},
		{name: "whoson page shows them", as: "admin", method: "GET", path: "/admin/whoson", status: 200, want: []string{`value="myauthstring"`, "/whoson"}},
		{name: "whoson page is for admins", as: "agent", method: "GET", path: "/admin/whoson", status: 403},
		{name: "translation page is for admins", as: "supervisor", method: "GET", path: "/admin/translation", status: 403},
		{name: "whoson save leaves translation alone", as: "admin", method: "POST", path: "/admin/whoson", form: url.Values{"whos_on_auth": {"myauthstring"}, "whos_on_api_key": {"abcdefg12345"}, "translate_enabled": {"on"}, "translate_url": {"ftp://x"}}, status: 303,
			after: func(t *testing.T, fx *fixture) {
				if ts := must(fx.st.TenantSettings(context.Background(), id(fx, "{tenant}"))); ts.TranslateEnabled || ts.TranslateURL != "" {
					t.Fatalf("settings %+v", ts)
				}
			}},
		{name: "translation validated", as: "admin", method: "POST", path: "/admin/translation", form: url.Values{"translate_enabled": {"on"}, "translate_url": {"ftp://lt.example.com"}, "translate_api_key": {"secret-key-1"}},
			status: 422, want: []string{`id="f-translate_url-err"`, "Enter an http or https address"}, notWant: []string{"secret-key-1"}},
		{name: "translation languages validated", as: "admin", method: "POST", path: "/admin/translation", form: url.Values{"translate_languages": {"fr, French"}},
			status: 422, want: []string{`id="f-translate_languages-err"`}},
		{name: "translation saved", as: "admin", method: "POST", path: "/admin/translation", form: url.Values{"translate_enabled": {"on"}, "translate_url": {"https://lt.example.com"}, "translate_api_key": {"secret-key-1"}, "translate_languages": {"FR, de,,"}},
			status: 303, after: func(t *testing.T, fx *fixture) {
				ts := must(fx.st.TenantSettings(context.Background(), id(fx, "{tenant}")))
				if !ts.TranslateEnabled || ts.TranslateURL != "https://lt.example.com" || ts.TranslateAPIKey != "secret-key-1" || strings.Join(ts.TranslateLanguages, ",") != "fr,de" {
					t.Fatalf("settings %+v", ts)
				}
			}},
		{name: "translation key never shown", as: "admin", method: "GET", path: "/admin/translation", status: 200, want: []string{`value="https://lt.example.com"`, `value="fr, de"`, "A key is stored and not shown"}, notWant: []string{"secret-key-1"}},
		{name: "translation key kept when empty", as: "admin", method: "POST", path: "/admin/translation", form: url.Values{"translate_url": {"https://lt.example.com"}},
			status: 303, after: func(t *testing.T, fx *fixture) {
				ts := must(fx.st.TenantSettings(context.Background(), id(fx, "{tenant}")))
				if ts.TranslateEnabled || ts.TranslateAPIKey != "secret-key-1" {
					t.Fatalf("settings %+v", ts)
				}
			}},
		{name: "translation key removed", as: "admin", method: "POST", path: "/admin/translation", form: url.Values{"clear_translate_api_key": {"on"}},
			status: 303, after: func(t *testing.T, fx *fixture) {
				if ts := must(fx.st.TenantSettings(context.Background(), id(fx, "{tenant}"))); ts.TranslateAPIKey != "" {
					t.Fatalf("settings %+v", ts)
				}
			}},
		{name: "DeepL needs a key", as: "admin", method: "POST", path: "/admin/translation", form: url.Values{"translate_enabled": {"on"}, "translate_provider": {"deepl"}},
			status: 422, want: []string{`id="f-translate_api_key-err"`}},
		{name: "unknown translation service refused", as: "admin", method: "POST", path: "/admin/translation", form: url.Values{"translate_provider": {"babelfish"}},
			status: 422, want: []string{`id="f-translate_provider-err"`}},
		{name: "translation through DeepL saved", as: "admin", method: "POST", path: "/admin/translation", form: url.Values{"translate_enabled": {"on"}, "translate_provider": {"deepl"}, "translate_api_key": {"deepl-key:fx"}},
			status: 303, after: func(t *testing.T, fx *fixture) {
				ts := must(fx.st.TenantSettings(context.Background(), id(fx, "{tenant}")))
				if !ts.TranslateEnabled || ts.TranslateProvider != translate.DeepL || ts.TranslateURL != "" || ts.TranslateAPIKey != "deepl-key:fx" {
					t.Fatalf("settings %+v", ts)
				}
			}},
		{name: "DeepL shown as the service", as: "admin", method: "GET", path: "/admin/translation", status: 200, want: []string{`<option value="deepl" selected>DeepL</option>`}, notWant: []string{"deepl-key:fx"}},
		{name: "user validation", as: "admin", method: "POST", path: "/admin/users/new", form: url.Values{"login": {"new agent"}, "name": {""}, "role": {"agent"}, "email": {"nope"}, "password": {"short"}, "max_chats": {"500"}, "skill_name": {"english"}, "skill_level": {"x"}},
			status: 422, want: []string{"cannot contain spaces", "Enter the person&#39;s name", "Enter an e-mail address", "at least 10 characters", "from 0 to 100", "level from 0 to 100"}, notWant: []string{`value="short"`}},
		// What WhosOn clients show of an operator: department, phone, bot flag; one line each.
		{name: "user operator details validated", as: "admin", method: "POST", path: "/admin/users/new",
			form: userForm(func(v url.Values) {
				v.Set("department", "Sa\x00les")
				v.Set("phone", "call me maybe")
			}), status: 422, want: []string{`id="f-department-err"`, "without control characters", `id="f-phone-err"`, "Enter a phone number"}},
		{name: "user operator details bounded", as: "admin", method: "POST", path: "/admin/users/new",
			form: userForm(func(v url.Values) {
				v.Set("department", strings.Repeat("d", 101))
				v.Set("phone", strings.Repeat("1", 41))
			}), status: 422, want: []string{"At most 100 characters.", "At most 40 characters."}},
		{name: "user operator details saved", as: "admin", method: "POST", path: "/admin/users/new",
			form: userForm(func(v url.Values) {
				v.Set("login", "bot@test.parley")
				v.Set("name", "Help Bot")
				v.Set("department", " Technical Support ")
				v.Set("phone", "+44 (1782) 822-577")
				v.Set("bot", "on")
			}), status: 303,
			after: func(t *testing.T, fx *fixture) {
				u := must(fx.st.UserByLogin(context.Background(), "bot@test.parley"))
				if u.Department != "Technical Support" || u.Phone != "+44 (1782) 822-577" || !u.Bot {
					t.Fatalf("user %+v", u)
				}
			}},
		{name: "user list shows operator details", as: "admin", method: "GET", path: "/admin/users", status: 200,
			want: []string{"<th scope=\"col\">Department</th>", "<td>Technical Support</td>", "<td>+44 (1782) 822-577</td>", `<span class="badge">bot</span>`, "english 4"}},
		{name: "user operator details saved on update", as: "admin", method: "POST", path: "/admin/users/{anna}",
			form: userForm(func(v url.Values) {
				v.Del("password")
				v.Set("login", "anna@demo.parley")
				v.Set("name", "Anna Example")
				v.Set("nickname", "Anna")
				v.Set("department", "Sales")
				v.Set("phone", "+441782822577")
			}), status: 303},
		{name: "user edit shows operator details", as: "admin", method: "GET", path: "/admin/users/{anna}", status: 200,
			want:    []string{`name="department" value="Sales"`, `name="phone" value="+441782822577"`, `name="bot" value="on" aria-describedby`},
			notWant: []string{`name="bot" value="on" checked`}},
		{name: "user cannot become super-admin", as: "admin", method: "POST", path: "/admin/users/new", form: url.Values{"login": {"boss"}, "name": {"Boss"}, "role": {"superadmin"}, "password": {"long-enough-password"}}, status: 422, want: []string{"Choose a role"}},
		// Automatic status after missed offers: saved on create and on update, a limit needs one
		// of the tenant's own statuses.
		{name: "user missed offers saved on create", as: "admin", method: "POST", path: "/admin/users/new",
			form: userForm(func(v url.Values) {
				v.Set("missed_limit", "3")
				v.Set("missed_status_id", "{away}")
			}), status: 303,
			after: func(t *testing.T, fx *fixture) {
				u := must(fx.st.UserByLogin(context.Background(), "carla@test.parley"))
				if u.MissedLimit != 3 || fmt.Sprint(u.MissedStatusID) != fx.ids["{away}"] {
					t.Fatalf("missed %d, status %d", u.MissedLimit, u.MissedStatusID)
				}
			}},
		{name: "user missed offers saved on update", as: "admin", method: "POST", path: "/admin/users/{anna}",
			form: userForm(func(v url.Values) {
				v.Del("password")
				v.Set("login", "anna@demo.parley")
				v.Set("name", "Anna Example")
				v.Set("nickname", "Anna")
				v.Set("missed_limit", "2")
				v.Set("missed_status_id", "{away}")
			}), status: 303,
			after: func(t *testing.T, fx *fixture) {
				u := must(fx.st.User(context.Background(), id(fx, "{anna}")))
				if u.MissedLimit != 2 || fmt.Sprint(u.MissedStatusID) != fx.ids["{away}"] {
					t.Fatalf("missed %d, status %d", u.MissedLimit, u.MissedStatusID)
				}
			}},
		{name: "user missed offers shown", as: "admin", method: "GET", path: "/admin/users/{anna}", status: 200,
			want: []string{`name="missed_limit" value="2"`, `<option value="{away}" selected>Away</option>`, `<option value="0">—</option>`}},
		{name: "user missed offers need a status", as: "admin", method: "POST", path: "/admin/users/{anna}",
			form: userForm(func(v url.Values) {
				v.Del("password")
				v.Set("login", "anna@demo.parley")
				v.Set("nickname", "Annie")
				v.Set("missed_limit", "4")
				v.Set("missed_status_id", "0")
			}), status: 422,
			want: []string{"Choose the status the agent gets after 4 missed offers", `name="missed_limit" value="4"`, `value="Annie"`, `<option value="0" selected>—</option>`},
			after: func(t *testing.T, fx *fixture) {
				u := must(fx.st.User(context.Background(), id(fx, "{anna}")))
				if u.MissedLimit != 2 || u.Nickname != "Anna" {
					t.Fatalf("a refused form was saved: missed %d, nickname %q", u.MissedLimit, u.Nickname)
				}
			}},
		{name: "user missed status of another tenant", as: "admin", method: "POST", path: "/admin/users/new",
			form: userForm(func(v url.Values) {
				v.Set("login", "dora@test.parley")
				v.Set("missed_limit", "1")
				v.Set("missed_status_id", "{otherStatus}")
			}), status: 422, want: []string{"Choose a status from the list", `name="missed_limit" value="1"`, `value="dora@test.parley"`}},
		{name: "user missed limit negative", as: "admin", method: "POST", path: "/admin/users/new",
			form: userForm(func(v url.Values) {
				v.Set("login", "dora@test.parley")
				v.Set("missed_limit", "-1")
				v.Set("missed_status_id", "{away}")
			}), status: 422, want: []string{"Enter a whole number from 0 to 100", `name="missed_limit" value="-1"`, `<option value="{away}" selected>Away</option>`},
			notWant: []string{"Choose the status"}},
		{name: "status colours validated", as: "admin", method: "POST", path: "/admin/statuses/new", form: url.Values{"name": {"Lunch"}, "font_color": {"white"}, "background_color": {"#123456"}}, status: 422, want: []string{"Enter a colour like #ffffff"}},
		{name: "embed code", as: "admin", method: "GET", path: "/admin/connectors/{conn}/embed?position=top-left&color=%23ff0000", status: 200,
			want: []string{"/widget.js&#34; data-connector=", `data-position=&#34;top-left&#34;`, "parleyConfig", "<iframe", "/preview?position=top-left",
				"/gui//chat.js&#39;&gt;", "JTEL.initChat({", "Hash: &#39;"}},
		{name: "embed preview", as: "admin", method: "GET", path: "/admin/connectors/{conn}/preview?lang=de", status: 200, want: []string{`src="/widget.js"`, `data-lang="de"`}},
		{name: "decisions of a foreign chat", as: "supervisor", method: "GET", path: "/admin/api/chats/nochat/decisions", status: 404},
		{name: "unknown page", as: "admin", method: "GET", path: "/admin/nothing", status: 404},
		{name: "sign out", as: "agent", method: "POST", path: "/admin/logout", form: url.Values{}, status: 303,
			after: func(t *testing.T, fx *fixture) {
				if r := fx.clients["agent"].do(t, "GET", "/admin/profile", nil, ""); r.status != 303 {
					t.Fatalf("after sign-out: %d", r.status)
				}
			}},
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func id(fx *fixture, key string) int64 {
	var n int64
	fmt.Sscan(fx.ids[key], &n)
	return n
}

// TestScenarios runs every page scenario against a real server on SQLite and on PostgreSQL.
func TestScenarios(t *testing.T) {
	for _, db := range []struct {
		name string
		pg   bool
	}{{"sqlite", false}, {"postgres", true}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t, db.pg)
			for _, sc := range scenarios() {
				t.Run(sc.name, func(t *testing.T) {
					r := fx.clients[sc.as].do(t, sc.method, fx.expand(sc.path), fx.expandForm(sc.form), sc.token)
					text := r.body
					if r.status == 303 {
						text = r.location
					}
					if r.status != sc.status {
						t.Fatalf("%s %s: status %d, want %d\n%s", sc.method, sc.path, r.status, sc.status, excerpt(text))
					}
					for _, w := range sc.want {
						if !strings.Contains(text, fx.expand(w)) {
							t.Errorf("missing %q in\n%s", w, excerpt(text))
						}
					}
					for _, w := range sc.notWant {
						if strings.Contains(text, w) {
							t.Errorf("unexpected %q", w)
						}
					}
					if sc.after != nil {
						sc.after(t, fx)
					}
				})
			}
		})
	}
}

func excerpt(s string) string {
	if i := strings.Index(s, `class="error"`); i >= 0 {
		s = s[max(0, i-300):]
	} else if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		s = s[:3000] + "…"
	}
	return s
}

// TestSignInRateLimited checks the real sign-in form and its lockout after wrong passwords
// (the budgets themselves are tested in package signin and, across both sign-in doors and
// many addresses, in package server).
func TestSignInRateLimited(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	admin := env.DemoUser(t, store.RoleAdmin, 0)
	jar := &client{base: env.URL}
	signIn := func(pw string) response {
		page := jar.do(t, "GET", "/admin/login", nil, "")
		m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("no token on the sign-in page")
		}
		jar.cookie = loginCookie(t, env.URL, m[1])
		return jar.do(t, "POST", "/admin/login", url.Values{"login": {admin.Login}, "password": {pw}}, m[1])
	}
	if r := signIn("wrong password"); r.status != 401 || !strings.Contains(r.body, "wrong") || strings.Contains(r.body, "wrong password") {
		t.Fatalf("wrong password: %d", r.status)
	}
	if r := signIn(admin.Password); r.status != 303 || r.location != "/admin/" {
		t.Fatalf("sign-in: %d %s", r.status, r.location)
	}
	// The success cleared the count: five more wrong passwords lock the login.
	for i := range 5 {
		if r := signIn("wrong again"); r.status != 401 {
			t.Fatalf("wrong password %d after a success: %d", i+1, r.status)
		}
	}
	if r := signIn(admin.Password); r.status != 429 || !strings.Contains(r.body, "Too many wrong passwords for this login") {
		t.Fatalf("the right password during the lockout: %d", r.status)
	}
}

// loginCookie is the double-submit cookie the sign-in page set with token.
func loginCookie(t *testing.T, base, token string) string {
	return "parley_admin_login=" + token
}

// TestSavedChangeRoutesAtOnce saves a skill requirement on the connector and a skill on an
// agent through the pages, and checks that routing follows each save at once, on both
// databases, and that a supervisor can read why.
func TestSavedChangeRoutesAtOnce(t *testing.T) {
	for _, db := range []struct {
		name string
		pg   bool
	}{{"sqlite", false}, {"postgres", true}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t, db.pg)
			adm := fx.clients["admin"]
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			// The connector now needs French, which nobody has.
			r := adm.do(t, "POST", fx.expand("/admin/connectors/{conn}"), connectorForm(func(v url.Values) {
				v.Set("group_id", fmt.Sprint(fx.env.Demo.GroupID))
				v.Set("skill1", "french")
				v.Set("skill1_min", "3")
			}), "")
			if r.status != 303 {
				t.Fatalf("save connector: %d %s", r.status, excerpt(r.body))
			}
			anna, _ := fx.env.Agent(t, 0)
			visitor, _ := fx.env.Visitor(t)
			ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Véronique", Question: "Bonjour"})
			if err != nil {
				t.Fatal(err)
			}
			chatID := ack.Body.(*protocol.Ack).Chat
			if offer := awaitOffer(anna, 1500*time.Millisecond); offer != "" {
				t.Fatalf("Anna got an offer for a French chat before she speaks French: %s", offer)
			}

			// Give Anna French on her user page: she gets the waiting chat at once.
			u := must(fx.st.User(ctx, id(fx, "{anna}")))
			form := url.Values{"login": {u.Login}, "name": {u.Name}, "nickname": {u.Nickname}, "email": {u.Email}, "role": {u.Role},
				"max_chats": {"3"}, "lang": {"en"}, "groups": {fmt.Sprint(fx.env.Demo.GroupID)},
				"skill_name": {"english", "german", "french"}, "skill_level": {"5", "3", "4"}}
			if r := adm.do(t, "POST", fx.expand("/admin/users/{anna}"), form, ""); r.status != 303 {
				t.Fatalf("save user: %d %s", r.status, excerpt(r.body))
			}
			if offer := awaitOffer(anna, 5*time.Second); offer != chatID {
				t.Fatalf("after the save Anna got offer %q, want %q", offer, chatID)
			}

			// The supervisor sees the routing decisions of the chat.
			r = fx.clients["supervisor"].do(t, "GET", "/admin/api/chats/"+chatID+"/decisions", nil, "")
			var out struct {
				Decisions []struct{ Event, Detail, AgentName string }
			}
			if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != 200 {
				t.Fatalf("decisions: %d %s", r.status, r.body)
			}
			events := []string{}
			for _, d := range out.Decisions {
				events = append(events, d.Event+" "+d.Detail)
			}
			joined := strings.Join(events, "; ")
			if !strings.Contains(joined, "offered") || !strings.Contains(joined, "french") {
				t.Errorf("decision log lacks the offer or the skill: %s", joined)
			}
			// Another tenant's admin cannot read it.
			if r := fx.clients["other"].do(t, "GET", "/admin/api/chats/"+chatID+"/decisions", nil, ""); r.status != 404 {
				t.Errorf("foreign tenant read decisions: %d", r.status)
			}
		})
	}
}

// awaitOffer returns the chat of the first offer within d, "" if none came.
func awaitOffer(c *protoclient.Client, d time.Duration) string {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Offer); return ok })
	if err != nil {
		return ""
	}
	return ev.Chat
}
