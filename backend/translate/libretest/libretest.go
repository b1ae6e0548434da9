// Package libretest runs a LibreTranslate service for tests: the documented endpoints
// (POST /translate, GET /languages), payloads and error answers on a real local HTTP server,
// because the public services cannot be reached from where the tests run. Its "translation"
// is a phrase table the test gives, and otherwise the text tagged with the target language, so
// that tests can see exactly what was translated into what.
package libretest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Server is a running LibreTranslate service.
type Server struct {
	*httptest.Server

	// APIKey, when set, is the key every request must carry (403 otherwise).
	APIKey string

	mu      sync.Mutex
	phrases map[string]string // "target\x00text" → translation
	down    bool
	hold    chan struct{}
	calls   []Request
}

// Request is a /translate request as the server received it.
type Request struct {
	Q      string `json:"q"`
	Source string `json:"source"`
	Target string `json:"target"`
	Format string `json:"format"`
	APIKey string `json:"api_key"`
}

// Languages are the languages the server offers.
var Languages = []struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Targets []string `json:"targets"`
}{
	{"en", "English", []string{"de", "en", "fr"}},
	{"fr", "French", []string{"de", "en", "fr"}},
	{"de", "German", []string{"de", "en", "fr"}},
}

// New starts a server; Close it when done.
func New() *Server {
	s := &Server{phrases: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /translate", s.translate)
	mux.HandleFunc("GET /languages", func(w http.ResponseWriter, r *http.Request) {
		if s.failing(w) {
			return
		}
		writeJSON(w, http.StatusOK, Languages)
	})
	s.Server = httptest.NewServer(mux)
	return s
}

// Phrase makes the server translate text into target as translation.
func (s *Server) Phrase(target, text, translation string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phrases[target+"\x00"+text] = translation
}

// Down makes the server answer every request with 500 (true) or serve again (false).
func (s *Server) Down(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Hold makes /translate wait until release is called (or the request ends), for tests of
// what happens meanwhile.
func (s *Server) Hold() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hold = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.hold = nil
			s.mu.Unlock()
			close(ch)
		})
	}
}

// Calls returns the /translate requests received so far.
func (s *Server) Calls() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.calls...)
}

// Tagged is what the server answers for a text it has no phrase for: "[target] text".
func Tagged(target, text string) string { return "[" + target + "] " + text }

func (s *Server) failing(w http.ResponseWriter) bool {
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "service unavailable"})
	}
	return down
}

func (s *Server) translate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	if s.failing(w) {
		return
	}
	var req Request
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Invalid request: " + err.Error()})
			return
		}
	} else {
		req = Request{Q: r.FormValue("q"), Source: r.FormValue("source"), Target: r.FormValue("target"), Format: r.FormValue("format"), APIKey: r.FormValue("api_key")}
	}
	s.mu.Lock()
	s.calls = append(s.calls, req)
	s.mu.Unlock()
	switch {
	case s.APIKey != "" && req.APIKey != s.APIKey:
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "Invalid API key"})
		return
	case req.Q == "":
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Invalid request: missing q parameter"})
		return
	case req.Source == "":
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Invalid request: missing source parameter"})
		return
	case req.Target == "":
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Invalid request: missing target parameter"})
		return
	case !known(req.Target) || (req.Source != "auto" && !known(req.Source)):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": req.Target + " is not supported"})
		return
	}
	s.mu.Lock()
	out, ok := s.phrases[req.Target+"\x00"+req.Q]
	s.mu.Unlock()
	if !ok {
		out = Tagged(req.Target, req.Q)
	}
	body := map[string]any{"translatedText": out}
	if req.Source == "auto" {
		body["detectedLanguage"] = map[string]any{"confidence": 90, "language": "en"}
	}
	writeJSON(w, http.StatusOK, body)
}

func known(code string) bool {
	for _, l := range Languages {
		if l.Code == code {
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
