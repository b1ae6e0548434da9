// Package server assembles Parley's HTTP server: the Fiber app with health checks, the agent
// API, the visitor and agent WebSocket endpoints, and the web apps; and it runs it with a
// graceful shutdown that loses nothing that was acknowledged.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/parleychat/parley/backend/admin"
	"github.com/parleychat/parley/backend/agentapi"
	"github.com/parleychat/parley/backend/agentsite"
	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/clientip"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/jtel"
	"github.com/parleychat/parley/backend/metrics"
	"github.com/parleychat/parley/backend/micc"
	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/backend/restapi"
	"github.com/parleychat/parley/backend/settings"
	"github.com/parleychat/parley/backend/signin"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
	"github.com/parleychat/parley/backend/widgetsite"
	"github.com/parleychat/parley/shared/protocol"
)

// Server is a running Parley server.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	bus      *changes.Local
	store    *store.Store
	settings *settings.Cache
	chats    *chat.Service
	hub      *realtime.Hub
	app      *fiber.App
	ln       net.Listener
	// micc is the MiCC ChatService; miccApp and miccLn its dedicated listener, if configured.
	micc    *micc.Service
	miccApp *fiber.App
	miccLn  net.Listener
	// proxy finds the client's address behind trusted reverse proxies.
	proxy *clientip.Resolver
	// Demo is the demo data seeded at this start, if any.
	Demo *store.DemoSeed
	// whoson is the WhosOn Chat API (whoson.go).
	whoson whosonPart
	// mail is the e-mail outbox (mail.go).
	mail mailPart
	// webhooks delivers the tenants' webhooks (webhooks.go).
	webhooks webhookPart
	// translation is the translation client's call log (translation.go).
	translation translationPart
	// exports sends the connectors' chat report exports (reportexport.go).
	exports reportExportPart
	// retention deletes expired data (retention.go).
	retention retentionPart
	// push sends Web Push notifications to agents whose app is closed (push.go).
	push pushPart
	// tyntec carries WhatsApp chats (tyntec.go).
	tyntec tyntecPart
	// cluster is the node's membership of a cluster (cluster.go).
	cluster clusterPart
}

// Option adjusts how a server is built, beyond its configuration (tests).
type Option func(*store.Config)

// WithPasswordHasher hashes the demo accounts' passwords with f instead of the production
// cost, for tests that start many servers.
func WithPasswordHasher(f func(string) (string, error)) Option {
	return func(c *store.Config) { c.HashPassword = f }
}

