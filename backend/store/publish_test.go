package store

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/shared/survey"
)

// writeMethod is the rule that makes an exported method of *Store a write: its name starts with
// a verb that changes data. Every such method must either publish its settings change (a case
// in settingWrites) or be listed in notSettings with the reason.
var writeMethod = regexp.MustCompile(`^(Create|Update|Delete|Set|Add|Remove|Replace|Save|Move|Purge|Seed|Enqueue|Commit|Put|Insert|Upsert|Rename|Clear|Reset|Import|Archive|Restore|Assign|Unassign|Block|Unblock|Enable|Disable|Mark|Touch|Write|Apply|Grant|Revoke|Sync)`)

// notSettings are the methods the rule catches that change no configuration, and why.
var notSettings = map[string]string{
	"CreateWhatsAppChat":      "a WhatsApp conversation's chat, not configuration",
	"EnqueueWhatsAppTest":     "a WhatsApp test message in the outbox, not configuration",
	"PurgeDeliveryLogs":       "deletes finished delivery log rows, not configuration",
	"SavePushSubscription":    "an agent's browser subscription, not configuration: every push reads the subscriptions",
	"DeletePushSubscription":  "an agent's browser subscription, not configuration: every push reads the subscriptions",
	"ArchiveChats":            "reads the chat archive; writes nothing",
	"ImportHistory":           "writes closed chat history in bulk, which no configuration or open page follows",
	"CommitStats":             "reads the group committer's counters; writes nothing",
	"Sync":                    "waits for the queued chat writes; writes nothing of its own",
	"DeleteNode":              "the cluster node registry, not configuration",
	"TouchNode":               "a cluster node's heartbeat, not configuration",
	"AddConnectHit":           "a client address's connection count, not configuration",
	"PurgeConnectHits":        "sweeps old connection counts, not configuration",
	"CreateSession":           "a sign-in, not configuration",
	"DeleteSession":           "a sign-out, not configuration",
	"DeleteUserSessions":      "sign-outs, not configuration (deactivating a user publishes through UpdateUser)",
	"PurgeExpiredSessions":    "housekeeping of expired sign-ins",
	"CreateFile":              "a file shared in a chat, not configuration",
	"Enqueue":                 "chat events, which travel as changes.ChatEvent from the group committer",
	"EnqueueAll":              "chat events, which travel as changes.ChatEvent from the group committer",
	"EnqueueFenced":           "chat events, which travel as changes.ChatEvent from the group committer",
	"Commit":                  "chat events, which travel as changes.ChatEvent from the group committer",
	"EnqueueMail":             "an outbox message, not configuration",
	"EnqueueChatMail":         "an outbox message and a chat's visitor address, not configuration",
	"CreateWebhookEndpoint":   "nothing caches webhook endpoints: every commit of chat events reads them",
	"UpdateWebhookEndpoint":   "nothing caches webhook endpoints: every commit of chat events reads them",
	"DeleteWebhookEndpoint":   "nothing caches webhook endpoints: every commit of chat events reads them",
	"ResetWebhookSecret":      "nothing caches webhook secrets: every delivery attempt reads its endpoint's",
	"EnqueueWebhookTest":      "a webhook delivery, not configuration",
	"SaveReportExport":        "nothing caches report export settings: every close and every export attempt reads them",
	"EnqueueReportExportTest": "a report export delivery, not configuration",
	"UpdateContact":           "a customer's record, not configuration: nothing caches contacts",
	"SetChatTags":             "a chat's tags, not configuration",
	"SetChatOutcome":          "a chat's outcome, not configuration",
	"SeedDemoBase":            "the demo data, written once into an empty database before anything caches it",
	"SaveTranscriptMail":      "nothing caches a connector's transcript e-mail: every transcript and chat close reads it",
	"CreateAPIToken":          "nothing caches API tokens: every API request reads its token",
	"RevokeAPIToken":          "nothing caches API tokens: every API request reads its token",
	"TouchAPIToken":           "a token's last use, not configuration",
	"AddTranslationCalls":     "the translation call log, not configuration",
	"EnqueuePushes":           "Web Push outbox rows, not configuration",
	"EnqueuePushTest":         "a Web Push outbox row, not configuration",
}

