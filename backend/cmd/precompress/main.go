// Command precompress prepares static files for serving at build time, so that the server never
// compresses per request: for every input file it writes a content-hashed copy (app.wasm becomes
// app.<hash>.wasm), a brotli (.br, best quality) and a gzip (.gz, best compression) version
// beside it, and records them in a JSON manifest that the server reads to map a logical name to
// the current hashed file and its encodings.
//
// Usage:
//
//	precompress -out DIR -manifest FILE file...
//	precompress -manifest FILE -sizes
//
// Running it again with unchanged inputs does nothing (the hashed outputs already exist);
// files of an earlier build listed in the manifest under the same logical name are removed, so
// the output folder does not fill up with stale versions. Entries for logical names not given
// on this run are kept, so several runs may share one manifest. With -sizes it prints, for each
// manifest entry, the logical name and its identity, gzip and brotli sizes in bytes.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/parleychat/parley/backend/assetpack"
)

func main() {
	out := flag.String("out", "", "directory to write the hashed and compressed files to")
	manifest := flag.String("manifest", "", "JSON manifest to write (merged with an existing one)")
	sizes := flag.Bool("sizes", false, "print name, identity, gzip and brotli sizes of each manifest entry and exit")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: precompress -out DIR -manifest FILE file...\n       precompress -manifest FILE -sizes\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *manifest == "" {
		flag.Usage()
		os.Exit(2)
	}
	if *sizes {
		m, err := assetpack.ReadManifest(*manifest)
		if err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			os.Exit(1)
		}
		names := make([]string, 0, len(m.Files))
		for name := range m.Files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			f := m.Files[name]
			fmt.Printf("%s %d %d %d\n", name, f.Size, f.GzipSize, f.BrotliSize)
		}
		return
	}
	if *out == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := assetpack.Pack(*out, *manifest, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		os.Exit(1)
	}
}
