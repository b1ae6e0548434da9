//go:build !wasm

package agentsite

import (
	"bytes"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/assetpack"
)

// built makes a build directory with a packed fake app, as `make agentui` would.
func built(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"app.wasm":  bytes.Repeat([]byte("\x00asm fake module "), 4000),
		"agent.css": []byte("body { color: black; }"),
		"icon.svg":  []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"),
	}
	var inputs []string
	for name, data := range files {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, p)
	}
	out := filepath.Join(dir, "agent")
	if err := assetpack.Pack(out, filepath.Join(out, "manifest.json"), inputs); err != nil {
		t.Fatal(err)
	}
	return dir
}

func get(t *testing.T, a *fiber.App, path string, header ...string) (*httpResult, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := a.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &httpResult{status: resp.StatusCode, header: resp.Header}, string(body)
}

type httpResult struct {
	status int
	header map[string][]string
}

func (r *httpResult) get(k string) string {
	if v := r.header[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func TestServesPrerenderedShellAndPrecompressedFiles(t *testing.T) {
	dir := built(t)
	a := fiber.New()
	if err := Register(a, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	m, err := assetpack.ReadManifest(filepath.Join(dir, "agent", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	wasm := m.Files["app.wasm"]

	if r, _ := get(t, a, "/agent"); r.status != 301 || r.get("Location") != "/agent/" {
		t.Fatalf("/agent: %d %q", r.status, r.get("Location"))
	}
	r, page := get(t, a, "/agent/")
	if r.status != 200 || !strings.Contains(r.get("Content-Security-Policy"), "'wasm-unsafe-eval'") {
		t.Fatalf("page: %d csp=%q", r.status, r.get("Content-Security-Policy"))
	}
	for _, want := range []string{`src="/agent/app.js"`, `src="/agent/wasm_exec.js"`, `href="/agent/web/agent.css"`, `href="/agent/manifest.webmanifest"`, "Parley Agent", "Starting…"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}

	r, body := get(t, a, "/agent/web/app.wasm", "Accept-Encoding", "gzip, deflate, br")
	if r.status != 200 || r.get("Content-Encoding") != "br" || r.get("Vary") != "Accept-Encoding" || r.get("Content-Type") != "application/wasm" || int64(len(body)) != wasm.BrotliSize {
		t.Fatalf("brotli: %d enc=%q vary=%q type=%q len=%d want %d", r.status, r.get("Content-Encoding"), r.get("Vary"), r.get("Content-Type"), len(body), wasm.BrotliSize)
	}
	etag := r.get("Etag")
	if r, _ := get(t, a, "/agent/web/app.wasm", "Accept-Encoding", "br", "If-None-Match", etag); r.status != 304 {
		t.Fatalf("revalidation: %d", r.status)
	}
	if r, body := get(t, a, "/agent/web/app.wasm", "Accept-Encoding", "gzip"); r.get("Content-Encoding") != "gzip" || int64(len(body)) != wasm.GzipSize {
		t.Fatalf("gzip: %q %d", r.get("Content-Encoding"), len(body))
	}
	if r, body := get(t, a, "/agent/web/app.wasm"); r.get("Content-Encoding") != "" || int64(len(body)) != wasm.Size {
		t.Fatalf("identity: %q %d", r.get("Content-Encoding"), len(body))
	}
	if r, _ := get(t, a, "/agent/web/nope.js"); r.status != 404 {
		t.Fatalf("unknown file: %d", r.status)
	}

	_, worker := get(t, a, "/agent/app-worker.js")
	if !strings.Contains(worker, `"/agent/web/app.wasm"`) || !strings.Contains(worker, `"/agent/"`) {
		t.Fatalf("service worker does not cache the app: %.300s", worker)
	}
	_, js := get(t, a, "/agent/app.js")
	if !strings.Contains(js, `"GOAPP_ROOT_PREFIX":"/agent/"`) || !strings.Contains(js, `goappWasmContentLength = "`+strconv.FormatInt(wasm.Size, 10)+`"`) {
		t.Fatalf("app.js: %.400s", js)
	}
	r, manifest := get(t, a, "/agent/manifest.webmanifest")
	if r.get("Content-Type") != "application/manifest+json" || !strings.Contains(manifest, `"scope":"/agent/"`) || !strings.Contains(manifest, "icon-512.png") {
		t.Fatalf("manifest: %s", manifest)
	}
}

func TestMissingBuildIsNotFatal(t *testing.T) {
	a := fiber.New()
	if err := Register(a, Options{Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if r, body := get(t, a, "/agent/"); r.status != 503 || !strings.Contains(body, "make agentui") {
		t.Fatalf("%d %s", r.status, body)
	}
}
