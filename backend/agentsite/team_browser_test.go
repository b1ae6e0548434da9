//go:build !wasm

package agentsite_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// visitorLog keeps every event a protocol visitor received, to show what it never saw.
type visitorLog struct {
	mu     sync.Mutex
	events []protocol.Event
}

// await waits for the visitor's next event that matches, keeping every event on the way.
func (l *visitorLog) await(t *testing.T, ctx context.Context, v *protoclient.Client, what string, match func(protocol.Event) bool) {
	t.Helper()
	if _, err := v.Await(ctx, func(ev protocol.Event) bool {
		l.mu.Lock()
		l.events = append(l.events, ev)
		l.mu.Unlock()
		return match(ev)
	}); err != nil {
		t.Fatalf("the visitor never got %s: %v", what, err)
	}
}

// pressEnter presses Enter as a keyboard does: chromedp's KeyEvent("\r") adds a char event of
// its own, which types a new line whatever the keydown's default, and would leave a stray line
// in the composer after each message.
func pressEnter(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
		if _, err := chromedp.Call(b.Ctx(), input.DispatchKeyEvent, input.DispatchKeyEventParams{
			Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// message matches a message whose text contains s.
func message(s string) func(protocol.Event) bool {
	return func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && strings.Contains(m.Text, s)
	}
}

// TestAgentsTogetherInChromium runs two agents' apps in two browsers against the real server,
// with a visitor on the protocol: Anna takes the chat and invites Ben as an observer through
// the picker; Ben accepts the invitation card and reads along, writes an internal note that
// Anna sees (with "Ben is typing a note" meanwhile) and the visitor never does; Anna answers
// with a note of her own, switched to with Alt+N; Ben switches to participant and writes to
// the visitor (Anna sees "Ben is typing a reply"); then Ben leaves the chat.
func TestAgentsTogetherInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "agent/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	anna := newBrowser(t, "team-anna", 1280, 820)
	signIn(t, env, anna, 0)
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
	if n := browsertest.Eval[int](anna, `document.querySelectorAll('#my-part, #join-participant, #leave-button').length`); n != 0 {
		t.Fatal("the owner is offered a part or leaving")
	}

	// Ben signs in once Anna has the chat (the chat goes to her, not him).
	ben := newBrowser(t, "team-ben", 1280, 820)
	signIn(t, env, ben, 1)

	// Anna invites Ben as an observer through the picker.
	anna.Click(`document.querySelector('#invite-button')`)
	anna.WaitFor("the colleagues", `[...document.querySelectorAll('#invite-who option')].some(o => o.textContent.startsWith('Ben — ') && !o.disabled)`)
	anna.WaitFor("the focus in the picker", `document.activeElement && document.activeElement.id === 'invite-who'`)
	options := browsertest.Eval[string](anna, `[...document.querySelectorAll('#invite-who option')].map(o => o.textContent + (o.disabled ? ' (x)' : '')).join(' | ')`)
	if !strings.Contains(options, "Ben — ") || strings.Contains(options, "Anna") {
		t.Fatalf("the picker offers %q", options)
	}
	browsertest.Eval[bool](anna, `(() => { const s = document.querySelector('#invite-who');
		s.value = [...s.options].find(o => o.textContent.startsWith('Ben')).value; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	if !browsertest.Eval[bool](anna, `document.querySelector('#invite-as-observer').checked`) {
		t.Fatal("the card does not start with the observer's part")
	}
	anna.Screenshot("1-invite-card")
	anna.Click(`document.querySelector('#invite-send')`)
	anna.WaitFor("the invitation waiting", `!document.querySelector('#invite-card') && (document.querySelector('#chat-team') || {textContent: ''}).textContent.includes('Ben invited as observer')`)

	// Ben gets the invitation as a card with its countdown, and accepts.
	ben.WaitFor("the invitation card", `!!document.querySelector('#invite-`+chatID+`')`)
	card := browsertest.Eval[string](ben, `document.querySelector('#invite-`+chatID+`').textContent`)
	for _, want := range []string{"Anna invites you", "Vera Visitor", "observer"} {
		if !strings.Contains(card, want) {
			t.Errorf("the invitation card lacks %q: %s", want, card)
		}
	}
	if title := browsertest.Eval[string](ben, `document.title`); !strings.Contains(title, "1 invitation") {
		t.Errorf("Ben's title %q does not count the invitation", title)
	}
	ben.Screenshot("1-invitation")
	ben.Click(`document.querySelector('#invite-` + chatID + ` .btn-accept')`)
	ben.WaitFor("the chat, observing", agentHas("My parcel never came.")+` && (document.querySelector('#my-part') || {textContent: ''}).textContent === 'Observing' && !document.querySelector('.invite')`)
	anna.WaitFor("Ben in Anna's header", `(document.querySelector('#chat-team .team-list') || {textContent: ''}).textContent.includes('Ben') && !document.querySelector('.invited')`)
	if !browsertest.Eval[bool](ben, `document.querySelector('#mode-reply').disabled && document.querySelector('.composer').classList.contains('composer-note') && document.querySelector('#send-button').textContent === 'Add note'`) {
		t.Fatal("the observer's composer is not on notes only")
	}
	if !browsertest.Eval[bool](ben, `document.querySelector('#file-input').disabled && document.querySelector('#ask-button').disabled`) {
		t.Error("an observer's composer offers files or questions to the visitor")
	}

	// Ben writes a note: Anna sees him typing it, then the note; the visitor sees neither.
	ben.Click(`document.querySelector('#composer-text')`)
	ben.Do(chromedp.KeyEvent("Vera wrote to us last week too; the parcel was returned to the depot."))
	anna.WaitFor("Ben typing a note", `(document.querySelector('#colleagues-typing') || {textContent: ''}).textContent === 'Ben is typing an internal note…'`)
	anna.Screenshot("2-ben-typing-note")
	ben.Screenshot("2-observer-note")
	pressEnter(t, ben)
	anna.WaitFor("Ben's note", `(() => { const l = [...document.querySelectorAll('#messages .line.internal')].find(l => l.textContent.includes('returned to the depot'));
		return !!l && l.textContent.includes('Internal note') && l.textContent.includes('Ben') && !l.classList.contains('pending'); })()`)
	anna.WaitFor("Ben no longer typing", `!document.querySelector('#colleagues-typing')`)
	ben.WaitFor("the note confirmed", `!document.querySelector('.line.pending')`)

	// Anna answers with a note too, switched to with Alt+N, the composer turning yellow.
	anna.Click(`document.querySelector('#composer-text')`)
	anna.Do(chromedp.KeyEvent("n", chromedp.KeyModifiers(chromedp.ModifierAlt)))
	anna.WaitFor("Anna's composer on notes", `document.querySelector('.composer').classList.contains('composer-note') && document.querySelector('#mode-note').getAttribute('aria-pressed') === 'true' && document.activeElement.id === 'composer-text'`)
	if v := browsertest.Eval[string](anna, `document.querySelector('#composer-text').value`); v != "" {
		t.Fatalf("Alt+N typed %q", v)
	}
	anna.Do(chromedp.KeyEvent("Thanks Ben, I will ask the depot."))
	anna.Screenshot("3-note-composer")
	pressEnter(t, anna)
	ben.WaitFor("Anna's note", `[...document.querySelectorAll('#messages .line.internal')].some(l => l.textContent.includes('ask the depot'))`)
	anna.Do(chromedp.KeyEvent("n", chromedp.KeyModifiers(chromedp.ModifierAlt)))
	anna.WaitFor("Anna's composer back on replies", `!document.querySelector('.composer').classList.contains('composer-note')`)

	// Anna's reply reaches the visitor, who has had no note nor any sign of Ben so far.
	anna.Do(chromedp.KeyEvent("We are looking into it, Vera."))
	pressEnter(t, anna)
	seen.await(t, ctx, visitor, "Anna's reply", message("looking into it"))
	seen.mu.Lock()
	for _, ev := range seen.events {
		switch b := ev.Body.(type) {
		case *protocol.Joined:
			if b.Name == "Ben" {
				t.Errorf("the visitor saw the observer join: %+v", b)
			}
		case *protocol.TypingEvent:
			if b.Name == "Ben" {
				t.Error("the visitor saw the observer typing")
			}
		}
	}
	seen.mu.Unlock()

	// Ben switches to participant and writes to the visitor; Anna sees him typing a reply.
	ben.Click(`document.querySelector('#join-participant')`)
	ben.WaitFor("Ben participating", `(document.querySelector('#my-part') || {textContent: ''}).textContent === 'Participating' && !document.querySelector('#mode-reply').disabled && !document.querySelector('.composer').classList.contains('composer-note')`)
	anna.WaitFor("Ben as a participant in Anna's header", `[...document.querySelectorAll('#chat-team .agent-chip')].some(c => c.textContent.includes('Ben') && c.textContent.includes('participant'))`)
	ben.Screenshot("3-participant")
	ben.Click(`document.querySelector('#composer-text')`)
	ben.Do(chromedp.KeyEvent("Hello Vera, I am Ben from shipping"))
	anna.WaitFor("Ben typing a reply", `(() => { const e = document.querySelector('#colleagues-typing'); return !!e && e.textContent === 'Ben is typing a reply to the visitor…' && e.classList.contains('replying'); })()`)
	anna.Screenshot("4-ben-typing-reply")
	seen.await(t, ctx, visitor, "Ben typing", func(ev protocol.Event) bool {
		ty, ok := ev.Body.(*protocol.TypingEvent)
		return ok && ty.On && ty.Name == "Ben"
	})
	ben.Do(chromedp.KeyEvent(": your parcel goes out again today."))
	pressEnter(t, ben)
	seen.await(t, ctx, visitor, "Ben's reply", func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && m.Text == "Hello Vera, I am Ben from shipping: your parcel goes out again today." && m.Name == "Ben"
	})
	anna.WaitFor("Ben's reply in Anna's chat", `[...document.querySelectorAll('#messages .line.msg:not(.internal)')].some(l => l.textContent.includes('goes out again today'))`)

	// Ben leaves: the chat leaves his list, Anna sees him go.
	ben.Click(`document.querySelector('#leave-button')`)
	ben.WaitFor("the chat gone from Ben's list", `!document.querySelector('#tab-`+chatID+`') && !document.querySelector('#messages')`)
	anna.WaitFor("Ben gone", agentHas("Ben left the chat")+` && !document.querySelector('#chat-team .team-list')`)
	seen.await(t, ctx, visitor, "Ben leaving", func(ev protocol.Event) bool {
		l, ok := ev.Body.(*protocol.Left)
		return ok && l.Name == "Ben"
	})
	ben.Screenshot("4-left")
	anna.Screenshot("5-after-ben-left")

	// Anna asks again, as a participant this time; Ben declines, and Anna is told.
	anna.Click(`document.querySelector('#invite-button')`)
	anna.WaitFor("Ben in the picker again, the list fresh", `[...document.querySelectorAll('#invite-who option')].some(o => o.textContent.startsWith('Ben — ') && !o.disabled) && !document.querySelector('#invite-state').textContent.endsWith('…')`)
	browsertest.Eval[bool](anna, `(() => { const s = document.querySelector('#invite-who');
		s.value = [...s.options].find(o => o.textContent.startsWith('Ben')).value; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	anna.Click(`document.querySelector('#invite-as-participant')`)
	anna.Click(`document.querySelector('#invite-send')`)
	ben.WaitFor("the second invitation", `(document.querySelector('#invite-`+chatID+`') || {textContent: ''}).textContent.includes('participant')`)
	ben.Click(`document.querySelector('#invite-` + chatID + ` .btn-quiet')`)
	ben.WaitFor("the invitation gone", `!document.querySelector('#invite-`+chatID+`')`)
	anna.WaitFor("Anna told of the decline", `(document.querySelector('.banner-info') || {textContent: ''}).textContent.includes('Ben declined your invitation to the chat with Vera Visitor.') && !document.querySelector('.invited')`)
	anna.Screenshot("6-declined")

	// The visitor never saw a note, nor Ben while he observed.
	seen.mu.Lock()
	defer seen.mu.Unlock()
	for _, ev := range seen.events {
		switch b := ev.Body.(type) {
		case *protocol.Message:
			if b.Internal || strings.Contains(b.Text, "depot") {
				t.Errorf("the visitor got a note: %q", b.Text)
			}
		case *protocol.Joined:
			if b.As == protocol.PartObserver {
				t.Errorf("the visitor saw Ben join as an observer")
			}
		case *protocol.TypingEvent:
			if b.Internal {
				t.Errorf("the visitor was told of a note being typed")
			}
		}
	}
	anna.AssertNoConsoleErrors("/api/me")
	ben.AssertNoConsoleErrors("/api/me")
}
