// Package backoff spaces out a client's reconnection attempts: the visitor widget and the
// agent app both wait by it, so that a restarted server is not hit by every browser at once,
// a client that cannot connect does not spin, and a connection that held for a while gets a
// quick retry when it drops. It is the one reconnect policy of Parley's clients.
//
// It imports only the standard library and builds for GOOS=js GOARCH=wasm.
package backoff

import "time"

// The policy. The wait before the n-th attempt in a row is Initial doubled n-1 times, never
// more than Max, less a random share of up to Jitter of it: so the first retry comes after
// 250 to 500 ms and a client that keeps failing tries every 7.5 to 15 seconds.
const (
	// Initial is the delay before the first retry, before jitter.
	Initial = 500 * time.Millisecond
	// Max caps every wait, so that a client notices a recovered server soon.
	Max = 15 * time.Second
	// Jitter is the largest share of a delay taken off at random, which spreads the
	// reconnects of many clients that lost the same server at the same moment.
	Jitter = 0.5
	// Stable is how long a connection must have lasted for its loss to start the backoff
	// afresh; a connection that drops sooner (a server that accepts and fails) counts as one
	// more failure in a row.
	Stable = 10 * time.Second
)

// Delay is the wait before attempt n (1 for the first retry) when the random draw is r in
// [0, 1): r = 0 waits the whole exponential delay, r near 1 about (1-Jitter) of it.
func Delay(n int, r float64) time.Duration { return Reconnect.Delay(n, r) }

// Policy is an exponential backoff: the wait before the n-th attempt in a row is Initial
// doubled n-1 times, never more than Max, less a random share of up to Jitter of it. The
// clients reconnect by [Reconnect]; the server's outbox retries deliveries by a slower one.
type Policy struct {
	Initial, Max time.Duration
	Jitter       float64
}

// Reconnect is the clients' reconnect policy (the constants above).
var Reconnect = Policy{Initial: Initial, Max: Max, Jitter: Jitter}

// Delay is the wait before attempt n (1 for the first retry) when the random draw is r in
// [0, 1): r = 0 waits the whole exponential delay, r near 1 about (1-p.Jitter) of it.
func (p Policy) Delay(n int, r float64) time.Duration {
	d := p.Initial
	for i := 1; i < n && d < p.Max; i++ {
		if d > p.Max/2 { // doubling would pass the cap (or overflow)
			d = p.Max
			break
		}
		d *= 2
	}
	if d > p.Max {
		d = p.Max
	}
	if !(r > 0) { // also NaN
		return d
	}
	if r > 1 {
		r = 1
	}
	return d - time.Duration(r*p.Jitter*float64(d))
}

// Backoff is one client's reconnection state. The zero value is ready to use; it is not safe
// for concurrent use (each app calls it from its UI goroutine).
type Backoff struct {
	failures int
	upSince  time.Time
}

// Connected records that a connection was established at now.
func (b *Backoff) Connected(now time.Time) { b.upSince = now }

// Failed records that the connection was lost, or could not be made, at now, and returns how
// long to wait before the next attempt. A connection that had lasted [Stable] or longer
// starts the count afresh, so its loss is retried quickly. r is a random draw from [0, 1)
// that spreads the reconnects of many clients (see [Delay]): the apps pass their random
// source's, tests a fixed one. The randomness is the caller's so that each app uses the
// source it already has rather than linking another.
func (b *Backoff) Failed(now time.Time, r float64) time.Duration {
	if !b.upSince.IsZero() && now.Sub(b.upSince) >= Stable {
		b.failures = 0
	}
	b.upSince = time.Time{}
	b.failures++
	return Delay(b.failures, r)
}

// Failures counts the failures in a row: a client shows "connection problems" rather than
// "reconnecting" once it has failed a few times.
func (b *Backoff) Failures() int { return b.failures }