// New opens the store (seeding demo data into an empty database when configured), starts the
// chat service and builds the HTTP app. Call Serve, then Shutdown.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (*Server, error) {
	bus := changes.NewLocal()
	cl := clusterPart{agentWindow: cfg.ReconnectWindow}
	hub := realtime.NewHub()
	pub, err := cl.dial(cfg.NATSURL, cfg.NATSSubject, bus, hub.Hold, log)
	if err != nil {
		bus.Close()
		return nil, err
	}
	scfg := store.Config{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log, Changes: pub, QueueLimit: cfg.CommitQueue, Hold: hub.Hold}
	for _, o := range opts {
		o(&scfg)
	}
	st, err := store.Open(ctx, scfg)
	if err != nil {
		cl.close()
		bus.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	// Before anything acts on the database's chats: a node of the wrong mode stops here.
	if err := cl.join(ctx, st, cfg.Addr, log); err != nil {
		_ = st.Close()
		cl.close()
		bus.Close()
		return nil, err
	}
	proxy, err := clientip.New(cfg.ProxyHeader, cfg.TrustedProxies)
	if err != nil {
		cl.leave(ctx)
		_ = st.Close()
		cl.close()
		bus.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, bus: bus, store: st, hub: hub, proxy: proxy, cluster: cl}
	// undo releases what New has started so far, the latest first, when a later step fails.
	undo := func(err error) (*Server, error) {
		if s.chats != nil {
			s.chats.Close()
		}
		if s.settings != nil {
			s.settings.Close()
		}
		s.cluster.leave(ctx)
		_ = st.Close()
		s.cluster.close()
		bus.Close()
		return nil, err
	}
	if cfg.Demo {
		seedDemo := st.SeedDemo
		if cfg.DemoBaseOnly {
			seedDemo = st.SeedDemoBase
		}
		seed, seeded, err := seedDemo(ctx)
		if err != nil {
			return undo(fmt.Errorf("seed demo data: %w", err))
		}
		if seeded {
			s.Demo = &seed
			logDemo(log, seed)
			log.Warn("DEMO jtel snippet: paste it into any web page to chat with the demo connector (docs/coming-from-jtel.md)",
				"snippet", jtel.Snippet(jtel.BaseURL(cfg.Addr), seed.ConnectorHash))
		}
	}
	if err := s.setupPush(ctx); err != nil {
		return undo(err)
	}
	var pusher chat.Pusher
	if p := s.pusher(); p != nil {
		pusher = p
	}
	s.settings = settings.New(st, bus)
	// One client translates every chat, of the widget and agent app as of WhosOn; /metrics
	// reports its calls and failures, the admin pages each tenant's calls.
	s.setupTranslation()
	s.chats, err = chat.New(ctx, st, s.settings, bus, chat.Config{
		ReconnectWindow: cfg.ReconnectWindow, AgentWarning: cfg.AgentWarning, AgentReconnectWindow: cfg.ReconnectWindow,
		ConnectTimeout: cfg.ConnectTimeout, CommandRate: float64(cfg.CommandsPerSecond), CommandBurst: cfg.CommandBurst, Logger: log,
		Presence: cfg.Presence, Push: pusher, AgentLineCheck: tyntec.Guard(st, nil), Translator: s.whoson.translator,
		Restore: s.cluster.restoreFilter(st, log), Claim: s.cluster.claim(st), Forward: s.cluster.forward(),
		Routing:           s.cluster.routing(),
		ForwardVisitor:    s.cluster.forwardVisitor(),
		FollowedElsewhere: s.cluster.followedElsewhere(st, log),
		PublishTransient:  s.cluster.publishTransient(),
		PublishAgent:      s.cluster.publishAgent(),
	})
	if err != nil {
		return undo(fmt.Errorf("start chat service: %w", err))
	}
	s.cluster.attachRouting(s.chats)
	if err := s.cluster.serveForward(st, s.chats, log); err != nil {
		return undo(err)
	}
	if err := s.cluster.serveForwardVisitor(s.chats, log); err != nil {
		return undo(err)
	}
	if err := s.cluster.serveFollows(s.chats); err != nil {
		return undo(fmt.Errorf("cluster: %w", err))
	}
	if err := s.cluster.receiveTransient(s.chats); err != nil {
		return undo(fmt.Errorf("cluster: %w", err))
	}
	if err := s.cluster.receiveAgent(s.chats); err != nil {
		return undo(fmt.Errorf("cluster: %w", err))
	}
	if err := s.cluster.serveHeld(s.chats.HeldChats); err != nil {
		return undo(fmt.Errorf("cluster: %w", err))
	}
	s.cluster.watchFollowers(st, s.chats, log)
	s.setupMail()
	s.setupWebhooks()
	s.setupTynTec()
	s.setupReportExports()
	if err := s.setupWhosOn(); err != nil {
		return undo(err)
	}
	s.micc = micc.New(micc.Options{Store: st, Chats: s.chats, Logger: log, GoneAfter: cfg.MiCCGoneAfter})
	s.app = s.routes()
	if cfg.MiCCAddr != "" {
		s.miccApp = s.miccRoutes()
	}
	s.startMail()
	s.startWebhooks()
	s.startTranslation()
	s.startTynTec()
	s.startReportExports()
	s.startRetention()
	s.startPush()
	return s, nil
}

// logDemo prints the demo logins, marked so nobody mistakes them for real accounts.
func logDemo(log *slog.Logger, seed store.DemoSeed) {
	log.Warn("DEMO DATA created in an empty database: these demo accounts are for trying Parley out; change or remove them before real use",
		"connector_hash", seed.ConnectorHash)
	for _, u := range seed.Users {
		log.Warn("DEMO account", "role", u.Role, "login", u.Login, "password", u.Password)
	}
	if sc := seed.Showcase; sc.GermanConnectorHash != "" {
		log.Warn("DEMO German connector: /demo/de embeds it; it asks name, e-mail and topic before the chat and for a rating after it",
			"connector_hash", sc.GermanConnectorHash, "canned_folders", strings.Join(sc.CannedFolders, ", "))
	}
	logDemoWhosOn(log, seed)
	log.Warn("DEMO MiCC ChatService: POST /ChatService/RequestChat with these (on the main listener, and on PARLEY_MICC_ADDR when set)",
		"TenantID", seed.MiCC.MiCCTenant, "ServiceGroupID", seed.MiCC.GroupID, "ServiceGroupName", seed.MiCC.GroupName)
}

