package servertest

import (
	"os"
	"testing"

	"github.com/nats-io/nats.go"
)

// NATS is the NATS server of cluster tests: the machine's own unless PARLEY_TEST_NATS_URL
// names another. Without one the test is skipped, except in CI, where it fails.
func NATS(t testing.TB) string {
	t.Helper()
	u := os.Getenv("PARLEY_TEST_NATS_URL")
	if u == "" {
		u = nats.DefaultURL
	}
	nc, err := nats.Connect(u)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("NATS at %s is required in CI: %v", u, err)
		}
		t.Skipf("no NATS server at %s (set PARLEY_TEST_NATS_URL): %v", u, err)
	}
	nc.Close()
	return u
}
