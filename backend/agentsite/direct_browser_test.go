//go:build !wasm

package agentsite_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// colleagueIs is true when the colleagues panel shows colleague uid with availability av, in
// colour and in words.
func colleagueIs(uid int64, av protocol.Availability, label string) string {
	id := strconv.FormatInt(uid, 10)
	return `(() => { const li = document.querySelector('#colleague-` + id + `');
		return !!li && li.dataset.availability === '` + string(av) + `' && li.querySelector('.avail-dot-` + string(av) + `') !== null &&
			li.querySelector('.colleague-avail').textContent === '` + label + `'; })()`
}

// TestAgentToAgentChatInChromium runs two agents' apps against the real server: Anna's
// colleagues panel shows Ben active, then away once the tenant's (shortened) idle threshold
// passes without his touching the app; Anna writes to him from the panel, Ben accepts the
// request card, they write to each other in the chat tabs, and Anna, whose limit is one chat,
// still gets the next visitor's offer: the chat between agents uses no visitor capacity.
func TestAgentToAgentChatInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Anna takes one chat at a time and Ben none from visitors, so that the visitor's offer
	// can only be Anna's; away comes after 10 s without activity.
	st := env.Server.Store()
	annaU, err := st.UserByLogin(ctx, env.DemoUser(t, "agent", 0).Login)
	if err != nil {
		t.Fatal(err)
	}
	benU, err := st.UserByLogin(ctx, env.DemoUser(t, "agent", 1).Login)
	if err != nil {
		t.Fatal(err)
	}
	annaU.MaxChats, benU.MaxChats = 1, 0
	for _, u := range []store.User{annaU, benU} {
		if _, err := st.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := st.TenantSettings(ctx, annaU.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	ts.AgentIdle = 10 * time.Second
	if _, err := st.SaveTenantSettings(ctx, ts); err != nil {
		t.Fatal(err)
	}
	env.Settled(t)

	anna := newBrowser(t, "direct-anna", 1280, 860)
	signIn(t, env, anna, 0)
	ben := newBrowser(t, "direct-ben", 1280, 860)
	signIn(t, env, ben, 1)

	// Ben is active, then away: he does not touch his app for the idle threshold.
	anna.WaitFor("Ben active", colleagueIs(benU.ID, protocol.AvailActive, "Active"))
	anna.Screenshot("direct-1-ben-active")
	anna.WaitFor("Ben away", colleagueIs(benU.ID, protocol.AvailAway, "Away"))
	anna.Screenshot("direct-2-ben-away")
	// Anna, who kept clicking and typing, is active for Ben.
	ben.WaitFor("Anna in Ben's panel", `!!document.querySelector('#colleague-`+strconv.FormatInt(annaU.ID, 10)+`')`)

	// Anna writes to Ben from the panel.
	anna.Click(`document.querySelector('#direct-` + strconv.FormatInt(benU.ID, 10) + `')`)
	anna.WaitFor("the first-message card", `!!document.querySelector('#direct-card') && document.activeElement && document.activeElement.id === 'direct-text'`)
	anna.Do(chromedp.KeyEvent("Ben, can you take a look at order 4711?"))
	anna.Screenshot("direct-3-card")
	pressEnter(t, anna)
	anna.WaitFor("the chat with Ben, waiting", `!document.querySelector('#direct-card') && (() => { const t = document.querySelector('.tab.selected');
		return !!t && t.textContent.includes('Ben') && !!t.querySelector('.presence-inactive'); })() && `+agentHas("order 4711"))

	anna.Screenshot("direct-3b-waiting")

	// Ben gets the request as a card and accepts it.
	ben.WaitFor("the request card", `[...document.querySelectorAll('.invite')].some(c => c.textContent.includes('Anna wants to chat with you'))`)
	chatID := strings.TrimPrefix(browsertest.Eval[string](ben, `document.querySelector('.invite').id`), "invite-")
	ben.Screenshot("direct-4-request")
	ben.Click(`document.querySelector('#invite-` + chatID + ` .btn-accept')`)
	ben.WaitFor("the chat with Anna", agentHas("order 4711")+` && (document.querySelector('.tab.selected') || {textContent: ''}).textContent.includes('Anna')`)
	anna.WaitFor("the chat active", `!!document.querySelector('.tab.selected .presence-active')`)

	// They write to each other.
	ben.Click(`document.querySelector('#composer-text')`)
	ben.Do(chromedp.KeyEvent("Sure, looking at it now."))
	pressEnter(t, ben)
	anna.WaitFor("Ben's answer", agentHas("looking at it now"))
	anna.Click(`document.querySelector('#composer-text')`)
	anna.Do(chromedp.KeyEvent("Thanks!"))
	pressEnter(t, anna)
	ben.WaitFor("Anna's thanks", agentHas("Thanks!"))
	anna.Screenshot("direct-5-chat")
	ben.Screenshot("direct-5-chat")

	// Anna at her limit of one chat is still offered a visitor.
	visitor, _ := env.Visitor(t)
	if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Vera Visitor", Question: "Where is my parcel?"}); err != nil {
		t.Fatal(err)
	}
	anna.WaitFor("the visitor's offer", `[...document.querySelectorAll('.offers .offer')].some(o => o.textContent.includes('Vera Visitor'))`)
	anna.Screenshot("direct-6-offer")

	// Ben closes the chat; Anna sees it end.
	ben.Click(`document.querySelector('.pane-head .btn-danger')`)
	anna.WaitFor("the chat ended", `[...document.querySelectorAll('.ended .tab')].some(t => t.textContent.includes('Ben'))`)

	// A second request, which Ben declines: Anna is told in the chat, which ends.
	anna.Click(`document.querySelector('#direct-` + strconv.FormatInt(benU.ID, 10) + `')`)
	anna.WaitFor("the card again", `document.activeElement && document.activeElement.id === 'direct-text'`)
	anna.Do(chromedp.KeyEvent("One more question?"))
	pressEnter(t, anna)
	ben.WaitFor("the second request", `[...document.querySelectorAll('.invite')].some(c => c.textContent.includes('Anna wants to chat with you'))`)
	ben.Click(`document.querySelector('.invite .btn-quiet')`)
	anna.WaitFor("told of the decline", agentHas("Ben declined the chat.")+` && `+agentHas("The colleague declined the chat"))
	anna.Screenshot("direct-7-declined")
	for _, b := range []*browsertest.Browser{anna, ben} {
		b.AssertNoConsoleErrors("/api/me")
	}
}
