package admin_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
)

// In Chromium, by keyboard: an admin types a subject with a misspelt placeholder and saves
// with Enter, reads the error next to the field, corrects it and sees the preview with the
// sample chat filled in.
func TestTranscriptMailInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	env := servertest.Start(t, servertest.Options{})
	admin := env.DemoUser(t, "admin", 0)
	b := browsertest.New(t, browsertest.Options{Name: "admin", Width: 1360, Height: 900, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})
	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("the connectors page", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)

	open(t, b, fmt.Sprint(env.URL, "/admin/connectors/", env.Demo.ConnectorID, "/transcript"))
	b.WaitFor("the subject field", `!!document.getElementById('f-subject')`)
	browsertest.Eval[any](b, `(document.getElementById('f-subject').focus(), true)`)
	b.Do(chromedp.KeyEvent("Chat Conversation with $Agnet$"), chromedp.KeyEvent("\r"))
	b.WaitFor("the error next to the subject", `!!document.getElementById('f-subject-err') && document.getElementById('f-subject-err').textContent.includes('$Agnet$')`)
	b.Screenshot("transcript-mail-error")
	fill(t, b, map[string]string{"f-subject": "Chat Conversation with $Agent$", "f-html": "on",
		"f-template": "<h2>Dear $Customer.Name$,</h2>\n<p>thank you for chatting with $Agent.ChatName$ on $Received.Date$.</p>\n$Transcript$\n<p>$ServiceGroup$ · $ServiceGroup.Email$</p>"})
	browsertest.Eval[any](b, `(document.getElementById('f-subject').focus(), true)`)
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the saved page", `location.search.includes('saved=1') && document.readyState === 'complete'`)
	b.WaitFor("the preview", `(() => { const d = document.querySelector('.mail-html'); return !!(d && d.textContent.includes('Dear Zoë Weber') && !d.querySelector('script')); })()`)
	if got := browsertest.Eval[string](b, `document.getElementById('preview-h').parentElement.textContent`); !strings.Contains(got, "Chat Conversation with Anna Berg") || !strings.Contains(got, "thank you for chatting with Anna") {
		t.Fatalf("preview text: %s", got)
	}
	b.Screenshot("transcript-mail")
}
