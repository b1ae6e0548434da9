package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/changes"
)

// DemoSeed reports what SeedDemo created, so that the caller can print the
// demo logins once, clearly marked as demo credentials.
type DemoSeed struct {
	TenantID      int64
	GroupID       int64
	ConnectorID   int64
	ConnectorHash string
	Users         []DemoUser
	// WhosOn is what a WhosOn Chat API client connects with: the tenant's authentication string
	// and API key, and the domain of the demo's WhosOn site (a second connector).
	WhosOn DemoWhosOn
	// MiCC is the demo connector's MiCC face, for trying the MiCC ChatService.
	MiCC MiCCService
	// Showcase is what SeedDemo adds beyond the base (zero after SeedDemoBase).
	Showcase DemoShowcase
}

// DemoWhosOn are the demo's WhosOn Chat API credentials (package whoson).
type DemoWhosOn struct {
	Auth, APIKey, Domain string
	ConnectorID          int64
}

// demoWhosOnDomain is the site domain of the demo's WhosOn connector.
const demoWhosOnDomain = "www.example.com"

// DemoUser is one seeded login with its generated password.
type DemoUser struct {
	Login    string
	Password string
	Role     string
}

// demoTexts are the connector message resources of jtel's documented
// example for English (the unmarked default) and German (without the
// example's stray full stop after "Herzlich willkommen!"), plus French, and
// the connector's title in German and French.
var demoTexts = map[string]string{
	"noAgents":             "Sorry, currently there are no agents available. Please try again later.",
	"noAgents#de":          "Es tut uns leid, aber derzeit sind keine Agenten verfügbar. Bitte probieren Sie etwas später nochmal.",
	"noAgents#fr":          "Désolé, aucun agent n'est disponible pour le moment. Veuillez réessayer plus tard.",
	"outOfService":         "Sorry, but the service is not available at the moment.",
	"outOfService#de":      "Es tut uns leid, aber der Service steht derzeit nicht zu Verfügung",
	"outOfService#fr":      "Désolé, le service n'est pas disponible pour le moment.",
	"agentTyping":          "Agent $agent is typing...",
	"agentTyping#de":       "Agent $agent schreibt ...",
	"agentTyping#fr":       "L'agent $agent écrit...",
	"bye":                  "Thank you for using our service. Goodbye.",
	"bye#de":               "Danke, dass Sie unseren Service genutzt haben. Auf Wiedersehen.",
	"bye#fr":               "Merci d'avoir utilisé notre service. Au revoir.",
	"byeNoAgent":           "Sorry, currently there are no agents available. Please try again later.",
	"byeNoAgent#de":        "Es tut uns leid, aber derzeit sind keine Agenten verfügbar. Bitte probieren Sie etwas später nochmal.",
	"byeNoAgent#fr":        "Désolé, aucun agent n'est disponible pour le moment. Veuillez réessayer plus tard.",
	"welcomeMessage":       "Welcome!",
	"welcomeMessage#de":    "Herzlich willkommen!",
	"welcomeMessage#fr":    "Bienvenue !",
	"editorPlaceholder":    "Enter your message here.",
	"editorPlaceholder#de": "Geben Sie Ihre Nachricht hier ein.",
	"editorPlaceholder#fr": "Saisissez votre message ici.",
	"title#de":             "Chatten Sie mit uns",
	"title#fr":             "Discutez avec nous",
}

// SeedDemo fills an empty database with a ready-to-try demo: the base of SeedDemoBase and the
// showcase (seed_showcase.go): a German connector with a pre-chat survey and a post-chat
// rating, canned responses in folders, more agents and a supervisor. It does nothing and
// returns false when any tenant exists, so it is safe to call on every start.
func (s *Store) SeedDemo(ctx context.Context) (DemoSeed, bool, error) {
	return s.seedDemo(ctx, true)
}

// SeedDemoBase fills an empty database with the demo's base: tenant "Demo Company", group
// "Support", four agent statuses, the connector "Website chat" (any origin allowed), the
// WhosOn site, an admin and two agents with random passwords. Tests that count what the
// tenant holds start from it. Like SeedDemo, it does nothing when any tenant exists.
func (s *Store) SeedDemoBase(ctx context.Context) (DemoSeed, bool, error) {
	return s.seedDemo(ctx, false)
}

