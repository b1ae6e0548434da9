package widgetsite

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// loaderBudget is the loader's weight on every page of a site: 5 KB gzipped (assets/widget/
// README.md), however much it learns to do (visitor presence included).
const loaderBudget = 5 * 1024

func TestLoaderWithinBudget(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "assets", "widget", "widget.js"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(src)
	_ = zw.Close()
	if buf.Len() > loaderBudget {
		t.Fatalf("widget.js is %d bytes gzipped, over the budget of %d", buf.Len(), loaderBudget)
	}
	t.Logf("widget.js: %d bytes gzipped of %d", buf.Len(), loaderBudget)
}
