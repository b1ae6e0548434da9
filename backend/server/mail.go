package server

import (
	"context"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/shared/protocol"
)

// mailPart is the server's e-mail: the outbox worker and the transcripts it delivers.
type mailPart struct {
	outbox      *mail.Outbox
	transcripts *mail.Transcripts
	// left notifies groups of left messages and sends the replies to them.
	left  *mail.Left
	stop  context.CancelFunc
	done  chan struct{}
	unsub func()
}

// setupMail builds the outbox worker and the transcript sender, which the chat service uses
// for visitors' requests and automatic transcripts; startMail runs the worker.
func (s *Server) setupMail() {
	s.mail.transcripts = &mail.Transcripts{Store: s.store, Chats: s.chats, Settings: s.settings}
	s.mail.outbox = mail.NewOutbox(mail.Options{Store: s.store, Composer: s.mail.transcripts, Logger: s.log})
	s.mail.transcripts.Outbox = s.mail.outbox
	s.chats.SetTranscriptMailer(s.mail.transcripts)
	s.mail.left = &mail.Left{Store: s.store, Outbox: s.mail.outbox}
	scheme := "http"
	if s.cfg.SecureCookies {
		scheme = "https"
	}
	s.chats.NotifyLeft(s.mail.left, func(host string) string { return scheme + "://" + host })
}

// startMail runs the outbox worker until stopMail: messages left pending by an earlier run
// are delivered from the start.
func (s *Server) startMail() {
	ctx, cancel := context.WithCancel(context.Background())
	s.mail.stop, s.mail.done = cancel, make(chan struct{})
	// A close may have written an automatic transcript in its transaction (this node's: see
	// wakeOnOwnWrites).
	s.mail.unsub = s.bus.SubscribeChats(func(e changes.ChatEvent) {
		if protocol.Type(e.Type) == protocol.TypeChatState && !e.Remote {
			s.mail.outbox.Wake()
		}
	})
	go func() {
		defer close(s.mail.done)
		s.mail.outbox.Run(ctx)
	}()
}

// stopMail stops the worker and waits for it; an attempt it interrupts is tried again after
// the next start.
func (s *Server) stopMail() {
	if s.mail.stop == nil {
		return
	}
	s.mail.unsub()
	s.mail.stop()
	<-s.mail.done
}
