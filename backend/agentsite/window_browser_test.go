//go:build !wasm

package agentsite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/pdftext"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// A chat's transcript downloads as a PDF from the chat's header, and the chat opens in a
// window of its own beside the main one: both windows are connected at once, a message sent
// from the chat's window reaches the visitor and shows in the main window, and the visitor's
// answer shows in both.
func TestChatWindowAndTranscriptInChromium(t *testing.T) {
	env := startSite(t)
	main := newBrowser(t, "window-main", 1280, 820)
	signIn(t, env, main, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	visitor, _ := env.Visitor(t)
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Jürgen Größe", Email: "juergen@example.de", Question: "Grüß Gott! Wo ist mein Paket?"})
	if err != nil {
		t.Fatal(err)
	}
	chatID := ack.Body.(*protocol.Ack).Chat
	main.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	main.Click(`document.querySelector('.offer .btn-accept')`)
	main.WaitFor("the conversation", agentHas("Wo ist mein Paket?"))
	main.Click(`document.querySelector('#composer-text')`)
	main.Do(chromedp.KeyEvent("Ça arrive — einen Moment bitte.\r"))
	if _, err := visitor.Await(ctx, func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && strings.Contains(m.Text, "einen Moment")
	}); err != nil {
		t.Fatal(err)
	}
	main.WaitFor("the reply confirmed", agentHas("einen Moment")+` && !document.querySelector('.line.pending')`)

	// The transcript: the header's link answers with a PDF, and a click saves it.
	link := browsertest.Eval[string](main, `document.querySelector('#transcript-link').getAttribute('href')`)
	if link != "/api/chats/"+chatID+"/transcript.pdf" {
		t.Fatalf("transcript link %q", link)
	}
	head, err := chromedp.Run(main.Ctx(), chromedp.Evaluate[string](`fetch(document.querySelector('#transcript-link').href)
		.then(r => r.status + ' ' + r.headers.get('content-type') + ' ' + r.headers.get('content-disposition'))`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(head, "200 application/pdf attachment; filename=\"chat-") {
		t.Fatalf("the transcript link answers %q, %v", head, err)
	}
	dir := t.TempDir()
	progress := chromedp.Events(main.Ctx(), browser.DownloadProgress)
	if _, err := chromedp.Call(main.Ctx(), browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true),
	}); err != nil {
		t.Fatal(err)
	}
	main.Screenshot("1-chat-actions")
	main.Click(`document.querySelector('#transcript-link')`)
	var saved string
	for ev, err := range progress {
		if err != nil {
			t.Fatal(err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the download was cancelled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			saved = filepath.Join(dir, ev.GUID)
			break
		}
	}
	pdf, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := pdftext.Read(pdf)
	if err != nil {
		t.Fatalf("the download is no readable PDF: %v", err)
	}
	// Kept beside the screenshots, for people to look at.
	_ = os.WriteFile(filepath.Join(servertest.WebDir(), "screenshots", "window-transcript.pdf"), pdf, 0o644)
	text := strings.Join(doc.Lines(2), "\n")
	for _, want := range []string{"Chat transcript", "Jürgen Größe · Website chat", "Grüß Gott! Wo ist mein Paket?", "Anna Ça arrive — einen Moment bitte.", "Anna Example (Anna) — owner"} {
		if !strings.Contains(text, want) {
			t.Errorf("the downloaded transcript lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(browsertest.Eval[string](main, `location.pathname`), "transcript") {
		t.Fatal("the download replaced the app")
	}

	// The chat's own window: just that chat, connected beside the main window.
	win := main.Follow("window-chat", func() { main.Click(`document.querySelector('#chat-window-button')`) })
	win.WaitFor("the chat in its own window", `!!document.querySelector('.shell-solo') && document.querySelector('.link').textContent === 'Connected' && `+agentHas("Wo ist mein Paket?"))
	if path := browsertest.Eval[string](win, `location.pathname`); path != "/agent/chat/"+chatID {
		t.Fatalf("the chat window is at %s", path)
	}
	if n := browsertest.Eval[int](win, `document.querySelectorAll('.sidebar, .details, .offers').length`); n != 0 {
		t.Fatal("the chat window shows the desk's lists")
	}
	if title := browsertest.Eval[string](win, `document.title`); title != "Jürgen Größe · Parley Agent" {
		t.Errorf("the chat window's title %q", title)
	}
	win.Screenshot("1-own-window")

	win.Click(`document.querySelector('#composer-text')`)
	win.Do(chromedp.KeyEvent("Aus dem eigenen Fenster: Ihr Paket ist unterwegs.\r"))
	if _, err := visitor.Await(ctx, func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && strings.Contains(m.Text, "Aus dem eigenen Fenster")
	}); err != nil {
		t.Fatal(err)
	}
	win.WaitFor("the message confirmed in the chat window", agentHas("Aus dem eigenen Fenster")+` && !document.querySelector('.line.pending')`)
	main.WaitFor("the chat window's message in the main window", agentHas("Aus dem eigenen Fenster"))

	if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Danke schön, bis bald!"}); err != nil {
		t.Fatal(err)
	}
	main.WaitFor("the visitor's answer in the main window", agentHas("Danke schön"))
	win.WaitFor("the visitor's answer in the chat window", agentHas("Danke schön"))
	for _, b := range []*browsertest.Browser{main, win} {
		if link := browsertest.Eval[string](b, `document.querySelector('.link').textContent`); link != "Connected" {
			t.Errorf("a window says %q: both must stay connected", link)
		}
	}
	if n := browsertest.Eval[int](main, `[...document.querySelectorAll('#messages .line.msg')].filter(l => l.textContent.includes('Aus dem eigenen Fenster')).length`); n != 1 {
		t.Errorf("the main window shows the chat window's message %d times", n)
	}
	main.Screenshot("2-main-beside-window")
	win.Screenshot("2-own-window-answer")
	main.AssertNoConsoleErrors("/api/me")
	win.AssertNoConsoleErrors()
}

func ptr[T any](v T) *T { return &v }
