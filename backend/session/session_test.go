package session_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/store"
)

// serve runs app on a loopback port until the test ends and returns its base URL.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// The cookie's rules, reading it or a bearer token back, and ending the session, through real
// requests and a real store.
func TestIssuer(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	u, err := st.CreateUser(ctx, store.User{Login: "ada@test.parley", Name: "Ada", Role: store.RoleSuperAdmin, Active: true, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, secure := range []bool{false, true} {
		iss := session.Issuer{Store: st, TTL: time.Hour, Secure: secure}
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		app.Post("/start", func(c *fiber.Ctx) error {
			raw, err := iss.Start(c, u.ID)
			if err != nil {
				return err
			}
			return c.SendString(raw)
		})
		app.Get("/who", func(c *fiber.Ctx) error { return c.SendString(session.Token(c) + "|" + session.FromCookie(c)) })
		app.Post("/end", func(c *fiber.Ctx) error { return iss.End(c) })
		base := serve(t, app)

		resp, err := http.Post(base+"/start", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		set := resp.Header.Get("Set-Cookie")
		for _, want := range []string{session.Cookie + "=" + string(raw), "path=/", "HttpOnly", "SameSite=Strict", "expires="} {
			if !strings.Contains(set, want) {
				t.Errorf("secure=%v: cookie %q lacks %q", secure, set, want)
			}
		}
		if strings.Contains(set, "; secure") != secure {
			t.Errorf("secure=%v: cookie %q", secure, set)
		}
		if got, err := st.SessionUser(ctx, string(raw)); err != nil || got.ID != u.ID {
			t.Fatalf("the started session is not stored: %v", err)
		}

		who := func(h http.Header) string {
			req, _ := http.NewRequest("GET", base+"/who", nil)
			req.Header = h
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return string(b)
		}
		for _, tc := range []struct {
			header http.Header
			want   string
		}{
			{http.Header{"Cookie": {session.Cookie + "=abc"}}, "abc|abc"},
			{http.Header{"Authorization": {"Bearer xyz"}}, "xyz|"},
			{http.Header{"Cookie": {session.Cookie + "=abc"}, "Authorization": {"Bearer xyz"}}, "abc|abc"},
			{http.Header{"Authorization": {"Basic xyz"}}, "|"},
			{http.Header{"Cookie": {"other=abc"}}, "|"},
		} {
			if got := who(tc.header); got != tc.want {
				t.Errorf("%v: read %q, want %q", tc.header, got, tc.want)
			}
		}

		req, _ := http.NewRequest("POST", base+"/end", nil)
		req.Header.Set("Authorization", "Bearer "+string(raw))
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if set := resp.Header.Get("Set-Cookie"); !strings.HasPrefix(set, session.Cookie+"=;") || !strings.Contains(set, "expires=Thu, 01 Jan 1970") {
			t.Errorf("end does not clear the cookie: %q", set)
		}
		if _, err := st.SessionUser(ctx, string(raw)); err == nil {
			t.Fatal("the session outlived End")
		}
	}
}
