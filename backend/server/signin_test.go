package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/api"
)

// answer is what a sign-in attempt got back.
type answer struct {
	status     int
	body       string
	retryAfter string
}

// apiSignIn signs in through the agent app's API as a client at addr (sent through the
// trusted-proxy header).
func apiSignIn(t *testing.T, env *servertest.Env, addr, login, pw string) answer {
	t.Helper()
	b, _ := json.Marshal(api.LoginRequest{Login: login, Password: pw})
	req, _ := http.NewRequest("POST", env.URL+"/api/login", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	return send(t, req)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// adminSignIn signs in through the admin pages' form as a browser at addr would: the form
// first, then its submission with the form's token and cookie.
func adminSignIn(t *testing.T, env *servertest.Env, addr, login, pw string) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", env.URL+"/admin/login", nil)
	req.Header.Set("X-Forwarded-For", addr)
	page := send(t, req)
	m := csrfField.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no token on the sign-in page: %d", page.status)
	}
	form := url.Values{"login": {login}, "password": {pw}, "_csrf": {m[1]}}
	req, _ = http.NewRequest("POST", env.URL+"/admin/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", "parley_admin_login="+m[1])
	req.Header.Set("X-Forwarded-For", addr)
	return send(t, req)
}

func send(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b), resp.Header.Get("Retry-After")}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// signInServer is a server behind this test as its trusted proxy, with accounts whose
// passwords are cheap to check (the guard's limits do not depend on the cost).
func signInServer(t *testing.T, logins ...string) *servertest.Env {
	t.Helper()
	env := servertest.Start(t, behindProxy("127.0.0.1", 0, 0))
	hash, err := password.HashWithParams("right password", password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	for _, login := range logins {
		if _, err := env.Server.Store().CreateUser(ctxT(t), store.User{TenantID: env.Demo.TenantID, Login: login, Name: login,
			Role: store.RoleAdmin, Active: true, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
	}
	return env
}

// An unknown login and a known one with a wrong password get the same answer, on both doors.
func TestSignInAnswersAlike(t *testing.T) {
	env := servertest.Start(t, behindProxy("127.0.0.1", 0, 0))
	anna := env.DemoUser(t, store.RoleAgent, 0)
	known := apiSignIn(t, env, "192.0.2.1", anna.Login, "wrong password")
	unknown := apiSignIn(t, env, "192.0.2.1", "nobody@example.com", "wrong password")
	if known.status != 401 || known != unknown {
		t.Fatalf("API: known account %+v, unknown %+v", known, unknown)
	}
	// The admin form shows the login typed and a fresh token; the rest is the same.
	same := func(a answer, login string) answer {
		a.body = strings.ReplaceAll(csrfField.ReplaceAllString(a.body, ""), login, "LOGIN")
		return a
	}
	known = same(adminSignIn(t, env, "192.0.2.2", anna.Login, "wrong password"), anna.Login)
	unknown = same(adminSignIn(t, env, "192.0.2.2", "nobody@example.com", "wrong password"), "nobody@example.com")
	if known.status != 401 || known != unknown || !strings.Contains(known.body, "The login or password is wrong.") {
		t.Fatalf("admin: known account %d, unknown %d, bodies alike: %v", known.status, unknown.status, known.body == unknown.body)
	}
}

// Wrong passwords for one account, from ever new addresses and through both doors, lock it;
// during the lockout the right password is refused too, with when to try again.
func TestSignInLockoutSharedByBothDoors(t *testing.T) {
	env := signInServer(t, "rosa@test.parley")
	for i, door := range []func(*testing.T, *servertest.Env, string, string, string) answer{adminSignIn, apiSignIn, adminSignIn, apiSignIn, adminSignIn} {
		if a := door(t, env, "198.51.100."+string(rune('1'+i)), "rosa@test.parley", "guess"); a.status != 401 {
			t.Fatalf("failure %d: %d", i+1, a.status)
		}
	}
	a := apiSignIn(t, env, "198.51.100.10", "rosa@test.parley", "right password")
	if a.status != 429 || a.retryAfter != "60" || !strings.Contains(a.body, `"code":"rate_limited"`) || !strings.Contains(a.body, "too many wrong passwords for this login: it is locked, try again in 60 seconds") {
		t.Fatalf("API during the lockout: %+v", a)
	}
	a = adminSignIn(t, env, "198.51.100.11", "rosa@test.parley", "right password")
	if a.status != 429 || a.retryAfter == "" || !strings.Contains(a.body, "Too many wrong passwords for this login: it is locked, try again in") {
		t.Fatalf("admin during the lockout: %d, Retry-After %q", a.status, a.retryAfter)
	}
}

// One address's attempts count on both doors together; another address has its own budget.
func TestSignInAddressBudgetShared(t *testing.T) {
	logins := []string{"a@test.parley", "b@test.parley", "c@test.parley", "d@test.parley", "e@test.parley"}
	env := signInServer(t, logins...)
	for i := range 10 {
		door := apiSignIn
		if i%2 == 1 {
			door = adminSignIn
		}
		if a := door(t, env, "203.0.113.50", logins[i/2], "guess"); a.status != 401 {
			t.Fatalf("attempt %d: %d", i+1, a.status)
		}
	}
	a := apiSignIn(t, env, "203.0.113.50", "a@test.parley", "right password")
	if a.status != 429 || a.retryAfter == "" || !strings.Contains(a.body, "too many sign-in attempts from your address") {
		t.Fatalf("API over the address budget: %+v", a)
	}
	if a := adminSignIn(t, env, "203.0.113.50", "a@test.parley", "right password"); a.status != 429 || !strings.Contains(a.body, "Too many sign-in attempts from your address") {
		t.Fatalf("admin over the address budget: %d", a.status)
	}
	if a := apiSignIn(t, env, "203.0.113.51", "a@test.parley", "right password"); a.status != 200 {
		t.Fatalf("another address: %+v", a)
	}
}
