package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/pdftext"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// A chat's transcript as PDF from the agent API: for the agents who took part and the
// tenant's supervisors and admins, a 404 like a missing chat's for everyone else (another
// agent, other tenants); the file shows the conversation with its umlauts and accents, and
// the whisper and the supervisor's joining marked internal.
func TestTranscriptPDF(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		st := env.Server.Store()
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		chatID, _ := startChat(t, ctx, visitor, agent, "Jürgen")
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Grüß Gott, wo ist meine Bestellung?"}); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "Ça arrive — Ihre Sendung ist unterwegs."}); err != nil {
			t.Fatal(err)
		}

		// People of the demo tenant and of another one.
		user := func(tenant int64, login, name, role string) string {
			t.Helper()
			h, err := password.HashWithParams("pw-"+login, password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.CreateUser(ctx, store.User{TenantID: tenant, Login: login, Name: name, Nickname: strings.Fields(name)[0], Role: role, PasswordHash: h, Active: true}); err != nil {
				t.Fatal(err)
			}
			return env.Login(t, login, "pw-"+login)
		}
		other, err := st.CreateTenant(ctx, store.Tenant{Name: "Other Company", TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		supervisor := user(env.Demo.TenantID, "sabine@demo.parley", "Sabine Supervisor", store.RoleSupervisor)
		otherSupervisor := user(other.ID, "olaf@other.parley", "Olaf Other", store.RoleSupervisor)
		otherAdmin := user(other.ID, "oda@other.parley", "Oda Other", store.RoleAdmin)
		anna, ben, admin := env.DemoUser(t, "agent", 0), env.DemoUser(t, "agent", 1), env.DemoUser(t, "admin", 0)
		annaToken, benToken, adminToken := env.Login(t, anna.Login, anna.Password), env.Login(t, ben.Login, ben.Password), env.Login(t, admin.Login, admin.Password)

		// The supervisor reads along (agents only), and Anna gets a whisper only agents see.
		sup, _ := env.AgentWithToken(t, supervisor)
		if _, err := sup.Call(ctx, chatID, &protocol.ChatJoin{As: protocol.PartObserver}); err != nil {
			t.Fatal(err)
		}
		whisper, _ := json.Marshal(protocol.Message{Role: protocol.RoleAgent, Name: "Sabine", Text: "Bitte prüfe zuerst das Lager — Teillieferung."})
		if err := st.Commit(ctx, store.Write{Event: &store.Event{ChatID: chatID, Type: string(protocol.TypeMessage), Data: whisper, AgentsOnly: true}}); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}

		get := func(path, token string) (*http.Response, []byte) {
			t.Helper()
			req, _ := http.NewRequestWithContext(ctx, "GET", env.URL+path, nil)
			if token != "" {
				req.AddCookie(&http.Cookie{Name: session.Cookie, Value: token})
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp, body
		}
		path := "/api/chats/" + chatID + "/transcript.pdf"
		_, missingBody := get("/api/chats/no-such-chat/transcript.pdf", annaToken)
		for _, tc := range []struct {
			who, token string
			status     int
		}{
			{"signed out", "", 401},
			{"the owner", annaToken, 200},
			{"an agent who took no part", benToken, 404},
			{"the tenant's supervisor", supervisor, 200},
			{"the tenant's admin", adminToken, 200},
			{"another tenant's supervisor", otherSupervisor, 404},
			{"another tenant's admin", otherAdmin, 404},
		} {
			resp, body := get(path, tc.token)
			if resp.StatusCode != tc.status {
				t.Errorf("%s: %d %.200s, want %d", tc.who, resp.StatusCode, body, tc.status)
				continue
			}
			if tc.status == 404 && string(body) != string(missingBody) {
				t.Errorf("%s: the 404 %s differs from a missing chat's %s", tc.who, body, missingBody)
			}
		}

		// An agent who was in the chat (a participants row) may read it too.
		if err := st.Commit(ctx, store.Write{Participant: &store.Participant{ChatID: chatID, Role: store.ParticipantAgent, UserID: userID(t, st, ben.Login), Name: "Ben"}}); err != nil {
			t.Fatal(err)
		}
		if resp, body := get(path, benToken); resp.StatusCode != 200 {
			t.Fatalf("a former participant: %d %s", resp.StatusCode, body)
		}

		resp, pdf := get(path, annaToken)
		if ct := resp.Header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("Content-Type %q", ct)
		}
		disp := resp.Header.Get("Content-Disposition")
		if !regexp.MustCompile(`^attachment; filename="chat-\d{4}-\d{2}-\d{2}-` + regexp.QuoteMeta(chatID) + `\.pdf"$`).MatchString(disp) {
			t.Errorf("Content-Disposition %q", disp)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q: a transcript must not be cached", cc)
		}
		if !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Fatalf("not a PDF: %.40q", pdf)
		}
		doc, err := pdftext.Read(pdf)
		if err != nil {
			t.Fatal(err)
		}
		lines := doc.Lines(2)
		text := strings.Join(lines, "\n")
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`page 1: Jürgen · Website chat`),
			regexp.MustCompile(`page 1: Visitor Jürgen Started .* CES?T`),
			regexp.MustCompile(`Time zone Europe/Berlin`),
			regexp.MustCompile(`Close cause The agent closed the chat`),
			regexp.MustCompile(`Agents Anna Example \(Anna\) — owner · \d\d:\d\d:\d\d–\d\d:\d\d:\d\d`),
			regexp.MustCompile(`Sabine Supervisor \(Sabine\) — observer`),
			regexp.MustCompile(`\d\d:\d\d:\d\d Jürgen Hello, I need help`),
			regexp.MustCompile(`\d\d:\d\d:\d\d Jürgen Grüß Gott, wo ist meine Bestellung\?`),
			regexp.MustCompile(`\d\d:\d\d:\d\d Anna Ça arrive — Ihre Sendung ist unterwegs\.`),
			regexp.MustCompile(`\d\d:\d\d:\d\d internal Sabine joined the chat as an observer`),
			regexp.MustCompile(`\d\d:\d\d:\d\d Sabine Bitte prüfe zuerst das Lager — Teillieferung\.\npage 1: internal\n`),
			regexp.MustCompile(`\d\d:\d\d:\d\d The agent closed the chat`),
			regexp.MustCompile(`Page 1 of 1`),
		} {
			if !want.MatchString(text) {
				t.Errorf("the transcript lacks %s:\n%s", want, text)
			}
		}
		if n := strings.Count(doc.Text(), "internal\n"); n != 2 {
			t.Errorf("%d internal marks, want 2 (the observer joining, the whisper):\n%s", n, text)
		}
	})
}

// userID is the id of the user with login.
func userID(t *testing.T, st *store.Store, login string) int64 {
	t.Helper()
	u, err := st.UserByLogin(ctxT(t), login)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
