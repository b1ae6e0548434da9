// Package translate translates chat lines through a LibreTranslate service (the open, self-hostable
// HTTP API: POST /translate, GET /languages), so that a visitor and an agent who speak different
// languages can chat. It owns only the call: timeouts, size limits and the service's errors. It
// keeps no cache: every line is translated once, where it is sent, and a failure is returned for
// the caller to send the line untranslated.
package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	// ErrNoService is a Service without a URL.
	ErrNoService = errors.New("translate: no service URL")
)

// ServiceError is an error the service reported: its HTTP status and its "error" text.
type ServiceError struct {
	Status  int
	Message string
}

func (e *ServiceError) Error() string {
	return fmt.Sprintf("translate: service answered %d: %s", e.Status, e.Message)
}

// Service is one tenant's translation service: where it is and the key it wants.
type Service struct {
	// URL is the service's base address, e.g. "https://translate.example.com" (the
	// endpoints are URL+"/translate" and URL+"/languages").
	URL string
	// APIKey is sent as api_key when not empty.
	APIKey string
}

// Language is one language the service translates: its code (ISO 639-1 where there is one)
// and its English name.
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

// Translate translates text from source to target ("auto" as source lets the service detect
// it); html says the text is HTML whose tags the service must keep. An empty text is returned
// as it is without a call.
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
	format := "text"
	if html {
		format = "html"
	}
	body, _ := json.Marshal(translateRequest{Q: text, Source: source, Target: target, Format: format, APIKey: s.APIKey})
	var out struct {
		TranslatedText *string `json:"translatedText"`
	}
	if err := c.call(ctx, s, http.MethodPost, "/translate", body, &out); err != nil {
		return "", err
	}
	if out.TranslatedText == nil {
		c.failures.Add(1)
		return "", fmt.Errorf("%w: no translatedText", ErrBadResponse)
	}
	return *out.TranslatedText, nil
}

type translateRequest struct {
	Q      string `json:"q"`
	Source string `json:"source"`
	Target string `json:"target"`
	Format string `json:"format"`
	APIKey string `json:"api_key,omitempty"`
}

// Languages lists the languages the service translates.
func (c *Client) Languages(ctx context.Context, s Service) ([]Language, error) {
	var out []Language
	if err := c.call(ctx, s, http.MethodGet, "/languages", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// call makes one request and decodes its JSON answer into out, counting it.
func (c *Client) call(ctx context.Context, s Service, method, path string, body []byte, out any) (err error) {
	c.calls.Add(1)
	defer func() {
		if err != nil {
			c.failures.Add(1)
		}
	}()
	if s.URL == "" {
		return ErrNoService
	}
	u, err := url.JoinPath(s.URL, path)
	if err != nil {
		return fmt.Errorf("translate: service URL: %w", err)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("translate: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
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
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = http.StatusText(resp.StatusCode)
		}
		return &ServiceError{Status: resp.StatusCode, Message: e.Error}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	return nil
}
