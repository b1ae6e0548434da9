// Package egress is how Parley calls services its tenants name (webhook endpoints, report
// export receivers): the guard against server-side request forgery and the HTTP client that
// applies it. A tenant's admin types the URLs, so without the guard they could have Parley
// call services of the server's own network that are not meant to be reached from outside.
// Operators who run receivers on their own network allow them with
// PARLEY_WEBHOOK_ALLOW_PRIVATE.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// ErrForbiddenAddress is the refusal of a URL whose host is, or resolves to, an address of
// the server's own networks (loopback, private, link-local, carrier-grade NAT, unspecified,
// multicast).
var ErrForbiddenAddress = errors.New("the address belongs to a private or local network")

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Forbidden reports whether a may not be called unless private addresses are allowed.
func Forbidden(a netip.Addr) bool {
	a = a.Unmap()
	return !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || cgnat.Contains(a) ||
		a == netip.IPv4Unspecified() || a.Is4() && a.As4()[0] == 0
}

// CheckURL refuses a URL whose host is a forbidden address or resolves only to forbidden
// ones, unless allowPrivate; it is what the admin pages say when a URL is saved. The check
// that counts is made again at every connection (see [NewClient]), so that a name that
// resolves differently later is still refused.
func CheckURL(ctx context.Context, raw string, allowPrivate bool) error {
	if allowPrivate {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if Forbidden(a) {
			return ErrForbiddenAddress
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("%s cannot be resolved: %w", host, err)
	}
	for _, a := range addrs {
		if Forbidden(a) {
			return ErrForbiddenAddress
		}
	}
	return nil
}

// NewClient returns an HTTP client for tenants' URLs: no proxy (a proxy would connect for
// it, past the address check), no redirects followed (the answer is a redirect), forbidden
// addresses refused at the moment of connecting unless allowPrivate, and every request
// bounded by timeout from connecting to the end of the answer.
func NewClient(allowPrivate bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: dialControl(allowPrivate)}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// dialControl refuses, at the moment of connecting, an address that is forbidden: the name
// was resolved by the dialer, so a host name that resolves to a private address (or changes
// to one after the URL was saved) is refused too.
func dialControl(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil || Forbidden(ap.Addr()) {
			return ErrForbiddenAddress
		}
		return nil
	}
}

// SnippetRunes is as much of an answer's body as [Snippet] keeps.
const SnippetRunes = 300

// Snippet is the start of an answer's body as one line of valid text, for a delivery log.
func Snippet(b []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if utf8.RuneCountInString(s) > SnippetRunes {
		s = string([]rune(s)[:SnippetRunes]) + "…"
	}
	return s
}
