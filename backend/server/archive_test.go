package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
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
		// Tags and outcome after the close: Anna may change her chat's, audited; Ben may not
		// even learn it exists; another tenant's tag and unreadable ids are refused.
		st := env.Server.Store()
		ch, err := st.Chat(ctx, chatID)
		if err != nil {
			t.Fatal(err)
		}
		tag, _ := st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: ch.TenantID, Name: "aquarium"})
		outcome, _ := st.SaveLabel(ctx, store.LabelOutcome, store.Label{TenantID: ch.TenantID, Name: "replaced"})
		other, err := st.CreateTenant(ctx, store.Tenant{Name: "Elsewhere"})
		if err != nil {
			t.Fatal(err)
		}
		theirTag, _ := st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: other.ID, Name: "aquarium"})
		post := func(chat, token string, form url.Values) int {
			t.Helper()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.URL+api.ArchiveChatPath+chat+api.ArchiveLabelsSuffix, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		n := func(id int64) string { return strconv.FormatInt(id, 10) }
		if code := post(chatID, annaTok, url.Values{"tag": {n(tag)}, "outcome": {n(outcome)}}); code != 204 {
			t.Fatalf("anna relabels: %d", code)
		}
		tr = api.ArchiveTranscript{}
		if get(api.ArchiveChatPath+chatID, annaTok, &tr); len(tr.Tags) != 1 || tr.Tags[0] != tag || tr.Outcome != outcome || !tr.MayRelabel {
			t.Fatalf("after relabelling: %+v", tr)
		}
		for name, c := range map[string]struct {
			chat, token string
			form        url.Values
			want        int
		}{
			"ben":         {chatID, benTok, url.Values{"tag": {}}, 404},
			"no chat":     {"no-such-chat", annaTok, url.Values{"tag": {n(tag)}}, 404},
			"their tag":   {chatID, annaTok, url.Values{"tag": {n(theirTag)}}, 400},
			"huge id":     {chatID, annaTok, url.Values{"outcome": {"99999999999999999999"}}, 400},
			"NUL":         {chatID, annaTok, url.Values{"tag": {"\x00"}}, 400},
			"signed out":  {chatID, "nobody", url.Values{"tag": {}}, 401},
			"admin clear": {chatID, adminTok, url.Values{"tag": {n(tag)}, "outcome": {"0"}}, 204},
		} {
			if code := post(c.chat, c.token, c.form); code != c.want {
				t.Errorf("%s: %d, want %d", name, code, c.want)
			}
		}
		if ch, _ := st.Chat(ctx, chatID); ch.OutcomeID != 0 {
			t.Fatalf("outcome after the admin cleared it: %d", ch.OutcomeID)
		}
		var audited int
		entries, _ := st.AuditLog(ctx, store.AuditQuery{TenantID: ch.TenantID, Limit: 100})
		for _, e := range entries {
			if e.Action == "archive/:id/labels" && e.Target == "id="+chatID && e.Outcome == 204 {
				audited++
			}
		}
		if audited != 2 {
			t.Fatalf("%d audited relabellings, want 2: %+v", audited, entries)
		}
		// The list filters by tag, outcome and rating; another tenant's tag finds nothing.
		for query, want := range map[string]int{"?tag=" + n(tag): 1, "?tag=" + n(theirTag): 0, "?outcome=" + n(outcome): 0,
			"?rating_max=2": 0, "?tag=9223372036854775807": 0, "?q=zebrafish&tag=" + n(tag): 2} {
			a = api.Archive{}
			if code := get(api.ArchivePath+query, annaTok, &a); code != 200 || len(a.Chats)+len(a.Hits) != want {
				t.Errorf("%s: %d, %d chats %d hits, want %d", query, code, len(a.Chats), len(a.Hits), want)
			}
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
		for _, bad := range []string{"?from=never", "?after=%25", "?q=x&after=!!", "?state=lost", "?rating_max=99999999999999999999",
			"?rating_min=0", "?tag=-1", "?contact=x", "?after=" + strings.Repeat("A", 1000)} {
			if code := get(api.ArchivePath+bad, annaTok, nil); code != 400 {
				t.Errorf("%.60s: %d, want 400", bad, code)
			}
		}
	})
}
