package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// The agent app's HTTP API: sign-in errors, who am I, canned responses and earlier chats, each
// only for a signed-in user of the tenant.
func TestAgentAPI(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		st := env.Server.Store()
		f, err := st.CreateCannedFolder(ctx, store.CannedFolder{TenantID: env.Demo.TenantID, Name: "Orders"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateCannedResponse(ctx, store.CannedResponse{TenantID: env.Demo.TenantID, FolderID: f.ID, Title: "Shipping", Text: "Two days."}); err != nil {
			t.Fatal(err)
		}
		// An earlier, closed chat of the same visitor (by e-mail).
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		first, _ := startChat(t, ctx, visitor, agent, "Rosa")
		if _, err := visitor.Call(ctx, first, &protocol.Send{Text: "about my order"}); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Call(ctx, first, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}
		v2, _ := env.Visitor(t)
		second, _ := startChat(t, ctx, v2, agent, "Rosa")
		anna := env.DemoUser(t, "agent", 0)
		token := env.Login(t, anna.Login, anna.Password)

		do := func(method, path, token string, body any) (int, []byte) {
			t.Helper()
			var rd io.Reader
			if body != nil {
				b, _ := json.Marshal(body)
				rd = bytes.NewReader(b)
			}
			req, _ := http.NewRequestWithContext(ctx, method, env.URL+path, rd)
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, out
		}
		for _, tc := range []struct {
			name, method, path, token string
			body                      any
			status                    int
			contains                  string
		}{
			{"wrong password", "POST", "/api/login", "", api.LoginRequest{Login: anna.Login, Password: "nope"}, 401, `"code":"unauthorized"`},
			{"missing fields", "POST", "/api/login", "", api.LoginRequest{Login: anna.Login}, 400, `"code":"invalid"`},
			{"not JSON", "POST", "/api/login", "", "just text", 400, `"code":"bad_json"`},
			{"me signed out", "GET", "/api/me", "", nil, 401, `"unauthorized"`},
			{"me", "GET", "/api/me", token, nil, 200, `"login":"` + anna.Login + `"`},
			{"canned signed out", "GET", "/api/canned", "", nil, 401, `"unauthorized"`},
			{"canned", "GET", "/api/canned", token, nil, 200, `"folder":"Orders","title":"Shipping","text":"Two days."`},
			{"previous signed out", "GET", "/api/chats/" + second + "/previous", "", nil, 401, `"unauthorized"`},
			{"previous unknown chat", "GET", "/api/chats/nope/previous", token, nil, 404, `"not_found"`},
			{"previous", "GET", "/api/chats/" + second + "/previous", token, nil, 200, `"text":"about my order"`},
			{"colleagues signed out", "GET", api.ColleaguesPath, "", nil, 401, `"unauthorized"`},
			{"colleagues", "GET", api.ColleaguesPath, token, nil, 200, `"name":"Ben"`},
		} {
			status, body := do(tc.method, tc.path, tc.token, tc.body)
			if status != tc.status || !strings.Contains(string(body), tc.contains) {
				t.Errorf("%s: %d %s, want %d containing %s", tc.name, status, body, tc.status, tc.contains)
			}
		}
		// The earlier chat only, not the current one; newest first.
		_, body := do("GET", "/api/chats/"+second+"/previous", token, nil)
		var prev api.Previous
		if err := json.Unmarshal(body, &prev); err != nil || len(prev.Chats) != 1 || prev.Chats[0].ID != first || prev.Chats[0].Agent != "Anna" {
			t.Fatalf("previous %s: %v", body, err)
		}
		// Ben sees Anna connected, with her one open chat, and not himself.
		ben := env.DemoUser(t, "agent", 1)
		_, body = do("GET", api.ColleaguesPath, env.Login(t, ben.Login, ben.Password), nil)
		var colleagues []api.Colleague
		if err := json.Unmarshal(body, &colleagues); err != nil {
			t.Fatalf("colleagues %s: %v", body, err)
		}
		seen := map[string]api.Colleague{}
		for _, c := range colleagues {
			seen[c.Name] = c
		}
		if a, ok := seen["Anna"]; !ok || !a.Online || a.Chats != 1 || a.Status == "" || !a.AllowsChat {
			t.Errorf("Anna as Ben sees her: %+v (all: %s)", a, body)
		}
		if _, ok := seen["Ben"]; ok {
			t.Errorf("Ben listed among his own colleagues: %s", body)
		}
		// With her availability for the colleagues panel: connected and just active.
		if a := seen["Anna"]; a.Availability != protocol.AvailActive {
			t.Errorf("Anna's availability %q (all: %s)", a.Availability, body)
		}
		// Signing out ends the session.
		if status, _ := do("POST", "/api/logout", token, map[string]string{}); status != 204 {
			t.Fatalf("logout %d", status)
		}
		if status, _ := do("GET", "/api/me", token, nil); status != 401 {
			t.Fatalf("me after logout %d", status)
		}
	})
}

