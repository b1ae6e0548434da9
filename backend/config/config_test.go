package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadPrecedence(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.DatabaseURL != "" || !c.Demo || c.ReconnectWindow != time.Minute {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = Load([]string{"-addr", ":9000"}, env(map[string]string{"PARLEY_ADDR": ":7000", "PARLEY_DATA": "/tmp/x", "PARLEY_RECONNECT_WINDOW": "90s"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || c.DataDir != "/tmp/x" || c.ReconnectWindow != 90*time.Second {
		t.Fatalf("flags over env over defaults: %+v", c)
	}
}

func TestLoadErrorsSayWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"PARLEY_ADDR": "8080"}, nil, "not host:port"},
		{map[string]string{"DATABASE_URL": "mysql://x"}, nil, "postgres:// URL"},
		{map[string]string{"PARLEY_RECONNECT_WINDOW": "soon"}, nil, "not a duration"},
		{map[string]string{"PARLEY_DEMO": "maybe"}, nil, "not a boolean"},
		{nil, []string{"-agent-warning", "2m"}, "shorter than the reconnect window"},
		{nil, []string{"-log-level", "loud"}, "log level"},
		{nil, []string{"extra"}, "unexpected argument"},
		{map[string]string{"PARLEY_DATA": " "}, nil, "data directory"},
		{map[string]string{"PARLEY_NATS_URL": "nats://127.0.0.1:4222"}, nil, "cluster mode) needs PostgreSQL"},
		{map[string]string{"PARLEY_PROXY_HEADER": "X-Forwarded-For"}, nil, "needs PARLEY_TRUSTED_PROXIES"},
		{map[string]string{"PARLEY_PROXY_HEADER": "X-Forwarded-For", "PARLEY_TRUSTED_PROXIES": "10.0.0.1, nonsense"}, nil, "not an address"},
		{map[string]string{"PARLEY_VISITOR_CONNECTS_PER_MINUTE": "many"}, nil, "not a whole number"},
		{map[string]string{"PARLEY_VISITOR_CONNECTS_PER_MINUTE": "-1"}, nil, "0 (no limit) or more"},
		{map[string]string{"PARLEY_PROXY_HEADER": "X Forwarded", "PARLEY_TRUSTED_PROXIES": "10.0.0.1"}, nil, "not a header name"},
		{map[string]string{"PARLEY_AGENT_CONNECTS_PER_MINUTE": "lots"}, nil, "PARLEY_AGENT_CONNECTS_PER_MINUTE=\"lots\" is not a whole number"},
		{map[string]string{"PARLEY_AGENT_CONNECTS_PER_MINUTE": "-5"}, nil, "agent connects per minute must be 0 (no limit) or more"},
		{map[string]string{"PARLEY_PPROF_ADDR": "6060"}, nil, "profiling address \"6060\" is not host:port"},
		{nil, []string{"-pprof-addr", "localhost"}, "not host:port"},
		{nil, []string{"-micc-addr", "12616"}, "not host:port"},
		{map[string]string{"PARLEY_MICC_ADDR": "127.0.0.1:7000"}, []string{"-addr", "127.0.0.1:7000"}, "must differ from the listen and profiling addresses"},
		{nil, []string{"-addr", "127.0.0.1:7000", "-pprof-addr", "127.0.0.1:7000"}, "must differ from the listen address"},
	} {
		_, err := Load(tc.args, env(tc.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v args %v: got %v, want an error containing %q", tc.env, tc.args, err, tc.want)
		}
	}
}

func TestLimitsAndProfiling(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.VisitorConnectsPerMinute != 120 || c.AgentConnectsPerMinute != 300 || c.PprofAddr != "" || len(c.Warnings()) != 0 {
		t.Fatalf("defaults: %+v, warnings %q", c, c.Warnings())
	}
	c, err = Load([]string{"-pprof-addr", "127.0.0.1:6061"}, env(map[string]string{
		"PARLEY_AGENT_CONNECTS_PER_MINUTE": "0", "PARLEY_PPROF_ADDR": "0.0.0.0:6060",
		"PARLEY_PROXY_HEADER": "X-Real-IP", "PARLEY_TRUSTED_PROXIES": "10.0.0.0/8, ::1",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.AgentConnectsPerMinute != 0 || c.PprofAddr != "127.0.0.1:6061" || c.ProxyHeader != "X-Real-IP" || strings.Join(c.TrustedProxies, " ") != "10.0.0.0/8 ::1" {
		t.Fatalf("set: %+v", c)
	}
	for addr, warn := range map[string]bool{"127.0.0.1:6060": false, "[::1]:6060": false, "localhost:6060": false, ":6060": true, "0.0.0.0:6060": true, "10.1.2.3:6060": true} {
		c.PprofAddr = addr
		if w := c.Warnings(); (len(w) == 1 && strings.Contains(w[0], "loopback")) != warn {
			t.Errorf("pprof on %s: warnings %q", addr, w)
		}
	}
}
