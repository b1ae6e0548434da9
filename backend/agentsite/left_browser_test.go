//go:build !wasm

package agentsite_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// leaveMessage stores a message a visitor left on connector connID, as the widget's leave-a-
// message form does.
func leaveMessage(t *testing.T, st *store.Store, tenantID, connID int64, name, email, text string, at time.Time) string {
	t.Helper()
	rec := store.Chat{ID: store.NewChatID(), TenantID: tenantID, ConnectorID: connID, State: "closed", VisitorName: name,
		VisitorEmail: email, CreatedAt: at, ClosedAt: &at, CloseCause: store.CloseCauseLeftMessage}
	data, _ := json.Marshal(&protocol.Message{Role: protocol.RoleVisitor, Name: name, Text: text, At: at})
	if err := st.Commit(context.Background(), store.Write{Chat: &rec, Event: &store.Event{ChatID: rec.ID, Type: string(protocol.TypeMessage), Data: data, At: at},
		Message: &store.Message{ChatID: rec.ID, Role: string(protocol.RoleVisitor), Name: name, Text: text, At: at}}); err != nil {
		t.Fatal(err)
	}
	return rec.ID
}

// TestLeftMessagesInChromium: an agent opens Messages in the agent app and sees the message
// left for their group (not one left for a group they are not in, which the API also refuses
// to answer), opens it, has a blank reply refused with the reason, and sends a reply: the
// reply shows in the message's thread with its author, the audit log records it, and the
// visitor's mail server receives it as "Re:" threaded under the notice (In-Reply-To and
// References name the thread's root).
func TestLeftMessagesInChromium(t *testing.T) {
	env := startSite(t)
	smtp := smtptest.Start(t, smtptest.Options{})
	st := env.Server.Store()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tid := env.Demo.TenantID
	if _, err := st.SaveMailSettings(ctx, store.MailSettings{TenantID: tid, Host: smtp.Host(), Port: smtp.Port(),
		TLS: store.MailTLSNone, FromAddress: "chat@demo.test"}); err != nil {
		t.Fatal(err)
	}
	demo, err := st.ConnectorByHash(ctx, env.Demo.ConnectorHash)
	if err != nil {
		t.Fatal(err)
	}
	other, err := st.CreateGroup(ctx, store.ACDGroup{TenantID: tid, Name: "Elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := st.CreateConnector(ctx, store.Connector{TenantID: tid, Name: "Elsewhere", GroupID: other.ID})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	mine := leaveMessage(t, st, tid, demo.ID, "Nora Nußbaum", "nora@example.test", "Liefern Sie auch sonntags?\nDanke!", at)
	theirs := leaveMessage(t, st, tid, elsewhere.ID, "Otto", "otto@example.test", "Not for this group", at.Add(time.Minute))

	b := newBrowser(t, "leftmessages", 1280, 820)
	signIn(t, env, b, 0)
	b.Click(`document.getElementById('nav-left')`)
	item := `document.getElementById('left-` + mine + `')`
	b.WaitFor("the list", item+` && `+item+`.textContent.includes('Nora Nußbaum') && `+item+`.textContent.includes('Not answered yet')`)
	if n := browsertest.Eval[int](b, `document.querySelectorAll('#left-list .left-item').length`); n != 1 {
		t.Fatalf("the list shows %d messages, want only the one left for the agent's group", n)
	}
	b.Screenshot("1-list")
	b.AssertAccessible("the Messages list")
	b.Click(item + `.querySelector('button')`)
	b.WaitFor("the message", `document.activeElement && document.activeElement.id === 'left-msg-title' && document.getElementById('left-thread').textContent.includes('Liefern Sie auch sonntags?')`)

	// A blank reply is refused with the reason, and the message stays open.
	b.Click(`document.getElementById('left-reply-text')`)
	b.Do(chromedp.KeyEvent("   "))
	b.Click(`document.getElementById('left-reply-send')`)
	b.WaitFor("the refusal", `!!document.querySelector('#left-reply-form [role=alert]') && document.querySelector('#left-reply-form [role=alert]').textContent === 'Write a reply first.'`)

	browsertest.Eval[any](b, `(e => { e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true})); })(document.getElementById('left-reply-text'))`)
	b.Click(`document.getElementById('left-reply-text')`)
	b.Do(chromedp.KeyEvent("Ja, von 8 bis 12 Uhr."))
	b.Click(`document.getElementById('left-reply-send')`)
	b.WaitFor("the reply in the thread", `[...document.querySelectorAll('#left-thread .left-reply')].some(r => r.textContent.includes('Ja, von 8 bis 12 Uhr.') && r.textContent.includes('Anna'))`)
	b.WaitFor("the form emptied", `document.getElementById('left-reply-text').value === ''`)
	b.Screenshot("2-replied")
	b.AssertAccessible("a left message with its reply")

	got := smtp.Wait(1, 30*time.Second)
	if len(got) != 1 {
		t.Fatalf("the mail server got %d messages", len(got))
	}
	p, err := smtptest.Parse(got[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	root := "<left." + mine + "@demo.test>"
	if got[0].To[0] != "nora@example.test" || !strings.HasPrefix(p.Subject(), "Re: ") || p.Header.Get("In-Reply-To") != root ||
		!strings.Contains(p.Header.Get("References"), root) || !strings.Contains(p.Text, "Ja, von 8 bis 12 Uhr.") {
		t.Errorf("mail to %v subject %q In-Reply-To %q References %q", got[0].To, p.Subject(), p.Header.Get("In-Reply-To"), p.Header.Get("References"))
	}
	b.WaitFor("the e-mail sent", `[...document.querySelectorAll('#left-thread .left-reply')].length === 1`)
	b.Click(`document.getElementById('left-back')`)
	b.WaitFor("answered in the list", item+` && `+item+`.textContent.includes('Replied once')`)

	entries, err := st.AuditLog(ctx, store.AuditQuery{TenantID: tid})
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, e := range entries {
		if e.Action == "left/:id/reply" && e.Target == "id="+mine && e.Outcome == http.StatusOK {
			audited = true
		}
	}
	if !audited {
		t.Errorf("the reply is not in the audit log: %+v", entries)
	}

	// Another group's message cannot be answered from this agent's session either.
	status, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[int](`fetch('`+api.LeftPath+theirs+api.LeftReplySuffix+
		`', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: 'hi'})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != http.StatusNotFound {
		t.Errorf("replying to another group's message answered %d %v", status, err)
	}
	if lm, err := st.LeftMessage(ctx, tid, theirs); err != nil || len(lm.Replies) != 0 {
		t.Errorf("another group's message %+v %v", lm, err)
	}
	b.AssertNoConsoleErrors("/api/me", "422 (Unprocessable Entity)", "404 (Not Found)")
}
