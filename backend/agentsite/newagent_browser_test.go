//go:build !wasm

package agentsite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/shared/protocol"
)

// TestNewAgentFirstChats runs the agent app in Chromium as a new agent meets it, with no
// status yet and no emoji font installed (as in headless Chromium): the status menu shows that
// there is no status, choosing Available sets it on the server and colours the dot with the
// status's background; the toolbar draws its icons; accepting a second request opens that chat,
// so that the reply goes to the new visitor; an emoji after a word gets a space before it; and a
// chat the visitor ends leaves "My chats" for the recently ended ones.
func TestNewAgentFirstChats(t *testing.T) {
	env := startSite(t)
	anna := env.DemoUser(t, "agent", 0)
	agent := newBrowser(t, "newagent", 1280, 800)

	agent.Do(chromedp.Navigate(env.URL + "/agent/"))
	agent.WaitFor("the sign-in form", `!!document.querySelector('#signin-login')`)
	agent.Click(`document.querySelector('#signin-login')`)
	agent.Do(chromedp.KeyEvent(anna.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(anna.Password), chromedp.KeyEvent("\r"))
	agent.WaitFor("the desk", `!!document.querySelector('.topbar') && document.querySelector('.link').textContent === 'Connected'`)

	// A new agent has no status: the menu says so, not "Available".
	agent.WaitFor("the hint that no chats come", `!!document.querySelector('.hint')`)
	if shown := browsertest.Eval[string](agent, `document.querySelector('#status-select').selectedOptions[0].textContent`); shown != "No status" {
		t.Errorf("the status menu shows %q for an agent without a status", shown)
	}
	agent.Screenshot("1-no-status")

	// Choosing Available with the keyboard, as a person would, sets it on the server.
	browsertest.Eval[bool](agent, `(document.querySelector('#status-select').focus(), true)`)
	agent.Do(chromedp.KeyEvent(kb.ArrowDown))
	agent.WaitFor("the available status", `!document.querySelector('.hint') && document.querySelector('.offers .empty') !== null`)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st := env.Server.Store()
	u, err := st.UserByLogin(ctx, anna.Login)
	if err != nil {
		t.Fatal(err)
	}
	statuses, err := st.Statuses(ctx, u.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	var available int64
	for _, s := range statuses {
		if s.Name == "Available" {
			available = s.ID
		}
	}
	// The app shows the change at once; the server's write follows.
	for deadline := time.Now().Add(10 * time.Second); u.StatusID != available && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if u, err = st.UserByLogin(ctx, anna.Login); err != nil {
			t.Fatal(err)
		}
	}
	if u.StatusID != available {
		t.Fatalf("the server has status %d, want Available (%d)", u.StatusID, available)
	}
	agent.WaitFor("the menu showing Available", `document.querySelector('#status-select').selectedOptions[0].textContent === 'Available'`)
	// The dot shows Available's background colour (#2e7d32), not its white font colour.
	if bg := browsertest.Eval[string](agent, `getComputedStyle(document.querySelector('.status .dot')).backgroundColor`); bg != "rgb(46, 125, 50)" {
		t.Errorf("the status dot is %s, want Available's background rgb(46, 125, 50)", bg)
	}

	// Two visitors ask; the agent accepts Vera, then Otto.
	request := func(name, question string) (*protoclient.Client, string) {
		t.Helper()
		v, _ := env.Visitor(t)
		ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: name, Question: question})
		if err != nil {
			t.Fatalf("%s's chat: %v", name, err)
		}
		agent.WaitFor(name+"'s offer", `[...document.querySelectorAll('.offer')].some(o => o.textContent.includes(`+browsertest.JSQuote(name)+`))`)
		agent.Click(`[...document.querySelectorAll('.offer')].find(o => o.textContent.includes(` + browsertest.JSQuote(name) + `)).querySelector('.btn-accept')`)
		agent.WaitFor(name+"'s chat opened", `!!document.querySelector('.pane-title') && document.querySelector('.pane-title').textContent.includes(`+browsertest.JSQuote(name)+`)`)
		agent.WaitFor(name+"'s question", agentHas(question))
		return v, ack.Body.(*protocol.Ack).Chat
	}
	vera, veraChat := request("Vera First", "Where is my parcel?")

	// The toolbar draws its icons; no emoji font is needed.
	for _, id := range []string{"emoji-button", "canned-button", "attach-button"} {
		if !browsertest.Eval[bool](agent, `!!document.querySelector('#`+id+` svg')`) {
			t.Errorf("#%s has no drawn icon", id)
		}
		if text := browsertest.Eval[string](agent, `document.querySelector('#`+id+`').textContent.trim()`); text != "" {
			t.Errorf("#%s shows the character %q, which needs a font", id, text)
		}
	}

	otto, _ := request("Otto Second", "Do you ship to Austria?")
	agent.Screenshot("2-second-chat-open")
	if f := browsertest.Eval[string](agent, `document.activeElement ? document.activeElement.id : ''`); f != "composer-text" {
		t.Errorf("after accepting, the focus is on %q, not the composer", f)
	}

	// The reply goes to Otto, whose request was accepted last; an emoji after it gets a space.
	agent.Click(`document.querySelector('#composer-text')`)
	agent.Do(chromedp.KeyEvent("Yes, we do"))
	agent.Click(`document.querySelector('#emoji-button')`)
	agent.WaitFor("the emoji panel", `!!document.querySelector('.emoji-panel')`)
	agent.Click(`document.querySelector('.emoji-panel .emoji')`)
	agent.WaitFor("the emoji in the composer", `document.querySelector('#composer-text').value.includes('🙂')`)
	if got := browsertest.Eval[string](agent, `document.querySelector('#composer-text').value`); got != "Yes, we do 🙂" {
		t.Errorf("the composer holds %q, want a space before the emoji", got)
	}
	// The focus is back in the text: Enter sends.
	agent.WaitFor("the focus back in the composer", `document.activeElement && document.activeElement.id === 'composer-text'`)
	agent.Do(chromedp.KeyEvent("\r"))
	if _, err := otto.Await(ctx, func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && m.Role == protocol.RoleAgent && strings.HasPrefix(m.Text, "Yes, we do")
	}); err != nil {
		t.Fatalf("Otto did not get the reply: %v", err)
	}
	agent.WaitFor("the reply confirmed", agentHas("Yes, we do")+` && !document.querySelector('.line.pending')`)

	// Vera ends her chat: it leaves "My chats" for the recently ended ones.
	if _, err := vera.Call(ctx, veraChat, &protocol.Close{}); err != nil {
		t.Fatal(err)
	}
	agent.WaitFor("Vera's chat among the ended ones", `[...document.querySelectorAll('.ended .tab')].some(b => b.textContent.includes('Vera First'))`)
	if mine := browsertest.Eval[string](agent, `document.querySelector('.sessions').textContent`); strings.Contains(mine, "Vera First") || !strings.Contains(mine, "Otto Second") {
		t.Errorf("My chats shows %q", mine)
	}
	agent.Screenshot("3-recently-ended")
	// The agent can still remove it at once.
	agent.Click(`document.querySelector('.ended .tab-remove')`)
	agent.WaitFor("Vera's chat removed", `!document.querySelector('.ended') && `+tab("Otto")+` !== undefined`)

	// Away's amber background is faint on the white bar: the dot gets a border.
	browsertest.Eval[bool](agent, `(document.querySelector('#status-select').focus(), true)`)
	agent.Do(chromedp.KeyEvent(kb.ArrowDown))
	agent.WaitFor("the away status", `document.querySelector('#status-select').selectedOptions[0].textContent.startsWith('Away') && !!document.querySelector('.hint')`)
	if dot := browsertest.Eval[string](agent, `(() => { const s = getComputedStyle(document.querySelector('.status .dot')); return s.backgroundColor + ' ' + s.borderTopWidth; })()`); dot != "rgb(249, 168, 37) 1px" {
		t.Errorf("the Away dot is %q, want its amber background with a border", dot)
	}
	agent.Screenshot("4-away")
	agent.AssertNoConsoleErrors("/api/me")
}
