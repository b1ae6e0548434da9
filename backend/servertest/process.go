package servertest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/backend/outbox"
	"github.com/parleychat/parley/backend/push"
	"github.com/parleychat/parley/backend/reportexport"
	"github.com/parleychat/parley/backend/server"
	"github.com/parleychat/parley/backend/tyntec"
	"github.com/parleychat/parley/backend/webhook"
)

// ServeEnv, set in a test binary's environment, makes it run the server instead of its tests
// (its TestMain calls [Serve]): a test re-executes its own binary as a server process that it
// can kill with SIGKILL, as a crash, or stop with SIGTERM.
const ServeEnv = "PARLEY_TEST_SERVE"

// Serve is the server process of such a test: the parley command's start, configured from the
// environment like it, until it is killed or stopped with SIGTERM. It never returns.
func Serve() {
	if os.Getenv(FastRetryEnv) != "" {
		shortenRetries()
	}
	cfg, err := config.Load(nil, os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// SIGTERM stops the server as the parley command does (a rolling restart); SIGKILL is
	// the crash.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	err = server.Run(ctx, cfg, log)
	if err == nil {
		os.Exit(0)
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// FastRetryEnv, set beside [ServeEnv], makes the server process retry its outgoing deliveries
// (mail, webhooks, report exports, WhatsApp lines, pushes) after seconds instead of minutes,
// and lets an attempt's claim lapse after 10 s instead of up to 2 minutes: a test that kills
// the server mid-delivery or has a receiver fail first then waits for the restart's retry in
// seconds. The order of events the tests check (claim, deliver, record; fail, wait, retry) is
// the production one, only the waits are shorter.
const FastRetryEnv = "PARLEY_TEST_FAST_RETRY"

// shortenRetries gives every delivery worker's default policy the short waits of [FastRetryEnv].
// The 10 s claim is shorter than the delivery clients' timeouts (10–30 s), which production
// claims outlast; it is enough here because the tests' receivers answer at once, so an attempt
// takes milliseconds even on a loaded machine. The attempts are raised to at least 100 (over
// six minutes at 4 s apart, past any test's deadline): at the production counts, 10–12 attempts
// seconds apart would give up within 30–40 s, and a test whose receiver is down while it sets
// up its chats on a loaded machine would see its deliveries fail for good, which production's
// hours of retries never do in that time.
func shortenRetries() {
	for _, r := range []*outbox.Retry{&mail.DefaultRetry, &webhook.DefaultRetry, &reportexport.DefaultRetry, &tyntec.DefaultRetry, &push.DefaultRetry} {
		r.Backoff.Initial, r.Backoff.Max = time.Second, 4*time.Second
		r.Claim = 10 * time.Second
		r.MaxAttempts = max(r.MaxAttempts, 100)
	}
}
