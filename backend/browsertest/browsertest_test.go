package browsertest

import (
	"reflect"
	"runtime"
	"testing"
)

// recorder stands in for a test to see whether a helper skipped or failed it.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Skip(args ...any) {
	r.skipped = args[0].(string)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.failed = args[0].(string)
	runtime.Goexit()
}

// run calls f with the recorder on its own goroutine, as the testing package runs a test, so
// that Skip and Fatal can end it.
func (r *recorder) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

// TestRequireBuiltSkipsLocallyAndFailsInCI checks the rule that keeps CI honest: a missing
// web build skips the test on a developer's machine and fails it in CI.
func TestRequireBuiltSkipsLocallyAndFailsInCI(t *testing.T) {
	const missing = "no-such-app/manifest.json"
	t.Setenv("CI", "")
	local := &recorder{TB: t}
	local.run(func(tb testing.TB) { RequireBuilt(tb, missing) })
	if local.skipped == "" || local.failed != "" {
		t.Errorf("without CI: skipped %q, failed %q; want a skip", local.skipped, local.failed)
	}
	t.Setenv("CI", "true")
	ci := &recorder{TB: t}
	ci.run(func(tb testing.TB) { RequireBuilt(tb, missing) })
	if ci.failed == "" || ci.skipped != "" {
		t.Errorf("in CI: skipped %q, failed %q; want a failure", ci.skipped, ci.failed)
	}
}

// TestErrorsFilters checks that only errors and exceptions count, less the ignored ones.
func TestErrorsFilters(t *testing.T) {
	b := &Browser{console: []string{
		"log: hello @ http://x/",
		"error: Failed to load resource: 401 @ http://x/api/me",
		"exception: TypeError: d is null @ http://x/app.js",
		"warning: slow @ http://x/",
		"error: Failed to load resource: 404 @ http://x/favicon.ico",
	}}
	want := []string{"exception: TypeError: d is null @ http://x/app.js"}
	if got := b.Errors("/api/me", "favicon"); !reflect.DeepEqual(got, want) {
		t.Errorf("Errors = %q, want %q", got, want)
	}
	if got := b.Errors(); len(got) != 3 {
		t.Errorf("Errors without ignores = %q, want 3", got)
	}
}

// TestJSQuote checks that a Go string survives as a JavaScript template literal.
func TestJSQuote(t *testing.T) {
	if got, want := JSQuote("a`b${c}\\d"), "`a\\`b\\${c}\\\\d`"; got != want {
		t.Errorf("JSQuote = %s, want %s", got, want)
	}
}
