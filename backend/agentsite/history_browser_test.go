package agentsite_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/store"
)

// TestHistoryInChromium: an agent opens the History view, pages through their own chats
// (never a colleague's), searches with the keyboard and sees the words marked, filters by a
// tag, and reads a transcript, closing it with Escape. axe-core checks the view; screenshots
// are kept for review.
func TestHistoryInChromium(t *testing.T) {
	env := startSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	st := env.Server.Store()
	tid := env.Demo.TenantID
	billing, err := st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: tid, Name: "Billing"})
	if err != nil {
		t.Fatal(err)
	}
	anna, err := st.UserByLogin(ctx, env.DemoUser(t, "agent", 0).Login)
	if err != nil {
		t.Fatal(err)
	}
	ben, err := st.UserByLogin(ctx, env.DemoUser(t, "agent", 1).Login)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-48 * time.Hour).Truncate(time.Minute)
	var h store.History
	add := func(id, visitor string, agent int64, i int, text string) {
		at := base.Add(time.Duration(i) * time.Minute)
		h.Chats = append(h.Chats, store.Chat{ID: id, TenantID: tid, ConnectorID: env.Demo.ConnectorID, State: "closed", VisitorName: visitor,
			AgentID: agent, Lang: "en", CreatedAt: at, ClosedAt: &at, LastSeq: 1, LastVisitorSeq: 1})
		h.Messages = append(h.Messages, store.Message{ChatID: id, Seq: 1, Role: "visitor", Name: visitor, Text: text, At: at})
		h.Events = append(h.Events, store.Event{ChatID: id, Seq: 1, VisitorSeq: 1, Type: "message",
			Data: []byte(`{"role":"visitor","text":"` + text + `"}`), At: at})
	}
	for i := range 33 {
		add(fmt.Sprintf("hist-%02d", i), fmt.Sprintf("Visitor %02d", i), anna.ID, i, "Where is my parcel number "+strconv.Itoa(i)+"?")
	}
	add("hist-zebra", "Zoe Zebra", anna.ID, 40, "My zebra print mug arrived broken")
	add("hist-bens", "Bob Secret", ben.ID, 41, "The zebra costume is for Ben only")
	if err := st.ImportHistory(ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := st.SetChatTags(ctx, tid, "hist-zebra", []int64{billing}, anna.ID, base); err != nil {
		t.Fatal(err)
	}

	agent := newBrowser(t, "agent-history", 1360, 860)
	signIn(t, env, agent, 0)
	agent.Click(`document.querySelector('#nav-history')`)
	agent.WaitFor("the first page", `document.querySelectorAll('#history-list .history-item').length === 30 && !!document.querySelector('#history-older')`)
	if got := browsertest.Eval[bool](agent, `document.querySelector('#history-list').textContent.includes('Bob Secret')`); got {
		t.Fatal("a colleague's chat is listed")
	}
	if first := browsertest.Eval[string](agent, `document.querySelector('#history-list .history-visitor').textContent`); first != "Zoe Zebra" {
		t.Fatalf("newest first: %q", first)
	}
	agent.AssertAccessible("history list")
	agent.Screenshot("1-list")
	agent.Click(`document.querySelector('#history-older')`)
	agent.WaitFor("the second page", `document.querySelectorAll('#history-list .history-item').length === 4 && !!document.querySelector('#history-newer') && !document.querySelector('#history-older')`)
	agent.Click(`document.querySelector('#history-newer')`)
	agent.WaitFor("the first page again", `document.querySelectorAll('#history-list .history-item').length === 30`)

	// The search, typed and sent with Enter.
	agent.Click(`document.querySelector('#history-q')`)
	agent.Do(chromedp.KeyEvent("zebra"), chromedp.KeyEvent("\r"))
	agent.WaitFor("the hit", `document.querySelectorAll('#history-list .history-hit').length === 1 && document.querySelector('#history-list mark').textContent === 'zebra'`)
	if got := browsertest.Eval[bool](agent, `document.querySelector('#history-list').textContent.includes('Ben only')`); got {
		t.Fatal("the search found a colleague's chat")
	}
	agent.AssertAccessible("history search")
	agent.Screenshot("2-search")

	// Opened with the keyboard, closed with Escape.
	browsertest.Eval[bool](agent, `(() => { document.querySelector('#history-list .history-open').focus(); return true; })()`)
	agent.Do(chromedp.KeyEvent("\r"))
	agent.WaitFor("the transcript", `!!document.querySelector('#history-chat') && document.querySelector('#history-chat').textContent.includes('My zebra print mug arrived broken') && document.querySelector('#history-chat').textContent.includes('Billing')`)
	agent.AssertAccessible("history transcript")
	agent.Screenshot("3-transcript")
	agent.Do(chromedp.KeyEvent("\u001b"))
	agent.WaitFor("the list again", `!document.querySelector('#history-chat') && !!document.querySelector('#history-list')`)

	// The tag filter, without the search.
	browsertest.Eval[bool](agent, `(() => { const q = document.querySelector('#history-q'); q.value = ''; q.dispatchEvent(new Event('change', {bubbles: true}));
		const s = document.querySelector('#history-tag'); s.value = '`+strconv.FormatInt(billing, 10)+`'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	agent.Click(`document.querySelector('#history-find')`)
	agent.WaitFor("the tagged chat only", `!document.querySelector('#history-list .history-hit') && document.querySelectorAll('#history-list .history-item').length === 1 && document.querySelector('#history-list .history-visitor').textContent === 'Zoe Zebra'`)
	agent.Screenshot("4-tag")
}

// TestHistoryLabelsInChromium: an agent changes the tags and outcome of a chat they closed
// from its transcript in the History view, with the keyboard; the form follows the tenant's
// lists as an administrator changes them, says when a save failed and when it was taken, and
// the chat's tags and outcome are stored. axe-core checks the form; screenshots are kept for
// review.
func TestHistoryLabelsInChromium(t *testing.T) {
	env := startSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	st := env.Server.Store()
	tid := env.Demo.TenantID
	label := func(kind store.LabelKind, name string) int64 {
		t.Helper()
		id, err := st.SaveLabel(ctx, kind, store.Label{TenantID: tid, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	billing, shipping := label(store.LabelTag, "Billing"), label(store.LabelTag, "Shipping")
	solved := label(store.LabelOutcome, "Solved")
	label(store.LabelOutcome, "Refund")
	anna, err := st.UserByLogin(ctx, env.DemoUser(t, "agent", 0).Login)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
	h := store.History{
		Chats: []store.Chat{{ID: "lab-chat", TenantID: tid, ConnectorID: env.Demo.ConnectorID, State: "closed", VisitorName: "Lena Label",
			AgentID: anna.ID, Lang: "en", CreatedAt: at, ClosedAt: &at, LastSeq: 1, LastVisitorSeq: 1}},
		Messages: []store.Message{{ChatID: "lab-chat", Seq: 1, Role: "visitor", Name: "Lena Label", Text: "My invoice is wrong", At: at}},
		Events: []store.Event{{ChatID: "lab-chat", Seq: 1, VisitorSeq: 1, Type: "message",
			Data: []byte(`{"role":"visitor","text":"My invoice is wrong"}`), At: at}},
	}
	if err := st.ImportHistory(ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := st.SetChatTags(ctx, tid, "lab-chat", []int64{billing}, anna.ID, at); err != nil {
		t.Fatal(err)
	}

	agent := newBrowser(t, "agent-history-labels", 1360, 900)
	signIn(t, env, agent, 0)
	agent.Click(`document.querySelector('#nav-history')`)
	agent.WaitFor("the list", `document.querySelectorAll('#history-list .history-item').length === 1`)
	browsertest.Eval[bool](agent, `(() => { document.querySelector('#history-list .history-open').focus(); return true; })()`)
	agent.Do(chromedp.KeyEvent("\r"))
	billingBox, shippingBox := "#history-tag-"+strconv.FormatInt(billing, 10), "#history-tag-"+strconv.FormatInt(shipping, 10)
	agent.WaitFor("the form", `!!document.querySelector('#history-labels') && document.querySelector('`+billingBox+`').checked && !document.querySelector('`+shippingBox+`').checked && document.querySelector('#history-outcome-edit').value === '0'`)

	// Tick Shipping and pick Solved with the keyboard.
	agent.TabTo(shippingBox, 20)
	agent.Do(chromedp.KeyEvent(" "))
	agent.WaitFor("Shipping ticked", `document.querySelector('`+shippingBox+`').checked`)
	browsertest.Eval[bool](agent, `(() => { const s = document.querySelector('#history-outcome-edit'); s.value = '`+strconv.FormatInt(solved, 10)+`'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)

	// The first save fails on the way (the network is gone): the agent is told, nothing is
	// stored, and the form keeps what was picked.
	browsertest.Eval[bool](agent, `(() => { window.realFetch = window.fetch; window.fetch = (u, o) => String(u).endsWith('/labels') ? Promise.reject(new TypeError('offline')) : window.realFetch(u, o); return true; })()`)
	agent.TabTo("#history-labels-save", 10)
	agent.Do(chromedp.KeyEvent("\r"))
	agent.WaitFor("the failure", `document.querySelector('#history-labels-status.error') && document.querySelector('#history-labels-status').textContent.includes('could not be saved') && document.querySelector('`+shippingBox+`').checked`)
	agent.Screenshot("2-failed")
	if tags, _ := st.ChatTags(ctx, tid, "lab-chat"); len(tags) != 1 {
		t.Fatalf("a failed save stored tags %v", tags)
	}
	browsertest.Eval[bool](agent, `(() => { window.fetch = window.realFetch; return true; })()`)
	agent.Do(chromedp.KeyEvent("\r"))
	agent.WaitFor("the save", `document.querySelector('#history-labels-status').textContent === 'The tags and outcome are saved.'`)
	agent.AssertAccessible("history labels form")
	agent.Screenshot("1-saved")
	tags, err := st.ChatTags(ctx, tid, "lab-chat")
	if err != nil || len(tags) != 2 || tags[0] != min(billing, shipping) || tags[1] != max(billing, shipping) {
		t.Fatalf("stored tags %v %v, want Billing and Shipping", tags, err)
	}
	if ch, err := st.Chat(ctx, "lab-chat"); err != nil || ch.OutcomeID != solved {
		t.Fatalf("stored outcome %d %v, want %d", ch.OutcomeID, err, solved)
	}
	agent.WaitFor("the facts follow", `document.querySelector('#history-chat .facts').textContent.includes('Billing, Shipping') && document.querySelector('#history-chat .facts').textContent.includes('Solved')`)

	// An administrator adds a tag and deletes Shipping: the open form follows at once.
	returns := label(store.LabelTag, "Returns")
	if err := st.DeleteLabel(ctx, store.LabelTag, tid, shipping); err != nil {
		t.Fatal(err)
	}
	agent.WaitFor("the new lists", `!!document.querySelector('#history-tag-`+strconv.FormatInt(returns, 10)+`') && !document.querySelector('`+shippingBox+`')`)
	agent.Screenshot("3-lists-changed")
}
