package transcript

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// each runs f on a fresh store on SQLite and on PostgreSQL.
func each(t *testing.T, f func(t *testing.T, st *store.Store)) {
	for _, db := range []struct {
		name string
		cfg  func(t *testing.T) store.Config
	}{
		{"sqlite", func(t *testing.T) store.Config { return store.Config{DataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) store.Config { return store.Config{DatabaseURL: pgtest.URL(t)} }},
	} {
		t.Run(db.name, func(t *testing.T) {
			cfg := db.cfg(t)
			cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			st, err := store.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			f(t, st)
		})
	}
}

// event is a stored event of body, agents-only or not.
func event(t *testing.T, chatID string, body protocol.EventBody, agentsOnly bool) *store.Event {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return &store.Event{ChatID: chatID, Type: string(body.EventType()), Data: data, AgentsOnly: agentsOnly}
}

// Load reads a chat as the store keeps it on both databases: the tenant's name and time zone,
// the connector, the agents with all their parts, the survey answers with their prompts, and
// every event in order, a whisper marked internal because its event is agents-only.
func TestLoad(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tenant, err := st.CreateTenant(ctx, store.Tenant{Name: "Bäckerei Müller", TimeZone: "Europe/Vienna"})
		if err != nil {
			t.Fatal(err)
		}
		anna, err := st.CreateUser(ctx, store.User{TenantID: tenant.ID, Login: "anna@example.at", Name: "Anna Ärmel", Nickname: "Anna", Role: store.RoleAgent, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		conn, err := st.CreateConnector(ctx, store.Connector{TenantID: tenant.ID, Name: "Webshop"})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []store.SurveyField{
			{TenantID: tenant.ID, ConnectorID: conn.ID, Kind: store.SurveyPreChat, Sort: 1, Field: survey.Field{Name: "order", Type: survey.TypeText, Enabled: true, Prompt: "Bestellnummer"}},
			{TenantID: tenant.ID, ConnectorID: conn.ID, Kind: store.SurveyPostChat, Sort: 1, Field: survey.Field{Name: "rating", Type: survey.TypeText, Enabled: true, Prompt: "Zufrieden?"}},
		} {
			if _, err := st.CreateSurveyField(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
		at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
		closed := at(600)
		c := store.Chat{ID: store.NewChatID(), TenantID: tenant.ID, ConnectorID: conn.ID, State: "closed",
			VisitorName: "Zoë Åberg", VisitorEmail: "zoe@example.at", Lang: "de", Page: "https://example.at/kasse",
			Fields:  map[string]string{"order": "A-1234", "rating": "sehr", "extra": "ja"},
			AgentID: 11, CreatedAt: start, ClosedAt: &closed, CloseCause: string(protocol.CauseVisitor)}
		left := at(400)
		ws := []store.Write{
			{Chat: &c},
			{Participant: &store.Participant{ChatID: c.ID, Role: store.ParticipantVisitor, Name: "Zoë Åberg", JoinedAt: at(0), LeftAt: &closed}},
			{Participant: &store.Participant{ChatID: c.ID, Role: store.ParticipantOwner, UserID: anna.ID, Name: "Anna", JoinedAt: at(10), LeftAt: &closed}},
			{Participant: &store.Participant{ChatID: c.ID, Role: store.ParticipantObserver, UserID: anna.ID + 100, Name: "Sven", JoinedAt: at(100), LeftAt: &left}},
			{Participant: &store.Participant{ChatID: c.ID, Role: store.ParticipantAgent, UserID: anna.ID + 100, Name: "Sven", JoinedAt: at(200), LeftAt: &left}},
			{Event: event(t, c.ID, &protocol.ChatState{State: protocol.StateQueued, At: at(0)}, false)},
			{Event: event(t, c.ID, &protocol.Message{Role: protocol.RoleVisitor, Text: "Grüß Gott, wo bleibt meine Torte?", At: at(1)}, false)},
			{Event: event(t, c.ID, &protocol.Joined{Role: protocol.RoleAgent, Name: "Anna", UserID: anna.ID, As: protocol.PartOwner}, false)},
			{Event: event(t, c.ID, &protocol.ChatState{State: protocol.StateActive, At: at(10)}, false)},
			{Event: event(t, c.ID, &protocol.Joined{Role: protocol.RoleAgent, Name: "Sven", UserID: anna.ID + 100, As: protocol.PartObserver}, true)},
			{Event: event(t, c.ID, &protocol.Message{Role: protocol.RoleAgent, Name: "Sven", Text: "Flüstern: die Torte ist unterwegs", At: at(150)}, true)},
			{Event: event(t, c.ID, &protocol.Message{Role: protocol.RoleAgent, Name: "Anna", Text: "Hier die Quittung", File: &protocol.File{Name: "Quittung.pdf", URL: "/files/x"}, At: at(300)}, false)},
			{Event: event(t, c.ID, &protocol.FieldSet{Fields: map[string]string{"rating": "sehr"}, Survey: "post"}, false)},
			{Event: event(t, c.ID, &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor, At: closed}, false)},
		}
		if err := st.Commit(ctx, ws...); err != nil {
			t.Fatal(err)
		}
		rec, err := st.Chat(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		printed := at(3600)
		tr, err := Load(ctx, st, rec, printed, "")
		if err != nil {
			t.Fatal(err)
		}
		if tr.Tenant != "Bäckerei Müller" || tr.Connector != "Webshop" || tr.Location.String() != "Europe/Vienna" ||
			tr.Visitor.Name != "Zoë Åberg" || tr.Visitor.Email != "zoe@example.at" || tr.Lang != "de" || tr.Page != "https://example.at/kasse" ||
			!tr.Started.Equal(start) || !tr.Ended.Equal(closed) || tr.CloseCause != "The visitor closed the chat" || !tr.Printed.Equal(printed) {
			t.Fatalf("header: %+v", tr)
		}
		wantAgents := []Agent{
			{UserID: anna.ID, Name: "Anna Ärmel (Anna)", Parts: []string{"owner"}, Joined: at(10), Left: closed},
			{UserID: anna.ID + 100, Name: "Sven", Parts: []string{"observer", "participant"}, Joined: at(100), Left: left},
		}
		if len(tr.Agents) != len(wantAgents) {
			t.Fatalf("agents %+v", tr.Agents)
		}
		for i, a := range tr.Agents {
			w := wantAgents[i]
			if a.UserID != w.UserID || a.Name != w.Name || !slices.Equal(a.Parts, w.Parts) || !a.Joined.Equal(w.Joined) || !a.Left.Equal(w.Left) {
				t.Errorf("agent %d = %+v, want %+v", i, a, w)
			}
		}
		wantFields := []Field{{"Pre-chat", "Bestellnummer", "A-1234"}, {"Post-chat", "Zufrieden?", "sehr"}, {"Other", "extra", "ja"}}
		if !slices.Equal(tr.Fields, wantFields) {
			t.Errorf("fields %+v, want %+v", tr.Fields, wantFields)
		}
		type want struct {
			kind     LineKind
			sender   string
			text     string
			file     string
			internal bool
		}
		wantLines := []want{
			{LineSystem, "Parley", "The chat is waiting for an agent", "", false},
			{LineMessage, "Zoë Åberg", "Grüß Gott, wo bleibt meine Torte?", "", false},
			{LineSystem, "Parley", "Anna joined the chat", "", false},
			{LineSystem, "Parley", "An agent accepted the chat", "", false},
			{LineSystem, "Parley", "Sven joined the chat as an observer", "", true},
			{LineMessage, "Sven", "Flüstern: die Torte ist unterwegs", "", true},
			{LineMessage, "Anna", "Hier die Quittung", "Quittung.pdf", false},
			{LineSystem, "Parley", "Post-chat survey, Zufrieden?: sehr", "", false},
			{LineSystem, "Parley", "The visitor closed the chat", "", false},
		}
		if len(tr.Lines) != len(wantLines) {
			t.Fatalf("%d lines, want %d: %+v", len(tr.Lines), len(wantLines), tr.Lines)
		}
		for i, l := range tr.Lines {
			w := wantLines[i]
			if l.Kind != w.kind || l.Sender != w.sender || l.Text != w.text || l.File != w.file || l.Internal != w.internal || l.At.IsZero() {
				t.Errorf("line %d = %+v, want %+v", i, l, w)
			}
		}
		if !tr.Lines[5].At.Equal(at(150)) {
			t.Errorf("the whisper's time %v, want the message's", tr.Lines[5].At)
		}

		// The transcript of the stored chat reads back with the whisper marked, in Vienna's time.
		_, doc, lines := render(t, tr)
		if miss := missing(tr, lines); len(miss) > 0 {
			t.Fatalf("missing from the PDF: %q\n%s", miss, strings.Join(lines, "\n"))
		}
		if !slices.ContainsFunc(lines, func(s string) bool {
			return strings.Contains(s, "10:02:30 internal Sven Flüstern: die Torte ist unterwegs") || strings.Contains(s, "10:02:30 Sven Flüstern: die Torte ist unterwegs")
		}) || strings.Count(doc.Text(), InternalMark+"\n") != 2 {
			t.Fatalf("the whisper is not marked internal at 10:02:30 Vienna time:\n%s", strings.Join(lines, "\n"))
		}

		// An open chat has no end yet; its duration runs to the printing.
		c.ID, c.ClosedAt, c.CloseCause, c.State = store.NewChatID(), nil, "", "active"
		if err := st.Commit(ctx, store.Write{Chat: &c}); err != nil {
			t.Fatal(err)
		}
		rec, _ = st.Chat(ctx, c.ID)
		tr, err = Load(ctx, st, rec, printed, "")
		if err != nil || !tr.Ended.IsZero() || tr.CloseCause != "" || len(tr.Lines) != 0 {
			t.Fatalf("open chat: %+v, %v", tr, err)
		}
		_, doc, _ = render(t, tr)
		if !strings.Contains(doc.Text(), "still open") || !strings.Contains(doc.Text(), "1 h 00 min 00 s so far") {
			t.Fatalf("open chat's header:\n%s", doc.Text())
		}
	})
}

// Load pages through long chats: every event is read, in order.
func TestLoadLongChat(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tenant, _ := st.CreateTenant(ctx, store.Tenant{Name: "T"})
		conn, _ := st.CreateConnector(ctx, store.Connector{TenantID: tenant.ID, Name: "K"})
		c := store.Chat{ID: store.NewChatID(), TenantID: tenant.ID, ConnectorID: conn.ID, State: "active", CreatedAt: time.Now()}
		ws := []store.Write{{Chat: &c}}
		n := 2*eventPage + 7
		for i := range n {
			ws = append(ws, store.Write{Event: event(t, c.ID, &protocol.Message{Role: protocol.RoleVisitor, Text: "line " + strconv.Itoa(i)}, false)})
		}
		if err := st.Commit(ctx, ws...); err != nil {
			t.Fatal(err)
		}
		tr, err := Load(ctx, st, c, time.Now(), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Lines) != n || tr.Lines[n-1].Text != "line "+strconv.Itoa(n-1) || tr.Lines[0].Sender != "Visitor" || tr.Location != time.UTC {
			t.Fatalf("%d lines, last %+v", len(tr.Lines), tr.Lines[len(tr.Lines)-1])
		}
	})
}

// Who may read a transcript: agents who took part, the tenant's supervisors and admins,
// super-admins; nobody of another tenant, nobody inactive.
func TestMayRead(t *testing.T) {
	c := store.Chat{ID: "c1", TenantID: 1, AgentID: 10}
	parts := []store.Participant{
		{Role: store.ParticipantVisitor},
		{Role: store.ParticipantOwner, UserID: 10},
		{Role: store.ParticipantObserver, UserID: 11},
	}
	for _, tc := range []struct {
		name string
		u    store.User
		ok   bool
	}{
		{"owner", store.User{ID: 10, TenantID: 1, Role: store.RoleAgent, Active: true}, true},
		{"former participant", store.User{ID: 11, TenantID: 1, Role: store.RoleAgent, Active: true}, true},
		{"other agent", store.User{ID: 12, TenantID: 1, Role: store.RoleAgent, Active: true}, false},
		{"supervisor", store.User{ID: 13, TenantID: 1, Role: store.RoleSupervisor, Active: true}, true},
		{"admin", store.User{ID: 14, TenantID: 1, Role: store.RoleAdmin, Active: true}, true},
		{"super-admin", store.User{ID: 15, Role: store.RoleSuperAdmin, Active: true}, true},
		{"other tenant's supervisor", store.User{ID: 16, TenantID: 2, Role: store.RoleSupervisor, Active: true}, false},
		{"other tenant's admin", store.User{ID: 17, TenantID: 2, Role: store.RoleAdmin, Active: true}, false},
		{"same id in another tenant", store.User{ID: 10, TenantID: 2, Role: store.RoleAgent, Active: true}, false},
		{"inactive owner", store.User{ID: 10, TenantID: 1, Role: store.RoleAgent}, false},
	} {
		if got := MayRead(tc.u, c, parts); got != tc.ok {
			t.Errorf("%s: MayRead = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

// Load labels survey answers in the reader's language on both databases: the prompt and a
// choice's option label of that language, its base language's for a regional tag, the
// tenant's default language's for a language the field has no texts in, and the base texts
// when neither has any; an answer that is no longer an option stays as stored.
func TestLoadInTheReadersLanguage(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tenant, err := st.CreateTenant(ctx, store.Tenant{Name: "T", DefaultLang: "de"})
		if err != nil {
			t.Fatal(err)
		}
		conn, _ := st.CreateConnector(ctx, store.Connector{TenantID: tenant.ID, Name: "K"})
		topic := survey.Field{Name: "topic", Type: survey.TypeSelect, Enabled: true, Prompt: "Topic", Options: []string{"billing", "delivery"},
			ValidateLow: -1, ValidateHigh: -1, Texts: map[string]survey.Text{
				"de": {Prompt: "Thema", Options: map[string]string{"billing": "Rechnung", "delivery": "Lieferung"}},
				"fr": {Prompt: "Sujet", Options: map[string]string{"billing": "Facturation"}},
			}}
		mood := survey.Field{Name: "mood", Type: survey.TypeSelect, Enabled: true, Prompt: "Mood", Options: []string{"good", "bad"},
			ValidateLow: -1, ValidateHigh: -1, Texts: map[string]survey.Text{"fr": {Prompt: "Humeur", Options: map[string]string{"good": "Bien"}}}}
		for _, f := range []store.SurveyField{
			{TenantID: tenant.ID, ConnectorID: conn.ID, Kind: store.SurveyPreChat, Sort: 1, Field: topic},
			{TenantID: tenant.ID, ConnectorID: conn.ID, Kind: store.SurveyPostChat, Sort: 1, Field: mood},
		} {
			if _, err := st.CreateSurveyField(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		c := store.Chat{ID: store.NewChatID(), TenantID: tenant.ID, ConnectorID: conn.ID, State: "active", Lang: "fr", CreatedAt: time.Now(),
			Fields: map[string]string{"topic": "billing", "mood": "good"}}
		if err := st.Commit(ctx, store.Write{Chat: &c},
			store.Write{Event: event(t, c.ID, &protocol.FieldSet{Fields: map[string]string{"topic": "delivery"}, Survey: "pre"}, false)},
			store.Write{Event: event(t, c.ID, &protocol.FieldSet{Fields: map[string]string{"mood": "bad"}, Survey: "post"}, false)}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			reader string
			fields []Field
			lines  []string
		}{
			{"de", []Field{{"Vor dem Chat", "Thema", "Rechnung"}, {"Nach dem Chat", "Mood", "good"}},
				[]string{"Antwort des Besuchers auf Thema: Lieferung", "Umfrage nach dem Chat, Mood: bad"}},
			{"fr-BE", []Field{{"Avant le chat", "Sujet", "Facturation"}, {"Après le chat", "Humeur", "Bien"}},
				// A label missing in French falls back to the tenant's German one.
				[]string{"Réponse du visiteur à Sujet : Lieferung", "Enquête après le chat, Humeur : bad"}},
			{"en", []Field{{"Pre-chat", "Thema", "Rechnung"}, {"Post-chat", "Mood", "good"}},
				[]string{"The visitor answered Thema: Lieferung", "Post-chat survey, Mood: bad"}},
		} {
			tr, err := Load(ctx, st, c, time.Now(), tc.reader)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tr.Fields, tc.fields) {
				t.Errorf("%s: fields %+v, want %+v", tc.reader, tr.Fields, tc.fields)
			}
			var got []string
			for _, l := range tr.Lines {
				got = append(got, l.Text)
			}
			if !slices.Equal(got, tc.lines) {
				t.Errorf("%s: lines %q, want %q", tc.reader, got, tc.lines)
			}
		}
	})
}
