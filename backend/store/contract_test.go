package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/token"
)

// TestContract runs the one store contract against every backend.
func TestContract(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			runContract(t, b)
		})
	}
}

func runContract(t *testing.T, b backend) {
	cases := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"OpenPingDialect", testOpenPingDialect},
		{"Tenants", testTenants},
		{"Groups", testGroups},
		{"Statuses", testStatuses},
		{"Connectors", testConnectors},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"ChatRoundTrip", testChatRoundTrip},
		{"ChatQueries", testChatQueries},
		{"EventsAndMessages", testEventsAndMessages},
		{"Participants", testParticipants},
		{"Sequences", testSequences},
		{"GroupCommitOrder", testGroupCommitOrder},
		{"GroupCommitBadWrite", testGroupCommitBadWrite},
		{"CommitAtomic", testCommitAtomic},
		{"LargeCommit", testLargeCommit},
		{"CloseFlushes", testCloseFlushes},
		{"SeedDemo", testSeedDemo},
		{"SeedDemoBase", testSeedDemoBase},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, b) })
	}
}

// ---- helpers ----

var ctx = context.Background()

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
}

func wantEqual[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("mismatch\n got: %+v\nwant: %+v", got, want)
	}
}

func newTenant(t *testing.T, s *Store, name string) Tenant {
	t.Helper()
	return must[Tenant](t)(s.CreateTenant(ctx, Tenant{Name: name}))
}

func newChat(t *testing.T, s *Store, tenantID int64, mod func(*Chat)) Chat {
	t.Helper()
	c := Chat{ID: NewChatID(), TenantID: tenantID, ConnectorID: 1, State: "queued", VisitorName: "Visitor"}
	if mod != nil {
		mod(&c)
	}
	if err := s.Commit(ctx, Write{Chat: &c}); err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// ---- cases ----

func testOpenPingDialect(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Dialect() != b.name {
		t.Fatalf("Dialect = %q, want %q", s.Dialect(), b.name)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func testTenants(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	a := must[Tenant](t)(s.CreateTenant(ctx, Tenant{Name: " Acme "}))
	if a.ID == 0 || a.Name != "Acme" || a.TimeZone != "UTC" || a.DefaultLang != "en" || a.CreatedAt.IsZero() {
		t.Fatalf("defaults not applied: %+v", a)
	}
	if a.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt not UTC: %v", a.CreatedAt)
	}
	bt := must[Tenant](t)(s.CreateTenant(ctx, Tenant{Name: "Beta", TimeZone: "Europe/Berlin", DefaultLang: "de"}))
	wantEqual(t, must[Tenant](t)(s.Tenant(ctx, a.ID)), a)
	wantEqual(t, must[[]Tenant](t)(s.Tenants(ctx)), []Tenant{a, bt})

	_, err := s.CreateTenant(ctx, Tenant{Name: "X", TimeZone: "Mars/Olympus"})
	wantErr(t, err, ErrInvalid)
	_, err = s.CreateTenant(ctx, Tenant{})
	wantErr(t, err, ErrInvalid)
	_, err = s.Tenant(ctx, 9999)
	wantErr(t, err, ErrNotFound)

	bt.Name, bt.TimeZone = "Beta GmbH", "America/New_York"
	wantEqual(t, must[Tenant](t)(s.UpdateTenant(ctx, bt)), bt)
	_, err = s.UpdateTenant(ctx, Tenant{ID: 9999, Name: "nobody"})
	wantErr(t, err, ErrNotFound)
}

func testGroups(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	other := newTenant(t, s, "U")
	g1 := must[ACDGroup](t)(s.CreateGroup(ctx, ACDGroup{TenantID: ten.ID, Name: "Sales"}))
	if g1.Strategy != StrategyLongestIdle {
		t.Fatalf("default strategy = %q", g1.Strategy)
	}
	g2 := must[ACDGroup](t)(s.CreateGroup(ctx, ACDGroup{TenantID: ten.ID, Name: "Support", Strategy: StrategyRoundRobin}))
	must[ACDGroup](t)(s.CreateGroup(ctx, ACDGroup{TenantID: other.ID, Name: "Elsewhere"}))
	wantEqual(t, must[ACDGroup](t)(s.Group(ctx, g2.ID)), g2)
	wantEqual(t, must[[]ACDGroup](t)(s.Groups(ctx, ten.ID)), []ACDGroup{g1, g2})

	_, err := s.CreateGroup(ctx, ACDGroup{TenantID: ten.ID, Name: "X", Strategy: "random"})
	wantErr(t, err, ErrInvalid)
	_, err = s.CreateGroup(ctx, ACDGroup{TenantID: 9999, Name: "X"})
	wantErr(t, err, ErrInvalid)

	g1.Name, g1.Strategy = "Sales EU", StrategyLeastBusy
	wantEqual(t, must[ACDGroup](t)(s.UpdateGroup(ctx, g1)), g1)
	_, err = s.UpdateGroup(ctx, ACDGroup{ID: 9999, Name: "X"})
	wantErr(t, err, ErrNotFound)
	_, err = s.Group(ctx, 9999)
	wantErr(t, err, ErrNotFound)
}

func testStatuses(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	away := must[AgentStatus](t)(s.CreateStatus(ctx, AgentStatus{TenantID: ten.ID, Name: "Away", Sort: 20}))
	avail := must[AgentStatus](t)(s.CreateStatus(ctx, AgentStatus{TenantID: ten.ID, Name: "Available", Short: "Av",
		FontColor: "#fff", BackgroundColor: "#080", AllowsChat: true, AgentSettable: true, Sort: 10}))
	wantEqual(t, must[AgentStatus](t)(s.Status(ctx, avail.ID)), avail)
	wantEqual(t, must[[]AgentStatus](t)(s.Statuses(ctx, ten.ID)), []AgentStatus{avail, away})
	away.AllowsChat, away.BackgroundColor = true, "#ff0"
	wantEqual(t, must[AgentStatus](t)(s.UpdateStatus(ctx, away)), away)
	_, err := s.Status(ctx, 9999)
	wantErr(t, err, ErrNotFound)
	_, err = s.CreateStatus(ctx, AgentStatus{TenantID: ten.ID})
	wantErr(t, err, ErrInvalid)
}

var hashRE = regexp.MustCompile(`^[A-Za-z0-9_-]{12,}$`)

func testConnectors(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	other := newTenant(t, s, "U")
	g := must[ACDGroup](t)(s.CreateGroup(ctx, ACDGroup{TenantID: ten.ID, Name: "Support"}))
	foreign := must[ACDGroup](t)(s.CreateGroup(ctx, ACDGroup{TenantID: other.ID, Name: "Foreign"}))

	// Minimal connector: defaults.
	minimal := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Min"}))
	if minimal.ConnectWait != 30*time.Second || minimal.AnswerTime != 120*time.Second ||
		minimal.FreeAgentSearch != 300*time.Second || minimal.ReconnectWindow != 60*time.Second {
		t.Fatalf("defaults not applied: %+v", minimal)
	}
	if !hashRE.MatchString(minimal.Hash) {
		t.Fatalf("hash %q is not 12+ url-safe characters", minimal.Hash)
	}
	wantEqual(t, must[Connector](t)(s.Connector(ctx, minimal.ID)), minimal)

	full := Connector{
		TenantID: ten.ID, Hash: "ignored", Name: "Website", Title: "Chat with us", GroupID: g.ID,
		MaxChatsAll: 12, Priority: 3,
		ConnectWait: 15 * time.Second, AnswerTime: 90 * time.Second, FreeAgentSearch: 200 * time.Second,
		Skills: [3]SkillRequirement{
			{Skill: "english", Min: 3, IgnoreAfter: 60 * time.Second},
			{Skill: "billing", Min: 1},
		},
		IgnoreSkillsAfter: 120 * time.Second, IgnoreSkillsIfNoneSkilled: true,
		AllowedOrigins:  []string{"https://example.com", "https://shop.example.com"},
		Texts:           map[string]string{"bye": "Goodbye", "bye#de": "Tschüss, $agent"},
		OutOfService:    true,
		OpeningHours:    json.RawMessage(`{"mon":[["08:00","17:00"]]}`),
		Toolbox:         json.RawMessage(`{"position":"bottom-right"}`),
		ReconnectWindow: 45 * time.Second,
		WhatsAppEnabled: true, WhatsAppAPIKey: "key-123", WhatsAppNumber: "+4930123456",
	}
	c := must[Connector](t)(s.CreateConnector(ctx, full))
	if c.Hash == "ignored" || !hashRE.MatchString(c.Hash) || c.Hash == minimal.Hash {
		t.Fatalf("hash not assigned: %q", c.Hash)
	}
	if len(c.WhatsAppSecret) < 24 {
		t.Fatalf("a connector taking WhatsApp got the webhook secret %q, want a made one", c.WhatsAppSecret)
	}
	want := full
	want.ID, want.Hash, want.CreatedAt, want.UpdatedAt, want.WhatsAppSecret = c.ID, c.Hash, c.CreatedAt, c.UpdatedAt, c.WhatsAppSecret
	wantEqual(t, c, want)
	wantEqual(t, must[Connector](t)(s.Connector(ctx, c.ID)), want)
	wantEqual(t, must[Connector](t)(s.ConnectorByHash(ctx, c.Hash)), want)
	wantEqual(t, must[[]Connector](t)(s.Connectors(ctx, ten.ID)), []Connector{minimal, want})

	_, err := s.ConnectorByHash(ctx, "doesnotexist")
	wantErr(t, err, ErrNotFound)
	_, err = s.Connector(ctx, 9999)
	wantErr(t, err, ErrNotFound)
	_, err = s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "X", GroupID: foreign.ID})
	wantErr(t, err, ErrInvalid)
	_, err = s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "X", ConnectWait: -time.Second})
	wantErr(t, err, ErrInvalid)

	// Update: everything but tenant, hash and creation time changes; zero
	// values are kept as zero (defaults apply only on create).
	upd := want
	upd.Name, upd.GroupID, upd.Hash, upd.TenantID = "Website 2", 0, "other", other.ID
	upd.Skills = [3]SkillRequirement{}
	upd.AllowedOrigins, upd.Texts, upd.OpeningHours, upd.Toolbox = nil, nil, nil, nil
	upd.ConnectWait, upd.OutOfService, upd.WhatsAppEnabled, upd.IgnoreSkillsIfNoneSkilled = 0, false, false, false
	got := must[Connector](t)(s.UpdateConnector(ctx, upd))
	upd.Hash, upd.TenantID = want.Hash, want.TenantID
	upd.UpdatedAt = got.UpdatedAt
	wantEqual(t, got, upd)
	if got.UpdatedAt.Before(want.UpdatedAt) {
		t.Fatalf("UpdatedAt went back: %v < %v", got.UpdatedAt, want.UpdatedAt)
	}
	wantEqual(t, must[Connector](t)(s.ConnectorByHash(ctx, want.Hash)), upd)

	upd.GroupID = foreign.ID
	_, err = s.UpdateConnector(ctx, upd)
	wantErr(t, err, ErrInvalid)
	_, err = s.UpdateConnector(ctx, Connector{ID: 9999, Name: "X"})
	wantErr(t, err, ErrNotFound)
}

