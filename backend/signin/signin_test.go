package signin

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/store"
)

// fixture is a guard over a real store with an active and an inactive account, a clock the
// test moves, and a record of the password checks the guard makes.
type fixture struct {
	g      *Guard
	mu     sync.Mutex
	clock  time.Time
	hashes []string // the hash of every password check, in order
}

const secret = "correct horse battery staple"

// cheap are Argon2id parameters that keep tests fast where the cost does not matter.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newFixture(t *testing.T, limits Limits, params password.Params) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	hash, err := password.HashWithParams(secret, params)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []store.User{
		{Login: "anna@test.parley", Name: "Anna", Active: true},
		{Login: "gone@test.parley", Name: "Gone", Active: false},
	} {
		u.Role, u.PasswordHash = store.RoleSuperAdmin, hash
		if _, err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{clock: time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)}
	f.g = New(st, limits, nil)
	f.g.now = func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.clock }
	f.g.verify = func(hash, pw string) (bool, error) {
		f.mu.Lock()
		f.hashes = append(f.hashes, hash)
		f.mu.Unlock()
		return password.Verify(hash, pw)
	}
	return f
}

func (f *fixture) advance(d time.Duration) { f.mu.Lock(); f.clock = f.clock.Add(d); f.mu.Unlock() }

func (f *fixture) checks() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.hashes) }

func (f *fixture) try(addr, login, pw string) error {
	_, err := f.g.SignIn(context.Background(), addr, login, pw)
	return err
}

// limited returns the refusal's details, or fails the test when err is not one.
func limited(t *testing.T, err error) *LimitedError {
	t.Helper()
	var l *LimitedError
	if !errors.As(err, &l) {
		t.Fatalf("want a refusal for the limit, got %v", err)
	}
	return l
}

// An unknown login, an inactive account and a wrong password get the same answer after the
// same work: one Argon2id check with the parameters of real hashes.
func TestSameWorkForEveryRefusal(t *testing.T) {
	f := newFixture(t, Limits{}, password.DefaultParams())
	for i, login := range []string{"anna@test.parley", "nobody@test.parley", "gone@test.parley"} {
		pw := "wrong"
		if login == "gone@test.parley" {
			pw = secret
		}
		if err := f.try("192.0.2.1", login, pw); !errors.Is(err, ErrWrong) || err.Error() != ErrWrong.Error() {
			t.Fatalf("%s: %v", login, err)
		}
		if f.checks() != i+1 {
			t.Fatalf("%s: %d password checks after %d attempts", login, f.checks(), i+1)
		}
		if h := f.hashes[i]; password.NeedsRehash(h) {
			t.Fatalf("%s was checked against %q, not a hash with the real parameters", login, h)
		}
	}
	if f.hashes[1] == f.hashes[0] {
		t.Fatal("the unknown login was checked against a real account's hash")
	}
	if err := f.try("192.0.2.1", "Anna@Test.Parley ", secret); err != nil {
		t.Fatalf("the right password: %v", err)
	}
}

// Wrong passwords for one login from ever new addresses lock it out, with a lockout that
// doubles; during a lockout even the right password is refused unchecked. A success clears it.
func TestLoginLockout(t *testing.T) {
	f := newFixture(t, Limits{}, cheap)
	addr := 0
	next := func() string { addr++; return fmt.Sprintf("198.51.100.%d", addr) }
	for i := range 5 {
		if err := f.try(next(), "anna@test.parley", "guess"); !errors.Is(err, ErrWrong) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	checks := f.checks()
	l := limited(t, f.try(next(), "anna@test.parley", secret))
	if !l.Login || l.RetryAfter != time.Minute || l.RetryAfterSeconds() != 60 || f.checks() != checks {
		t.Fatalf("after 5 failures: %+v, %d checks", l, f.checks()-checks)
	}
	if l.Error() != "too many wrong passwords for this login: it is locked, try again in 60 seconds" {
		t.Fatalf("message %q", l.Error())
	}
	f.advance(40 * time.Second)
	if l := limited(t, f.try(next(), "ANNA@test.parley", secret)); l.RetryAfter != 20*time.Second {
		t.Fatalf("later in the lockout: %+v", l)
	}
	// Each further failure doubles the lockout: 2, 4, 8 minutes, then 15 at most.
	for _, want := range []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute} {
		f.advance(time.Hour / 4)
		if err := f.try(next(), "anna@test.parley", "guess"); !errors.Is(err, ErrWrong) {
			t.Fatalf("after the lockout: %v", err)
		}
		if l := limited(t, f.try(next(), "anna@test.parley", secret)); l.RetryAfter != want {
			t.Fatalf("lockout %s, want %s", l.RetryAfter, want)
		}
	}
	if l := limited(t, f.try(next(), "anna@test.parley", secret)); l.Error() != "too many wrong passwords for this login: it is locked, try again in 15 minutes" {
		t.Fatalf("message %q", l.Error())
	}
	f.advance(15 * time.Minute)
	if err := f.try(next(), "anna@test.parley", secret); err != nil {
		t.Fatalf("the right password after the lockout: %v", err)
	}
	// The success cleared the count: five free failures again.
	for i := range 5 {
		if err := f.try(next(), "anna@test.parley", "guess"); !errors.Is(err, ErrWrong) {
			t.Fatalf("failure %d after a success: %v", i+1, err)
		}
	}
	limited(t, f.try(next(), "anna@test.parley", secret))
	// Unknown logins are locked just the same.
	for range 5 {
		_ = f.try(next(), "nobody@test.parley", "guess")
	}
	if l := limited(t, f.try(next(), "nobody@test.parley", "guess")); !l.Login || l.RetryAfter != time.Minute {
		t.Fatalf("unknown login: %+v", l)
	}
}

