package mail

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the tests when a goroutine outlives them: a worker, an SMTP connection or a
// test server that was not stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
