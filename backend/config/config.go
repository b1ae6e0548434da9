// Package config is the server's one typed configuration: defaults, overridden by environment
// variables, overridden by command-line flags, validated before anything starts so that a
// mistake is reported at once in words that say how to fix it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/presence"

	"github.com/parleychat/parley/backend/clientip"
)

// Config is the server's configuration.
type Config struct {
	// Addr is the listen address (PARLEY_ADDR, -addr; default ":8080").
	Addr string
	// DatabaseURL selects PostgreSQL (DATABASE_URL, -database-url); empty means the embedded
	// SQLite database in DataDir.
	DatabaseURL string
	// NATSURL turns cluster mode on (PARLEY_NATS_URL, -nats-url; e.g. nats://127.0.0.1:4222,
	// several separated by commas): several nodes share the PostgreSQL database, NATS carries
	// committed chat events and settings changes between them, and one node at a time leads
	// routing. Only with PostgreSQL: the embedded SQLite file belongs to one process.
	NATSURL string
	// NATSSubject begins the subjects this cluster's nodes use on NATS (PARLEY_NATS_SUBJECT;
	// default "parley"): deployments sharing one NATS each set their own.
	NATSSubject string
	// DataDir holds the embedded SQLite file (PARLEY_DATA, -data; default "./data").
	DataDir string
	// WebDir holds the built web assets: widget and agent app (PARLEY_WEB, -web; default "./build").
	WebDir string
	// Demo seeds demo data into an empty database (PARLEY_DEMO, -demo; default true).
	Demo bool
	// DemoBaseOnly seeds the demo's base without its showcase (store.SeedDemoBase): tests that
	// count what the demo tenant holds set it, so that the showcase may grow. Not read from
	// the environment.
	DemoBaseOnly bool
	// ReconnectWindow is how long a visitor may be away before the chat closes, and an agent
	// before their offers and chats go to others (PARLEY_RECONNECT_WINDOW, -reconnect-window;
	// default 60s).
	ReconnectWindow time.Duration
	// AgentWarning is how long before that the agent is warned (PARLEY_AGENT_WARNING,
	// -agent-warning; default 20s).
	AgentWarning time.Duration
	// Presence bounds the visitors online that loaders report for proactive chats (per address,
	// per connector, idle time, the grace for an invited visitor's next page); zero values take
	// package presence's defaults (PARLEY_PRESENCE_PER_ADDRESS, default 20, and
	// PARLEY_PRESENCE_PER_CONNECTOR, default 500; the times are not configurable).
	Presence presence.Limits
	// SessionTTL is how long an agent's sign-in lasts (PARLEY_SESSION_TTL, -session-ttl; 12h).
	SessionTTL time.Duration
	// ShutdownTimeout bounds a graceful shutdown (PARLEY_SHUTDOWN_TIMEOUT; 15s).
	ShutdownTimeout time.Duration
	// LogLevel is debug, info, warn or error (PARLEY_LOG_LEVEL, -log-level; info).
	LogLevel string
	// SecureCookies marks cookies Secure (PARLEY_SECURE_COOKIES; default false, set it behind TLS).
	SecureCookies bool
	// ProxyHeader names the header that carries the client's address behind a reverse proxy:
	// X-Forwarded-For, X-Real-IP or Forwarded (PARLEY_PROXY_HEADER; empty: the connection's
	// address). It is believed only from TrustedProxies (PARLEY_TRUSTED_PROXIES, comma-separated
	// addresses or CIDR ranges), and of a list only the right-most address that is not a
	// trusted proxy (package clientip), so per-address limits and blocks see the visitor, not
	// the proxy. X-Forwarded-Proto and X-Forwarded-Host are believed from TrustedProxies only.
	ProxyHeader    string
	TrustedProxies []string
	// VisitorConnectsPerMinute bounds new visitor connections per address
	// (PARLEY_VISITOR_CONNECTS_PER_MINUTE; default 120; 0 = no limit).
	VisitorConnectsPerMinute int
	// AgentConnectsPerMinute bounds new agent app connections per address
	// (PARLEY_AGENT_CONNECTS_PER_MINUTE; default 300; 0 = no limit). It is higher than the
	// visitors' because a whole office often shares one address, and every agent reconnects
	// after a server restart.
	AgentConnectsPerMinute int
	// PprofAddr, when set, serves Go's profiling endpoints on this separate host:port
	// (PARLEY_PPROF_ADDR, -pprof-addr), never on the public listener. They reveal the
	// server's internals, so it should be a loopback address; [Config.Warnings] says so
	// otherwise.
	PprofAddr string
	// WebhookAllowPrivate lets tenants' webhook endpoints reach loopback, private and
	// link-local addresses (PARLEY_WEBHOOK_ALLOW_PRIVATE; default false). Off, an endpoint
	// aimed at the server's own networks is refused, so that an admin of one tenant cannot
	// make Parley call internal services; turn it on when receivers run on your network.
	WebhookAllowPrivate bool
	// APIRequestsPerMinute bounds each REST API token's requests (PARLEY_API_REQUESTS_PER_MINUTE,
	// default 600, with bursts of a tenth of it); more are answered 429 with Retry-After.
	APIRequestsPerMinute int
	// MiCCAddr, when set, also serves the MiCC ChatService (POST /ChatService/<Method>) on this
	// separate host:port (PARLEY_MICC_ADDR, -micc-addr), as MiCC's own service listens on port
	// 12616, so that custom MiCC clients need only the host changed. The main listener serves
	// it at the same paths either way.
	MiCCAddr string
	// MiCCGoneAfter is how long a MiCC ChatService client may stop calling GetEvents before it
	// counts as gone (MiCC's 60 s, the default). Tests shorten it to see a client go without
	// waiting a minute; zero means the default.
	MiCCGoneAfter time.Duration
	// TynTecURL is the root of TynTec's API that WhatsApp messages go to and media come from
	// (PARLEY_TYNTEC_URL; default https://api.tyntec.com). Tests point it at a local stand-in.
	TynTecURL string
	// PublicURL is the address customers and services reach this server at, e.g.
	// https://chat.example.com (PARLEY_PUBLIC_URL): the admin pages show connectors' TynTec
	// webhook URLs under it, and agents' files go to WhatsApp as links under it. Unset,
	// WhatsApp takes no files from agents.
	PublicURL string
	// ConnectTimeout is how long a new connection may take to say who it is (its connect
	// command) before it is closed (PARLEY_CONNECT_TIMEOUT; default 10s).
	ConnectTimeout time.Duration
	// ReadTimeout is how long an HTTP request may take to arrive, headers and body, on every
	// listener (the main one, MiCC's and WhosOn's) before its connection is closed
	// (PARLEY_READ_TIMEOUT; default 30s): a client that sends its request a byte at a time
	// would otherwise hold a connection and its buffers for as long as it likes.
	ReadTimeout time.Duration
	// CommandsPerSecond and CommandBurst bound each connection's commands (PARLEY_COMMANDS_PER_SECOND,
	// default 20; PARLEY_COMMAND_BURST, default 60); more are answered with rate_limited.
	CommandsPerSecond int
	CommandBurst      int
	// CommitQueue is how many writes may wait for the database before clients' commands wait
	// too, or are answered busy (PARLEY_COMMIT_QUEUE; default 4096).
	CommitQueue int
	// WhosOnAddr, when set, serves the WhosOn Chat API (package whoson) at / on this separate
	// host:port as well (PARLEY_WHOSON_ADDR, -whoson-addr), for clients written against a
	// WhosOn server, whose own default port is 8009. The main listener serves it at /whoson.
	WhosOnAddr string
	// GeoIPDB is a MaxMind database file (GeoLite2-City or GeoIP2-City .mmdb) from which the
	// WhosOn connected event's GeoIP object is filled (PARLEY_GEOIP_DB, -geoip-db); without
	// one it carries the visitor's address alone.
	GeoIPDB string
	// VAPIDPublicKey and VAPIDPrivateKey are the Web Push key pair (PARLEY_VAPID_PUBLIC_KEY,
	// PARLEY_VAPID_PRIVATE_KEY; unpadded base64url, as web-push tools print them). Unset, the
	// server makes a pair at its first start and keeps it in the database. VAPIDSubject is the
	// contact push services are given (PARLEY_VAPID_SUBJECT: a mailto: or https: address;
	// default mailto:parley@localhost).
	VAPIDPublicKey  string
	VAPIDPrivateKey string
	VAPIDSubject    string
	// PushOff sends no Web Push notifications (PARLEY_PUSH_OFF).
	PushOff bool
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr: ":8080", DataDir: "./data", WebDir: "./build", Demo: true,
		ReconnectWindow: 60 * time.Second, AgentWarning: 20 * time.Second,
		SessionTTL: 12 * time.Hour, ShutdownTimeout: 15 * time.Second, LogLevel: "info",
		VisitorConnectsPerMinute: 120, AgentConnectsPerMinute: 300,
		ConnectTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, CommandsPerSecond: 20, CommandBurst: 60, CommitQueue: 4096, APIRequestsPerMinute: 600,
	}
}