func testUsers(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	other := newTenant(t, s, "U")
	g1 := must[ACDGroup](t)(s.CreateGroup(ctx, ACDGroup{TenantID: ten.ID, Name: "G1"}))
	g2 := must[ACDGroup](t)(s.CreateGroup(ctx, ACDGroup{TenantID: ten.ID, Name: "G2"}))
	foreignGroup := must[ACDGroup](t)(s.CreateGroup(ctx, ACDGroup{TenantID: other.ID, Name: "F"}))
	st := must[AgentStatus](t)(s.CreateStatus(ctx, AgentStatus{TenantID: ten.ID, Name: "Available", AllowsChat: true}))
	foreignStatus := must[AgentStatus](t)(s.CreateStatus(ctx, AgentStatus{TenantID: other.ID, Name: "Available"}))

	in := User{TenantID: ten.ID, Login: " Anna@Example.COM ", Name: "Anna A", Nickname: "Anna", Email: "anna@example.com",
		Role: RoleAgent, PasswordHash: "$argon2id$x", MaxChats: 3, Lang: "de", Active: true,
		Groups: []int64{g2.ID, g1.ID, g2.ID}, Skills: map[string]int{"english": 5, "german": 3},
		Department: "Sales", Phone: "+44 1782 822577", Bot: true}
	anna := must[User](t)(s.CreateUser(ctx, in))
	want := in
	want.ID, want.Login, want.Groups = anna.ID, "anna@example.com", []int64{g1.ID, g2.ID}
	want.CreatedAt, want.UpdatedAt = anna.CreatedAt, anna.UpdatedAt
	wantEqual(t, anna, want)
	wantEqual(t, must[User](t)(s.User(ctx, anna.ID)), want)
	wantEqual(t, must[User](t)(s.UserByLogin(ctx, "ANNA@example.com")), want)

	ben := must[User](t)(s.CreateUser(ctx, User{TenantID: ten.ID, Login: "ben@example.com", Role: RoleAgent,
		Active: true, Groups: []int64{g1.ID}}))
	inactive := must[User](t)(s.CreateUser(ctx, User{TenantID: ten.ID, Login: "gone@example.com", Role: RoleAgent,
		Active: false, Groups: []int64{g1.ID}}))
	root := must[User](t)(s.CreateUser(ctx, User{Login: "root@parley", Role: RoleSuperAdmin, Active: true}))

	_, err := s.CreateUser(ctx, User{TenantID: ten.ID, Login: "ANNA@example.com", Role: RoleAgent})
	wantErr(t, err, ErrConflict)
	for _, bad := range []User{
		{TenantID: ten.ID, Login: "", Role: RoleAgent},
		{TenantID: ten.ID, Login: "x y", Role: RoleAgent},
		{TenantID: ten.ID, Login: "x", Role: "king"},
		{TenantID: 0, Login: "x", Role: RoleAgent},
		{TenantID: ten.ID, Login: "x", Role: RoleSuperAdmin},
		{TenantID: ten.ID, Login: "x", Role: RoleAgent, Groups: []int64{foreignGroup.ID}},
		{TenantID: 9999, Login: "x", Role: RoleAgent},
	} {
		_, err := s.CreateUser(ctx, bad)
		wantErr(t, err, ErrInvalid)
	}
	_, err = s.User(ctx, 9999)
	wantErr(t, err, ErrNotFound)
	_, err = s.UserByLogin(ctx, "nobody@example.com")
	wantErr(t, err, ErrNotFound)

	ids := func(us []User) []int64 {
		var out []int64
		for _, u := range us {
			out = append(out, u.ID)
		}
		return out
	}
	wantEqual(t, ids(must[[]User](t)(s.AgentsOfGroup(ctx, g1.ID))), []int64{anna.ID, ben.ID})
	wantEqual(t, ids(must[[]User](t)(s.AgentsOfGroup(ctx, g2.ID))), []int64{anna.ID})
	wantEqual(t, ids(must[[]User](t)(s.Users(ctx, ten.ID))), []int64{anna.ID, ben.ID, inactive.ID})
	wantEqual(t, ids(must[[]User](t)(s.Users(ctx, 0))), []int64{root.ID})
	wantEqual(t, must[[]User](t)(s.Users(ctx, other.ID)), []User{})

	// Status: set, refuse a foreign one, clear.
	if err := s.SetUserStatus(ctx, anna.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	if got := must[User](t)(s.User(ctx, anna.ID)); got.StatusID != st.ID {
		t.Fatalf("StatusID = %d, want %d", got.StatusID, st.ID)
	}
	wantErr(t, s.SetUserStatus(ctx, anna.ID, foreignStatus.ID), ErrInvalid)
	wantErr(t, s.SetUserStatus(ctx, 9999, st.ID), ErrNotFound)

	// Update: keeps password when empty, keeps status and tenant, replaces groups and skills.
	upd := must[User](t)(s.User(ctx, anna.ID))
	upd.PasswordHash, upd.StatusID, upd.TenantID = "", 0, other.ID
	upd.Name, upd.Login, upd.MaxChats, upd.Groups, upd.Skills = "Anna B", "anna.b@example.com", 5, []int64{g2.ID}, nil
	got := must[User](t)(s.UpdateUser(ctx, upd))
	if got.PasswordHash != "$argon2id$x" || got.StatusID != st.ID || got.TenantID != ten.ID {
		t.Fatalf("update changed protected fields: %+v", got)
	}
	if got.Name != "Anna B" || got.Login != "anna.b@example.com" || got.MaxChats != 5 ||
		!reflect.DeepEqual(got.Groups, []int64{g2.ID}) || got.Skills != nil {
		t.Fatalf("update lost changes: %+v", got)
	}
	wantEqual(t, ids(must[[]User](t)(s.AgentsOfGroup(ctx, g1.ID))), []int64{ben.ID})
	upd.PasswordHash = "$argon2id$new"
	if got := must[User](t)(s.UpdateUser(ctx, upd)); got.PasswordHash != "$argon2id$new" {
		t.Fatalf("password not changed: %q", got.PasswordHash)
	}
	upd.Login = "ben@example.com"
	_, err = s.UpdateUser(ctx, upd)
	wantErr(t, err, ErrConflict)
	if err := s.SetUserStatus(ctx, anna.ID, 0); err != nil {
		t.Fatal(err)
	}
	if got := must[User](t)(s.User(ctx, anna.ID)); got.StatusID != 0 {
		t.Fatalf("status not cleared: %d", got.StatusID)
	}
}

func testSessions(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	u := must[User](t)(s.CreateUser(ctx, User{TenantID: ten.ID, Login: "a@x", Role: RoleAgent, Active: true}))

	tok := must[string](t)(s.CreateSession(ctx, u.ID, time.Hour))
	if len(tok) != 43 || !hashRE.MatchString(tok) {
		t.Fatalf("token %q is not 32 bytes base64url", tok)
	}
	if got := must[User](t)(s.SessionUser(ctx, tok)); got.ID != u.ID {
		t.Fatalf("SessionUser = %d, want %d", got.ID, u.ID)
	}
	sess := must[Session](t)(s.Session(ctx, tok))
	if sess.TokenHash != token.Hash(tok) || sess.UserID != u.ID || sess.TokenHash == tok ||
		sess.ExpiresAt.Sub(sess.CreatedAt) != time.Hour {
		t.Fatalf("session %+v", sess)
	}
	_, err := s.SessionUser(ctx, tok+"x")
	wantErr(t, err, ErrNotFound)
	_, err = s.Session(ctx, tok+"x")
	wantErr(t, err, ErrNotFound)
	_, err = s.SessionUser(ctx, "")
	wantErr(t, err, ErrNotFound)

	short := must[string](t)(s.CreateSession(ctx, u.ID, time.Millisecond))
	time.Sleep(10 * time.Millisecond)
	_, err = s.SessionUser(ctx, short)
	wantErr(t, err, ErrNotFound)
	_, err = s.Session(ctx, short)
	wantErr(t, err, ErrNotFound)
	if n := must[int64](t)(s.PurgeExpiredSessions(ctx)); n != 1 {
		t.Fatalf("purged %d sessions, want 1", n)
	}

	if err := s.DeleteSession(ctx, tok); err != nil {
		t.Fatal(err)
	}
	_, err = s.SessionUser(ctx, tok)
	wantErr(t, err, ErrNotFound)
	if err := s.DeleteSession(ctx, tok); err != nil {
		t.Fatalf("second DeleteSession: %v", err)
	}

	// A deactivated user's sessions stop working.
	tok2 := must[string](t)(s.CreateSession(ctx, u.ID, time.Hour))
	u.Active = false
	must[User](t)(s.UpdateUser(ctx, u))
	_, err = s.SessionUser(ctx, tok2)
	wantErr(t, err, ErrNotFound)

	_, err = s.CreateSession(ctx, 9999, time.Hour)
	wantErr(t, err, ErrInvalid)
	_, err = s.CreateSession(ctx, u.ID, 0)
	wantErr(t, err, ErrInvalid)
}

func testChatRoundTrip(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	created := time.Date(2025, 3, 1, 10, 0, 0, 123456789, berlin)
	accepted := created.Add(5 * time.Second)
	c := Chat{
		ID: NewChatID(), TenantID: ten.ID, ConnectorID: 7, State: "active",
		VisitorName: "John Doe", VisitorEmail: "John.Doe@Example.com", VisitorPhone: "+49 30 1", CustomerID: "C-1",
		Lang: "de", VisitorTokenHash: token.Hash(token.NewSecret()),
		PData:  map[string]string{"name": "John Doe", "userdata": "123456"},
		UData:  map[string]string{"anyfield1": "Any Field 1"},
		Fields: map[string]string{"topic": "billing"},
		Page:   "https://example.com/p", Referrer: "https://google.com", UserAgent: "UA/1.0", IP: "203.0.113.7",
		AgentID: 42, LastSeq: 0, CreatedAt: created, AcceptedAt: &accepted, CloseCause: "",
	}
	if len(c.ID) != 20 || !hashRE.MatchString(c.ID) {
		t.Fatalf("chat id %q is not 20 url-safe characters", c.ID)
	}
	if err := s.Commit(ctx, Write{Chat: &c}); err != nil {
		t.Fatal(err)
	}
	// Commit normalised the caller's struct to the stored form.
	if c.CreatedAt.Location() != time.UTC || c.CreatedAt.Nanosecond()%1000 != 0 || !c.CreatedAt.Equal(created.Truncate(time.Microsecond)) {
		t.Fatalf("CreatedAt not normalised: %v", c.CreatedAt)
	}
	wantEqual(t, must[Chat](t)(s.Chat(ctx, c.ID)), c)

	// Whole-row replace: state change, maps emptied, close time set.
	c.State, c.AgentID, c.CloseCause = "closed", 0, "visitor"
	c.ClosedAt = ptr(time.Now())
	c.PData, c.Fields = nil, nil
	if err := s.Commit(ctx, Write{Chat: &c}); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, must[Chat](t)(s.Chat(ctx, c.ID)), c)

	_, err := s.Chat(ctx, "nope")
	wantErr(t, err, ErrNotFound)
}

