package server

import (
	"context"

	"github.com/parleychat/parley/backend/reportexport"
	"github.com/parleychat/parley/backend/store"
)

// reportExportPart is the server's chat report export worker, woken by every committed chat
// event (the exports of the chats they closed were written in the same commit).
type reportExportPart struct {
	worker *reportexport.Worker
	stop   context.CancelFunc
	done   chan struct{}
	unsub  func()
}

// setupReportExports builds the worker; startReportExports runs it. The export URLs are
// tenants' like webhook endpoints, so PARLEY_WEBHOOK_ALLOW_PRIVATE governs both.
func (s *Server) setupReportExports() {
	s.exports.worker = reportexport.NewWorker(reportexport.Options{Store: s.store, AllowPrivate: s.cfg.WebhookAllowPrivate, Logger: s.log})
}

// startReportExports runs the worker until stopReportExports: exports left pending by an
// earlier run (a crash, a kill) are sent from the start.
func (s *Server) startReportExports() {
	ctx, cancel := context.WithCancel(context.Background())
	s.exports.stop, s.exports.done = cancel, make(chan struct{})
	s.exports.unsub = wakeOnOwnWrites(s.bus, s.outboxWrites(store.OutboxExports), s.exports.worker.Wake)
	go func() {
		defer close(s.exports.done)
		s.exports.worker.Run(ctx)
	}()
}

// stopReportExports stops the worker and waits for it; an attempt it interrupts is tried
// again after the next start.
func (s *Server) stopReportExports() {
	if s.exports.stop == nil {
		return
	}
	s.exports.unsub()
	s.exports.stop()
	<-s.exports.done
}
