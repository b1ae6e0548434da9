package widgetsite_test

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/assetpack"
	"github.com/parleychat/parley/backend/widgetsite"
)

// fakeConnectors knows two connectors: "shop", only for https://shop.example, and "demo",
// for any site.
type fakeConnectors struct{}

func (fakeConnectors) WidgetConnector(_ context.Context, hash string) (widgetsite.WidgetInfo, error) {
	switch hash {
	case "shop":
		return widgetsite.WidgetInfo{AllowedOrigins: []string{"https://shop.example", "https://*.example.org"}, Open: true, Title: "Shop help"}, nil
	case "demo":
		return widgetsite.WidgetInfo{Open: false}, nil
	}
	return widgetsite.WidgetInfo{}, widgetsite.ErrUnknownConnector
}

// fakeBuild writes a packed widget like `make widget` does and returns the build dir.
func fakeBuild(t *testing.T) (string, *assetpack.Manifest) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"app.wasm":     "\x00asm" + strings.Repeat("wasm body ", 200),
		"wasm_exec.js": strings.Repeat("// go runtime glue\n", 50),
		"widget.js":    strings.Repeat("/* loader */\n", 50),
	}
	var inputs []string
	for name, body := range files {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, p)
	}
	out := filepath.Join(dir, "widget")
	if err := assetpack.Pack(out, filepath.Join(out, "manifest.json"), inputs); err != nil {
		t.Fatal(err)
	}
	m, err := assetpack.ReadManifest(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func newApp(t *testing.T, dir string) *fiber.App {
	app := fiber.New()
	err := widgetsite.Register(app, widgetsite.Options{Dir: dir, Connectors: fakeConnectors{},
		DemoConnectorHash: func(_ context.Context, lang string) (string, error) {
			return map[string]string{"en": "demo", "de": "demo-de"}[lang], nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

type scenario struct {
	name    string
	path    string
	headers map[string]string
	status  int
	// want lists response headers (name: value substring); body lists body substrings.
	want    map[string]string
	noWant  []string
	body    []string
	notBody []string
}

func run(t *testing.T, app *fiber.App, cases []scenario) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", c.path, nil)
			for k, v := range c.headers {
				req.Header.Set(k, v)
			}
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			for k, v := range c.want {
				if got := resp.Header.Get(k); !strings.Contains(got, v) {
					t.Errorf("header %s = %q, want it to contain %q", k, got, v)
				}
			}
			for _, k := range c.noWant {
				if got := resp.Header.Get(k); got != "" {
					t.Errorf("header %s = %q, want none", k, got)
				}
			}
			for _, s := range c.body {
				if !strings.Contains(string(body), s) {
					t.Errorf("body lacks %q:\n%.600s", s, body)
				}
			}
			for _, s := range c.notBody {
				if strings.Contains(string(body), s) {
					t.Errorf("body has %q", s)
				}
			}
		})
	}
}

func TestNotBuilt(t *testing.T) {
	app := newApp(t, t.TempDir())
	run(t, app, []scenario{
		{name: "loader", path: "/widget.js", status: 503, body: []string{"widget not built: run make build"}},
		{name: "frame", path: "/widget/frame?c=demo", status: 503, body: []string{"widget not built"}},
		{name: "wasm", path: "/widget/app.0123456789ab.wasm", status: 503, body: []string{"widget not built"}},
		{name: "demo", path: "/demo", status: 503, body: []string{"widget not built"}},
	})
}

func TestServesPrecompressedFiles(t *testing.T) {
	dir, m := fakeBuild(t)
	app := newApp(t, dir)
	wasm := m.Files["app.wasm"]
	run(t, app, []scenario{
		{name: "loader brotli", path: "/widget.js", headers: map[string]string{"Accept-Encoding": "gzip, deflate, br"}, status: 200,
			want: map[string]string{"Content-Encoding": "br", "Vary": "Accept-Encoding", "Cache-Control": "max-age=300", "Content-Type": "text/javascript"}},
		{name: "loader gzip", path: "/widget.js", headers: map[string]string{"Accept-Encoding": "gzip"}, status: 200,
			want: map[string]string{"Content-Encoding": "gzip"}},
		{name: "wasm brotli", path: "/widget/" + wasm.Path, headers: map[string]string{"Accept-Encoding": "br"}, status: 200,
			want: map[string]string{"Content-Encoding": "br", "Content-Type": "application/wasm", "Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding"}},
		{name: "wasm identity", path: "/widget/" + wasm.Path, status: 200, noWant: []string{"Content-Encoding"},
			want: map[string]string{"Content-Type": "application/wasm"}, body: []string{"wasm body"}},
		{name: "wasm not modified", path: "/widget/" + wasm.Path, headers: map[string]string{"Accept-Encoding": "br", "If-None-Match": `"` + wasm.Hash + `-br"`}, status: 304},
		{name: "old build", path: "/widget/app.000000000000.wasm", status: 404, body: []string{"reload the page"}},
		{name: "not a packed file", path: "/widget/manifest.json", status: 404},
	})
}

func TestFramePage(t *testing.T) {
	dir, m := fakeBuild(t)
	app := newApp(t, dir)
	run(t, app, []scenario{
		{name: "allowed origins frame it", path: "/widget/frame?c=shop", status: 200,
			want: map[string]string{
				"Content-Security-Policy": "frame-ancestors https://shop.example https://*.example.org",
				"Content-Type":            "text/html",
			},
			body: []string{"/widget/" + m.Files["app.wasm"].Path, "/widget/" + m.Files["wasm_exec.js"].Path, "Loading chat"}},
		{name: "csp", path: "/widget/frame?c=shop", status: 200,
			want: map[string]string{"Content-Security-Policy": "script-src 'self' 'wasm-unsafe-eval' 'sha256-"}},
		{name: "ws base uri allowed in csp", path: "/widget/frame?c=shop&ws=wss%3A%2F%2Fchat.example%3A3003", status: 200,
			want: map[string]string{"Content-Security-Policy": "wss://chat.example:3003"}},
		{name: "bad ws base uri ignored", path: "/widget/frame?c=shop&ws=javascript%3Aalert(1)", status: 200,
			notBody: []string{"javascript:"}},
		{name: "any origin for an empty list", path: "/widget/frame?c=demo", status: 200,
			want: map[string]string{"Content-Security-Policy": "frame-ancestors *"}},
		{name: "german loading text", path: "/widget/frame?c=demo", headers: map[string]string{"Accept-Language": "de-DE,de;q=0.9"}, status: 200,
			body: []string{`lang="de"`, "Chat wird geladen"}},
		{name: "unknown connector", path: "/widget/frame?c=nope", status: 404, body: []string{"unknown connector"}},
		{name: "no connector", path: "/widget/frame", status: 400},
	})
}

func TestStatusChecksTheOrigin(t *testing.T) {
	dir, _ := fakeBuild(t)
	app := newApp(t, dir)
	run(t, app, []scenario{
		{name: "allowed", path: "/widget/status?c=shop", headers: map[string]string{"Origin": "https://shop.example"}, status: 200,
			want: map[string]string{"Access-Control-Allow-Origin": "https://shop.example"}, body: []string{`"open":true`, `"title":"Shop help"`}},
		{name: "subdomain wildcard", path: "/widget/status?c=shop", headers: map[string]string{"Origin": "https://www.example.org"}, status: 200},
		{name: "refused with a clear error", path: "/widget/status?c=shop", headers: map[string]string{"Origin": "https://evil.example"}, status: 403,
			want: map[string]string{"Access-Control-Allow-Origin": "https://evil.example"},
			body: []string{"https://evil.example is not allowed to use chat connector", "allowed origins"}},
		{name: "any origin", path: "/widget/status?c=demo", headers: map[string]string{"Origin": "https://anything.example"}, status: 200, body: []string{`"open":false`}},
		{name: "unknown", path: "/widget/status?c=nope", headers: map[string]string{"Origin": "https://shop.example"}, status: 404, body: []string{"unknown chat connector"}},
	})
}

func TestDemoPage(t *testing.T) {
	dir, _ := fakeBuild(t)
	app := newApp(t, dir)
	run(t, app, []scenario{
		{name: "home", path: "/demo", status: 200, body: []string{`data-connector="demo" async></script>`, "/widget.js"}},
		{name: "shop", path: "/demo/shop", status: 200, body: []string{"Our beans", `data-connector="demo"`}},
		{name: "other", path: "/demo/admin", status: 404},
		{name: "english links to german", path: "/demo", status: 200, body: []string{`<html lang="en">`, `href="/demo/de"`, "Deutsch"}},
		{name: "german home", path: "/demo/de", status: 200,
			body: []string{`<html lang="de">`, `data-connector="demo-de" data-lang="de" async></script>`, "Kaffee in kleinen Chargen", `href="/demo"`, "English"}},
		{name: "german shop", path: "/demo/de/shop", status: 200, body: []string{"Unsere Bohnen", `data-connector="demo-de"`, `href="/demo/de/shop#visit"`}},
		{name: "german other", path: "/demo/de/admin", status: 404},
	})
}
