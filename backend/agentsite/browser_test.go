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
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// startSite runs the real server, which serves the widget (for the visitor) and the agent app,
// with two canned responses in folders, as an admin would create them; without Chromium or the
// built apps the test is skipped (or fails in CI).
func startSite(t *testing.T) *servertest.Env {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json", "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	st := env.Server.Store()
	for _, r := range []struct{ folder, title, text string }{
		{"Greetings", "Welcome", "Hello $visitor, I am $agent. How can I help?"},
		{"Orders", "Shipping time", "Orders ship within two working days."},
	} {
		f, err := st.CreateCannedFolder(ctx, store.CannedFolder{TenantID: env.Demo.TenantID, Name: r.folder})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateCannedResponse(ctx, store.CannedResponse{TenantID: env.Demo.TenantID, FolderID: f.ID, Title: r.title, Text: r.text}); err != nil {
			t.Fatal(err)
		}
	}
	return env
}

// newBrowser starts a browser whose screenshots are build/screenshots/NAME-shot.png, with
// sound allowed for the offer's ring.
func newBrowser(t *testing.T, name string, width, height int) *browsertest.Browser {
	return browsertest.New(t, browsertest.Options{Name: name, Width: width, Height: height, Lang: "en-US",
		WaitTimeout: 35 * time.Second, ClickScroll: "nearest",
		Flags: []chromedp.ExecAllocatorOption{chromedp.Flag("autoplay-policy", "no-user-gesture-required")}})
}

// agentHas is true when the agent's conversation pane shows text.
func agentHas(text string) string {
	return `(() => { const m = document.querySelector('#messages'); return !!m && m.textContent.includes(` + browsertest.JSQuote(text) + `); })()`
}

