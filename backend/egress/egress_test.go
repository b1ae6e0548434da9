package egress

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

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
