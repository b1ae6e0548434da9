package browsertest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axePages are a page with known faults, in its document, in an open shadow root and in a
// frame, and a clean page, served with a Content-Security-Policy that allows no eval (as the
// apps' pages do), so that the check must work without the page's help.
var axePages = map[string]string{
	"/faulty": `<!doctype html><html lang="en"><head><title>Faulty</title></head><body><main>
<h1>Faulty</h1><p style="color:#bbb;background:#fff">Pale text on white.</p>
<input type="text"><div id="host"></div><iframe src="/framed" title="A frame"></iframe>
<script src="/shadow.js"></script></main></body></html>`,
	"/framed":    `<!doctype html><html lang="en"><head><title>Framed</title></head><body><main><img src="data:," width="10" height="10"></main></body></html>`,
	"/shadow.js": `document.getElementById('host').attachShadow({mode: 'open'}).innerHTML = '<button type="button"></button>';`,
	"/clean": `<!doctype html><html lang="en"><head><title>Clean</title></head><body><main><h1>Clean</h1>
<label for="q">Question</label> <input id="q" type="text"> <button type="button">Ask</button></main></body></html>`,
}

// TestAccessibilityFindsViolations checks that the axe-core check finds serious faults in
// the page, in an open shadow root and in a frame, despite a strict Content-Security-Policy;
// that a skipped rule is not reported; and that a clean page passes.
func TestAccessibilityFindsViolations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := axePages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'")
		if strings.HasSuffix(r.URL.Path, ".js") {
			w.Header().Set("Content-Type", "text/javascript")
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	b := New(t, Options{Name: "axe"})
	b.Do(chromedp.Navigate(srv.URL + "/faulty"))
	b.WaitFor("the frame and the shadow root", `!!document.getElementById('host').shadowRoot && document.querySelector('iframe').contentDocument.readyState === 'complete'`)

	rules := func(vs []Violation) []string {
		var out []string
		for _, v := range vs {
			where := "page"
			if strings.HasPrefix(v.Targets[0], "frame ") {
				where = "frame"
			}
			out = append(out, v.Rule+"@"+where)
		}
		slices.Sort(out)
		return out
	}
	want := []string{"button-name@page", "color-contrast@page", "image-alt@frame", "label@page"}
	if got := rules(b.Accessibility()); !slices.Equal(got, want) {
		t.Errorf("violations %q, want %q", got, want)
	}
	if got := rules(b.Accessibility("color-contrast")); slices.Contains(got, "color-contrast@page") {
		t.Errorf("a skipped rule is reported: %q", got)
	}
	b.Do(chromedp.Navigate(srv.URL + "/clean"))
	b.WaitFor("the clean page", `document.title === 'Clean'`)
	if vs := b.Accessibility(); len(vs) != 0 {
		t.Errorf("a clean page has violations: %v", vs)
	}
}
