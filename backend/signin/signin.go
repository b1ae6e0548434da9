// Package signin checks password sign-ins for every door that takes one — the agent app's API
// and the admin pages — against one shared budget, so that guessing is slow wherever it is
// tried, and answers so that nobody learns whether an account exists.
//
// Two limits apply to every attempt. Per client address (an IPv6 client's /64, see package
// clientip): at most PerAddress attempts per AddressWindow; attempts that succeed are given
// back, so colleagues behind one office address do not use up each other's budget by signing
// in. Per login, whatever the address, so that an attacker with many addresses gets no more
// guesses: FreeFailures wrong passwords in a row are allowed, then the login is locked for
// FirstLockout, and every further failure doubles the lockout up to MaxLockout. A locked login
// is refused without looking at the password, so even the right one waits the lockout out; a
// success clears the count, and so does a quiet Forget period.
//
// Unknown logins are counted and locked exactly like real ones, and inactive accounts are
// refused like wrong passwords. The password of an unknown login is checked against a dummy
// hash made with the same Argon2id parameters as real ones, so a wrong login costs the same
// ~30 ms as a wrong password and the time of the answer tells nothing either.
//
// The counts live in memory, per server process, bounded in size. Argon2id needs 64 MiB per
// verification, so only a few run at once; the others wait their turn.
package signin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/clientip"
	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
)

// Users finds accounts by login; *store.Store implements it.
type Users interface {
	UserByLogin(ctx context.Context, login string) (store.User, error)
}

// Limits are the budgets of sign-in attempts. Zero fields take the defaults.
type Limits struct {
	// PerAddress attempts are allowed per client address and AddressWindow (10 per minute).
	PerAddress    int
	AddressWindow time.Duration
	// FreeFailures wrong passwords in a row are allowed per login before it is locked (5).
	FreeFailures int
	// FirstLockout is the first lockout of a login (1 minute); each further failure doubles
	// it, up to MaxLockout (15 minutes).
	FirstLockout time.Duration
	MaxLockout   time.Duration
	// Forget is how long after its last failure a login starts afresh (1 hour).
	Forget time.Duration
}

func (l *Limits) defaults() {
	if l.PerAddress <= 0 {
		l.PerAddress = 10
	}
	if l.AddressWindow <= 0 {
		l.AddressWindow = time.Minute
	}
	if l.FreeFailures <= 0 {
		l.FreeFailures = 5
	}
	if l.FirstLockout <= 0 {
		l.FirstLockout = time.Minute
	}
	if l.MaxLockout < l.FirstLockout {
		l.MaxLockout = max(15*time.Minute, l.FirstLockout)
	}
	if l.Forget <= 0 {
		l.Forget = time.Hour
	}
}

// ErrWrong answers every refused password: a wrong one, an unknown login, an inactive
// account, so that the answer tells nothing more.
var ErrWrong = errors.New("the login or password is wrong")

// LimitedError refuses an attempt that was not checked at all, because the address or the
// login has used its budget. Answer it with 429 and a Retry-After header.
type LimitedError struct {
	// RetryAfter is how long until an attempt is admitted again.
	RetryAfter time.Duration
	// Login tells whether the login is locked (true) or the address is over its limit.
	Login bool
}

// Error says what happened and when to try again, in words for the person signing in.
func (e *LimitedError) Error() string {
	if e.Login {
		return "too many wrong passwords for this login: it is locked, try again in " + wait(e.RetryAfter)
	}
	return "too many sign-in attempts from your address: try again in " + wait(e.RetryAfter)
}

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up, for the Retry-After header.
func (e *LimitedError) RetryAfterSeconds() int {
	return max(1, int((e.RetryAfter+time.Second-1)/time.Second))
}

// wait says a duration in words: seconds up to a minute and a half, minutes beyond.
func wait(d time.Duration) string {
	s := max(1, int((d+time.Second-1)/time.Second))
	switch {
	case s == 1:
		return "1 second"
	case s <= 90:
		return fmt.Sprintf("%d seconds", s)
	default:
		return fmt.Sprintf("%d minutes", (s+59)/60)
	}
}

// maxTracked bounds each table (addresses, logins) under a flood of distinct keys.
const maxTracked = 100_000

// Guard checks sign-ins. One Guard must serve every sign-in door of the server, so that they
// share the budgets. It is safe for concurrent use.
type Guard struct {
	users  Users
	limits Limits
	log    *slog.Logger
	// now and verify are the clock and the password check; tests count the checks.
	now    func() time.Time
	verify func(hash, pw string) (bool, error)
	// slots bounds concurrent Argon2id verifications (each takes 64 MiB).
	slots chan struct{}

	mu     sync.Mutex
	addrs  map[string]*window
	logins map[string]*account
}

// window counts an address's attempts until reset.
type window struct {
	n     int
	reset time.Time
}

// account is what is known about a login's recent attempts.
type account struct {
	failures int       // wrong passwords in a row
	last     time.Time // the last failure
	locked   time.Time // refused until then
	pending  int       // attempts being checked now
}