// A blocked address cannot chat; the per-address limit of open chats holds.
func TestAddressLimits(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	st := env.Server.Store()
	settings, err := st.TenantSettings(ctx, env.Demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	settings.MaxChatsPerIP = 1
	if _, err := st.SaveTenantSettings(ctx, settings); err != nil {
		t.Fatal(err)
	}
	env.Settled(t)
	v1, _ := env.Visitor(t)
	if _, err := v1.Call(ctx, "", &protocol.ChatRequest{Name: "One"}); err != nil {
		t.Fatal(err)
	}
	v2, _ := env.Visitor(t)
	if _, err := v2.Call(ctx, "", &protocol.ChatRequest{Name: "Two"}); !isCode(err, protocol.CodeRateLimited) {
		t.Fatalf("second chat from one address: %v", err)
	}
	if _, err := st.CreateIPBlock(ctx, store.IPBlock{TenantID: env.Demo.TenantID, Prefix: "127.0.0.0/8", Note: "test"}); err != nil {
		t.Fatal(err)
	}
	env.Settled(t)
	c, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Drop()
	if _, err := c.Call(ctx, "", &protocol.VisitorConnect{Connector: env.Demo.ConnectorHash}); !isCode(err, protocol.CodeForbidden) {
		t.Fatalf("blocked address: %v", err)
	}
	if code := c.CloseStatus(); int(code) != int(protocol.CloseForbidden) {
		t.Fatalf("close code %d", code)
	}
}

// New visitor connections are limited per address.
func TestVisitorConnectLimit(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.VisitorConnectsPerMinute = 2 }})
	ctx := ctxT(t)
	for i := range 3 {
		c, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{})
		if i < 2 {
			if err != nil {
				t.Fatalf("connection %d: %v", i+1, err)
			}
			c.Drop()
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "429") {
			t.Fatalf("third connection in a minute: %v", err)
		}
	}
}

// A returning visitor who never gave an e-mail address is recognised by the id the widget keeps
// in their browser: the agent sees their earlier chat.
func TestEarlierChatsByBrowser(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		u := env.DemoUser(t, "agent", 0)
		token := env.Login(t, u.Login, u.Password)
		chatFrom := func(visitorID, question string) string {
			// Command ids unique per page load, as the widget makes them.
			v, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{IDPrefix: question + "-"})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Drop()
			if _, err := v.Call(ctx, "", &protocol.VisitorConnect{Connector: env.Demo.ConnectorHash, VisitorID: visitorID}); err != nil {
				t.Fatal(err)
			}
			ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: "Anonymous", Question: question})
			if err != nil {
				t.Fatal(err)
			}
			id := ack.Body.(*protocol.Ack).Chat
			if _, err := v.Call(ctx, id, &protocol.Close{}); err != nil {
				t.Fatal(err)
			}
			return id
		}
		first := chatFrom("browser-42", "first visit")
		chatFrom("browser-99", "someone else")
		second := chatFrom("browser-42", "back again")
		req, _ := http.NewRequest("GET", env.URL+"/api/chats/"+second+"/previous", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var prev api.Previous
		if err := json.Unmarshal(body, &prev); err != nil || len(prev.Chats) != 1 || prev.Chats[0].ID != first {
			t.Fatalf("previous %s: %v", body, err)
		}
		agent.Drop()
	})
}
