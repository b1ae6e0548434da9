package assetpack

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestPackWritesHashedEncodingsAndManifest(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(src, "app.wasm")
	content := bytes.Repeat([]byte("parley widget "), 1000)
	if err := os.WriteFile(in, content, 0o644); err != nil {
		t.Fatal(err)
	}
	man := filepath.Join(out, "manifest.json")
	if err := Pack(out, man, []string{in}); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(man)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := m.Files["app.wasm"]
	if !ok {
		t.Fatalf("manifest lacks app.wasm: %+v", m)
	}
	if e.Path != "app."+e.Hash+".wasm" || len(e.Hash) != HashLen {
		t.Fatalf("bad hashed name %q (hash %q)", e.Path, e.Hash)
	}
	got, err := os.ReadFile(filepath.Join(out, e.Path))
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("identity file differs: %v", err)
	}
	gzf, _ := os.Open(filepath.Join(out, e.Gzip))
	zr, err := gzip.NewReader(gzf)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); !bytes.Equal(got, content) {
		t.Fatal("gzip round trip differs")
	}
	brf, _ := os.Open(filepath.Join(out, e.Brotli))
	if got, _ := io.ReadAll(brotli.NewReader(brf)); !bytes.Equal(got, content) {
		t.Fatal("brotli round trip differs")
	}
	if e.BrotliSize <= 0 || e.BrotliSize >= e.Size || e.GzipSize <= 0 {
		t.Fatalf("sizes not recorded: %+v", e)
	}

	// A new build of the same logical file replaces the old hashed files.
	if err := os.WriteFile(in, append(content, '!'), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Pack(out, man, []string{in}); err != nil {
		t.Fatal(err)
	}
	m2, _ := ReadManifest(man)
	if m2.Files["app.wasm"].Path == e.Path {
		t.Fatal("hash did not change with content")
	}
	for _, f := range []string{e.Path, e.Gzip, e.Brotli} {
		if _, err := os.Stat(filepath.Join(out, f)); !os.IsNotExist(err) {
			t.Fatalf("stale %s was kept", f)
		}
	}
}

func TestChoose(t *testing.T) {
	e := Entry{Path: "a.1.js", Gzip: "a.1.js.gz", Brotli: "a.1.js.br"}
	cases := []struct {
		header, file, enc string
	}{
		{"gzip, deflate, br, zstd", "a.1.js.br", "br"},
		{"gzip", "a.1.js.gz", "gzip"},
		{"br;q=0, gzip", "a.1.js.gz", "gzip"},
		{"", "a.1.js", ""},
		{"identity", "a.1.js", ""},
		{"*", "a.1.js.br", "br"},
		{"*;q=0", "a.1.js", ""},
		{"GZIP;q=0.5", "a.1.js.gz", "gzip"},
	}
	for _, c := range cases {
		file, enc := Choose(c.header, e)
		if file != c.file || enc != c.enc {
			t.Errorf("Choose(%q) = %q, %q; want %q, %q", c.header, file, enc, c.file, c.enc)
		}
	}
}

func TestHashedName(t *testing.T) {
	for in, want := range map[string]string{"app.wasm": "app.h.wasm", "wasm_exec.js": "wasm_exec.h.js", "LICENSE": "LICENSE.h"} {
		if got := HashedName(in, "h"); got != want {
			t.Errorf("HashedName(%q) = %q, want %q", in, got, want)
		}
	}
}
