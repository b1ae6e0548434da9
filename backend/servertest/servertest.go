// Package servertest runs a real Parley server for tests: on a random loopback port, with a
// fresh embedded SQLite database (or PostgreSQL) and demo data, and connects protocol clients
// to it the way the widget and the agent app do.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/server"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/store/schematest"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/shared/protocol"
)

// Env is a running test server.
type Env struct {
	// URL is the server's base URL (http://127.0.0.1:PORT).
	URL string
	// WS is the WebSocket base URL (ws://127.0.0.1:PORT).
	WS     string
	Server *server.Server
	// Demo is the seeded demo data, with the generated passwords.
	Demo store.DemoSeed
	cfg  config.Config
}

// Options adjust the server.
type Options struct {
	// Postgres runs the server on a fresh PostgreSQL database instead of SQLite.
	Postgres bool
	// Configure may change the configuration before the server starts.
	Configure func(*config.Config)
	// Mount may add routes (web apps) before the server starts serving.
	Mount func(*server.Server) error
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	// A copy of a database at the current schema: a fresh one would run every migration at
	// every start (schematest).
	if opts.Postgres {
		cfg.DataDir = t.TempDir()
		cfg.DatabaseURL = schematest.PostgresURL(t)
	} else {
		cfg.DataDir = schematest.SQLiteDir(t)
	}
	cfg.WebDir = WebDir()
	// The demo's base: tests count what the demo tenant holds; a test of the showcase turns it
	// back on in Configure.
	cfg.DemoBaseOnly = true
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	level := slog.LevelWarn
	if os.Getenv("PARLEY_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := server.New(ctx, cfg, log, server.WithPasswordHasher(cheapHash))
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	if opts.Mount != nil {
		if err := opts.Mount(srv); err != nil {
			t.Fatalf("mount: %v", err)
		}
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	t.Cleanup(func() {
		// A server that held many long polls can take over 10 s to shut down on a loaded
		// machine (the MiCC per-address test's 50 waiting GetEvents); 30 s bounds a hang.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-served
	})
	env := &Env{URL: "http://" + srv.Addr(), WS: "ws://" + srv.Addr(), Server: srv, cfg: cfg}
	if srv.Demo != nil {
		env.Demo = *srv.Demo
	}
	return env
}

// cheapHash hashes the demo passwords at a test's cost: the production parameters make every
// server start take seconds under the race detector.
func cheapHash(pw string) (string, error) {
	return password.HashWithParams(pw, password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
}

// WebDir finds the repository's build directory from a test's working directory.
func WebDir() string {
	dir, _ := os.Getwd()
	for range 6 {
		if _, err := os.Stat(dir + "/go.mod"); err == nil {
			return dir + "/build"
		}
		dir += "/.."
	}
	return "build"
}

// testWriter sends server logs to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// DemoUser returns a seeded account by role and position ("agent", 0 is the first agent).
func (e *Env) DemoUser(t testing.TB, role string, n int) store.DemoUser {
	t.Helper()
	for _, u := range e.Demo.Users {
		if u.Role == role {
			if n == 0 {
				return u
			}
			n--
		}
	}
	t.Fatalf("no demo %s #%d", role, n)
	return store.DemoUser{}
}

// Login signs in through the HTTP API and returns the session token.
func (e *Env) Login(t testing.TB, login, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"login": login, "password": password})
	resp, err := http.Post(e.URL+"/api/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %s %s", login, resp.Status, raw)
	}
	var out struct{ Token string }
	if err := json.Unmarshal(raw, &out); err != nil || out.Token == "" {
		t.Fatalf("login answer %s: %v", raw, err)
	}
	return out.Token
}

// Agent signs in the n-th demo agent, connects and sets a status that allows chat. It returns
// the client and the agent.ready event.
func (e *Env) Agent(t testing.TB, n int) (*protoclient.Client, *protocol.AgentReady) {
	t.Helper()
	u := e.DemoUser(t, "agent", n)
	token := e.Login(t, u.Login, u.Password)
	c, ready := e.AgentWithToken(t, token)
	for _, st := range ready.Statuses {
		if st.AllowsChat {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := c.Call(ctx, "", &protocol.StatusSet{Status: st.ID}); err != nil {
				t.Fatalf("set status: %v", err)
			}
			if _, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.AgentStatus); return ok }); err != nil {
				t.Fatalf("status confirmation: %v", err)
			}
			return c, ready
		}
	}
	t.Fatal("no status allows chat")
	return nil, nil
}