// miccRoutes builds the app of the MiCC ChatService's dedicated listener.
func (s *Server) miccRoutes() *fiber.App {
	app := s.newApp("Parley MiCC ChatService")
	s.micc.Register(app)
	return app
}

// MiCCAddr is the bound address of the MiCC ChatService's dedicated listener, after Listen
// ("" when none is configured).
func (s *Server) MiCCAddr() string {
	if s.miccLn == nil {
		return ""
	}
	return s.miccLn.Addr().String()
}

// Store returns the server's store, for tests and tools built on the server.
func (s *Server) Store() *store.Store { return s.store }

// SettingsApplied waits until every settings change committed before the call has reached the
// chat service, the settings cache and everything else that follows them (tests use it).
func (s *Server) SettingsApplied(ctx context.Context) error { return s.bus.Flush(ctx) }

// Chats returns the chat service.
func (s *Server) Chats() *chat.Service { return s.chats }

// App returns the Fiber app, so that further routes (web apps, admin pages) can be mounted
// before Serve.
func (s *Server) App() *fiber.App { return s.app }

// newApp is the Fiber app of one of the server's listeners (name is the app's), with what every
// listener shares: the same time limits — a request must arrive within ReadTimeout, a response
// leave within 30 s, a kept-alive connection idle at most 120 s — and request bodies streamed
// to readBody, its first handler, which holds them to maxUpload (uploads are the largest
// bodies; the attachment policy bounds them further). Streamed, a body has no limit but
// readBody's, so no listener is made without it.
func (s *Server) newApp(name string) *fiber.App {
	fcfg := fiber.Config{
		AppName:                      name,
		DisableStartupMessage:        true,
		ReadTimeout:                  cmp.Or(s.cfg.ReadTimeout, 30*time.Second),
		WriteTimeout:                 30 * time.Second,
		IdleTimeout:                  120 * time.Second,
		BodyLimit:                    maxUpload,
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ErrorHandler:                 s.errorHandler,
	}
	s.proxy.Configure(&fcfg)
	app := fiber.New(fcfg)
	app.Use(readBody(maxUpload))
	// Then the proxy's, so that every c.IP() after it is the client's address.
	app.Use(s.proxy.Handler())
	app.Use(recover.New())
	return app
}

