package admin

import (
	"bytes"
	"go/format"
	"os"
	"path/filepath"
	"testing"

	"github.com/a-h/templ"
	"github.com/a-h/templ/generator"
	parser "github.com/a-h/templ/parser/v2"
)

// TestGeneratedFilesAreFresh fails when a *_templ.go file no longer matches its .templ
// source: regenerate with
//
//	go run github.com/a-h/templ/cmd/templ@v0.3.977 generate -path backend/admin
//
// It runs templ's own generator in memory, the same steps as the command, so no tool needs
// to be installed.
func TestGeneratedFilesAreFresh(t *testing.T) {
	sources, err := filepath.Glob("*.templ")
	if err != nil || len(sources) == 0 {
		t.Fatalf("no templ sources: %v", err)
	}
	for _, src := range sources {
		tf, err := parser.Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		var b bytes.Buffer
		if _, err := generator.Generate(tf, &b, generator.WithVersion(templ.Version()), generator.WithFileName(src)); err != nil {
			t.Fatalf("%s: generate: %v", src, err)
		}
		want, err := format.Source(b.Bytes())
		if err != nil {
			t.Fatalf("%s: format: %v", src, err)
		}
		target := src[:len(src)-len(".templ")] + "_templ.go"
		got, err := os.ReadFile(target)
		if err != nil {
			t.Fatalf("%s is missing: run templ generate (see the test's comment)", target)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go run github.com/a-h/templ/cmd/templ@v0.3.977 generate -path backend/admin", target)
		}
	}
}
