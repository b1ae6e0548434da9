package servertest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/server"
)

// ServeEnv, set in a test binary's environment, makes it run the server instead of its tests
// (its TestMain calls [Serve]): a test re-executes its own binary as a server process that it
// can kill with SIGKILL, as a crash, or stop with SIGTERM.
const ServeEnv = "PARLEY_TEST_SERVE"

// Serve is the server process of such a test: the parley command's start, configured from the
// environment like it, until it is killed or stopped with SIGTERM. It never returns.
func Serve() {
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
