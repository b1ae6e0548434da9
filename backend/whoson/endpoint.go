package whoson

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/clientip"
	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/shared/protocol"
)

// Directory is what the adapter reads to find the site a Connect names (tenants, their
// WhosOn credentials and their connectors) and to describe its operators (the agents of the
// connector's group). *store.Store provides it.
type Directory interface {
	Tenants(ctx context.Context) ([]store.Tenant, error)
	TenantSettings(ctx context.Context, tenantID int64) (store.TenantSettings, error)
	Connectors(ctx context.Context, tenantID int64) ([]store.Connector, error)
	AgentsOfGroup(ctx context.Context, groupID int64) ([]store.User, error)
	ConnectorImage(ctx context.Context, connectorID int64, kind store.ImageKind) (store.ConnectorImage, error)
}

// TranscriptMailer e-mails a chat's transcript to an address and records the address with
// the chat; *mail.Transcripts has it.
type TranscriptMailer interface {
	Send(ctx context.Context, chatID, to string) (store.OutboxMail, error)
}

// Options configure an [Endpoint]. Chats, Directory and Files are required.
type Options struct {
	Chats     *chat.Service
	Directory Directory
	Files     Files
	// Guard blocks failing addresses (a [NewGuard] when nil); Locator fills GeoIP objects
	// (the address alone when nil).
	Guard   *Guard
	Locator *Locator
	// PublicURL is the server's address as clients reach it on a Host ("https://" + host
	// by default): the connected event's WebServicesURL (where files are uploaded) and the
	// links of files shared in a chat start with it.
	PublicURL func(host string) string
	// ConnectTimeout closes a socket that sends no valid Connect in time (10 s); QueueEvery is
	// how often a waiting chat hears its queue position (1 s, as WhosOn).
	ConnectTimeout time.Duration
	QueueEvery     time.Duration
	// Transcripts e-mails transcripts for the Transcript command; without it the command
	// is answered as not available.
	Transcripts TranscriptMailer
	// Translator translates chats of tenants that turned translation on (a zero
	// translate.Client when nil).
	Translator *translate.Client
	// Now is the clock the guard is judged by (time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Endpoint serves the WhosOn Chat API: one per server, shared by the main listener's /whoson
// and the dedicated listener's /.
type Endpoint struct {
	o Options

	mu       sync.Mutex
	sessions map[string]*client // the connected clients by SessionID, for the file endpoint
}

// New returns an endpoint.
func New(o Options) *Endpoint {
	if o.Guard == nil {
		o.Guard = NewGuard()
	}
	if o.Translator == nil {
		o.Translator = &translate.Client{}
	}
	if o.Locator == nil {
		o.Locator = &Locator{}
	}
	if o.PublicURL == nil {
		o.PublicURL = func(host string) string { return "https://" + host }
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.QueueEvery <= 0 {
		o.QueueEvery = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Endpoint{o: o, sessions: map[string]*client{}}
}

// client is the connected client of a SessionID, nil when none is.
func (e *Endpoint) client(session string) *client {
	if session == "" {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sessions[session]
}

// enlist makes a connected client findable by its SessionID; delist forgets it.
func (e *Endpoint) enlist(session string, c *client) {
	e.mu.Lock()
	e.sessions[session] = c
	e.mu.Unlock()
}

func (e *Endpoint) delist(session string, c *client) {
	e.mu.Lock()
	if e.sessions[session] == c {
		delete(e.sessions, session)
	}
	e.mu.Unlock()
}

// Handler opens the adapter's session of a new WebSocket connection.
func (e *Endpoint) Handler() realtime.Handler {
	return func(c *realtime.Conn) realtime.Session { return e.open(c) }
}

// Transport are the WebSocket options of the endpoint: a visitor endpoint whose refusals are
// WhosOn error events and that says no native goodbye.
func (e *Endpoint) Transport() realtime.Options {
	return realtime.Options{
		Role:     protocol.RoleVisitor,
		Logger:   e.o.Logger,
		Farewell: func(protocol.CloseCode, string) []byte { return nil },
		Refusal:  func(msg string) []byte { return encode("error", nil, msg) },
	}
}

// accessDenied is the document's answer to wrong credentials or an unknown domain.
const accessDenied = "Access Denied"

// site is what a successful Connect found: the connector the domain names.
type site struct {
	connector store.Connector
	origin    string // the connector's allowed origin that matched the domain
	// translation is the tenant's translation service, when it has translation on.
	translation *tenantTranslation
}

// findSite finds the connector of a domain among the tenants whose WhosOn credentials match.
func (e *Endpoint) findSite(ctx context.Context, auth, key, domain string) (site, bool, error) {
	domain = normalDomain(domain)
	if domain == "" || auth == "" || key == "" {
		return site{}, false, nil
	}
	tenants, err := e.o.Directory.Tenants(ctx)
	if err != nil {
		return site{}, false, err
	}
	for _, t := range tenants {
		ts, err := e.o.Directory.TenantSettings(ctx, t.ID)
		if err != nil {
			return site{}, false, err
		}
		if ts.WhosOnAuth == "" || ts.WhosOnAPIKey == "" || !same(auth, ts.WhosOnAuth) || !same(key, ts.WhosOnAPIKey) {
			continue
		}
		conns, err := e.o.Directory.Connectors(ctx, t.ID)
		if err != nil {
			return site{}, false, err
		}
		for _, c := range conns {
			for _, o := range c.AllowedOrigins {
				if siteMatches(o, domain) {
					return site{connector: c, origin: o, translation: translationOf(ts)}, true, nil
				}
			}
		}
	}
	return site{}, false, nil
}

// same compares secrets in constant time.
func same(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// normalDomain is a Connect domain as a lower-case host: a scheme or a trailing slash a client
// adds is tolerated.
func normalDomain(d string) string {
	d = strings.ToLower(strings.TrimSpace(d))
	d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
	return strings.TrimSuffix(d, "/")
}

// siteMatches reports whether an allowed origin ("https://www.example.com") is the domain's
// site: its host, with or without the port.
func siteMatches(origin, domain string) bool {
	o := strings.TrimSpace(origin)
	if !strings.Contains(o, "://") {
		o = "https://" + o
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, domain) || strings.EqualFold(u.Hostname(), domain)
}

// addr is the key the guard counts a client's failures under.
func addr(c *realtime.Conn) string { return clientip.Bucket(c.IP()) }
