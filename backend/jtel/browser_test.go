package jtel_test

import (
	"context"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// docSnippet is the embed code of jtel's document, character for character.
const docSnippet = `<script src='https://websiteurl.de:3003/gui//chat.js'></script>
<script type="text/javascript">
  JTEL.initChat({
    Hash: 'ZkGgUcDkLPEY',
    BaseWSURI: 'wss://chatserverurl.de:3003',
    BaseResourceURI: 'https://storageserverurl:3003/gui', //optional
    pdata: {name:'John Doe', email:'john.doe@example.com', sender:'John Doe', receiver:'My Chat Connector', userdata:'123456',
userdata2:'userdata2', userdata3:'userdata3'},
    udata: {anyfield1:'Any Field 1', anyfield2:'Any Field 2' }});
</script>`

// customerPage serves a customer's web page on another origin than Parley (localhost, where
// Parley is at 127.0.0.1), with the document's snippet in it, only the hosts and the hash
// changed.
func customerPage(t *testing.T, env *servertest.Env, hash string) string {
	t.Helper()
	snippet := strings.NewReplacer(
		"https://websiteurl.de:3003", env.URL, "wss://chatserverurl.de:3003", env.WS,
		"https://storageserverurl:3003", env.URL, "ZkGgUcDkLPEY", hash).Replace(docSnippet)
	page := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Customer Service | Example Corp</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f8fafc;color:#0f172a}header{background:#0f766e;color:#fff;padding:24px 40px}
main{padding:32px 40px;max-width:720px}</style></head><body><header><h1>Example Corp</h1></header>
<main><h2>Contact us</h2><p>Our agents answer in the chat at the bottom right.</p></main>
` + snippet + `
</body></html>`
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return "http://localhost:" + strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
}

func agentAwait[T protocol.EventBody](t *testing.T, c *protoclient.Client, what string, match func(protocol.Event, T) bool) (protocol.Event, T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool {
		b, ok := ev.Body.(T)
		return ok && (match == nil || match(ev, b))
	})
	if err != nil {
		t.Fatalf("agent waiting for %s: %v", what, err)
	}
	return ev, ev.Body.(T)
}

// signIn connects the demo agent Anna and sets a status that allows chat, keeping every event
// after agent.ready for the test (env.Agent would skip an offer that comes at once).
func signIn(t *testing.T, env *servertest.Env) *protoclient.Client {
	t.Helper()
	u := env.DemoUser(t, "agent", 0)
	c, ready := env.AgentWithToken(t, env.Login(t, u.Login, u.Password))
	for _, st := range ready.Statuses {
		if st.AllowsChat {
			agentCall(t, c, "", &protocol.StatusSet{Status: st.ID})
			return c
		}
	}
	t.Fatal("no status allows chat")
	return nil
}

func agentCall(t *testing.T, c *protoclient.Client, chat string, body protocol.CommandBody) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Call(ctx, chat, body); err != nil {
		t.Fatalf("agent %s: %v", body.CommandType(), err)
	}
}

// TestSnippetOnAnotherOriginInChromium loads the document's snippet, unchanged apart from the
// hosts, on a customer's page of another origin, which alone may use the connector. The
// visitor (named by pdata) sees the editor with editorPlaceholder, sends the first message,
// which opens the chat with welcomeMessage and, nobody being signed in, noAgents; an agent
// signs in, gets the chat with pdata and udata, and answers.
func TestSnippetOnAnotherOriginInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	pageURL := customerPage(t, env, env.Demo.ConnectorHash)
	env.ChangeConnector(t, func(c *store.Connector) { c.AllowedOrigins = []string{strings.TrimSuffix(pageURL, "/")} })

	b := browsertest.New(t, browsertest.Options{Name: "jtel", Lang: "en-US", AcceptLanguage: "en-US,en", Flags: []chromedp.ExecAllocatorOption{browsertest.SiteIsolation}})
	b.Do(chromedp.Navigate(pageURL))
	b.WaitFor("JTEL defined by chat.js", `typeof window.JTEL === 'object' && typeof window.JTEL.initChat === 'function'`)
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Screenshot("1-customer-page")

	b.Click(browsertest.WidgetLauncher)
	f := b.Frame("jtel-frame", "/widget/frame")
	fwait(f, "the editor with editorPlaceholder, focused, no name asked",
		`(() => { const q = document.querySelector('#f-q'); return q.placeholder === 'Enter your message here.' &&
			document.activeElement === q && document.querySelector('#f-name').hidden && document.querySelector('.welcome').hidden; })()`)
	shot(b, f, "2-editor")

	// The first message, sent with Enter, opens the event.
	b.Do(chromedp.KeyEvent("Where is my order?"), pressEnter)
	fwait(f, "welcomeMessage and noAgents", `(() => { const t = document.querySelector('#log').textContent;
		return t.includes('Where is my order?') && t.includes('Welcome!') && t.includes('Sorry, currently there are no agents available.'); })()`)
	fwait(f, "the chat's editor, empty, with editorPlaceholder", `document.querySelector('#msg').value === '' &&
		document.querySelector('#msg').placeholder === 'Enter your message here.'`)
	shot(b, f, "3-no-agents")

	// An agent signs in and gets the chat, with the snippet's data.
	anna := signIn(t, env)
	offerEv, offer := agentAwait(t, anna, "the offer", func(_ protocol.Event, o *protocol.Offer) bool { return true })
	if offer.Visitor != "John Doe" || offer.Question != "Where is my order?" {
		t.Fatalf("offer %+v", offer)
	}
	agentCall(t, anna, offerEv.Chat, &protocol.OfferAccept{})
	_, opened := agentAwait(t, anna, "chat.opened", func(_ protocol.Event, o *protocol.ChatOpened) bool { return o.Chat.ID == offerEv.Chat })
	vi := opened.Chat.Visitor
	if vi.Name != "John Doe" || vi.Email != "john.doe@example.com" || !maps.Equal(vi.PData, docPData) || !maps.Equal(vi.UData, docUData) {
		t.Fatalf("the agent sees %+v", vi)
	}
	if !strings.HasPrefix(vi.Page, strings.TrimSuffix(pageURL, "/")) {
		t.Errorf("the agent sees the page %q, want the customer's page %s", vi.Page, pageURL)
	}
	agentCall(t, anna, offerEv.Chat, &protocol.Send{Text: "Hello John, it ships today."})
	fwait(f, "the agent's answer", `document.querySelector('#log').textContent.includes('Hello John, it ships today.')`)
	fwait(f, "the editor in the chat with editorPlaceholder", `document.querySelector('#msg').placeholder === 'Enter your message here.'`)
	b.Do(chromedp.KeyEvent("Thank you!"), pressEnter)
	agentAwait(t, anna, "the visitor's thanks", func(_ protocol.Event, m *protocol.Message) bool { return m.Text == "Thank you!" })
	shot(b, f, "4-conversation")
	b.AssertNoConsoleErrors()
	f.AssertNoConsoleErrors()
}

// In German, the document's "#de" texts: the editor's placeholder, welcome and noAgents.
func TestSnippetGermanInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{Postgres: true})
	pageURL := customerPage(t, env, env.Demo.ConnectorHash)
	b := browsertest.New(t, browsertest.Options{Name: "jtel", Lang: "de-DE", AcceptLanguage: "de-DE,de", Flags: []chromedp.ExecAllocatorOption{browsertest.SiteIsolation}})
	b.Do(chromedp.Navigate(pageURL))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Click(browsertest.WidgetLauncher)
	f := b.Frame("jtel-frame", "/widget/frame")
	fwait(f, "editorPlaceholder#de in the focused editor", `document.querySelector('#f-q').placeholder === 'Geben Sie Ihre Nachricht hier ein.' &&
		document.activeElement === document.querySelector('#f-q')`)
	b.Do(chromedp.KeyEvent("Hallo"), pressEnter)
	fwait(f, "welcomeMessage#de and noAgents#de", `(() => { const t = document.querySelector('#log').textContent;
		return t.includes('Herzlich willkommen!') && t.includes('Es tut uns leid, aber derzeit sind keine Agenten verfügbar.'); })()`)
	shot(b, f, "5-german")
	b.AssertNoConsoleErrors()
}

// A page that may not use the connector, or a snippet without Hash, says why in the console
// and shows no chat.
func TestSnippetErrorsInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	pageURL := customerPage(t, env, env.Demo.ConnectorHash)
	env.ChangeConnector(t, func(c *store.Connector) { c.AllowedOrigins = []string{"https://www.example.com"} })
	b := browsertest.New(t, browsertest.Options{Name: "jtel"})
	b.Do(chromedp.Navigate(pageURL))
	waitConsole(t, b, "is not allowed to use chat connector")
	if n := browsertest.Eval[int](b, `document.querySelectorAll('parley-chat').length`); n != 0 {
		t.Error("a launcher was drawn on a refused site")
	}
	browsertest.Eval[any](b, `JTEL.initChat({BaseWSURI: 'wss://x.example'})`)
	waitConsole(t, b, "JTEL.initChat: Hash is required")
}

// pressEnter presses Enter as a keyboard does, one key-down carrying its text: chromedp's
// KeyEvent sends the text as an event of its own, which lands in whatever has the focus by
// then (the chat's message box, once the first message opened the chat).
var pressEnter = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13,
		NativeVirtualKeyCode: 13, Text: "\r", UnmodifiedText: "\r"}
	if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, down); err != nil {
		return err
	}
	up := down
	up.Type, up.Text, up.UnmodifiedText = input.DispatchKeyEventTypeKeyUp, "", ""
	_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, up)
	return err
})

// shot takes a screenshot of the page once the chat frame has painted twice since its last
// change, so that the picture shows what the frame's document already holds.
func shot(b, f *browsertest.Browser, name string) {
	browsertest.Eval[any](f, `window.__painted = false; requestAnimationFrame(() => requestAnimationFrame(() => { window.__painted = true; })); 0`)
	f.WaitFor("the frame painted", `window.__painted === true`)
	b.Screenshot(name)
}

// fwait waits in the chat frame for a condition over its document, false (not an error) while
// its elements are not drawn yet.
func fwait(f *browsertest.Browser, what, expr string) {
	f.WaitFor(what, "(() => { try { return "+expr+"; } catch (e) { return false; } })()")
}

func waitConsole(t *testing.T, b *browsertest.Browser, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(strings.Join(b.Errors(), " "), want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %q in the console: %q", want, b.Errors())
}

// BaseResourceURI and BaseWSURI name the server the chat talks to, whatever server chat.js
// came from: here chat.js comes from 127.0.0.1 and both name the same Parley as localhost.
// pdata and udata values that are not text reach the agent written out, and one longer than
// the protocol allows arrives cut rather than costing the chat.
func TestSnippetBaseURIsInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	port := env.URL[strings.LastIndex(env.URL, ":")+1:]
	other := "localhost:" + port
	snippet := `<script src='` + env.URL + `/gui//chat.js'></script>
<script>JTEL.initChat({Hash: '` + env.Demo.ConnectorHash + `', BaseWSURI: 'ws://` + other + `', BaseResourceURI: 'http://` + other + `/gui',
  pdata: {name: 'John Doe', userdata: 123456, userdata2: true, userdata3: 'x'.repeat(1200)}, udata: {cart: {items: 2}}});</script>`
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1>` + snippet + `</body></html>`))
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	anna := signIn(t, env)

	b := browsertest.New(t, browsertest.Options{Name: "jtel", Lang: "en-US", AcceptLanguage: "en-US,en", Flags: []chromedp.ExecAllocatorOption{browsertest.SiteIsolation}})
	b.Do(chromedp.Navigate(srv.URL))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	b.Click(browsertest.WidgetLauncher)
	src := browsertest.Eval[string](b, `document.querySelector('parley-chat').shadowRoot.querySelector('iframe').src`)
	if !strings.HasPrefix(src, "http://"+other+"/widget/frame?") || !strings.Contains(src, "ws=ws%3A%2F%2Flocalhost%3A"+port) {
		t.Fatalf("the chat frame is %s, want it from BaseResourceURI's server talking to BaseWSURI", src)
	}
	f := b.Frame("jtel-frame", "http://"+other+"/widget/frame")
	fwait(f, "the focused editor", `document.activeElement === document.querySelector('#f-q')`)
	b.Do(chromedp.KeyEvent("Hi"), pressEnter)
	offerEv, _ := agentAwait(t, anna, "the offer", func(_ protocol.Event, o *protocol.Offer) bool { return o.Visitor == "John Doe" })
	agentCall(t, anna, offerEv.Chat, &protocol.OfferAccept{})
	_, opened := agentAwait(t, anna, "chat.opened", func(_ protocol.Event, o *protocol.ChatOpened) bool { return o.Chat.ID == offerEv.Chat })
	vi := opened.Chat.Visitor
	if vi.PData["userdata"] != "123456" || vi.PData["userdata2"] != "true" || vi.UData["cart"] != `{"items":2}` ||
		vi.PData["userdata3"] != strings.Repeat("x", 1000) {
		t.Fatalf("the agent sees pdata %v udata %v", vi.PData, vi.UData)
	}
	fwait(f, "the agent joined", `document.querySelector('#log').textContent.includes('Anna')`)
	shot(b, f, "6-base-uris")
	b.AssertNoConsoleErrors()
}
