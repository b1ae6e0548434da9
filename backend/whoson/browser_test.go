package whoson_test

import (
	_ "embed"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

//go:embed testdata/client.html
var clientPage []byte

// TestWhosOnClientInChromium runs a customer's own WhosOn client (a plain page with a small
// script written from the WhosOn document) in Chromium, served from another origin than
// Parley's, through a chat with an agent.
func TestWhosOnClientInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	agent, _ := env.Agent(t, 0)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(clientPage)
	}))
	t.Cleanup(site.Close)
	if strings.EqualFold(site.URL, env.URL) {
		t.Fatal("the page must come from another origin")
	}
	w := env.Demo.WhosOn
	logo := pngBytes(t, 40, 20)
	if _, err := env.Server.Store().SetConnectorImage(ctx, store.ConnectorImage{TenantID: env.Demo.TenantID, ConnectorID: w.ConnectorID, Kind: store.ImageLogo, Data: logo}); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"server": {env.WS + "/whoson"}, "auth": {w.Auth}, "key": {w.APIKey}, "domain": {w.Domain}}
	b := browsertest.New(t, browsertest.Options{Name: "whoson", Width: 700, Height: 640})
	b.Do(chromedp.Navigate(site.URL + "/chat.html?" + q.Encode()))
	b.WaitFor("connected", `document.querySelector('#site').textContent === 'WhosOn site'`)
	b.WaitFor("site logo", `!document.querySelector('#logo').hidden && document.querySelector('#logo').naturalWidth === 40`)
	b.Screenshot("1-connected")

	b.Click(`document.querySelector('#name')`)
	b.Do(chromedp.KeyEvent("Thomas"), chromedp.KeyEvent("\r"))
	b.WaitFor("accepted", `!document.querySelector('#send').hidden && document.querySelector('#log .pagingmessage')`)
	offer, err := agent.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Offer); return ok })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Call(ctx, offer.Chat, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("operatorjoined", `document.querySelector('#status').textContent === 'Chatting with Anna'`)

	b.Click(`document.querySelector('#text')`)
	b.Do(chromedp.KeyEvent("My order has not arrived"))
	if _, err := agent.Await(ctx, func(ev protocol.Event) bool { ty, ok := ev.Body.(*protocol.TypingEvent); return ok && ty.On }); err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.KeyEvent("\r"))
	if _, err := agent.Await(ctx, func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && m.Text == "My order has not arrived"
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Call(ctx, offer.Chat, &protocol.Typing{On: true}); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("operator typing", `document.querySelector('#typing').textContent !== ''`)
	if _, err := agent.Call(ctx, offer.Chat, &protocol.Typing{On: false}); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("operator stopped typing", `document.querySelector('#typing').textContent === ''`)
	if _, err := agent.Call(ctx, offer.Chat, &protocol.Send{Text: "Sorry to hear that! Your parcel is **on its way**: [track it](https://example.com/track) <img src=x onerror=alert(1)>"}); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("operator line", `document.querySelector('#log .lineo strong')`)
	if n := browsertest.Eval[int](b, `document.querySelectorAll('#log img, #log script').length`); n != 0 {
		t.Fatalf("%d unsafe elements reached the page", n)
	}
	if href := browsertest.Eval[string](b, `document.querySelector('#log .lineo a').href`); href != "https://example.com/track" {
		t.Fatalf("link %q", href)
	}
	// The visitor sends a file: uploaded from the page's origin to WebServicesURL, then File;
	// the agent gets it and downloads the same bytes.
	doc := filepath.Join(t.TempDir(), "receipt.txt")
	if err := os.WriteFile(doc, []byte("receipt 4711"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.SetUploadFiles(chromedp.ID("file"), []string{doc}))
	fileEv, err := agent.Await(ctx, func(ev protocol.Event) bool { m, ok := ev.Body.(*protocol.Message); return ok && m.File != nil })
	if err != nil {
		t.Fatal(err)
	}
	if f := fileEv.Body.(*protocol.Message).File; f.Name != "receipt.txt" || string(download(t, env.URL+f.URL)) != "receipt 4711" {
		t.Fatalf("the agent's file %+v", f)
	}
	b.WaitFor("file line", `document.querySelector('#log .linev a') && document.querySelector('#log .linev a').textContent === 'receipt.txt'`)
	b.Screenshot("2-conversation")
	if _, err := agent.Call(ctx, offer.Chat, &protocol.Close{}); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("quit", `document.querySelector('#status').textContent === 'The chat has ended'`)
	b.Screenshot("3-ended")
	b.AssertNoConsoleErrors()
}