// A quiet hour forgets a login's failures.
func TestFailuresForgotten(t *testing.T) {
	f := newFixture(t, Limits{}, cheap)
	for range 4 {
		_ = f.try("192.0.2.1", "anna@test.parley", "guess")
	}
	f.advance(time.Hour)
	for i := range 4 {
		if err := f.try("192.0.2.2", "anna@test.parley", "guess"); !errors.Is(err, ErrWrong) {
			t.Fatalf("failure %d after an hour: %v", i+1, err)
		}
	}
}

// The address budget counts attempts on any login; successes are given back; IPv6 clients
// count by /64.
func TestAddressLimit(t *testing.T) {
	f := newFixture(t, Limits{PerAddress: 3}, cheap)
	for _, login := range []string{"anna@test.parley", "gone@test.parley", "anna@test.parley"} {
		if err := f.try("2001:db8:1:2::1", login, "guess"); !errors.Is(err, ErrWrong) {
			t.Fatal(err)
		}
	}
	l := limited(t, f.try("2001:db8:1:2::99", "gone@test.parley", "guess"))
	if l.Login || l.RetryAfter != time.Minute || l.Error() != "too many sign-in attempts from your address: try again in 60 seconds" {
		t.Fatalf("over the address limit: %+v %q", l, l.Error())
	}
	if err := f.try("2001:db8:1:3::1", "gone@test.parley", "guess"); !errors.Is(err, ErrWrong) {
		t.Fatalf("another /64: %v", err)
	}
	f.advance(time.Minute)
	for range 5 {
		if err := f.try("192.0.2.7", "anna@test.parley", secret); err != nil {
			t.Fatalf("successes use up no budget: %v", err)
		}
	}
}

// Parallel guesses get no more tries than serial ones: attempts being checked count. The
// password checks are held until every attempt has either reached one or been refused, so
// that all of them are in flight together.
func TestParallelGuesses(t *testing.T) {
	f := newFixture(t, Limits{PerAddress: 1000}, cheap)
	const attempts = 20
	var entered, refused atomic.Int32
	settled := make(chan struct{}, attempts)
	release := make(chan struct{})
	f.g.slots = make(chan struct{}, attempts) // room for every check this test lets in
	check := f.g.verify
	f.g.verify = func(hash, pw string) (bool, error) {
		entered.Add(1)
		settled <- struct{}{}
		<-release
		return check(hash, pw)
	}
	var wrong atomic.Int32
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f.try(fmt.Sprintf("192.0.2.%d", i+1), "anna@test.parley", "guess")
			var l *LimitedError
			switch {
			case errors.Is(err, ErrWrong):
				wrong.Add(1)
			case errors.As(err, &l) && l.Login:
				refused.Add(1)
				settled <- struct{}{}
			default:
				t.Errorf("attempt: %v", err)
				settled <- struct{}{}
			}
		}()
	}
	for range attempts {
		<-settled
		if entered.Load() > 5 {
			break
		}
	}
	close(release)
	wg.Wait()
	if wrong.Load() != 5 || refused.Load() != attempts-5 {
		t.Fatalf("%d passwords checked at once, %d refused; want 5 and %d", wrong.Load(), refused.Load(), attempts-5)
	}
}
