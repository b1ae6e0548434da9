package reportexport

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/backend/outbox"
	"github.com/parleychat/parley/backend/pdftext"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/backoff"
	"github.com/parleychat/parley/shared/protocol"
)

// TestMain fails the tests when a goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// each runs f on a fresh store on SQLite and on PostgreSQL.
func each(t *testing.T, f func(t *testing.T, st *store.Store)) {
	for _, b := range []struct {
		name string
		cfg  func(t *testing.T) store.Config
	}{
		{"sqlite", func(t *testing.T) store.Config { return store.Config{DataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) store.Config { return store.Config{DatabaseURL: pgtest.URL(t)} }},
	} {
		t.Run(b.name, func(t *testing.T) {
			cfg := b.cfg(t)
			cfg.Logger = quiet
			st, err := store.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			f(t, st)
		})
	}
}

// clock is a test clock that moves only when told; it starts a minute ahead, so that what
// the test writes meanwhile is due.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Add(time.Minute)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var testRetry = outbox.Retry{Backoff: backoff.Policy{Initial: time.Minute, Max: time.Hour}, MaxAttempts: 3, Claim: 5 * time.Minute}

func newWorker(st *store.Store, clk *clock, allowPrivate bool) *Worker {
	return NewWorker(Options{Store: st, AllowPrivate: allowPrivate, Timeout: 10 * time.Second, Retry: testRetry, Now: clk.Now,
		Rand: func() float64 { return 0 }, Logger: quiet})
}

// export is one report the service took, decoded.
type export struct {
	Customer string
	Size     int
	Report   []byte
	XML      string
}

// service is a customer's REST service as jtel's document describes it: a token endpoint
// that wants Basic credentials and a client-credentials form and answers with an access
// token, and an export endpoint that wants that token as Bearer and a JSON body whose
// XMLCodedData is a base64 XML chatReport with the report's size and base64 content. It
// answers 400 with the reason to anything else; down makes both answer 503.
type service struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	down   bool
	tokens int
	got    []export
	bad    []string
	token  string
}

func newService(t *testing.T) *service {
	s := &service{t: t, token: "tok-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /service/GetToken", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if s.isDown(w) {
			return
		}
		form, err := url.ParseQuery(string(body))
		switch {
		case r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte("parley:secret")):
			s.refuse(w, "token: authorization %q", r.Header.Get("Authorization"))
		case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
			s.refuse(w, "token: content type %q", r.Header.Get("Content-Type"))
		case r.Header.Get("Cache-Control") != "no-cache":
			s.refuse(w, "token: cache control %q", r.Header.Get("Cache-Control"))
		case err != nil || form.Get("grant_type") != "client_credentials" || form.Get("chat") == "":
			s.refuse(w, "token: body %q", body)
		default:
			s.mu.Lock()
			s.tokens++
			s.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":3600}`, s.token)
		}
	})
	mux.HandleFunc("POST /service/api/v1/Customers/Contacts", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if s.isDown(w) {
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+s.token || r.Header.Get("Content-Type") != "application/json" {
			s.refuse(w, "export: headers %q", r.Header)
			return
		}
		var in struct {
			CustomerNumber string
			XMLCodedData   string
			Visitor        string
		}
		if err := json.Unmarshal(body, &in); err != nil {
			s.refuse(w, "export: body %q: %v", body, err)
			return
		}
		x, err := base64.StdEncoding.DecodeString(in.XMLCodedData)
		if err != nil {
			s.refuse(w, "export: XMLCodedData: %v", err)
			return
		}
		var doc struct {
			XMLName xml.Name `xml:"chatReport"`
			Size    int
			Content string
			Visitor string
		}
		if err := xml.Unmarshal(x, &doc); err != nil {
			s.refuse(w, "export: XML %q: %v", x, err)
			return
		}
		report, err := base64.StdEncoding.DecodeString(doc.Content)
		if err != nil || len(report) != doc.Size || doc.Visitor != in.Visitor {
			s.refuse(w, "export: content of %d bytes, size %d, visitor %q/%q: %v", len(report), doc.Size, doc.Visitor, in.Visitor, err)
			return
		}
		s.mu.Lock()
		s.got = append(s.got, export{Customer: in.CustomerNumber, Size: doc.Size, Report: report, XML: string(x)})
		s.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *service) isDown(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		http.Error(w, "deploying", http.StatusServiceUnavailable)
	}
	return s.down
}

func (s *service) refuse(w http.ResponseWriter, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.bad = append(s.bad, msg)
	s.mu.Unlock()
	http.Error(w, msg, http.StatusBadRequest)
}

func (s *service) received() ([]export, []string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]export(nil), s.got...), append([]string(nil), s.bad...), s.tokens
}