func testChatQueries(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	other := newTenant(t, s, "U")
	base := time.Now().Add(-time.Hour)
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Minute) }

	c1 := newChat(t, s, ten.ID, func(c *Chat) {
		c.CreatedAt, c.State, c.AgentID, c.VisitorEmail, c.CustomerID = at(1), "closed", 5, "Jo@Example.com", "C1"
	})
	c2 := newChat(t, s, ten.ID, func(c *Chat) {
		c.CreatedAt, c.State, c.AgentID, c.VisitorEmail = at(2), "active", 5, "jo@example.com"
	})
	c3 := newChat(t, s, ten.ID, func(c *Chat) { c.CreatedAt, c.State, c.CustomerID, c.VisitorID = at(3), "queued", "C1", "browser-7" })
	c4 := newChat(t, s, other.ID, func(c *Chat) {
		c.CreatedAt, c.State, c.AgentID, c.VisitorEmail = at(4), "offered", 6, "jo@example.com"
	})

	chatIDs := func(cs []Chat) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOpen(ctx, ten.ID))), []string{c2.ID, c3.ID})
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOpen(ctx, 0))), []string{c2.ID, c3.ID, c4.ID})
	wantEqual(t, must[[]Chat](t)(s.ChatsOpen(ctx, ten.ID))[0], c2)
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfAgent(ctx, 5, false))), []string{c1.ID, c2.ID})
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfAgent(ctx, 5, true))), []string{c2.ID})
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfAgent(ctx, 99, false))), nil)

	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfVisitor(ctx, ten.ID, Visitor{Email: "JO@example.com", CustomerID: ""}, 0))), []string{c2.ID, c1.ID})
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfVisitor(ctx, ten.ID, Visitor{Email: "", CustomerID: "C1"}, 0))), []string{c3.ID, c1.ID})
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfVisitor(ctx, ten.ID, Visitor{Email: "jo@example.com", CustomerID: "C1"}, 0))), []string{c3.ID, c2.ID, c1.ID})
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfVisitor(ctx, ten.ID, Visitor{Email: "jo@example.com", CustomerID: "C1"}, 2))), []string{c3.ID, c2.ID})
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfVisitor(ctx, other.ID, Visitor{Email: "jo@example.com", CustomerID: ""}, 0))), []string{c4.ID})
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfVisitor(ctx, ten.ID, Visitor{Email: "", CustomerID: ""}, 0))), nil)
	// A returning visitor known only by the widget's id in their browser.
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfVisitor(ctx, ten.ID, Visitor{VisitorID: "browser-7"}, 0))), []string{c3.ID})
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfVisitor(ctx, other.ID, Visitor{VisitorID: "browser-7"}, 0))), nil)
	wantEqual(t, chatIDs(must[[]Chat](t)(s.ChatsOfVisitor(ctx, ten.ID, Visitor{Email: "jo@example.com", VisitorID: "browser-7"}, 0))), []string{c3.ID, c2.ID, c1.ID})
	// Empty results are empty slices, never nil (they encode as [] in JSON).
	if must[[]Chat](t)(s.ChatsOfAgent(ctx, 99, false)) == nil || must[[]Chat](t)(s.ChatsOfVisitor(ctx, ten.ID, Visitor{Email: "", CustomerID: ""}, 0)) == nil ||
		must[[]Event](t)(s.EventsAfter(ctx, "none", 0, 0)) == nil || must[[]Message](t)(s.Messages(ctx, "none", 0)) == nil ||
		must[[]User](t)(s.AgentsOfGroup(ctx, 9999)) == nil || must[[]Connector](t)(s.Connectors(ctx, 9999)) == nil {
		t.Fatal("an empty list came back nil")
	}
}

