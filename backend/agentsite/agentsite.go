//go:build !wasm

package agentsite

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui"
	"github.com/parleychat/parley/backend/assetpack"
)

// Prefix is the path the agent app is served under.
const Prefix = "/agent"

// Options configures [Register].
type Options struct {
	// Dir is the build directory holding agent/ (e.g. "build"), as `make agentui` writes it.
	Dir string
	// Logger receives one line per failure that matters; nil means slog.Default().
	Logger *slog.Logger
}

// The logical names of the built files, as the manifest lists them.
const (
	nameWasm = "app.wasm"
	nameCSS  = "agent.css"
)

// themeColor is the app's colour for the browser's title bar and the splash screen.
const themeColor = "#1b6ac9"

// routesOnce registers the app's routes with go-app once per process: go-app keeps them in
// a package-level table that the prerenderer reads.
var routesOnce sync.Once

// Register adds the agent app's routes to r:
//
//	GET /agent                      redirect to /agent/
//	GET /agent/                     the app page, prerendered by go-app
//	GET /agent/manifest.webmanifest the web app manifest (scope /agent/)
//	GET /agent/web/NAME             built files (app.wasm, agent.css, icons), brotli or gzip by
//	                                Accept-Encoding, never compressed per request
//	GET /agent/*                    go-app's scripts (app.js, wasm_exec.js, app-worker.js, app.css)
//
// A missing build is logged, not fatal: the server (and its tests) run without the app, and
// /agent/ says how to build it.
func Register(r fiber.Router, opts Options) error {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	files, err := loadFiles(filepath.Join(opts.Dir, "agent"))
	if err != nil {
		log.Warn("agent app not built; /agent/ will say so", "dir", opts.Dir, "err", err)
	}
	routesOnce.Do(agentui.Routes)
	worker, err := workerTemplate()
	if err != nil {
		return err
	}

	h := &app.Handler{
		Name:            agentui.AppName,
		ShortName:       "Parley",
		Title:           agentui.AppName,
		Description:     "Handle your website chats with Parley.",
		Lang:            "en",
		BackgroundColor: "#f4f6f8",
		ThemeColor:      themeColor,
		LoadingLabel:    "Loading Parley Agent… {progress}%",
		Icon: app.Icon{
			Default:  "/web/icon-192.png",
			Large:    "/web/icon-512.png",
			Maskable: "/web/icon-maskable-512.png",
			SVG:      "/web/icon.svg",
		},
		Styles:    []string{"/web/" + nameCSS},
		Resources: prefixed(Prefix),
		Version:   files.version(),
		// The progress bar counts decompressed bytes, so it needs the identity size.
		WasmContentLength:     files.wasmSize(),
		RawHeaders:            []string{`<meta name="referrer" content="same-origin">`},
		ServiceWorkerTemplate: worker,
	}
	page := http.StripPrefix(Prefix, h)
	pageHandler := adaptor.HTTPHandler(page)
	manifest := manifestJSON()

	r.Get(Prefix, func(c *fiber.Ctx) error {
		if c.Path() != Prefix { // Fiber's non-strict routing sends /agent/ here too
			return c.Next()
		}
		return c.Redirect(Prefix+"/", fiber.StatusMovedPermanently)
	})
	r.Get(Prefix+"/manifest.webmanifest", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "application/manifest+json")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.Send(manifest)
	})
	r.Get(Prefix+"/web/:name", func(c *fiber.Ctx) error {
		if files == nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString(notBuilt)
		}
		return files.send(c, c.Params("name"))
	})
	r.Get(Prefix+"/*", func(c *fiber.Ctx) error {
		if files == nil && (c.Path() == Prefix+"/" || c.Path() == Prefix+"/index.html") {
			return c.Status(fiber.StatusServiceUnavailable).SendString(notBuilt)
		}
		security(c)
		return pageHandler(c)
	})
	return nil
}

// notBuilt is the answer when the build directory lacks the app.
const notBuilt = "agent app not built: run make agentui"

// security sets the page's security headers: only the app's own scripts (and WebAssembly),
// its own server for connections, no framing.
func security(c *fiber.Ctx) {
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "+
		"style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; "+
		"manifest-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
}

// prefixed resolves go-app's paths under the app's prefix, on the server: "/app.js" becomes
// "/agent/app.js", "/web/app.wasm" "/agent/web/app.wasm", and "/" "/agent/" (the page the
// service worker caches and the client router's root). It is not an http.Handler, so go-app
// never serves files itself: /agent/web/ is served pre-compressed by this package.
type prefixed string

// Resolve implements app.ResourceResolver.
func (p prefixed) Resolve(path string) string {
	if strings.HasPrefix(path, "https://") || strings.HasPrefix(path, "http://") {
		return path
	}
	return string(p) + "/" + strings.TrimLeft(path, "/")
}

