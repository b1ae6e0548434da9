package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/servertest"
)

// TestRetentionMetrics checks that the server runs the retention worker and that /metrics
// reports what it deleted, by kind.
func TestRetentionMetrics(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	resp, err := http.Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`parley_retention_deleted_total{kind="chats"} 0`, `parley_retention_deleted_total{kind="files"} 0`,
		`parley_retention_deleted_total{kind="audit_entries"} 0`, "parley_retention_file_bytes_total 0", "parley_retention_rounds_total 0",
		"parley_retention_failures_total 0"} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
}