// AgentWithToken connects an agent with a session token.
func (e *Env) AgentWithToken(t testing.TB, token string) (*protoclient.Client, *protocol.AgentReady) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := protoclient.Dial(ctx, e.WS+"/ws/agent", protoclient.Options{IDPrefix: "a"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Drop() })
	if _, err := c.Call(ctx, "", &protocol.AgentConnect{Token: token}); err != nil {
		t.Fatalf("agent.connect: %v", err)
	}
	ev, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.AgentReady); return ok })
	if err != nil {
		t.Fatalf("agent.ready: %v", err)
	}
	return c, ev.Body.(*protocol.AgentReady)
}

// Visitor connects a visitor to the demo connector.
func (e *Env) Visitor(t testing.TB) (*protoclient.Client, *protocol.Connected) {
	t.Helper()
	return e.VisitorOn(t, e.Demo.ConnectorHash, nil)
}

// VisitorOn connects a visitor to a connector with optional handshake headers.
func (e *Env) VisitorOn(t testing.TB, hash string, header http.Header) (*protoclient.Client, *protocol.Connected) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := protoclient.Dial(ctx, e.WS+"/ws/visitor", protoclient.Options{IDPrefix: "v", Header: header})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Drop() })
	ev, err := c.Call(ctx, "", &protocol.VisitorConnect{Connector: hash, Lang: "en", Page: "https://shop.example/help"})
	if err != nil {
		t.Fatalf("visitor.connect: %v", err)
	}
	conn, ok := ev.Body.(*protocol.Connected)
	if !ok {
		t.Fatalf("visitor.connect answered with %T", ev.Body)
	}
	return c, conn
}

// DatabaseURL is the PostgreSQL database the server uses ("" on SQLite), for tests that act
// on the database from outside (terminating its connections).
func (e *Env) DatabaseURL() string { return e.cfg.DatabaseURL }

// String describes the environment in failures.
func (e *Env) String() string {
	return fmt.Sprintf("parley at %s (%s)", e.URL, e.Server.Store().Dialect())
}

// Settled waits until every settings change written so far has reached routing, the settings
// cache and the open connections, as it does within milliseconds after a save.
func (e *Env) Settled(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Server.SettingsApplied(ctx); err != nil {
		t.Fatalf("settings changes not applied: %v", err)
	}
}

// ChangeConnector changes the demo connector in the store, as the admin pages do, waits until
// the change has reached routing and the settings cache, and returns the saved connector.
func (e *Env) ChangeConnector(t testing.TB, change func(*store.Connector)) store.Connector {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st := e.Server.Store()
	conn, err := st.ConnectorByHash(ctx, e.Demo.ConnectorHash)
	if err != nil {
		t.Fatal(err)
	}
	change(&conn)
	if conn, err = st.UpdateConnector(ctx, conn); err != nil {
		t.Fatalf("update connector: %v", err)
	}
	if err := e.Server.SettingsApplied(ctx); err != nil {
		t.Fatalf("settings change not applied: %v", err)
	}
	return conn
}

// ChangeWidgetOptions changes the demo connector's widget options (its toolbox) as the admin
// pages do, and waits until the change has been applied.
func (e *Env) ChangeWidgetOptions(t testing.TB, change func(*store.Toolbox)) store.Connector {
	t.Helper()
	return e.ChangeConnector(t, func(c *store.Connector) {
		tb, err := store.ParseToolbox(c.Toolbox)
		if err != nil {
			t.Fatal(err)
		}
		change(&tb)
		c.Toolbox = tb.JSON()
	})
}

// Translate gives the demo tenant a translation service of provider at url with key, offering
// langs to visitors, and waits until the server follows.
func (e *Env) Translate(t testing.TB, provider translate.Provider, url, key string, langs ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st := e.Server.Store()
	ts, err := st.TenantSettings(ctx, e.Demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	ts.TranslateEnabled, ts.TranslateProvider, ts.TranslateURL, ts.TranslateAPIKey, ts.TranslateLanguages = true, provider, url, key, langs
	if _, err := st.SaveTenantSettings(ctx, ts); err != nil {
		t.Fatal(err)
	}
	e.Settled(t)
}