// publishFixture is one database with one of every settings entity, and the bus its store
// publishes on.
type publishFixture struct {
	b    backend
	s    *Store
	rec  *recorder
	ten  Tenant
	grp  ACDGroup
	conn Connector
	st   AgentStatus
	user User

	field, doomedField   SurveyField
	folder, doomedFolder CannedFolder
	resp, doomedResp     CannedResponse
	doomedBlock          IPBlock
}

// recorder collects the settings changes one subscriber of the real bus receives.
type recorder struct {
	bus     *changes.Local
	ch      chan changes.Setting
	markers int64
}

// markerKind marks the end of what one write published: the bus delivers in publish order, so
// everything the store published before the marker arrives before it.
const markerKind changes.Kind = "test_marker"

func newRecorder(t *testing.T) *recorder {
	r := &recorder{bus: changes.NewLocal(), ch: make(chan changes.Setting, 10000)}
	t.Cleanup(r.bus.Close)
	return r
}

func (r *recorder) listen(t *testing.T) {
	t.Cleanup(r.bus.SubscribeSettings(func(c changes.Setting) { r.ch <- c }))
}

// since returns what was published since the previous call.
func (r *recorder) since(t *testing.T) []changes.Setting {
	t.Helper()
	r.markers++
	marker := changes.Setting{Kind: markerKind, ID: r.markers}
	r.bus.PublishSetting(marker)
	var got []changes.Setting
	for {
		select {
		case c := <-r.ch:
			if c == marker {
				return got
			}
			got = append(got, c)
		case <-time.After(10 * time.Second):
			t.Fatalf("the bus delivered no end marker; so far %v", got)
		}
	}
}

func newPublishFixture(t *testing.T, b backend) *publishFixture {
	rec := newRecorder(t)
	cfg := b.newConfig(t)
	cfg.Changes = rec.bus
	s := openStore(t, cfg)
	f := &publishFixture{b: b, s: s, rec: rec}
	f.ten = newTenant(t, s, "Publish")
	f.grp = must[ACDGroup](t)(s.CreateGroup(ctx, ACDGroup{TenantID: f.ten.ID, Name: "Support"}))
	f.conn = must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: f.ten.ID, Name: "Web", GroupID: f.grp.ID}))
	f.st = must[AgentStatus](t)(s.CreateStatus(ctx, AgentStatus{TenantID: f.ten.ID, Name: "Available", AllowsChat: true}))
	f.user = must[User](t)(s.CreateUser(ctx, User{TenantID: f.ten.ID, Login: "anna@example.com", Role: RoleAgent, Active: true,
		Groups: []int64{f.grp.ID}}))
	field := func(name string) SurveyField {
		return must[SurveyField](t)(s.CreateSurveyField(ctx, SurveyField{TenantID: f.ten.ID, ConnectorID: f.conn.ID,
			Kind: SurveyPreChat, Field: survey.Field{Name: name, Type: "text", Prompt: "Your " + name, ValidateLow: -1, ValidateHigh: -1}}))
	}
	f.field, f.doomedField = field("name"), field("company")
	f.folder = must[CannedFolder](t)(s.CreateCannedFolder(ctx, CannedFolder{TenantID: f.ten.ID, Name: "Greetings"}))
	f.doomedFolder = must[CannedFolder](t)(s.CreateCannedFolder(ctx, CannedFolder{TenantID: f.ten.ID, Name: "Old"}))
	resp := func(title string) CannedResponse {
		return must[CannedResponse](t)(s.CreateCannedResponse(ctx, CannedResponse{TenantID: f.ten.ID, FolderID: f.folder.ID,
			Title: title, Text: title + "!"}))
	}
	f.resp, f.doomedResp = resp("Hello"), resp("Bye")
	f.doomedBlock = must[IPBlock](t)(s.CreateIPBlock(ctx, IPBlock{TenantID: f.ten.ID, Prefix: "203.0.113.0/24"}))
	rec.listen(t) // what the fixture published is not part of any case
	return f
}

func setting(kind changes.Kind, tenantID, id int64) changes.Setting {
	return changes.Setting{Kind: kind, TenantID: tenantID, ID: id}
}

