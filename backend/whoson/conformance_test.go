package whoson_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// The conformance tests drive a real server over real sockets with a WhosOn client written
// from the WhosOn Chat API document, and a real agent connection.

// each runs a test against SQLite and PostgreSQL.
func each(t *testing.T, f func(t *testing.T, opts servertest.Options)) {
	t.Run("sqlite", func(t *testing.T) { f(t, servertest.Options{}) })
	t.Run("postgres", func(t *testing.T) { f(t, servertest.Options{Postgres: true}) })
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// wevent is an event as a WhosOn client receives it.
type wevent struct {
	EventName string          `json:"EventName"`
	ChatUid   *string         `json:"ChatUid"`
	Data      json.RawMessage `json:"Data"`
}

func (e wevent) text(t *testing.T) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(e.Data, &s); err != nil {
		t.Fatalf("%s: Data %s is not a string", e.EventName, e.Data)
	}
	return s
}

func (e wevent) uid() string {
	if e.ChatUid == nil {
		return "<null>"
	}
	return *e.ChatUid
}

// line is the Data of a newline event.
type line struct{ Classname, Content string }

func (e wevent) line(t *testing.T) line {
	t.Helper()
	var l line
	if err := json.Unmarshal(e.Data, &l); err != nil {
		t.Fatalf("newline Data %s: %v", e.Data, err)
	}
	return l
}

// wclient is a WhosOn Chat API client.
type wclient struct {
	t      *testing.T
	ws     *websocket.Conn
	events chan wevent
	done   chan struct{}
	status websocket.StatusCode
}

func dialWhosOn(t *testing.T, url string, header http.Header) *wclient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	ws.SetReadLimit(1 << 22)
	c := &wclient{t: t, ws: ws, events: make(chan wevent, 1024), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				c.status = websocket.CloseStatus(err)
				return
			}
			var e wevent
			if err := json.Unmarshal(data, &e); err != nil || e.EventName == "" {
				t.Errorf("frame that is not a WhosOn event: %s", data)
				continue
			}
			c.events <- e
		}
	}()
	t.Cleanup(func() { _ = ws.CloseNow() })
	return c
}

// send sends a command with its parameters (none: null).
func (c *wclient) send(name string, params ...string) {
	c.t.Helper()
	var p any
	if params != nil {
		p = params
	}
	b, _ := json.Marshal(map[string]any{"Command": name, "Parameters": p})
	c.raw(string(b))
}