// TestAgentAppInChromium runs the agent's day in a real browser against the real server, with
// the visitor in another browser on the demo page: sign in, go available, get the offer,
// accept, chat both ways with typing and the live preview, a canned response and an emoji, a
// reload in the middle, a second chat whose unread count shows in its tab and the title, and
// closing the chat.
func TestAgentAppInChromium(t *testing.T) {
	env := startSite(t)
	anna := env.DemoUser(t, "agent", 0)
	agent := newBrowser(t, "agent", 1440, 900)
	visitor := newBrowser(t, "visitor", 1100, 800)

	// Sign in.
	agent.Do(chromedp.Navigate(env.URL + "/agent/"))
	agent.WaitFor("the sign-in form", `!!document.querySelector('#signin-login')`)
	agent.Screenshot("1-signin")
	agent.Click(`document.querySelector('#signin-login')`)
	agent.Do(chromedp.KeyEvent(anna.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(anna.Password), chromedp.KeyEvent("\r"))
	if u := browsertest.Eval[string](agent, `location.href`); strings.Contains(u, "password") {
		t.Fatalf("the password went into the URL: %s", u)
	}
	agent.WaitFor("the desk", `!!document.querySelector('.topbar') && document.querySelector('.link').textContent === 'Connected'`)

	// Go available: pick the first status that allows chats.
	agent.TakeChats()
	agent.Screenshot("2-available")

	// The visitor asks for a chat on the demo page.
	visitor.Do(chromedp.Navigate(env.URL + "/demo"))
	visitor.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	visitor.Click(browsertest.WidgetLauncher)
	visitor.WaitFor("the pre-chat form", browsertest.InWidget(`d.activeElement && d.activeElement.id === 'f-name'`))
	visitor.Do(chromedp.KeyEvent("Vera <b>Visitor</b>"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Where is my order?"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))

	// The offer rings with its countdown; accept it.
	agent.WaitFor("the offer", `!!document.querySelector('.offer') && document.querySelector('.offer').textContent.includes('Vera <b>Visitor</b>')`)
	if title := browsertest.Eval[string](agent, `document.title`); !strings.HasPrefix(title, "* ") {
		t.Errorf("title with an offer = %q", title)
	}
	if n := browsertest.Eval[int](agent, `document.querySelectorAll('.offer b').length`); n != 0 {
		t.Fatal("the visitor's name became HTML")
	}
	agent.Screenshot("3-offer")
	agent.Click(`document.querySelector('.offer .btn-accept')`)
	agent.WaitFor("the conversation", agentHas("Where is my order?"))
	visitor.WaitFor("the agent joined", browsertest.InWidget(`d.querySelector('#status').textContent.includes('Anna') || d.querySelector('#log').textContent.includes('Anna')`))

	// The agent types (the visitor sees it) and sends with Enter.
	agent.Click(`document.querySelector('#composer-text')`)
	agent.Do(chromedp.KeyEvent("Hello, I am looking into it."))
	visitor.WaitFor("the agent typing", browsertest.InWidget(`!d.querySelector('#typing').hidden`))
	visitor.Screenshot("1-agent-typing")
	agent.Do(chromedp.KeyEvent("\r"))
	visitor.WaitFor("the agent's reply", browsertest.InWidget(`d.querySelector('#log').textContent.includes('looking into it')`))
	agent.WaitFor("the reply confirmed", `!document.querySelector('.line.pending')`)

	// The visitor types: the agent sees the live preview before it is sent, then the message.
	visitor.WaitFor("the focus in the message box", browsertest.InWidget(`d.activeElement && d.activeElement.id === 'msg'`))
	visitor.Do(chromedp.KeyEvent("I ordered on Monday"))
	agent.WaitFor("the live preview", `!!document.querySelector('.preview-text') && document.querySelector('.preview-text').textContent.includes('I ordered on Monday')`)
	agent.Screenshot("4-preview")
	visitor.Do(chromedp.KeyEvent("\r"))
	agent.WaitFor("the visitor's message", agentHas("I ordered on Monday")+` && !document.querySelector('.preview')`)

	// A canned response, then an emoji, then Enter.
	agent.Click(`document.querySelector('#canned-button')`)
	agent.WaitFor("the canned responses", `document.querySelectorAll('.canned').length > 0`)
	agent.WaitFor("the focus in the search", `document.activeElement && document.activeElement.id === 'canned-search'`)
	agent.Do(chromedp.KeyEvent("welcome"))
	agent.WaitFor("the search", `document.querySelectorAll('.canned').length >= 1`)
	agent.Screenshot("5-canned")
	agent.Do(chromedp.KeyEvent("\r"))
	agent.WaitFor("the canned text in the composer", `document.querySelector('#composer-text').value.length > 10 && !document.querySelector('.canned-panel')`)
	agent.Click(`document.querySelector('#emoji-button')`)
	agent.WaitFor("the emoji panel", `!!document.querySelector('.emoji-panel')`)
	agent.Screenshot("6-emoji")
	agent.Click(`document.querySelector('.emoji-panel .emoji')`)
	agent.WaitFor("the emoji in the composer", `document.querySelector('#composer-text').value.includes('🙂') && !document.querySelector('.emoji-panel')`)
	composed := browsertest.Eval[string](agent, `document.querySelector('#composer-text').value`)
	if !strings.Contains(composed, "🙂") || strings.Contains(composed, "$visitor") {
		t.Fatalf("composer holds %q", composed)
	}
	agent.Click(`document.querySelector('#composer-text')`)
	agent.Do(chromedp.KeyEvent("\r"))
	visitor.WaitFor("the canned response with the emoji", browsertest.InWidget(`d.querySelector('#log').textContent.includes('🙂')`))
	agent.WaitFor("the canned reply confirmed", agentHas("🙂")+` && !document.querySelector('.line.pending')`)
	lines := browsertest.Eval[int](agent, `document.querySelectorAll('#messages .line.msg').length`)

	// Reload the agent app mid-chat; the visitor writes meanwhile; nothing is lost.
	agent.Do(chromedp.Reload())
	visitor.Click(browsertest.WidgetFrameDoc + `.querySelector('#msg')`)
	visitor.Do(chromedp.KeyEvent("Are you still there?"), chromedp.KeyEvent("\r"))
	agent.WaitFor("the chat after the reload", agentHas("Are you still there?")+` && `+agentHas("looking into it"))
	if got := browsertest.Eval[int](agent, `document.querySelectorAll('#messages .line.msg').length`); got != lines+1 {
		t.Errorf("after the reload %d messages, want %d", got, lines+1)
	}
	agent.Screenshot("7-after-reload")
	agent.Click(`document.querySelector('#composer-text')`)
	agent.Do(chromedp.KeyEvent("Yes, still here."), chromedp.KeyEvent("\r"))
	visitor.WaitFor("the answer after the reload", browsertest.InWidget(`d.querySelector('#log').textContent.includes('still here')`))

	// A second chat: the agent accepts it, goes back to Vera, and Otto's message shows as
	// unread in his tab and in the title.
	otto, _ := env.Visitor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ack, err := otto.Call(ctx, "", &protocol.ChatRequest{Name: "Otto Second", Question: "Do you ship to Austria?"})
	if err != nil {
		t.Fatalf("second chat: %v", err)
	}
	ottoChat := ack.Body.(*protocol.Ack).Chat
	agent.WaitFor("the second offer", `!!document.querySelector('.offer') && document.querySelector('.offer').textContent.includes('Otto Second')`)
	agent.Click(`document.querySelector('.offer .btn-accept')`)
	agent.WaitFor("two chats", `document.querySelectorAll('.tabs .tab').length === 2`)
	agent.Click(`[...document.querySelectorAll('.tabs .tab')].find(b => b.textContent.includes('Vera')) `)
	agent.WaitFor("Vera's chat shown", agentHas("still here"))
	if _, err := otto.Call(ctx, ottoChat, &protocol.Send{Text: "Hello? Anyone?"}); err != nil {
		t.Fatal(err)
	}
	agent.WaitFor("the unread badge on Otto's tab", `(() => { const b = [...document.querySelectorAll('.tabs .tab')].find(b => b.textContent.includes('Otto')); return !!b && b.classList.contains('blink') && b.querySelector('.badge') && b.querySelector('.badge').textContent === '1'; })()`)
	if title := browsertest.Eval[string](agent, `document.title`); !strings.HasPrefix(title, "* (1)") {
		t.Errorf("title with one unread message = %q", title)
	}
	agent.Screenshot("8-two-chats")
	agent.Click(`[...document.querySelectorAll('.tabs .tab')].find(b => b.textContent.includes('Otto'))`)
	agent.WaitFor("Otto's chat read", agentHas("Anyone?")+` && !document.querySelector('.badge')`)
	if title := browsertest.Eval[string](agent, `document.title`); strings.HasPrefix(title, "*") {
		t.Errorf("title after reading = %q", title)
	}

	// Close Vera's chat: the visitor gets the bye text.
	agent.Click(`[...document.querySelectorAll('.tabs .tab')].find(b => b.textContent.includes('Vera'))`)
	agent.WaitFor("Vera's chat shown", agentHas("still here"))
	agent.Click(`document.querySelector('.pane-head .btn-danger')`)
	agent.WaitFor("the closed chat", `document.querySelector('#messages').textContent.includes('closed') && !!document.querySelector('.composer-text:disabled')`)
	visitor.WaitFor("the bye text", browsertest.InWidget(`!d.querySelector('#restart').hidden`))
	agent.Screenshot("9-closed")
	visitor.Screenshot("2-closed")

	// The first visit asks /api/me without a session: the 401 is expected, not a fault.
	agent.AssertNoConsoleErrors("/api/me")
	visitor.AssertNoConsoleErrors("/api/me")
}
