package admin_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestLeftReplyInChromium: a supervisor opens a left message's reply form with the keyboard,
// a blank reply is refused with the reason and the form stays open, then the reply is sent:
// the page shows the message answered with the reply and its author, and the visitor's mail
// server receives it as "Re:" with In-Reply-To the thread's root.
func TestLeftReplyInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	smtp := smtptest.Start(t, smtptest.Options{})
	env := servertest.Start(t, servertest.Options{})
	st := env.Server.Store()
	ctx := context.Background()
	if _, err := st.SaveMailSettings(ctx, store.MailSettings{TenantID: env.Demo.TenantID, Host: smtp.Host(), Port: smtp.Port(),
		TLS: store.MailTLSNone, FromAddress: "chat@demo.test"}); err != nil {
		t.Fatal(err)
	}
	conns, err := st.Connectors(ctx, env.Demo.TenantID)
	if err != nil || len(conns) == 0 {
		t.Fatalf("connectors %v", err)
	}
	now := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	rec := store.Chat{ID: store.NewChatID(), TenantID: env.Demo.TenantID, ConnectorID: conns[0].ID, State: "closed", VisitorName: "Nora",
		VisitorEmail: "nora@example.test", CreatedAt: now, ClosedAt: &now, CloseCause: store.CloseCauseLeftMessage}
	data, _ := json.Marshal(&protocol.Message{Role: protocol.RoleVisitor, Name: "Nora", Text: "Do you deliver on Sundays?", At: now})
	if err := st.Commit(ctx, store.Write{Chat: &rec, Event: &store.Event{ChatID: rec.ID, Type: string(protocol.TypeMessage), Data: data, At: now},
		Message: &store.Message{ChatID: rec.ID, Role: string(protocol.RoleVisitor), Name: "Nora", Text: "Do you deliver on Sundays?", At: now}}); err != nil {
		t.Fatal(err)
	}

	admin := env.DemoUser(t, "admin", 0)
	b := browsertest.New(t, browsertest.Options{Name: "leftreply", Width: 1360, Height: 900, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})
	b.ReduceMotion()
	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("signed in", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)

	open(t, b, env.URL+"/admin/left")
	row := `document.getElementById('left-` + rec.ID + `')`
	b.WaitFor("the message, new", row+`.querySelector('.left-state').textContent.trim() === 'New'`)
	// The keyboard opens the form: focus the summary, Enter.
	browsertest.Eval[any](b, row+`.querySelector('summary').focus()`)
	b.Do(chromedp.KeyEvent(kb.Enter))
	b.WaitFor("the form open", row+`.querySelector('details').open && !!document.getElementById('reply-`+rec.ID+`')`)
	// A blank reply (the browser lets spaces through) is refused with the reason.
	fill(t, b, map[string]string{"reply-" + rec.ID: "   "})
	b.Click(row + `.querySelector('.left-reply-form button[type=submit]')`)
	b.WaitFor("the refusal", row+`.querySelector('[role=alert]') && `+row+`.querySelector('[role=alert]').textContent.includes('Write a reply first.') && `+row+`.querySelector('details').open`)
	b.Screenshot("1-refused")

	fill(t, b, map[string]string{"reply-" + rec.ID: "Yes, from 8 to 12.\nBest regards"})
	b.Click(row + `.querySelector('.left-reply-form button[type=submit]')`)
	b.WaitFor("answered", row+` && `+row+`.querySelector('.left-state').textContent.trim() === 'Replied' && `+row+`.querySelector('.left-reply-text').textContent.includes('Yes, from 8 to 12.')`)
	u, err := st.UserByLogin(ctx, admin.Login)
	if err != nil {
		t.Fatal(err)
	}
	if text := browsertest.Eval[string](b, row+`.querySelector('.left-replies').textContent`); !strings.Contains(text, u.Name) {
		t.Errorf("the reply does not name its author %q: %q", u.Name, text)
	}
	b.Screenshot("2-replied")

	got := smtp.Wait(1, 30*time.Second)[0]
	p, err := smtptest.Parse(got.Data)
	if err != nil {
		t.Fatal(err)
	}
	if got.To[0] != "nora@example.test" || !strings.HasPrefix(p.Subject(), "Re: ") || p.Header.Get("In-Reply-To") != "<left."+rec.ID+"@demo.test>" {
		t.Errorf("mail to %v subject %q In-Reply-To %q", got.To, p.Subject(), p.Header.Get("In-Reply-To"))
	}
	b.AssertNoConsoleErrors("422 (Unprocessable Entity)")
}
