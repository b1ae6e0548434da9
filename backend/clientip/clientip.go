// Package clientip decides which address a request comes from, so that per-address limits,
// address blocks and logs see the visitor rather than a reverse proxy in front of Parley.
//
// Behind a proxy every connection comes from the proxy, which names the client in a header:
// X-Forwarded-For, X-Real-IP, or the standard Forwarded (RFC 7239). Such a header is believed
// only from the configured trusted proxies, because anyone else could write anything into it.
// Even from a trusted proxy only its right end is believed: X-Forwarded-For is a list to which
// each proxy appends the address the request came to it from, so everything further left is
// whatever the client chose to send. The client is therefore the right-most address in the
// header that is not itself a trusted proxy; a value that is not an address stops the search,
// and the request is then counted as the proxy's own.
//
// Fiber's own ProxyHeader handling takes the left-most valid address, which the client
// chooses, so [Resolver.Handler] replaces the header by the one address found here before
// anything reads it. Fiber's c.IP() then gives the client's address everywhere: limiters,
// address blocks, the WebSocket connections. [Resolver.Configure] also makes Fiber believe
// X-Forwarded-Proto and X-Forwarded-Host only from the trusted proxies.
package clientip

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Resolver finds the client's address of requests that come through trusted proxies.
type Resolver struct {
	header    string
	forwarded bool // header is RFC 7239 Forwarded
	trusted   []netip.Prefix
}

// New returns a resolver that believes header (empty: no header, the connection's address is
// the client's) from the proxies in trusted: addresses or CIDR ranges.
func New(header string, trusted []string) (*Resolver, error) {
	r := &Resolver{header: header, forwarded: strings.EqualFold(header, "Forwarded")}
	var errs []error
	if header != "" && !validHeaderName(header) {
		errs = append(errs, fmt.Errorf("proxy header %q is not a header name (e.g. X-Forwarded-For)", header))
	}
	for _, s := range trusted {
		p, err := parsePrefix(strings.TrimSpace(s))
		if err != nil {
			errs = append(errs, fmt.Errorf("trusted proxy %q is not an address or CIDR range (e.g. 10.0.0.7 or 10.0.0.0/8)", s))
			continue
		}
		r.trusted = append(r.trusted, p)
	}
	if header != "" && len(r.trusted) == 0 {
		errs = append(errs, errors.New("a proxy header needs trusted proxies: name the proxies whose header may be believed"))
	}
	return r, errors.Join(errs...)
}

// parsePrefix reads a trusted proxy: an address (a prefix of its full length) or a CIDR range.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil || p.Addr().Zone() != "" {
			return netip.Prefix{}, errors.New("not a CIDR range")
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, errors.New("not an address")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// validHeaderName reports whether s is an HTTP header name (an RFC 9110 token).
func validHeaderName(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return false
		}
	}
	return s != ""
}

// Configure sets Fiber's proxy settings: the header, believed only from the trusted proxies
// (which also holds for X-Forwarded-Proto and X-Forwarded-Host), and validated, so that
// c.IP() is always an address. Use it together with [Resolver.Handler].
func (r *Resolver) Configure(cfg *fiber.Config) {
	cfg.EnableTrustedProxyCheck = true
	cfg.TrustedProxies = make([]string, 0, len(r.trusted))
	for _, p := range r.trusted {
		cfg.TrustedProxies = append(cfg.TrustedProxies, p.String())
	}
	cfg.ProxyHeader = r.header
	cfg.EnableIPValidation = true
}

// Handler returns the middleware that replaces the proxy header of a request from a trusted
// proxy by the client's address, or removes it when the header names no usable address (the
// request then counts as the proxy's). It must run before anything reads c.IP().
func (r *Resolver) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if r.header == "" {
			return c.Next()
		}
		peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
		if !ok || !r.isTrusted(peer.Unmap()) {
			// Fiber ignores the header of an untrusted peer.
			return c.Next()
		}
		h := &c.Request().Header
		values := h.PeekAll(r.header)
		lines := make([]string, len(values))
		for i, v := range values {
			lines[i] = string(v)
		}
		if client, ok := r.resolve(lines); ok {
			h.Set(r.header, client.String())
		} else {
			h.Del(r.header)
		}
		return c.Next()
	}
}

// isTrusted reports whether a is one of the trusted proxies.
func (r *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// resolve finds the client in the header's lines (a header may be sent more than once; the
// lines form one list): the right-most address that is not a trusted proxy, or the left-most
// one when all are. It reports false when there is no address, or when a value that is not an
// address comes before the client is found.
func (r *Resolver) resolve(lines []string) (netip.Addr, bool) {
	list := strings.Join(lines, ",")
	if strings.TrimSpace(list) == "" {
		return netip.Addr{}, false
	}
	for {
		i := strings.LastIndexByte(list, ',')
		a, ok := r.element(list[i+1:])
		if !ok {
			return netip.Addr{}, false
		}
		if i < 0 || !r.isTrusted(a) {
			return a, true
		}
		list = list[:i]
	}
}

// element parses one element of the list: an address, optionally with a port ("192.0.2.1",
// "192.0.2.1:4711", "2001:db8::1", "[2001:db8::1]:4711"), or for Forwarded the element's for=
// parameter in those forms.
func (r *Resolver) element(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if r.forwarded {
		found := false
		for param := range strings.SplitSeq(s, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			if strings.EqualFold(k, "for") {
				s, found = strings.Trim(v, `"`), true
				break
			}
		}
		if !found {
			return netip.Addr{}, false
		}
	}
	return parseAddr(s)
}

// parseAddr parses an address with or without a port, bracketed or not; zones are refused.
func parseAddr(s string) (netip.Addr, bool) {
	var a netip.Addr
	if ap, err := netip.ParseAddrPort(s); err == nil {
		a = ap.Addr()
	} else {
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			s = s[1 : len(s)-1]
		}
		if a, err = netip.ParseAddr(s); err != nil {
			return netip.Addr{}, false
		}
	}
	if a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// Bucket returns the key under which per-address limits count a client address (as c.IP()
// gives it): the address itself for IPv4, and its /64 network for IPv6, because one IPv6
// subscriber usually holds a whole /64 and could otherwise change address for every attempt.
func Bucket(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}