// routes builds the Fiber app.
func (s *Server) routes() *fiber.App {
	app := s.newApp("Parley")
	// The WebSocket endpoints keep the sockets they take over, to poll them.
	realtime.Prepare(app)
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/readyz", func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		if err := s.store.Ping(ctx); err != nil {
			s.log.Warn("not ready", "err", err)
			return c.Status(fiber.StatusServiceUnavailable).SendString("database unreachable")
		}
		if err := s.cluster.ready(); err != nil {
			s.log.Warn("not ready", "err", err)
			return c.Status(fiber.StatusServiceUnavailable).SendString(err.Error())
		}
		if s.cluster.bus != nil {
			lead, term := s.cluster.node.Leader()
			if lead {
				return c.SendString(fmt.Sprintf("ready: cluster node %s, routing leader (term %d)", s.cluster.id, term))
			}
			return c.SendString(fmt.Sprintf("ready: cluster node %s", s.cluster.id))
		}
		return c.SendString("ready")
	})
	app.Get("/metrics", adaptor.HTTPHandler(metrics.Handler(metrics.Sources{
		Connections: s.hub.Count, Chats: s.chats.Stats, Commit: s.store.CommitStats, Translations: s.whoson.translator.Stats,
		Retention: s.retentionStats, Cluster: s.cluster.stats(),
	})))
	attach.Register(app, s.store, s.log)
	s.tyntec.bridge.Register(app)
	s.mountWhosOnFiles(app)
	// One guard for both sign-in doors, so that they share the per-address and per-login budgets.
	guard := signin.New(s.store, signin.Limits{}, s.log)
	restapi.Register(app, restapi.Options{Store: s.store, Chats: s.chats, PerMinute: s.cfg.APIRequestsPerMinute,
		Burst: max(1, s.cfg.APIRequestsPerMinute/10), Logger: s.log})
	agentapi.Register(app, s.store, agentapi.Options{SessionTTL: s.cfg.SessionTTL, SecureCookies: s.cfg.SecureCookies, SignIn: guard, Logger: s.log, Colleagues: s.chats, Push: s.pushKeys(),
		TranscriptMail: s.mail.transcripts, Left: s.mail.left})
	admin.Register(app, admin.Options{Store: s.store, Routing: s.chats, SessionTTL: s.cfg.SessionTTL, SecureCookies: s.cfg.SecureCookies, SignIn: guard, Logger: s.log, Applied: s.SettingsApplied, Left: s.mail.left,
		Webhooks: s.webhooks.worker, ReportExports: s.exports.worker, Translator: s.whoson.translator, TranslationLog: s.translation.log,
		Push: s.pushWaker(), WhatsApp: s.tyntec.worker})
	if err := widgetsite.Register(app, widgetsite.Options{
		Dir: s.cfg.WebDir, Logger: s.log, Connectors: widgetConnectors{s}, DemoConnectorHash: s.demoConnectorHash,
	}); err != nil {
		// Register fails only on a wiring mistake, which tests catch.
		panic(err)
	}
	// jtel's embed code: /gui//chat.js brings in the widget loader for JTEL.initChat.
	jtel.Register(app)
	if err := agentsite.Register(app, agentsite.Options{Dir: s.cfg.WebDir, Logger: s.log}); err != nil {
		panic(err)
	}
	visitorLimit := s.clusterConnectLimit("visitor", s.cfg.VisitorConnectsPerMinute, "too many chat connections from your address; try again in a minute")
	agentLimit := s.clusterConnectLimit("agent", s.cfg.AgentConnectsPerMinute, "too many agent app connections from your address; try again in a minute")
	visitors := func(c *realtime.Conn) realtime.Session { return s.chats.OpenVisitor(c) }
	agents := func(c *realtime.Conn) realtime.Session { return s.chats.OpenAgent(c) }
	s.micc.Register(app)
	s.micc.RegisterToolbox(app)
	app.Get("/ws/visitor", visitorLimit, s.hub.Handle(visitors, realtime.Options{Role: protocol.RoleVisitor, Logger: s.log}))
	// The loaders' presence sockets (proactive chats) have their own connect budget, since a
	// visitor opens one per page; each waits for few frames, so its send queue is short.
	presenceLimit := s.clusterConnectLimit("presence", s.cfg.VisitorConnectsPerMinute, "too many page views from your address; try again in a minute")
	loaders := func(c *realtime.Conn) realtime.Session { return s.chats.OpenPresence(c) }
	app.Get("/ws/presence", presenceLimit, s.hub.Handle(loaders, realtime.Options{Role: protocol.RoleVisitor, Logger: s.log, SendQueue: 8}))
	app.Get("/ws/agent", agentLimit, s.hub.Handle(agents, realtime.Options{Role: protocol.RoleAgent, Logger: s.log, CheckOrigin: sameOrigin}))
	s.mountWhosOn(app, "/whoson", visitorLimit)
	return app
}

// connectLimit bounds new WebSocket connections per client address (an IPv6 client's /64) and
// minute, refusing the rest with 429 and msg; perMinute 0 means no limit.
func connectLimit(perMinute int, msg string) fiber.Handler {
	if perMinute <= 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return limiter.New(limiter.Config{
		Max: perMinute, Expiration: time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return clientip.Bucket(c.IP()) },
		LimitReached: func(c *fiber.Ctx) error {
			return c.Status(fiber.StatusTooManyRequests).SendString(msg)
		},
	})
}

// maxUpload is the largest request body: a file at the highest attachment limit an admin can
// set, with room for the multipart envelope.
const maxUpload = 26 << 20

// widgetConnectors answers the widget site's questions about connectors.
type widgetConnectors struct{ s *Server }