// settings are jtel's example settings pointed at the service, with the chat's visitor in
// the XML template and the body to prove the escaping.
func (s *service) settings(tenantID, connectorID int64) store.ReportExport {
	set := Defaults()
	set.TenantID, set.ConnectorID, set.Enabled = tenantID, connectorID, true
	set.TokenURL = s.srv.URL + "/service/GetToken"
	set.TokenHeader = "Cache-Control: no-cache Content-Type: application/x-www-form-urlencoded;charset=UTF-8 Authorization: Basic " +
		base64.StdEncoding.EncodeToString([]byte("parley:secret"))
	set.TokenBody = "grant_type=client_credentials&chat=$chat.id"
	set.ExportURL = s.srv.URL + "/service/api/v1/Customers/Contacts"
	set.ExportBody = `{ "CustomerNumber": "$chatConnector.id", "XMLCodedData": "$xmlTemplate.encoded.base64", "Visitor": "$chat.name" }`
	set.XMLTemplate = `<?xml version="1.0" encoding="utf-8"?><chatReport><Size>$report.bytes</Size><Content>$report.encoded.base64</Content><Visitor>$chat.name</Visitor></chatReport>`
	return set
}

// visitorName needs escaping in JSON and in XML.
const visitorName = `Zoë "Zuckerbäcker" <Müller> & Söhne`

// fixture makes a tenant with a connector whose export goes to s.
func fixture(t *testing.T, st *store.Store, s *service) (store.Tenant, store.Connector) {
	t.Helper()
	ctx := context.Background()
	ten, err := st.CreateTenant(ctx, store.Tenant{Name: "Acme Bakery", TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := st.CreateConnector(ctx, store.Connector{TenantID: ten.ID, Name: "Webshop"})
	if err != nil {
		t.Fatal(err)
	}
	set := s.settings(ten.ID, conn.ID)
	if err := Validate(&set); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveReportExport(ctx, set); err != nil {
		t.Fatal(err)
	}
	return ten, conn
}

// chat commits a chat's life, closed when closed is set.
func chat(t *testing.T, st *store.Store, tenantID, connectorID int64, closed bool) string {
	t.Helper()
	start := time.Now().UTC().Truncate(time.Second)
	c := store.Chat{ID: store.NewChatID(), TenantID: tenantID, ConnectorID: connectorID, State: "queued", VisitorName: visitorName, CreatedAt: start}
	ev := func(body protocol.EventBody) store.Write {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		return store.Write{Event: &store.Event{ChatID: c.ID, Type: string(body.EventType()), Data: data}}
	}
	if closed {
		c.State, c.ClosedAt, c.CloseCause = "closed", &start, string(protocol.CauseVisitor)
	}
	w := ev(&protocol.ChatState{State: protocol.StateQueued, At: start})
	w.Chat = &c
	ws := []store.Write{w,
		ev(&protocol.ChatState{State: protocol.StateActive, At: start}),
		ev(&protocol.Message{Role: protocol.RoleVisitor, Name: "Zoë", Text: "Wo bleibt meine Torte?", At: start}),
		ev(&protocol.Message{Role: protocol.RoleAgent, Name: "Anna", Text: "Sie ist unterwegs.", At: start}),
	}
	if closed {
		ws = append(ws, ev(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor, At: start}))
	}
	if err := st.Commit(context.Background(), ws...); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// A closed chat's report reaches the service: the token post with the document's one-line
// headers and a form body, then the export with the token as Bearer and the XML template
// base64-encoded in the JSON body, carrying the PDF transcript and its size; the visitor's
// name, which needs escaping, arrives intact in both the JSON and the XML. An open chat
// exports nothing; the log says delivered; a second pass sends nothing again.
func TestExportsClosedChat(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := newService(t)
		ten, conn := fixture(t, st, svc)
		chatID := chat(t, st, ten.ID, conn.ID, true)
		chat(t, st, ten.ID, conn.ID, false)
		w := newWorker(st, newClock(), true)
		n, err := w.DeliverDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, bad, tokens := svc.received()
		if n != 1 || len(got) != 1 || len(bad) != 0 || tokens != 1 {
			t.Fatalf("delivered %d, got %d, tokens %d, refused %q", n, len(got), tokens, bad)
		}
		e := got[0]
		if e.Customer != strconv.FormatInt(conn.ID, 10) || !bytes.HasPrefix(e.Report, []byte("%PDF-")) {
			t.Errorf("customer %q, report %q…", e.Customer, e.Report[:min(20, len(e.Report))])
		}
		if !strings.Contains(e.XML, "&lt;Müller&gt; &amp; Söhne") {
			t.Errorf("XML %s", e.XML)
		}
		doc, err := pdftext.Read(e.Report)
		if err != nil {
			t.Fatal(err)
		}
		if text := doc.Text(); !strings.Contains(text, "Wo bleibt meine Torte?") || !strings.Contains(text, chatID) {
			t.Errorf("the report does not show the chat: %q", text)
		}
		log, err := st.ReportExportLog(ctx, ten.ID, store.ExportLogFilter{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 1 || log[0].ChatID != chatID || log[0].State != store.ExportDelivered || log[0].ResponseCode != http.StatusCreated || log[0].Attempts != 1 {
			t.Errorf("log %+v", log)
		}
		if n, err := w.DeliverDue(ctx); n != 0 || err != nil {
			t.Errorf("a second pass delivers %d: %v", n, err)
		}
	})
}

// A service that is down gets the export when it is back (retried with backoff); one that
// stays down makes the export fail after the last attempt, its error kept; a replay sends it
// again.
func TestRetriesGivesUpAndReplays(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := newService(t)
		ten, conn := fixture(t, st, svc)
		svc.down = true
		chat(t, st, ten.ID, conn.ID, true)
		clk := newClock()
		w := newWorker(st, clk, true)
		if n, err := w.DeliverDue(ctx); n != 0 || err != nil {
			t.Fatalf("delivered %d: %v", n, err)
		}
		log, _ := st.ReportExportLog(ctx, ten.ID, store.ExportLogFilter{}, 10)
		if len(log) != 1 || log[0].State != store.ExportPending || log[0].ResponseCode != 503 || !strings.Contains(log[0].LastError, "token post") ||
			log[0].NextAttemptAt.Sub(clk.Now()).Round(time.Second) != time.Minute {
			t.Fatalf("log %+v", log)
		}
		// Not due yet.
		if n, _ := w.DeliverDue(ctx); n != 0 {
			t.Fatal("retried before its time")
		}
		clk.Add(time.Minute)
		w.DeliverDue(ctx)
		clk.Add(2 * time.Minute)
		w.DeliverDue(ctx)
		log, _ = st.ReportExportLog(ctx, ten.ID, store.ExportLogFilter{}, 10)
		if log[0].State != store.ExportFailed || log[0].Attempts != 3 || log[0].LastError == "" {
			t.Fatalf("after three attempts: %+v", log[0])
		}
		svc.mu.Lock()
		svc.down = false
		svc.mu.Unlock()
		re, err := st.ReplayReportExport(ctx, ten.ID, log[0].ID)
		if err != nil || re.ReplayOf != log[0].ID || re.ChatID != log[0].ChatID {
			t.Fatalf("replay %+v %v", re, err)
		}
		if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
			t.Fatalf("the replay: %d %v", n, err)
		}
		if _, err := st.ReplayReportExport(ctx, ten.ID+1000, log[0].ID); err == nil {
			t.Error("another tenant replayed the export")
		}
	})
}

