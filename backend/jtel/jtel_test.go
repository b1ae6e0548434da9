package jtel

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func app() *fiber.App {
	a := fiber.New(fiber.Config{DisableStartupMessage: true})
	Register(a)
	return a
}

func get(t *testing.T, a *fiber.App, path string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://parley.test"+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := a.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The script is served at the document's path with its double slash, and at the single-slash
// form, as JavaScript that any site may load, cached briefly like the widget loader.
func TestChatJSServed(t *testing.T) {
	a := app()
	for _, path := range []string{"/gui//chat.js", "/gui/chat.js"} {
		res := get(t, a, path, "Origin", "https://shop.example")
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
			t.Errorf("%s: content type %q", path, ct)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=300" {
			t.Errorf("%s: cache control %q", path, cc)
		}
		if res.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, res.Header)
		}
		if !bytes.Equal(body, script) || !strings.Contains(string(body), "w.JTEL = {") || !strings.Contains(string(body), "initChat") {
			t.Errorf("%s: body is not chat.js", path)
		}
	}
	for _, path := range []string{"/gui///chat.js", "/gui/chat.jsx", "/chat.js", "/GUI2/chat.js"} {
		if res := get(t, a, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
	}
}

// Compressed when the browser takes gzip, revalidated with the ETag of its encoding.
func TestChatJSEncodingAndETag(t *testing.T) {
	a := app()
	res := get(t, a, "/gui//chat.js", "Accept-Encoding", "br, gzip;q=0.8")
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("headers %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, script) {
		t.Fatal("gzip body differs from chat.js")
	}
	etag := res.Header.Get("ETag")
	if res := get(t, a, "/gui//chat.js", "Accept-Encoding", "gzip", "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %d", res.StatusCode)
	}
	// The plain form has its own tag: a gzip tag does not validate it.
	if res := get(t, a, "/gui//chat.js", "Accept-Encoding", "gzip;q=0", "If-None-Match", etag); res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" {
		t.Fatalf("refused gzip: %d %v", res.StatusCode, res.Header)
	}
}

// chat.js stays within the loader's budget style (widget.js: 5 KB gzipped): under 1.5 KB gzipped.
func TestChatJSSmall(t *testing.T) {
	if n := len(newAsset(script).gz); n > 1536 {
		t.Fatalf("chat.js is %d bytes gzipped; keep it under 1.5 KB", n)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{"": false, "gzip": true, "GZIP": true, "br": false, "gzip;q=0": false, "gzip; q=0.0": false,
		"*": true, "identity, gzip;q=0.5": true, "x-gzip": false} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v", h, got)
		}
	}
}

func TestSnippetAndBaseURL(t *testing.T) {
	s := Snippet("https://chat.example:3003/", "HASH1")
	for _, want := range []string{"<script src='https://chat.example:3003/gui//chat.js'></script>", "Hash: 'HASH1'",
		"BaseWSURI: 'wss://chat.example:3003'", "BaseResourceURI: 'https://chat.example:3003/gui', //optional", "userdata3:'userdata3'"} {
		if !strings.Contains(s, want) {
			t.Errorf("snippet lacks %q:\n%s", want, s)
		}
	}
	if s := Snippet("http://localhost:8080", "h"); !strings.Contains(s, "BaseWSURI: 'ws://localhost:8080'") {
		t.Errorf("plain http snippet:\n%s", s)
	}
	for addr, want := range map[string]string{":8080": "http://localhost:8080", "127.0.0.1:9000": "http://127.0.0.1:9000",
		"[::]:8080": "http://localhost:8080", "[::1]:8080": "http://[::1]:8080", "bad": "http://localhost:8080"} {
		if got := BaseURL(addr); got != want {
			t.Errorf("BaseURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
