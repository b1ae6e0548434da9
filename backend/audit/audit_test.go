package audit

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// app mounts the middleware in front of a few handlers that count their runs.
func app(st *store.Store, runs *int) *fiber.App {
	a := fiber.New(fiber.Config{DisableStartupMessage: true})
	a.Use(Middleware(Options{Recorder: st, Prefix: "/admin/", Skip: []string{"/admin/login"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Who: func(*fiber.Ctx) Actor { return Actor{TenantID: 7, UserID: 3, Login: "ann", Role: "admin"} }}))
	a.Post("/admin/things/:id", func(c *fiber.Ctx) error { *runs++; return c.Redirect("/admin/things", fiber.StatusSeeOther) })
	a.Post("/admin/broken", func(*fiber.Ctx) error { *runs++; return fiber.NewError(fiber.StatusConflict, "no") })
	a.Post("/admin/login", func(c *fiber.Ctx) error { *runs++; return c.SendStatus(fiber.StatusSeeOther) })
	a.Get("/admin/things", func(c *fiber.Ctx) error { *runs++; return c.SendString("list") })
	return a
}

func post(t *testing.T, a *fiber.App, path, ctype string, body []byte) int {
	t.Helper()
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	resp, err := a.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestMiddleware(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := st.CreateTenant(ctx, store.Tenant{Name: "T"}); err != nil {
		t.Fatal(err)
	}
	runs := 0
	a := app(st, &runs)
	form := url.Values{"name": {"Lamp\x00 \xff" + strings.Repeat("x", 500)}, "api_key": {"k-123-secret"}, "new_password": {""}, "_csrf": {"tok"}}
	if code := post(t, a, "/admin/things/42", "application/x-www-form-urlencoded", []byte(form.Encode())); code != 303 {
		t.Fatalf("status %d", code)
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("note", "line1\nline2")
	fw, _ := mw.CreateFormFile("image", "logo.png")
	_, _ = fw.Write(make([]byte, 1234))
	_ = mw.Close()
	post(t, a, "/admin/broken", mw.FormDataContentType(), mp.Bytes())
	post(t, a, "/admin/login", "application/x-www-form-urlencoded", []byte("login=ann&password=pw"))
	req := httptest.NewRequest("GET", "/admin/things", nil)
	if _, err := a.Test(req, -1); err != nil {
		t.Fatal(err)
	}
	if runs != 4 {
		t.Fatalf("handlers ran %d times", runs)
	}

	got, err := st.AuditLog(ctx, store.AuditQuery{TenantID: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("entries: %+v", got)
	}
	broken, thing := got[0], got[1]
	if thing.Action != "things/:id" || thing.Target != "id=42" || thing.Outcome != 303 || thing.UserLogin != "ann" ||
		!strings.HasPrefix(thing.Summary, "api_key=(hidden); name=Lamp \uFFFDxxx") || !strings.HasSuffix(thing.Summary, "…; new_password=(empty)") ||
		strings.Contains(thing.Summary, "k-123") || strings.Contains(thing.Summary, "tok") {
		t.Errorf("entry %+v", thing)
	}
	if broken.Action != "broken" || broken.Outcome != 409 || broken.Summary != "image=logo.png (1234 bytes); note=line1 line2" {
		t.Errorf("entry %+v", broken)
	}

	// A change that cannot be recorded is not made.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if code := post(t, a, "/admin/things/1", "application/x-www-form-urlencoded", []byte("name=x")); code != 503 {
		t.Fatalf("unrecorded change answered %d", code)
	}
	if runs != 4 {
		t.Fatal("the handler ran although its audit entry could not be written")
	}
}