// Load builds the configuration from defaults, then the environment (getenv), then the flags
// in args, and validates it.
func Load(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	c := Default()
	var errs []error
	str := func(env string, dst *string) {
		if v := getenv(env); v != "" {
			*dst = v
		}
	}
	dur := func(env string, dst *time.Duration) {
		if v := getenv(env); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q is not a duration (write e.g. 60s or 2m)", env, v))
				return
			}
			*dst = d
		}
	}
	boolean := func(env string, dst *bool) {
		switch strings.ToLower(getenv(env)) {
		case "":
		case "1", "true", "yes", "on":
			*dst = true
		case "0", "false", "no", "off":
			*dst = false
		default:
			errs = append(errs, fmt.Errorf("%s=%q is not a boolean (write true or false)", env, getenv(env)))
		}
	}
	str("PARLEY_ADDR", &c.Addr)
	str("DATABASE_URL", &c.DatabaseURL)
	str("PARLEY_NATS_URL", &c.NATSURL)
	str("PARLEY_NATS_SUBJECT", &c.NATSSubject)
	str("PARLEY_DATA", &c.DataDir)
	str("PARLEY_WEB", &c.WebDir)
	boolean("PARLEY_DEMO", &c.Demo)
	dur("PARLEY_RECONNECT_WINDOW", &c.ReconnectWindow)
	dur("PARLEY_AGENT_WARNING", &c.AgentWarning)
	dur("PARLEY_SESSION_TTL", &c.SessionTTL)
	dur("PARLEY_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	str("PARLEY_LOG_LEVEL", &c.LogLevel)
	boolean("PARLEY_SECURE_COOKIES", &c.SecureCookies)
	boolean("PARLEY_WEBHOOK_ALLOW_PRIVATE", &c.WebhookAllowPrivate)
	str("PARLEY_PROXY_HEADER", &c.ProxyHeader)
	if v := getenv("PARLEY_TRUSTED_PROXIES"); v != "" {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
		}
	}
	whole := func(env string, dst *int) {
		if v := getenv(env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q is not a whole number", env, v))
				return
			}
			*dst = n
		}
	}
	whole("PARLEY_VISITOR_CONNECTS_PER_MINUTE", &c.VisitorConnectsPerMinute)
	whole("PARLEY_AGENT_CONNECTS_PER_MINUTE", &c.AgentConnectsPerMinute)
	str("PARLEY_PPROF_ADDR", &c.PprofAddr)
	str("PARLEY_MICC_ADDR", &c.MiCCAddr)
	str("PARLEY_TYNTEC_URL", &c.TynTecURL)
	str("PARLEY_PUBLIC_URL", &c.PublicURL)
	dur("PARLEY_CONNECT_TIMEOUT", &c.ConnectTimeout)
	dur("PARLEY_READ_TIMEOUT", &c.ReadTimeout)
	whole("PARLEY_COMMANDS_PER_SECOND", &c.CommandsPerSecond)
	whole("PARLEY_COMMAND_BURST", &c.CommandBurst)
	whole("PARLEY_API_REQUESTS_PER_MINUTE", &c.APIRequestsPerMinute)
	whole("PARLEY_COMMIT_QUEUE", &c.CommitQueue)
	whole("PARLEY_PRESENCE_PER_ADDRESS", &c.Presence.PerAddress)
	whole("PARLEY_PRESENCE_PER_CONNECTOR", &c.Presence.PerConnector)
	str("PARLEY_WHOSON_ADDR", &c.WhosOnAddr)
	str("PARLEY_GEOIP_DB", &c.GeoIPDB)
	str("PARLEY_VAPID_PUBLIC_KEY", &c.VAPIDPublicKey)
	str("PARLEY_VAPID_PRIVATE_KEY", &c.VAPIDPrivateKey)
	str("PARLEY_VAPID_SUBJECT", &c.VAPIDSubject)
	boolean("PARLEY_PUSH_OFF", &c.PushOff)
	if (c.VAPIDPublicKey == "") != (c.VAPIDPrivateKey == "") {
		errs = append(errs, errors.New("set both PARLEY_VAPID_PUBLIC_KEY and PARLEY_VAPID_PRIVATE_KEY, or neither"))
	}
	if v := c.VAPIDSubject; v != "" && !strings.HasPrefix(v, "mailto:") && !strings.HasPrefix(v, "https://") {
		errs = append(errs, fmt.Errorf("PARLEY_VAPID_SUBJECT=%q is not a mailto: or https:// address", v))
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}

	fs := flag.NewFlagSet("parley", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (PARLEY_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL; empty uses the embedded SQLite (DATABASE_URL)")
	fs.StringVar(&c.NATSURL, "nats-url", c.NATSURL, "NATS server URL(s): cluster mode, with PostgreSQL only (PARLEY_NATS_URL)")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "directory of the embedded database (PARLEY_DATA)")
	fs.StringVar(&c.WebDir, "web", c.WebDir, "directory of the built widget and agent app (PARLEY_WEB)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "seed demo data into an empty database (PARLEY_DEMO)")
	fs.DurationVar(&c.ReconnectWindow, "reconnect-window", c.ReconnectWindow, "how long a visitor may be away before the chat closes (PARLEY_RECONNECT_WINDOW)")
	fs.DurationVar(&c.AgentWarning, "agent-warning", c.AgentWarning, "warn the agent this long before that close (PARLEY_AGENT_WARNING)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.SessionTTL, "how long an agent sign-in lasts (PARLEY_SESSION_TTL)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (PARLEY_LOG_LEVEL)")
	fs.StringVar(&c.MiCCAddr, "micc-addr", c.MiCCAddr, "also serve the MiCC ChatService on this separate host:port, e.g. :12616 (PARLEY_MICC_ADDR)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", c.PprofAddr, "serve Go's profiling endpoints on this separate host:port, e.g. 127.0.0.1:6060 (PARLEY_PPROF_ADDR)")
	fs.StringVar(&c.WhosOnAddr, "whoson-addr", c.WhosOnAddr, "also serve the WhosOn Chat API at / on this separate host:port, e.g. :8009 (PARLEY_WHOSON_ADDR)")
	fs.StringVar(&c.GeoIPDB, "geoip-db", c.GeoIPDB, "MaxMind city database (.mmdb) for the WhosOn GeoIP object (PARLEY_GEOIP_DB)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (all options are flags; see -h)", fs.Arg(0))
	}
	return c, c.Validate()
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		errs = append(errs, fmt.Errorf("listen address %q is not host:port (e.g. :8080 or 127.0.0.1:8080)", c.Addr))
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, fmt.Errorf("DATABASE_URL must be a postgres:// URL (e.g. postgres://user@localhost:5432/parley)"))
		}
	} else if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("the data directory must not be empty when DATABASE_URL is not set"))
	}
	if c.NATSSubject != "" && (strings.ContainsAny(c.NATSSubject, " \t*>") || strings.HasPrefix(c.NATSSubject, ".") || strings.HasSuffix(c.NATSSubject, ".")) {
		errs = append(errs, fmt.Errorf("PARLEY_NATS_SUBJECT %q is not a NATS subject prefix (letters, digits, dots between them; e.g. parley or acme.parley)", c.NATSSubject))
	}
	if c.NATSURL != "" && c.DatabaseURL == "" {
		errs = append(errs, errors.New("PARLEY_NATS_URL (cluster mode) needs PostgreSQL: set DATABASE_URL too, or leave PARLEY_NATS_URL empty for a single node on SQLite"))
	}
	if c.ReconnectWindow < time.Second {
		errs = append(errs, fmt.Errorf("reconnect window %s is too short (at least 1s)", c.ReconnectWindow))
	}
	if c.AgentWarning < 0 || c.AgentWarning >= c.ReconnectWindow {
		errs = append(errs, fmt.Errorf("agent warning %s must be shorter than the reconnect window %s", c.AgentWarning, c.ReconnectWindow))
	}
	if c.SessionTTL < time.Minute {
		errs = append(errs, fmt.Errorf("session lifetime %s is too short (at least 1m)", c.SessionTTL))
	}
	if c.VisitorConnectsPerMinute < 0 {
		errs = append(errs, fmt.Errorf("visitor connects per minute must be 0 (no limit) or more, not %d", c.VisitorConnectsPerMinute))
	}
	if c.AgentConnectsPerMinute < 0 {
		errs = append(errs, fmt.Errorf("agent connects per minute must be 0 (no limit) or more, not %d", c.AgentConnectsPerMinute))
	}
	if c.ConnectTimeout < 100*time.Millisecond || c.ConnectTimeout > 5*time.Minute {
		errs = append(errs, fmt.Errorf("connect timeout %s must be between 100ms and 5m", c.ConnectTimeout))
	}
	if c.ReadTimeout < 100*time.Millisecond || c.ReadTimeout > 10*time.Minute {
		errs = append(errs, fmt.Errorf("read timeout %s must be between 100ms and 10m", c.ReadTimeout))
	}
	if c.APIRequestsPerMinute < 1 {
		errs = append(errs, fmt.Errorf("API requests per minute (%d) must be at least 1", c.APIRequestsPerMinute))
	}
	if c.CommandsPerSecond < 1 || c.CommandBurst < 1 {
		errs = append(errs, fmt.Errorf("commands per second (%d) and command burst (%d) must be at least 1", c.CommandsPerSecond, c.CommandBurst))
	}
	if c.CommitQueue < 1 {
		errs = append(errs, fmt.Errorf("commit queue %d must be at least 1 (4096 is the default)", c.CommitQueue))
	}
	if c.PprofAddr != "" {
		if _, port, err := net.SplitHostPort(c.PprofAddr); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("profiling address %q is not host:port (e.g. 127.0.0.1:6060)", c.PprofAddr))
		} else if c.PprofAddr == c.Addr {
			errs = append(errs, fmt.Errorf("profiling address %q must differ from the listen address", c.PprofAddr))
		}
	}
	if c.WhosOnAddr != "" {
		if _, port, err := net.SplitHostPort(c.WhosOnAddr); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("WhosOn address %q is not host:port (e.g. :8009)", c.WhosOnAddr))
		} else if c.WhosOnAddr == c.Addr || c.WhosOnAddr == c.PprofAddr {
			errs = append(errs, fmt.Errorf("WhosOn address %q must differ from the listen and profiling addresses", c.WhosOnAddr))
		}
	}
	if c.GeoIPDB != "" {
		if st, err := os.Stat(c.GeoIPDB); err != nil || st.IsDir() {
			errs = append(errs, fmt.Errorf("GeoIP database %q is not a readable file (PARLEY_GEOIP_DB names a MaxMind .mmdb file)", c.GeoIPDB))
		}
	}
	for name, v := range map[string]string{"PARLEY_TYNTEC_URL": c.TynTecURL, "PARLEY_PUBLIC_URL": c.PublicURL} {
		if u, err := url.Parse(v); v != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "") {
			errs = append(errs, fmt.Errorf("%s %q is not an http or https URL like https://chat.example.com", name, v))
		}
	}
	if c.MiCCGoneAfter < 0 {
		errs = append(errs, fmt.Errorf("MiCC client silence %s is negative", c.MiCCGoneAfter))
	}
	if c.MiCCAddr != "" {
		if _, port, err := net.SplitHostPort(c.MiCCAddr); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("MiCC ChatService address %q is not host:port (e.g. :12616)", c.MiCCAddr))
		} else if c.MiCCAddr == c.Addr || c.MiCCAddr == c.PprofAddr || c.MiCCAddr == c.WhosOnAddr {
			errs = append(errs, fmt.Errorf("MiCC ChatService address %q must differ from the listen and profiling addresses", c.MiCCAddr))
		}
	}
	if c.ProxyHeader != "" && len(c.TrustedProxies) == 0 {
		errs = append(errs, errors.New("PARLEY_PROXY_HEADER needs PARLEY_TRUSTED_PROXIES: name the proxies whose header may be believed"))
	} else if _, err := clientip.New(c.ProxyHeader, c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("PARLEY_PROXY_HEADER or PARLEY_TRUSTED_PROXIES: %w", err))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q is not one of debug, info, warn, error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// Warnings names settings that are allowed but probably a mistake, for the log at start.
func (c Config) Warnings() []string {
	var w []string
	if c.PprofAddr != "" && !loopback(c.PprofAddr) {
		w = append(w, fmt.Sprintf("the profiling endpoints (PARLEY_PPROF_ADDR=%s) are reachable from other machines and reveal the server's internals; use a loopback address such as 127.0.0.1:6060", c.PprofAddr))
	}
	return w
}

// loopback reports whether a host:port listens on this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
