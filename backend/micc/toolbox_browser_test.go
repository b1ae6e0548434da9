package micc_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// A page on another origin with the one-line toolbox and the document's two hooks shows
// Parley's widget where ToolboxPosition says, and its chat reaches an agent with the Config's
// customer details and private data; customizePage runs once when the toolbox loads,
// customizeRequest once just before the chat.
func TestToolboxInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	url := toolboxSite(t, env, `c.ToolboxPosition = 'bottom-left';
  c.PrivateData = 'cart-42';
  window.pageHooks = (window.pageHooks || 0) + 1;`, `Mitel.ChatToolbox.customizeRequest = function() {
  Mitel.ChatToolbox.Config.CustomerEmail = 'ann@example.com';
  window.requestHooks = (window.requestHooks || 0) + 1;
};
window.addEventListener('message', function(e) { if (e.data && e.data.parley === 'ready') window.frameReady = true; });`)
	anna, _ := env.Agent(t, 0)
	ctx := ctxT(t)

	b := browsertest.New(t, browsertest.Options{Name: "micc-toolbox", Lang: "en-US", AcceptLanguage: "en-US,en", Flags: []chromedp.ExecAllocatorOption{browsertest.SiteIsolation}})
	b.Do(chromedp.Navigate(url))
	b.WaitFor("the launcher", browsertest.WidgetLauncherShown)
	if got := browsertest.Eval[float64](b, `window.pageHooks || 0`); got != 1 {
		t.Fatalf("customizePage ran %v times", got)
	}
	if got := browsertest.Eval[float64](b, `window.requestHooks || 0`); got != 0 {
		t.Fatalf("customizeRequest ran %v times before the chat", got)
	}
	if left := browsertest.Eval[string](b, browsertest.WidgetLauncher+`.style.left`); left == "" {
		t.Fatalf("ToolboxPosition bottom-left not honoured: left=%q", left)
	}
	b.Screenshot("1-launcher")
	b.Click(browsertest.WidgetLauncher)
	b.WaitFor("customizeRequest before the chat", `window.requestHooks === 1`)
	b.WaitFor("the chat frame", `window.frameReady === true`)
	// The frame is of Parley's origin, not the page's: only its own target can tell where its
	// focus is, and keys typed before the name field has it would go astray.
	f := b.Frame("micc-toolbox-frame", "/widget/frame")
	f.WaitFor("the name field focused", tryJS(`document.activeElement.id === 'f-name'`))
	b.Do(chromedp.KeyEvent("Ann Visitor"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Do you ship to Belgium?"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	offerEv, offer := awaitT[*protocol.Offer](t, ctx, anna)
	if offer.Question != "Do you ship to Belgium?" {
		t.Fatalf("offer %+v", offer)
	}
	if _, err := anna.Call(ctx, offerEv.Chat, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	_, opened := awaitT[*protocol.ChatOpened](t, ctx, anna)
	if opened.Chat.Visitor.UData["PrivateData"] != "cart-42" || opened.Chat.Visitor.Email != "ann@example.com" {
		t.Fatalf("the Config did not reach the agent: %+v", opened.Chat.Visitor)
	}
	if _, err := anna.Call(ctx, offerEv.Chat, &protocol.Send{Text: "Yes, we do."}); err != nil {
		t.Fatal(err)
	}
	awaitMsg(t, ctx, anna, "Yes, we do.")
	b.Screenshot("2-chat")
	b.AssertNoConsoleErrors()
}

// ShowWhenUnavailable false keeps the toolbox away while the group is closed; StatePollInterval
// has it ask again, so that it appears when the group opens and shows when it closes again.
func TestToolboxPollsGroupState(t *testing.T) {
	browsertest.ChromiumPath(t)
	browsertest.RequireBuilt(t, "widget/manifest.json")
	env := servertest.Start(t, servertest.Options{})
	env.ChangeConnector(t, func(c *store.Connector) { c.OutOfService = true })
	siteOrigin, setPage := allowedSite(t, env)
	setPage(`<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<script>
var realFetch = window.fetch; window.groupChecks = 0;
window.fetch = function(u) { if (String(u).indexOf('/CustomerChat/Chat/Group') >= 0) window.groupChecks++; return realFetch.apply(this, arguments); };
</script>
<script src="` + env.URL + `/CustomerChat/Chat/Toolbox"></script>
<script>
Mitel.ChatToolbox.customizePage = function() {
  var c = Mitel.ChatToolbox.Config;
  c.ServiceGroupID = ` + itoa(env.Demo.MiCC.GroupID) + `;
  c.ShowWhenUnavailable = false;
  c.StatePollInterval = 1;
};
</script></head><body><h1>Our shop</h1></body></html>`)

	b := browsertest.New(t, browsertest.Options{Name: "micc-toolbox-poll", Lang: "en-US", AcceptLanguage: "en-US,en"})
	b.Do(chromedp.Navigate(siteOrigin + "/"))
	b.WaitFor("two state checks", `window.groupChecks >= 2`)
	if browsertest.Eval[bool](b, `!!document.querySelector('parley-chat')`) {
		t.Fatal("the toolbox shows while the group is closed and ShowWhenUnavailable is false")
	}
	env.ChangeConnector(t, func(c *store.Connector) { c.OutOfService = false })
	b.WaitFor("the launcher once the group opens", browsertest.WidgetLauncherShown)
	env.ChangeConnector(t, func(c *store.Connector) { c.OutOfService = true })
	b.WaitFor("the launcher offline once the group closes", browsertest.WidgetLauncher+`.getAttribute('aria-label').includes('offline')`)
	b.Screenshot("1-offline")
	b.AssertNoConsoleErrors()
}
