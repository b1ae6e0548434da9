package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
	"github.com/parleychat/parley/backend/tyntec/tyntectest"
)

// TestWhatsAppLog runs the WhatsApp delivery log on the real server with a local TynTec: a
// customer writes, an agent's text goes to TynTec and is delivered, an agent's line naming
// no approved template fails; the log shows both and the customer's message with the
// customer's last four digits only, TynTec's id and the error, filters by state, and shows
// another tenant's admin nothing. On SQLite and PostgreSQL.
func TestWhatsAppLog(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) { whatsappLog(t, pg) })
	}
}

func whatsappLog(t *testing.T, pg bool) {
	fake := tyntectest.New("key-wa")
	defer fake.Close()
	fx := newFixtureWith(t, servertest.Options{Postgres: pg, Configure: func(c *config.Config) { c.TynTecURL, c.PublicURL = fake.URL, "https://chat.example.com" }})
	ctx := context.Background()
	conn := fx.env.ChangeConnector(t, func(c *store.Connector) {
		c.WhatsAppEnabled, c.WhatsAppAPIKey, c.WhatsAppNumber = true, "key-wa", "+4930123456"
	})
	hook := tyntec.WebhookURL(fx.env.URL, conn)
	if code, body, err := tyntectest.Post(hook, tyntectest.Text("in-1", "491701234567", "4930123456", "Hallo?", time.Now().UTC())); err != nil || code != http.StatusOK {
		t.Fatalf("webhook: %d %s %v", code, body, err)
	}
	chat := eventually(t, "a WhatsApp chat", func() (store.WhatsAppChat, bool, error) {
		c, err := fx.st.LatestWhatsAppChat(ctx, conn.ID, "+491701234567")
		return c, err == nil, nil
	})
	line := func(text string) store.Write {
		data, _ := json.Marshal(map[string]any{"role": "agent", "text": text})
		return store.Write{Event: &store.Event{ChatID: chat.ChatID, Type: "message", Data: data}}
	}
	if err := fx.st.Commit(ctx, line("Guten Tag, wie kann ich helfen?")); err != nil {
		t.Fatal(err)
	}
	if err := fx.st.Commit(ctx, line(tyntec.TemplatePrefix+"no_such_template")); err != nil {
		t.Fatal(err)
	}
	sent := waitWhatsApp(t, fx, conn.TenantID, store.WhatsAppSent)
	failed := waitWhatsApp(t, fx, conn.TenantID, store.WhatsAppFailed)
	if code, _, _ := tyntectest.Post(hook, tyntectest.Status(sent.MessageID, "delivered", time.Now())); code != http.StatusOK {
		t.Fatalf("status answered %d", code)
	}
	waitWhatsApp(t, fx, conn.TenantID, store.WhatsAppDelivered)

	admin := fx.clients["admin"]
	page := admin.do(t, "GET", "/admin/whatsapp/log", nil, "")
	if page.status != 200 || strings.Contains(page.body, "491701234567") || strings.Count(page.body, "…4567") != 3 ||
		!strings.Contains(page.body, sent.MessageID) || !strings.Contains(page.body, "no approved template is named") ||
		!strings.Contains(page.body, `<span class="badge on">Delivered</span>`) || !strings.Contains(page.body, `<span class="badge off">Failed</span>`) ||
		!strings.Contains(page.body, `href="/admin/whatsapp/log"`) {
		t.Fatalf("log page %d:\n%s", page.status, excerpt(page.body))
	}
	page = admin.do(t, "GET", "/admin/whatsapp/log?state=failed", nil, "")
	if page.status != 200 || strings.Contains(page.body, sent.MessageID) || !strings.Contains(page.body, "no approved template is named") || !strings.Contains(page.body, "<td>Template <") {
		t.Fatalf("failed log %d:\n%s", page.status, excerpt(page.body))
	}
	if page = admin.do(t, "GET", "/admin/whatsapp/log?state=bogus%00", nil, ""); page.status != 200 || strings.Count(page.body, "…4567") != 3 {
		t.Fatalf("an unknown state does not list all: %d\n%s", page.status, excerpt(page.body))
	}
	if page = fx.clients["other"].do(t, "GET", "/admin/whatsapp/log", nil, ""); page.status != 200 || strings.Contains(page.body, "…4567") ||
		!strings.Contains(page.body, "No WhatsApp lines match.") {
		t.Fatalf("another tenant's log %d:\n%s", page.status, excerpt(page.body))
	}
	if page = fx.clients["agent"].do(t, "GET", "/admin/whatsapp/log", nil, ""); page.status == 200 {
		t.Fatalf("an agent sees the log")
	}
	if failed.Attempts != 1 || failed.MessageID != "" || failed.Seq <= sent.Seq {
		t.Fatalf("failed line %+v", failed)
	}
}

// waitWhatsApp waits for the newest WhatsApp line of tenant in the log's state.
func waitWhatsApp(t *testing.T, fx *fixture, tenant int64, state string) store.WhatsAppOut {
	t.Helper()
	return waitLine(t, fx.st, tenant, state)
}

// eventually polls get for up to 20 seconds until it has what, which the server's workers
// write in their own time.
func eventually[T any](t *testing.T, what string, get func() (T, bool, error)) T {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, ok, err := get()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
