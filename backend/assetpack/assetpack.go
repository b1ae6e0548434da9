// Package assetpack writes and reads pre-compressed, content-hashed static files and their
// manifest. The precompress command writes them at build time; servers (the widget site, the
// agent app) read the manifest to serve a logical name ("app.wasm") as its current hashed file
// with the best encoding the client accepts, so nothing is compressed per request and hashed
// URLs can be cached forever.
//
// It imports only the standard library and the brotli encoder, so that any server package may
// use it without pulling in a web framework.
package assetpack

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/andybalholm/brotli"
)

// HashLen is the number of hex digits of the SHA-256 content hash put into file names: 48 bits,
// plenty to tell builds of one file apart.
const HashLen = 12

// Manifest lists the packed files of one output directory by logical name.
type Manifest struct {
	Files map[string]Entry `json:"files"`
}

// Entry is one packed file. Path, Gzip and Brotli are file names relative to the manifest's
// directory; Gzip or Brotli is empty when that encoding was not written.
type Entry struct {
	// Path is the hashed identity file, e.g. "app.3f2a9c01b7de.wasm".
	Path string `json:"path"`
	// Hash is the content hash in the name (HashLen hex digits of SHA-256).
	Hash string `json:"hash"`
	// SHA256 is the full hex SHA-256 of the identity content.
	SHA256     string `json:"sha256"`
	Size       int64  `json:"size"`
	Gzip       string `json:"gzip,omitempty"`
	GzipSize   int64  `json:"gzip_size,omitempty"`
	Brotli     string `json:"br,omitempty"`
	BrotliSize int64  `json:"br_size,omitempty"`
}

// ReadManifest loads a manifest file.
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	if m.Files == nil {
		m.Files = map[string]Entry{}
	}
	return &m, nil
}

// HashedName returns name with hash inserted before its extension: "app.wasm" gives
// "app.<hash>.wasm", "wasm_exec.js" gives "wasm_exec.<hash>.js", "LICENSE" gives "LICENSE.<hash>".
func HashedName(name, hash string) string {
	ext := filepath.Ext(name)
	if ext == "" || ext == name {
		return name + "." + hash
	}
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// Pack hashes and compresses each input file into outDir and merges the results into the
// manifest at manifestPath (logical name = the input's base name). Outputs that already exist
// for the same content are not rewritten. Files of earlier builds that the old manifest listed
// under a packed name are removed.
func Pack(outDir, manifestPath string, inputs []string) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	old, err := ReadManifest(manifestPath)
	if errors.Is(err, fs.ErrNotExist) {
		old = &Manifest{Files: map[string]Entry{}}
	} else if err != nil {
		return err
	}
	next := &Manifest{Files: make(map[string]Entry, len(old.Files)+len(inputs))}
	for name, e := range old.Files {
		next.Files[name] = e
	}
	seen := map[string]bool{}
	for _, in := range inputs {
		name := filepath.Base(in)
		if seen[name] {
			return fmt.Errorf("two inputs named %s", name)
		}
		seen[name] = true
		e, err := packOne(outDir, in)
		if err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		next.Files[name] = e
	}
	// Write the manifest before removing stale files, so a server that reads it never points
	// at a file that is gone.
	data, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(manifestPath, append(data, '\n')); err != nil {
		return err
	}
	for name, prev := range old.Files {
		cur := next.Files[name]
		if prev.Path == cur.Path || !seen[name] {
			continue
		}
		for _, f := range []string{prev.Path, prev.Gzip, prev.Brotli} {
			if f != "" && !strings.ContainsAny(f, `/\`) {
				_ = os.Remove(filepath.Join(outDir, f))
			}
		}
	}
	return nil
}

// packOne writes the hashed copy and its encodings of one file.
func packOne(outDir, in string) (Entry, error) {
	data, err := os.ReadFile(in)
	if err != nil {
		return Entry{}, err
	}
	sum := sha256.Sum256(data)
	full := hex.EncodeToString(sum[:])
	e := Entry{Hash: full[:HashLen], SHA256: full, Size: int64(len(data))}
	e.Path = HashedName(filepath.Base(in), e.Hash)
	if err := writeIfMissing(filepath.Join(outDir, e.Path), func() ([]byte, error) { return data, nil }); err != nil {
		return Entry{}, err
	}
	e.Gzip = e.Path + ".gz"
	if e.GzipSize, err = writeEncoded(filepath.Join(outDir, e.Gzip), func() ([]byte, error) { return gzipBest(data) }); err != nil {
		return Entry{}, err
	}
	e.Brotli = e.Path + ".br"
	if e.BrotliSize, err = writeEncoded(filepath.Join(outDir, e.Brotli), func() ([]byte, error) { return brotliBest(data) }); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// writeEncoded writes the output of encode unless the file exists, and returns its size.
func writeEncoded(path string, encode func() ([]byte, error)) (int64, error) {
	if err := writeIfMissing(path, encode); err != nil {
		return 0, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// writeIfMissing writes a content-addressed file only when it does not exist yet: its name
// says what it holds, so an existing one is already right.
func writeIfMissing(path string, content func() ([]byte, error)) error {
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return nil
	}
	data, err := content()
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}

// writeAtomic writes through a temporary file and a rename, so readers never see half a file.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// gzipBest compresses with gzip at the best compression level.
func gzipBest(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// brotliBest compresses with brotli at the best quality and the largest standard window.
func brotliBest(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24})
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
