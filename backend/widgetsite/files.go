package widgetsite

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/assetpack"
)

// The logical names of the built files, as the manifest lists them.
const (
	nameLoader   = "widget.js"
	nameWasm     = "app.wasm"
	nameWasmExec = "wasm_exec.js"
)

// notBuilt is the answer when the build directory lacks the widget.
const notBuilt = "widget not built: run make build"

// fileSet serves the files of build/widget through its manifest. It rereads the manifest
// when the file changes (a rebuild while the server runs) and keeps file contents in memory:
// the whole set is a few megabytes and is asked for constantly.
type fileSet struct {
	dir          string
	manifestPath string

	mu       sync.Mutex
	modTime  time.Time
	checked  time.Time
	manifest *assetpack.Manifest
	byPath   map[string]assetpack.Entry
	cache    map[string][]byte
}

func newFileSet(buildDir string) *fileSet {
	dir := filepath.Join(buildDir, "widget")
	return &fileSet{dir: dir, manifestPath: filepath.Join(dir, "manifest.json")}
}

// current returns the manifest, reloading it when it changed; nil when there is none.
func (f *fileSet) current() *assetpack.Manifest {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if f.manifest != nil && now.Sub(f.checked) < time.Second {
		return f.manifest
	}
	f.checked = now
	st, err := os.Stat(f.manifestPath)
	if err != nil {
		f.manifest, f.byPath, f.cache = nil, nil, nil
		return nil
	}
	if f.manifest != nil && st.ModTime().Equal(f.modTime) {
		return f.manifest
	}
	m, err := assetpack.ReadManifest(f.manifestPath)
	if err != nil {
		return f.manifest
	}
	f.manifest, f.modTime = m, st.ModTime()
	f.byPath = make(map[string]assetpack.Entry, len(m.Files))
	for _, e := range m.Files {
		f.byPath[e.Path] = e
	}
	f.cache = map[string][]byte{}
	return m
}

// entry returns the manifest entry for a logical name.
func (f *fileSet) entry(name string) (assetpack.Entry, bool) {
	m := f.current()
	if m == nil {
		return assetpack.Entry{}, false
	}
	e, ok := m.Files[name]
	return e, ok
}

// byHashed returns the entry whose hashed file name is path.
func (f *fileSet) byHashed(path string) (assetpack.Entry, bool) {
	if f.current() == nil {
		return assetpack.Entry{}, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.byPath[path]
	return e, ok
}

// read returns a file's bytes from the cache or the disk.
func (f *fileSet) read(name string) ([]byte, error) {
	f.mu.Lock()
	if b, ok := f.cache[name]; ok {
		f.mu.Unlock()
		return b, nil
	}
	f.mu.Unlock()
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.cache != nil {
		f.cache[name] = b
	}
	f.mu.Unlock()
	return b, nil
}

// contentType returns the media type for a logical file name.
func contentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".wasm"):
		return "application/wasm"
	case strings.HasSuffix(name, ".js"):
		return "text/javascript; charset=utf-8"
	case strings.HasSuffix(name, ".css"):
		return "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".json"):
		return "application/json"
	}
	return "application/octet-stream"
}

// send writes a packed file with the best encoding the client accepts.
func (f *fileSet) send(c *fiber.Ctx, e assetpack.Entry, cacheControl string) error {
	file, enc := assetpack.Choose(c.Get(fiber.HeaderAcceptEncoding), e)
	etag := `"` + e.Hash + "-" + enc + `"`
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	c.Set(fiber.HeaderCacheControl, cacheControl)
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set("Cross-Origin-Resource-Policy", "cross-origin")
	c.Set(fiber.HeaderContentType, contentType(e.Path))
	if enc != "" {
		c.Set(fiber.HeaderContentEncoding, enc)
	}
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && strings.Contains(inm, etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	body, err := f.read(file)
	if err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString(notBuilt)
	}
	c.Set(fiber.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Send(body)
}

// loader serves /widget.js: a stable URL, so only a short cache.
func (s *site) loader(c *fiber.Ctx) error {
	e, ok := s.files.entry(nameLoader)
	if !ok {
		return c.Status(fiber.StatusServiceUnavailable).SendString(notBuilt)
	}
	return s.files.send(c, e, "public, max-age=300")
}

// static serves the content-hashed files, cached for a year.
func (s *site) static(c *fiber.Ctx) error {
	name := c.Params("file")
	if s.files.current() == nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString(notBuilt)
	}
	e, ok := s.files.byHashed(name)
	if !ok {
		return c.Status(fiber.StatusNotFound).SendString("no such widget file (the widget may have been rebuilt: reload the page)")
	}
	return s.files.send(c, e, "public, max-age=31536000, immutable")
}