// manifestJSON is the web app manifest. go-app's own has scope "/", which would claim the
// whole site for the app; this one keeps it to /agent/.
func manifestJSON() []byte {
	type icon struct {
		Src     string `json:"src"`
		Type    string `json:"type"`
		Sizes   string `json:"sizes"`
		Purpose string `json:"purpose,omitempty"`
	}
	m := struct {
		ID              string `json:"id"`
		Name            string `json:"name"`
		ShortName       string `json:"short_name"`
		Description     string `json:"description"`
		Scope           string `json:"scope"`
		StartURL        string `json:"start_url"`
		Display         string `json:"display"`
		BackgroundColor string `json:"background_color"`
		ThemeColor      string `json:"theme_color"`
		Icons           []icon `json:"icons"`
	}{
		ID: Prefix + "/", Name: agentui.AppName, ShortName: "Parley", Description: "Handle your website chats with Parley.",
		Scope: Prefix + "/", StartURL: Prefix + "/", Display: "standalone", BackgroundColor: "#f4f6f8", ThemeColor: themeColor,
		Icons: []icon{
			{Src: Prefix + "/web/icon-192.png", Type: "image/png", Sizes: "192x192"},
			{Src: Prefix + "/web/icon-512.png", Type: "image/png", Sizes: "512x512"},
			{Src: Prefix + "/web/icon-maskable-512.png", Type: "image/png", Sizes: "512x512", Purpose: "maskable"},
			{Src: Prefix + "/web/icon.svg", Type: "image/svg+xml", Sizes: "any"},
		},
	}
	b, _ := json.Marshal(m)
	return b
}

// fileSet is the built files of build/agent, read through the precompress manifest and kept
// in memory (a few megabytes, asked for by every agent's first load and each update).
type fileSet struct {
	dir      string
	manifest *assetpack.Manifest
	mu       sync.Mutex
	cache    map[string][]byte
}

// loadFiles reads the manifest of a build directory.
func loadFiles(dir string) (*fileSet, error) {
	m, err := assetpack.ReadManifest(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	if _, ok := m.Files[nameWasm]; !ok {
		return nil, fmt.Errorf("agentsite: %s missing from %s/manifest.json", nameWasm, dir)
	}
	return &fileSet{dir: dir, manifest: m, cache: map[string][]byte{}}, nil
}

// version identifies the build: go-app's service worker replaces its cache when it changes.
func (f *fileSet) version() string {
	if f == nil {
		return "not-built"
	}
	h := sha256.New()
	for _, name := range sortedNames(f.manifest) {
		fmt.Fprintf(h, "%s=%s\n", name, f.manifest.Files[name].SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// wasmSize is the identity size of app.wasm, for go-app's loading progress.
func (f *fileSet) wasmSize() string {
	if f == nil {
		return ""
	}
	return strconv.FormatInt(f.manifest.Files[nameWasm].Size, 10)
}

// sortedNames lists a manifest's logical names in order.
func sortedNames(m *assetpack.Manifest) []string {
	names := make([]string, 0, len(m.Files))
	for n := range m.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// read returns a file's bytes from memory or the disk.
func (f *fileSet) read(name string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b, ok := f.cache[name]; ok {
		return b, nil
	}
	if !fs.ValidPath(name) || strings.Contains(name, "/") {
		return nil, fs.ErrNotExist
	}
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if err != nil {
		return nil, err
	}
	f.cache[name] = b
	return b, nil
}

// send writes the built file with logical name in the best encoding the client accepts. The
// URL is stable (go-app asks for /web/app.wasm), so clients revalidate with the ETag; the
// service worker keeps its own copy per version.
func (f *fileSet) send(c *fiber.Ctx, name string) error {
	e, ok := f.manifest.Files[name]
	if !ok {
		return c.Status(fiber.StatusNotFound).SendString("no such file")
	}
	file, enc := assetpack.Choose(c.Get(fiber.HeaderAcceptEncoding), e)
	etag := `"` + e.Hash + "-" + enc + `"`
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentType, contentType(name))
	if enc != assetpack.EncodingIdentity {
		c.Set(fiber.HeaderContentEncoding, enc)
	}
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && strings.Contains(inm, etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	body, err := f.read(file)
	if errors.Is(err, fs.ErrNotExist) {
		return c.Status(fiber.StatusServiceUnavailable).SendString(notBuilt)
	}
	if err != nil {
		return fmt.Errorf("agentsite: read %s: %w", file, err)
	}
	return c.Send(body)
}

// contentType returns the media type for a logical file name.
func contentType(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".wasm":
		return "application/wasm"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".json":
		return "application/json"
	}
	return "application/octet-stream"
}
