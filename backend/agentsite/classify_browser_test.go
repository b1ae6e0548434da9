package agentsite_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestTagsAndOutcomeInChromium: with the tenant's tags and outcomes configured and an outcome
// required, the agent app shows a row of tag buttons and an outcome list under a taken chat;
// pressing a tag stores it at once, the close button waits for an outcome, and the close
// stores the one picked. axe-core checks the row; a screenshot is kept for review.
func TestTagsAndOutcomeInChromium(t *testing.T) {
	env := startSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st := env.Server.Store()
	tid := env.Demo.TenantID
	billing, err := st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: tid, Name: "Billing"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: tid, Name: "Delivery"}); err != nil {
		t.Fatal(err)
	}
	sold, err := st.SaveLabel(ctx, store.LabelOutcome, store.Label{TenantID: tid, Name: "Sold"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveReportSettings(ctx, store.ReportSettings{TenantID: tid, OutcomeRequired: true, AnswerTarget: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}

	agent := newBrowser(t, "agent-classify", 1360, 860)
	signIn(t, env, agent, 0)
	visitor, _ := env.Visitor(t)
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Vera Tags", Question: "Please resend my invoice."})
	if err != nil {
		t.Fatal(err)
	}
	chat := ack.Body.(*protocol.Ack).Chat
	agent.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	agent.Click(`document.querySelector('.offer .btn-accept')`)
	agent.WaitFor("the conversation", agentHas("Please resend my invoice."))
	agent.WaitFor("the tags row", `document.querySelectorAll('.classify .tag-toggle').length === 2 && !!document.querySelector('.classify select')`)
	agent.WaitFor("the close button waiting for an outcome", `(() => { const b = [...document.querySelectorAll('.pane-head .btn-danger')].find(b => b.textContent === 'Close chat'); return !!b && b.disabled; })()`)

	agent.Click(`[...document.querySelectorAll('.classify .tag-toggle')].find(b => b.textContent === 'Billing')`)
	agent.WaitFor("the tag pressed", `[...document.querySelectorAll('.classify .tag-toggle')].find(b => b.textContent === 'Billing').getAttribute('aria-pressed') === 'true'`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _ := st.ChatTags(ctx, tid, chat)
		if slices.Equal(got, []int64{billing}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tag was not stored: %v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	agent.AssertAccessible("classify")
	agent.Screenshot("1-row")

	browsertest.Eval[bool](agent, `(() => { const s = document.querySelector('.classify select'); s.value = '`+strconv.FormatInt(sold, 10)+`'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	agent.WaitFor("the close button enabled", `(() => { const b = [...document.querySelectorAll('.pane-head .btn-danger')].find(b => b.textContent === 'Close chat'); return !!b && !b.disabled; })()`)
	agent.Click(`[...document.querySelectorAll('.pane-head .btn-danger')].find(b => b.textContent === 'Close chat')`)
	deadline = time.Now().Add(10 * time.Second)
	for {
		c, err := st.Chat(ctx, chat)
		if err == nil && c.State == "closed" {
			if c.OutcomeID != sold {
				t.Fatalf("closed with outcome %d, want %d", c.OutcomeID, sold)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the chat was not closed: %+v %v", c, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	agent.Screenshot("2-closed")
}
