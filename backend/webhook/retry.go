package webhook

import (
	"time"

	"github.com/parleychat/parley/backend/outbox"
	"github.com/parleychat/parley/shared/backoff"
)

// DefaultRetry tries a delivery 12 times over about five hours (30 s, 1, 2, 4, 8, 16, 32
// minutes, then hourly), so that a receiver that is down for a deployment or an evening's
// outage still gets everything. An attempt holds its delivery for a minute, well past the
// client's timeout.
var DefaultRetry = outbox.Retry{
	Backoff:     backoff.Policy{Initial: 30 * time.Second, Max: time.Hour, Jitter: 0.2},
	MaxAttempts: 12,
	Claim:       time.Minute,
}
