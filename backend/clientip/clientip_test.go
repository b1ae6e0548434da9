package clientip

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// client returns an HTTP client whose connections come from the loopback address from, so
// that a test can be a trusted proxy (127.0.0.1) or an untrusted one (127.0.0.2).
func client(from string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		DisableKeepAlives: true,
	}}
}

// serve runs a Fiber app configured by r that answers c.IP() and c.Protocol(), and returns
// its base URL.
func serve(t *testing.T, r *Resolver) string {
	t.Helper()
	cfg := fiber.Config{DisableStartupMessage: true}
	r.Configure(&cfg)
	app := fiber.New(cfg)
	app.Use(r.Handler())
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString(c.IP() + " " + c.Protocol()) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, c *http.Client, url string, header http.Header) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// Through real connections from a trusted and an untrusted address.
func TestServerSeesClient(t *testing.T) {
	r, err := New("X-Forwarded-For", []string{"127.0.0.1", "10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, r)
	proxy, stranger := client("127.0.0.1"), client("127.0.0.2")
	xff := func(vs ...string) http.Header { return http.Header{"X-Forwarded-For": vs} }
	for _, tc := range []struct {
		name   string
		from   *http.Client
		header http.Header
		want   string
	}{
		{"trusted proxy names the client", proxy, xff("203.0.113.7"), "203.0.113.7 http"},
		{"the client's own entries on the left are not believed", proxy, xff("198.51.100.1, 203.0.113.7"), "203.0.113.7 http"},
		{"trusted proxies on the right are skipped", proxy, xff("198.51.100.1, 203.0.113.7, 10.1.2.3"), "203.0.113.7 http"},
		{"a header sent twice is one list", proxy, xff("198.51.100.1", "203.0.113.7"), "203.0.113.7 http"},
		{"ports and IPv6", proxy, xff("[2001:db8::7]:4711"), "2001:db8::7 http"},
		{"not an address", proxy, xff("evil"), "127.0.0.1 http"},
		{"not an address on the right", proxy, xff("203.0.113.7, evil"), "127.0.0.1 http"},
		{"not an address on the left", proxy, xff("evil, 203.0.113.7"), "203.0.113.7 http"},
		{"empty", proxy, xff(""), "127.0.0.1 http"},
		{"no header", proxy, nil, "127.0.0.1 http"},
		{"forwarded proto from a trusted proxy", proxy, http.Header{"X-Forwarded-Proto": {"https"}}, "127.0.0.1 https"},
		{"untrusted source", stranger, xff("203.0.113.7"), "127.0.0.2 http"},
		{"forwarded proto from an untrusted source", stranger, http.Header{"X-Forwarded-Proto": {"https"}}, "127.0.0.2 http"},
	} {
		if got := get(t, tc.from, base, tc.header); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestForwardedHeader(t *testing.T) {
	r, err := New("Forwarded", []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, r)
	for header, want := range map[string]string{
		`for=192.0.2.60;proto=http;by=203.0.113.43`:        "192.0.2.60",
		`for=198.51.100.1, For="[2001:db8:cafe::17]:4711"`: "2001:db8:cafe::17",
		`for=unknown`:                 "127.0.0.1",
		`proto=https`:                 "127.0.0.1",
		`for=192.0.2.60, for=_hidden`: "127.0.0.1",
		`for="_gazonk", for=192.0.2.43;by=127.0.0.1;proto=https`: "192.0.2.43",
	} {
		if got := get(t, client("127.0.0.1"), base, http.Header{"Forwarded": {header}}); !strings.HasPrefix(got, want+" ") {
			t.Errorf("Forwarded: %s gave %q, want %s", header, got, want)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	for _, tc := range []struct {
		header  string
		trusted []string
		want    string
	}{
		{"X-Forwarded-For", nil, "needs trusted proxies"},
		{"X Forwarded", []string{"10.0.0.1"}, "not a header name"},
		{"X-Forwarded-For", []string{"10.0.0.1", "proxy.example"}, `"proxy.example" is not an address`},
		{"X-Forwarded-For", []string{"10.0.0.0/33"}, "not an address or CIDR"},
		{"X-Forwarded-For", []string{"fe80::1%eth0"}, "not an address"},
	} {
		if _, err := New(tc.header, tc.trusted); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q, %q): %v, want %q", tc.header, tc.trusted, err, tc.want)
		}
	}
	for _, trusted := range [][]string{nil, {"10.0.0.1", " 192.168.0.0/16", "::1", "::ffff:10.0.0.0/104"}} {
		if _, err := New("", trusted); err != nil {
			t.Errorf("%q: %v", trusted, err)
		}
	}
	r, _ := New("X-Real-IP", []string{"::ffff:10.0.0.0/104"})
	if !r.isTrusted(netip.MustParseAddr("10.9.9.9")) || r.isTrusted(netip.MustParseAddr("11.0.0.1")) {
		t.Error("an IPv4-mapped range does not hold its IPv4 addresses")
	}
}

func TestBucket(t *testing.T) {
	for ip, want := range map[string]string{
		"203.0.113.7":             "203.0.113.7",
		"::ffff:203.0.113.7":      "203.0.113.7",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9999": "2001:db8:1:2::/64",
		"not an address":          "not an address",
	} {
		if got := Bucket(ip); got != want {
			t.Errorf("Bucket(%s) = %s, want %s", ip, got, want)
		}
	}
}
