package mail

import (
	"errors"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/parleychat/parley/backend/outbox"
	"github.com/parleychat/parley/shared/backoff"
)

// Retry is the outbox's delivery policy (see [outbox.Retry]); the caller says whether a
// failure is [Permanent].
type Retry = outbox.Retry

// DefaultRetry tries a message 10 times over about three hours (30 s, 1, 2, 4, 8, 16, 32
// minutes, then hourly), long enough to ride out a mail server's restart or an admin fixing a
// password, short enough that a transcript still means something when it arrives.
var DefaultRetry = Retry{
	Backoff:     backoff.Policy{Initial: 30 * time.Second, Max: time.Hour, Jitter: 0.2},
	MaxAttempts: 10,
	Claim:       2 * time.Minute,
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
