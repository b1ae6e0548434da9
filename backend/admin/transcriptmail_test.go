package admin_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// The connector's Transcript e-mail page saves MiCC's subject and template, refuses an
// unknown placeholder next to its field with its name, strips scripts from an HTML template,
// and previews the message filled with a sample chat, values escaped.
func TestTranscriptMailPage(t *testing.T) {
	fx := newFixture(t, false)
	ctx := context.Background()
	admin := fx.clients["admin"]
	path := fmt.Sprint("/admin/connectors/", fx.env.Demo.ConnectorID, "/transcript")
	if r := admin.do(t, "GET", path, nil, ""); r.status != 200 || !strings.Contains(r.body, "$Customer.Number$") || !strings.Contains(r.body, "Transcript of your chat") {
		t.Fatalf("page: %d\n%s", r.status, r.body)
	}
	form := url.Values{"subject": {"Chat with $Agnet$"}, "template": {"Hi"}}
	if r := admin.do(t, "POST", path, form, ""); r.status != 422 || !strings.Contains(r.body, `id="f-subject-err"`) || !strings.Contains(r.body, "$Agnet$") {
		t.Fatalf("typo: %d\n%s", r.status, r.body)
	}
	form = url.Values{"subject": {"Chat Conversation with $Agent$"}, "html": {"on"}, "auto_send": {"on"}, "open_on_close": {"on"}, "from_address": {"web@demo.test"},
		"template": {`<p>Dear $Customer.Name$,</p><script>alert(1)</script>$Transcript$`}}
	if r := admin.do(t, "POST", path, form, ""); r.status != 303 {
		t.Fatalf("save: %d\n%s", r.status, r.body)
	}
	tm, err := fx.st.TranscriptMail(ctx, fx.env.Demo.ConnectorID)
	if err != nil || !tm.HTML || !tm.AutoSend || !tm.OpenOnClose || tm.FromAddress != "web@demo.test" || strings.Contains(tm.Template, "<script") {
		t.Fatalf("stored %+v %v", tm, err)
	}
	r := admin.do(t, "GET", path+"?saved=1", nil, "")
	for _, want := range []string{"Chat Conversation with Anna Berg", "Dear Zoë Weber,", `class="mail-preview mail-html"`, "Where is my order?"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	other := fmt.Sprint("/admin/connectors/", fx.env.Demo.ConnectorID+1000, "/transcript")
	if r := admin.do(t, "GET", other, nil, ""); r.status != 404 {
		t.Fatalf("unknown connector: %d", r.status)
	}
}
