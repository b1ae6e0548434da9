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
