// Command parley-history fills a database with generated chat history (package history), for
// benchmarks, demos and trying the archive out: tenants, agents and connectors, then a year
// of chats and messages in English, German and French. It reads the server's database
// settings (DATABASE_URL, PARLEY_DATA, or the flags of the same meaning) so that the server
// then serves what it made. The same -seed makes the same history.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/parleychat/parley/backend/history"
	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "parley-history:", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("parley-history", flag.ContinueOnError)
	dbURL := fs.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL; empty uses the SQLite file in -data")
	data := fs.String("data", envOr("PARLEY_DATA", "./data"), "directory of the SQLite file parley.db")
	seed := fs.Uint64("seed", 1, "the same seed makes the same history")
	chats := fs.Int("chats", 100000, "chats to make")
	messages := fs.Int("messages", 1000000, "messages to make in all")
	tenants := fs.Int("tenants", 3, "tenants to make")
	agents := fs.Int("agents", 20, "agents per tenant")
	connectors := fs.Int("connectors", 2, "connectors per tenant")
	pass := fs.String("password", "", "password of every generated agent (empty: they cannot sign in)")
	end := fs.String("end", "", "when the history ends, RFC 3339 (default: now)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	if *chats <= 0 || *messages < 0 || *tenants <= 0 || *agents <= 0 || *connectors <= 0 {
		return fmt.Errorf("-chats, -tenants, -agents and -connectors must be at least 1, -messages at least 0")
	}
	endAt := time.Now().UTC()
	if *end != "" {
		t, err := time.Parse(time.RFC3339, *end)
		if err != nil {
			return fmt.Errorf("-end: write a time as 2026-12-05T10:00:00Z: %w", err)
		}
		endAt = t
	}
	hash := ""
	if *pass != "" {
		h, err := password.Hash(*pass)
		if err != nil {
			return err
		}
		hash = h
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := store.Open(ctx, store.Config{DatabaseURL: *dbURL, DataDir: *data, Logger: log})
	if err != nil {
		return err
	}
	defer st.Close()
	began := time.Now()
	last := began
	_, err = history.Generate(ctx, st,
		history.Config{Tenants: *tenants, AgentsPerTenant: *agents, ConnectorsPerTenant: *connectors, PasswordHash: hash},
		history.Options{Seed: *seed, Chats: *chats, Messages: *messages, End: endAt},
		func(done, total int) {
			if time.Since(last) > 2*time.Second || done == total {
				last = time.Now()
				fmt.Fprintf(os.Stderr, "%d of %d chats (%s)\n", done, total, time.Since(began).Round(time.Second))
			}
		})
	if err != nil {
		return err
	}
	fmt.Printf("made %d chats with about %d messages in %s\n", *chats, *messages, time.Since(began).Round(time.Millisecond))
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
