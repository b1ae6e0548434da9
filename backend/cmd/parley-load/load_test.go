package main

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
)

// TestLoadAgainstServer runs each of the tool's measurements, with small numbers, against a
// real server in this process (so -server-pid is this process): a closed loop with CPU per
// message, an open loop, a reconnect storm whose agents write while the visitors are away, a
// replay and idle sockets. It checks what each counted, never how fast.
func TestLoadAgainstServer(t *testing.T) {
	var cfg config.Config
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) {
		c.VisitorConnectsPerMinute, c.AgentConnectsPerMinute = 0, 0
		c.CommandsPerSecond, c.CommandBurst = 1000000, 1000000
		cfg = *c
	}})
	base := options{url: env.URL, dataDir: cfg.DataDir, databaseURL: cfg.DatabaseURL, visitors: 6, agents: 2, messages: 5,
		duration: time.Minute, stormWrites: 2, stormWait: 30 * time.Second, settle: 100 * time.Millisecond, lines: true}
	runOK := func(t *testing.T, o options) Result {
		t.Helper()
		if err := o.check(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), o.duration)
		defer cancel()
		r, err := run(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if r.Errors > 0 {
			t.Fatalf("%d errors: %+v", r.Errors, r)
		}
		t.Logf("%s", strings.Join(r.Lines(o), "; "))
		return r
	}

	t.Run("closed loop", func(t *testing.T) {
		o := base
		o.steady, o.serverPID, o.messages = true, os.Getpid(), 10
		r := runOK(t, o)
		if r.Delivered != 60 || r.Lost != 0 || r.Duplicated != 0 || r.MsgsPerS <= 0 {
			t.Errorf("closed loop: %+v; want 60 delivered, none lost or twice", r)
		}
		if r.CPUServerUs <= 0 || r.CPUUs != r.CPUServerUs || r.CPUDatabaseUs != 0 {
			t.Errorf("closed loop on SQLite: CPU per message %v server, %v database, %v in all", r.CPUServerUs, r.CPUDatabaseUs, r.CPUUs)
		}
	})
	t.Run("open loop", func(t *testing.T) {
		o := base
		o.msgRate = 200
		r := runOK(t, o)
		if r.Delivered != 30 || r.Lost != 0 || r.Duplicated != 0 || r.P99ms <= 0 {
			t.Errorf("open loop: %+v; want 30 delivered, none lost or twice", r)
		}
	})
	t.Run("storm", func(t *testing.T) {
		o := base
		o.storm, o.interval = true, 0
		r := runOK(t, o)
		if r.StormWritten != 12 || r.StormLost != 0 || r.StormDuplicated != 0 || len(r.Lines(o)) != 3 {
			t.Errorf("storm: %+v; want 12 messages written while away, all had once", r.StormResult)
		}
		if r.Delivered != 30 || r.Lost != 0 {
			t.Errorf("storm: the visitors' own messages after it: %+v", r)
		}
	})
	t.Run("replay", func(t *testing.T) {
		o := base
		o.visitors, o.agents, o.replay = 1, 1, 150
		r := runOK(t, o)
		if r.ReplayEvents < 150 || r.ReplayMs <= 0 {
			t.Errorf("replay: %+v; want at least the 150 messages", r.ReplayResult)
		}
	})
	t.Run("idle", func(t *testing.T) {
		o := base
		o.idle, o.serverPID = 30, os.Getpid()
		r := runOK(t, o)
		if r.IdleSockets != 30 || r.ConnectS <= 0 {
			t.Errorf("idle: %+v", r.IdleResult)
		}
	})
}

// TestCPUOnPostgres checks that on PostgreSQL the CPU per message counts the database's
// backends beside the server.
func TestCPUOnPostgres(t *testing.T) {
	var cfg config.Config
	env := servertest.Start(t, servertest.Options{Postgres: true, Configure: func(c *config.Config) {
		c.VisitorConnectsPerMinute, c.AgentConnectsPerMinute = 0, 0
		c.CommandsPerSecond, c.CommandBurst = 1000000, 1000000
		cfg = *c
	}})
	o := options{url: env.URL, dataDir: cfg.DataDir, databaseURL: cfg.DatabaseURL, visitors: 20, agents: 2, messages: 10,
		duration: time.Minute, steady: true, serverPID: os.Getpid(), stormWrites: 2, stormWait: time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), o.duration)
	defer cancel()
	r, err := run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Delivered != 200 || r.Lost != 0 || r.Errors != 0 {
		t.Fatalf("%+v; want 200 delivered", r)
	}
	if r.CPUServerUs <= 0 || r.CPUDatabaseUs <= 0 || math.Abs(r.CPUUs-r.CPUServerUs-r.CPUDatabaseUs) > 0.02 {
		t.Errorf("CPU per message %v server, %v database, %v in all; want both counted", r.CPUServerUs, r.CPUDatabaseUs, r.CPUUs)
	}
}
