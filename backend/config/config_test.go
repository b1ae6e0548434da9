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
		{map[string]string{"PARLEY_PROXY_HEADER": "X-Forwarded-For"}, nil, "needs PARLEY_TRUSTED_PROXIES"},
		{map[string]string{"PARLEY_PROXY_HEADER": "X-Forwarded-For", "PARLEY_TRUSTED_PROXIES": "10.0.0.1, nonsense"}, nil, "not an address"},
		{map[string]string{"PARLEY_VISITOR_CONNECTS_PER_MINUTE": "many"}, nil, "not a whole number"},
		{map[string]string{"PARLEY_VISITOR_CONNECTS_PER_MINUTE": "-1"}, nil, "0 (no limit) or more"},
		{map[string]string{"PARLEY_PROXY_HEADER": "X Forwarded", "PARLEY_TRUSTED_PROXIES": "10.0.0.1"}, nil, "not a header name"},
		{map[string]string{"PARLEY_AGENT_CONNECTS_PER_MINUTE": "lots"}, nil, "PARLEY_AGENT_CONNECTS_PER_MINUTE=\"lots\" is not a whole number"},
		{map[string]string{"PARLEY_AGENT_CONNECTS_PER_MINUTE": "-5"}, nil, "agent connects per minute must be 0 (no limit) or more"},
	} {
		_, err := Load(tc.args, env(tc.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v args %v: got %v, want an error containing %q", tc.env, tc.args, err, tc.want)
		}
	}
}

func TestAgentConnectLimit(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.VisitorConnectsPerMinute != 120 || c.AgentConnectsPerMinute != 300 {
		t.Fatalf("defaults: %+v", c)
	}
	if c, err = Load(nil, env(map[string]string{"PARLEY_AGENT_CONNECTS_PER_MINUTE": "0"}), io.Discard); err != nil || c.AgentConnectsPerMinute != 0 {
		t.Fatalf("no limit: %+v %v", c, err)
	}
}
