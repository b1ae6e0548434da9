package translate_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translate/libretest"
)

func TestTranslate(t *testing.T) {
	lt := libretest.New()
	defer lt.Close()
	lt.APIKey = "k1"
	lt.Phrase("fr", "Hello", "Bonjour")
	var c translate.Client
	s := translate.Service{URL: lt.URL, APIKey: "k1"}
	got, err := c.Translate(context.Background(), s, "Hello", "en", "fr", false)
	if err != nil || got != "Bonjour" {
		t.Fatalf("Translate = %q, %v", got, err)
	}
	got, err = c.Translate(context.Background(), s, "<b>Hi</b>", "auto", "de", true)
	if err != nil || got != libretest.Tagged("de", "<b>Hi</b>") {
		t.Fatalf("Translate html = %q, %v", got, err)
	}
	calls := lt.Calls()
	if len(calls) != 2 || calls[0] != (libretest.Request{Q: "Hello", Source: "en", Target: "fr", Format: "text", APIKey: "k1"}) || calls[1].Format != "html" {
		t.Fatalf("requests = %+v", calls)
	}
	if got, err := c.Translate(context.Background(), s, "  ", "en", "fr", false); err != nil || got != "  " || len(lt.Calls()) != 2 {
		t.Fatalf("blank text = %q, %v, %d calls", got, err, len(lt.Calls()))
	}
	if st := c.Stats(); st.Calls != 2 || st.Failures != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestLanguages(t *testing.T) {
	lt := libretest.New()
	defer lt.Close()
	var c translate.Client
	langs, err := c.Languages(context.Background(), translate.Service{URL: lt.URL + "/"})
	if err != nil || len(langs) != 3 || langs[1].Code != "fr" || langs[1].Name != "French" {
		t.Fatalf("Languages = %+v, %v", langs, err)
	}
}

func TestServiceErrors(t *testing.T) {
	lt := libretest.New()
	defer lt.Close()
	lt.APIKey = "right"
	var c translate.Client
	ctx := context.Background()
	var se *translate.ServiceError
	_, err := c.Translate(ctx, translate.Service{URL: lt.URL, APIKey: "wrong"}, "Hello", "en", "fr", false)
	if !errors.As(err, &se) || se.Status != http.StatusForbidden || se.Message != "Invalid API key" {
		t.Fatalf("wrong key: %v", err)
	}
	_, err = c.Translate(ctx, translate.Service{URL: lt.URL, APIKey: "right"}, "Hello", "en", "xx", false)
	if !errors.As(err, &se) || se.Status != http.StatusBadRequest {
		t.Fatalf("unknown target: %v", err)
	}
	lt.Down(true)
	_, err = c.Translate(ctx, translate.Service{URL: lt.URL, APIKey: "right"}, "Hello", "en", "fr", false)
	if !errors.As(err, &se) || se.Status != http.StatusInternalServerError {
		t.Fatalf("down: %v", err)
	}
	if _, err := c.Languages(ctx, translate.Service{URL: lt.URL}); !errors.As(err, &se) {
		t.Fatalf("languages down: %v", err)
	}
	if _, err := c.Translate(ctx, translate.Service{}, "Hello", "en", "fr", false); !errors.Is(err, translate.ErrNoService) {
		t.Fatalf("no URL: %v", err)
	}
	if st := c.Stats(); st.Calls != 5 || st.Failures != 5 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestBadInput(t *testing.T) {
	lt := libretest.New()
	defer lt.Close()
	var c translate.Client
	s := translate.Service{URL: lt.URL}
	for name, text := range map[string]string{"nul": "a\x00b", "utf8": "a\xffb"} {
		if _, err := c.Translate(context.Background(), s, text, "en", "fr", false); !errors.Is(err, translate.ErrBadText) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := c.Translate(context.Background(), s, strings.Repeat("é", translate.MaxText+1), "en", "fr", false); !errors.Is(err, translate.ErrTooLong) {
		t.Errorf("oversize: %v", err)
	}
	if got, err := c.Translate(context.Background(), s, strings.Repeat("é", translate.MaxText), "en", "fr", false); err != nil || !strings.HasPrefix(got, "[fr] é") {
		t.Errorf("longest text: %.20q, %v", got, err)
	}
	if n := len(lt.Calls()); n != 1 {
		t.Errorf("%d calls reached the service, want 1", n)
	}
}

// answering is a service that answers every request with body and status.
func answering(status int, body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
}

func TestBadResponses(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
	}{
		"not json":       {200, "<html>proxy error</html>"},
		"no field":       {200, `{"translated":"x"}`},
		"wrong type":     {200, `{"translatedText":5}`},
		"huge":           {200, `{"translatedText":"` + strings.Repeat("a", 300<<10) + `"}`},
		"empty body 502": {502, ""},
	} {
		srv := answering(tc.status, tc.body)
		var c translate.Client
		_, err := c.Translate(context.Background(), translate.Service{URL: srv.URL}, "Hello", "en", "fr", false)
		srv.Close()
		var se *translate.ServiceError
		switch {
		case tc.status != 200 && !(errors.As(err, &se) && se.Status == tc.status && se.Message == http.StatusText(tc.status)):
			t.Errorf("%s: %v", name, err)
		case tc.status == 200 && !errors.Is(err, translate.ErrBadResponse):
			t.Errorf("%s: %v", name, err)
		}
		if st := c.Stats(); st.Failures != 1 {
			t.Errorf("%s: stats %+v", name, st)
		}
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := translate.Client{Timeout: 50 * time.Millisecond}
	_, err := c.Translate(context.Background(), translate.Service{URL: srv.URL}, "Hello", "en", "fr", false)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hanging service: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&translate.Client{}).Translate(ctx, translate.Service{URL: srv.URL}, "Hello", "en", "fr", false); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestBadURL(t *testing.T) {
	var c translate.Client
	for _, u := range []string{"http://127.0.0.1:1", "::bad"} {
		if _, err := c.Translate(context.Background(), translate.Service{URL: u}, "Hello", "en", "fr", false); err == nil {
			t.Errorf("%q: no error", u)
		}
	}
}
