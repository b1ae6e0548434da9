// Package tyntectest runs a local stand-in for TynTec's Conversations API, for tests: it
// accepts POST /conversations/v3/messages with the right apikey header (recording each message
// and answering 202 with a messageId, or with failures a test queues), serves media under
// /conversations/v3/media/{id}, and calls a webhook with TynTec's event payloads. A test can
// hold sends in flight (Hold) and have status reports sent before the send's answer
// (ReportBeforeAnswer), as TynTec's own webhooks may overtake its answers.
package tyntectest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/tyntec"
)

// Server is the stand-in.
type Server struct {
	*httptest.Server
	// APIKey is the key it accepts.
	APIKey string

	mu       sync.Mutex
	messages []tyntec.MessageRequest
	ids      []string
	fail     []int // statuses to answer the next sends with
	refusing bool  // answer every send with 503
	refused  int
	media    map[string]mediaFile
	next     int
	arrived  chan struct{}
	requests int
	hold     *hold
	early    []early
}

// hold keeps sends from answering until it is released.
type hold struct {
	held    chan struct{}
	release chan struct{}
}

// early is a status report to send a webhook before answering a send.
type early struct{ webhook, status string }

type mediaFile struct {
	data        []byte
	contentType string
}

// New starts a stand-in that accepts apiKey; it stops when the test ends (Close).
func New(apiKey string) *Server {
	s := &Server{APIKey: apiKey, media: map[string]mediaFile{}, arrived: make(chan struct{}, 1000)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /conversations/v3/messages", s.send)
	mux.HandleFunc("GET /conversations/v3/media/{id}", s.getMedia)
	s.Server = httptest.NewServer(mux)
	return s
}

func (s *Server) problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(tyntec.Problem{Status: status, Title: http.StatusText(status), Detail: detail})
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	h := s.hold
	s.mu.Unlock()
	if h != nil {
		h.held <- struct{}{}
		<-h.release
	}
	if r.Header.Get("apikey") != s.APIKey {
		s.problem(w, http.StatusUnauthorized, "invalid apikey")
		return
	}
	var m tyntec.MessageRequest
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.Channel != tyntec.ChannelWhatsApp || m.To == "" || m.From == "" {
		s.problem(w, http.StatusBadRequest, "malformed message")
		return
	}
	s.mu.Lock()
	if s.refusing {
		s.refused++
		s.mu.Unlock()
		s.problem(w, http.StatusServiceUnavailable, "refusing")
		return
	}
	if len(s.fail) > 0 {
		st := s.fail[0]
		s.fail = s.fail[1:]
		s.mu.Unlock()
		s.problem(w, st, "queued failure")
		return
	}
	s.next++
	id := fmt.Sprintf("msg-%04d", s.next)
	s.messages = append(s.messages, m)
	s.ids = append(s.ids, id)
	reports := s.early
	s.mu.Unlock()
	for _, e := range reports {
		// TynTec's webhook overtakes its answer: the report comes before the sender knows the id.
		if code, body, err := Post(e.webhook, Status(id, e.status, time.Now())); err != nil || code != http.StatusOK {
			s.problem(w, http.StatusInternalServerError, fmt.Sprintf("the webhook answered %d %s %v", code, body, err))
			return
		}
	}
	s.arrived <- struct{}{}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(tyntec.MessageResponse{MessageID: id})
}

func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("apikey") != s.APIKey {
		s.problem(w, http.StatusUnauthorized, "invalid apikey")
		return
	}
	s.mu.Lock()
	f, ok := s.media[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		s.problem(w, http.StatusNotFound, "no such media")
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	_, _ = w.Write(f.data)
}

// Requests counts the sends that reached the stand-in, whatever it answered.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Hold keeps every send from here on in flight until release is called: held receives once
// for each send that arrives meanwhile.
func (s *Server) Hold() (held <-chan struct{}, release func()) {
	h := &hold{held: make(chan struct{}, 100), release: make(chan struct{})}
	s.mu.Lock()
	s.hold = h
	s.mu.Unlock()
	var once sync.Once
	return h.held, func() {
		once.Do(func() {
			s.mu.Lock()
			s.hold = nil
			s.mu.Unlock()
			close(h.release)
		})
	}
}

// ReportBeforeAnswer makes the stand-in call webhook with these status reports of every
// message it accepts from here on, before it answers the send.
func (s *Server) ReportBeforeAnswer(webhook string, statuses ...string) {
	s.mu.Lock()
	for _, st := range statuses {
		s.early = append(s.early, early{webhook: webhook, status: st})
	}
	s.mu.Unlock()
}

// FailNext makes the next sends answer with these statuses, in order.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	s.fail = append(s.fail, statuses...)
	s.mu.Unlock()
}

// Refuse makes every send answer 503 (TynTec unavailable) while on is true.
func (s *Server) Refuse(on bool) {
	s.mu.Lock()
	s.refusing = on
	s.mu.Unlock()
}

// Refused counts the sends answered 503 by Refuse.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// AddMedia serves data as media id and returns its URL.
func (s *Server) AddMedia(id, contentType string, data []byte) string {
	s.mu.Lock()
	s.media[id] = mediaFile{data: data, contentType: contentType}
	s.mu.Unlock()
	return s.URL + "/conversations/v3/media/" + id
}

// Messages returns the accepted messages and their ids, in order.
func (s *Server) Messages() ([]tyntec.MessageRequest, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tyntec.MessageRequest(nil), s.messages...), append([]string(nil), s.ids...)
}

// WaitMessages waits until n messages were accepted in all, or the timeout passes.
func (s *Server) WaitMessages(n int, timeout time.Duration) []tyntec.MessageRequest {
	deadline := time.After(timeout)
	for {
		if m, _ := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.arrived:
		case <-deadline:
			m, _ := s.Messages()
			return m
		}
	}
}

// Post calls a webhook URL with an event as TynTec does and returns the status.
func Post(url string, e tyntec.Event) (int, string, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode, string(b), nil
}

// Text is an inbound text message event.
func Text(id, from, to, text string, at time.Time) tyntec.Event {
	return tyntec.Event{Event: tyntec.EventMoMessage, MessageID: id, Channel: tyntec.ChannelWhatsApp, From: from, To: to, Timestamp: at,
		Content: &tyntec.Content{ContentType: tyntec.ContentText, Text: text}, WhatsApp: &tyntec.WhatsAppInfo{SenderName: "Erika"}}
}

// Image is an inbound image event with a caption.
func Image(id, from, to, url, caption string, at time.Time) tyntec.Event {
	return tyntec.Event{Event: tyntec.EventMoMessage, MessageID: id, Channel: tyntec.ChannelWhatsApp, From: from, To: to, Timestamp: at,
		Content: &tyntec.Content{ContentType: tyntec.ContentMedia, Media: &tyntec.InboundMedia{Type: "image", URL: url, Caption: caption}}}
}

// Status is a status event of an outbound message ("delivered", "seen", "failed").
func Status(messageID, status string, at time.Time) tyntec.Event {
	return tyntec.Event{Event: tyntec.EventStatusPrefix + status, MessageID: messageID, Channel: tyntec.ChannelWhatsApp, Status: status, Timestamp: at}
}
