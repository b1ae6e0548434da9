//go:build !wasm

package agentsite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// networkSwitch is run in the page before its own scripts: window.parleyNet.drop() closes the
// page's WebSockets, as a lost network does, and makes new ones fail until
// window.parleyNet.restore(), so that a test decides how long the app is disconnected.
const networkSwitch = `(() => {
	if (window.parleyNet) return;
	const Native = window.WebSocket;
	const net = {offline: false, sockets: []};
	net.drop = () => { net.offline = true; for (const s of net.sockets) { if (s.readyState < 2) s.close(4000, 'network lost'); } net.sockets = []; return true; };
	net.restore = () => { net.offline = false; return true; };
	// While offline a socket goes to a path the server refuses, so that it fails as on a
	// network that is down, within the page's Content-Security-Policy.
	const nowhere = () => (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/offline';
	function WebSocket(url, protocols) {
		const to = net.offline ? nowhere() : url;
		const s = protocols === undefined ? new Native(to) : new Native(to, protocols);
		net.sockets.push(s);
		return s;
	}
	WebSocket.prototype = Native.prototype;
	for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) WebSocket[k] = Native[k];
	window.WebSocket = WebSocket;
	window.parleyNet = net;
})()`

// withNetworkSwitch installs networkSwitch in every document the browser opens.
func withNetworkSwitch(b *browsertest.Browser) {
	b.Do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: networkSwitch})
		return chromedp.Void{}, err
	})
}

// signInAvailable signs the agent in and picks the first status that takes chats.
func signInAvailable(t *testing.T, b *browsertest.Browser, env *servertest.Env, login, password string) {
	t.Helper()
	b.Do(chromedp.Navigate(env.URL + "/agent/"))
	b.WaitFor("the sign-in form", `!!document.querySelector('#signin-login')`)
	b.Click(`document.querySelector('#signin-login')`)
	b.Do(chromedp.KeyEvent(login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(password), chromedp.KeyEvent("\r"))
	b.WaitFor("the desk", `!!document.querySelector('.topbar') && document.querySelector('.link').textContent === 'Connected'`)
	b.TakeChats()
}

// tab is the JavaScript for the chat tab whose text includes name.
func tab(name string) string {
	return `[...document.querySelectorAll('.tabs .tab')].find(b => b.textContent.includes(` + browsertest.JSQuote(name) + `))`
}

// TestChatsThatEndWhileTheAgentIsAway runs the agent app in Chromium against the real server
// with two chats, and drops the app's network. Meanwhile one visitor writes and closes her
// chat, and the other chat goes to another agent once the server gives up waiting for this
// one. When the network is back, the app shows the first chat's last message and its close,
// and the second chat as handed over; neither is left looking open.
func TestChatsThatEndWhileTheAgentIsAway(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json")
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) {
		// The server requeues a missing agent's chats after this window: kept short, so that
		// the second chat moves on while the app is away.
		c.ReconnectWindow, c.AgentWarning = 3*time.Second, time.Second
	}})
	anna := env.DemoUser(t, "agent", 0)
	agent := newBrowser(t, "away", 1280, 800)
	withNetworkSwitch(agent)
	signInAvailable(t, agent, env, anna.Login, anna.Password)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	request := func(name, question string) (*protoclient.Client, string) {
		t.Helper()
		v, _ := env.Visitor(t)
		ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: name, Question: question})
		if err != nil {
			t.Fatalf("%s's chat: %v", name, err)
		}
		agent.WaitFor(name+"'s offer", `!!document.querySelector('.offer') && document.querySelector('.offer').textContent.includes(`+browsertest.JSQuote(name)+`)`)
		agent.Click(`document.querySelector('.offer .btn-accept')`)
		agent.WaitFor(name+"'s chat", tab(name)+` !== undefined`)
		return v, ack.Body.(*protocol.Ack).Chat
	}
	clara, claraChat := request("Clara Closing", "Can I still change my order?")
	_, doraChat := request("Dora Handover", "Do you ship to Norway?")
	agent.Click(tab("Clara"))
	agent.WaitFor("Clara's question", agentHas("Can I still change my order?"))
	// Another agent is available to take over what this one leaves.
	ben, _ := env.Agent(t, 1)

	// The network goes.
	browsertest.Eval[bool](agent, `window.parleyNet.drop()`)
	agent.WaitFor("the reconnecting state", `document.querySelector('.link').textContent.startsWith('Reconnecting')`)
	agent.Screenshot("1-disconnected")

	// Clara writes and closes her chat meanwhile.
	if _, err := clara.Call(ctx, claraChat, &protocol.Send{Text: "Never mind, I found the answer."}); err != nil {
		t.Fatal(err)
	}
	if _, err := clara.Call(ctx, claraChat, &protocol.Close{}); err != nil {
		t.Fatal(err)
	}
	// Dora's chat goes back to the queue when the server stops waiting, and Ben takes it.
	if _, err := ben.Await(ctx, func(ev protocol.Event) bool { o, ok := ev.Body.(*protocol.Offer); return ok && o.Chat == doraChat }); err != nil {
		t.Fatalf("Dora's chat was not offered to Ben: %v", err)
	}
	if _, err := ben.Call(ctx, doraChat, &protocol.OfferAccept{}); err != nil {
		t.Fatalf("Ben's accept: %v", err)
	}

	// The network comes back.
	browsertest.Eval[bool](agent, `window.parleyNet.restore()`)
	agent.WaitFor("the reconnect", `document.querySelector('.link').textContent === 'Connected'`)
	agent.WaitFor("Clara's close", agentHas("Never mind, I found the answer.")+` && `+agentHas("The visitor closed the chat")+
		` && !!document.querySelector('.composer-text:disabled')`)
	if got := browsertest.Eval[string](agent, `document.querySelector('.pane-head').textContent`); !strings.Contains(got, "Remove from list") || strings.Contains(got, "Close chat") {
		t.Errorf("Clara's ended chat shows %q", got)
	}
	agent.WaitFor("Clara's tab closed", tab("Clara")+`.classList.contains('closed')`)
	agent.Screenshot("2-closed-while-away")
	agent.WaitFor("Dora's tab closed", tab("Dora")+`.classList.contains('closed')`)
	agent.Click(tab("Dora"))
	agent.WaitFor("Dora's chat handed over", agentHas("Do you ship to Norway?")+` && `+agentHas("handed over or ended while you were disconnected")+
		` && !!document.querySelector('.composer-text:disabled')`)
	agent.Screenshot("3-handed-over")
	// The ended chats can be removed from the list.
	agent.Click(`document.querySelector('.pane-head .btn')`)
	agent.WaitFor("Dora's chat removed", tab("Dora")+` === undefined && `+tab("Clara")+` !== undefined`)
	// Only the refused connections of the switch itself are errors.
	agent.AssertNoConsoleErrors("/api/me", "/ws/offline")
}