// settingWrite is one call of a settings write; it returns the changes it must publish.
type settingWrite struct {
	method string
	call   func(t *testing.T, f *publishFixture) []changes.Setting
}

// settingWrites calls every settings write of the store once. A TenantID left at 0 where the
// store keeps the stored one shows that the published tenant comes from the database.
var settingWrites = []settingWrite{
	{"CreateTenant", func(t *testing.T, f *publishFixture) []changes.Setting {
		n := must[Tenant](t)(f.s.CreateTenant(ctx, Tenant{Name: "Second"}))
		return []changes.Setting{setting(changes.KindTenant, n.ID, n.ID)}
	}},
	{"UpdateTenant", func(t *testing.T, f *publishFixture) []changes.Setting {
		f.ten.TimeZone = "Europe/Berlin"
		must[Tenant](t)(f.s.UpdateTenant(ctx, f.ten))
		return []changes.Setting{setting(changes.KindTenant, f.ten.ID, f.ten.ID)}
	}},
	{"SaveTenantSettings", func(t *testing.T, f *publishFixture) []changes.Setting {
		ts := DefaultTenantSettings(f.ten.ID)
		ts.MaxChatsPerIP = 3
		must[TenantSettings](t)(f.s.SaveTenantSettings(ctx, ts))
		return []changes.Setting{setting(changes.KindTenantSettings, f.ten.ID, 0)}
	}},
	{"CreateGroup", func(t *testing.T, f *publishFixture) []changes.Setting {
		g := must[ACDGroup](t)(f.s.CreateGroup(ctx, ACDGroup{TenantID: f.ten.ID, Name: "Sales"}))
		return []changes.Setting{setting(changes.KindGroup, f.ten.ID, g.ID)}
	}},
	{"UpdateGroup", func(t *testing.T, f *publishFixture) []changes.Setting {
		must[ACDGroup](t)(f.s.UpdateGroup(ctx, ACDGroup{ID: f.grp.ID, Name: "Support EU", Strategy: StrategyRoundRobin}))
		return []changes.Setting{setting(changes.KindGroup, f.ten.ID, f.grp.ID)}
	}},
	{"CreateConnector", func(t *testing.T, f *publishFixture) []changes.Setting {
		c := must[Connector](t)(f.s.CreateConnector(ctx, Connector{TenantID: f.ten.ID, Name: "Shop"}))
		return []changes.Setting{setting(changes.KindConnector, f.ten.ID, c.ID)}
	}},
	{"SetMiCCService", func(t *testing.T, f *publishFixture) []changes.Setting {
		must[MiCCService](t)(f.s.SetMiCCService(ctx, MiCCService{TenantID: f.ten.ID, ConnectorID: f.conn.ID, MiCCTenant: -1, GroupID: 7, GroupName: "Sales"}))
		return []changes.Setting{setting(changes.KindConnector, f.ten.ID, f.conn.ID)}
	}},
	{"DeleteMiCCService", func(t *testing.T, f *publishFixture) []changes.Setting {
		must[MiCCService](t)(f.s.SetMiCCService(ctx, MiCCService{TenantID: f.ten.ID, ConnectorID: f.conn.ID, MiCCTenant: -1, GroupID: 8, GroupName: "Support"}))
		f.rec.since(t) // the set's change is not this case's
		if err := f.s.DeleteMiCCService(ctx, f.ten.ID, f.conn.ID); err != nil {
			t.Fatal(err)
		}
		return []changes.Setting{setting(changes.KindConnector, f.ten.ID, f.conn.ID)}
	}},
	{"SetConnectorImage", func(t *testing.T, f *publishFixture) []changes.Setting {
		must[ConnectorImage](t)(f.s.SetConnectorImage(ctx, ConnectorImage{TenantID: f.ten.ID, ConnectorID: f.conn.ID, Kind: ImageLogo, Data: pngImage(t, 2, 2)}))
		return []changes.Setting{setting(changes.KindConnector, f.ten.ID, f.conn.ID)}
	}},
	{"DeleteConnectorImage", func(t *testing.T, f *publishFixture) []changes.Setting {
		must[ConnectorImage](t)(f.s.SetConnectorImage(ctx, ConnectorImage{TenantID: f.ten.ID, ConnectorID: f.conn.ID, Kind: ImageAvailable, Data: pngImage(t, 2, 2)}))
		f.rec.since(t) // the set's change is not this case's
		if err := f.s.DeleteConnectorImage(ctx, f.ten.ID, f.conn.ID, ImageAvailable); err != nil {
			t.Fatal(err)
		}
		return []changes.Setting{setting(changes.KindConnector, f.ten.ID, f.conn.ID)}
	}},
	{"UpdateConnector", func(t *testing.T, f *publishFixture) []changes.Setting {
		c := f.conn
		c.TenantID = 0
		c.Texts = map[string]string{"bye": "See you"}
		c.OpeningHours = []byte(`{"days":{"mon":["09:00-17:00"]}}`)
		c.Toolbox = DefaultToolbox().JSON()
		must[Connector](t)(f.s.UpdateConnector(ctx, c))
		return []changes.Setting{setting(changes.KindConnector, f.ten.ID, f.conn.ID)}
	}},
	{"CreateStatus", func(t *testing.T, f *publishFixture) []changes.Setting {
		a := must[AgentStatus](t)(f.s.CreateStatus(ctx, AgentStatus{TenantID: f.ten.ID, Name: "Away"}))
		return []changes.Setting{setting(changes.KindStatus, f.ten.ID, a.ID)}
	}},
	{"UpdateStatus", func(t *testing.T, f *publishFixture) []changes.Setting {
		a := f.st
		a.TenantID, a.BackgroundColor = 0, "#080"
		must[AgentStatus](t)(f.s.UpdateStatus(ctx, a))
		return []changes.Setting{setting(changes.KindStatus, f.ten.ID, f.st.ID)}
	}},
	{"CreateUser", func(t *testing.T, f *publishFixture) []changes.Setting {
		u := must[User](t)(f.s.CreateUser(ctx, User{TenantID: f.ten.ID, Login: "ben@example.com", Role: RoleAgent}))
		return []changes.Setting{setting(changes.KindUser, f.ten.ID, u.ID)}
	}},
	{"UpdateUser", func(t *testing.T, f *publishFixture) []changes.Setting {
		u := f.user
		u.TenantID, u.MaxChats, u.Skills, u.Groups = 0, 4, map[string]int{"german": 2}, nil
		must[User](t)(f.s.UpdateUser(ctx, u))
		return []changes.Setting{setting(changes.KindUser, f.ten.ID, f.user.ID)}
	}},
	{"SetUserStatus", func(t *testing.T, f *publishFixture) []changes.Setting {
		if err := f.s.SetUserStatus(ctx, f.user.ID, f.st.ID); err != nil {
			t.Fatal(err)
		}
		return []changes.Setting{setting(changes.KindUser, f.ten.ID, f.user.ID)}
	}},
	{"SetUserLang", func(t *testing.T, f *publishFixture) []changes.Setting {
		if err := f.s.SetUserLang(ctx, f.user.ID, "fr-BE"); err != nil {
			t.Fatal(err)
		}
		return []changes.Setting{setting(changes.KindUser, f.ten.ID, f.user.ID)}
	}},
	{"CreateSurveyField", func(t *testing.T, f *publishFixture) []changes.Setting {
		must[SurveyField](t)(f.s.CreateSurveyField(ctx, SurveyField{TenantID: f.ten.ID, ConnectorID: f.conn.ID, Kind: SurveyPostChat,
			Field: survey.Field{Name: "rating", Type: "rating", Prompt: "How did we do?", ValidateLow: 1, ValidateHigh: 5}}))
		return []changes.Setting{setting(changes.KindSurvey, f.ten.ID, f.conn.ID)}
	}},
	{"UpdateSurveyField", func(t *testing.T, f *publishFixture) []changes.Setting {
		sf := f.field
		sf.ConnectorID, sf.Prompt = 0, "Full name"
		must[SurveyField](t)(f.s.UpdateSurveyField(ctx, sf))
		return []changes.Setting{setting(changes.KindSurvey, f.ten.ID, f.conn.ID)}
	}},
	{"DeleteSurveyField", func(t *testing.T, f *publishFixture) []changes.Setting {
		if err := f.s.DeleteSurveyField(ctx, f.ten.ID, f.doomedField.ID); err != nil {
			t.Fatal(err)
		}
		return []changes.Setting{setting(changes.KindSurvey, f.ten.ID, f.conn.ID)}
	}},
	{"SaveLabel", func(t *testing.T, f *publishFixture) []changes.Setting {
		must[int64](t)(f.s.SaveLabel(ctx, LabelTag, Label{TenantID: f.ten.ID, Name: "billing"}))
		return []changes.Setting{setting(changes.KindLabels, f.ten.ID, 0)}
	}},
	{"DeleteLabel", func(t *testing.T, f *publishFixture) []changes.Setting {
		id := must[int64](t)(f.s.SaveLabel(ctx, LabelOutcome, Label{TenantID: f.ten.ID, Name: "solved"}))
		f.rec.since(t) // the save's change is not this case's
		if err := f.s.DeleteLabel(ctx, LabelOutcome, f.ten.ID, id); err != nil {
			t.Fatal(err)
		}
		return []changes.Setting{setting(changes.KindLabels, f.ten.ID, 0)}
	}},
	{"SaveReportSettings", func(t *testing.T, f *publishFixture) []changes.Setting {
		if err := f.s.SaveReportSettings(ctx, ReportSettings{TenantID: f.ten.ID, OutcomeRequired: true, AnswerTarget: time.Minute}); err != nil {
			t.Fatal(err)
		}
		return []changes.Setting{setting(changes.KindLabels, f.ten.ID, 0)}
	}},
	{"CreateCannedFolder", func(t *testing.T, f *publishFixture) []changes.Setting {
		must[CannedFolder](t)(f.s.CreateCannedFolder(ctx, CannedFolder{TenantID: f.ten.ID, ParentID: f.folder.ID, Name: "Evening"}))
		return []changes.Setting{setting(changes.KindCanned, f.ten.ID, 0)}
	}},
	{"UpdateCannedFolder", func(t *testing.T, f *publishFixture) []changes.Setting {
		cf := f.folder
		cf.Name = "Hellos"
		must[CannedFolder](t)(f.s.UpdateCannedFolder(ctx, cf))
		return []changes.Setting{setting(changes.KindCanned, f.ten.ID, 0)}
	}},
	{"DeleteCannedFolder", func(t *testing.T, f *publishFixture) []changes.Setting {
		if err := f.s.DeleteCannedFolder(ctx, f.ten.ID, f.doomedFolder.ID); err != nil {
			t.Fatal(err)
		}
		return []changes.Setting{setting(changes.KindCanned, f.ten.ID, 0)}
	}},
	{"CreateCannedResponse", func(t *testing.T, f *publishFixture) []changes.Setting {
		must[CannedResponse](t)(f.s.CreateCannedResponse(ctx, CannedResponse{TenantID: f.ten.ID, Title: "Thanks", Text: "Thank you!"}))
		return []changes.Setting{setting(changes.KindCanned, f.ten.ID, 0)}
	}},
	{"UpdateCannedResponse", func(t *testing.T, f *publishFixture) []changes.Setting {
		r := f.resp
		r.Text = "Hello, how can I help?"
		must[CannedResponse](t)(f.s.UpdateCannedResponse(ctx, r))
		return []changes.Setting{setting(changes.KindCanned, f.ten.ID, 0)}
	}},
	{"DeleteCannedResponse", func(t *testing.T, f *publishFixture) []changes.Setting {
		if err := f.s.DeleteCannedResponse(ctx, f.ten.ID, f.doomedResp.ID); err != nil {
			t.Fatal(err)
		}
		return []changes.Setting{setting(changes.KindCanned, f.ten.ID, 0)}
	}},
	{"CreateIPBlock", func(t *testing.T, f *publishFixture) []changes.Setting {
		must[IPBlock](t)(f.s.CreateIPBlock(ctx, IPBlock{TenantID: f.ten.ID, Prefix: "198.51.100.7"}))
		return []changes.Setting{setting(changes.KindIPBlocks, f.ten.ID, 0)}
	}},
	{"DeleteIPBlock", func(t *testing.T, f *publishFixture) []changes.Setting {
		if err := f.s.DeleteIPBlock(ctx, f.ten.ID, f.doomedBlock.ID); err != nil {
			t.Fatal(err)
		}
		return []changes.Setting{setting(changes.KindIPBlocks, f.ten.ID, 0)}
	}},
	{"SaveMailSettings", func(t *testing.T, f *publishFixture) []changes.Setting {
		must[MailSettings](t)(f.s.SaveMailSettings(ctx, MailSettings{TenantID: f.ten.ID, Host: "smtp.example.com", Port: 587, TLS: MailTLSStartTLS, FromAddress: "chat@example.com"}))
		return []changes.Setting{setting(changes.KindMail, f.ten.ID, 0)}
	}},
	{"SeedDemo", func(t *testing.T, f *publishFixture) []changes.Setting {
		// Seeding needs an empty database: a second one, publishing on the same bus.
		cfg := f.b.newConfig(t)
		cfg.Changes = f.rec.bus
		s := openStore(t, cfg)
		seed, ok, err := s.SeedDemo(ctx)
		if err != nil || !ok {
			t.Fatalf("SeedDemo: %v, %v", ok, err)
		}
		tid := seed.TenantID
		want := []changes.Setting{setting(changes.KindTenant, tid, tid), setting(changes.KindGroup, tid, seed.GroupID)}
		for _, a := range must[[]AgentStatus](t)(s.Statuses(ctx, tid)) {
			want = append(want, setting(changes.KindStatus, tid, a.ID))
		}
		sc := seed.Showcase
		want = append(want, setting(changes.KindConnector, tid, seed.ConnectorID),
			setting(changes.KindConnector, tid, seed.WhosOn.ConnectorID), setting(changes.KindTenantSettings, tid, 0),
			setting(changes.KindGroup, tid, sc.GermanGroupID), setting(changes.KindConnector, tid, sc.GermanConnectorID),
			setting(changes.KindSurvey, tid, sc.GermanConnectorID), setting(changes.KindCanned, tid, 0))
		for _, u := range must[[]User](t)(s.Users(ctx, tid)) {
			want = append(want, setting(changes.KindUser, tid, u.ID))
		}
		if _, again, err := s.SeedDemo(ctx); err != nil || again {
			t.Fatalf("second SeedDemo: %v, %v", again, err)
		}
		return want
	}},
}

