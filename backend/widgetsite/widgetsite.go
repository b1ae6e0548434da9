// Package widgetsite serves the visitor widget over HTTP: the loader script (/widget.js), the
// chat frame page (/widget/frame) with its Content-Security-Policy, the pre-compressed,
// content-hashed WebAssembly and JavaScript files, the launcher's status call and the demo
// company page (/demo). It reads what `make widget` built and never compresses per request.
//
// It knows connectors only through the small [Connectors] interface, which the server
// implements over its store, so that this package stays free of the database and routing.
package widgetsite

import (
	"context"
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"
)

// ErrUnknownConnector is returned (or wrapped) by [Connectors.WidgetConnector] when no
// connector has the hash.
var ErrUnknownConnector = errors.New("widgetsite: unknown connector")

// WidgetInfo is what the widget site needs to know about a connector.
type WidgetInfo struct {
	// AllowedOrigins are the site origins ("https://shop.example", "https://*.example.com")
	// that may embed the widget. Empty means any origin (the demo connector).
	AllowedOrigins []string
	// Open says whether chat is available now (opening hours, in service); the launcher
	// shows it.
	Open bool
	// Title is the connector's title for the launcher's label; may be empty.
	Title string
	// Position is the connector's default launcher position (one of the six MiCC positions),
	// "" for the widget's default; the page's configuration wins.
	Position string
	// Presence says the loader reports page views on /ws/presence (proactive chats).
	Presence bool
}

// Connectors looks connectors up by their public hash.
type Connectors interface {
	// WidgetConnector returns the connector's widget information, or an error wrapping
	// [ErrUnknownConnector] when no connector has the hash.
	WidgetConnector(ctx context.Context, hash string) (WidgetInfo, error)
}

// Options configures [Register].
type Options struct {
	// Dir is the build directory holding widget/ (e.g. "build"), as `make widget` writes it.
	Dir string
	// Logger receives one line per failure that matters; nil means slog.Default().
	Logger *slog.Logger
	// Connectors looks up connectors for the frame's CSP, the status call and the origin check.
	Connectors Connectors
	// DemoConnectorHash returns the hash of the demo connector of a language ("en" for /demo,
	// "de" for /demo/de); nil disables the demo.
	DemoConnectorHash func(ctx context.Context, lang string) (string, error)
}

// Register adds the widget routes to r:
//
//	GET /widget.js            the loader (max-age=300, gzip/brotli by Accept-Encoding)
//	GET /widget/frame?c=HASH  the chat frame page, framable only by the connector's origins
//	GET /widget/status?c=HASH launcher status (open, title) for allowed origins (CORS)
//	GET /widget/<hashed file> wasm and scripts, cached for a year (immutable)
//	GET /demo, /demo/shop     the demo company pages with the one-line snippet
//	GET /demo/de, /demo/de/shop  the same in German, with the German connector
func Register(r fiber.Router, opts Options) error {
	if opts.Connectors == nil {
		return errors.New("widgetsite: Options.Connectors is required")
	}
	if opts.Dir == "" {
		opts.Dir = "build"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &site{opts: opts, files: newFileSet(opts.Dir)}
	r.Get("/widget.js", s.loader)
	r.Get("/widget/frame", s.frame)
	r.Get("/widget/status", s.status)
	r.Options("/widget/status", s.statusPreflight)
	r.Get("/widget/:file", s.static)
	r.Get("/demo", s.demo)
	r.Get("/demo/de", s.demo)
	r.Get("/demo/de/:page", s.demo)
	r.Get("/demo/:page", s.demo)
	return nil
}

// site holds the handlers' shared state.
type site struct {
	opts  Options
	files *fileSet
}