// New returns a guard over users with the given limits (zero fields: the defaults); log may be
// nil.
func New(users Users, limits Limits, log *slog.Logger) *Guard {
	limits.defaults()
	if log == nil {
		log = slog.Default()
	}
	// Make the dummy hash now, off the request path, so that the first unknown login is not
	// slower than the rest.
	go dummyHash()
	return &Guard{
		users: users, limits: limits, log: log, now: time.Now, verify: password.Verify,
		slots:  make(chan struct{}, max(4, 2*runtime.GOMAXPROCS(0))),
		addrs:  map[string]*window{},
		logins: map[string]*account{},
	}
}

// dummyHash is the hash unknown logins' passwords are checked against: of a random password
// nobody knows, with the parameters of real hashes.
var dummyHash = sync.OnceValue(func() string {
	h, err := password.Hash(token.NewSecret())
	if err != nil {
		panic("signin: dummy hash: " + err.Error())
	}
	return h
})

// SignIn checks login and password from the client address addr (as c.IP() gives it). It
// returns the active user on success, [ErrWrong] for any refused password, a *[LimitedError]
// when the attempt is over a budget and was not checked, or the store's error.
func (g *Guard) SignIn(ctx context.Context, addr, login, pw string) (store.User, error) {
	bucket, key := clientip.Bucket(addr), token.Hash(store.NormalizeLogin(login))
	if err := g.admit(bucket, key); err != nil {
		return store.User{}, err
	}
	u, err := g.check(ctx, login, pw)
	g.settle(bucket, key, err)
	return u, err
}

// admit reserves an attempt for the address and the login, or says why not.
func (g *Guard) admit(bucket, key string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	w := g.addrs[bucket]
	if w == nil || !now.Before(w.reset) {
		if w == nil {
			g.makeRoom(now)
		}
		w = &window{reset: now.Add(g.limits.AddressWindow)}
		g.addrs[bucket] = w
	}
	if w.n >= g.limits.PerAddress {
		return &LimitedError{RetryAfter: w.reset.Sub(now)}
	}
	a := g.logins[key]
	if a == nil {
		g.makeRoom(now)
		a = &account{}
		g.logins[key] = a
	} else if a.pending == 0 && !now.Before(a.locked) && now.Sub(a.last) >= g.limits.Forget {
		*a = account{}
	}
	if now.Before(a.locked) {
		return &LimitedError{Login: true, RetryAfter: a.locked.Sub(now)}
	}
	// Attempts being checked count too, so that parallel guesses get no more than serial ones.
	if a.pending >= max(1, g.limits.FreeFailures-a.failures) {
		return &LimitedError{Login: true, RetryAfter: time.Second}
	}
	w.n++
	a.pending++
	return nil
}

// settle books the outcome of an admitted attempt.
func (g *Guard) settle(bucket, key string, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	a := g.logins[key]
	if a == nil { // evicted meanwhile; there is nothing to book
		a = &account{pending: 1}
	}
	a.pending--
	switch {
	case err == nil:
		if w := g.addrs[bucket]; w != nil && w.n > 0 {
			w.n--
		}
		a.failures, a.locked = 0, time.Time{}
	case errors.Is(err, ErrWrong):
		a.failures++
		a.last = now
		if over := a.failures - g.limits.FreeFailures; over >= 0 {
			lock := g.limits.MaxLockout
			if over < 30 {
				lock = min(g.limits.MaxLockout, g.limits.FirstLockout<<over)
			}
			a.locked = now.Add(lock)
		}
	}
}

// makeRoom keeps the tables within maxTracked: it drops what has expired and, if that is not
// enough, entries that hold no lock and no attempt in progress. Called with g.mu held.
func (g *Guard) makeRoom(now time.Time) {
	if len(g.addrs) >= maxTracked {
		for k, w := range g.addrs {
			if !now.Before(w.reset) {
				delete(g.addrs, k)
			}
		}
		for k := range g.addrs {
			if len(g.addrs) < maxTracked*9/10 {
				break
			}
			delete(g.addrs, k)
		}
	}
	if len(g.logins) >= maxTracked {
		for k, a := range g.logins {
			if a.pending == 0 && !now.Before(a.locked) && (now.Sub(a.last) >= g.limits.Forget || len(g.logins) >= maxTracked*9/10) {
				delete(g.logins, k)
			}
		}
	}
}

// check looks the login up and verifies the password, doing the same work whether or not the
// account exists.
func (g *Guard) check(ctx context.Context, login, pw string) (store.User, error) {
	u, err := g.users.UserByLogin(ctx, login)
	known := err == nil
	if !known && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, err
	}
	hash := u.PasswordHash
	if !known {
		hash = dummyHash()
	}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return store.User{}, ctx.Err()
	}
	ok, err := g.verify(hash, pw)
	<-g.slots
	if err != nil && known {
		g.log.Error("sign-in: stored password hash unreadable", "user", u.ID, "err", err)
	}
	if !ok || !known || !u.Active {
		return store.User{}, ErrWrong
	}
	return u, nil
}
