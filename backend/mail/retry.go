package mail

import (
	"errors"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/parleychat/parley/shared/backoff"
)

// Retry is the outbox's delivery policy: how long to wait after a failed attempt, after how
// many attempts to give up, and how long one attempt holds its message. It is pure: the
// caller passes the clock's time and the random draw, so the schedule is tested exactly.
type Retry struct {
	// Backoff spaces the attempts out.
	Backoff backoff.Policy
	// MaxAttempts bounds the attempts of one message; the last failure is kept with it.
	MaxAttempts int
	// Claim is how long an attempt holds its message: a worker that dies mid-attempt
	// (kill -9 between sending and recording) leaves the message due again after Claim.
	Claim time.Duration
}

// DefaultRetry tries a message 10 times over about three hours (30 s, 1, 2, 4, 8, 16, 32
// minutes, then hourly), long enough to ride out a mail server's restart or an admin fixing a
// password, short enough that a transcript still means something when it arrives.
var DefaultRetry = Retry{
	Backoff:     backoff.Policy{Initial: 30 * time.Second, Max: time.Hour, Jitter: 0.2},
	MaxAttempts: 10,
	Claim:       2 * time.Minute,
}

// After decides what follows attempt number attempt (1 for the first) that failed with err
// at now: the time of the next attempt, or giveUp when err is permanent or the attempts are
// used up. draw is a random number in [0, 1) that spreads retries (0 waits the whole delay).
func (r Retry) After(attempt int, err error, now time.Time, draw float64) (next time.Time, giveUp bool) {
	if Permanent(err) || attempt >= r.MaxAttempts {
		return now, true
	}
	return now.Add(r.Backoff.Delay(attempt, draw)), false
}

// Permanent reports whether a delivery error will not go away by trying again: the server
// refused the recipient or the sender for good (a 5xx reply to RCPT TO or MAIL FROM), or the
// message cannot be built (an address the mail library refuses). Everything else — the server
// unreachable, a TLS or sign-in failure, a 4xx reply, a timeout, no settings yet — is retried
// until the attempts run out, because an admin may fix it in the meantime.
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, errUnbuildable) {
		return true
	}
	var se *gomail.SendError
	if !errors.As(err, &se) || se.IsTemp() {
		return false
	}
	switch se.Reason {
	case gomail.ErrGetSender, gomail.ErrGetRcpts:
		return true
	case gomail.ErrSMTPRcptTo, gomail.ErrSMTPMailFrom:
		code := se.ErrorCode()
		return code >= 500 && code < 600
	}
	return false
}

// errUnbuildable marks a message the mail library refuses to build (an address it cannot
// parse): sending it again cannot help.
var errUnbuildable = errors.New("the message cannot be built")