// TestEveryWriteMethodClassified fails when a write method of *Store neither publishes its
// change (a case in settingWrites) nor is listed in notSettings, so that a new settings write
// cannot forget to publish.
func TestEveryWriteMethodClassified(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range settingWrites {
		covered[c.method] = true
	}
	typ := reflect.TypeFor[*Store]()
	methods := map[string]bool{}
	for m := range typ.Methods() {
		methods[m.Name] = true
		if !writeMethod.MatchString(m.Name) {
			continue
		}
		_, listed := notSettings[m.Name]
		switch {
		case covered[m.Name] && listed:
			t.Errorf("%s is both a settings write and listed as not one", m.Name)
		case !covered[m.Name] && !listed:
			t.Errorf("%s writes: add a case to settingWrites that checks the change it publishes after commit, "+
				"or list it in notSettings with the reason it changes no configuration", m.Name)
		}
	}
	for name := range covered {
		if !methods[name] {
			t.Errorf("settingWrites has a case for %s, which *Store does not have", name)
		}
	}
	for name := range notSettings {
		if !methods[name] || !writeMethod.MatchString(name) {
			t.Errorf("notSettings lists %s, which is not a write method of *Store", name)
		}
	}
}

// TestWritesPublish calls every settings write and checks, through the real bus, that it
// published exactly its change.
func TestWritesPublish(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := newPublishFixture(t, b)
			for _, c := range settingWrites {
				t.Run(c.method, func(t *testing.T) {
					want := c.call(t, f)
					if got := f.rec.since(t); !slices.Equal(got, want) {
						t.Fatalf("published %v, want %v", got, want)
					}
				})
			}
		})
	}
}

