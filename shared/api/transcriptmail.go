package api

import "net/url"

// TranscriptMailPath is the agent API's transcript e-mail of chat id (MiCC's "transcript
// e-mail"): GET answers a [TranscriptDraft] to prefill the form, POST sends a
// [TranscriptMailRequest] and answers a [TranscriptMailSent]. Only agents who took part in
// the chat and the tenant's supervisors may use it.
func TranscriptMailPath(id string) string {
	return "/api/chats/" + url.PathEscape(id) + "/transcript-mail"
}

// TranscriptDraft prefills the agent's transcript e-mail form.
type TranscriptDraft struct {
	// To is the visitor's e-mail address when the chat knows it.
	To string `json:"to"`
	// Subject is the connector's subject with the chat's values filled in.
	Subject string `json:"subject"`
	// OpenOnClose says the form opens by itself when the agent closes the chat (the
	// connector's "Open transcript e-mail on close").
	OpenOnClose bool `json:"open_on_close"`
	// Available is false when the tenant has no SMTP server configured: nothing can be sent.
	Available bool `json:"available"`
}

// TranscriptMailRequest sends the transcript to To with Subject (empty: the connector's).
type TranscriptMailRequest struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	// Key names this send: the app makes a new one for each press of Send and keeps it when
	// it tries the same send again, so that a request that reaches the server twice (a retry
	// after a lost answer) e-mails once and answers as the first did. Up to 64 letters,
	// digits, "-" and "_"; empty sends every time.
	Key string `json:"key,omitempty"`
}

// MaxTranscriptMailKey is the longest [TranscriptMailRequest.Key].
const MaxTranscriptMailKey = 64

// ValidTranscriptMailKey reports whether k may be a [TranscriptMailRequest.Key].
func ValidTranscriptMailKey(k string) bool {
	if len(k) > MaxTranscriptMailKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// TranscriptMailSent says the transcript was written to the outbox for To.
type TranscriptMailSent struct {
	To string `json:"to"`
}
