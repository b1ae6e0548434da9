package config

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWhosOnSettings(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil || c.WhosOnAddr != "" || c.GeoIPDB != "" {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	db := filepath.Join(t.TempDir(), "city.mmdb")
	if err := os.WriteFile(db, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load([]string{"-whoson-addr", "127.0.0.1:8009"}, env(map[string]string{"PARLEY_WHOSON_ADDR": ":9", "PARLEY_GEOIP_DB": db}), io.Discard)
	if err != nil || c.WhosOnAddr != "127.0.0.1:8009" || c.GeoIPDB != db {
		t.Fatalf("set: %+v %v", c, err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"PARLEY_WHOSON_ADDR": "8009"}, "WhosOn address \"8009\" is not host:port"},
		{map[string]string{"PARLEY_WHOSON_ADDR": ":8080"}, "must differ from the listen and profiling addresses"},
		{map[string]string{"PARLEY_GEOIP_DB": filepath.Join(t.TempDir(), "missing.mmdb")}, "is not a readable file"},
		{map[string]string{"PARLEY_GEOIP_DB": t.TempDir()}, "is not a readable file"},
	} {
		if _, err := Load(nil, env(tc.env), io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v: got %v, want %q", tc.env, err, tc.want)
		}
	}
}