func msgWrite(chatID string, seq uint64, text, clientID string) Write {
	return Write{
		Event:   &Event{ChatID: chatID, Seq: seq, Type: "message", Data: json.RawMessage(fmt.Sprintf(`{"text":%q}`, text))},
		Message: &Message{ChatID: chatID, Seq: seq, Role: "visitor", Name: "V", Text: text, ClientID: clientID},
	}
}

func testEventsAndMessages(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	var ws []Write
	for i := 1; i <= 10; i++ {
		if i%3 == 0 {
			ws = append(ws, Write{Event: &Event{ChatID: c.ID, Seq: uint64(i), Type: "typing"}})
			continue
		}
		ws = append(ws, msgWrite(c.ID, uint64(i), fmt.Sprintf("m%d", i), fmt.Sprintf("c%d", i)))
	}
	if err := s.Commit(ctx, ws...); err != nil {
		t.Fatal(err)
	}
	seqs := func(es []Event) []uint64 {
		var out []uint64
		for _, e := range es {
			out = append(out, e.Seq)
		}
		return out
	}
	all := must[[]Event](t)(s.EventsAfter(ctx, c.ID, 0, 0))
	wantEqual(t, seqs(all), []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	wantEqual(t, all[0], *ws[0].Event)
	if all[2].Data != nil {
		t.Fatalf("event without data came back with %q", all[2].Data)
	}
	wantEqual(t, seqs(must[[]Event](t)(s.EventsAfter(ctx, c.ID, 3, 4))), []uint64{4, 5, 6, 7})
	wantEqual(t, seqs(must[[]Event](t)(s.EventsAfter(ctx, c.ID, 8, 100))), []uint64{9, 10})
	wantEqual(t, seqs(must[[]Event](t)(s.EventsAfter(ctx, c.ID, 10, 0))), nil)
	wantEqual(t, seqs(must[[]Event](t)(s.EventsAfter(ctx, "other", 0, 0))), nil)

	msgs := must[[]Message](t)(s.Messages(ctx, c.ID, 3))
	wantEqual(t, msgs, []Message{*ws[6].Message, *ws[7].Message, *ws[9].Message})
	if n := len(must[[]Message](t)(s.Messages(ctx, c.ID, 0))); n != 7 {
		t.Fatalf("Messages(all) = %d, want 7", n)
	}
	if got := must[Chat](t)(s.Chat(ctx, c.ID)); got.LastSeq != 10 {
		t.Fatalf("LastSeq = %d, want 10", got.LastSeq)
	}

	wantEqual(t, must[Message](t)(s.MessageByClientID(ctx, c.ID, "visitor", 0, "c4")), *ws[3].Message)
	for _, args := range []struct {
		role     string
		user     int64
		clientID string
	}{{"visitor", 0, "zzz"}, {"agent", 0, "c4"}, {"visitor", 1, "c4"}, {"visitor", 0, ""}} {
		_, err := s.MessageByClientID(ctx, c.ID, args.role, args.user, args.clientID)
		wantErr(t, err, ErrNotFound)
	}

	// The same client id from the same sender is refused; from another
	// sender, or empty, it is fine.
	wantErr(t, s.Commit(ctx, msgWrite(c.ID, 11, "again", "c4")), ErrConflict)
	agent := msgWrite(c.ID, 11, "from agent", "c4")
	agent.Message.Role, agent.Message.UserID = "agent", 5
	if err := s.Commit(ctx, agent, msgWrite(c.ID, 12, "x", ""), msgWrite(c.ID, 13, "y", "")); err != nil {
		t.Fatal(err)
	}
	// The store numbers events itself: a number the writer chose is ignored.
	own := Write{Event: &Event{ChatID: c.ID, Seq: 5, VisitorSeq: 99, Type: "x"}}
	if err := s.Commit(ctx, own); err != nil {
		t.Fatal(err)
	}
	if own.Event.Seq != 14 || own.Event.VisitorSeq != 14 {
		t.Fatalf("numbered %d/%d, want 14/14", own.Event.Seq, own.Event.VisitorSeq)
	}
	// An event for a chat that does not exist is refused.
	wantErr(t, s.Commit(ctx, Write{Event: &Event{ChatID: "missing", Type: "x"}}), ErrInvalid)
	// Text no database can hold is refused before it reaches one.
	for _, w := range []Write{
		msgWrite(c.ID, 0, "nul\x00inside", "n1"),
		msgWrite(c.ID, 0, "bad \xff utf-8", "n2"),
		{Chat: &Chat{ID: c.ID, State: "queued", VisitorName: "a\x00b"}},
	} {
		wantErr(t, s.Commit(ctx, w), ErrInvalid)
	}
	if got := must[Chat](t)(s.Chat(ctx, c.ID)); got.LastSeq != 14 {
		t.Fatalf("LastSeq = %d, want 14", got.LastSeq)
	}
}

// testSequences: the store numbers every event and, apart, the events the
// visitor sees; failed writes in a batch take no number.
func testSequences(t *testing.T, b backend) {
	cfg := b.newConfig(t)
	cfg.CommitWindow = 100 * time.Millisecond
	s := openStore(t, cfg)
	ten := newTenant(t, s, "T")
	c1, c2 := newChat(t, s, ten.ID, nil), newChat(t, s, ten.ID, nil)
	var ws []Write
	for i := range 12 {
		id := c1.ID
		if i%2 == 1 {
			id = c2.ID
		}
		switch i % 4 {
		case 0, 1:
			ws = append(ws, msgWrite(id, 0, fmt.Sprint(i), fmt.Sprint("c", i)))
		case 2:
			ws = append(ws, Write{Event: &Event{ChatID: id, Type: "note", AgentsOnly: true}})
		case 3:
			// A duplicate client id fails alone and takes no number.
			ws = append(ws, msgWrite(id, 0, "dup", "c1"))
		}
	}
	errs := make([]error, len(ws))
	var wg sync.WaitGroup
	wg.Add(len(ws))
	for i, w := range ws {
		s.Enqueue(w, func(err error) { errs[i] = err; wg.Done() })
	}
	wg.Wait()
	for i, err := range errs {
		if (i%4 == 3) != (err != nil) {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	for _, c := range []Chat{c1, c2} {
		evs := must[[]Event](t)(s.EventsAfter(ctx, c.ID, 0, 0))
		vis := must[[]Event](t)(s.VisitorEventsAfter(ctx, c.ID, 0, 0))
		var v uint64
		for i, e := range evs {
			if e.Seq != uint64(i+1) {
				t.Fatalf("seq %d at %d", e.Seq, i)
			}
			if e.AgentsOnly != (e.Type == "note") {
				t.Fatalf("event %+v: agents-only wrong", e)
			}
			if !e.AgentsOnly {
				v++
				if e.VisitorSeq != v || vis[v-1].Seq != e.Seq || vis[v-1].VisitorSeq != v {
					t.Fatalf("visitor numbering: %+v, visitor list %+v", e, vis)
				}
			}
		}
		if len(vis) != int(v) {
			t.Fatalf("%d visitor events, want %d", len(vis), v)
		}
		wantEqual(t, len(must[[]Event](t)(s.VisitorEventsAfter(ctx, c.ID, 1, 1))), 1)
	}
	// The numbers reached the writers' structs.
	for i, w := range ws {
		if i%4 != 3 && w.Event.Seq == 0 {
			t.Fatalf("write %d not numbered", i)
		}
		if w.Message != nil && i%4 != 3 && w.Message.Seq != w.Event.Seq {
			t.Fatalf("message %d seq %d, event %d", i, w.Message.Seq, w.Event.Seq)
		}
	}
}

func testParticipants(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	v := Participant{ChatID: c.ID, Role: ParticipantVisitor, Name: "Visitor", JoinedAt: time.Now()}
	a := Participant{ChatID: c.ID, Role: ParticipantOwner, UserID: 5, Name: "Anna", JoinedAt: time.Now().Add(time.Second)}
	done := make(chan error, 3)
	s.Enqueue(Write{Participant: &v}, func(err error) { done <- err })
	s.Enqueue(Write{Participant: &a, Event: &Event{ChatID: c.ID, Type: "joined"}}, func(err error) { done <- err })
	// Leaving is written before the join is known to have committed: the same person and
	// joining time make it an update of the same participation.
	left := a
	left.LeftAt = ptr(time.Now().Add(2 * time.Second))
	s.Enqueue(Write{Participant: &left}, func(err error) { done <- err })
	for range 3 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	got := must[[]Participant](t)(s.Participants(ctx, c.ID))
	if len(got) != 2 || got[0].ID == 0 || got[1].ID == got[0].ID {
		t.Fatalf("participants %+v", got)
	}
	for i := range got {
		got[i].ID = 0
	}
	wantEqual(t, got, []Participant{normParticipant(v), normParticipant(left)})
	// The same person joining again later is a new participation, in another part.
	again := Participant{ChatID: c.ID, Role: ParticipantObserver, UserID: 5, Name: "Anna", JoinedAt: time.Now().Add(3 * time.Second)}
	if err := s.Commit(ctx, Write{Participant: &again}); err != nil {
		t.Fatal(err)
	}
	if got := must[[]Participant](t)(s.Participants(ctx, c.ID)); len(got) != 3 || got[2].Role != ParticipantObserver || got[2].LeftAt != nil {
		t.Fatalf("after joining again: %+v", got)
	}
	wantEqual(t, must[[]Participant](t)(s.Participants(ctx, "none")), []Participant{})
}

// normParticipant is p as it reads back: times in the stored form.
func normParticipant(p Participant) Participant {
	p.JoinedAt = normTime(p.JoinedAt)
	p.LeftAt = normTimePtr(p.LeftAt)
	return p
}

// testGroupCommitOrder: many concurrent writers; done callbacks come in
// enqueue order, every row arrives, seqs stay unique per chat.
func testGroupCommitOrder(t *testing.T, b backend) {
	cfg := b.newConfig(t)
	cfg.CommitWindow = 3 * time.Millisecond
	s := openStore(t, cfg)
	ten := newTenant(t, s, "T")
	const writers, perWriter = 8, 60
	chats := make([]Chat, writers)
	for i := range chats {
		chats[i] = newChat(t, s, ten.ID, nil)
	}

	var (
		enqMu     sync.Mutex // serialises Enqueue so that enqOrder is the true enqueue order
		enqOrder  []int
		doneMu    sync.Mutex
		doneOrder []int
		errs      []error
		wg        sync.WaitGroup
	)
	wg.Add(writers * perWriter)
	for w := range writers {
		go func() {
			for i := range perWriter {
				id := w*perWriter + i
				write := msgWrite(chats[w].ID, uint64(i+1), fmt.Sprint(id), fmt.Sprint(id))
				enqMu.Lock()
				enqOrder = append(enqOrder, id)
				s.Enqueue(write, func(err error) {
					doneMu.Lock()
					doneOrder = append(doneOrder, id)
					if err != nil {
						errs = append(errs, err)
					}
					doneMu.Unlock()
					wg.Done()
				})
				enqMu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d writes failed, first: %v", len(errs), errs[0])
	}
	wantEqual(t, doneOrder, enqOrder)

	// Unserialised writers: each writer's own callbacks stay in its order.
	var perMu sync.Mutex
	per := make([][]uint64, writers)
	wg.Add(writers * perWriter)
	for w := range writers {
		go func() {
			for i := range perWriter {
				seq := uint64(perWriter + i + 1)
				s.Enqueue(msgWrite(chats[w].ID, seq, "x", ""), func(err error) {
					if err != nil {
						t.Error(err)
					}
					perMu.Lock()
					per[w] = append(per[w], seq)
					perMu.Unlock()
					wg.Done()
				})
			}
		}()
	}
	wg.Wait()
	for w := range writers {
		if !slices.IsSorted(per[w]) || len(per[w]) != perWriter {
			t.Fatalf("writer %d callbacks out of order: %v", w, per[w])
		}
		evs := must[[]Event](t)(s.EventsAfter(ctx, chats[w].ID, 0, 0))
		msgs := must[[]Message](t)(s.Messages(ctx, chats[w].ID, 0))
		if len(evs) != 2*perWriter || len(msgs) != 2*perWriter {
			t.Fatalf("chat %d: %d events, %d messages; want %d", w, len(evs), len(msgs), 2*perWriter)
		}
		for i, e := range evs {
			if e.Seq != uint64(i+1) || msgs[i].Seq != e.Seq {
				t.Fatalf("chat %d: seq %d at %d", w, e.Seq, i)
			}
		}
		if got := must[Chat](t)(s.Chat(ctx, chats[w].ID)); got.LastSeq != 2*perWriter {
			t.Fatalf("chat %d: LastSeq %d", w, got.LastSeq)
		}
	}
	st := s.CommitStats()
	if st.Batches == 0 || st.Writes < 2*writers*perWriter || st.Failed != 0 {
		t.Fatalf("stats: %+v", st)
	}
	if st.Batches >= uint64(2*writers*perWriter) {
		t.Errorf("no batching happened: %+v", st)
	}
}

// testGroupCommitBadWrite: bad writes in a batch fail alone.
func testGroupCommitBadWrite(t *testing.T, b backend) {
	cfg := b.newConfig(t)
	cfg.CommitWindow = 200 * time.Millisecond // everything below lands in one batch
	s := openStore(t, cfg)
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	retriedBefore := s.CommitStats().Retried

	newC := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "queued"}
	writes := []Write{
		msgWrite(c.ID, 1, "ok 1", "a"),
		msgWrite(c.ID, 2, "duplicate client id", "a"),         // conflicts with the first
		{Event: &Event{ChatID: "missing", Seq: 1, Type: "x"}}, // no such chat
		{Event: &Event{ChatID: c.ID, Seq: 9}},                 // no type: refused before the database
		{Chat: &newC, Event: &Event{ChatID: newC.ID, Seq: 1, Type: "created"}},
		msgWrite(c.ID, 2, "ok 2", "c"),
	}
	want := []error{nil, ErrConflict, ErrInvalid, ErrInvalid, nil, nil}
	got := make([]error, len(writes))
	var order []int
	var wg sync.WaitGroup
	wg.Add(len(writes))
	for i, w := range writes {
		s.Enqueue(w, func(err error) {
			got[i] = err
			order = append(order, i) // called from the one committer goroutine
			wg.Done()
		})
	}
	wg.Wait()
	wantEqual(t, order, []int{0, 1, 2, 3, 4, 5})
	for i := range writes {
		if (want[i] == nil) != (got[i] == nil) || (want[i] != nil && !errors.Is(got[i], want[i])) {
			t.Errorf("write %d: err = %v, want %v", i, got[i], want[i])
		}
	}
	if s.CommitStats().Retried <= retriedBefore {
		t.Errorf("batch was not retried: %+v", s.CommitStats())
	}
	msgs := must[[]Message](t)(s.Messages(ctx, c.ID, 0))
	if len(msgs) != 2 || msgs[0].Text != "ok 1" || msgs[1].Text != "ok 2" || msgs[0].Seq != 1 || msgs[1].Seq != 2 {
		t.Fatalf("messages = %+v: the failed writes left a hole", msgs)
	}
	if got := must[Chat](t)(s.Chat(ctx, c.ID)); got.LastSeq != 2 {
		t.Fatalf("LastSeq = %d, want 2", got.LastSeq)
	}
	if got := must[Chat](t)(s.Chat(ctx, newC.ID)); got.LastSeq != 1 {
		t.Fatalf("new chat LastSeq = %d", got.LastSeq)
	}
}

// testCommitAtomic: the writes of one Commit stand or fall together.
func testCommitAtomic(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	if err := s.Commit(ctx, msgWrite(c.ID, 1, "one", "one")); err != nil {
		t.Fatal(err)
	}
	c.State = "closed"
	err := s.Commit(ctx,
		Write{Chat: &c, Event: &Event{ChatID: c.ID, Seq: 2, Type: "closed"}},
		msgWrite(c.ID, 1, "dup", "one"),
	)
	wantErr(t, err, ErrConflict)
	if got := must[Chat](t)(s.Chat(ctx, c.ID)); got.State != "queued" || got.LastSeq != 1 {
		t.Fatalf("partial commit: %+v", got)
	}
	if n := len(must[[]Event](t)(s.EventsAfter(ctx, c.ID, 0, 0))); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Commit(cctx, msgWrite(c.ID, 3, "late", "")); !errors.Is(err, context.Canceled) {
		// It may also have been queued before the check; either way no hang.
		if err != nil {
			t.Fatalf("Commit(cancelled) = %v", err)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatalf("empty Commit: %v", err)
	}
}

// testLargeCommit: one unit bigger than a batch, split over several
// statements, still commits as a whole.
func testLargeCommit(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	const n = 3 * maxBatchWrites / 2
	ws := make([]Write, n)
	chats := make([]Chat, n)
	for i := range ws {
		chats[i] = Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "queued"}
		ws[i] = Write{Chat: &chats[i], Event: &Event{ChatID: chats[i].ID, Seq: 1, Type: "created"}}
	}
	if err := s.Commit(ctx, ws...); err != nil {
		t.Fatal(err)
	}
	open := must[[]Chat](t)(s.ChatsOpen(ctx, ten.ID))
	if len(open) != n {
		t.Fatalf("%d chats, want %d", len(open), n)
	}
	for _, c := range open {
		if c.LastSeq != 1 {
			t.Fatalf("chat %s: LastSeq %d", c.ID, c.LastSeq)
		}
	}
}

// testCloseFlushes: Close commits what is queued; a reopened store finds it.
func testCloseFlushes(t *testing.T, b backend) {
	cfg := b.newConfig(t)
	cfg.CommitWindow = time.Second // nothing commits before Close unless Close flushes
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ten := must[Tenant](t)(s.CreateTenant(ctx, Tenant{Name: "T"}))
	c := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "queued"}
	const n = 100
	var mu sync.Mutex
	var doneCount int
	s.Enqueue(Write{Chat: &c}, nil)
	for i := 1; i <= n; i++ {
		s.Enqueue(msgWrite(c.ID, uint64(i), "m", ""), func(err error) {
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			doneCount++
			mu.Unlock()
		})
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if doneCount != n {
		t.Fatalf("%d callbacks before Close returned, want %d", doneCount, n)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("Close took %v", time.Since(start))
	}
	var closedErr error
	s.Enqueue(msgWrite(c.ID, n+1, "late", ""), func(err error) { closedErr = err })
	wantErr(t, closedErr, ErrClosed)
	wantErr(t, s.Commit(ctx, msgWrite(c.ID, n+1, "late", "")), ErrClosed)

	s2 := openStore(t, cfg)
	if got := len(must[[]Event](t)(s2.EventsAfter(ctx, c.ID, 0, 0))); got != n {
		t.Fatalf("after reopen: %d events, want %d", got, n)
	}
	if got := must[Chat](t)(s2.Chat(ctx, c.ID)); got.LastSeq != n {
		t.Fatalf("after reopen: LastSeq %d", got.LastSeq)
	}
}

// testSeedDemoBase checks the demo's base, which tests that count the tenant's settings start
// from.
func testSeedDemoBase(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	seed, ok, err := s.SeedDemoBase(ctx)
	if err != nil || !ok {
		t.Fatalf("SeedDemoBase = %v, %v", ok, err)
	}
	checkDemoBase(t, s, seed, false)
	if seed.Showcase.GermanConnectorID != 0 || len(must[[]Connector](t)(s.Connectors(ctx, seed.TenantID))) != 2 {
		t.Fatalf("the base has a showcase: %+v", seed.Showcase)
	}
	if n := len(must[[]CannedResponse](t)(s.CannedResponses(ctx, seed.TenantID))); n != 0 {
		t.Fatalf("the base has %d canned responses", n)
	}
	if _, again, err := s.SeedDemo(ctx); err != nil || again {
		t.Fatalf("SeedDemo after SeedDemoBase = %v, %v", again, err)
	}
}

// testSeedDemo checks the whole demo: the base, then every feature of the showcase
// (checkShowcase in seed_test.go).
func testSeedDemo(t *testing.T, b backend) {
	s := openStore(t, b.newConfig(t))
	seed, ok, err := s.SeedDemo(ctx)
	if err != nil || !ok {
		t.Fatalf("SeedDemo = %v, %v", ok, err)
	}
	checkDemoBase(t, s, seed, true)
	checkShowcase(t, s, seed)
	again, ok, err := s.SeedDemo(ctx)
	if err != nil || ok || again.TenantID != 0 {
		t.Fatalf("second SeedDemo = %+v, %v, %v", again, ok, err)
	}
	if n := len(must[[]Tenant](t)(s.Tenants(ctx))); n != 1 {
		t.Fatalf("%d tenants after second seed", n)
	}
}

// checkDemoBase checks what the base seeds; showcase says the showcase was seeded too.
func checkDemoBase(t *testing.T, s *Store, seed DemoSeed, showcase bool) {
	t.Helper()
	ten := must[Tenant](t)(s.Tenant(ctx, seed.TenantID))
	if ten.Name != "Demo Company" || ten.TimeZone != "Europe/Berlin" || ten.DefaultLang != "en" {
		t.Fatalf("tenant: %+v", ten)
	}
	groups := must[[]ACDGroup](t)(s.Groups(ctx, ten.ID))
	if len(groups) != map[bool]int{false: 1, true: 2}[showcase] || groups[0].Name != "Support" || groups[0].Strategy != StrategyLongestIdle || groups[0].ID != seed.GroupID {
		t.Fatalf("groups: %+v", groups)
	}
	sts := must[[]AgentStatus](t)(s.Statuses(ctx, ten.ID))
	var names []string
	for _, st := range sts {
		names = append(names, st.Name)
		if st.AllowsChat != (st.Name == "Available") || !st.AgentSettable || st.BackgroundColor == "" {
			t.Errorf("status %+v", st)
		}
	}
	wantEqual(t, names, []string{"Available", "Away", "Pause", "Offline"})

	conn := must[Connector](t)(s.ConnectorByHash(ctx, seed.ConnectorHash))
	if conn.Name != "Website chat" || conn.GroupID != seed.GroupID || len(conn.AllowedOrigins) != 0 || conn.ID != seed.ConnectorID {
		t.Fatalf("connector: %+v", conn)
	}
	for k, v := range map[string]string{
		"agentTyping":       "Agent $agent is typing...",
		"agentTyping#de":    "Agent $agent schreibt ...",
		"welcomeMessage#de": "Herzlich willkommen!",
		"bye":               "Thank you for using our service. Goodbye.",
	} {
		if conn.Texts[k] != v {
			t.Errorf("text %q = %q, want %q", k, conn.Texts[k], v)
		}
	}
	for _, key := range []string{"noAgents", "outOfService", "agentTyping", "bye", "byeNoAgent", "welcomeMessage", "editorPlaceholder"} {
		for _, suffix := range []string{"", "#de", "#fr"} {
			if conn.Texts[key+suffix] == "" {
				t.Errorf("text %s%s missing", key, suffix)
			}
		}
	}

	if len(seed.Users) != map[bool]int{false: 3, true: 6}[showcase] {
		t.Fatalf("users: %+v", seed.Users)
	}
	for _, du := range seed.Users {
		if len(du.Password) < 12 || strings.ContainsAny(du.Password, "0o1li") {
			t.Errorf("password %q not readable or too short", du.Password)
		}
		u := must[User](t)(s.UserByLogin(ctx, du.Login))
		if ok, err := password.Verify(u.PasswordHash, du.Password); err != nil || !ok {
			t.Errorf("%s: password does not verify: %v", du.Login, err)
		}
		if u.Role != du.Role || !u.Active {
			t.Errorf("user %+v", u)
		}
	}
	agents := must[[]User](t)(s.AgentsOfGroup(ctx, seed.GroupID))
	if len(agents) != map[bool]int{false: 2, true: 3}[showcase] || agents[0].Nickname != "Anna" || agents[1].Nickname != "Ben" ||
		agents[0].MaxChats != 3 || agents[0].Skills["german"] != 3 || agents[1].Skills["english"] != 4 {
		t.Fatalf("agents: %+v", agents)
	}
	admin := must[User](t)(s.UserByLogin(ctx, "admin@demo.parley"))
	if admin.Role != RoleAdmin || admin.TenantID != ten.ID {
		t.Fatalf("admin: %+v", admin)
	}
}
