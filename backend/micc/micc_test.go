package micc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/micc"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

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

// post calls a ChatService method as the document's jQuery example does, wrapped in
// {"request": ...}, and returns the status and body.
func post(t *testing.T, base, method string, req any, header ...string) (int, []byte) {
	t.Helper()
	var body io.Reader = http.NoBody
	if req != nil {
		b, err := json.Marshal(map[string]any{"request": req})
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	return postRaw(t, base, method, body, header...)
}

func postRaw(t *testing.T, base, method string, body io.Reader, header ...string) (int, []byte) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, base+"/ChatService/"+method, body)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// call posts and decodes a 2xx answer.
func call[T any](t *testing.T, base, method string, req any) T {
	t.Helper()
	status, body := post(t, base, method, req)
	var out T
	if status/100 != 2 {
		t.Fatalf("%s: status %d: %s", method, status, body)
	}
	if status != http.StatusNoContent {
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("%s: %v in %s", method, err, body)
		}
	}
	return out
}

// fault posts and checks that the answer is a fault with that status.
func fault(t *testing.T, base, method string, req any, status int) micc.Fault {
	t.Helper()
	got, body := post(t, base, method, req)
	var f micc.Fault
	if err := json.Unmarshal(body, &f); err != nil || got != status || f.Message == "" {
		t.Fatalf("%s: want a fault with status %d, got %d %s", method, status, got, body)
	}
	return f
}

// wireEvent is a ChatEvent as a client reads it.
type wireEvent struct {
	EventType int
	Data      map[string]any
	Seq       uint64
}

// leftovers keeps the events read past the one a test waited for, per chat.
var leftovers = map[string][]wireEvent{}

// events polls until an event matching want is there, returning everything read up to it;
// events after it are kept for the next call.
func events(t *testing.T, base, chatID string, want func(wireEvent) bool) []wireEvent {
	t.Helper()
	var all []wireEvent
	pending := leftovers[chatID]
	delete(leftovers, chatID)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if len(pending) == 0 {
			pending = call[struct{ Events []wireEvent }](t, base, "GetEvents", map[string]any{"ChatID": chatID, "Timeout": 5000}).Events
		}
		for i, e := range pending {
			all = append(all, e)
			if want(e) {
				leftovers[chatID] = pending[i+1:]
				return all
			}
		}
		pending = nil
	}
	t.Fatalf("no matching event among %+v", all)
	return nil
}

func isType(typ int) func(wireEvent) bool {
	return func(e wireEvent) bool { return e.EventType == typ }
}

func isState(state int) func(wireEvent) bool {
	return func(e wireEvent) bool { return e.EventType == 4 && e.Data["State"] == float64(state) }
}

func requestChat(t *testing.T, env *servertest.Env, base string) string {
	t.Helper()
	m := env.Demo.MiCC
	resp := call[micc.RequestChatResponse](t, base, "RequestChat", map[string]any{
		"SessionID": "{50B5D2FF-57BD-4948-A864-B044A6E9FEB7}", "CustomerID": "100", "CustomerName": "John",
		"EmailAddress": "john@somecompany.com", "PhoneNumber": "555-5555", "TenantID": m.MiCCTenant,
		"ServiceGroupID": 0, "ServiceGroupName": strings.ToLower(m.GroupName), "PrivateData": "SomePrivateData"})
	if resp.ChatID == nil || *resp.ChatID == "" || resp.SessionID == 0 {
		t.Fatalf("RequestChat %+v", resp)
	}
	return *resp.ChatID
}

