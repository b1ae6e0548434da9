package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// The agent app's history over the live write path: what a visitor and an agent say over
// real WebSocket connections is found by the search at once (the index follows every
// message written), an agent sees only their own chats and transcripts, an administrator
// all of the tenant's, and whatever is typed gives a result or a clear error.
func TestAgentArchive(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		chatID, _ := startChat(t, ctx, visitor, agent, "Rosa")
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "My zebrafish tank arrived <broken>"}); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "Only agents: zebrafish supplier is late", Internal: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}
		anna, ben, admin := env.DemoUser(t, "agent", 0), env.DemoUser(t, "agent", 1), env.DemoUser(t, "admin", 0)
		annaTok, benTok, adminTok := env.Login(t, anna.Login, anna.Password), env.Login(t, ben.Login, ben.Password), env.Login(t, admin.Login, admin.Password)
		get := func(path, token string, out any) int {
			t.Helper()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env.URL+path, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode == 200 && out != nil {
				if err := json.Unmarshal(body, out); err != nil {
					t.Fatalf("%s: %v\n%s", path, err, body)
				}
			}
			return resp.StatusCode
		}
		var a api.Archive
		if code := get(api.ArchivePath+"?q=zebrafish", annaTok, &a); code != 200 || len(a.Hits) != 2 || a.Hits[0].Chat.ID != chatID {
			t.Fatalf("anna's search: %d %+v", code, a)
		}
		if !a.Hits[0].Internal || !strings.Contains(a.Hits[1].Snippet, "<mark>zebrafish</mark>") || !strings.Contains(a.Hits[1].Snippet, "&lt;broken&gt;") {
			t.Fatalf("hits %+v", a.Hits)
		}
		a = api.Archive{}
		if code := get(api.ArchivePath, annaTok, &a); code != 200 || len(a.Chats) != 1 || a.Chats[0].ID != chatID || a.Chats[0].State != "closed" {
			t.Fatalf("anna's list: %d %+v", code, a)
		}
		a = api.Archive{}
		if code := get(api.ArchivePath+"?q=zebrafish", benTok, &a); code != 200 || len(a.Hits) != 0 {
			t.Fatalf("ben sees anna's chat: %d %+v", code, a)
		}
		if code := get(api.ArchiveChatPath+chatID, benTok, nil); code != 404 {
			t.Fatalf("ben reads anna's transcript: %d", code)
		}
		a = api.Archive{}
		if code := get(api.ArchivePath+"?q=zebrafish&state=closed", adminTok, &a); code != 200 || len(a.Hits) != 2 {
			t.Fatalf("admin's search: %d %+v", code, a)
		}
		var tr api.ArchiveTranscript
		if code := get(api.ArchiveChatPath+chatID, annaTok, &tr); code != 200 || tr.Chat.ID != chatID {
			t.Fatalf("transcript: %d", code)
		}
		var said, internal bool
		for _, l := range tr.Lines {
			said = said || l.Text == "My zebrafish tank arrived <broken>"
			internal = internal || (l.Internal && strings.Contains(l.Text, "supplier"))
		}
		if !said || !internal {
			t.Fatalf("transcript lines %+v", tr.Lines)
		}
		if code := get(api.ArchivePath, "", nil); code != 401 {
			t.Fatalf("signed out: %d", code)
		}
		for _, q := range []string{`"`, "NEAR(", "\x00", strings.Repeat("y", 600), "*", "'; DROP TABLE chats; --"} {
			code := get(api.ArchivePath+"?q="+url.QueryEscape(q), annaTok, nil)
			if code != 200 && code != 400 {
				t.Errorf("search %.20q: %d", q, code)
			}
		}
		for _, bad := range []string{"?from=never", "?after=%25", "?q=x&after=!!", "?state=lost"} {
			if code := get(api.ArchivePath+bad, annaTok, nil); code != 400 {
				t.Errorf("%s: %d, want 400", bad, code)
			}
		}
	})
}