func (s *Store) seedDemo(ctx context.Context, showcase bool) (DemoSeed, bool, error) {
	var n int64
	if err := s.r.WithContext(ctx).Model(&tenantRow{}).Count(&n).Error; err != nil {
		return DemoSeed{}, false, wrap("seed demo", err)
	}
	if n > 0 {
		return DemoSeed{}, false, nil
	}

	users := []struct {
		user User
		pw   string
	}{
		{user: User{Login: "admin@demo.parley", Name: "Demo Admin", Nickname: "Admin", Role: RoleAdmin, Lang: "en"}},
		{user: User{Login: "anna@demo.parley", Name: "Anna Example", Nickname: "Anna", Role: RoleAgent, Lang: "en",
			MaxChats: 3, Skills: map[string]int{"english": 5, "german": 3}}},
		{user: User{Login: "ben@demo.parley", Name: "Ben Example", Nickname: "Ben", Role: RoleAgent, Lang: "en",
			MaxChats: 3, Skills: map[string]int{"english": 4}}},
	}
	if showcase {
		for _, u := range demoShowcaseUsers {
			users = append(users, struct {
				user User
				pw   string
			}{user: u})
		}
	}
	// Hash before the transaction: argon2 is slow on purpose, and the
	// SQLite writer must not wait for it. The accounts are hashed side by
	// side, as many at once as there are processors.
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range users {
		users[i].pw = demoPassword()
		users[i].user.Email = users[i].user.Login
		users[i].user.Active = true
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			users[i].user.PasswordHash, errs[i] = s.hashPassword(users[i].pw)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return DemoSeed{}, false, fmt.Errorf("store: seed demo: %w", err)
	}

	var seed DemoSeed
	seeded := false
	var created []changes.Setting // published once the seed committed
	made := func(kind changes.Kind, tenantID, id int64) {
		created = append(created, changes.Setting{Kind: kind, TenantID: tenantID, ID: id})
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == DialectPostgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockKey).Error; err != nil {
				return err
			}
		}
		// Check again inside the transaction: another node may have won.
		if err := tx.Model(&tenantRow{}).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		tenant, err := createTenant(tx, Tenant{Name: "Demo Company", TimeZone: "Europe/Berlin", DefaultLang: "en"})
		if err != nil {
			return err
		}
		made(changes.KindTenant, tenant.ID, tenant.ID)
		group, err := createGroup(tx, ACDGroup{TenantID: tenant.ID, Name: "Support", Strategy: StrategyLongestIdle})
		if err != nil {
			return err
		}
		made(changes.KindGroup, tenant.ID, group.ID)
		for i, st := range []AgentStatus{
			{Name: "Available", Short: "Av", FontColor: "#ffffff", BackgroundColor: "#2e7d32", AllowsChat: true},
			{Name: "Away", Short: "Aw", FontColor: "#000000", BackgroundColor: "#f9a825"},
			{Name: "Pause", Short: "Pa", FontColor: "#ffffff", BackgroundColor: "#1565c0"},
			{Name: "Offline", Short: "Of", FontColor: "#ffffff", BackgroundColor: "#616161"},
		} {
			st.TenantID, st.AgentSettable, st.Sort = tenant.ID, true, (i+1)*10
			ns, err := createStatus(tx, st)
			if err != nil {
				return err
			}
			made(changes.KindStatus, tenant.ID, ns.ID)
		}
		conn, err := createConnector(tx, Connector{
			TenantID: tenant.ID, Name: "Website chat", Title: "Chat with us", GroupID: group.ID,
			Texts: demoTexts, Waiting1: 30 * time.Second, Waiting2: 90 * time.Second,
		})
		if err != nil {
			return err
		}
		made(changes.KindConnector, tenant.ID, conn.ID)
		seed = DemoSeed{TenantID: tenant.ID, GroupID: group.ID, ConnectorID: conn.ID, ConnectorHash: conn.Hash}
		// A WhosOn Chat API client names its site by domain: the demo has one, and the
		// tenant's credentials to reach it.
		site, err := createConnector(tx, Connector{
			TenantID: tenant.ID, Name: "WhosOn site", Title: "Chat with us", GroupID: group.ID,
			Texts: demoTexts, Waiting1: 30 * time.Second, Waiting2: 90 * time.Second,
			AllowedOrigins: []string{"https://" + demoWhosOnDomain},
		})
		if err != nil {
			return err
		}
		made(changes.KindConnector, tenant.ID, site.ID)
		ts := DefaultTenantSettings(tenant.ID)
		ts.WhosOnAuth, ts.WhosOnAPIKey = demoPassword(), demoPassword()
		row, err := tenantSettingsToRow(ts)
		if err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		made(changes.KindTenantSettings, tenant.ID, 0)
		seed.WhosOn = DemoWhosOn{Auth: ts.WhosOnAuth, APIKey: ts.WhosOnAPIKey, Domain: demoWhosOnDomain, ConnectorID: site.ID}
		seed.MiCC = MiCCService{TenantID: tenant.ID, ConnectorID: conn.ID, MiCCTenant: MiCCDefaultTenant, GroupID: 1001, GroupName: "Sales"}
		if err := setMiCCService(tx, seed.MiCC); err != nil {
			return err
		}
		if showcase {
			if seed.Showcase, err = seedShowcase(tx, tenant.ID, group.ID, made); err != nil {
				return err
			}
		}
		for _, du := range users {
			u := du.user
			u.TenantID = tenant.ID
			switch {
			case u.Groups != nil:
				u.Groups = showcaseGroups(u.Groups, group.ID, seed.Showcase.GermanGroupID)
			case u.Role == RoleAgent && showcase && u.Skills["german"] > 0:
				// Anna speaks German too: she serves both connectors.
				u.Groups = []int64{group.ID, seed.Showcase.GermanGroupID}
			case u.Role == RoleAgent:
				u.Groups = []int64{group.ID}
			}
			nu, err := createUser(tx, u)
			if err != nil {
				return err
			}
			made(changes.KindUser, tenant.ID, nu.ID)
			seed.Users = append(seed.Users, DemoUser{Login: u.Login, Password: du.pw, Role: u.Role})
		}
		seeded = true
		return nil
	})
	if err != nil || !seeded {
		return DemoSeed{}, false, wrap("seed demo", err)
	}
	_ = s.published(nil, created...)
	return seed, true, nil
}

// demoAlphabet leaves out look-alike characters (0/o, 1/l/i) so the printed
// passwords can be typed without doubt.
const demoAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// demoPassword returns 16 random characters from demoAlphabet in groups of
// four, e.g. "k7pq-3mzt-x9bd-h4wf" (about 79 bits).
func demoPassword() string {
	var b strings.Builder
	max := big.NewInt(int64(len(demoAlphabet)))
	for i := range 16 {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("store: crypto/rand failed: " + err.Error())
		}
		b.WriteByte(demoAlphabet[n.Int64()])
	}
	return b.String()
}
