package tyntec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// DefaultBaseURL is TynTec's API.
const DefaultBaseURL = "https://api.tyntec.com"

// Client calls TynTec's Conversations API.
type Client struct {
	// BaseURL is TynTec's API root (DefaultBaseURL unless a test runs its own).
	BaseURL string
	HTTP    *http.Client
}

// NewClient returns a client of baseURL ("" is DefaultBaseURL) with a bounded timeout.
func NewClient(baseURL string) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// Error is a failed call: the status TynTec answered (0 when none came) and its reason.
type Error struct {
	Status int
	Detail string
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "tyntec: " + e.Detail
	}
	return fmt.Sprintf("tyntec: HTTP %d: %s", e.Status, e.Detail)
}

// Permanent reports whether err will fail the same way when retried: TynTec refused the
// request itself (a 4xx other than 408 and 429: a wrong API key, a bad number, a template
// WhatsApp does not know).
func Permanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status >= 400 && e.Status < 500 && e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests
}

// Unauthorized reports whether a recorded error (an Error's text, as the outbox keeps it) is
// TynTec refusing the API key: the one failure an administrator mends in the connector's
// settings rather than waits out.
func Unauthorized(lastError string) bool {
	return strings.HasPrefix(lastError, (&Error{Status: http.StatusUnauthorized}).Error())
}

// Send posts a message with the API key and returns TynTec's message id.
func (c *Client) Send(ctx context.Context, apiKey string, m MessageRequest) (string, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/conversations/v3/messages", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("apikey", apiKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return "", &Error{Detail: err.Error()}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return "", problem(resp.StatusCode, data)
	}
	var r MessageResponse
	if err := json.Unmarshal(data, &r); err != nil || r.MessageID == "" {
		return "", &Error{Status: resp.StatusCode, Detail: "the answer names no messageId"}
	}
	return r.MessageID, nil
}

// problem reads TynTec's error body.
func problem(status int, data []byte) error {
	var p Problem
	detail := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &p) == nil && (p.Detail != "" || p.Title != "") {
		detail = strings.TrimSpace(p.Title + ": " + p.Detail)
	}
	if len(detail) > 300 {
		detail = detail[:300]
	}
	return &Error{Status: status, Detail: strings.ToValidUTF8(detail, "")}
}

// Media fetches a customer's media with the API key, at most max bytes: its bytes, content
// type and the file name TynTec gives, if any. Only URLs on TynTec's API root are fetched, so
// that a webhook call cannot make the server fetch elsewhere with the key.
func (c *Client) Media(ctx context.Context, apiKey, url string, max int64) (data []byte, contentType, name string, err error) {
	if !strings.HasPrefix(url, c.BaseURL+"/") {
		return nil, "", "", &Error{Status: http.StatusBadRequest, Detail: "media outside TynTec's API: " + url}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", "", err
	}
	req.Header.Set("apikey", apiKey)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, "", "", &Error{Detail: err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return nil, "", "", problem(resp.StatusCode, data)
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", "", &Error{Detail: err.Error()}
	}
	if int64(len(data)) > max {
		return nil, "", "", &Error{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("the media is larger than %d bytes", max)}
	}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		name = params["filename"]
	}
	return data, resp.Header.Get("Content-Type"), name, nil
}
