package chat

import (
	"strings"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/widget/uitext"
)

// This file is "Send me the transcript" (WhosOn Transcript): while the chat runs and after
// it ended, until a new chat starts, a visitor of a tenant that can send e-mail
// (connected.transcript) may have the conversation e-mailed to an address, prefilled with the
// one the chat was started with. The server writes it to its outbox (transcript.request) and
// bounds the transcripts of a chat.

// TranscriptState is where the visitor is with asking for the transcript.
type TranscriptState uint8

// The transcript states.
const (
	// TranscriptNone: the button is offered.
	TranscriptNone TranscriptState = iota
	// TranscriptOpen: the e-mail field is shown.
	TranscriptOpen
	// TranscriptSending: transcript.request is on its way.
	TranscriptSending
	// TranscriptSent: the server took it; "sent to …" is shown, and the button again.
	TranscriptSent
)

// transcriptState is the model's part of the transcript request.
type transcriptState struct {
	// Transcript is the state; TranscriptTo the address asked for (prefilled, then sent to);
	// TranscriptErr why the last try was refused ("" none).
	Transcript    TranscriptState
	TranscriptTo  string
	TranscriptErr string
}

// TranscriptOffered reports whether the "Send me the transcript" button or its form is
// shown: the tenant can send e-mail and there is a chat, running or ended.
func (m *Model) TranscriptOffered() bool {
	if m.Info == nil || !m.Info.Transcript || m.Chat == "" {
		return false
	}
	return m.Phase == PhaseQueued || m.Phase == PhaseActive || (m.Phase == PhaseClosed && !m.LeaveShown())
}

// TranscriptAddress is the address the e-mail field shows: the last one asked for, else the
// one the chat was started with.
func (m *Model) TranscriptAddress() string {
	if m.TranscriptTo != "" {
		return m.TranscriptTo
	}
	if m.Email != "" {
		return m.Email
	}
	return m.cfg.PData["email"]
}

// OpenTranscript shows the e-mail field.
func (m *Model) OpenTranscript() {
	if m.TranscriptOffered() && m.Transcript != TranscriptSending {
		m.Transcript, m.TranscriptErr = TranscriptOpen, ""
	}
}

// CancelTranscript hides the e-mail field.
func (m *Model) CancelTranscript() {
	if m.Transcript == TranscriptOpen {
		m.Transcript, m.TranscriptErr = TranscriptNone, ""
	}
}

// SendTranscript asks for the transcript at email. It reports whether the request went out;
// when not, TranscriptErr says why.
func (m *Model) SendTranscript(email string) bool {
	if !m.TranscriptOffered() || m.Transcript == TranscriptSending {
		return false
	}
	email = strings.TrimSpace(email)
	m.TranscriptTo = email
	if email == "" || m.checker().Check(leaveEmail, email) != nil {
		m.Transcript, m.TranscriptErr = TranscriptOpen, m.Texts().Get(uitext.SurveyEmail)
		return false
	}
	m.Transcript, m.TranscriptErr = TranscriptSending, ""
	m.enqueue(protocol.Command{ID: m.nextID(), Chat: m.Chat, Body: &protocol.TranscriptRequest{Email: email}})
	return true
}

// TranscriptStatus is the line under the button: "sent to …" once the server took it.
func (m *Model) TranscriptStatus() string {
	if m.Transcript != TranscriptSent {
		return ""
	}
	return uitext.Fill(m.Texts().Get(uitext.TranscriptSent), "email", m.TranscriptTo)
}

// transcriptAnswered takes the server's answer to transcript.request (e nil: taken).
func (m *Model) transcriptAnswered(e *protocol.Error) {
	if e == nil {
		m.Transcript, m.TranscriptErr = TranscriptSent, ""
		return
	}
	m.Transcript = TranscriptOpen
	t := m.Texts()
	switch e.Code {
	case protocol.CodeInvalid:
		m.TranscriptErr = t.Get(uitext.SurveyEmail)
	case protocol.CodeRateLimited:
		m.TranscriptErr = t.Get(uitext.TranscriptLimit)
	default:
		m.TranscriptErr = t.Get(uitext.TranscriptFailed)
	}
}
