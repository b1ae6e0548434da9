package micc_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// allowedSite serves a page on another origin (localhost against the server's 127.0.0.1),
// which the demo connector allows; it returns the site's origin and a setter of the page.
func allowedSite(t *testing.T, env *servertest.Env) (string, func(string)) {
	t.Helper()
	var mu sync.Mutex
	page := ""
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(site.Close)
	siteOrigin := strings.Replace(site.URL, "127.0.0.1", "localhost", 1)
	env.ChangeConnector(t, func(c *store.Connector) { c.AllowedOrigins = append(c.AllowedOrigins, siteOrigin) })
	return siteOrigin, func(p string) { mu.Lock(); page = p; mu.Unlock() }
}

// toolboxSite serves a page on an allowed origin with the one-line toolbox, a customizePage
// that names the demo service group and runs config (JavaScript statements on c, the
// Config), and the page's further script more; it returns the page's address.
func toolboxSite(t *testing.T, env *servertest.Env, config, more string) string {
	t.Helper()
	siteOrigin, setPage := allowedSite(t, env)
	setPage(`<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<script src="` + env.URL + `/CustomerChat/Chat/Toolbox"></script>
<script>
Mitel.ChatToolbox.customizePage = function() {
  var c = Mitel.ChatToolbox.Config;
  c.TenantID = -1;
  c.ServiceGroupName = '` + env.Demo.MiCC.GroupName + `';
  c.ToolboxPosition = 'bottom-right';
  ` + config + `
};
` + more + `
</script></head><body><h1>Our shop</h1><p>Espresso machines and more.</p></body></html>`)
	return siteOrigin + "/"
}

// openToolbox opens the page in Chromium (each site in its own process, so that the chat
// frame of the other origin can be read), clicks the launcher and returns the page and the
// chat frame once the name field has the focus.
func openToolbox(t *testing.T, url, name string) (*browsertest.Browser, *browsertest.Browser) {
	t.Helper()
	b := browsertest.New(t, browsertest.Options{Name: name, Lang: "en-US", AcceptLanguage: "en-US,en", Flags: []chromedp.ExecAllocatorOption{browsertest.SiteIsolation}})
	b.Do(chromedp.Navigate(url))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Click(browsertest.WidgetLauncher)
	f := b.Frame(name+"-frame", "/widget/frame")
	f.WaitFor("the name field focused", tryJS(`document.activeElement.id === 'f-name'`))
	return b, f
}

// setToolboxTexts gives the demo service group these toolbox texts.
func setToolboxTexts(t *testing.T, env *servertest.Env, texts map[string]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m := env.Demo.MiCC
	m.Texts = texts
	if _, err := env.Server.Store().SetMiCCService(ctx, m); err != nil {
		t.Fatal(err)
	}
}

