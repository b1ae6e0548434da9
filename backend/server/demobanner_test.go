package server

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/store"
)

// TestRunBannerReadsTheDemoLogins runs the sed script with which `make run` picks the demo
// logins out of the server's log for its banner on the log logDemo writes: a change of the
// log's wording or of the script that loses the logins fails here rather than in a newcomer's
// first run.
func TestRunBannerReadsTheDemoLogins(t *testing.T) {
	if _, err := exec.LookPath("sed"); err != nil {
		t.Skip("no sed")
	}
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`sed -n '([^']*DEMO account[^']*)'`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("the Makefile's run target has no sed script reading the DEMO account lines")
	}
	script := strings.ReplaceAll(string(m[1]), "$$", "$")
	for _, want := range []string{"/demo ", "/agent/", "/admin/", "demo-logins.txt", "-j$(JOBS)"} {
		if !bytes.Contains(mk, []byte(want)) {
			t.Errorf("the Makefile lacks %q (the banner's addresses and logins, the parallel build)", want)
		}
	}
	var log bytes.Buffer
	users := []store.DemoUser{{Login: "admin@demo.parley", Password: "kdaj-87rh-25g6-37tr", Role: store.RoleAdmin},
		{Login: "anna@demo.parley", Password: "psdx-jtuh-ghtx-gdqy", Role: store.RoleAgent}}
	logDemo(slog.New(slog.NewTextHandler(&log, nil)), store.DemoSeed{ConnectorHash: "h", Users: users})
	cmd := exec.Command("sed", "-n", script)
	cmd.Stdin = &log
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sed: %v", err)
	}
	want := "admin admin@demo.parley kdaj-87rh-25g6-37tr\nagent anna@demo.parley psdx-jtuh-ghtx-gdqy\n"
	if string(out) != want {
		t.Errorf("the banner reads %q from the log, want %q; log:\n%s", out, want, log.String())
	}
}
