package webhook

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// A signature verifies with its secret and body only, and not when its time is too old.
func TestSignVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"evt_1","type":"chat.message"}`)
	h := Sign("whsec_a", now, body)
	if !strings.HasPrefix(h, "t=1800000000,v1=") || len(h) != len("t=1800000000,v1=")+64 {
		t.Fatalf("header %q", h)
	}
	if err := Verify("whsec_a", h, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		secret, header string
		body           []byte
		at             time.Time
	}{
		"other secret":  {"whsec_b", h, body, now},
		"changed body":  {"whsec_a", h, []byte(`{"id":"evt_2","type":"chat.message"}`), now},
		"too old":       {"whsec_a", h, body, now.Add(6 * time.Minute)},
		"from future":   {"whsec_a", h, body, now.Add(-6 * time.Minute)},
		"other time":    {"whsec_a", strings.Replace(h, "t=1800000000", "t=1800000001", 1), body, now},
		"no signature":  {"whsec_a", "t=1800000000", body, now},
		"empty":         {"whsec_a", "", body, now},
		"huge time":     {"whsec_a", "t=99999999999999999999999,v1=00", body, now},
		"NUL in header": {"whsec_a", "t=1800000000\x00,v1=00", body, now},
	} {
		if err := Verify(c.secret, c.header, c.body, c.at, 5*time.Minute); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A receiver rolling its secret accepts either of two signatures.
	two := h + ",v1=" + strings.Repeat("0", 64)
	if err := Verify("whsec_a", two, body, now, 0); err != nil {
		t.Errorf("a second v1 value hides the first: %v", err)
	}
}

// Addresses of the server's own networks are refused, public ones are not.
func TestForbidden(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "127.5.5.5", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
		"fe80::1", "fc00::1", "100.64.0.1", "0.0.0.0", "::", "224.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "0.1.2.3"} {
		if !Forbidden(netip.MustParseAddr(s)) {
			t.Errorf("%s is allowed", s)
		}
	}
	for _, s := range []string{"93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "100.128.0.1", "172.32.0.1"} {
		if Forbidden(netip.MustParseAddr(s)) {
			t.Errorf("%s is refused", s)
		}
	}
}

// CheckURL refuses private hosts, literal or by name, unless they are allowed.
func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"http://127.0.0.1:8080/hook", "https://[::1]/x", "http://localhost/hook", "http://169.254.169.254/latest/meta-data",
		"http://10.0.0.5/", "http://[::ffff:192.168.0.1]/"} {
		if err := CheckURL(ctx, u, false); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: %v", u, err)
		}
		if err := CheckURL(ctx, u, true); err != nil {
			t.Errorf("%s allowed: %v", u, err)
		}
	}
	if err := CheckURL(ctx, "https://93.184.216.34/hook", false); err != nil {
		t.Errorf("a public address: %v", err)
	}
	if err := CheckURL(ctx, "https://no-such-host.invalid/hook", false); err == nil {
		t.Error("a host that does not resolve passes")
	}
}
