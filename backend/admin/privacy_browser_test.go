package admin_test

import (
	"archive/zip"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/privacy"
	"github.com/parleychat/parley/backend/servertest"
)

// TestPrivacyAndAuditInChromium sets the retention periods, downloads one visitor's data as a
// ZIP archive, walks up to the erase confirmation, and reads the audit log with a filter: the
// pages pass axe-core, the download holds that visitor's chat and file, and every step is in
// the log.
func TestPrivacyAndAuditInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	env := servertest.Start(t, servertest.Options{})
	st := env.Server.Store()
	jo := visitorChat(t, st, env.Demo.TenantID, "jo@example.com", "v-jo", "Where is my parcel?")
	visitorChat(t, st, env.Demo.TenantID, "sam@example.com", "v-sam", "Sam asks something else")
	admin := env.DemoUser(t, "admin", 0)
	b := browsertest.New(t, browsertest.Options{Name: "privacy", Width: 1360, Height: 900, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})

	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("the connectors page", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)

	// Retention: a mistake first, then a saved policy.
	open(t, b, env.URL+"/admin/privacy")
	b.AssertAccessible("privacy")
	fill(t, b, map[string]string{"f-chat_days": "-5"})
	b.Click(`document.querySelector('form[action="/admin/privacy/retention"] button[type=submit]')`)
	b.WaitFor("the error", `!!document.querySelector('.field.invalid #f-chat_days')`)
	b.AssertAccessible("privacy-error")
	fill(t, b, map[string]string{"f-chat_days": "180", "f-left_message_days": "90", "f-audit_days": "365"})
	b.Click(`document.querySelector('form[action="/admin/privacy/retention"] button[type=submit]')`)
	b.WaitFor("the saved notice", `location.search.includes('saved=1') && !!document.querySelector('.flash')`)
	b.Screenshot("1-retention-saved")

	// A visitor's data as a ZIP download.
	dir := t.TempDir()
	events := true
	progress := chromedp.Events(b.Ctx(), browser.DownloadProgress)
	if _, err := chromedp.Call(b.Ctx(), browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events,
	}); err != nil {
		t.Fatal(err)
	}
	fill(t, b, map[string]string{"f-kind": "email", "f-value": "JO@example.com"})
	b.Click(`document.querySelector('button[value=zip]')`)
	var saved string
	for ev, err := range progress {
		if err != nil {
			t.Fatal(err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the download was cancelled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			saved = filepath.Join(dir, ev.GUID)
			break
		}
	}
	zr, err := zip.OpenReader(saved)
	if err != nil {
		t.Fatalf("the download is no ZIP archive: %v", err)
	}
	defer zr.Close()
	if len(zr.File) != 2 || zr.File[0].Name != "export.json" || !strings.HasSuffix(zr.File[1].Name, "-scan.pdf") {
		t.Fatalf("archive holds %d files", len(zr.File))
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	var exp privacy.Export
	if err := json.NewDecoder(rc).Decode(&exp); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if len(exp.Chats) != 1 || exp.Chats[0].ID != jo.ID || exp.Chats[0].Messages[0].Text != "Where is my parcel?" {
		t.Fatalf("export %+v", exp)
	}

	// Erase asks first, saying how much goes.
	open(t, b, env.URL+"/admin/privacy")
	fill(t, b, map[string]string{"f-kind": "visitor", "f-value": "v-jo"})
	b.Click(`document.querySelector('button[formaction="/admin/privacy/erase"]')`)
	b.WaitFor("the confirmation", `!!document.querySelector('.confirm button.danger')`)
	b.AssertAccessible("erase-confirm")
	b.Screenshot("2-erase-confirm")
	b.Click(`document.querySelector('.confirm button.danger')`)
	b.WaitFor("the erased notice", `location.search.includes('erased=1') && document.querySelector('.flash').textContent.includes('Erased 1')`)
	b.Screenshot("3-erased")

	// The audit log lists all of it; the filter narrows it to the exports.
	open(t, b, env.URL+"/admin/audit")
	b.WaitFor("the entries", `document.querySelectorAll('table.list tbody tr').length >= 4`)
	b.AssertAccessible("audit")
	b.Screenshot("4-audit")
	fill(t, b, map[string]string{"f-action": "privacy/export"})
	b.Click(`document.querySelector('form.filters button[type=submit]')`)
	b.WaitFor("the filtered entries", `location.search.includes('action=privacy') && document.querySelectorAll('table.list tbody tr').length === 1`)
	if row := browsertest.Eval[string](b, `document.querySelector('table.list tbody tr').textContent`); !strings.Contains(row, "value=JO@example.com") || !strings.Contains(row, "Done") {
		t.Errorf("export entry: %q", row)
	}
	b.AssertAccessible("audit-filtered")
	b.Screenshot("5-audit-filtered")
	// The one refused form answered 422, as it should.
	b.AssertNoConsoleErrors("422 (Unprocessable Entity) @ " + env.URL + "/admin/privacy/retention")
}
