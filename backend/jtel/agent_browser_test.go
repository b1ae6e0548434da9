package jtel_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
)

// TestAgentSeesSnippetDataInChromium has a visitor on a customer's page with the document's
// snippet and the agent in the agent app: the agent takes the chat and finds the snippet's
// pdata and udata in the visitor details, and the visitor's name and e-mail from pdata.
func TestAgentSeesSnippetDataInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json", "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{Postgres: true})
	pageURL := customerPage(t, env, env.Demo.ConnectorHash)
	anna := env.DemoUser(t, "agent", 0)

	agent := browsertest.New(t, browsertest.Options{Name: "jtel-agent", Width: 1440, Height: 900, Lang: "en-US", WaitTimeout: 35 * time.Second, ClickScroll: "nearest"})
	agent.Do(chromedp.Navigate(env.URL + "/agent/"))
	agent.WaitFor("the sign-in form", `!!document.querySelector('#signin-login')`)
	agent.Click(`document.querySelector('#signin-login')`)
	agent.Do(chromedp.KeyEvent(anna.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(anna.Password), chromedp.KeyEvent("\r"))
	agent.WaitFor("the desk", `!!document.querySelector('.topbar') && document.querySelector('.link').textContent === 'Connected'`)
	agent.TakeChats()

	visitor := browsertest.New(t, browsertest.Options{Name: "jtel-visitor", Lang: "en-US", AcceptLanguage: "en-US,en", Flags: []chromedp.ExecAllocatorOption{browsertest.SiteIsolation}})
	visitor.Do(chromedp.Navigate(pageURL))
	visitor.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	visitor.Click(browsertest.WidgetLauncher)
	f := visitor.Frame("jtel-frame", "/widget/frame")
	fwait(f, "the focused editor", `document.activeElement === document.querySelector('#f-q')`)
	visitor.Do(chromedp.KeyEvent("Where is my order?"), pressEnter)

	agent.WaitFor("the offer from John Doe", `!!document.querySelector('.offer') && document.querySelector('.offer').textContent.includes('John Doe')`)
	agent.Click(`document.querySelector('.offer .btn-accept')`)
	agent.WaitFor("the conversation", `(() => { const m = document.querySelector('#messages'); return !!m && m.textContent.includes('Where is my order?'); })()`)
	details := `document.querySelector('.details').textContent`
	agent.WaitFor("the visitor details", details+`.includes('john.doe@example.com')`)
	got := browsertest.Eval[string](agent, details)
	for _, want := range []string{"John Doe", "john.doe@example.com", "Identity data (pdata)", "receiver", "My Chat Connector", "sender",
		"userdata", "123456", "userdata2", "userdata3", "Extra data (udata)", "anyfield1", "Any Field 1", "anyfield2", "Any Field 2"} {
		if !strings.Contains(got, want) {
			t.Errorf("the visitor details lack %q: %s", want, got)
		}
	}
	agent.Screenshot("1-visitor-details")
	fwait(f, "Anna joined", `document.querySelector('#log').textContent.includes('Anna')`)
	shot(visitor, f, "7-visitor-with-agent")
	// Before the sign-in, the app's question who is signed in is answered 401.
	agent.AssertNoConsoleErrors("/api/me")
	visitor.AssertNoConsoleErrors()
}
