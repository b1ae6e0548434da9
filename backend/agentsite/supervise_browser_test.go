//go:build !wasm

package agentsite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// signInAs signs a demo user in and waits for the desk.
func signInAs(t *testing.T, env *servertest.Env, b *browsertest.Browser, role string, n int) {
	t.Helper()
	u := env.DemoUser(t, role, n)
	b.Do(chromedp.Navigate(env.URL + "/agent/"))
	b.WaitFor("the sign-in form", `!!document.querySelector('#signin-login')`)
	b.Click(`document.querySelector('#signin-login')`)
	b.Do(chromedp.KeyEvent(u.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(u.Password), chromedp.KeyEvent("\r"))
	b.WaitFor("the desk", `!!document.querySelector('.topbar') && document.querySelector('.link').textContent === 'Connected'`)
}

// TestSupervisorInChromium runs a supervisor's app (the demo administrator) and an agent's app
// against the real server, with a visitor on the protocol: the supervisor opens "All chats"
// from the top bar with the keyboard and sees Anna's chat in the live list, opens it as an
// observer, whispers to Anna (the visitor never sees it), sets the chat's monitoring switch,
// then takes the chat over from the list and writes to the visitor; Anna is told and the chat
// leaves her list.
func TestSupervisorInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	anna := newBrowser(t, "supervise-anna", 1280, 820)
	signIn(t, env, anna, 0)
	if browsertest.Eval[bool](anna, `!!document.querySelector('#nav-supervise')`) {
		t.Fatal("an agent is offered the supervisors' view")
	}
	visitor, _ := env.Visitor(t)
	var seen visitorLog
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Vera Visitor", Question: "My parcel never came."})
	if err != nil {
		t.Fatal(err)
	}
	chatID := ack.Body.(*protocol.Ack).Chat
	anna.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	anna.Click(`document.querySelector('.offer .btn-accept')`)
	anna.WaitFor("the conversation", agentHas("My parcel never came."))

	// The supervisor opens "All chats" with the keyboard and finds Anna's chat.
	sup := newBrowser(t, "supervise-admin", 1280, 820)
	signInAs(t, env, sup, "admin", 0)
	sup.WaitFor("the views", `!!document.querySelector('#nav-supervise')`)
	browsertest.Eval[bool](sup, `(() => { document.querySelector('#nav-supervise').focus(); return true; })()`)
	sup.Do(chromedp.KeyEvent("\r")) // a button activates on Enter's key press
	row := `document.querySelector('#sup-` + chatID + `')`
	sup.WaitFor("Anna's chat in the list", `(() => { const r = `+row+`; return !!r && r.textContent.includes('Vera Visitor') && r.textContent.includes('Active') && r.textContent.includes('Anna') && r.textContent.includes('Support'); })()`)
	if !browsertest.Eval[bool](sup, `document.querySelector('#nav-supervise').getAttribute('aria-pressed') === 'true' && document.querySelector('.desk').hidden && document.activeElement.id === 'supervise-title'`) {
		t.Error("the view switch does not show where the agent is")
	}
	sup.Screenshot("1-all-chats")

	// A second visitor waits (nobody else is available): the list shows it coming, live.
	browsertest.Eval[bool](anna, `(() => { const s = document.querySelector('#status-select');
		s.value = [...s.options].find(o => o.textContent.includes('Pause')).value; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	anna.WaitFor("Anna on pause", `!!document.querySelector('.hint')`)
	v2, _ := env.Visitor(t)
	ack2, err := v2.Call(ctx, "", &protocol.ChatRequest{Name: "Walter Waiting", Question: "Hello?"})
	if err != nil {
		t.Fatal(err)
	}
	waiting := ack2.Body.(*protocol.Ack).Chat
	sup.WaitFor("the waiting chat in the list", `(() => { const r = document.querySelector('#sup-`+waiting+`'); return !!r && r.textContent.includes('Waiting') && r.textContent.includes('Walter Waiting'); })()`)
	sup.WaitFor("the waiting chat first", `document.querySelector('#supervise-table tbody tr').id === 'sup-`+waiting+`'`)
	sup.Screenshot("2-waiting-and-active")

	// Open Anna's chat as an observer: the desk shows it, Anna sees the observer come.
	sup.Click(row + `.querySelector('.sup-observe')`)
	sup.WaitFor("the observed chat", agentHas("My parcel never came.")+` && !document.querySelector('.desk').hidden && (document.querySelector('#my-part') || {textContent: ''}).textContent === 'Observing'`)
	anna.WaitFor("the observer in Anna's chat", `(document.querySelector('#chat-team .team-list') || {textContent: ''}).textContent.includes('Admin')`)

	// Whisper: a note for Anna only.
	sup.Click(`document.querySelector('#composer-text')`)
	sup.Do(chromedp.KeyEvent("Offer her the express reshipment."))
	pressEnter(t, sup)
	anna.WaitFor("the whisper", `[...document.querySelectorAll('#messages .line.internal')].some(l => l.textContent.includes('express reshipment') && l.textContent.includes('Admin'))`)
	anna.Screenshot("1-whisper")

	// The monitoring switch goes round: the visitor's activity, all actions.
	sup.Click(`document.querySelector('#monitor-button')`)
	sup.WaitFor("monitoring the visitor", `document.querySelector('#monitor-button').getAttribute('aria-label').startsWith("Monitoring the visitor's activity")`)
	sup.Click(`document.querySelector('#monitor-button')`)
	sup.WaitFor("monitoring all", `document.querySelector('#monitor-button').classList.contains('monitor-all')`)
	sup.Screenshot("3-observing")

	// Take the chat over from the list.
	sup.Click(`document.querySelector('#nav-supervise')`)
	sup.WaitFor("the list again", `!!(`+row+`) && !!(`+row+`).querySelector('.sup-takeover:not([disabled])')`)
	sup.Click(row + `.querySelector('.sup-takeover')`)
	sup.WaitFor("the chat, owned", `!document.querySelector('.desk').hidden && (document.querySelector('#my-part') === null) && !document.querySelector('.composer').classList.contains('composer-note') && `+agentHas("Anna left the chat"))
	anna.WaitFor("Anna told", `(document.querySelector('.banner-info') || {textContent: ''}).textContent.includes('Admin took over your chat with Vera Visitor.')`)
	anna.WaitFor("the chat gone from Anna's open chats", `!!document.querySelector('section.ended #tab-`+chatID+`') && `+agentHas("took this chat over"))
	anna.Screenshot("2-taken-over")

	// The supervisor writes to the visitor.
	sup.Click(`document.querySelector('#composer-text')`)
	sup.Do(chromedp.KeyEvent("Hello Vera, I am taking care of your parcel now."))
	pressEnter(t, sup)
	seen.await(t, ctx, visitor, "the supervisor's reply", func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && strings.Contains(m.Text, "taking care of your parcel") && m.Name == "Admin"
	})
	sup.Screenshot("4-taken-over")

	// And picks the waiting chat from the queue.
	sup.Click(`document.querySelector('#nav-supervise')`)
	sup.WaitFor("the waiting chat", `!!document.querySelector('#sup-`+waiting+` .sup-takeover:not([disabled])')`)
	sup.Click(`document.querySelector('#sup-` + waiting + ` .sup-takeover')`)
	sup.WaitFor("the waiting chat, owned", agentHas("Hello?")+` && `+agentHas("You joined the chat")+` && !document.querySelector('.desk').hidden && !document.querySelector('.pane-meta').textContent.includes('Waiting')`)
	if _, err := v2.Await(ctx, func(ev protocol.Event) bool {
		j, ok := ev.Body.(*protocol.Joined)
		return ok && j.Name == "Admin" && j.As == protocol.PartOwner
	}); err != nil {
		t.Fatalf("the waiting visitor never saw the supervisor join: %v", err)
	}
	sup.Screenshot("5-picked-from-queue")

	// The visitor saw the takeover (Anna leaving, Admin joining) but never the whisper nor the
	// observer.
	seen.mu.Lock()
	defer seen.mu.Unlock()
	var joins []string
	for _, ev := range seen.events {
		switch b := ev.Body.(type) {
		case *protocol.Message:
			if b.Internal || strings.Contains(b.Text, "express reshipment") {
				t.Errorf("the visitor got the whisper: %q", b.Text)
			}
		case *protocol.Joined:
			joins = append(joins, b.Name+" "+string(b.As))
		case *protocol.Left:
			joins = append(joins, "left "+b.Name)
		}
	}
	if got := strings.Join(joins, ", "); !strings.HasSuffix(got, "left Anna, Admin owner") || strings.Contains(got, "observer") {
		t.Errorf("the visitor saw %s", got)
	}
	anna.AssertNoConsoleErrors("/api/me")
	sup.AssertNoConsoleErrors("/api/me")
}
