package micc_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// jquery finds a jQuery on this machine (Go's module cache holds one in golang.org/x/tools'
// godoc), so that the page calls the service exactly as the document's example does; without
// one, a few lines give $.ajax over fetch with the same call shape.
func jquery() string {
	out, _ := exec("go", "env", "GOMODCACHE")
	matches, _ := filepath.Glob(filepath.Join(strings.TrimSpace(out), "golang.org/x/tools@*/godoc/static/jquery.js"))
	for _, m := range matches {
		if b, err := os.ReadFile(m); err == nil {
			return string(b)
		}
	}
	return `window.$ = {ajax: function(o) {
  fetch(o.url, {method: o.type, headers: {'Content-Type': o.contentType}, body: o.data})
    .then(function(r) { if (!r.ok) throw new Error('status ' + r.status); return r.status === 204 ? null : r.json(); })
    .then(function(d) { o.success && o.success(d); }, function(e) { o.error && o.error(null, 'error', e); });
}};`
}

// hostPage is a customer's page on another origin with a custom MiCC chat client written as
// the document shows: jQuery's $.ajax posting {'request': ...} to /ChatService/<Method>.
func hostPage(service string, m store.MiCCService) string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>Custom MiCC client</title>
<style>body{font:15px sans-serif;margin:2em} #log{border:1px solid #888;padding:.5em;min-height:8em;list-style:none} #log li{margin:.2em 0}</style>
<script>` + jquery() + `</script>
<script>
var service = '` + service + `/ChatService/';
var chatID = null, after = null;
function call(method, param, ok) {
  $.ajax({type: "POST", contentType: "application/json; charset=utf-8", url: service + method,
    data: JSON.stringify({'request': param}), datatype: "json",
    success: function(data) { ok && ok(data); },
    error: function() { log('fault: ' + method); }});
}
function log(text) { var li = document.createElement('li'); li.textContent = text; document.getElementById('log').appendChild(li); }
function RequestChatFromService() {
  var requestParam = new Object();
  requestParam.SessionID = '{50B5D2FF-57BD-4948-A864-B044A6E9FEB7}';
  requestParam.CustomerID = '100';
  requestParam.CustomerName = 'John';
  requestParam.EmailAddress = 'john@somecompany.com';
  requestParam.PhoneNumber = '555-5555';
  requestParam.TenantID = ` + itoa(m.MiCCTenant) + `;
  requestParam.ServiceGroupID = 0;
  requestParam.ServiceGroupName = '` + m.GroupName + `';
  requestParam.PrivateData = 'SomePrivateData';
  call('RequestChat', requestParam, function(data) { chatID = data.ChatID; log('chat ' + data.ChatID); poll(); });
}
var names = ['MessageReceived', 'AgentJoined', 'AgentLeft', 'AgentTyping', 'ChatState'];
function poll() {
  call('GetEvents', {ChatID: chatID, Timeout: 10000}, function(data) {
    var ended = false;
    data.Events.forEach(function(e) {
      var d = e.Data;
      if (e.EventType === 0) log((d.System ? 'system' : d.Name) + ': ' + d.Message);
      else if (e.EventType === 4) { log('ChatState ' + d.State); ended = d.State === 2; }
      else log(names[e.EventType] + ' ' + d.Name);
    });
    if (!ended) poll();
  });
}
function send() { var i = document.getElementById('text'); call('SendMessage', {ChatID: chatID, Message: i.value}, function() { log('me: ' + i.value); i.value = ''; }); }
</script></head><body><h1>Our shop</h1>
<button id="start" onclick="RequestChatFromService()">Chat with us</button>
<ul id="log" aria-live="polite"></ul>
<label for="text">Message</label> <input id="text"> <button id="send" onclick="send()">Send</button>
</body></html>`
}

// A page on another origin reaches an agent through the ChatService with the document's
// jQuery calls: the request, the agent's join and message, the customer's answer, the end.
func TestCustomClientInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	env := servertest.Start(t, servertest.Options{})
	var page string
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(site.Close)
	siteOrigin := strings.Replace(site.URL, "127.0.0.1", "localhost", 1) // another origin than the server's
	env.ChangeConnector(t, func(c *store.Connector) { c.AllowedOrigins = []string{siteOrigin} })
	page = hostPage(env.URL, env.Demo.MiCC)
	anna, _ := env.Agent(t, 0)
	ctx := ctxT(t)

	b := browsertest.New(t, browsertest.Options{Name: "micc-client", Lang: "en-US", AcceptLanguage: "en-US,en"})
	b.Do(chromedp.Navigate(siteOrigin + "/"))
	b.Click(`document.getElementById('start')`)
	offerEv, _ := awaitT[*protocol.Offer](t, ctx, anna)
	chatID := offerEv.Chat
	if _, err := anna.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	logHas := func(text string) string {
		return `document.getElementById('log').textContent.includes(` + browsertest.JSQuote(text) + `)`
	}
	b.WaitFor("AgentJoined on the page", logHas("AgentJoined Anna"))
	if _, err := anna.Call(ctx, chatID, &protocol.Send{Text: "Hello John, how can I help?"}); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("the agent's message on the page", logHas("Anna: Hello John, how can I help?"))
	browsertest.Eval[any](b, `document.getElementById('text').focus()`)
	b.Do(chromedp.KeyEvent("Where is my order?"))
	b.Click(`document.getElementById('send')`)
	awaitMsg(t, ctx, anna, "Where is my order?")
	b.WaitFor("the customer's own line", logHas("me: Where is my order?"))
	b.Screenshot("1-conversation")
	if _, err := anna.Call(ctx, chatID, &protocol.Close{}); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("the end on the page", logHas("ChatState 2"))
	b.WaitFor("AgentLeft before it", logHas("AgentLeft Anna"))
	b.Screenshot("2-ended")
	if strings.Contains(browsertest.Eval[string](b, `document.getElementById('log').textContent`), "fault") {
		t.Fatalf("a call failed: %s", browsertest.Eval[string](b, `document.getElementById('log').textContent`))
	}
	b.AssertNoConsoleErrors()
}

func itoa(n int) string { return strconv.Itoa(n) }

func exec(name string, args ...string) (string, error) {
	out, err := osexec.Command(name, args...).Output()
	return string(out), err
}
