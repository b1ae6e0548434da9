package translate

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// libreTranslate speaks LibreTranslate's API: POST /translate with q, source, target, format and
// api_key as JSON, answered with translatedText; GET /languages; errors as {"error": "..."}.
type libreTranslate struct{}

type libreRequest struct {
	Q      string `json:"q"`
	Source string `json:"source"`
	Target string `json:"target"`
	Format string `json:"format"`
	APIKey string `json:"api_key,omitempty"`
}

func libreError(data []byte) string { return jsonField(data, "error") }

func (libreTranslate) translate(ctx context.Context, c *Client, s Service, text, source, target string, html bool) (string, error) {
	u, err := c.endpoint(s.URL, "/translate")
	if err != nil {
		return "", err
	}
	format := "text"
	if html {
		format = "html"
	}
	body, _ := json.Marshal(libreRequest{Q: text, Source: source, Target: target, Format: format, APIKey: s.APIKey})
	var out struct {
		TranslatedText *string `json:"translatedText"`
	}
	if err := c.call(ctx, request{method: http.MethodPost, url: u, body: body, errorText: libreError}, &out); err != nil {
		return "", err
	}
	if out.TranslatedText == nil {
		c.failures.Add(1)
		return "", fmt.Errorf("%w: no translatedText", ErrBadResponse)
	}
	return *out.TranslatedText, nil
}

func (libreTranslate) languages(ctx context.Context, c *Client, s Service) ([]Language, error) {
	u, err := c.endpoint(s.URL, "/languages")
	if err != nil {
		return nil, err
	}
	var out []Language
	if err := c.call(ctx, request{method: http.MethodGet, url: u, errorText: libreError}, &out); err != nil {
		return nil, err
	}
	return out, nil
}