// The document's whole conversation: request, an agent joins, messages and an attachment both
// ways, typing, the agent closes; AgentLeft and Terminated follow.
func TestChatServiceConversation(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		base := env.URL
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)

		if v := call[string](t, base, "GetVersion", nil); v != micc.Version {
			t.Fatalf("GetVersion %q", v)
		}
		q := call[micc.GetQueueInfoResponse](t, base, "GetQueueInfo", map[string]any{"TenantID": -1, "ServiceGroupID": env.Demo.MiCC.GroupID})
		if !q.Open {
			t.Fatalf("GetQueueInfo %+v", q)
		}
		cfg := call[micc.GetChatConfigurationResponse](t, base, "GetChatConfiguration", nil)
		if cfg.MaxMessageLength != 4000 || cfg.MaxAttachmentSize <= 0 || cfg.AllowedAttachmentTypes == nil {
			t.Fatalf("GetChatConfiguration %+v", cfg)
		}

		chatID := requestChat(t, env, base)
		info := call[micc.GetChatInfoResponse](t, base, "GetChatInfo", map[string]any{"ChatID": chatID})
		if info.State != micc.Queued || info.QueuePosition != 1 {
			t.Fatalf("GetChatInfo while queued %+v", info)
		}
		offerEv, offer := awaitT[*protocol.Offer](t, ctx, agent)
		if offerEv.Chat != chatID || offer.Visitor != "John" {
			t.Fatalf("offer %+v", offer)
		}
		if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		_, opened := awaitT[*protocol.ChatOpened](t, ctx, agent)
		if opened.Chat.Visitor.UData["PrivateData"] != "SomePrivateData" || opened.Chat.Visitor.UData["From"] != "john@somecompany.com" {
			t.Fatalf("chat.opened visitor %+v", opened.Chat.Visitor)
		}
		got := events(t, base, chatID, isType(1))
		if got[len(got)-1].Data["Name"] == "" || got[len(got)-1].Data["ChatID"] != chatID {
			t.Fatalf("AgentJoined %+v", got)
		}
		events(t, base, chatID, isState(1))
		if info := call[micc.GetChatInfoResponse](t, base, "GetChatInfo", map[string]any{"ChatID": chatID}); info.State != micc.Handling {
			t.Fatalf("GetChatInfo while handled %+v", info)
		}

		// customer → agent
		call[struct{}](t, base, "SendTyping", map[string]any{"ChatID": chatID})
		awaitT[*protocol.TypingEvent](t, ctx, agent)
		call[struct{}](t, base, "SendMessage", map[string]any{"ChatID": chatID, "Message": "Where is my order?"})
		awaitMsg(t, ctx, agent, "Where is my order?")
		call[struct{}](t, base, "SendMessage", map[string]any{"ChatID": chatID, "Message": "order.txt", "Attachment": []byte("order 42")})
		_, m := awaitT[*protocol.Message](t, ctx, agent)
		if m.File == nil || m.File.Name != "order.txt" || m.File.ContentType != "text/plain; charset=utf-8" {
			t.Fatalf("attachment reached the agent as %+v", m)
		}
		// The type comes from the bytes, as for every other upload: a page disguised as text
		// is never served as HTML.
		call[struct{}](t, base, "SendMessage", map[string]any{"ChatID": chatID, "Message": "notes.txt", "Attachment": []byte("<html><script>alert(1)</script>")})
		if _, m = awaitT[*protocol.Message](t, ctx, agent); m.File == nil || strings.Contains(m.File.ContentType, "html") {
			t.Fatalf("an HTML attachment reached the agent as %+v", m.File)
		}

		// agent → customer
		if _, err := agent.Call(ctx, chatID, &protocol.Typing{On: true}); err != nil {
			t.Fatal(err)
		}
		events(t, base, chatID, isType(3))
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "It ships today."}); err != nil {
			t.Fatal(err)
		}
		got = events(t, base, chatID, func(e wireEvent) bool { return e.EventType == 0 && e.Data["Message"] == "It ships today." })
		last := got[len(got)-1].Data
		if last["System"] != false || !strings.HasPrefix(last["TimeStamp"].(string), "/Date(") {
			t.Fatalf("MessageReceived %+v", last)
		}
		f := uploadAsAgent(t, env, agent, ctx, chatID)
		got = events(t, base, chatID, func(e wireEvent) bool { return e.EventType == 0 && e.Data["Message"] == f.Name })
		raw, _ := json.Marshal(got[len(got)-1].Data["Attachment"])
		var data []byte
		var nums []int
		_ = json.Unmarshal(raw, &nums)
		for _, n := range nums {
			data = append(data, byte(n))
		}
		if string(data) != "invoice body" {
			t.Fatalf("attachment bytes %s", raw)
		}

		// the agent closes: AgentLeft, then Terminated (General)
		if _, err := agent.Call(ctx, chatID, &protocol.Close{}); err != nil {
			t.Fatal(err)
		}
		got = events(t, base, chatID, isState(2))
		sawLeft := false
		for _, e := range got {
			sawLeft = sawLeft || e.EventType == 2
		}
		if !sawLeft || got[len(got)-1].Data["TerminationCause"] != float64(0) {
			t.Fatalf("end of chat %+v", got)
		}
		if info := call[micc.GetChatInfoResponse](t, base, "GetChatInfo", map[string]any{"ChatID": chatID}); info.State != micc.Terminated {
			t.Fatalf("GetChatInfo after the end %+v", info)
		}
		call[struct{}](t, base, "LeaveChat", map[string]any{"ChatID": chatID}) // leaving an ended chat is no fault
		fault(t, base, "SendMessage", map[string]any{"ChatID": chatID, "Message": "hello?"}, http.StatusConflict)
	})
}

// The customer leaves: the agent sees the chat end.
func TestChatServiceLeaveChat(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		chatID, _ := handledChat(t, ctx, env, agent)
		call[struct{}](t, env.URL, "LeaveChat", map[string]any{"ChatID": chatID})
		if _, err := agent.Await(ctx, func(ev protocol.Event) bool {
			s, ok := ev.Body.(*protocol.ChatState)
			return ok && ev.Chat == chatID && s.State == protocol.StateClosed && s.Cause == protocol.CauseVisitor
		}); err != nil {
			t.Fatal(err)
		}
		events(t, env.URL, chatID, isState(2))
	})
}

