package translate_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translate/deepltest"
)

func TestDeepLTranslate(t *testing.T) {
	dl := deepltest.New("k1")
	defer dl.Close()
	dl.Phrase("DE", "Hello", "Hallo")
	var c translate.Client
	s := translate.Service{Provider: translate.DeepL, URL: dl.URL, APIKey: "k1"}
	ctx := context.Background()
	if got, err := c.Translate(ctx, s, "Hello", "en", "de", false); err != nil || got != "Hallo" {
		t.Fatalf("Translate = %q, %v", got, err)
	}
	// English and Portuguese need a variant as targets; a source is the language alone;
	// "auto" leaves the source out; HTML keeps its tags.
	if got, err := c.Translate(ctx, s, "Bonjour", "fr-CA", "en", false); err != nil || got != deepltest.Tagged("EN-GB", "Bonjour") {
		t.Fatalf("to English = %q, %v", got, err)
	}
	if got, err := c.Translate(ctx, s, "<b>Hi</b>", "auto", "pt-br", true); err != nil || got != deepltest.Tagged("PT-BR", "<b>Hi</b>") {
		t.Fatalf("html to pt-br = %q, %v", got, err)
	}
	if got, err := c.Translate(ctx, s, "Olá", "auto", "pt", false); err != nil || got != deepltest.Tagged("PT-PT", "Olá") {
		t.Fatalf("to pt = %q, %v", got, err)
	}
	calls := dl.Calls()
	want := []deepltest.Request{
		{Text: []string{"Hello"}, SourceLang: "EN", TargetLang: "DE"},
		{Text: []string{"Bonjour"}, SourceLang: "FR", TargetLang: "EN-GB"},
		{Text: []string{"<b>Hi</b>"}, TargetLang: "PT-BR", TagHandling: "html"},
		{Text: []string{"Olá"}, TargetLang: "PT-PT"},
	}
	if len(calls) != len(want) {
		t.Fatalf("requests = %+v", calls)
	}
	for i := range want {
		if strings.Join(calls[i].Text, "|") != strings.Join(want[i].Text, "|") || calls[i].SourceLang != want[i].SourceLang ||
			calls[i].TargetLang != want[i].TargetLang || calls[i].TagHandling != want[i].TagHandling {
			t.Errorf("request %d = %+v, want %+v", i, calls[i], want[i])
		}
	}
	langs, err := c.Languages(ctx, s)
	if err != nil || len(langs) != 4 || langs[1].Code != "en" || langs[1].Name != "English" || langs[3].Code != "pt" {
		t.Fatalf("Languages = %+v, %v", langs, err)
	}
}

func TestDeepLErrors(t *testing.T) {
	dl := deepltest.New("right")
	defer dl.Close()
	var c translate.Client
	ctx := context.Background()
	var se *translate.ServiceError
	s := translate.Service{Provider: translate.DeepL, URL: dl.URL, APIKey: "wrong"}
	if _, err := c.Translate(ctx, s, "Hello", "en", "de", false); !errors.As(err, &se) || se.Status != http.StatusForbidden || !strings.Contains(se.Message, "Authorization failure") {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := c.Languages(ctx, s); !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Fatalf("languages with a wrong key: %v", err)
	}
	s.APIKey = "right"
	if _, err := c.Translate(ctx, s, "Hello", "en", "xx", false); !errors.As(err, &se) || se.Status != http.StatusBadRequest || !strings.Contains(se.Message, "target_lang") {
		t.Fatalf("unknown target: %v", err)
	}
	dl.Quota(5)
	if got, err := c.Translate(ctx, s, "Hello", "en", "de", false); err != nil || got != deepltest.Tagged("DE", "Hello") {
		t.Fatalf("within the quota: %q, %v", got, err)
	}
	if _, err := c.Translate(ctx, s, "Hello", "en", "de", false); !errors.As(err, &se) || se.Status != 456 || se.Message != "Quota exceeded" {
		t.Fatalf("quota exceeded: %v", err)
	}
	if _, err := c.Translate(ctx, translate.Service{Provider: "babel", URL: dl.URL}, "Hello", "en", "de", false); !errors.Is(err, translate.ErrNoProvider) {
		t.Fatalf("unknown provider: %v", err)
	}
	if st := c.Stats(); st.Calls != 5 || st.Failures != 4 {
		t.Fatalf("stats = %+v", st)
	}
}

// recorder answers every request with an empty translation list and keeps the last URL.
type recorder struct{ url string }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.url = req.URL.String()
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"translations":[{"text":"x"}]}`)), Header: http.Header{}}, nil
}

// Without an address a DeepL service is DeepL's own, chosen by the key's plan.
func TestDeepLOwnAddress(t *testing.T) {
	rec := &recorder{}
	c := translate.Client{HTTP: &http.Client{Transport: rec}}
	for key, want := range map[string]string{"abc:fx": "https://api-free.deepl.com/v2/translate", "abc": "https://api.deepl.com/v2/translate"} {
		if _, err := c.Translate(context.Background(), translate.Service{Provider: translate.DeepL, APIKey: key}, "Hello", "en", "de", false); err != nil || rec.url != want {
			t.Errorf("key %q: %v, called %q, want %q", key, err, rec.url, want)
		}
	}
	if _, err := c.Translate(context.Background(), translate.Service{Provider: translate.LibreTranslate}, "Hello", "en", "de", false); !errors.Is(err, translate.ErrNoService) {
		t.Errorf("LibreTranslate without an address: %v", err)
	}
}
