package chat_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The chat rules see connections only through the Conn seam: no file of the package, or of
// its sub-packages, imports a transport.
func TestNoTransportImports(t *testing.T) {
	forbidden := []string{"github.com/parleychat/parley/backend/realtime", "github.com/gofiber/contrib/websocket", "github.com/coder/websocket", "github.com/fasthttp/websocket"}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if p == bad {
					t.Errorf("%s imports %s", path, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
