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
	"github.com/parleychat/parley/shared/protocol"
)

// TestTranscriptMailOnCloseInChromium: with the connector's "open transcript e-mail on close"
// on, closing a chat opens the transcript e-mail card prefilled with the visitor's address and
// the connector's subject; a bad address is refused with the focus on the field; the agent
// edits both and sends with the keyboard, the card says to whom, and the test SMTP server
// receives the transcript with the edited subject. From the closed chat's "Send transcript"
// the card opens again and Escape skips it. axe-core checks the card; screenshots are kept.
func TestTranscriptMailOnCloseInChromium(t *testing.T) {
	env := startSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st := env.Server.Store()
	smtp := smtptest.Start(t, smtptest.Options{})
	if _, err := st.SaveMailSettings(ctx, store.MailSettings{TenantID: env.Demo.TenantID, Host: smtp.Host(), Port: smtp.Port(),
		TLS: store.MailTLSNone, FromAddress: "chat@demo.test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveTranscriptMail(ctx, store.TranscriptMail{ConnectorID: env.Demo.ConnectorID, TenantID: env.Demo.TenantID,
		Subject: "Chat Conversation with $Agent.ChatName$", OpenOnClose: true}); err != nil {
		t.Fatal(err)
	}

	agent := newBrowser(t, "agent-transcript-mail", 1360, 860)
	signIn(t, env, agent, 0)
	visitor, _ := env.Visitor(t)
	_, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Tina Transcript", Email: "tina@example.com", Question: "Can you mail me this chat?"})
	if err != nil {
		t.Fatal(err)
	}
	agent.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	agent.Click(`document.querySelector('.offer .btn-accept')`)
	agent.WaitFor("the conversation", agentHas("Can you mail me this chat?"))
	agent.Click(`[...document.querySelectorAll('.pane-head .btn-danger')].find(b => b.textContent === 'Close chat')`)

	agent.WaitFor("the card prefilled", `(() => { const to = document.querySelector('#transcript-mail-to'), s = document.querySelector('#transcript-mail-subject');
		return !!to && to.value === 'tina@example.com' && s.value.startsWith('Chat Conversation with ') && s.value.length > 'Chat Conversation with '.length; })()`)
	agent.WaitFor("the focus on the address", `document.activeElement && document.activeElement.id === 'transcript-mail-to'`)
	agent.AssertAccessible("transcript mail card")
	agent.Screenshot("1-open-on-close")

	// A bad address: refused in the card, the focus stays on the field.
	agent.Do(chromedp.KeyEvent("\b"), chromedp.KeyEvent(" not"), chromedp.KeyEvent("\r"))
	agent.WaitFor("the address refused", `(() => { const e = document.querySelector('#transcript-mail-state'); return !!e && e.getAttribute('role') === 'alert' &&
		document.querySelector('#transcript-mail-to').getAttribute('aria-invalid') === 'true' && document.activeElement.id === 'transcript-mail-to'; })()`)
	agent.Screenshot("2-bad-address")

	// The agent writes another address and subject, and sends with Enter.
	clear := func(id string) {
		browsertest.Eval[bool](agent, `(() => { const e = document.getElementById('`+id+`'); e.value = ''; e.focus(); return true; })()`)
	}
	clear("transcript-mail-to")
	agent.Do(chromedp.KeyEvent("team@example.com"))
	clear("transcript-mail-subject")
	agent.Do(chromedp.KeyEvent("Ihr Chat mit uns"), chromedp.KeyEvent("\r"))
	agent.WaitFor("sent", `(() => { const e = document.querySelector('#transcript-mail-state'); return !!e && e.textContent.includes('team@example.com') && e.classList.contains('ask-ok'); })()`)
	agent.Screenshot("3-sent")
	got := smtp.Wait(1, time.Minute)[0]
	p, err := smtptest.Parse(got.Data)
	if err != nil || got.To[0] != "team@example.com" || p.Subject() != "Ihr Chat mit uns" || !strings.Contains(p.Text, "Can you mail me this chat?") {
		t.Fatalf("received to %v, subject %q, %v:\n%s", got.To, p.Subject(), err, p.Text)
	}

	// Done closes the card; the closed chat's "Send transcript" opens it again; Escape skips.
	agent.Click(`document.querySelector('#transcript-mail-skip')`)
	agent.WaitFor("the card closed", `!document.querySelector('#transcript-mail-card')`)
	agent.Click(`document.querySelector('#transcript-mail-button')`)
	agent.WaitFor("the card again", `!!document.querySelector('#transcript-mail-to') && document.querySelector('#transcript-mail-to').value === 'tina@example.com' && document.activeElement.id === 'transcript-mail-to'`)
	agent.Do(chromedp.KeyEvent("\u001b"))
	agent.WaitFor("skipped", `!document.querySelector('#transcript-mail-card') && document.activeElement && document.activeElement.id === 'transcript-mail-button'`)
	if n := len(smtp.Messages()); n != 1 {
		t.Fatalf("%d messages after skipping, want 1", n)
	}
}
