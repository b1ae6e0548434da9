package desk

import "github.com/parleychat/parley/shared/protocol"

// Close codes a browser reports for closes the server did not choose (RFC 6455).
const (
	// CloseNormal is a deliberate close, as when signing out.
	CloseNormal = 1000
	// CloseAbnormal is a dropped connection: network loss, server gone.
	CloseAbnormal = 1006
)

// AfterClose says what to do when the connection closed with code: reconnect (and resume),
// sign in again, or stop. Codes outside the protocol's ranges (network drops, proxies) mean
// reconnect; 4000-4499 reconnect; 4502 sign in again; other codes from 4500 stop.
func AfterClose(code int) (reconnect, signIn bool) {
	switch {
	case code == CloseNormal:
		return false, false
	case code == int(protocol.CloseUnauthorized):
		return false, true
	case code >= 4000 && code < 5000:
		return protocol.CloseCode(code).Reconnect(), false
	}
	return true, false
}

// Dropped records that the connection is gone and will be retried.
func (d *Desk) Dropped() {
	if d.SignedIn {
		d.Link = LinkReconnecting
	} else {
		d.Link = LinkConnecting
	}
	for _, c := range d.Chats {
		c.VisitorTyping, c.Preview = false, ""
	}
}

// Connecting records that a connection is being opened.
func (d *Desk) Connecting() {
	if d.Link == LinkOffline {
		d.Link = LinkConnecting
	}
}
