package admin

import (
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// loginLimiter counts sign-in attempts per client address in fixed windows. It is a few
// lines of its own rather than Fiber's limiter middleware so that it starts no background
// goroutine: expired windows are dropped while counting.
type loginLimiter struct {
	max    int
	window time.Duration

	mu      sync.Mutex
	windows map[string]*attempts
}

type attempts struct {
	n     int
	reset time.Time
}

// maxTrackedAddresses bounds the limiter's memory under a flood from many addresses.
const maxTrackedAddresses = 100_000

func newLoginLimiter(max int, window time.Duration) *loginLimiter {
	return &loginLimiter{max: max, window: window, windows: map[string]*attempts{}}
}

// allow counts one attempt from addr and reports whether it is within the limit.
func (l *loginLimiter) allow(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.windows) >= maxTrackedAddresses {
		for k, a := range l.windows {
			if now.After(a.reset) {
				delete(l.windows, k)
			}
		}
	}
	a := l.windows[addr]
	if a == nil || now.After(a.reset) {
		if a == nil && len(l.windows) >= maxTrackedAddresses {
			return false // still flooded after the sweep: refuse rather than grow
		}
		a = &attempts{reset: now.Add(l.window)}
		l.windows[addr] = a
	}
	a.n++
	return a.n <= l.max
}

// handler refuses with refuse once an address is over the limit.
func (l *loginLimiter) handler(refuse fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !l.allow(c.IP(), time.Now()) {
			return refuse(c)
		}
		return c.Next()
	}
}