// TestFailedWritesPublishNothing checks that a write that was refused, found nothing, broke a
// rule inside its transaction (rolled back) or never reached the database publishes nothing.
func TestFailedWritesPublishNothing(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := newPublishFixture(t, b)
			s := f.s
			other := must[Tenant](t)(s.CreateTenant(ctx, Tenant{Name: "Other"}))
			foreignGroup := must[ACDGroup](t)(s.CreateGroup(ctx, ACDGroup{TenantID: other.ID, Name: "Foreign"}))
			foreignStatus := must[AgentStatus](t)(s.CreateStatus(ctx, AgentStatus{TenantID: other.ID, Name: "Foreign"}))
			f.rec.since(t)
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			conn := f.conn
			conn.GroupID = foreignGroup.ID
			user := f.user
			user.Groups = []int64{foreignGroup.ID}
			for name, call := range map[string]func() error{
				"CreateTenant invalid": func() error { _, err := s.CreateTenant(ctx, Tenant{Name: "X", TimeZone: "Mars/Olympus"}); return err },
				"UpdateTenant missing": func() error { _, err := s.UpdateTenant(ctx, Tenant{ID: 9999, Name: "X"}); return err },
				"UpdateTenant cancelled": func() error {
					_, err := s.UpdateTenant(cancelled, f.ten)
					return err
				},
				"SaveTenantSettings no tenant (in transaction)": func() error {
					_, err := s.SaveTenantSettings(ctx, DefaultTenantSettings(9999))
					return err
				},
				"CreateGroup no tenant": func() error { _, err := s.CreateGroup(ctx, ACDGroup{TenantID: 9999, Name: "X"}); return err },
				"UpdateGroup missing":   func() error { _, err := s.UpdateGroup(ctx, ACDGroup{ID: 9999, Name: "X"}); return err },
				"CreateConnector foreign group": func() error {
					_, err := s.CreateConnector(ctx, Connector{TenantID: f.ten.ID, Name: "X", GroupID: foreignGroup.ID})
					return err
				},
				"UpdateConnector foreign group (in transaction)": func() error { _, err := s.UpdateConnector(ctx, conn); return err },
				"UpdateConnector cancelled": func() error {
					_, err := s.UpdateConnector(cancelled, f.conn)
					return err
				},
				"CreateStatus no name": func() error { _, err := s.CreateStatus(ctx, AgentStatus{TenantID: f.ten.ID}); return err },
				"UpdateStatus missing": func() error { _, err := s.UpdateStatus(ctx, AgentStatus{ID: 9999, Name: "X"}); return err },
				"CreateUser taken login": func() error {
					_, err := s.CreateUser(ctx, User{TenantID: f.ten.ID, Login: f.user.Login, Role: RoleAgent})
					return err
				},
				"UpdateUser foreign group (in transaction)": func() error { _, err := s.UpdateUser(ctx, user); return err },
				"SetUserStatus foreign status (in transaction)": func() error {
					return s.SetUserStatus(ctx, f.user.ID, foreignStatus.ID)
				},
				"SetUserStatus cancelled": func() error { return s.SetUserStatus(cancelled, f.user.ID, f.st.ID) },
				"CreateSurveyField taken name (in transaction)": func() error {
					sf := f.field
					sf.ID = 0
					_, err := s.CreateSurveyField(ctx, sf)
					return err
				},
				"UpdateSurveyField other tenant": func() error {
					sf := f.field
					sf.TenantID = other.ID
					_, err := s.UpdateSurveyField(ctx, sf)
					return err
				},
				"DeleteSurveyField missing":   func() error { return s.DeleteSurveyField(ctx, f.ten.ID, 9999) },
				"DeleteSurveyField cancelled": func() error { return s.DeleteSurveyField(cancelled, f.ten.ID, f.field.ID) },
				"CreateCannedFolder no parent": func() error {
					_, err := s.CreateCannedFolder(ctx, CannedFolder{TenantID: f.ten.ID, ParentID: 9999, Name: "X"})
					return err
				},
				"UpdateCannedFolder into itself": func() error {
					cf := f.folder
					cf.ParentID = cf.ID
					_, err := s.UpdateCannedFolder(ctx, cf)
					return err
				},
				"DeleteCannedFolder missing": func() error { return s.DeleteCannedFolder(ctx, f.ten.ID, 9999) },
				"CreateCannedResponse no folder": func() error {
					_, err := s.CreateCannedResponse(ctx, CannedResponse{TenantID: f.ten.ID, FolderID: 9999, Title: "X", Text: "Y"})
					return err
				},
				"UpdateCannedResponse missing": func() error {
					_, err := s.UpdateCannedResponse(ctx, CannedResponse{ID: 9999, TenantID: f.ten.ID, Title: "X", Text: "Y"})
					return err
				},
				"DeleteCannedResponse other tenant": func() error { return s.DeleteCannedResponse(ctx, other.ID, f.resp.ID) },
				"CreateIPBlock twice": func() error {
					if _, err := s.CreateIPBlock(ctx, IPBlock{TenantID: f.ten.ID, Prefix: "192.0.2.1"}); err != nil {
						t.Fatal(err)
					}
					f.rec.since(t)
					_, err := s.CreateIPBlock(ctx, IPBlock{TenantID: f.ten.ID, Prefix: "192.0.2.1"})
					return err
				},
				"CreateIPBlock not an address": func() error { _, err := s.CreateIPBlock(ctx, IPBlock{TenantID: f.ten.ID, Prefix: "x"}); return err },
				"DeleteIPBlock missing":        func() error { return s.DeleteIPBlock(ctx, f.ten.ID, 9999) },
				"SeedDemo not empty": func() error {
					if _, ok, err := s.SeedDemo(ctx); err != nil || ok {
						t.Fatalf("SeedDemo seeded a database with tenants: %v, %v", ok, err)
					}
					return errNothing
				},
			} {
				t.Run(name, func(t *testing.T) {
					if err := call(); err == nil {
						t.Fatal("the write succeeded; the case needs a failing one")
					}
					if got := f.rec.since(t); len(got) != 0 {
						t.Fatalf("a failed write published %v", got)
					}
				})
			}
		})
	}
}