func (c *wclient) raw(frame string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// await returns the next event of that name, skipping others (queue repeats, lines).
func (c *wclient) await(ctx context.Context, name string) wevent {
	c.t.Helper()
	return c.awaitMatch(ctx, name, func(wevent) bool { return true })
}

func (c *wclient) awaitMatch(ctx context.Context, name string, ok func(wevent) bool) wevent {
	c.t.Helper()
	var seen []string
	for {
		select {
		case e := <-c.events:
			if e.EventName == name && ok(e) {
				return e
			}
			seen = append(seen, e.EventName+" "+string(e.Data))
		case <-ctx.Done():
			c.t.Fatalf("no %s event; saw %q", name, seen)
		}
	}
}

// next returns the next event that is not a queue repeat.
func (c *wclient) next(ctx context.Context) wevent {
	c.t.Helper()
	for {
		select {
		case e := <-c.events:
			if e.EventName == "queue" {
				continue
			}
			return e
		case <-c.done:
			select {
			case e := <-c.events:
				if e.EventName != "queue" {
					return e
				}
				continue
			default:
			}
			c.t.Fatalf("connection closed (%d) while waiting for an event", c.status)
		case <-ctx.Done():
			c.t.Fatal("no event")
		}
	}
}

// closed waits for the server to close the socket.
func (c *wclient) closed(ctx context.Context) {
	c.t.Helper()
	select {
	case <-c.done:
	case <-ctx.Done():
		c.t.Fatal("the server did not close the socket")
	}
}

// connectData is the part of the connected event the tests read.
type connectData struct {
	SessionID, Domain, SiteName, OpeningMessage, ClosingMessage, WebServicesURL, AllowedFileTypes, Lang string
	OperatorPreview, LeaveMessageEnabled                                                                bool
	GeoIP                                                                                               struct{ IPAddress string }
	PreChatSurvey, PostChatSurvey                                                                       struct {
		Enabled bool
		Fields  []map[string]any
	}
	Translation struct {
		Enabled         bool
		DefaultLanguage string
		Languages       []struct{ ISO2, DisplayAs string }
	}
}

// connect sends Connect with the demo's credentials and returns the connected event's data.
func connect(t *testing.T, ctx context.Context, env *servertest.Env, c *wclient) connectData {
	t.Helper()
	w := env.Demo.WhosOn
	c.send("Connect", w.Auth, w.Domain, "195.62.193.194", "287-3882882", "Mozilla/5.0 test", "https://www.google.com", w.APIKey)
	e := c.next(ctx)
	if e.EventName != "connected" || e.ChatUid != nil {
		t.Fatalf("Connect answered %s %s (ChatUid %s)", e.EventName, e.Data, e.uid())
	}
	var d connectData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// everyProperty are the connected event's properties in the document.
var everyProperty = []string{"SessionID", "Domain", "SiteName", "UTCBias", "OpeningMessage", "ClosingMessage", "ForwardingURL", "Layout", "Color", "Lang", "Height", "Width", "OperatorPreview", "WebServicesURL", "GeoIP", "AllowedFileTypes", "PreChatSurvey", "PostChatSurvey", "Translation", "CallbackEnabled", "LeaveMessageEnabled", "VisitorSingleUseFiles", "ServerBuild"}

func TestWhosOnWholeChat(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		c := dialWhosOn(t, env.WS+"/whoson", nil)

		// Connect: every documented property, the GeoIP object with the given address.
		w := env.Demo.WhosOn
		c.send("connect", w.Auth, w.Domain, "195.62.193.194", "287-3882882", "Mozilla/5.0 test", "https://www.google.com", w.APIKey)
		e := c.next(ctx)
		if e.EventName != "connected" || e.ChatUid != nil {
			t.Fatalf("connected: %s %s", e.EventName, e.Data)
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal(e.Data, &all); err != nil {
			t.Fatal(err)
		}
		for _, p := range everyProperty {
			if _, ok := all[p]; !ok {
				t.Errorf("connected lacks %s", p)
			}
		}
		var d connectData
		_ = json.Unmarshal(e.Data, &d)
		if d.SessionID == "" || d.Domain != "www.example.com" || d.SiteName != "WhosOn site" || d.GeoIP.IPAddress != "195.62.193.194" ||
			!strings.HasSuffix(d.WebServicesURL, "/whoson/ws/") || d.Translation.Enabled || !d.LeaveMessageEnabled || !d.OperatorPreview {
			t.Fatalf("connected data %s", e.Data)
		}

		// Hello, in another letter case: accepted with the chat uid and the paging message,
		// which is then the first newline.
		c.send("HELLO", "Thomas", w.Domain, "", "", d.SessionID, "195.62.193.194", "287-3882882", "en", "false", "<Fields><Field><Name>Company</Name><Value>IBM</Value></Field></Fields>")
		acc := c.next(ctx)
		if acc.EventName != "accepted" || acc.ChatUid == nil || *acc.ChatUid == "" || acc.text(t) == "" {
			t.Fatalf("Hello answered %s %s", acc.EventName, acc.Data)
		}
		uid := *acc.ChatUid
		paging := c.next(ctx)
		if paging.EventName != "newline" || paging.uid() != uid || paging.line(t) != (line{"pagingmessage", acc.text(t)}) {
			t.Fatalf("paging message %s %s", paging.EventName, paging.Data)
		}

		// The agent gets the chat, with the survey field, and takes it: operatorjoined.
		offerEv, err := agent.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Offer); return ok })
		if err != nil || offerEv.Chat != uid {
			t.Fatalf("offer %v %v", offerEv, err)
		}
		if _, err := agent.Call(ctx, uid, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		opened, err := agent.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.ChatOpened); return ok })
		if err != nil || opened.Body.(*protocol.ChatOpened).Chat.Visitor.Fields["Company"] != "IBM" || opened.Body.(*protocol.ChatOpened).Chat.Visitor.Name != "Thomas" {
			t.Fatalf("chat.opened %+v %v", opened.Body, err)
		}
		joined := c.await(ctx, "operatorjoined")
		var op map[string]any
		_ = json.Unmarshal(joined.Data, &op)
		if joined.uid() != uid || op["Name"] != "Anna" || op["IsBot"] != "False" || op["Status"] != "Online" || op["Email"] != "anna@demo.parley" ||
			len(op["Skills"].([]any)) != 2 || op["Skills"].([]any)[0] != "english" {
			t.Fatalf("operatorjoined %s", joined.Data)
		}
		for _, k := range []string{"Name", "Email", "Phone", "Dept", "Skills", "IsBot", "Status", "Lang"} {
			if _, ok := op[k]; !ok {
				t.Errorf("operatorjoined lacks %s", k)
			}
		}

		// The operators: Anna online, Ben (not signed in) away.
		c.send("GetOperators", d.SessionID, w.Domain)
		opsEv := c.await(ctx, "operators")
		var ops []map[string]any
		if err := json.Unmarshal(opsEv.Data, &ops); err != nil || len(ops) != 2 || opsEv.uid() != uid {
			t.Fatalf("operators %s (%s)", opsEv.Data, opsEv.uid())
		}
		for _, o := range ops {
			if want := map[any]string{"Anna": "Online", "Ben": "Away"}[o["Name"]]; o["Status"] != want || o["Email"] == "" {
				t.Errorf("operator %v, want status %s", o, want)
			}
		}

		// Typing both ways.
		c.send("StartTyping", d.SessionID)
		if _, err := agent.Await(ctx, func(ev protocol.Event) bool { ty, ok := ev.Body.(*protocol.TypingEvent); return ok && ty.On }); err != nil {
			t.Fatal(err)
		}
		c.send("stoptyping", d.SessionID)
		if _, err := agent.Await(ctx, func(ev protocol.Event) bool { ty, ok := ev.Body.(*protocol.TypingEvent); return ok && !ty.On }); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Call(ctx, uid, &protocol.Typing{On: true}); err != nil {
			t.Fatal(err)
		}
		if e := c.await(ctx, "typing"); e.uid() != uid {
			t.Fatalf("typing %+v", e)
		}
		if _, err := agent.Call(ctx, uid, &protocol.Typing{On: false}); err != nil {
			t.Fatal(err)
		}
		c.await(ctx, "typingstop")

		// Preview reaches the agent.
		c.send("Preview", d.SessionID, w.Domain, "I would li")
		if _, err := agent.Await(ctx, func(ev protocol.Event) bool {
			p, ok := ev.Body.(*protocol.PreviewEvent)
			return ok && p.Text == "I would li"
		}); err != nil {
			t.Fatal(err)
		}

		// A visitor message: echoed as linesays + linev, delivered to the agent; the line
		// before the <original> tags is the agent's, followed by the original, which the
		// visitor's echo shows (what the visitor wrote).
		c.send("Message", d.SessionID, w.Domain, "Could you <b>help</b>?<original>Pouvez-vous m'aider ?</original>")
		says := c.awaitMatch(ctx, "newline", func(e wevent) bool { return e.line(t).Classname == "linesays" })
		if says.line(t).Content != "Thomas says:" || says.uid() != uid {
			t.Fatalf("linesays %s", says.Data)
		}
		if l := c.next(ctx).line(t); l != (line{"linev", "Pouvez-vous m&#39;aider ?"}) {
			t.Fatalf("linev %+v", l)
		}
		if _, err := agent.Await(ctx, func(ev protocol.Event) bool {
			m, ok := ev.Body.(*protocol.Message)
			return ok && m.Text == "Could you <b>help</b>?\n\nOriginal: Pouvez-vous m'aider ?"
		}); err != nil {
			t.Fatal(err)
		}

		// An operator line in Markdown arrives as restricted HTML.
		if _, err := agent.Call(ctx, uid, &protocol.Send{Text: "Sure, see **the guide** <script>x()</script>"}); err != nil {
			t.Fatal(err)
		}
		osays := c.awaitMatch(ctx, "newline", func(e wevent) bool { return e.line(t).Classname == "linesays" })
		if osays.line(t).Content != "Anna says:" {
			t.Fatalf("operator linesays %s", osays.Data)
		}
		if l := c.next(ctx).line(t); l.Classname != "lineo" || !strings.Contains(l.Content, "<strong>the guide</strong>") || strings.Contains(l.Content, "script") {
			t.Fatalf("lineo %+v", l)
		}

		// Messages over 4,000 characters are refused.
		c.send("Message", d.SessionID, w.Domain, strings.Repeat("x", 4001))
		if e := c.next(ctx); e.EventName != "error" || e.uid() != uid {
			t.Fatalf("long message: %s %s", e.EventName, e.Data)
		}

		// The operator asks for a field: requestfield in the document's shape; DynamicField
		// answers it, checked against the field.
		if _, err := agent.Call(ctx, uid, &protocol.FieldAsk{Field: protocol.SurveyField{Name: "OrderNumber", Type: "numeric", Enabled: true, Prompt: "Please enter the order number:", Length: 10, ValidateLow: 0, ValidateHigh: -1}}); err != nil {
			t.Fatal(err)
		}
		rf := c.await(ctx, "requestfield")
		var field map[string]any
		_ = json.Unmarshal(rf.Data, &field)
		if rf.uid() != uid || field["FieldName"] != "OrderNumber" || field["FieldType"] != "numeric" || field["Prompt"] != "Please enter the order number:" || field["Length"] != 10.0 {
			t.Fatalf("requestfield %s", rf.Data)
		}
		c.send("DynamicField", d.SessionID, w.Domain, "OrderNumber", "twelve")
		if e := c.await(ctx, "error"); e.uid() != uid {
			t.Fatalf("invalid field value: %s", e.Data)
		}
		c.send("DynamicField", d.SessionID, w.Domain, "OrderNumber", "12345")
		if _, err := agent.Await(ctx, func(ev protocol.Event) bool {
			f, ok := ev.Body.(*protocol.FieldSet)
			return ok && f.Fields["OrderNumber"] == "12345"
		}); err != nil {
			t.Fatal(err)
		}

		// The operator ends the chat: quit. The post-chat survey is acknowledged.
		if _, err := agent.Call(ctx, uid, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}
		if e := c.await(ctx, "quit"); e.uid() != uid || e.text(t) != "" {
			t.Fatalf("quit %+v", e)
		}
		c.send("PostChatSurvey", uid, d.SessionID, w.Domain, "195.62.193.194", "<Fields><Field><Name>Rating</Name><Value>5</Value></Field></Fields>")
		if e := c.next(ctx); e.EventName != "acknowledged" {
			t.Fatalf("PostChatSurvey answered %s %s", e.EventName, e.Data)
		}
		rec, err := env.Server.Store().Chat(ctx, uid)
		if err != nil || rec.Fields["Rating"] != "5" || rec.Fields["Company"] != "IBM" || rec.State != "closed" {
			t.Fatalf("stored chat %+v %v", rec, err)
		}

		// Saying Hello again opens a new chat, never the old one.
		c.send("Hello", "Thomas", w.Domain, "", "", d.SessionID, "", "287-3882882", "en", "false", "")
		again := c.await(ctx, "accepted")
		if again.uid() == uid || again.ChatUid == nil {
			t.Fatalf("second Hello got chat %s again", again.uid())
		}
		// The visitor quits it: no quit event comes back, the agent sees the chat closed.
		c.send("Quit", d.SessionID, w.Domain)
		waitClosed(t, ctx, env, *again.ChatUid)
		for quiet := time.After(200 * time.Millisecond); ; {
			select {
			case e := <-c.events:
				if e.EventName == "quit" || e.EventName == "notaccepted" || e.EventName == "error" {
					t.Fatalf("after the visitor's Quit: %s %s", e.EventName, e.Data)
				}
				continue
			case <-quiet:
			}
			break
		}
	})
}