// The faults the document's methods throw, and the request shapes accepted.
func TestChatServiceFaults(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		base := env.URL
		fault(t, base, "RequestChat", map[string]any{"TenantID": -1, "ServiceGroupID": 999}, http.StatusNotFound)
		fault(t, base, "RequestChat", map[string]any{"TenantID": 7, "ServiceGroupName": env.Demo.MiCC.GroupName}, http.StatusNotFound)
		fault(t, base, "RequestChat", map[string]any{"TenantID": -1}, http.StatusBadRequest)
		fault(t, base, "GetEvents", map[string]any{"ChatID": "nope", "Timeout": 10}, http.StatusNotFound)
		fault(t, base, "SendMessage", map[string]any{"ChatID": "nope", "Message": "x"}, http.StatusNotFound)
		fault(t, base, "GetChatInfo", map[string]any{"ChatID": ""}, http.StatusNotFound)
		fault(t, base, "NoSuchMethod", map[string]any{}, http.StatusNotFound)
		if status, body := postRaw(t, base, "RequestChat", strings.NewReader("{not json")); status != http.StatusBadRequest || !bytes.Contains(body, []byte("Message")) {
			t.Fatalf("bad JSON: %d %s", status, body)
		}
		// the path in any letter case, a bare object
		resp, err := http.Post(base+"/chatservice/getqueueinfo", "application/json", strings.NewReader(`{"TenantID":-1,"ServiceGroupName":"SALES"}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if status := resp.StatusCode; status != http.StatusOK || !bytes.Contains(body, []byte(`"Open":true`)) {
			t.Fatalf("lower-case path, bare object: %d %s", status, body)
		}
		chatID := requestChat(t, env, base)
		long := strings.Repeat("x", 4001)
		fault(t, base, "SendMessage", map[string]any{"ChatID": chatID, "Message": long}, http.StatusRequestEntityTooLarge)
		fault(t, base, "SendMessage", map[string]any{"ChatID": chatID, "Message": "run.exe", "Attachment": []byte("MZ")}, http.StatusUnsupportedMediaType)
		fault(t, base, "SendMessage", map[string]any{"ChatID": chatID, "Message": "a.txt", "Attachment": []int{1, 300}}, http.StatusBadRequest)
		fault(t, base, "SendMessage", map[string]any{"ChatID": chatID, "Message": "nul\x00"}, http.StatusBadRequest)
	})
}

// A GetEvents answer that was lost is not lost: a client that sends After gets the events
// after it again; a newer poll answers the older one at once.
func TestGetEventsRetryAndSupersede(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	base := env.URL
	chatID := requestChat(t, env, base)
	first := call[struct{ Events []wireEvent }](t, base, "GetEvents", map[string]any{"ChatID": chatID, "Timeout": 2000, "After": 0})
	if len(first.Events) == 0 {
		t.Fatal("no events after the request")
	}
	again := call[struct{ Events []wireEvent }](t, base, "GetEvents", map[string]any{"ChatID": chatID, "Timeout": 2000, "After": 0})
	if len(again.Events) < len(first.Events) || again.Events[0].Seq != first.Events[0].Seq {
		t.Fatalf("retry got %+v, first answer %+v", again.Events, first.Events)
	}
	lastSeq := again.Events[len(again.Events)-1].Seq
	// acknowledged: a long poll now waits; a second poll answers it at once.
	done := make(chan int, 1)
	go func() {
		r := call[struct{ Events []wireEvent }](t, base, "GetEvents", map[string]any{"ChatID": chatID, "Timeout": 60000, "After": lastSeq})
		done <- len(r.Events)
	}()
	time.Sleep(200 * time.Millisecond) // let the first poll start waiting; its answer does not depend on this
	call[struct{}](t, base, "SendTyping", map[string]any{"ChatID": chatID})
	r := call[struct{ Events []wireEvent }](t, base, "GetEvents", map[string]any{"ChatID": chatID, "Timeout": 10, "After": lastSeq})
	if n := <-done; n != 0 || len(r.Events) != 0 {
		t.Fatalf("superseded poll got %d events, the newer %d", n, len(r.Events))
	}
}

// The dedicated listener serves the same service, with CORS for a connector's allowed origins.
func TestDedicatedListenerCORS(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.MiCCAddr = "127.0.0.1:0" }})
	env.ChangeConnector(t, func(c *store.Connector) { c.AllowedOrigins = []string{"https://shop.example.com"} })
	base := "http://" + env.Server.MiCCAddr()
	if v := call[string](t, base, "GetVersion", nil); v != micc.Version {
		t.Fatalf("GetVersion on the dedicated listener: %q", v)
	}
	for _, tc := range []struct {
		origin, allow string
	}{{"https://shop.example.com", "https://shop.example.com"}, {"https://evil.example.net", ""}} {
		r, _ := http.NewRequest(http.MethodOptions, base+"/ChatService/RequestChat", nil)
		r.Header.Set("Origin", tc.origin)
		r.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.allow {
			t.Fatalf("preflight from %s: allow %q", tc.origin, got)
		}
	}
	// a browser of another origin may not open a chat; a back end (no Origin) may
	status, _ := post(t, base, "RequestChat", map[string]any{"TenantID": -1, "ServiceGroupID": env.Demo.MiCC.GroupID, "CustomerName": "Eve"}, "Origin", "https://evil.example.net")
	if status != http.StatusForbidden {
		t.Fatalf("RequestChat from a foreign origin: %d", status)
	}
	requestChat(t, env, base)
}

func awaitT[T protocol.EventBody](t *testing.T, ctx context.Context, c *protoclient.Client) (protocol.Event, T) {
	t.Helper()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(T); return ok })
	if err != nil {
		var zero T
		t.Fatalf("waiting for %T: %v", zero, err)
	}
	return ev, ev.Body.(T)
}

func awaitMsg(t *testing.T, ctx context.Context, c *protoclient.Client, text string) {
	t.Helper()
	if _, err := c.Await(ctx, func(ev protocol.Event) bool { m, ok := ev.Body.(*protocol.Message); return ok && m.Text == text }); err != nil {
		t.Fatalf("waiting for %q: %v", text, err)
	}
}

// uploadAsAgent uploads a file as the demo agent and shares it in the chat.
func uploadAsAgent(t *testing.T, env *servertest.Env, agent *protoclient.Client, ctx context.Context, chatID string) protocol.File {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "invoice.txt")
	_, _ = fw.Write([]byte("invoice body"))
	_ = mw.Close()
	anna := env.DemoUser(t, "agent", 0)
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set(attach.HeaderChat, chatID)
	req.Header.Set("Authorization", "Bearer "+env.Login(t, anna.Login, anna.Password))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var f protocol.File
	if err := json.NewDecoder(resp.Body).Decode(&f); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("agent upload: %d %v", resp.StatusCode, err)
	}
	if _, err := agent.Call(ctx, chatID, &protocol.FileSend{Name: f.Name, URL: f.URL, Size: f.Size, ContentType: f.ContentType}); err != nil {
		t.Fatal(err)
	}
	return f
}

// A closed group is no fault: RequestChat answers with a null ChatID and the group closed
// message; GetQueueInfo says it is not open.
func TestRequestChatGroupClosed(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		env.ChangeConnector(t, func(c *store.Connector) { c.OutOfService = true })
		m := env.Demo.MiCC
		q := call[micc.GetQueueInfoResponse](t, env.URL, "GetQueueInfo", map[string]any{"TenantID": m.MiCCTenant, "ServiceGroupID": m.GroupID})
		if q.Open {
			t.Fatalf("GetQueueInfo of a closed group: %+v", q)
		}
		status, body := post(t, env.URL, "RequestChat", map[string]any{"TenantID": m.MiCCTenant, "ServiceGroupID": m.GroupID, "CustomerName": "John"})
		var r map[string]any
		if err := json.Unmarshal(body, &r); err != nil || status != http.StatusOK {
			t.Fatalf("RequestChat: %d %s", status, body)
		}
		if v, ok := r["ChatID"]; !ok || v != nil || r["Message"] == "" {
			t.Fatalf("RequestChat of a closed group: %s", body)
		}
	})
}

// ServiceGroupIDsToReject and IgnoreCustomerDetails, set on the connector's MiCC face.
func TestRejectedGroupAndIgnoredDetails(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	m := env.Demo.MiCC
	m.IgnoreCustomerDetails = true
	if _, err := env.Server.Store().SetMiCCService(ctx, m); err != nil {
		t.Fatal(err)
	}
	anna, _ := env.Agent(t, 0)
	chatID := requestChat(t, env, env.URL)
	awaitT[*protocol.Offer](t, ctx, anna)
	if _, err := anna.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	_, opened := awaitT[*protocol.ChatOpened](t, ctx, anna)
	if v := opened.Chat.Visitor; v.Name != "Customer" || v.Email != "" || v.UData["PrivateData"] != "SomePrivateData" {
		t.Fatalf("details not ignored: %+v", v)
	}
	m.RejectGroupIDs = []int{m.GroupID}
	if _, err := env.Server.Store().SetMiCCService(ctx, m); err != nil {
		t.Fatal(err)
	}
	fault(t, env.URL, "RequestChat", map[string]any{"TenantID": -1, "ServiceGroupID": m.GroupID}, http.StatusForbidden)
}