// errNothing stands for "wrote nothing" where a call does not fail but must not publish.
var errNothing = errors.New("wrote nothing")

// TestChatEventsPublished: every committed event is announced once, numbered, with its tenant,
// in commit order, before the writer hears of it; a write that failed announces nothing.
func TestChatEventsPublished(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			bus := changes.NewLocal()
			t.Cleanup(bus.Close)
			cfg := b.newConfig(t)
			cfg.Changes = bus
			cfg.CommitWindow = 50 * time.Millisecond
			s := openStore(t, cfg)
			var (
				mu  sync.Mutex
				got []changes.ChatEvent
			)
			bus.SubscribeChats(func(e changes.ChatEvent) { mu.Lock(); got = append(got, e); mu.Unlock() })
			ten := newTenant(t, s, "T")
			c := newChat(t, s, ten.ID, nil)
			var wg sync.WaitGroup
			ws := []Write{
				msgWrite(c.ID, 0, "one", "a"),
				{Event: &Event{ChatID: c.ID, Type: "note", AgentsOnly: true, Data: json.RawMessage(`{"n":1}`)}},
				msgWrite(c.ID, 0, "dup", "a"), // fails: the client id is taken
				msgWrite(c.ID, 0, "two", "b"),
			}
			wg.Add(len(ws))
			for i, w := range ws {
				s.Enqueue(w, func(err error) {
					defer wg.Done()
					if (err != nil) != (i == 2) {
						t.Errorf("write %d: %v", i, err)
					}
					mu.Lock()
					defer mu.Unlock()
					if err == nil && (len(got) == 0 || got[len(got)-1].Seq < w.Event.Seq) {
						t.Errorf("write %d acknowledged before it was announced", i)
					}
				})
			}
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 3 {
				t.Fatalf("published %+v", got)
			}
			for i, want := range []struct {
				seq, vseq uint64
				typ       string
			}{{1, 1, "message"}, {2, 0, "note"}, {3, 2, "message"}} {
				e := got[i]
				if e.ChatID != c.ID || e.TenantID != ten.ID || e.Seq != want.seq || e.VisitorSeq != want.vseq || e.Type != want.typ || e.At.IsZero() {
					t.Errorf("event %d: %+v, want %+v", i, e, want)
				}
			}
			if string(got[1].Data) != `{"n":1}` {
				t.Errorf("data %s", got[1].Data)
			}
		})
	}
}
