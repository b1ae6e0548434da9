//go:build !wasm

package agentsite

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// workerPush is the service worker's Web Push part (package push sends what it shows).
//
//go:embed worker-push.js
var workerPush string

// pushSection is where go-app's worker template begins its push notification part, which
// shows no tag (so it cannot replace a chat's older notification) and navigates by go-app's
// path only.
const pushSection = "// -----------------------------------------------------------------------------\n// Push Notifications"

// workerTemplate is go-app's service worker (install, caching, activation) with its push
// part replaced by Parley's.
func workerTemplate() (string, error) {
	i := strings.Index(app.DefaultAppWorkerJS, pushSection)
	if i < 0 {
		return "", fmt.Errorf("agentsite: go-app's app-worker.js has no %q section to replace", "Push Notifications")
	}
	return app.DefaultAppWorkerJS[:i] + workerPush, nil
}
