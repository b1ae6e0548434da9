package mail

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/backoff"
)

// After spaces the retries by the backoff from the attempt that failed, gives up after the
// last attempt, and gives up at once on a permanent error.
func TestRetryAfter(t *testing.T) {
	r := Retry{Backoff: backoff.Policy{Initial: 30 * time.Second, Max: time.Hour, Jitter: 0.2}, MaxAttempts: 4, Claim: time.Minute}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	down := errors.New("dial tcp 127.0.0.1:25: connect: connection refused")
	for attempt, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute} {
		next, giveUp := r.After(attempt, Permanent(down), now, 0)
		if giveUp || !next.Equal(now.Add(want)) {
			t.Errorf("After(%d) = %v, %v; want %v later", attempt, next, giveUp, want)
		}
	}
	if next, giveUp := r.After(2, Permanent(down), now, 0.5); giveUp || !next.Equal(now.Add(54*time.Second)) {
		t.Errorf("the draw takes off its share of the delay: %v", next.Sub(now))
	}
	if _, giveUp := r.After(4, Permanent(down), now, 0); !giveUp {
		t.Error("the last attempt's failure must give up")
	}
	if _, giveUp := r.After(99, Permanent(down), now, 0); !giveUp {
		t.Error("attempts past the bound must give up")
	}
	bad := fmt.Errorf("build: %w", errUnbuildable)
	if _, giveUp := r.After(1, Permanent(bad), now, 0); !giveUp {
		t.Error("a message that cannot be built is given up at once")
	}
	if Permanent(nil) || Permanent(down) || Permanent(ErrNotConfigured) {
		t.Error("an unreachable server or missing settings may be fixed: not permanent")
	}
}

// The default policy gives a message hours, not seconds, and a bounded number of attempts.
func TestDefaultRetrySpansHours(t *testing.T) {
	var total time.Duration
	now := time.Unix(0, 0)
	for a := 1; ; a++ {
		next, giveUp := DefaultRetry.After(a, Permanent(errors.New("down")), now, 0)
		if giveUp {
			if a != DefaultRetry.MaxAttempts {
				t.Fatalf("gave up after %d attempts, want %d", a, DefaultRetry.MaxAttempts)
			}
			break
		}
		total += next.Sub(now)
	}
	if total < 2*time.Hour || total > 6*time.Hour {
		t.Errorf("the retries span %v", total)
	}
}

// The settings refuse what would break a connection or a header: a port out of range, a host
// with a port or a line break, an unknown TLS mode, a sender that is not one address, NUL.
func TestMailSettingsValidate(t *testing.T) {
	ok := store.MailSettings{TenantID: 1, Host: "smtp.example.com", Port: 587, TLS: store.MailTLSStartTLS, FromAddress: "chat@example.com"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	off := store.DefaultMailSettings(1)
	if err := off.Validate(); err != nil || off.Configured() {
		t.Fatalf("an empty host is e-mail off: %v %v", err, off.Configured())
	}
	for name, mod := range map[string]func(m *store.MailSettings){
		"port 0":          func(m *store.MailSettings) { m.Port = 0 },
		"port too big":    func(m *store.MailSettings) { m.Port = 1 << 20 },
		"host with port":  func(m *store.MailSettings) { m.Host = "smtp.example.com:25" },
		"host with CRLF":  func(m *store.MailSettings) { m.Host = "smtp\r\n.example.com" },
		"host with NUL":   func(m *store.MailSettings) { m.Host = "smtp\x00" },
		"TLS mode":        func(m *store.MailSettings) { m.TLS = "ssl" },
		"no sender":       func(m *store.MailSettings) { m.FromAddress = "" },
		"two senders":     func(m *store.MailSettings) { m.FromAddress = "a@example.com,b@example.com" },
		"sender header":   func(m *store.MailSettings) { m.FromAddress = "a@example.com\nBcc: x@example.com" },
		"name header":     func(m *store.MailSettings) { m.FromName = "Acme\r\nBcc: x@example.com" },
		"password NUL":    func(m *store.MailSettings) { m.Password = "a\x00b" },
		"user name CRLF":  func(m *store.MailSettings) { m.Username = "a\r\nb" },
		"huge from name":  func(m *store.MailSettings) { m.FromName = strings.Repeat("x", 101) },
		"sender no local": func(m *store.MailSettings) { m.FromAddress = "@example.com" },
	} {
		m := ok
		mod(&m)
		if err := m.Validate(); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
