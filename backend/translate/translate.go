// Package translate translates chat lines through a tenant's translation service, so that a
// visitor and an agent who speak different languages can chat. Two APIs are spoken, each as its
// provider documents it: LibreTranslate (the open, self-hostable service: POST /translate,
// GET /languages) and DeepL (POST /v2/translate, GET /v2/languages). The package owns only the
// call: timeouts, size limits, language codes and the service's errors. It keeps no cache: every
// line is translated once, where it is sent, and a failure is returned for the caller to send
// the line untranslated.
package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Limits of one call. A chat line is at most a few thousand characters; anything larger is not a
// chat line and is refused before it reaches the service.
const (
	// MaxText is the longest text, in characters, sent to the service.
	MaxText = 5000
	// maxResponse bounds the body read from the service: a translation of MaxText characters
	// as JSON-escaped UTF-8 fits easily.
	maxResponse = 256 << 10
	// DefaultTimeout bounds one call when the Client's Timeout is zero: a chat line waits at
	// most this long for its translation before it goes untranslated.
	DefaultTimeout = 5 * time.Second
)

// Errors a call can return besides the service's own (*ServiceError) and the transport's.
var (
	// ErrTooLong is a text longer than MaxText.
	ErrTooLong = errors.New("translate: text too long")
	// ErrBadText is a text that is not valid UTF-8 or holds a NUL.
	ErrBadText = errors.New("translate: text is not valid UTF-8 or holds NUL")
	// ErrBadResponse is a service answer that is not the documented JSON.
	ErrBadResponse = errors.New("translate: malformed response")
	// ErrNoService is a Service without a URL where its provider needs one.
	ErrNoService = errors.New("translate: no service URL")
	// ErrNoProvider is a Service whose provider Parley does not speak.
	ErrNoProvider = errors.New("translate: unknown provider")
)

// ServiceError is an error the service reported: its HTTP status and its "error" text.
type ServiceError struct {
	Status  int
	Message string
}

func (e *ServiceError) Error() string {
	return fmt.Sprintf("translate: service answered %d: %s", e.Status, e.Message)
}

// Provider names a translation API. A tenant picks one; the zero value is LibreTranslate, the
// API every tenant spoke before there was a choice.
type Provider string

// The providers Parley speaks.
const (
	// LibreTranslate is the open, self-hostable service (libretranslate.com and its mirrors):
	// its URL is required, its key optional.
	LibreTranslate Provider = "libretranslate"
	// DeepL is DeepL's API: its key is required, its URL optional (DeepL's own, chosen by the
	// key: free keys end in ":fx" and go to api-free.deepl.com).
	DeepL Provider = "deepl"
)

// Providers lists the providers in the order an admin page offers them.
var Providers = []Provider{LibreTranslate, DeepL}

// Valid says p is a provider Parley speaks ("" counts as LibreTranslate).
func (p Provider) Valid() bool { return p == "" || p == LibreTranslate || p == DeepL }

// Name is the provider as its makers write it, for admin pages and logs.
func (p Provider) Name() string {
	if p == DeepL {
		return "DeepL"
	}
	return "LibreTranslate"
}

// NeedsURL says the provider has no address of its own, so a tenant must give one.
func (p Provider) NeedsURL() bool { return p != DeepL }

// NeedsKey says the provider refuses every call without an API key.
func (p Provider) NeedsKey() bool { return p == DeepL }

// Service is one tenant's translation service: which API, where it is and the key it wants.
type Service struct {
	// Provider is the API the service speaks (LibreTranslate when empty).
	Provider Provider
	// URL is the service's base address, e.g. "https://translate.example.com" (LibreTranslate's
	// endpoints are URL+"/translate" and URL+"/languages"; DeepL's URL+"/v2/...", DeepL's own
	// address when empty).
	URL string
	// APIKey is the service's key: LibreTranslate's api_key when not empty, DeepL's
	// DeepL-Auth-Key.
	APIKey string
	// Tenant is the tenant whose service it is, so that its calls land in that tenant's
	// call log (Client.Record); 0 for calls no tenant's log shows.
	Tenant int64
}

// Language is one language the service translates: its code (ISO 639-1 where there is one,
// lower case) and its English name.
type Language struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Targets []string `json:"targets,omitempty"`
}

// Client calls translation services. The zero value is ready to use; it is safe for concurrent
// use.
type Client struct {
	// HTTP makes the calls (http.DefaultClient when nil).
	HTTP *http.Client
	// Timeout bounds each call (DefaultTimeout when zero), on top of the context's deadline.
	Timeout time.Duration
	// Record, when set, is told of every translation asked for (not of empty texts, which
	// make no call): what an admin's call log shows, never the text. It runs on the caller's
	// goroutine and must not block (hand the Call off).
	Record func(Call)
	// Now is the clock of Call.At and Call.Latency (time.Now when nil).
	Now func() time.Time

	calls, failures atomic.Int64
}

// Stats are a client's counts since it was made, for operators to watch failing services.
type Stats struct {
	Calls, Failures int64
}

