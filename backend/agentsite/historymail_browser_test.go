//go:build !wasm

package agentsite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/mail/smtptest"
	"github.com/parleychat/parley/backend/store"
)

// TestTranscriptMailFromHistoryInChromium: an agent opens a chat closed days ago in the
// History view, presses its "Send transcript", gets the card prefilled with the visitor's
// address and sends it; the test SMTP server receives the transcript. Escape then closes the
// card and gives the focus back to the button.
func TestTranscriptMailFromHistoryInChromium(t *testing.T) {
	env := startSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st := env.Server.Store()
	tid := env.Demo.TenantID
	smtp := smtptest.Start(t, smtptest.Options{})
	if _, err := st.SaveMailSettings(ctx, store.MailSettings{TenantID: tid, Host: smtp.Host(), Port: smtp.Port(),
		TLS: store.MailTLSNone, FromAddress: "chat@demo.test"}); err != nil {
		t.Fatal(err)
	}
	anna, err := st.UserByLogin(ctx, env.DemoUser(t, "agent", 0).Login)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-72 * time.Hour).Truncate(time.Minute)
	var h store.History
	h.Chats = append(h.Chats, store.Chat{ID: "hist-mail", TenantID: tid, ConnectorID: env.Demo.ConnectorID, State: "closed", VisitorName: "Hanna History",
		VisitorEmail: "hanna@example.com", AgentID: anna.ID, Lang: "en", CreatedAt: at, ClosedAt: &at, LastSeq: 1, LastVisitorSeq: 1})
	h.Messages = append(h.Messages, store.Message{ChatID: "hist-mail", Seq: 1, Role: "visitor", Name: "Hanna History", Text: "Please keep a copy of my order 7781", At: at})
	h.Events = append(h.Events, store.Event{ChatID: "hist-mail", Seq: 1, VisitorSeq: 1, Type: "message",
		Data: []byte(`{"role":"visitor","text":"Please keep a copy of my order 7781"}`), At: at})
	if err := st.ImportHistory(ctx, h); err != nil {
		t.Fatal(err)
	}

	agent := newBrowser(t, "agent-history-mail", 1360, 860)
	signIn(t, env, agent, 0)
	agent.Click(`document.querySelector('#nav-history')`)
	agent.WaitFor("the chat listed", `[...document.querySelectorAll('#history-list .history-visitor')].some(e => e.textContent === 'Hanna History')`)
	agent.Click(`[...document.querySelectorAll('#history-list .history-item')].find(e => e.textContent.includes('Hanna History')).querySelector('.history-open')`)
	agent.WaitFor("the transcript", `!!document.querySelector('#history-chat') && document.querySelector('#history-chat').textContent.includes('order 7781')`)
	agent.Click(`document.querySelector('#history-transcript-mail-button')`)
	agent.WaitFor("the card prefilled", `(() => { const to = document.querySelector('#history-chat #transcript-mail-to'); return !!to && to.value === 'hanna@example.com' && document.activeElement === to; })()`)
	if n := browsertest.Eval[int](agent, `document.querySelectorAll('#transcript-mail-card').length`); n != 1 {
		t.Fatalf("%d transcript cards in the page", n)
	}
	agent.AssertAccessible("transcript mail card in history")
	agent.Screenshot("1-card")
	agent.Click(`document.querySelector('#transcript-mail-send')`)
	agent.WaitFor("sent", `(() => { const e = document.querySelector('#transcript-mail-state'); return !!e && e.textContent.includes('hanna@example.com') && e.classList.contains('ask-ok'); })()`)
	agent.Screenshot("2-sent")
	got := smtp.Wait(1, time.Minute)[0]
	p, err := smtptest.Parse(got.Data)
	if err != nil || got.To[0] != "hanna@example.com" || !strings.Contains(p.Text, "Please keep a copy of my order 7781") {
		t.Fatalf("received to %v, subject %q, %v:\n%s", got.To, p.Subject(), err, p.Text)
	}
	agent.Do(chromedp.KeyEvent("\u001b"))
	agent.WaitFor("closed, the focus on the button", `!document.querySelector('#transcript-mail-card') && document.activeElement && document.activeElement.id === 'history-transcript-mail-button'`)
}
