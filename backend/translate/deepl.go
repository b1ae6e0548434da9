package translate

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// DeepL's own addresses: keys of the free plan end in ":fx" and are only accepted by the free
// API's host.
const (
	deepLPro  = "https://api.deepl.com"
	deepLFree = "https://api-free.deepl.com"
)

// deepL speaks DeepL's API v2: POST /v2/translate with a JSON body {"text": [...],
// "target_lang": ..., "source_lang": ...}, the key in "Authorization: DeepL-Auth-Key <key>",
// answered with {"translations": [{"detected_source_language": ..., "text": ...}]};
// GET /v2/languages?type=target; errors as {"message": "..."} (456: quota exceeded).
type deepL struct{}

type deepLRequest struct {
	Text        []string `json:"text"`
	SourceLang  string   `json:"source_lang,omitempty"`
	TargetLang  string   `json:"target_lang"`
	TagHandling string   `json:"tag_handling,omitempty"`
}

func deepLError(data []byte) string { return jsonField(data, "message") }

// deepLBase is the service's address: the tenant's when given (a proxy, a test), else DeepL's
// own for the key's plan.
func deepLBase(s Service) string {
	switch {
	case s.URL != "":
		return s.URL
	case strings.HasSuffix(s.APIKey, ":fx"):
		return deepLFree
	}
	return deepLPro
}

func deepLHeader(s Service) http.Header {
	return http.Header{"Authorization": {"DeepL-Auth-Key " + s.APIKey}}
}

// deepLTarget spells a target language DeepL's way: upper case, with the regional variant
// DeepL requires for English, Portuguese and Chinese when none is given.
func deepLTarget(lang string) string {
	l := strings.ToUpper(strings.ReplaceAll(lang, "_", "-"))
	switch l {
	case "EN":
		return "EN-GB"
	case "PT":
		return "PT-PT"
	case "ZH":
		return "ZH-HANS"
	}
	return l
}

// deepLSource spells a source language DeepL's way: the language alone, upper case; "" for
// "auto", which DeepL expresses by leaving the source out.
func deepLSource(lang string) string {
	if lang == "auto" || lang == "" {
		return ""
	}
	base, _, _ := strings.Cut(strings.ReplaceAll(lang, "_", "-"), "-")
	return strings.ToUpper(base)
}

func (deepL) translate(ctx context.Context, c *Client, s Service, text, source, target string, html bool) (string, error) {
	u, err := c.endpoint(deepLBase(s), "/v2/translate")
	if err != nil {
		return "", err
	}
	req := deepLRequest{Text: []string{text}, SourceLang: deepLSource(source), TargetLang: deepLTarget(target)}
	if html {
		req.TagHandling = "html"
	}
	body, _ := json.Marshal(req)
	var out struct {
		Translations []struct {
			DetectedSourceLanguage string  `json:"detected_source_language"`
			Text                   *string `json:"text"`
		} `json:"translations"`
	}
	if err := c.call(ctx, request{method: http.MethodPost, url: u, header: deepLHeader(s), body: body, errorText: deepLError}, &out); err != nil {
		return "", err
	}
	if len(out.Translations) != 1 || out.Translations[0].Text == nil {
		c.failures.Add(1)
		return "", fmt.Errorf("%w: %d translations for one text", ErrBadResponse, len(out.Translations))
	}
	return *out.Translations[0].Text, nil
}

// languages lists DeepL's target languages under Parley's codes: lower case, one entry per
// language ("EN-GB" and "EN-US" are both English, "en").
func (deepL) languages(ctx context.Context, c *Client, s Service) ([]Language, error) {
	u, err := c.endpoint(deepLBase(s), "/v2/languages")
	if err != nil {
		return nil, err
	}
	var in []struct {
		Language string `json:"language"`
		Name     string `json:"name"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, url: u + "?type=target", header: deepLHeader(s), errorText: deepLError}, &in); err != nil {
		return nil, err
	}
	out := make([]Language, 0, len(in))
	seen := map[string]bool{}
	for _, l := range in {
		base, _, _ := strings.Cut(strings.ToLower(l.Language), "-")
		if base == "" || seen[base] {
			continue
		}
		seen[base] = true
		name, _, _ := strings.Cut(l.Name, " (")
		out = append(out, Language{Code: base, Name: name})
	}
	return out, nil
}