// Stats returns the calls made and how many failed.
func (c *Client) Stats() Stats {
	return Stats{Calls: c.calls.Load(), Failures: c.failures.Load()}
}

// api is one provider's way of asking for a translation and for the language list.
type api interface {
	translate(ctx context.Context, c *Client, s Service, text, source, target string, html bool) (string, error)
	languages(ctx context.Context, c *Client, s Service) ([]Language, error)
}

// apiOf is the provider's API; an unknown provider is refused.
func apiOf(p Provider) (api, error) {
	switch p {
	case "", LibreTranslate:
		return libreTranslate{}, nil
	case DeepL:
		return deepL{}, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrNoProvider, string(p))
}

// Outcome is how a translation call ended, as a call log shows it.
type Outcome string

// The outcomes of a call.
const (
	// OutcomeOK is a translation the service returned.
	OutcomeOK Outcome = "ok"
	// OutcomeFailed is an error: the service's, the transport's, or a text refused before
	// the call.
	OutcomeFailed Outcome = "failed"
	// OutcomeTimeout is a call that ran out of time (the Client's Timeout or the caller's
	// deadline).
	OutcomeTimeout Outcome = "timeout"
)

// Outcomes lists the outcomes in the order a call log's filter offers them.
var Outcomes = []Outcome{OutcomeOK, OutcomeFailed, OutcomeTimeout}

// OutcomeOf classifies a call's error.
func OutcomeOf(err error) Outcome {
	var ne net.Error
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return OutcomeTimeout
	}
	return OutcomeFailed
}

// Call is one translation asked of a tenant's service, for the tenant's call log: when, which
// service, which languages, how many characters and how it went; never the text.
type Call struct {
	At       time.Time
	Tenant   int64
	Provider Provider
	From, To string
	// Chars is the text's length in characters.
	Chars   int
	Latency time.Duration
	Outcome Outcome
	// Error is the error's text when the call did not succeed.
	Error string
}

// Translate translates text from source to target ("auto" as source lets the service detect
// it); html says the text is HTML whose tags the service must keep. Languages are ISO 639-1
// codes, optionally with a region ("pt-br"); each provider gets them in its own spelling. An
// empty text is returned as it is without a call.
func (c *Client) Translate(ctx context.Context, s Service, text, source, target string, html bool) (string, error) {
	if strings.TrimSpace(text) == "" {
		return text, nil
	}
	if !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
		return "", ErrBadText
	}
	if utf8.RuneCountInString(text) > MaxText {
		return "", ErrTooLong
	}
	a, err := apiOf(s.Provider)
	if err != nil {
		return "", err
	}
	if c.Record == nil {
		return a.translate(ctx, c, s, text, source, target, html)
	}
	now := c.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	out, err := a.translate(ctx, c, s, text, source, target, html)
	call := Call{At: start, Tenant: s.Tenant, Provider: s.Provider, From: source, To: target,
		Chars: utf8.RuneCountInString(text), Latency: now().Sub(start), Outcome: OutcomeOf(err)}
	if call.Provider == "" {
		call.Provider = LibreTranslate
	}
	if err != nil {
		call.Error = err.Error()
	}
	c.Record(call)
	return out, err
}

// Languages lists the languages the service translates into.
func (c *Client) Languages(ctx context.Context, s Service) ([]Language, error) {
	a, err := apiOf(s.Provider)
	if err != nil {
		return nil, err
	}
	return a.languages(ctx, c, s)
}

// request is one HTTP call to a service.
type request struct {
	method, url string
	header      http.Header
	body        []byte
	// errorText reads the service's error message out of an error answer's body ("" when
	// there is none).
	errorText func([]byte) string
}

// call makes one request and decodes its JSON answer into out, counting it.
func (c *Client) call(ctx context.Context, r request, out any) (err error) {
	c.calls.Add(1)
	defer func() {
		if err != nil {
			c.failures.Add(1)
		}
	}()
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, rd)
	if err != nil {
		return fmt.Errorf("translate: %w", err)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("translate: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("translate: reading response: %w", err)
	}
	if len(data) > maxResponse {
		return fmt.Errorf("%w: larger than %d bytes", ErrBadResponse, maxResponse)
	}
	if resp.StatusCode != http.StatusOK {
		msg := ""
		if r.errorText != nil {
			msg = r.errorText(data)
		}
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return &ServiceError{Status: resp.StatusCode, Message: msg}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	return nil
}

// endpoint joins a service's base address and an endpoint's path. A service without a usable
// address counts as a failed call, so that the stats show a misconfigured service as failing.
func (c *Client) endpoint(base, path string) (string, error) {
	if base == "" {
		c.calls.Add(1)
		c.failures.Add(1)
		return "", ErrNoService
	}
	u, err := url.JoinPath(base, path)
	if err != nil {
		c.calls.Add(1)
		c.failures.Add(1)
		return "", fmt.Errorf("translate: service URL: %w", err)
	}
	return u, nil
}

// jsonField reads one string field of a JSON object, "" when there is none.
func jsonField(data []byte, field string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(m[field], &s) != nil {
		return ""
	}
	return s
}
