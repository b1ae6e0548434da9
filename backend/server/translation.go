package server

import (
	"context"

	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translog"
)

// translationPart is the one translation client of the server, which translates every chat
// (the chat service's and WhosOn's) and the admin pages' tests, and the writer of the tenants'
// translation call logs it reports to.
type translationPart struct {
	log  *translog.Writer
	stop context.CancelFunc
	done chan struct{}
}

// setupTranslation makes the client (kept as s.whoson.translator, which /metrics reads) and
// the call log's writer; startTranslation runs the writer.
func (s *Server) setupTranslation() {
	s.translation.log = translog.New(s.store, translog.DefaultQueue, s.log)
	s.whoson.translator = &translate.Client{Record: s.translation.log.Record}
}

// startTranslation runs the call log's writer until stopTranslation.
func (s *Server) startTranslation() {
	ctx, cancel := context.WithCancel(context.Background())
	s.translation.stop, s.translation.done = cancel, make(chan struct{})
	go func() {
		defer close(s.translation.done)
		s.translation.log.Run(ctx)
	}()
}

// stopTranslation writes the calls still queued and stops the writer; call it after the chat
// service stopped and before the store closes.
func (s *Server) stopTranslation() {
	if s.translation.stop == nil {
		return
	}
	s.translation.stop()
	<-s.translation.done
}