// WidgetConnector implements [widgetsite.Connectors].
func (w widgetConnectors) WidgetConnector(ctx context.Context, hash string) (widgetsite.WidgetInfo, error) {
	c, err := w.s.store.ConnectorByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return widgetsite.WidgetInfo{}, fmt.Errorf("%w: %s", widgetsite.ErrUnknownConnector, hash)
	}
	if err != nil {
		return widgetsite.WidgetInfo{}, err
	}
	info := widgetsite.WidgetInfo{AllowedOrigins: c.AllowedOrigins, Open: w.s.chats.ConnectorOpen(c), Title: c.Title, Presence: c.VisitorPresence}
	if tb, err := store.ParseToolbox(c.Toolbox); err == nil {
		info.Position = tb.Position
	}
	return info, nil
}

// demoConnectorHash names the connector a demo page embeds, while demo data is switched on:
// the first tenant's first connector for English, its German demo connector for German.
func (s *Server) demoConnectorHash(ctx context.Context, lang string) (string, error) {
	if !s.cfg.Demo {
		return "", errors.New("demo pages are off (PARLEY_DEMO=false)")
	}
	tenants, err := s.store.Tenants(ctx)
	if err != nil || len(tenants) == 0 {
		return "", fmt.Errorf("no tenant for the demo: %v", err)
	}
	conns, err := s.store.Connectors(ctx, tenants[0].ID)
	if err != nil || len(conns) == 0 {
		return "", fmt.Errorf("no connector for the demo: %v", err)
	}
	if lang == "de" {
		for _, c := range conns {
			if c.Name == store.DemoGermanConnectorName {
				return c.Hash, nil
			}
		}
		return "", fmt.Errorf("no connector %q: the demo data was made without its German connector", store.DemoGermanConnectorName)
	}
	return conns[0].Hash, nil
}

// sameOrigin allows a browser's agent connection only from Parley's own pages.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, host)
}

// errorHandler answers failed requests with a safe message and logs the cause.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return c.Status(fe.Code).SendString(fe.Message)
	}
	s.log.Error("request failed", "path", c.Path(), "err", err)
	return c.Status(fiber.StatusInternalServerError).SendString("internal error")
}

// Listen binds the configured address (":0" picks a free port; see Addr).
//
// Its connections go without TCP keep-alive: WebSockets have their own heartbeats and HTTP
// connections end at the idle timeout, and the socket options keep-alive sets on every
// accepted connection were a tenth of the server's work in a burst of visitor connects.
func (s *Server) Listen() error {
	ln, err := (&net.ListenConfig{KeepAlive: -1}).Listen(context.Background(), "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	if err := s.listenWhosOn(); err != nil {
		_ = ln.Close()
		return err
	}
	if s.miccApp != nil {
		if s.miccLn, err = net.Listen("tcp", s.cfg.MiCCAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen on %s (MiCC ChatService): %w", s.cfg.MiCCAddr, err)
		}
	}
	return nil
}

// Addr is the bound address, after Listen.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves HTTP on the listener until Shutdown.
func (s *Server) Serve() error {
	s.log.Info("serving", "addr", s.Addr(), "database", s.store.Dialect())
	s.serveWhosOn()
	if s.miccLn != nil {
		s.log.Info("serving the MiCC ChatService", "addr", s.MiCCAddr())
		go func() {
			if err := s.miccApp.Listener(s.miccLn); err != nil {
				s.log.Error("MiCC ChatService listener", "err", err)
			}
		}()
	}
	return s.app.Listener(s.ln)
}

// Shutdown stops accepting, tells every connected client to reconnect, stops the chat service,
// flushes the group commit and closes the database, within ctx's deadline: writes still
// failing when it passes (the database is away) are given up, never acknowledged.
func (s *Server) Shutdown(ctx context.Context) error {
	wait := 5 * time.Second
	if d, ok := ctx.Deadline(); ok {
		wait = max(time.Until(d)/3, 100*time.Millisecond)
	}
	s.hub.CloseAll(protocol.CloseShutdown, "server restarting", wait)
	s.micc.Close()
	errs := []error{}
	if err := s.app.ShutdownWithContext(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := s.shutdownWhosOn(ctx); err != nil {
		errs = append(errs, err)
	}
	if s.miccApp != nil {
		if err := s.miccApp.ShutdownWithContext(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.stopTynTec()
	s.chats.Close()
	s.settings.Close()
	s.stopMail()
	s.stopWebhooks()
	s.stopTranslation()
	s.stopReportExports()
	s.stopRetention()
	s.stopPush()
	s.cluster.leave(ctx)
	if err := s.store.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	s.cluster.close()
	s.bus.Close()
	return errors.Join(errs...)
}