// waitClosed waits until the store has the chat closed.
func waitClosed(t *testing.T, ctx context.Context, env *servertest.Env, id string) {
	t.Helper()
	for {
		rec, err := env.Server.Store().Chat(ctx, id)
		if err == nil && rec.State == "closed" {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("chat %s not closed: %+v %v", id, rec, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// A returning visitor on a new connection (same cookie session id, same address) who says
// Hello gets a new chat, never the first one replayed.
func TestWhosOnReturningVisitorGetsNewChat(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	w := env.Demo.WhosOn
	var uids []string
	for range 2 {
		c := dialWhosOn(t, env.WS+"/whoson", nil)
		d := connect(t, ctx, env, c)
		c.send("Hello", "Thomas", w.Domain, "", "", d.SessionID, "", "287-3882882", "en", "false", "")
		acc := c.await(ctx, "accepted")
		uids = append(uids, acc.uid())
		c.send("Quit", d.SessionID, w.Domain)
		waitClosed(t, ctx, env, acc.uid())
		_ = c.ws.Close(websocket.StatusNormalClosure, "")
	}
	if uids[0] == uids[1] {
		t.Fatalf("the returning visitor got chat %s again", uids[0])
	}
}

func TestWhosOnAccessDenied(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		w := env.Demo.WhosOn
		for name, params := range map[string][]string{
			"wrong authentication string": {"nope", w.Domain, "", "1", "", "", w.APIKey},
			"wrong API key":               {w.Auth, w.Domain, "", "1", "", "", "nope"},
			"unknown domain":              {w.Auth, "www.test.co.uk", "", "1", "", "", w.APIKey},
			"too few parameters":          {w.Auth, w.Domain},
		} {
			c := dialWhosOn(t, env.WS+"/whoson", nil)
			c.send("Connect", params...)
			e := c.next(ctx)
			if e.EventName != "error" || e.text(t) != "Access Denied" || e.ChatUid != nil {
				t.Fatalf("%s: %s %s", name, e.EventName, e.Data)
			}
			c.closed(ctx)
		}
		// Four failures so far from this address; the fifth blocks it: then even the right
		// credentials are denied.
		c := dialWhosOn(t, env.WS+"/whoson", nil)
		c.send("Connect", "nope", w.Domain, "", "1", "", "", w.APIKey)
		if e := c.next(ctx); e.text(t) != "Access Denied" {
			t.Fatalf("fifth failure: %s", e.Data)
		}
		c = dialWhosOn(t, env.WS+"/whoson", nil)
		c.send("Connect", w.Auth, w.Domain, "", "1", "", "", w.APIKey)
		if e := c.next(ctx); e.EventName != "error" || e.text(t) != "Access Denied" {
			t.Fatalf("blocked address connected: %s %s", e.EventName, e.Data)
		}
		c.closed(ctx)
	})
}

// Frames that are not commands, unknown commands and commands before Connect are errors that
// count toward blocking the address.
func TestWhosOnInvalidCommands(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	c := dialWhosOn(t, env.WS+"/whoson", nil)
	// A frame over the size limit and a binary frame are refused in WhosOn's words too; the
	// transport does not count them.
	c.raw(`{"Command":"Message","Parameters":["` + strings.Repeat("x", 70<<10) + `"]}`)
	if e := c.next(ctx); e.EventName != "error" || e.ChatUid != nil {
		t.Fatalf("huge frame answered %s", e.EventName)
	}
	if err := c.ws.Write(ctx, websocket.MessageBinary, []byte{0, 1}); err != nil {
		t.Fatal(err)
	}
	if e := c.next(ctx); e.EventName != "error" {
		t.Fatalf("binary frame answered %s", e.EventName)
	}
	for _, frame := range []string{`not json`, `{"Command":"Hello","Parameters":null}`, `{"Command":"Fly","Parameters":null}`, `{"Parameters":["x"]}`} {
		c.raw(frame)
		if e := c.next(ctx); e.EventName != "error" {
			t.Fatalf("%s answered %s", frame, e.EventName)
		}
	}
	c.raw(`{"Command":"Fly","Parameters":null}`)
	c.closed(ctx)
	c = dialWhosOn(t, env.WS+"/whoson", nil)
	connectFails(t, ctx, env, c)
}

func connectFails(t *testing.T, ctx context.Context, env *servertest.Env, c *wclient) {
	t.Helper()
	w := env.Demo.WhosOn
	c.send("Connect", w.Auth, w.Domain, "", "1", "", "", w.APIKey)
	if e := c.next(ctx); e.EventName != "error" || e.text(t) != "Access Denied" {
		t.Fatalf("connect from a blocked address: %s %s", e.EventName, e.Data)
	}
}

// Commands naming another session are refused; a second Hello during a chat is refused.
func TestWhosOnSessionChecks(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	w := env.Demo.WhosOn
	c := dialWhosOn(t, env.WS+"/whoson", nil)
	d := connect(t, ctx, env, c)
	c.send("Hello", "Thomas", w.Domain, "", "", "someone-elses-session", "", "1", "en", "false", "")
	if e := c.next(ctx); e.EventName != "error" {
		t.Fatalf("foreign session: %s", e.EventName)
	}
	c.send("Message", d.SessionID, w.Domain, "hello?")
	if e := c.next(ctx); e.EventName != "error" || e.text(t) != "No chat in progress" {
		t.Fatalf("message before Hello: %s %s", e.EventName, e.Data)
	}
	c.send("Hello", "Thomas", w.Domain, "", "", d.SessionID, "", "1", "en", "false", "<Fields><Field>")
	if e := c.next(ctx); e.EventName != "error" {
		t.Fatalf("broken survey XML: %s", e.EventName)
	}
	c.send("Hello", "Thomas", w.Domain, "", "", d.SessionID, "", "1", "en", "false", "")
	acc := c.await(ctx, "accepted")
	c.send("Hello", "Thomas", w.Domain, "", "", d.SessionID, "", "1", "en", "false", "")
	if e := c.awaitMatch(ctx, "error", func(wevent) bool { return true }); e.text(t) != "A chat is already in progress" || e.uid() != acc.uid() {
		t.Fatalf("second Hello: %s (%s)", e.Data, e.uid())
	}
	c.send("PostChatSurvey", "ch_not_mine", d.SessionID, w.Domain, "", "<Fields/>")
	if e := c.await(ctx, "error"); e.text(t) != "Unknown chat" {
		t.Fatalf("survey of a foreign chat: %s", e.Data)
	}
}

// changeSite changes the demo's WhosOn connector as the admin pages do.
func changeSite(t *testing.T, env *servertest.Env, change func(*store.Connector)) {
	t.Helper()
	ctx := ctxT(t)
	st := env.Server.Store()
	conn, err := st.Connector(ctx, env.Demo.WhosOn.ConnectorID)
	if err != nil {
		t.Fatal(err)
	}
	change(&conn)
	if _, err := st.UpdateConnector(ctx, conn); err != nil {
		t.Fatal(err)
	}
	env.Settled(t)
}

// A chat that finds no agent in time ends with notaccepted; a site out of service does not
// accept Hello; a message can be left with or without a chat.
func TestWhosOnNotAcceptedAndLeaveMessage(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		w := env.Demo.WhosOn
		changeSite(t, env, func(c *store.Connector) { c.FreeAgentSearch = 5 * time.Second })
		c := dialWhosOn(t, env.WS+"/whoson", nil)
		d := connect(t, ctx, env, c)
		c.send("Hello", "Thomas", w.Domain, "", "", d.SessionID, "", "1", "en", "false", "")
		acc := c.await(ctx, "accepted")
		// Waiting with nobody to take it: the queue position comes about once a second.
		for range 2 {
			q := c.awaitMatch(ctx, "queue", func(wevent) bool { return true })
			if q.uid() != acc.uid() || q.text(t) != "1" {
				t.Fatalf("queue %s %s", q.uid(), q.Data)
			}
		}
		e := c.await(ctx, "notaccepted")
		if e.uid() != acc.uid() || e.text(t) == "" {
			t.Fatalf("no agent in time: %s %s", e.uid(), e.Data)
		}
		c.send("LeaveMessage", acc.uid(), d.SessionID, w.Domain, "195.62.193.194", "Thomas", "Sales", "thomas@test.com", "", "Please write")

		changeSite(t, env, func(c *store.Connector) { c.OutOfService = true })
		c = dialWhosOn(t, env.WS+"/whoson", nil)
		d = connect(t, ctx, env, c)
		c.send("Hello", "Thomas", w.Domain, "", "", d.SessionID, "", "1", "en", "false", "")
		if e := c.next(ctx); e.EventName != "notaccepted" || e.text(t) == "" || e.ChatUid != nil {
			t.Fatalf("Hello out of service: %s %s", e.EventName, e.Data)
		}
		c.send("LeaveMessage", "", d.SessionID, w.Domain, "195.62.193.194", "Thomas", "", "thomas@test.com", "07799123456", "Please call back as soon as possible")
		c.send("GetOperators", d.SessionID, w.Domain)
		ops := c.await(ctx, "operators")
		var list []map[string]any
		if err := json.Unmarshal(ops.Data, &list); err != nil || len(list) != 2 {
			t.Fatalf("operators %s", ops.Data)
		}
		for _, o := range list {
			if o["Status"] != "Away" || o["IsBot"] != "False" {
				t.Fatalf("offline operator %v", o)
			}
		}
		for {
			left, err := env.Server.Store().LeftMessages(ctx, env.Demo.TenantID, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(left) == 2 && left[0].Chat.VisitorPhone == "07799123456" && left[0].Text == "Please call back as soon as possible" &&
				left[1].Text == "Please write" && left[1].Chat.Fields["not_accepted_chat"] == acc.uid() {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("left messages %+v", left)
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
}

// The per-address limit of open chats applies to WhosOn visitors.
func TestWhosOnChatsPerAddress(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	st := env.Server.Store()
	ts, err := st.TenantSettings(ctx, env.Demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	ts.MaxChatsPerIP = 1
	if _, err := st.SaveTenantSettings(ctx, ts); err != nil {
		t.Fatal(err)
	}
	env.Settled(t)
	env.Agent(t, 0)
	w := env.Demo.WhosOn
	a := dialWhosOn(t, env.WS+"/whoson", nil)
	da := connect(t, ctx, env, a)
	a.send("Hello", "One", w.Domain, "", "", da.SessionID, "", "1", "en", "false", "")
	a.await(ctx, "accepted")
	b := dialWhosOn(t, env.WS+"/whoson", nil)
	db := connect(t, ctx, env, b)
	b.send("Hello", "Two", w.Domain, "", "", db.SessionID, "", "2", "en", "false", "")
	if e := b.next(ctx); e.EventName != "notaccepted" {
		t.Fatalf("second chat from the address: %s %s", e.EventName, e.Data)
	}
}

// The dedicated listener serves the same protocol at /.
func TestWhosOnDedicatedListener(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.WhosOnAddr = "127.0.0.1:0" }})
	ctx := ctxT(t)
	c := dialWhosOn(t, "ws://"+env.Server.WhosOnAddr()+"/", nil)
	d := connect(t, ctx, env, c)
	if d.SessionID == "" {
		t.Fatal("no session")
	}
	// The WebServicesURL names the host the client connected to, and the dedicated listener
	// serves the file endpoint too.
	if d.WebServicesURL != "http://"+env.Server.WhosOnAddr()+"/whoson/ws/" {
		t.Fatalf("WebServicesURL %q", d.WebServicesURL)
	}
	agent, _ := env.Agent(t, 0)
	acceptChat(t, ctx, env, c, agent, d.SessionID)
	a := multipartUpload(t, d.WebServicesURL+"DocumentWriteForSite", d.SessionID, "note.txt", []byte("hello"))
	if a.status != 200 || !strings.HasPrefix(a.body, "http://"+env.Server.WhosOnAddr()+"/files/") {
		t.Fatalf("upload on the dedicated listener: %+v", a)
	}
	if string(download(t, a.body)) != "hello" {
		t.Fatal("the dedicated listener serves other bytes")
	}
	_ = protoclient.Options{}
}
