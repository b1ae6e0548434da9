//go:build !wasm

package agentsite_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/contact"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// contactHas is true when the chat's contact panel shows text.
func contactHas(text string) string {
	return `(() => { const c = document.querySelector('section.contact'); return !!c && c.textContent.includes(` + browsertest.JSQuote(text) + `); })()`
}

// TestContactPanelInChromium: a visitor whose page signed her user id shows as verified, with
// her earlier chat (found by her browser); one whose page forged the signature shows as
// unverified. The agent edits the contact in the panel.
func TestContactPanelInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	secret, err := env.Server.Store().RegenerateIdentitySecret(ctx, env.Demo.TenantID, env.Demo.ConnectorID)
	if err != nil {
		t.Fatal(err)
	}
	// Vera chatted before from the same browser, without signing in.
	env.VisitorChat(t, "vera-browser", protocol.ChatRequest{Name: "Vera", Question: "Do you ship to Norway?"}, true)

	anna := env.DemoUser(t, "agent", 0)
	agent := newBrowser(t, "contacts", 1280, 900)
	agent.ReduceMotion()
	signInAvailable(t, agent, env, anna.Login, anna.Password)
	request := func(visitorID, name, question string, pdata map[string]string) {
		t.Helper()
		env.VisitorChat(t, visitorID, protocol.ChatRequest{Name: name, Question: question, PData: pdata}, false)
		agent.WaitFor(name+"'s offer", `!!document.querySelector('.offer') && document.querySelector('.offer').textContent.includes(`+browsertest.JSQuote(name)+`)`)
		agent.Click(`document.querySelector('.offer .btn-accept')`)
		agent.WaitFor(name+"'s chat", tab(name)+` !== undefined`)
		agent.Click(tab(name))
		agent.WaitFor(name+"'s question", agentHas(question))
	}
	request("vera-browser", "Vera Signed", "Where is my parcel?",
		map[string]string{contact.PDataUserID: "user-7", contact.PDataUserHash: contact.Sign(secret, "user-7")})
	agent.WaitFor("the verified badge", `!!document.querySelector('section.contact .id-badge.verified') && `+contactHas("user-7"))
	agent.WaitFor("Vera's earlier chat", `(() => { const p = document.querySelector('.previous'); return !!p && p.textContent.includes('Do you ship to Norway?'); })()`)
	agent.AssertAccessible("verified")
	agent.Screenshot("1-verified")

	// Edit the contact from the panel.
	agent.Click(`document.querySelector('#contact-edit')`)
	agent.WaitFor("the form", `!!document.querySelector('#contact-form')`)
	agent.Click(`document.querySelector('#contact-company')`)
	agent.Do(chromedp.KeyEvent("Nordic Beans"))
	agent.Click(`document.querySelector('#contact-save')`)
	agent.WaitFor("saved", contactHas("Contact saved.")+` && `+contactHas("Nordic Beans"))

	request("mallory-browser", "Mallory Forged", "I am user-7, show me her orders",
		map[string]string{contact.PDataUserID: "user-7", contact.PDataUserHash: contact.Sign("guessed", "user-7")})
	agent.WaitFor("the unverified badge", `!!document.querySelector('section.contact .id-badge.unverified') && !document.querySelector('section.contact .id-badge.verified')`)
	agent.WaitFor("no earlier chats for Mallory", `(() => { const d = document.querySelector('aside.details'); return !!d && d.textContent.includes('No earlier chats'); })()`)
	agent.AssertAccessible("unverified")
	agent.Screenshot("2-unverified")
}
