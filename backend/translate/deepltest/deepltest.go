// Package deepltest runs a DeepL API v2 service for tests: the documented endpoints
// (POST /v2/translate, GET /v2/languages), the DeepL-Auth-Key header, payloads and error
// answers (403 for a wrong key, 456 when the quota is used up) on a real local HTTP server,
// because DeepL cannot be reached from where the tests run. Its "translation" is a phrase table
// the test gives, and otherwise the text tagged with the target language.
package deepltest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Server is a running DeepL service.
type Server struct {
	*httptest.Server

	// Key is the key every request must carry in "Authorization: DeepL-Auth-Key <key>".
	Key string

	mu      sync.Mutex
	phrases map[string]string // "TARGET\x00text" → translation
	quota   int               // characters left; <0 for no limit
	calls   []Request
}

// Request is a /v2/translate request as the server received it.
type Request struct {
	Text        []string `json:"text"`
	SourceLang  string   `json:"source_lang,omitempty"`
	TargetLang  string   `json:"target_lang"`
	TagHandling string   `json:"tag_handling,omitempty"`
}

// language is one entry of /v2/languages.
type language struct {
	Language          string `json:"language"`
	Name              string `json:"name"`
	SupportsFormality bool   `json:"supports_formality,omitempty"`
}

var (
	sources = []language{{"DE", "German", false}, {"EN", "English", false}, {"FR", "French", false}, {"PT", "Portuguese", false}}
	targets = []language{{"DE", "German", true}, {"EN-GB", "English (British)", false}, {"EN-US", "English (American)", false},
		{"FR", "French", true}, {"PT-BR", "Portuguese (Brazilian)", true}, {"PT-PT", "Portuguese (European)", true}}
)

// New starts a server that wants key; Close it when done.
func New(key string) *Server {
	s := &Server{Key: key, phrases: map[string]string{}, quota: -1}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/translate", s.translate)
	mux.HandleFunc("GET /v2/languages", func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(w, r) {
			return
		}
		if r.URL.Query().Get("type") == "target" {
			writeJSON(w, http.StatusOK, targets)
			return
		}
		writeJSON(w, http.StatusOK, sources)
	})
	s.Server = httptest.NewServer(mux)
	return s
}

// Phrase makes the server translate text into target (DeepL's code, e.g. "DE", "EN-GB") as
// translation.
func (s *Server) Phrase(target, text, translation string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phrases[target+"\x00"+text] = translation
}

// Quota leaves n characters to translate; beyond them the server answers 456.
func (s *Server) Quota(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = n
}

// Calls returns the /v2/translate requests received so far.
func (s *Server) Calls() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.calls...)
}

// Tagged is what the server answers for a text it has no phrase for: "[TARGET] text".
func Tagged(target, text string) string { return "[" + target + "] " + text }

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "DeepL-Auth-Key "+s.Key {
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "Authorization failure, check auth_key"})
		return false
	}
	return true
}

func (s *Server) translate(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var req Request
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.NewDecoder(r.Body).Decode(&req) != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Invalid request: expected a JSON body"})
		return
	}
	s.mu.Lock()
	s.calls = append(s.calls, req)
	s.mu.Unlock()
	switch {
	case len(req.Text) == 0:
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Parameter 'text' not specified."})
		return
	case !knownTarget(req.TargetLang):
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Value for 'target_lang' not supported."})
		return
	case req.SourceLang != "" && !knownSource(req.SourceLang):
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Value for 'source_lang' not supported."})
		return
	case req.TagHandling != "" && req.TagHandling != "html" && req.TagHandling != "xml":
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Value for 'tag_handling' not supported."})
		return
	}
	n := 0
	for _, t := range req.Text {
		n += len([]rune(t))
	}
	s.mu.Lock()
	if s.quota >= 0 && n > s.quota {
		s.mu.Unlock()
		writeJSON(w, 456, map[string]string{"message": "Quota exceeded"})
		return
	}
	if s.quota >= 0 {
		s.quota -= n
	}
	type translation struct {
		DetectedSourceLanguage string `json:"detected_source_language"`
		Text                   string `json:"text"`
	}
	out := make([]translation, len(req.Text))
	for i, t := range req.Text {
		tr, ok := s.phrases[req.TargetLang+"\x00"+t]
		if !ok {
			tr = Tagged(req.TargetLang, t)
		}
		src := req.SourceLang
		if src == "" {
			src = "EN"
		}
		out[i] = translation{DetectedSourceLanguage: src, Text: tr}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"translations": out})
}

func knownTarget(code string) bool {
	for _, l := range targets {
		if l.Language == code {
			return true
		}
	}
	return false
}

func knownSource(code string) bool {
	for _, l := range sources {
		if l.Language == code {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
