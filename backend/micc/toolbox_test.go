package micc_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
)

func get(t *testing.T, url string, header ...string) (int, http.Header, string) {
	t.Helper()
	r, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// The toolbox's script, its sample page and its service-group lookup, with the toolbox texts
// resolved by culture (fr-BE, then fr, then the default) and only for the allowed origins.
func TestToolboxEndpoints(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		st := env.Server.Store()
		m := env.Demo.MiCC
		m.Texts = map[string]string{"StartChat": "Begin", "StartChat#fr": "Démarrer", "StartChat#fr-BE": "Commencer", "NamedAgentJoined#fr": "{0} est là"}
		if _, err := st.SetMiCCService(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		env.ChangeConnector(t, func(c *store.Connector) { c.AllowedOrigins = []string{"https://shop.example"} })

		status, h, body := get(t, env.URL+"/CustomerChat/Chat/Toolbox")
		if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/javascript") || !strings.Contains(body, "customizeRequest") {
			t.Fatalf("toolbox: %d %s", status, h)
		}
		status, _, body = get(t, env.URL+"/customerchat/chat")
		if status != 200 || !strings.Contains(body, `<script src="/CustomerChat/Chat/Toolbox"></script>`) || !strings.Contains(body, "ServiceGroupID = 1001") {
			t.Fatalf("sample page: %d %s", status, body)
		}
		group := func(query string) (int, map[string]any) {
			status, h, body := get(t, env.URL+"/CustomerChat/Chat/Group?"+query, "Origin", "https://shop.example")
			var out map[string]any
			_ = json.Unmarshal([]byte(body), &out)
			if status == 200 && h.Get("Access-Control-Allow-Origin") != "https://shop.example" {
				t.Fatalf("no CORS answer: %v", h)
			}
			return status, out
		}
		for _, tc := range []struct{ lang, want string }{{"fr-BE", "Commencer"}, {"fr-FR", "Démarrer"}, {"de", "Begin"}} {
			status, out := group("TenantID=-1&ServiceGroupID=1001&lang=" + tc.lang)
			texts, _ := out["Texts"].(map[string]any)
			if status != 200 || out["Hash"] != env.Demo.ConnectorHash || out["Open"] != true || texts["startChat"] != tc.want {
				t.Fatalf("%s: %d %v", tc.lang, status, out)
			}
			if tc.lang != "de" && texts["namedAgentJoined"] != "$agent est là" {
				t.Fatalf("%s: placeholder not the widget's: %v", tc.lang, texts)
			}
		}
		if status, _ := group("TenantID=-1&ServiceGroupName=nope"); status != 404 {
			t.Fatalf("unknown group: %d", status)
		}
		if status, _, _ := get(t, env.URL+"/CustomerChat/Chat/Group?TenantID=-1&ServiceGroupID=1001", "Origin", "https://evil.example"); status != 403 {
			t.Fatalf("foreign origin: %d", status)
		}
	})
}