// The Config's chat-page properties on a page of another origin, with a real agent:
// InitialMessage fills the question, which reaches the agent; the Config's lower
// MaxMessageLength, MaxAttachmentSize and AllowedAttachmentTypes narrow the widget's, and the
// tenant's MaxAttachmentSizeExceeded text says so; the chat card moves with the keyboard and
// the mouse and keeps its place across a reload; after the chat the post-chat words and link
// show, and TimeoutAfterConversation brings the start form back.
func TestToolboxConfigInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	setToolboxTexts(t, env, map[string]string{
		"PostText": "Thank you for visiting our shop.", "PostUrl": "https://shop.example.com/survey?x=1",
		"PostUrlText": "Tell us how we did", "MaxAttachmentSizeExceeded": "At most {0} KB, please.",
	})
	url := toolboxSite(t, env, `c.InitialMessage = 'Do you ship to Belgium?';
  c.MaxMessageLength = 40;
  c.MaxAttachmentSize = 1;
  c.AllowedAttachmentTypes = ["txt", "exe"];
  c.TimeoutAfterConversation = 3;`, "")
	anna, _ := env.Agent(t, 0)
	ctx := ctxT(t)

	b, f := openToolbox(t, url, "micc-toolbox-config")
	f.WaitFor("the question filled from InitialMessage", tryJS(`document.querySelector('#f-q').value === 'Do you ship to Belgium?' && !document.querySelector('#v-form').hidden`))
	b.Do(chromedp.KeyEvent("Ann Visitor"), chromedp.KeyEvent("\r"))
	offerEv, offer := awaitT[*protocol.Offer](t, ctx, anna)
	if offer.Question != "Do you ship to Belgium?" {
		t.Fatalf("offer question %q", offer.Question)
	}
	chatID := offerEv.Chat
	if _, err := anna.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	if _, err := anna.Call(ctx, chatID, &protocol.Send{Text: "Yes, we do."}); err != nil {
		t.Fatal(err)
	}
	f.WaitFor("the agent's message", tryJS(`[...document.querySelectorAll('#log li')].some(li => li.textContent.includes('Yes, we do.'))`))

	// The Config's limits: 40 characters (the connector allows 4000), .txt only (the
	// tenant refuses .exe whatever the page says), 1 KB.
	if got := browsertest.Eval[string](f, `document.querySelector('#msg').getAttribute('maxlength')`); got != "40" {
		t.Fatalf("message box maxlength %q, want the Config's 40", got)
	}
	f.WaitFor("the attach button", tryJS(`!document.querySelector('#btn-attach').hidden`))
	if got := browsertest.Eval[string](f, `document.querySelector('#f-file').getAttribute('accept')`); got != ".txt" {
		t.Fatalf("file picker accepts %q, want .txt", got)
	}
	pick := func(name string, size int) {
		browsertest.Eval[bool](f, `(() => { const dt = new DataTransfer();
			dt.items.add(new File([new Uint8Array(`+itoa(size)+`)], `+browsertest.JSQuote(name)+`));
			const i = document.querySelector('#f-file'); i.files = dt.files; i.dispatchEvent(new Event('change')); return true; })()`)
	}
	pick("big.txt", 2048)
	f.WaitFor("the tenant's size text with the Config's size", tryJS(`document.querySelector('#notice') && document.querySelector('#notice').textContent === 'At most 1 KB, please.'`))
	pick("setup.exe", 10)
	f.WaitFor("the type refused", tryJS(`document.querySelector('#notice').textContent.includes('.exe') || document.querySelector('#notice').textContent.includes('exe')`))
	pick("order.txt", 100)
	ev, err := anna.Await(ctx, func(ev protocol.Event) bool { m, ok := ev.Body.(*protocol.Message); return ok && m.File != nil })
	if err != nil {
		t.Fatalf("no file reached the agent: %v", err)
	}
	if m := ev.Body.(*protocol.Message); m.File.Name != "order.txt" {
		t.Fatalf("the agent got %+v: a refused file went through", m.File)
	}
	b.Screenshot("1-limits")

	// AllowMovingChatCard (MiCC's default true): the grip moves the card, by keyboard and
	// by mouse, and the place is kept for the page session.
	const grip = `document.querySelector('parley-chat').shadowRoot.querySelector('#parley-grip')`
	const panel = `document.querySelector('parley-chat').shadowRoot.querySelector('#parley-panel')`
	b.WaitFor("the grip", grip+` !== null`)
	before := browsertest.Eval[[]float64](b, `(() => { const r = `+panel+`.getBoundingClientRect(); return [r.left, r.top]; })()`)
	browsertest.Eval[bool](b, `(`+grip+`.focus(), true)`)
	b.Do(chromedp.KeyEvent(kb.ArrowLeft))
	b.WaitFor("the card moved left by the keyboard", `Math.abs(`+panel+`.getBoundingClientRect().left - `+ftoa(before[0]-16)+`) < 1`)
	// held says the left button is down while the mouse moves, as a real drag does.
	held := func(p *input.DispatchMouseEventParams) { p.Buttons = 1 }
	g := browsertest.Eval[[]float64](b, `(() => { const r = `+grip+`.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
	b.Do(
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, g[0], g[1], chromedp.ButtonLeft, held, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, g[0]-75, g[1]+5, chromedp.ButtonLeft, held),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, g[0]-150, g[1]+10, chromedp.ButtonLeft, held),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, g[0]-150, g[1]+10, chromedp.ButtonLeft),
	)
	want := []float64{before[0] - 16 - 150, before[1] + 10}
	b.WaitFor("the card dragged", `(() => { const r = `+panel+`.getBoundingClientRect(); return Math.abs(r.left - `+ftoa(want[0])+`) < 2 && Math.abs(r.top - `+ftoa(want[1])+`) < 2; })()`)
	b.Screenshot("2-moved")
	b.Do(chromedp.Reload())
	b.WaitFor("the card where it was after a reload", tryJS(`(() => { const p = `+panel+`; if (!p) return false; const r = p.getBoundingClientRect(); return Math.abs(r.left - `+ftoa(want[0])+`) < 2 && Math.abs(r.top - `+ftoa(want[1])+`) < 2; })()`))

	// The end: the post-chat words and link, then the start form after 3 s.
	f = b.Frame("micc-toolbox-frame-2", "/widget/frame")
	f.WaitFor("the chat resumed", tryJS(`[...document.querySelectorAll('#log li')].some(li => li.textContent.includes('Yes, we do.'))`))
	if _, err := anna.Call(ctx, chatID, &protocol.Close{}); err != nil {
		t.Fatal(err)
	}
	f.WaitFor("the post-chat words", tryJS(`!document.querySelector('#post-page').hidden && document.querySelector('#post-text').textContent === 'Thank you for visiting our shop.'`))
	if got := browsertest.Eval[[]string](f, `(() => { const a = document.querySelector('#post-link'); return [a.textContent, a.href, a.target, a.rel]; })()`); got[0] != "Tell us how we did" || got[1] != "https://shop.example.com/survey?x=1" || got[2] != "_blank" || got[3] != "noopener" {
		t.Fatalf("post-chat link %q", got)
	}
	if browsertest.Eval[bool](f, `document.querySelector('#btn-restart').hidden`) {
		t.Fatal("ShowPostChat (default true) but no new chat offered")
	}
	b.Screenshot("3-post-chat")
	f.WaitFor("the start form again after TimeoutAfterConversation", tryJS(`!document.querySelector('#v-form').hidden && document.querySelector('#f-q').value === 'Do you ship to Belgium?'`))
	b.Screenshot("4-new-chat")
	b.AssertNoConsoleErrors()
	f.AssertNoConsoleErrors()
}

// ShowPostChat false: an ended chat offers no new one; the card does not move when the page
// says AllowMovingChatCard false; a javascript: PostUrl is not made a link.
func TestToolboxNoPostChatInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	setToolboxTexts(t, env, map[string]string{"PostUrl": "javascript:alert(1)", "PostUrlText": "Click"})
	url := toolboxSite(t, env, `c.ShowPostChat = false; c.TimeoutAfterConversation = 1; c.AllowMovingChatCard = false;
  c.MaxAttachmentSize = 0;`, "")
	anna, _ := env.Agent(t, 0)
	ctx := ctxT(t)

	b, f := openToolbox(t, url, "micc-toolbox-nopost")
	b.Do(chromedp.KeyEvent("Ann"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Hello"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	offerEv, _ := awaitT[*protocol.Offer](t, ctx, anna)
	if _, err := anna.Call(ctx, offerEv.Chat, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	if _, err := anna.Call(ctx, offerEv.Chat, &protocol.Send{Text: "Hi Ann."}); err != nil {
		t.Fatal(err)
	}
	f.WaitFor("the agent's message", tryJS(`[...document.querySelectorAll('#log li')].some(li => li.textContent.includes('Hi Ann.'))`))
	if !browsertest.Eval[bool](f, `document.querySelector('#btn-attach').hidden`) {
		t.Fatal("MaxAttachmentSize 0 but the attach button shows")
	}
	if browsertest.Eval[bool](b, `!!document.querySelector('parley-chat').shadowRoot.querySelector('#parley-grip')`) {
		t.Fatal("AllowMovingChatCard false but the card has a grip")
	}
	if _, err := anna.Call(ctx, offerEv.Chat, &protocol.Close{}); err != nil {
		t.Fatal(err)
	}
	f.WaitFor("the ended chat", tryJS(`!document.querySelector('#restart').hidden`))
	// Longer than TimeoutAfterConversation: with ShowPostChat false it does not apply.
	time.Sleep(2 * time.Second)
	if got := browsertest.Eval[[]bool](f, `[document.querySelector('#btn-restart').hidden, document.querySelector('#v-form').hidden, document.querySelector('#post-page').hidden]`); !got[0] || !got[1] || !got[2] {
		t.Fatalf("restart hidden, form hidden, post page hidden: %v", got)
	}
	b.Screenshot("1-ended")
	b.AssertNoConsoleErrors()
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// tryJS makes an expression that may throw (an element not drawn yet) false for WaitFor.
func tryJS(expr string) string {
	return `(() => { try { return ` + expr + `; } catch (e) { return false; } })()`
}
