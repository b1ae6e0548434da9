// Command parley runs the Parley server: the chat service, the visitor widget, the agent app
// and the admin pages, on PostgreSQL or the embedded SQLite database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/gcfloor"
	"github.com/parleychat/parley/backend/server"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.Load(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	if cfg.PprofAddr != "" {
		stop, err := serveProfiling(cfg.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	gcfloor.Start(ctx, time.Second)
	return server.Run(ctx, cfg, log)
}

// serveProfiling serves Go's profiling endpoints (/debug/pprof/) on their own listener, never
// on the public one, and returns the function that stops them. A busy or wrong address is
// reported at start.
func serveProfiling(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("profiling listener on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("profiling endpoints", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Warn("profiling listener ended", "err", err)
		}
	}()
	return func() { _ = srv.Close() }, nil
}
