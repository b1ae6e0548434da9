package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/reportexport"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestReportExportsSurviveKillNine runs the server binary with a connector whose report
// export service is failing, so that the exports of a dozen closed chats wait in the
// outbox, kills the server with SIGKILL, brings the service back and restarts the server:
// every chat's report reaches the service, its XML decoded and parsed, and none is left
// pending. On SQLite and PostgreSQL.
func TestReportExportsSurviveKillNine(t *testing.T) {
	crashEach(t, func(t *testing.T, srv *crashServer) {
		rcv := &exportService{got: map[string]int{}}
		hs := httptest.NewServer(rcv)
		defer hs.Close()
		srv.env = []string{"PARLEY_WEBHOOK_ALLOW_PRIVATE=true"}
		srv.start()
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		hash, _ := srv.prepare(ctx)
		st := srv.store(ctx)
		tenants, err := st.Tenants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns, err := st.Connectors(ctx, tenants[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		set := reportexport.Defaults()
		set.TenantID, set.ConnectorID, set.Enabled = tenants[0].ID, conns[0].ID, true
		set.TokenHeader = ""
		set.ExportHeader = "Content-Type: application/json"
		set.ExportURL = hs.URL + "/export/$chat.id"
		if err := reportexport.Validate(&set); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SaveReportExport(ctx, set); err != nil {
			t.Fatal(err)
		}
		const visitors = 12
		for i := range visitors {
			v := srv.visitor(ctx, hash)
			ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: fmt.Sprint("W", i), Question: "Kill me softly"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Call(ctx, ack.Body.(*protocol.Ack).Chat, &protocol.Close{}); err != nil {
				t.Fatal(err)
			}
			v.Drop()
		}
		tid := tenants[0].ID
		srv.until(ctx, 20*time.Millisecond, func() (bool, string) {
			log, err := st.ReportExportLog(ctx, tid, store.ExportLogFilter{}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			return len(log) >= visitors, fmt.Sprintf("%d exports written", len(log))
		})
		st = srv.crashAndRestart(ctx, st, rcv.setUp)
		defer st.Close()
		srv.until(ctx, 200*time.Millisecond, func() (bool, string) {
			all, err := st.ReportExportLog(ctx, tid, store.ExportLogFilter{}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			pending := 0
			for _, d := range all {
				if d.State != store.ExportDelivered {
					pending++
				}
			}
			if pending != 0 || len(all) < visitors {
				return false, fmt.Sprintf("%d of %d exports still pending after the restart", pending, len(all))
			}
			missing := 0
			for _, d := range all {
				if rcv.count(d.ChatID) == 0 {
					missing++
				}
			}
			if missing != 0 || rcv.badCount() != 0 {
				t.Fatalf("%d of %d reports did not arrive, %d were malformed", missing, len(all), rcv.badCount())
			}
			return true, ""
		})
	})
}

// exportService answers 503 until it is up, then decodes every report (the JSON body, its
// base64 XML, the report's size) and counts it by the chat id in its path.
type exportService struct {
	mu  sync.Mutex
	up  bool
	got map[string]int
	bad int
}

func (r *exportService) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.up {
		http.Error(w, "deploying", http.StatusServiceUnavailable)
		return
	}
	var in struct{ CustomerNumber, XMLCodedData string }
	var doc struct {
		Size    int
		Content string
	}
	err := json.Unmarshal(body, &in)
	if err == nil {
		var x []byte
		if x, err = base64.StdEncoding.DecodeString(in.XMLCodedData); err == nil {
			err = xml.Unmarshal(x, &doc)
		}
	}
	if report, derr := base64.StdEncoding.DecodeString(doc.Content); err != nil || derr != nil || len(report) != doc.Size || doc.Size == 0 {
		r.bad++
		http.Error(w, "malformed", http.StatusBadRequest)
		return
	}
	r.got[req.URL.Path[len("/export/"):]]++
}

func (r *exportService) setUp() { r.mu.Lock(); r.up = true; r.mu.Unlock() }
func (r *exportService) count(chatID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[chatID]
}
func (r *exportService) badCount() int { r.mu.Lock(); defer r.mu.Unlock(); return r.bad }
