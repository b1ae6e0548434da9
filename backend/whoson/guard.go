package whoson

import (
	"sync"
	"time"
)

// Guard blocks, for a while, the addresses of clients that keep failing: wrong credentials or
// domains on Connect, frames that are not commands, unknown or malformed commands (the
// document's temporary blacklisting of hosts that send invalid data). It is pure: the caller
// passes the time.
type Guard struct {
	// Limit failures within Window block the address for BlockFor.
	Limit    int
	Window   time.Duration
	BlockFor time.Duration

	mu    sync.Mutex
	addrs map[string]*record
}

// record is what the guard knows of one address.
type record struct {
	fails        []time.Time // within the window, oldest first
	blockedUntil time.Time
}

// The defaults of [NewGuard]: five failures within ten minutes block an address for fifteen.
const (
	DefaultFailLimit  = 5
	DefaultFailWindow = 10 * time.Minute
	DefaultBlockFor   = 15 * time.Minute
)

// maxTracked bounds the addresses the guard remembers; beyond it, the stale ones are swept.
const maxTracked = 100_000

// NewGuard returns a guard with the default limits.
func NewGuard() *Guard {
	return &Guard{Limit: DefaultFailLimit, Window: DefaultFailWindow, BlockFor: DefaultBlockFor}
}

// Blocked reports whether the address is blocked at now.
func (g *Guard) Blocked(addr string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.addrs[addr]
	return r != nil && now.Before(r.blockedUntil)
}

// Fail counts a failure of the address at now and reports whether the address is blocked
// after it.
func (g *Guard) Fail(addr string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.addrs == nil {
		g.addrs = map[string]*record{}
	}
	if len(g.addrs) >= maxTracked {
		g.sweep(now)
	}
	r := g.addrs[addr]
	if r == nil {
		r = &record{}
		g.addrs[addr] = r
	}
	if now.Before(r.blockedUntil) {
		return true
	}
	kept := r.fails[:0]
	for _, t := range r.fails {
		if now.Sub(t) < g.Window {
			kept = append(kept, t)
		}
	}
	r.fails = append(kept, now)
	if len(r.fails) >= g.Limit {
		r.blockedUntil = now.Add(g.BlockFor)
		r.fails = nil
		return true
	}
	return false
}

// sweep forgets addresses neither blocked nor failing within the window. Caller holds g.mu.
func (g *Guard) sweep(now time.Time) {
	for a, r := range g.addrs {
		if now.Before(r.blockedUntil) {
			continue
		}
		if n := len(r.fails); n == 0 || now.Sub(r.fails[n-1]) >= g.Window {
			delete(g.addrs, a)
		}
	}
}