// "Send a test" exports the newest closed chat, or a sample chat when there is none, even
// with the export switched off; a switched-off export writes nothing when chats close.
func TestSendATest(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := newService(t)
		ten, conn := fixture(t, st, svc)
		set, _, err := st.ReportExport(ctx, ten.ID, conn.ID)
		if err != nil {
			t.Fatal(err)
		}
		set.Enabled = false
		if _, err := st.SaveReportExport(ctx, set); err != nil {
			t.Fatal(err)
		}
		w := newWorker(st, newClock(), true)
		d, err := st.EnqueueReportExportTest(ctx, ten.ID, conn.ID)
		if err != nil || !d.Test || d.ChatID != "" {
			t.Fatalf("test %+v %v", d, err)
		}
		if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
			_, bad, _ := svc.received()
			t.Fatalf("the sample: %d %v %q", n, err, bad)
		}
		chatID := chat(t, st, ten.ID, conn.ID, true)
		if log, _ := st.ReportExportLog(ctx, ten.ID, store.ExportLogFilter{ChatID: chatID}, 10); len(log) != 0 {
			t.Fatalf("a switched-off export wrote %+v", log)
		}
		d, err = st.EnqueueReportExportTest(ctx, ten.ID, conn.ID)
		if err != nil || d.ChatID != chatID {
			t.Fatalf("test of the newest chat %+v %v", d, err)
		}
		if n, _ := w.DeliverDue(ctx); n != 1 {
			t.Fatal("the test of a chat was not delivered")
		}
		got, _, _ := svc.received()
		if len(got) != 2 {
			t.Fatalf("got %d", len(got))
		}
		if _, err := st.EnqueueReportExportTest(ctx, ten.ID+1000, conn.ID); err == nil {
			t.Error("another tenant tested the connector")
		}
	})
}

// Without the operator's leave, a service on loopback is never called; the export fails at
// once, since trying again cannot mend it.
func TestRefusesPrivateAddresses(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := newService(t)
		ten, conn := fixture(t, st, svc)
		chat(t, st, ten.ID, conn.ID, true)
		if n, err := newWorker(st, newClock(), false).DeliverDue(ctx); n != 0 || err != nil {
			t.Fatalf("%d %v", n, err)
		}
		log, _ := st.ReportExportLog(ctx, ten.ID, store.ExportLogFilter{}, 10)
		if len(log) != 1 || log[0].State != store.ExportFailed || !strings.Contains(log[0].LastError, "private") {
			t.Fatalf("log %+v", log)
		}
		if got, bad, tokens := svc.received(); len(got)+len(bad)+tokens != 0 {
			t.Fatal("the private service was called")
		}
	})
}
