package admin_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/translate/deepltest"
	"github.com/parleychat/parley/backend/translate/libretest"
)

// The Translation page's test translates the sample sentence through the saved service, a
// real LibreTranslate and a real DeepL peer, and shows the translation or the service's
// error; each call lands in the page's log with its outcome, which the filter narrows.
func TestTranslationPageTestAndLog(t *testing.T) {
	fx := newFixture(t, false)
	admin := fx.clients["admin"]
	lt := libretest.New()
	defer lt.Close()
	lt.Phrase("fr", "Hello! How can I help you today?", "Bonjour ! Comment puis-je vous aider aujourd'hui ?")
	dl := deepltest.New("right-key:fx")
	defer dl.Close()

	if r := admin.do(t, "GET", "/admin/translation", nil, ""); r.status != 200 || !strings.Contains(r.body, "No calls match.") {
		t.Fatalf("empty page: %d\n%s", r.status, r.body)
	}
	save := url.Values{"translate_enabled": {"on"}, "translate_provider": {"libretranslate"}, "translate_url": {lt.URL}, "translate_languages": {"fr, de"}}
	if r := admin.do(t, "POST", "/admin/translation", save, ""); r.status != 303 {
		t.Fatalf("save: %d\n%s", r.status, r.body)
	}
	r := admin.do(t, "POST", "/admin/translation/test", url.Values{"test_to": {"fr"}}, "")
	if r.status != 200 || !strings.Contains(r.body, "Bonjour ! Comment puis-je vous aider aujourd&#39;hui ?") || !strings.Contains(r.body, `<span class="badge on">Translated</span>`) ||
		!strings.Contains(r.body, "<td>en → fr</td>") {
		t.Fatalf("test through LibreTranslate: %d\n%s", r.status, r.body)
	}

	// The service goes down: the test shows its error, the log a failed call.
	lt.Down(true)
	r = admin.do(t, "POST", "/admin/translation/test", url.Values{"test_to": {"de"}}, "")
	if !strings.Contains(r.body, "The service could not translate the sample into de:") || !strings.Contains(r.body, "service answered 500") ||
		!strings.Contains(r.body, `<span class="badge off">Failed</span>`) {
		t.Fatalf("test of a service that is down: %d\n%s", r.status, r.body)
	}
	lt.Down(false)

	// DeepL with a wrong key, then the right one.
	save = url.Values{"translate_enabled": {"on"}, "translate_provider": {"deepl"}, "translate_url": {dl.URL}, "translate_api_key": {"wrong-key"}, "translate_languages": {"fr"}}
	if r := admin.do(t, "POST", "/admin/translation", save, ""); r.status != 303 {
		t.Fatalf("save DeepL: %d\n%s", r.status, r.body)
	}
	r = admin.do(t, "POST", "/admin/translation/test", url.Values{"test_to": {"fr"}}, "")
	if !strings.Contains(r.body, "service answered 403") || strings.Contains(r.body, "wrong-key") {
		t.Fatalf("test with a wrong DeepL key: %d\n%s", r.status, r.body)
	}
	save["translate_api_key"] = []string{"right-key:fx"}
	admin.do(t, "POST", "/admin/translation", save, "")
	r = admin.do(t, "POST", "/admin/translation/test", url.Values{"test_to": {"fr"}}, "")
	if !strings.Contains(r.body, "The service translated the sample into fr:") || !strings.Contains(r.body, deepltest.Tagged("FR", "Hello! How can I help you today?")) {
		t.Fatalf("test through DeepL: %d\n%s", r.status, r.body)
	}

	// The log holds the four calls, newest first; the filter shows the failed ones only.
	calls, err := fx.st.TranslationLog(context.Background(), fx.env.Demo.TenantID, "", 10)
	if err != nil || len(calls) != 4 || calls[0].Provider != "deepl" || calls[0].Outcome != "ok" || calls[3].Provider != "libretranslate" || calls[3].Outcome != "ok" {
		t.Fatalf("log %+v %v", calls, err)
	}
	r = admin.do(t, "GET", "/admin/translation?outcome=failed", nil, "")
	if n := strings.Count(r.body, `<span class="badge off">Failed</span>`); n != 2 || strings.Contains(r.body, `<span class="badge on">`) {
		t.Fatalf("failed filter shows %d failed calls\n%s", n, r.body)
	}
	if r := admin.do(t, "GET", "/admin/translation?outcome=bogus", nil, ""); strings.Count(r.body, "<tr>") != 5 {
		t.Fatalf("an unknown filter value should show every call:\n%s", r.body)
	}
}
