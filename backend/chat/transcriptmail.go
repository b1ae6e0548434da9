package chat

import (
	"context"
	"sync/atomic"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// TranscriptMailer writes transcript e-mails to the outbox (*mail.Transcripts has it). Its
// errors that are the caller's to correct are *protocol.Error.
type TranscriptMailer interface {
	// RequestTranscript e-mails chat chatID's transcript to email.
	RequestTranscript(ctx context.Context, chatID, email string) error
	// Offered reports whether tenant tenantID can send e-mail, so that the widget offers
	// the transcript.
	Offered(ctx context.Context, tenantID int64) bool
}

// transcriptMailer is the service's mailer, set once the server has built it (the mailer
// needs the service, the service the mailer).
type transcriptMailer struct {
	m atomic.Pointer[TranscriptMailer]
}

// SetTranscriptMailer lets visitors ask for transcripts (transcript.request and the post-chat
// survey's e-mail field). Without it the request is answered as unsupported. (Automatic
// transcripts on close are written by the store in the close's transaction.)
func (s *Service) SetTranscriptMailer(m TranscriptMailer) { s.mailer.m.Store(&m) }

func (s *Service) transcriptMailer() TranscriptMailer {
	if p := s.mailer.m.Load(); p != nil {
		return *p
	}
	return nil
}

// transcriptRequest answers a visitor's transcript.request for a chat it follows.
func (ss *Session) transcriptRequest(ctx context.Context, cmd protocol.Command, b *protocol.TranscriptRequest) {
	if !ss.follows(cmd.Chat) {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	m := ss.s.transcriptMailer()
	if m == nil {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeUnsupported, "e-mail transcripts are not offered by this server"))
		return
	}
	ss.reply(cmd.ID, nil, m.RequestTranscript(ctx, cmd.Chat, b.Email))
}

// surveyTranscript sends the transcript to the address the visitor gave in the post-chat
// survey's e-mail field, if it has one. A failure is logged: the survey itself was saved.
func (s *Service) surveyTranscript(chatID string, post []survey.Field, answers map[string]string) {
	m := s.transcriptMailer()
	if m == nil {
		return
	}
	for _, f := range post {
		if v := answers[f.Name]; survey.IsEmail(f) && v != "" {
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				ctx, cancel := context.WithTimeout(s.ctx, commandTimeout)
				defer cancel()
				if err := m.RequestTranscript(ctx, chatID, v); err != nil {
					s.log.Warn("survey transcript not sent", "chat", chatID, "err", err)
				}
			}()
			return
		}
	}
}

// transcriptOffered reports whether visitors of tenant tenantID may ask for the transcript.
func (s *Service) transcriptOffered(ctx context.Context, tenantID int64) bool {
	m := s.transcriptMailer()
	return m != nil && m.Offered(ctx, tenantID)
}
