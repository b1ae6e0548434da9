package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/whoson"
)

// whosonPart is the WhosOn Chat API of the server: the endpoint shared by /whoson on the main
// listener and / on the dedicated listener of PARLEY_WHOSON_ADDR, when one is configured.
type whosonPart struct {
	endpoint *whoson.Endpoint
	locator  *whoson.Locator
	// translator translates chats, WhosOn's and the chat service's (made in New); /metrics
	// reports its calls and failures.
	translator *translate.Client
	app        *fiber.App
	ln         net.Listener
}

// setupWhosOn builds the WhosOn endpoint on the chat service; it runs before routes.
func (s *Server) setupWhosOn() error {
	loc, err := whoson.OpenLocator(s.cfg.GeoIPDB)
	if err != nil {
		return err
	}
	scheme := "http"
	if s.cfg.SecureCookies {
		scheme = "https"
	}
	s.whoson.locator = loc
	if s.whoson.translator == nil {
		s.whoson.translator = &translate.Client{}
	}
	s.whoson.endpoint = whoson.New(whoson.Options{
		Chats: s.chats, Directory: s.store, Files: s.store, Locator: loc, Logger: s.log, Transcripts: s.mail.transcripts,
		PublicURL:  func(host string) string { return scheme + "://" + host },
		Translator: s.whoson.translator,
	})
	return nil
}

// mountWhosOn serves the WhosOn Chat API at path on app.
func (s *Server) mountWhosOn(app *fiber.App, path string, limit fiber.Handler) {
	app.Get(path, limit, s.hub.Handle(s.whoson.endpoint.Handler(), s.whoson.endpoint.Transport()))
}

// mountWhosOnFiles serves the WhosOn file endpoint (the connected event's WebServicesURL) on
// app; the dedicated listener serves it too, so that the URL works on either host.
func (s *Server) mountWhosOnFiles(app *fiber.App) { s.whoson.endpoint.RegisterFiles(app) }

// listenWhosOn binds the dedicated WhosOn listener, when one is configured.
func (s *Server) listenWhosOn() error {
	if s.cfg.WhosOnAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.WhosOnAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (PARLEY_WHOSON_ADDR): %w", s.cfg.WhosOnAddr, err)
	}
	app := s.newApp("Parley WhosOn")
	realtime.Prepare(app)
	s.mountWhosOnFiles(app)
	// The links of shared files name the host the client connected to: they are served here too.
	attach.Register(app, s.store, s.log)
	s.mountWhosOn(app, "/", connectLimit(s.cfg.VisitorConnectsPerMinute, "too many chat connections from your address; try again in a minute"))
	s.whoson.app, s.whoson.ln = app, ln
	return nil
}

// WhosOnAddr is the bound address of the dedicated WhosOn listener, "" without one.
func (s *Server) WhosOnAddr() string {
	if s.whoson.ln == nil {
		return ""
	}
	return s.whoson.ln.Addr().String()
}

// serveWhosOn serves the dedicated listener in the background.
func (s *Server) serveWhosOn() {
	if s.whoson.app == nil {
		return
	}
	s.log.Info("serving the WhosOn Chat API", "addr", s.WhosOnAddr())
	go func() {
		if err := s.whoson.app.Listener(s.whoson.ln); err != nil {
			s.log.Error("WhosOn listener stopped", "err", err)
		}
	}()
}

// shutdownWhosOn stops the dedicated listener and closes the GeoIP database.
func (s *Server) shutdownWhosOn(ctx context.Context) error {
	var err error
	if s.whoson.app != nil {
		err = s.whoson.app.ShutdownWithContext(ctx)
	}
	if cerr := s.whoson.locator.Close(); err == nil {
		err = cerr
	}
	return err
}

// logDemoWhosOn prints what a WhosOn Chat API client needs to try the demo.
func logDemoWhosOn(log *slog.Logger, seed store.DemoSeed) {
	w := seed.WhosOn
	if w.Auth == "" {
		return
	}
	log.Warn("DEMO WhosOn Chat API: connect a WebSocket to /whoson (or / on PARLEY_WHOSON_ADDR) and send Connect with these",
		"authentication_string", w.Auth, "domain", w.Domain, "api_key", w.APIKey)
}
