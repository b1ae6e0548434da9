package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// ErrForbiddenAddress is the refusal of an endpoint whose host is, or resolves to, an address
// of the server's own networks (loopback, private, link-local, carrier-grade NAT, unspecified,
// multicast): a tenant's admin could otherwise have Parley call services that are not meant
// to be reached from outside (server-side request forgery). Operators who run receivers on
// their own network allow them with PARLEY_WEBHOOK_ALLOW_PRIVATE.
var ErrForbiddenAddress = errors.New("webhook: the address belongs to a private or local network")

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Forbidden reports whether a may not be called unless private addresses are allowed.
func Forbidden(a netip.Addr) bool {
	a = a.Unmap()
	return !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || cgnat.Contains(a) ||
		a == netip.IPv4Unspecified() || a.Is4() && a.As4()[0] == 0
}

// CheckURL refuses an endpoint URL whose host is a forbidden address or resolves only to
// forbidden ones, unless allowPrivate; it is what the admin pages say when an endpoint is
// saved. The check that counts is made again at every connection (see [dialControl]), so
// that a name that resolves differently later is still refused.
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
		return fmt.Errorf("webhook: %s cannot be resolved: %w", host, err)
	}
	for _, a := range addrs {
		if Forbidden(a) {
			return ErrForbiddenAddress
		}
	}
	return nil
}

// dialControl refuses, at the moment of connecting, an address that is forbidden: the name
// was resolved by the dialer, so a host name that resolves to a private address (or changes
// to one after the endpoint was saved) is refused too.
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
